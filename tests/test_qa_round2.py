"""QA round 2 (helper qa40): issue 10 end to end, as a user meets it. Each test failed before its fix."""
from __future__ import annotations

from corpus.org_cells import action_owner
from search.commitments import commitment_record

RCPCH = "Royal College of Paediatricians and Child Health"
UHCW = "University Hospital of Coventry and Warwickshire NHS Trust"


def _row(text, owner, respondent, how="report recipients", kind="commitment"):
    return {"id": 1, "document_id": 2, "seq": 0, "kind": kind, "text": text, "owner": owner, "due": None,
            "due_text": None, "updated": None, "status": None, "page": None, "finding_id": None,
            "document_title": "t", "document_type": "pfd_response", "document_date": None,
            "document_meta": {"respondent": respondent, "respondent_from": how}}


def test_an_owner_that_is_part_of_the_respondents_name_is_the_respondent():
    # "The College will …" in the RCPCH letter; "The Royal College of General Practitioners remains
    # committed …" read as "General Practitioners": both are the respondent speaking of itself
    assert action_owner("College", "The College will be sharing information with our members.", RCPCH,
                        "report recipients") == RCPCH
    rcgp = "Royal College of General Practitioners"
    assert action_owner("General Practitioners", f"The {rcgp} remains committed to supporting education.",
                        rcgp, "report recipients") == rcgp


def test_the_respondent_as_subject_wins_over_a_body_named_after_it():
    text = ("UHCW has Service Level Agreements with George Eliot Hospital and with South Warwickshire "
            "Foundation Trust that UHCW will provide onsite Renal Consultant review upon request.")
    assert action_owner("George Eliot Hospital", text, UHCW, "report recipients") == UHCW
    # another body as the subject still owns its action
    other = "The Metropolitan Police Service will review its guidance with the Trust."
    assert action_owner("Metropolitan Police Service", other, UHCW, "report recipients") == "Metropolitan Police Service"


def test_a_respondents_commitment_counts_for_that_organisation_not_a_fragment_of_its_name():
    for who in ("Royal College of Radiologists", RCPCH, UHCW):
        rec = commitment_record(_row("We will publish new guidance in 2025.", None, who), "2026-01-01")
        assert [o["key"] for o in rec["organisations"]] == [rec["organisations"][0]["key"]]
        assert rec["organisations"][0]["name"] == who, rec["organisations"]
