"""Issue 10, session 5: the linker on letters written differently from the ones it was fitted on —
the perturbations of benchmarks.linking_robustness, the conditional-logit link model, misspelt
surnames, short texts, and who wrote a letter that stays unlinked."""
from __future__ import annotations

import re

import pytest

from corpus.responses.link_model import LINK_FEATURES, LINK_WEIGHTS, candidate_features, choose, fit
from corpus.responses.cues import extract_cues, make_report
from corpus.responses.match import Score, decide, text_cosine
from corpus.weak_model import fit_choice, softmax_with_none


LETTER = """Chief Executive's Office
12 May 2024

Dear Mrs Hunt,

Prevention of Future Deaths report dated 13 March 2024

I write in response to your report following the inquest into the death of Mr Jacob Billington.
Our condolences go to Jacob's family.

Mr Billington was released from prison without a mental health referral. We have since changed our
release checklist and every prison leaver is now referred to the community mental health team.

We will audit the new checklist by 1 September 2024."""


def _report(i, name, ref, date="2024-03-13", coroner="L. Hunt", recipients=("West Midlands Police",), extra=""):
    text = (f"On 1 June 2023 I commenced an investigation into the death of {name}. "
            f"The investigation concluded at the end of the inquest. {extra}")
    return make_report(i, f"{name} — PFD report {ref}", text, ref, date,
                       {"coroner": coroner, "recipients": list(recipients)})


# ------------------------------------------------------------------ the perturbations


def test_variants_remove_or_alter_what_they_say():
    from benchmarks import linking_robustness as lr

    v = lr.variants(LETTER, _report(1, "Jacob Billington", "2024-0100"), seed=1)
    assert set(v) == set(lr.VARIANTS) and v["original"] == LETTER
    assert "billington" not in v["no_name"].lower() and "jacob" not in v["no_name"].lower()
    assert "the deceased" in v["no_name"]
    assert "Billington" not in v["misspelt"] and "Jacob" in v["misspelt"]  # only the surname misspelt
    from corpus.responses.cues import edit1

    assert any(w != "Billington" and edit1(w, "Billington") for w in re.findall(r"[A-Za-z]+", v["misspelt"]))
    assert "Jacob Billington" not in v["surname_only"] and "Mr Billington" in v["surname_only"]
    assert "13 March 2024" not in v["no_dates"] and "1 September 2024" not in v["no_dates"]
    assert "Hunt" not in v["no_coroner"] and "Dear Sir or Madam" in v["no_coroner"]
    assert v["no_letterhead"].startswith("Dear") and "Chief Executive's Office" not in v["no_letterhead"]
    assert len(v["first_half"]) < len(LETTER)
    assert sorted(v["shuffled"].split("\n\n")) == sorted(p for p in LETTER.split("\n\n"))
    hard = v["hard"]
    assert "Jacob Billington" not in hard and "13 March 2024" not in hard and hard.startswith("Dear")


# ------------------------------------------------------------------ the conditional logit


def test_softmax_with_none_leaves_room_for_no_link():
    p = softmax_with_none([0.0, 0.0])
    assert abs(sum(p) - 2 / 3) < 1e-9  # "none" takes the rest
    assert softmax_with_none([]) == []
    strong = softmax_with_none([6.0, -3.0])
    assert strong[0] > 0.99 and strong[1] < 0.01


def test_fit_choice_learns_which_signal_marks_the_right_candidate():
    groups = []
    for k in range(20):  # the right candidate has a=1; wrong ones and "nothing here" have a=0
        groups.append(([{"a": 0.0, "b": 1.0}, {"a": 1.0, "b": 1.0}, {"a": 0.0, "b": 0.0}], 1))
        groups.append(([{"a": 0.0, "b": 1.0}, {"a": 0.0, "b": 0.0}], None))
    w, b = fit_choice(groups, ("a", "b"), l2=0.1)
    assert w["a"] > 2 and w["a"] > abs(w["b"])
    # the fitted utilities put the right candidate first and leave a group without it to "none"
    u = [b + w["a"] * f["a"] + w["b"] * f["b"] for f in groups[0][0]]
    assert max(range(3), key=u.__getitem__) == 1 and softmax_with_none(u)[1] > 0.5
    assert max(softmax_with_none([b + w["b"] * f["b"] for f in groups[1][0]])) < 0.5


def _score(ref, points, **parts):
    r = make_report(ref, f"X — PFD report {ref}", "text", ref, "2024-01-01", {})
    return Score(r, points, {}, True, dict(parts, letter_terms=200))


def test_two_equally_strong_candidates_split_the_probability_and_neither_links():
    a = _score("2024-0001", 8.0, name=4.0, content=0.4, text_cos=0.3)
    b = _score("2024-0002", 8.0, name=4.0, content=0.4, text_cos=0.3)
    k, p, probs = choose([a, b])
    assert k is None and abs(probs[0] - probs[1]) < 1e-9 and probs[0] < 0.5
    # the same candidate alone, far ahead of a weak one, links
    k, p, _ = choose([a, _score("2024-0003", 0.5)])
    assert k == 0 and p >= 0.5


def test_link_model_fits_through_the_choice_form_and_covers_its_features():
    assert set(LINK_WEIGHTS) == set(LINK_FEATURES)
    for f in ("content_lead", "text_lead", "name", "concern_lead"):
        assert LINK_WEIGHTS[f] > 0
    a = _score("2024-0001", 8.0, name=4.0, content=0.4)
    c = _score("2024-0003", 0.5)
    w, b = fit([(candidate_features([a, c]), 0), (candidate_features([c]), None)] * 5, l2=0.1)
    assert set(w) == set(LINK_FEATURES) and w["name"] > 0


def test_content_of_a_short_text_counts_for_less():
    """The same similarity measured on a one-line text is shrunk: few words are weak evidence."""
    long_ = _score("2024-0001", 2.0, content=0.5, text_cos=0.5)
    short = _score("2024-0001", 2.0, content=0.5, text_cos=0.5)
    short.parts["letter_terms"] = 8
    fl = candidate_features([long_, _score("2024-0002", 0.0)])[0]
    fs = candidate_features([short, _score("2024-0002", 0.0)])[0]
    assert fs["content"] < fl["content"] / 2 and fs["text_lead"] < fl["text_lead"] / 2


def test_text_cosine_prefers_the_report_on_the_same_matters():
    cues = extract_cues("The ambulance handover delays at the emergency department left the patient waiting. "
                        "We have opened a new handover unit and ambulance crews are released within thirty minutes.")
    amb = make_report(1, "A — PFD report 2024-0001", "Ambulance crews waited hours to hand over the patient at the "
                      "emergency department; handover delays were long.", "2024-0001")
    other = make_report(2, "B — PFD report 2024-0002", "The prison did not refer him to the mental health team "
                        "on release.", "2024-0002")
    assert text_cosine(cues, amb) > 0.2 > text_cosine(cues, other)


# ------------------------------------------------------------------ names


def test_misspelt_surname_still_identifies_the_report():
    reports = [_report(1, "Jacob Billington", "2024-0100"), _report(2, "Amelia Stone", "2024-0200", date="2024-02-01")]
    d = decide(extract_cues("Following the inquest into the death of Mr Jacob Bilington we have changed our "
                            "release checklist."), reports)
    assert d.ranked[0].report.reference == "2024-0100" and "full name" in d.ranked[0].evidence["name"]


def test_misspelt_short_surname_counts_only_with_the_same_first_name():
    heap = _report(1, "Imogen Heap", "2024-0620")
    right = decide(extract_cues("regarding the sad death of Imogen Hep. We have reviewed the guideline."), [heap])
    assert "misspelt" in right.ranked[0].evidence.get("name", "")
    wrong = decide(extract_cues("regarding the sad death of Joan Hep. We have reviewed the guideline."), [heap])
    assert "full name" not in wrong.ranked[0].evidence.get("name", "")


def test_misspelt_surname_is_shortlisted_from_the_library(library):
    from index.responses.linking import StoreWordRarity, candidate_ids, near_surname_ids

    from tests.support.ledger_data import insert_text_document as insert

    with library.store.transaction() as c:
        rep = insert(c, "Jacob Billington — PFD report 2024-0100", "pfd_report",
                     "On 2 January 2023 I commenced an investigation into the death of Jacob Billington.",
                     "2024-0100", "2024-03-13", {"coroner": "L. Hunt", "recipients": ["West Midlands Police"]})
        insert(c, "Amelia Stone — PFD report 2024-0200", "pfd_report",
               "On 2 January 2023 I commenced an investigation into the death of Amelia Stone.",
               "2024-0200", "2024-02-01", {"coroner": "J. Pollard", "recipients": ["Stockport NHS Foundation Trust"]})
    conn = library.store.conn
    assert near_surname_ids(conn, "bilington") == [rep]
    assert near_surname_ids(conn, "billington") == []  # the exact name is found by the exact search
    assert near_surname_ids(conn, "bil") == []
    cues = extract_cues("Following the death of Mr Jacob Bilington we have changed our checklist.")
    assert rep in candidate_ids(conn, cues, StoreWordRarity(conn, list(cues.terms)))


# ------------------------------------------------------------------ who wrote an unlinked letter


def test_unlinked_letter_respondent_from_its_best_candidates_recipients():
    from corpus.extract.speaker import unlinked_respondent

    text = ("Thank you for your report. NICE has reviewed its guideline on generalised anxiety disorder and "
            "NICE will consider the evidence on propranolol when the guideline is next updated.")
    who, how = unlinked_respondent(text, ["National Institute for Health & Care Excellence (NICE)"])
    assert who == "National Institute for Health & Care Excellence (NICE)" and "candidate" in how
    # a candidate whose recipients the letter never names gives way to the letter's own words
    who, how = unlinked_respondent("I am writing on behalf of Stockport NHS Foundation Trust in response to "
                                   "your report.\n\nWe have recruited staff.", ["West Midlands Police"])
    assert who and "Stockport" in who and how == "letter text"
    assert unlinked_respondent("Thank you for your report.", ["West Midlands Police"]) == (None, "organisations named in the letter")


@pytest.mark.parametrize("variant", ["no_name", "no_dates", "no_letterhead", "surname_only"])
def test_a_perturbed_letter_never_links_to_a_wrong_report(variant):
    from benchmarks import linking_robustness as lr

    jacob = _report(1, "Jacob Billington", "2024-0100", extra="There was no mental health referral on release from prison.")
    stone = _report(2, "Amelia Stone", "2024-0200", date="2024-02-01", coroner="J. Pollard",
                    recipients=("Stockport NHS Foundation Trust",), extra="The emergency department was understaffed.")
    text = lr.variants(LETTER, jacob)[variant]
    d = decide(extract_cues(text), [jacob, stone])
    assert d.report is None or d.report.reference == "2024-0100"
    absent = decide(extract_cues(text), [stone])
    assert absent.report is None
