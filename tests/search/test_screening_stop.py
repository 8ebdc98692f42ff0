"""The stopping rule (issue 25): Callaghan & Müller-Hansen's hypergeometric test, the recall
bound read from it, the judgements it still expects; conjunctive descriptions; what a
proposal shows; the stop verdict in ``show`` (JSON, CLI)."""
import numpy as np
import pytest
from scipy.stats import hypergeom

from search.screening import stopping as st
from tests.support.screen_data import build_screen_library, ids_by_topic


def _every_urn(labels, n_docs, m):
    """The test as the paper states it: every urn of the last n judged, no shortcut."""
    y = np.asarray(labels)[::-1]
    n = np.arange(1, len(y) + 1)
    k = np.cumsum(y)
    M, K = n + n_docs - len(y), k + m
    return float(np.min(np.where(K <= M, hypergeom.cdf(k, M, np.minimum(K, M), n), 0.0)))


def test_p_value_is_the_papers_minimum_over_every_urn():
    rng = np.random.default_rng(7)
    for _ in range(200):
        n_docs = int(rng.integers(20, 300))
        judged = int(rng.integers(1, n_docs))
        labels = (rng.random(judged) < rng.random() * 0.4).astype(int)
        m = int(rng.integers(1, 8))
        assert abs(st.p_value_remaining(labels, n_docs, m) - _every_urn(labels, n_docs, m)) < 1e-12


def test_a_hand_computed_case():
    # 10 relevant found, then 100 not relevant, 390 unjudged: recall < 95% needs 1 more relevant
    # unjudged; the widest urn (the 100, with the 390) holds it with chance 1 - 100/490 of missing it
    labels = [1] * 10 + [0] * 100
    assert st.missing_for(10, 0.95) == 1
    assert abs(st.p_value(labels, 500) - 390 / 490) < 1e-9
    assert st.stop_decision(labels, 500, 0.5)["recommended"] is False


def test_stops_after_a_long_run_of_not_relevant_and_never_before_anything_is_found():
    labels = [1] * 60 + [0] * 400  # 60 found first, then a long run of not relevant
    d = st.stop_decision(labels, 600, 0.0)
    assert d["recommended"] is True and "You can stop" in d["reason"]
    assert d["recall_lower_bound"] >= 0.95 and d["judged_needed_estimate"] == 0
    d0 = st.stop_decision([0] * 300, 600, 0.0)
    assert d0["recommended"] is False and d0["recall_lower_bound"] is None
    everything = st.stop_decision([1, 0, 0], 3, 0.0)
    assert everything["recommended"] and everything["recall_lower_bound"] == 1.0
    assert st.stop_decision([], 0, 0.0)["recommended"] is False


def test_the_recall_bound_is_the_largest_remaining_count_not_ruled_out():
    labels = [1] * 30 + [0] * 5 + [1] * 5 + [0] * 150
    n_docs = 800
    up = st.upper_remaining(labels, n_docs, 0.95)
    assert st.p_value_remaining(labels, n_docs, up) >= 0.05
    assert st.p_value_remaining(labels, n_docs, up + 1) < 0.05
    d = st.stop_decision(labels, n_docs, 2.0)
    assert d["upper_remaining"] == up and abs(d["recall_lower_bound"] - 35 / (35 + up)) < 1e-4
    # stopping at a target is the same as the bound clearing it
    assert d["recommended"] == (35 / (35 + up) >= 0.95)


def test_judged_needed_is_what_the_projection_takes():
    labels = [1] * 40 + [0] * 30
    n_docs = 1000
    need = st.judged_needed(labels, n_docs, 3.0)
    projected = labels + [1] * 3 + [0] * (need - 3)
    assert st.p_value(projected, n_docs) < 0.05
    assert st.p_value(projected[:-1], n_docs) >= 0.05


def test_guarantee_holds_in_simulation_when_the_ranking_beats_chance():
    """Relevant documents ranked higher than chance (as the model's ranking is): stopping with
    recall below 95% happens in at most 5% of runs."""
    rng = np.random.default_rng(11)
    fails, runs, n_docs, relevant = 0, 60, 400, 25
    for _ in range(runs):
        y = np.zeros(n_docs, int)
        y[:relevant] = 1
        y = y[np.argsort(-(rng.normal(size=n_docs) + 1.5 * y))]
        for j in range(20, n_docs + 1, 20):
            if st.p_value(y[:j], n_docs) < 0.05:
                break
        fails += y[:j].sum() / relevant < 0.95
    assert fails / runs <= 0.05


def test_bad_targets_are_refused():
    with pytest.raises(ValueError):
        st.stop_decision([1], 10, 0.0, target=1.5)
    with pytest.raises(ValueError):
        st.stop_decision([1], 10, 0.0, confidence=1.0)


# ---------------------------------------------------------------------------- conditions, proposals
def test_descriptions_split_into_conditions_by_their_grammar():
    from search.screening.conditions import conditions, soft_min

    assert conditions("a child who died by suicide") == ["a child", "who died by suicide"]
    assert conditions('"a child" AND "suicide"') == ["a child", "suicide"]
    assert conditions("older people & falls in care homes") == ["older people", "falls in care homes"]
    assert conditions("a death after restraint by police or prison staff") == [
        "a death after restraint by police or prison staff"]
    assert conditions("the family's concerns weren't heard") == ["the family's concerns weren't heard"]
    z = np.array([[3.0, 3.0, -1.0], [3.0, -1.0, 3.0]])
    sm = soft_min(z)
    assert sm[0] > sm[1] and sm[0] > sm[2]  # both conditions met beats either alone


def test_the_deceased_age_is_read_however_it_is_written():
    from search.screening.proposal import deceased_age

    cases = {"the death of Dana Baker then aged 16 years.": "16", "a 14-year-old boy": "14", "Age: 14": "14",
             "aged 3 months": "3 months", "He was 14 years old": "14", "aged two": "2", "age of 17": "17"}
    for text, want in cases.items():
        assert deceased_age(text)["text"] == want, text
    assert deceased_age("no age in this text, 2019") is None
    assert deceased_age("aged 14")["years"] == 14.0 and deceased_age("aged 6 months")["years"] == 0.5


@pytest.fixture
def screen_lib(library, tmp_path):
    return build_screen_library(library, tmp_path)


def test_show_reports_the_stop_and_an_honest_recall(screen_lib, runner):
    import json

    from precedent import cli
    from search.screening import screens as S

    restraint, other = ids_by_topic(screen_lib)
    S.create_screen(screen_lib, "stop", "restraint by officers")
    s = S.show_screen(screen_lib, "stop", limit=0)
    assert s["estimated_recall"] is None and s["estimated_recall_note"].startswith("not yet estimable")
    assert set(s["stop"]) >= {"recommended", "target_recall", "confidence", "recall_lower_bound",
                              "judged_needed_estimate", "reason"}
    assert s["stop"]["recommended"] is False
    # judge what `next` proposes until the screen may stop
    judged = 0
    while not s["stop"]["recommended"]:
        nxt = S.next_documents(screen_lib, "stop", n=5)["documents"]
        assert nxt and all(d["why"] == "likely" for d in nxt)  # no random draws: the rule needs none
        for d in nxt:  # what a judge needs, from the report's own words ("aged 119" is no age)
            assert (d["age_text"] and d["age"] >= 20) or "aged 119" in (d["what_happened"] or "")
            assert d["what_happened"] is None or "died in case" in d["what_happened"]
            assert d["date"] and "area" in d
        s = S.judge_many(screen_lib, "stop", [(d["id"], "yes" if d["id"] in restraint else "no", "") for d in nxt])
        judged += len(nxt)
        lo, hi = s["estimated_recall_range"] or (None, None)
        if lo is not None:
            assert abs(lo - s["stop"]["recall_lower_bound"]) < 1e-3 and hi == 1.0
    assert s["stop"]["recall_lower_bound"] >= 0.95
    assert s["relevant_found"] / len(restraint) >= 0.95  # the truth
    assert s["found_by_judging"]["relevant"] == s["relevant_found"]
    assert s["included_set"]["documents"] == s["included"]
    r = runner.invoke(cli, ["screen", "show", "stop", "--json", "--library", str(screen_lib.path)])
    assert r.exit_code == 0, r.output
    stop = json.loads(r.output)["stop"]
    assert stop["recommended"] is True and stop["target_recall"] == 0.95 and stop["confidence"] == 0.95
    r = runner.invoke(cli, ["screen", "show", "stop", "--library", str(screen_lib.path)])
    assert "STOP: you can stop: at 95% confidence you have found at least 95%" in r.output
    r = runner.invoke(cli, ["screen", "show", "stop", "--target-recall", "2", "--library", str(screen_lib.path)])
    assert r.exit_code != 0 and "Traceback" not in r.output


def test_a_conjunctive_description_ranks_documents_meeting_every_condition_first(library, tmp_path):
    """"a child who died by suicide": a child's suicide above adults' suicides and a child's
    death from sepsis, which each match only half of the description."""
    from index.ingest.pipeline import ingest
    from search.screening import screens as S
    from tests.support.screen_data import report_text

    d = tmp_path / "reports"
    d.mkdir()
    texts = {
        "both": "the child took her own life by suicide after the school did not share the bullying with her parents",
        "suicide": "the man took his own life by suicide and the crisis team did not call back",
        "suicide2": "the woman died by suicide after the mental health trust discharged her",
        "child": "the child died of sepsis because the paediatric ward did not escalate her observations",
        "child2": "the child was not seen by a health visitor and the school nurse post was vacant",
    }
    fillers = ["the junction had poor visibility", "the care home did not weigh the resident",
               "the railway crossing lights failed", "the fire alarm had been disconnected"]
    for i, (k, t) in enumerate(list(texts.items()) + [(f"f{j}", f) for j, f in enumerate(fillers * 3)]):
        (d / f"{k}-{i:02d}.txt").write_text(report_text(i, t))
    ingest(library, [d])
    S.create_screen(library, "kids", "a child who died by suicide")
    first = S.next_documents(library, "kids", n=3)["documents"]
    text = library.store.document(first[0]["id"])["text"]
    assert "took her own life" in text and "child" in text

