"""A receiver cell that lists several bodies with commas is several recipients (each with its
own 56-day clock); one recipient written "Name, Role, Organisation" or with an address stays one.
Texts written for these tests (invented people and bodies)."""
from corpus.readers.datasets import split_recipients
from corpus.orgs.recipients import part_score, split_comma_list


def test_list_of_bodies_is_split_one_recipient_each():
    cell = ("The family of Jonah Pelling, Care Quality Commission, Westmere Borough Council, "
            "Secretary of State for Justice, Secretary of State for Health, INQUEST")
    assert split_recipients(cell) == [
        "The family of Jonah Pelling", "Care Quality Commission", "Westmere Borough Council",
        "Secretary of State for Justice", "Secretary of State for Health", "INQUEST"]


def test_name_role_organisation_stays_one_recipient():
    for cell in ("Mrs T Varden, Chief Executive, Northmoor Hospitals NHS Foundation Trust",
                 "[REDACTED], Director, Adults and Community Wellbeing, Eastvale Council",
                 ", Chief Executive, Westmere NHS Trust",
                 "Lina Ostrow, Interim Chief Executive, Calder Care Ltd",
                 "The Rt Hon Jo Smith MP, Secretary of State for Business, Innovation and Skills",
                 "Home Office: The Rt Hon Jo Smith MP, Minister for Crime and Policing"):
        assert split_recipients(cell) == [cell.strip(" ,")], cell


def test_address_and_place_lists_stay_one_recipient():
    for cell in ("Brookside Residential Home, Orchard Drive, Kelby",
                 "Westmere Safety Board, 14 Tallow Street, London, NW9 3QT",
                 "Chief Executive of Ashby, Kelby, Dunmoor and Wexley NHS Foundation Trust",
                 "Parking, Roads and Transport, Kelby City Council"):
        assert len(split_recipients(cell)) == 1, cell


def test_a_post_and_its_department_are_one_recipient():
    # the office sits in the government department named after it
    assert split_comma_list("Secretary of State for Health, Department of Health") == [
        "Secretary of State for Health, Department of Health"]
    assert split_comma_list("Minister for Health, Welsh Assembly Government, Care Quality Commission") == [
        "Minister for Health, Welsh Assembly Government", "Care Quality Commission"]
    # a unit and the body it belongs to
    assert len(split_recipients("Highways Department, Kelby City Council")) == 1
    # one body written twice (an alias beside its name, or with "Ltd")
    assert len(split_recipients("HM Prison Service, NOMS")) == 1
    assert len(split_recipients("Northmoor Staffing, Northmoor Staffing Ltd")) == 1


def test_office_subjects_after_a_comma_are_not_a_new_recipient():
    assert split_recipients("Secretary of State for Housing, Communities and Local Government, Kelby Police") == [
        "Secretary of State for Housing, Communities and Local Government", "Kelby Police"]


def test_part_scores_read_the_signals():
    assert part_score("Westmere Borough Council") > 0
    assert part_score("Secretary of State for Transport") > 0
    assert part_score("family of Mr Pelling") > 0
    assert part_score("Mr J Pelling") <= 0
    assert part_score("Chief Executive") <= 0
    assert part_score("NW9 3QT") <= 0
    assert part_score("Kelby") <= 0
    assert part_score("and Skills") <= 0


def test_the_comma_rule_can_be_turned_off_and_other_splits_still_apply():
    cell = "Care Quality Commission, Westmere Borough Council"
    assert split_recipients(cell, commas=False) == [cell]
    assert split_recipients("Kelby Police; Care Quality Commission, Westmere Borough Council") == [
        "Kelby Police", "Care Quality Commission", "Westmere Borough Council"]


def test_an_alias_after_a_long_name_is_the_same_body():
    assert len(split_recipients("Department for Environment, Food and Rural Affairs, Defra")) == 1
    assert len(split_recipients("NOMS, Safer Custody Group, National Offender Management Service")) == 1


def test_a_library_built_before_the_comma_rule_tracks_each_body():
    """Tracking splits stored recipients the way ingest does now, so a library built before the
    comma rule counts each body of a comma list (and still keeps "Name, Role, Body" whole)."""
    from search.responses.recipients import recipient_names

    stored = ["The family of Ann Example, Health and Safety Executive, College of Policing, Care Quality Commission"]
    assert recipient_names(stored) == ["The family of Ann Example", "Health and Safety Executive",
                                       "College of Policing", "Care Quality Commission"]
    assert recipient_names(["Mr S Bain, Chief Executive, Northmoor Hospitals NHS Trust"]) == [
        "Mr S Bain, Chief Executive, Northmoor Hospitals NHS Trust"]
