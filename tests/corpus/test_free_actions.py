"""What a free-form response says was done: conditionals, reported words, forecasts, plans as
subjects, counterfactuals and framing are not actions; imperative lines with a timing are."""
from __future__ import annotations

import pytest

from corpus.extract.respond import free_actions, imperative_with_timing

OWNER = "Northshire Community Health Trust"


def texts(letter: str, owner: str | None = OWNER) -> list[str]:
    return [" ".join(a.text.split()) for a in free_actions(letter, owner)]


@pytest.mark.parametrize("sentence", [
    "If a patient's needs have changed, the ward team will be contacted before discharge is agreed.",
    "Should the referral be declined, the GP will be informed in writing within two days.",
    "The Pharmacy Regulator has told us that it will not be issuing a safety alert for this medicine.",
    "We understand that Northshire Council has undertaken a study of the junction and is reviewing it.",
    "It is expected that the national strategy will be published next year after the spending review.",
    "The new Ten Year Workforce Plan will focus on three shifts in how community services deliver care.",
    "These risks would have been identified when the decision to grant leave was made by the team.",
    "We have reflected on the circumstances of her death and our safety team have reviewed the concerns raised.",
])
def test_not_actions(sentence: str) -> None:
    assert texts(sentence) == [], sentence


@pytest.mark.parametrize("sentence", [
    "We will review the discharge policy and publish the revised version by March 2026.",
    "We have introduced a contact card which is given to each patient who goes on leave.",
    "I understand my officials have been in contact with the regulator about the new guidance.",
    "We have reviewed the concerns raised and have updated the falls policy to require a mat check each shift.",
    "The Trust will write to every GP practice in the area about the new referral route.",
])
def test_still_actions(sentence: str) -> None:
    assert texts(sentence) == [sentence], sentence


@pytest.mark.parametrize("line, tense", [
    ("Review the discharge checklist with ward managers – by March 2026", "will"),
    ("Engage with the integrated care boards on shared records: Q4 2025", "will"),
    ("Deliver refresher training on observations to all night staff (completed June 2025)", "done"),
])
def test_imperative_lines_with_a_timing_are_actions(line: str, tense: str) -> None:
    assert imperative_with_timing(line) == tense
    got = free_actions("Our plan\n\n" + line + "\n\nYours sincerely", OWNER)
    assert [a.tense for a in got] == [tense]


def test_an_imperative_without_a_timing_or_a_heading_word_is_not_an_action() -> None:
    assert imperative_with_timing("Review the discharge checklist with ward managers") is None
    assert imperative_with_timing("Reviewing the policy in March 2026 is something we considered") is None
    assert texts("Please review the enclosed leaflet before the meeting in March 2026.") == []
