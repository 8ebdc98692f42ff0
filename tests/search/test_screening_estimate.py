"""Screening (issue 12): the model's estimate of the relevant documents left unjudged (the
geometric mean of the score mixture's and Platt scaling's sums) and the ensemble knob."""
import math

import numpy as np
import pytest

from tests.support.screen_data import build_screen_library, ids_by_topic


@pytest.fixture
def screen_lib(library, tmp_path):
    return build_screen_library(library, tmp_path)


def _judge_some(lib, name, restraint, other):
    from search.screening import screens as S

    S.create_screen(lib, name, "restraint by officers")
    S.judge_many(lib, name, [(i, "yes", "") for i in restraint[:4]] + [(i, "no", "") for i in other[:8]])


def test_model_estimate_is_the_geometric_mean_of_mixture_and_platt(screen_lib):
    from search.screening import screens as S
    from search.screening.model import Knobs

    restraint, other = ids_by_topic(screen_lib)
    _judge_some(screen_lib, "geo", restraint, other)
    knobs = Knobs(sample_share=0.0)  # no sampled check: the estimate shown is the model's
    s = S.show_screen(screen_lib, "geo", knobs=knobs)
    m, p = s["mixture_estimated_relevant"], s["platt_estimated_relevant"]
    assert m >= 0 and p >= 0
    assert abs(s["model_estimated_relevant"] - math.sqrt(max(m, 0.01) * max(p, 0.01))) < 0.1
    # the model's, unless the stopping test rules that many out (then its upper bound)
    upper = s["stop"]["upper_remaining"]
    assert abs(s["estimated_relevant"] - min(s["model_estimated_relevant"], upper)) < 0.1
    assert s["estimated_relevant_range"] == [0.0, float(upper)]
    assert s["estimated_relevant"] <= max(m, p) + 0.1
    assert "geometric mean" in s["method"]
    # the unjudged probabilities shown sum to the estimate, and keep the model's order
    unj = [d for d in s["documents"] if d["label"] is None]
    assert abs(sum(d["p"] for d in unj) - s["estimated_relevant"]) < 0.5
    assert [d["p"] for d in unj] == sorted((d["p"] for d in unj), reverse=True)
    # the mixture alone, as before
    s2 = S.show_screen(screen_lib, "geo", knobs=Knobs(sample_share=0.0, model_estimate="mixture"))
    assert "mixture_estimated_relevant" not in s2
    assert abs(s2["estimated_relevant"] - min(m, upper)) < 0.1


def test_ensemble_ranks_like_the_joint_model_and_gives_probabilities(screen_lib):
    from search.screening import screens as S
    from search.screening.model import Knobs

    restraint, other = ids_by_topic(screen_lib)
    _judge_some(screen_lib, "ens", restraint, other)
    s = S.show_screen(screen_lib, "ens", knobs=Knobs(sample_share=0.0, ensemble=1.0))
    unj = [d for d in s["documents"] if d["label"] is None]
    assert all(0.0 <= d["p"] <= 1.0 for d in unj)
    rest_r = [i for i, d in enumerate(unj) if d["id"] in restraint]
    rest_o = [i for i, d in enumerate(unj) if d["id"] not in restraint]
    # the unjudged restraint reports rank above the rest on average
    assert np.mean(rest_r) < np.mean(rest_o)
    assert s["estimated_recall"] is not None and 0 <= s["estimated_recall"] <= 1


def test_ceiling_metrics_auc_and_oracle_cuts():
    from benchmarks import screening_ceiling

    auc, oracle = screening_ceiling.auc, screening_ceiling.oracle
    y = np.array([1, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    perfect = np.arange(10, 0, -1).astype(float)
    assert auc(perfect, y) == 1.0 and auc(-perfect, y) == 0.0
    assert oracle(perfect, y) == (1.0, 1.0)
    # one relevant document scored below every other: 95% sensitivity needs all 4, so the cut
    # falls under the 6 others and specificity is 0; at 90% specificity 3 of 4 are found
    s = np.array([10, 9, 8, -1, 5, 4, 3, 2, 1, 0], dtype=float)
    assert abs(auc(s, y) - 0.75) < 1e-9
    spec95, sens90 = oracle(s, y)
    assert spec95 == 0.0 and sens90 == 0.75
    assert auc(s, np.zeros(10, dtype=int)) is None
