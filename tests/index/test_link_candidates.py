"""Typing is no hard gate for linking (issue 10): a document of another type with only weak signs
of answering a report is still scored against the reports, and needs a surer link the weaker they are."""
from __future__ import annotations

import pytest

from corpus.extract.respond import CANDIDATE_MIN, RESPONSE_MIN, response_score

WEAK_LETTER = ("West Midlands Police\nRe: Jacob Billington, who died on 1 January 2023\n"
               "Following the hearing concluded before HM Senior Coroner Louise Hunt on 13 March 2024, the force has "
               "introduced joint release planning with the community mental health team for people leaving prison. "
               "Interagency working between the prison and the CMHT is now reviewed monthly.")
NO_SIGN = ("Quarterly estates report. The boiler in block B was replaced. Jacob Billington joined the "
           "grounds team in 2023 and the car park was resurfaced.")
WEAK_NOBODY = "Minutes of the estates meeting. We will repaint the corridors and have reviewed the budget."


def test_candidate_threshold_rises_as_the_response_score_falls():
    from index.responses.linking import candidate_threshold

    assert candidate_threshold(None, 0.6) == 0.6  # typed a response
    assert candidate_threshold(RESPONSE_MIN, 0.6) == 0.6
    assert candidate_threshold(CANDIDATE_MIN - 0.01, 0.6) is None  # no sign at all: not a candidate
    assert candidate_threshold(-4.0, 0.6) is None  # a report's own boxes
    # the stricter probability per missing point of response score (0 in production since session 6)
    steps = [candidate_threshold(s, 0.6, score_logit=0.75) for s in (2.5, 2.0, 1.0, CANDIDATE_MIN)]
    assert all(0.6 < a < b < 1.0 for a, b in zip(steps, steps[1:]))
    # a document the classifier could not type is a candidate even with no sign, unless it reads like a report
    assert steps[-1] < candidate_threshold(0.0, 0.6, untyped=True, score_logit=0.75) < 1.0
    assert candidate_threshold(0.0, 0.6, untyped=True, score_logit=0.0) == 0.6
    assert candidate_threshold(-4.0, 0.6, untyped=True) is None


from tests.support.ledger_data import insert_text_document


def test_weakly_signalled_other_document_is_linked_and_retyped(library):
    from index.responses.linking import link_new_documents, unlinked_responses

    assert CANDIDATE_MIN <= response_score(WEAK_LETTER) < RESPONSE_MIN
    assert response_score(NO_SIGN) < CANDIDATE_MIN
    with library.store.transaction() as c:
        rep = insert_text_document(c, "Jacob Billington — PFD report 2024-0100", "pfd_report",
                      "On 2 January 2023 I commenced an investigation into the death of Jacob Billington. "
                      "Concern: lack of interagency working between the prison and the CMHT on release.",
                      "2024-0100", "2024-03-13", {"coroner": "L. Hunt", "recipients": ["West Midlands Police"]})
        insert_text_document(c, "Steven Billington — PFD report 2016-0247", "pfd_report",
                "On 25 March 2015 I commenced an investigation into the death of Steven Thomas Billington.",
                "2016-0247", "2016-07-12", {"coroner": "M. Leeming", "recipients": ["Home Secretary"]})
        weak = insert_text_document(c, "weak", "other", WEAK_LETTER)
        none = insert_text_document(c, "none", "other", NO_SIGN)
        nobody = insert_text_document(c, "nobody", "minutes", WEAK_NOBODY)
    out = link_new_documents(library, [weak, none, nobody])
    assert [x["report_id"] for x in out["linked"]] == [rep]
    assert out["linked"][0]["response_id"] == weak
    conn = library.store.conn
    types = dict(conn.execute("SELECT id, type FROM documents WHERE id IN (?,?,?)", (weak, none, nobody)).fetchall())
    # linked: now a response; the others keep their type and are not listed as unlinked responses
    assert types == {weak: "pfd_response", none: "other", nobody: "minutes"}
    assert conn.execute("SELECT COUNT(*) FROM links").fetchone()[0] == 1
    assert {u["id"] for u in unlinked_responses(library)} & {none, nobody} == set()


def test_weak_candidate_needs_a_surer_link_than_a_typed_response(library):
    """The same letter, linked at a probability the typed response clears but the weak one must beat."""
    from index.responses.linking import candidate_threshold, link_new_documents

    score = response_score(WEAK_LETTER)
    need = candidate_threshold(score, 0.6)  # production's (session 6: the same as a typed response's)
    assert need is not None and need >= 0.6
    with library.store.transaction() as c:
        insert_text_document(c, "Jacob Billington — PFD report 2024-0100", "pfd_report",
                "On 2 January 2023 I commenced an investigation into the death of Jacob Billington. "
                "Concern: lack of interagency working between the prison and the CMHT on release.",
                "2024-0100", "2024-03-13", {"coroner": "L. Hunt", "recipients": ["West Midlands Police"]})
        weak = insert_text_document(c, "weak", "other", WEAK_LETTER)
    out = link_new_documents(library, [weak], threshold=0.6)
    if out["linked"]:
        assert out["linked"][0]["confidence"] >= need
    else:
        pytest.fail("an identifying weak letter should link: " + repr(out))
