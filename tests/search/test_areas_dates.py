"""One name per coroner area; dates that say how exact they are (issue 26)."""
from corpus.areas import area_key, group_areas
from search.cases import dated


def test_spellings_of_one_area_are_one():
    same = ["Greater Manchester South", "Manchester South", "Manchester (South)", "South Manchester",
            "Coroner Area of Greater Manchester South", "Manchester South Coronial Area"]
    assert len({area_key(a) for a in same}) == 1
    names = group_areas({a: 1 for a in same} | {"Greater Manchester South": 50})
    assert set(names.values()) == {"Greater Manchester South"}
    assert area_key("West Yorkshire (E)") == area_key("Yorkshire West Eastern")
    assert area_key("Inner North London St Pancras Coroner’s Court Camley Street London N1C 4PP") == \
        area_key("London Inner North")


def test_two_areas_never_merge():
    counts = {"Manchester City": 60, "Greater Manchester South": 390, "Herefordshire": 12, "Hertfordshire": 36,
              "Gloucestershire": 37, "Worcestershire": 55, "Hertofdshlre": 1, "Kent and Medway": 5,
              "Kent Mid and Medway": 47, "City of Sunderland": 2, "Sunderland": 44}
    names = group_areas(counts)
    assert len({names[a] for a in ("Manchester City", "Greater Manchester South")}) == 2
    assert len({names[a] for a in ("Herefordshire", "Hertfordshire", "Gloucestershire", "Worcestershire")}) == 4
    assert names["Kent and Medway"] != names["Kent Mid and Medway"]
    assert names["City of Sunderland"] == names["Sunderland"] == "Sunderland"


def test_dates_say_how_exact_and_letters_follow_their_report():
    assert dated("2024-05-08") == {"date": "2024-05-08", "precision": "day", "label": "2024-05-08"}
    assert dated("2024-05")["precision"] == "month"
    d = dated("2024-11-01", approx=True, after="2024-11-08")
    assert d["precision"] == "published_by" and d["date"] == "2024-11-08"
    assert "published by the end of November 2024" in d["label"] and "after the report of 2024-11-08" in d["label"]
    d = dated("2025-06-01", approx=True, after="2024-11-05")
    assert d["date"] == "2025-06-01" and d["label"] == "published by the end of June 2025"


def test_national_councils_are_not_local_authorities_and_types_say_why():
    from corpus.orgs import org_type, org_type_evidence

    assert org_type("Advisory Council on the Misuse of Drugs") == "government"
    assert org_type("Sentencing Council") == "government"
    assert org_type("Wirral Council") == org_type("Birmingham City Council") == "local_authority"
    assert org_type("HM Inspectorate of Constabulary and Fire & Rescue Services") == "regulator"
    assert "Constabulary" in org_type_evidence("West Mercia Constabulary") or \
        "Police" in org_type_evidence("West Mercia Constabulary")
