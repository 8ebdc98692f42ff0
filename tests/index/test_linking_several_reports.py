"""Issue 10, session 6 (linking): a letter answering several reports, a re-link deciding as the first
link did, recipients named with a role or a college's short form, follow-up e-mail dates, and the
evaluation's handling of deduplicated letters and multi-links."""
from __future__ import annotations

from corpus.responses.cues import extract_cues, make_report, recipient_in_text, words
from corpus.responses.match import decide


BODY = ("On 18 October 2023 I commenced an investigation into the death of Marion Ellis Stroud, aged 80. "
        "The investigation concluded at the end of the inquest on 25 October 2024. She died from sepsis after a "
        "pressure wound was missed by the care agency; the section 42 safeguarding enquiry did not visit her home.")


def _twin(i, ref, recipients):
    """One death reported twice, to different recipients (as the judiciary files "... 1" and "... 2")."""
    return make_report(i, f"Marion Ellis Stroud — PFD report {ref}", BODY, ref, "2024-11-04",
                       {"coroner": "S. Middleton", "recipients": list(recipients)})


A = _twin(1, "2024-0595", ["Safeguarding Adults Team, Northshire County Council"])
B = _twin(2, "2024-0596", ["Homecare Partners Ltd", "Adult Social Services, Northshire County Council",
                           "Care Quality Commission"])
OTHER = make_report(3, "Peter Quill — PFD report 2023-0100",
                    "On 1 May 2022 I commenced an investigation into the death of Peter Quill. He drowned in a canal lock.",
                    "2023-0100", "2023-01-10", {"coroner": "A. Jones", "recipients": ["Canal Trust"]})
COUNCIL = ("Following the inquest into the death of Mrs Marion Ellis Stroud, Northshire County Council Adult Social "
           "Services and its Safeguarding Adults Team reviewed both concerns. Both concerns about Marion Ellis Stroud "
           "were triaged and progressed under section 42 of the Care Act 2014. The social worker did not visit the home "
           "and the enquiry lacked analysis of the wound care. We accept this and have changed our practice: every "
           "section 42 enquiry into care agency neglect now includes a home visit.")
CQC = ("Thank you for naming the Care Quality Commission as a respondent in the report on the death of Marion Ellis "
       "Stroud. We inspected Homecare Partners Ltd and found the pressure wound care was not safe. We will re-inspect.")
NEITHER = ("Following the inquest into the death of Mrs Marion Ellis Stroud, Northshire Hospitals Trust reviewed the "
           "wound care she received. Our tissue viability nurses now see every patient admitted with a pressure wound.")


# ------------------------------------------------------------------ several reports, one letter


def test_a_letter_to_both_reports_of_one_death_links_to_both():
    d = decide(extract_cues(COUNCIL), [A, B, OTHER])
    assert d.reason == "linked"
    got = {d.report.reference} | {r.reference for r, _, _ in d.also}
    assert got == {"2024-0595", "2024-0596"}
    assert all(q >= 0.8 for _, q, _ in d.also)
    assert d.evidence["answered_together"] and set(d.also[0][2]["answered_together"]) == got


def test_a_letter_from_a_recipient_of_one_report_only_links_to_that_one():
    d = decide(extract_cues(CQC), [A, B, OTHER])
    assert d.report is None or d.report.reference == "2024-0596"  # never the report it was not sent
    assert d.also == []


def test_two_close_candidates_without_evidence_of_their_own_link_neither():
    # the writer is a recipient of neither report: closeness alone never links both
    d = decide(extract_cues(NEITHER), [A, B, OTHER])
    assert d.also == []
    assert d.report is None


def test_linked_together_needs_a_gap_to_the_next_candidate():
    from corpus.responses.link_model import linked_together

    ranked = decide(extract_cues(COUNCIL), [A, B, OTHER]).ranked
    assert len(linked_together(ranked)) == 2
    # a third report of the same death to the same council: three members, or none, never an arbitrary two
    C = _twin(4, "2024-0597", ["Northshire County Council"])
    three = decide(extract_cues(COUNCIL), [A, B, C, OTHER]).ranked
    together = linked_together(three)
    assert len(together) in (0, 3)


def test_the_library_stores_one_link_per_report_and_keeps_each_ones_pairs(library):
    from index.responses.linking import link_new_documents, reports_for
    from index.rows import insert_action, insert_finding
    from search.responses.unlinked import response_view
    from tests.support.ledger_data import insert_text_document as insert

    with library.store.transaction() as c:
        ids = {}
        for rep in (A, B, OTHER):
            ids[rep.reference] = insert(c, rep.title, "pfd_report", rep.text, rep.reference, rep.date,
                                        {"coroner": rep.coroner, "recipients": rep.recipients})
        f_a = insert_finding(c, ids["2024-0595"], 0, "concern", None,
                             "The section 42 enquiry did not include a home visit.", [], None, None, 0, 10)
        f_b = insert_finding(c, ids["2024-0596"], 0, "concern", None,
                             "Section 42 enquiries into care agency neglect do not include a home visit.", [], None, None, 0, 10)
        letter = insert(c, "letter", "pfd_response", COUNCIL)
        act = insert_action(c, letter, 0, "action", "every section 42 enquiry into care agency neglect now includes "
                            "a home visit", None, None, None, None, None, None, 0, 10)
    out = link_new_documents(library, [letter])
    assert len(out["linked"]) == 1 and len(out["linked"][0]["also"]) == 1
    assert {r["reference"] for r in reports_for(library, letter)} == {"2024-0595", "2024-0596"}
    view = response_view(library, letter)
    assert sorted(view["responds_to"]) == sorted([ids["2024-0595"], ids["2024-0596"]])
    pairs = {r[0] for r in library.store.conn.execute("SELECT finding_id FROM action_findings WHERE action_id=?", (act,))}
    assert pairs == {f_a, f_b}  # settling the second report kept the first one's pair
    # what `precedent show ID --json` prints: both reports, and the action answering a concern of each
    from search.documents import get_document

    doc = get_document(library, letter)
    assert sorted(doc["responds_to"]) == sorted([ids["2024-0595"], ids["2024-0596"]])
    act_view = next(x for x in view["actions"] if x["id"] == act)
    assert {d["document_id"] for d in act_view["answers_detail"]} == {ids["2024-0595"], ids["2024-0596"]}
    # the letter is no longer unlinked, and a re-link changes nothing
    again = link_new_documents(library, [letter])
    assert {r["reference"] for r in reports_for(library, letter)} == {"2024-0595", "2024-0596"}
    assert len(again["linked"]) == 1


# ------------------------------------------------------------------ a re-link decides as the first link


def test_a_respondent_the_library_named_itself_is_no_linking_cue(library):
    from index.responses.linking import decide_link
    from tests.support.ledger_data import insert_text_document as insert

    with library.store.transaction() as c:
        for rep in (A, B, OTHER):
            insert(c, rep.title, "pfd_report", rep.text, rep.reference, rep.date,
                   {"coroner": rep.coroner, "recipients": rep.recipients})
        bare = insert(c, "bare", "pfd_response", NEITHER)
        named = insert(c, "named", "pfd_response", NEITHER,
                       meta={"respondent": "Care Quality Commission", "respondent_from": "best candidate report's recipients"})
        given = insert(c, "given", "pfd_response", NEITHER,
                       meta={"respondent": "Care Quality Commission", "respondent_from": "dataset"})
    conn = library.store.conn
    rows = {i: conn.execute("SELECT id, title, text, date, meta FROM documents WHERE id=?", (i,)).fetchone()
            for i in (bare, named, given)}
    d0, _ = decide_link(conn, rows[bare], {}, 0.0)
    d1, _ = decide_link(conn, rows[named], {}, 0.0)
    d2, _ = decide_link(conn, rows[given], {}, 0.0)
    assert [(s.report.reference, s.points) for s in d1.ranked] == [(s.report.reference, s.points) for s in d0.ranked]
    # a dataset's own respondent column still counts
    assert any("recipient" in s.evidence for s in d2.ranked)
    assert not any("recipient" in s.evidence for s in d1.ranked)


# ------------------------------------------------------------------ cues


def test_a_recipient_named_with_a_role_or_a_colleges_short_form_is_found():
    t = "The senior Officers of the Royal College of Surgeons of England have carefully considered your report."
    assert recipient_in_text("President of the Royal College of Surgeons", set(words(t)), t)
    assert not recipient_in_text("President of the Royal College of Radiologists", set(words(t)), t)
    t2 = "With regards to the RCPath document on the communication of critical results"
    assert recipient_in_text("Royal College of Pathologists", set(words(t2)), t2)
    assert not recipient_in_text("Royal College of Psychiatrists", set(words(t2)), t2)
    t3 = "the path to recovery"  # a lower-case word is no short form
    assert not recipient_in_text("Royal College of Pathologists", set(words(t3)), t3)


def test_a_follow_up_emails_date_is_no_report_date():
    c = extract_cues("Further to your e-mail dated the 9 January 2025, I confirm the Trust has acted.")
    assert c.report_dates == []
    c = extract_cues("Thank you for your letter dated 12 November 2024 enclosing a Regulation 28 report.")
    assert [d.iso for d in c.report_dates] == ["2024-11-12"]
    c = extract_cues("Thank you for your Regulation 28 report dated 12 November 2024.")
    assert [d.iso for d in c.report_dates] == ["2024-11-12"]


def test_the_reports_deceased_written_out_counts_as_a_name_but_not_as_identity():
    from corpus.responses.match import score_report

    s = score_report(extract_cues("Northshire County Council's Safeguarding Adults Team reviewed the care of "
                                  "Marion Ellis Stroud and changed our practice."), A)
    assert s.parts.get("name", 0) > 0 and s.evidence["name"].startswith("full name in text")
    assert not s.identity  # a name in passing is no proof the letter answers this report
    # alone (no recipient of the report, no rare word of its case beside it) it is no evidence at all
    s1 = score_report(extract_cues("We reviewed the care of Marion Ellis Stroud and changed our practice."), A)
    assert "name" not in s1.evidence and "name" not in s1.parts
    s2 = score_report(extract_cues("We reviewed the care of Marion Stroudley and changed our practice."), A)
    assert "name" not in s2.evidence


# ------------------------------------------------------------------ evaluation


def test_eval_scores_a_deduplicated_letter_and_counts_a_wrong_second_link():
    from benchmarks import understanding_eval as ue

    letters = [{"response": "Letter one text."}, {"response": "Letter  one text. "}, {"response": "Another."}]
    res = {0: {"doc": 10, "linked": "R1", "linked_all": ["R1", "R2"], "blocked": None, "respondent": None, "actions": []},
           2: {"doc": 11, "linked": "R3", "linked_all": ["R3", "R9"], "blocked": None, "respondent": None, "actions": []}}
    res = ue.fill_duplicates(res, letters)
    assert res[1]["deduped_into"] == 0 and res[1]["doc"] == 10
    gold = {"letters": [{"row": 0, "report": "R1", "respondent": "x", "aliases": [], "actions": []},
                        {"row": 1, "report": "R2", "respondent": "x", "aliases": [], "actions": []},
                        {"row": 2, "report": "R3", "respondent": "x", "aliases": [], "actions": []}]}
    s = ue.score_letters(gold, res, {}, set())["all"]
    assert s["correct"] == 3 and s["recall"] == 1.0
    assert s["links_made"] == 4 and s["wrong_links"] == 1  # R9 answers nothing of letter 2's
    assert s["deduplicated_letters"] == 1


def test_folds_keep_every_letter_of_linked_reports_together():
    from benchmarks import linking_robustness as lr

    cases = [{"report": "A", "truth": ["A", "B"]}, {"report": "B"}, {"report": "C"}, {"report": "B", "truth": ["B"]}]
    f = lr.report_folds(cases)
    assert f["A"] == f["B"] != f["C"]
