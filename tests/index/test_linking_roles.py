"""Linking, session 6 round 2: a short letter's content measures are not over-shrunk, and a recipient
written as a role plus an organisation of generic words ("Chief Executive, NHS England") is recognised
when the letter names that organisation. Invented letters only."""
from __future__ import annotations

from corpus.responses.link_model import SHRINK, link_features
from corpus.responses.cues import extract_cues, make_report, recipient_in_text, words
from corpus.responses.match import Score, score_report


def _named(recipient: str, text: str) -> bool:
    return recipient_in_text(recipient, set(words(text)), text)


def test_recipient_of_generic_words_is_found_as_a_phrase():
    text = "My officials have made enquiries with NHS England, who will write to you separately."
    assert _named("Chief Executive, NHS England", text)
    assert _named("NHS England", text)
    # the words scattered, or lower case, are no mention of the body
    assert not _named("Chief Executive, NHS England", "The nhs in england has many trusts.")
    assert not _named("Chief Executive, NHS England", "An NHS trust in the north of England replied.")
    # a generic name that the letter does not write
    assert not _named("Chief Executive, NHS Foundation Trust", text)
    # one generic word is never enough
    assert not _named("Chief Executive, Council", "The Council met on Monday.")


def test_role_and_generic_recipient_counts_as_recipient_evidence():
    report = make_report(1, "Prevention of future deaths report: Jo Bloggs",
                         "Jo Bloggs died after a delayed ambulance. MATTERS OF CONCERN: call handlers' script.",
                         reference="2031-0001", date="2031-03-01",
                         meta={"recipients": ["Secretary of State for Defence", "Chief Executive, NHS England"]})
    letter = ("Thank you for your report on the death of Mr Bloggs. My officials have discussed the call "
              "handlers' script with NHS England, who are reviewing it.")
    s = score_report(extract_cues(letter), report)
    assert s.parts.get("recipient") == 0.7
    assert "NHS England" in s.evidence["recipient"]
    other = extract_cues("Thank you for your report on the death of Mr Bloggs. We are reviewing the script.")
    assert "recipient" not in score_report(other, report).parts


def _feat(terms: int, content: float = 0.3):
    report = make_report(1, "t", "x", reference="2031-0001")
    s = Score(report, 3.0, {}, True, {"content": content, "text_cos": content, "concern_best": content,
                                      "concern_cover": content, "letter_terms": terms})
    return link_features(s, 0.0)


def test_a_short_letter_keeps_most_of_its_content_evidence():
    # a 900-character letter has some 50 distinct content words: its content measures count nearly in full
    short, long = _feat(50), _feat(400)
    assert short["content"] >= 0.85 * long["content"]
    assert short["concern_best"] >= 0.85 * long["concern_best"]
    # a dozen words is discounted more heavily than before (n / (n + 20) counted 0.38 of it)
    assert _feat(12)["content"] <= 0.3 * long["content"]
    assert _feat(3)["content"] <= 0.05 * long["content"]
    # SHRINK words count half
    assert abs(_feat(int(SHRINK))["content"] - 0.5 * 0.3) < 1e-9
