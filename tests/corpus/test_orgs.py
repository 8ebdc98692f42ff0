import pytest

from corpus.orgs.keys import ORG_TYPES, normalise_org, org_type, split_orgs


@pytest.mark.parametrize("raw, key, name", [
    ("NHS England", "nhs-england", "NHS England"),
    ("NHS England & NHS Improvement", "nhs-england", "NHS England"),
    ("Chief Executive, NHS England", "nhs-england", "NHS England"),
    ("Chief Executive of NHS England", "nhs-england", "NHS England"),
    ("Mr Simon Stevens, Chief Executive, NHS England", "nhs-england", "NHS England"),
    ("The Chief Executive, Stockport NHS Foundation Trust", "stockport-nhs-foundation-trust",
     "Stockport NHS Foundation Trust"),
    ("WMP", "west-midlands-police", "West Midlands Police"),
    ("Dave Thompson, Chief Constable, West Midlands Police (WMP)", "west-midlands-police", "West Midlands Police"),
    ("Chief Constable - West Midlands Police", "west-midlands-police", "West Midlands Police"),
    ("The Secretary of State for Health and Social Care", "department-of-health-and-social-care",
     "Department of Health and Social Care"),
    ("Rt Hon Steve Barclay MP, Secretary of State for Health & Social Care", "department-of-health-and-social-care",
     "Department of Health and Social Care"),
    ("Department of Health", "department-of-health-and-social-care", "Department of Health and Social Care"),
    ("The Rt Hon Priti Patel MP, Secretary of State for the Home Department", "home-office", "Home Office"),
    ("NICE", "national-institute-for-health-and-care-excellence", "National Institute for Health and Care Excellence"),
    ("National Institute for Clinical Excellence (NICE)", "national-institute-for-health-and-care-excellence",
     "National Institute for Health and Care Excellence"),
    ("HMPPS", "hm-prison-and-probation-service", "HM Prison and Probation Service"),
    ("National Offender Management Service", "hm-prison-and-probation-service", "HM Prison and Probation Service"),
    ("DHSC", "department-of-health-and-social-care", "Department of Health and Social Care"),
    ("MHRA", "medicines-and-healthcare-products-regulatory-agency",
     "Medicines and Healthcare products Regulatory Agency"),
    ("The Care Quality Commission", "care-quality-commission", "Care Quality Commission"),
    ("CQC", "care-quality-commission", "Care Quality Commission"),
    ("the CoP", "college-of-policing", "College of Policing"),
    ("Ms Wendy Wallace, Chief Executive, Camden & Islington NHS Foundation Trust",
     "camden-and-islington-nhs-foundation-trust", "Camden & Islington NHS Foundation Trust"),
    ("Medical Director of the York Teaching Hospitals NHS Foundation Trust",
     "york-teaching-hospital-nhs-foundation-trust", "York Teaching Hospitals NHS Foundation Trust"),
    ("1. Chief Executive, South West London and St Georges Hospitals NHS Trust 1",
     "south-west-london-and-st-georges-hospital-nhs-trust", "South West London and St Georges Hospitals NHS Trust"),
    ("Commissioner [REDACTED], City of London Police, 182 Bishopsgate, London", "city-of-london-police",
     "City of London Police"),
    ("Alwen Williams, Chief Executive, Barts Health", "barts-health", "Barts Health"),
])
def test_spellings_merge(raw, key, name):
    org = normalise_org(raw)
    assert (org.key, org.name) == (key, name)


@pytest.mark.parametrize("raw", ["Chief Executive", "The Chief Executive", "Medical Director", "Mr D Ridley",
                                 "Ms S. Horsfall, Chief Executive", "[REDACTED]", "", None, "The force"])
def test_titles_and_people_name_no_organisation(raw):
    assert normalise_org(raw).key is None


def test_key_ignores_the_punctuation_and_ampersand():
    a = normalise_org("Norfolk & Suffolk NHS Foundation Trust").key
    assert a == normalise_org("The Chief Executive, Norfolk and Suffolk NHS Foundation Trust.").key
    assert a == "norfolk-and-suffolk-nhs-foundation-trust"


@pytest.mark.parametrize("raw, kind", [
    ("West Midlands Police", "police"), ("Chief Constable, Kent Police", "police"), ("chief constables", "police"),
    ("Stockport NHS Foundation Trust", "nhs_trust"), ("Betsi Cadwaladr University Health Board (BCUHB)", "nhs_trust"),
    ("Chief Executive, NHS England", "nhs_national"), ("NICE", "nhs_national"),
    ("Birmingham City Council", "local_authority"), ("Chief Executive, Torbay Council", "local_authority"),
    ("Secretary of State for Justice", "government"), ("The Home Office", "government"),
    ("CQC", "regulator"), ("MHRA", "regulator"), ("Health and Safety Executive", "regulator"),
    ("HMPPS", "prison_probation"), ("The Governor, HMP Portland", "prison_probation"),
    ("Meade Close Care Home", "care_provider"), ("Honicknowle Green Medical Centre", "care_provider"),
    ("Carrington Doors", "other"), ("Chief Executive", "other"),
])
def test_org_type(raw, kind):
    assert org_type(raw) == kind
    assert kind in ORG_TYPES


def test_split_orgs():
    assert split_orgs("1. Chief Constable of Sussex Police 2. CEO Sussex Partnership NHS Foundation Trust") == [
        "Chief Constable of Sussex Police", "CEO Sussex Partnership NHS Foundation Trust"]
    assert split_orgs("NHS England; CQC") == ["NHS England", "CQC"]
    assert split_orgs("") == []


@pytest.mark.parametrize("raw, key", [
    ("The Chief Constable Mr G York QPM Sussex Police", "sussex-police"),
    ("The Chief Executive Mr John Adler University Hospitals of Leicester NHS Trust",
     "university-hospital-of-leicester-nhs-trust"),
    ("Mr Smith Sussex Police", "sussex-police"),
    ("Ms Heather Bresch Chief Executive Mylan Pharmaceuticals", "mylan-pharmaceuticals"),  # the title ends the name
    ("Mr Mike Parish Chief Executive Care UK", "care-uk"),
    ("Dr [REDACTED] Newbury Group Practice", "newbury-group-practice"),  # no name to take off
    ("Sir Robert McAlpine Ltd", "robert-mcalpine-ltd"),  # a firm named after a person
    ("Mr Steve McManus", None),
    # only body words would be left: the "name" was the body's own words, so the text stays whole
    ("Dr Brighton Sussex University NHS Hospital Trust", "brighton-sussex-university-nhs-hospital-trust"),
    ("CEO Ms Jo Farrar", None),
    ("Chief Executive Ms A Young", None),
    ("Chief Constable Sir Peter Fahy", None),
    ("Theresa May MP", None),
])
def test_a_titled_person_is_their_body_or_no_organisation(raw, key):
    """A recipient written as a person with a personal title (Mr, Ms, Sir …) is the body written
    after the name, or no organisation when none is; never "Mr G York Sussex Police"."""
    org = normalise_org(raw)
    if key is None:
        assert org.key is None, org
    else:
        assert org.key == key, org


def test_a_titled_persons_body_is_never_glued_to_the_name():
    for raw in ("Chief Executive Officer Mr M Cunningham QPM College of Policing", "Ms Paula Clark SaTH",
                "Chief Executive Officer Sir H Orde QPM Association of Chief Police Officers (ACPO)"):
        org = normalise_org(raw)
        assert org.key and not any(w in org.name for w in ("Mr", "Ms", "Sir", "Cunningham", "Clark", "Orde")), org
