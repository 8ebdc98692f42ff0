"""Reading unseen documents: responses by what they do, respondents, free-form actions,
concerns one per matter, action-to-concern pairing (issue 10)."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from corpus.extract import extract
from corpus.extract.respond import free_actions, response_score
from corpus.extract.respondent import choose_respondent
from corpus.records import Block, Document
from index.responses.answering import pair_actions, report_subject

SHARED = Path(__file__).resolve().parents[3] / "shared" / "corpus"
NOISE = re.compile(r"condolence|sympath|thoughts are with|saddened|detailed below|set out below|"
                   r"^(?:thank you|I write|I am writing|please do not hesitate)", re.I)

LETTER = """Thank you for your letter about the death of Mr John Smith. I would like to express my
sincere condolences to his family. Our response to the concerns raised is detailed below.

You raised a concern that staff were not trained in water rescue.

We have now introduced annual water rescue training for all ride staff. The Health and Safety
Executive will publish revised guidance by March 2025. We will review the signage at every ride,
e.g. the warning boards, by the end of June 2025.

I hope this response is helpful.
"""


def test_free_actions_skip_preamble_condolence_and_restated_concern():
    acts = free_actions(LETTER, "Drayton Manor Park")
    texts = [a.text for a in acts]
    assert any(t.startswith("We have now introduced annual water rescue training") for t in texts)
    assert not any(NOISE.search(t) or t.startswith("You raised") for t in texts)
    review = next(a for a in acts if "review the signage" in a.text)
    assert review.text.endswith("by the end of June 2025.")  # not cut at "e.g."
    assert review.due == "2025-06-30" and review.status is None
    done = next(a for a in acts if "introduced" in a.text)
    assert done.status == "completed" and done.owner == "Drayton Manor Park"


def test_response_score_sees_a_letter_without_the_word_response():
    assert response_score(LETTER) >= 3
    report = "THIS REPORT IS BEING SENT TO: X\nCORONER'S LEGAL POWERS\nACTION SHOULD BE TAKEN\nthe death of Mr A"
    assert response_score(report) < 0


def test_respondent_is_the_recipient_speaking_not_the_one_mentioned():
    text = ("I write on behalf of Transport for London (TfL). The report was also sent to the London Borough of "
            "Hounslow. We will install signals.")
    who, _ = choose_respondent(text, ["London Borough of Hounslow (LBH)", "Transport for London (TFL)",
                                      "Department for Transport (DFT)"])
    assert who == "Transport for London"
    gov = ("The highway authority, Transport for London (TfL), is responsible for the junction. My officials have "
           "been in contact with TfL. The Department does not consent to such schemes.")
    who, _ = choose_respondent(gov, ["London Borough of Hounslow (LBH)", "Transport for London (TFL)",
                                     "Department for Transport (DFT)"])
    assert who == "Department for Transport"
    assert choose_respondent("Thank you for your report.", ["The Home Secretary"])[0] == "Home Office"


def _concerns(text: str) -> list[str]:
    doc = Document(title="t", source="x.csv", blocks=[Block(text=text, section="CORONER'S CONCERNS")],
                   type="pfd_report", meta={})
    return [f.text for f in extract(doc).findings]


@pytest.mark.parametrize("text, n, first", [
    ("Concern 1: Contacting centres\nStaff may not know whom to call.\n\nConcern 2: Sharing\nData is unclear.\n\n"
     "Concern 3: Transfer\nNobody owns transfers.", 3, "Contacting centres"),
    ("The MATTERS OF CONCERN are as follows. – 1. The patient waited eight hours in ED before a bed was found. "
     "2. Long waits were not unusual there. 3. Beds were blocked by delayed discharges. 6", 3, "The patient waited"),
    ("He waited many months for a psychiatric review after repeated referrals were rejected by the consultant, "
     "and there was no escalation route within the trust to challenge the decision.\n\nThe emergency department made several referrals to the liaison team "
     "and no rationale was recorded when none were passed on to psychiatry or the wider team.", 2, "He waited"),
])
def test_concerns_one_per_matter_without_page_debris(text, n, first):
    got = _concerns(text)
    assert len(got) == n
    assert got[0].startswith(first)
    assert not any(re.search(r"\s\d{1,2}$|Page \d+ of \d+", c) for c in got)


def test_pairing_by_content_and_whole_report():
    concerns = [(1, "Section 17 leave conditions are not verified before a patient leaves the ward"),
                (2, "Patients on unescorted leave have no reliable means to contact the ward")]
    actions = [(10, "We have introduced a contact card with the ward telephone number for every patient on leave", []),
               (11, "Ward staff now verify the Section 17 leave form before a patient leaves", []),
               (12, "We thank the coroner", [])]
    got = pair_actions(concerns, [], actions)
    assert 2 in got[10] and got[11] == [1] and 12 not in got
    assert pair_actions(concerns[:1], [], actions[2:]) == {12: [1]}  # one concern: the report's only matter


def test_report_subject():
    assert report_subject("Trevor Alton Smith — PFD report 2024-0001", "2024-0001") == "Trevor Alton Smith"
    assert report_subject("PFD report", "2024-0001") == "2024-0001"


@pytest.mark.skipif(not (SHARED / "pfd" / "responses.csv").exists(), reason="shared corpus not found")
def test_ledger_of_seeds_and_responses_has_no_preamble_or_condolence():
    csv.field_size_limit(1 << 30)
    texts = [r["response"] for r in csv.DictReader(open(SHARED / "pfd" / "responses.csv", encoding="utf-8"))]
    texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted((SHARED / "seeds").glob("00[01]_*.txt"))]
    actions = []
    for t in texts:
        doc = Document(title="letter", source="letter.txt", blocks=[Block(text=t)], type="pfd_response", meta={})
        actions += [a.text for a in extract(doc).actions if a.kind in ("commitment", "action_taken")]
    assert len(actions) >= 60
    bad = [a for a in actions if NOISE.search(a)]
    assert bad == []
    cut = [a for a in actions if not re.search(r"[.!?:;)”\"’'\]]$|\d{4}$", a.strip())]
    assert len(cut) <= len(actions) // 10, cut[:5]


def test_a_letter_that_only_writes_its_acronym_is_named_by_it(shared):
    """Seed 000 never spells out its force; it writes "WMP" throughout and is signed by the
    Chief Constable: two weak signals that agree name West Midlands Police."""
    from corpus.extract.respondent import respondent_from_text

    text = next((shared / "corpus" / "seeds").glob("000_*.txt")).read_text(encoding="utf-8")
    assert respondent_from_text(text) == "West Midlands Police"
    # the acronym alone, with nobody signing for a police force, is not enough
    assert respondent_from_text("WMP said this. WMP did that. WMP will do more.\n\nYours sincerely,\nA Person") is None
