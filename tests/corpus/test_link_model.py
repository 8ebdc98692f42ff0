"""Issue 10, session 4: the link model reads the letter against the report's concerns, one body
named twice among a report's recipients is one entry, an unlinked letter is named by the
organisation it speaks for."""
from __future__ import annotations

import json

from corpus.responses.link_model import LINK_FEATURES, LINK_WEIGHTS, candidate_features
from corpus.responses.cues import extract_cues, make_report
from corpus.responses.match import concern_similarity, decide
from tests.support.ledger_data import insert_text_document

LETTER = ("Thank you for your report. You raised a concern about the lack of approved premises beds for "
          "prisoners released on licence.\n\nThe Probation Service has since opened forty new approved premises "
          "beds in the region and will review the referral process for prison leavers by March 2025.\n\n"
          "Homelessness prevention teams now meet every prison leaver before release.")
HOUSING = ("There is a lack of approved premises beds available to the Probation Service for prisoners "
           "released on licence, so some prison leavers become homeless.")
OTHER = "The ambulance response to the call was delayed by the handover of patients at the emergency department."


def _report(i, ref, concerns, text="An inquest was held."):
    r = make_report(i, f"Report {ref}", text + " " + " ".join(concerns), ref, "2024-05-01",
                    {"recipients": ["Probation Service"]})
    r.concerns = list(concerns)
    return r


def test_concern_similarity_prefers_the_report_whose_concerns_the_letter_answers():
    cues = extract_cues(LETTER)
    housing = _report(1, "2024-0100", [HOUSING])
    ambulance = _report(2, "2024-0200", [OTHER])
    best_h, cover_h = concern_similarity(cues, housing)
    best_a, cover_a = concern_similarity(cues, ambulance)
    assert best_h > best_a and cover_h > cover_a
    assert concern_similarity(cues, make_report(3, "x", "no concerns known")) == (0.0, 0.0)
    feats = candidate_features([s for s in decide(cues, [housing, ambulance]).ranked])
    by_ref = dict(zip([s.report.reference for s in decide(cues, [housing, ambulance]).ranked], feats))
    assert by_ref["2024-0100"]["concern_lead"] > 0 > by_ref["2024-0200"]["concern_lead"]


def test_link_model_weights_cover_its_features_and_reward_answering_the_concerns():
    assert set(LINK_WEIGHTS) == set(LINK_FEATURES)
    assert LINK_WEIGHTS["concern_lead"] > 0 and LINK_WEIGHTS["concern_cover"] > 0


def test_letter_naming_nobody_does_not_link_on_concern_similarity_alone():
    """Speaking to a concern is evidence, not identity: a letter with no name, date or quoted
    text is not linked to the one report on its topic."""
    letter = "We have opened new approved premises beds and will review referrals for prison leavers."
    d = decide(extract_cues(letter), [_report(1, "2024-0100", [HOUSING]), _report(2, "2024-0200", [OTHER])])
    assert d.report is None


def test_re_line_and_who_died_name_the_deceased():
    for text in ("Re: Jacob Billington, who died on 1 January 2023", "the inquest of Mrs Ann Marie Jones (deceased)",
                 "regarding Sarah Smith who sadly died in May."):
        assert extract_cues(text).names, text
    assert not extract_cues("Dear Sir, Regulation 28 Report, who died").names


def test_one_body_named_twice_among_recipients_has_the_report_once_answered(library):
    from search.ledger.organisations import organisation_index

    with library.store.transaction() as c:
        rep = insert_text_document(c, "Ann Jones — PFD report 2024-0300", "pfd_report", "Concern: midwifery staffing.",
                      "2024-0300", "2024-01-10",
                      {"recipients": ["Chief Midwife", "Southwest Regional Midwife", "Royal Cornwall Hospitals NHS Trust"]})
        resp = insert_text_document(c, "NHS England — response", "pfd_response", "NHS England has reviewed midwifery staffing.",
                       None, "2024-03-01", {"respondent": "NHS England"})
        c.execute("INSERT INTO links(response_id, report_id, confidence, evidence) VALUES (?,?,1.0,'{}')", (resp, rep))
    idx = organisation_index(library, "2024-06-01")
    nhse = [e for e in idx.values() if e["name"] == "NHS England"]
    assert len(nhse) == 1
    rows = [r for r in nhse[0]["reports"] if r["id"] == rep]
    assert len(rows) == 1, rows
    assert rows[0]["status"] == "responded"
    assert set(rows[0]["sent_to"]) == {"Chief Midwife", "Southwest Regional Midwife"}
    trust = [e for e in idx.values() if "Cornwall" in e["name"]]
    assert trust and [r["status"] for r in trust[0]["reports"]] == ["overdue"]


def test_unlinked_letter_is_named_by_the_organisation_it_speaks_for(library):
    from index.responses.answering import name_unlinked

    text = ("The Department for Transport has published new guidance on pedestrian crossings. "
            "The Department for Transport will consult on the design standard this year, and the Department "
            "for Transport has asked National Highways to review its signage. " * 2)
    with library.store.transaction() as c:
        doc = insert_text_document(c, "letter", "pfd_response", text)
        who = name_unlinked(c, doc)
    assert who == "Department for Transport"
    meta = json.loads(library.store.conn.execute("SELECT meta FROM documents WHERE id=?", (doc,)).fetchone()[0])
    assert meta["respondent_from"] in ("letter text", "organisations named in the letter")
    with library.store.transaction() as c:
        nobody = insert_text_document(c, "nobody", "pfd_response", "Thank you for your letter about the inquest.")
        assert name_unlinked(c, nobody) is None


def test_concerns_numbered_by_a_bare_number_opening_each_paragraph_split():
    """'1 Mr X was …' (a number and a space, no dot, as a dataset row keeps '1  Mr X'): one concern each."""
    from corpus.extract.pfd import extract_pfd_concerns
    from corpus.records import Block, Document

    body = ("1 Mr Smith was diagnosed with autism and the assessment did not consider it.\n\n"
            "2 He insisted his difficulties were linked to his autism and not a mental disorder.\n\n"
            "3 Assessment and formulation of risk did not fully explore the impact of his autism.")
    doc = Document(title="x", source="x", blocks=[Block(text="Intro.", section="Investigation"),
                                                    Block(text=body, section="Coroner's concerns")], type="pfd_report")
    found = extract_pfd_concerns(doc, doc.text)
    assert [f.text[:8] for f in found] == ["Mr Smith", "He insis", "Assessme"]
    # a paragraph that merely opens with a count is no list
    one = Document(title="y", source="y", blocks=[Block(text="Intro.", section="Investigation"), Block(
        text="The care was poor.\n\n4 Officers attended but none checked the cell.", section="Coroner's concerns")],
        type="pfd_report")
    assert len(extract_pfd_concerns(one, one.text)) <= 2


def test_action_plan_leads_that_are_ranks_functions_or_people_are_not_organisations():
    from corpus.orgs.keys import normalise_org

    for lead in ("DCI", "HR", "L&D", "Learning and Development", "Workforce Development",
                 "Trauma and orthopaedics surgeon via his legal representative at DWF"):
        assert normalise_org(lead).key is None, lead
    # the body behind "and his solicitors and counsel" / "via their legal representatives"
    assert normalise_org("The Chief Constable of Northumbria Police and his solicitors and counsel").key == "northumbria-police"
    assert normalise_org("The Chief Executive, Leicestershire Partnership NHS Trust via their legal representatives").key \
        == "leicestershire-partnership-nhs-trust"
    for body in ("West Midlands Police", "Probation", "CCG", "Performance Health", "Birmingham City Council"):
        assert normalise_org(body).key, body


def test_owner_cells_count_the_bodies_they_name_not_roles_around_them():
    from search.ledger.commitments import owner_orgs

    def names(cell):
        return [o["name"] for o in owner_orgs(cell)]

    assert names("Head of Protecting Vulnerable People. Warwickshire Police and West Mercia Police") == [
        "Warwickshire Police", "West Mercia Police"]
    assert names("Approved Premises ACOs Wales Probation Trust Quality and Scrutiny Manager Wales Probation Trust") == [
        "Wales Probation Trust"]
    assert names("The Chief Executive of University Hospitals Birmingham NHS Foundation Trust") == [
        "University Hospitals Birmingham NHS Foundation Trust"]
    assert names("Police and Crime Commissioner for West Midlands") and names("WMP") == ["West Midlands Police"]
    for cell in ("DCI", "TM1 (Senior Probation Officer)", "Learning and Development", "Head of Safeguarding"):
        assert names(cell) == [], cell


def test_an_owner_cell_never_reads_a_name_it_does_not_write_as_one_body():
    """"Community Safety Partnership, Birmingham and Crime Board": Birmingham is the place of the
    Partnership before the comma, and "and" joins it to the tail of another body's name: neither
    "Birmingham and Crime Board" nor "Crime Board" is an organisation. A place-pair body after a
    named body stays whole."""
    from corpus.orgs import is_body_name
    from search.ledger.commitments import owner_orgs

    cell = "Senior Service Manager - Violence Against Women, Community Safety Partnership, Birmingham and Crime Board"
    assert not any("Crime Board" in o["name"] for o in owner_orgs(cell))
    assert not is_body_name("Birmingham and Crime Board", cell)
    assert is_body_name("Birmingham and Crime Board")  # the rule is the cell's, not the name's
    assert [o["name"] for o in owner_orgs("Birmingham City Council, Brighton & Hove City Council")][-1] == \
        "Brighton & Hove City Council"
    cell = "Community Safety Partnership, Sandwell and West Birmingham Hospitals NHS Trust"
    assert [o["name"] for o in owner_orgs(cell)] == ["Sandwell and West Birmingham Hospitals NHS Trust"]
