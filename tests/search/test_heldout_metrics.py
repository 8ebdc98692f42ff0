"""The held-out scorer's metrics (benchmarks.heldout_score): graded nDCG, AP@20 and the paired
bootstrap, checked on hand-worked cases (its whole-report BM25 baseline is search.ranking's,
tested in test_whole_document.py)."""
import math

import pytest

from benchmarks.heldout_score import ap_at, bootstrap, dedupe, grade_of, ndcg_at


def test_ndcg_perfect_and_reversed():
    judged = [2, 1, 0]
    assert ndcg_at([2, 1, 0], judged) == pytest.approx(1.0)
    worse = ndcg_at([0, 1, 2], judged)
    ideal = 3 / math.log2(2) + 1 / math.log2(3)
    assert worse == pytest.approx((1 / math.log2(3) + 3 / math.log2(4)) / ideal)
    assert ndcg_at([0, 0], [0, 0]) == 0.0


def test_ap_at_20_normalised_by_min_r_k():
    # relevant at ranks 1 and 3, three relevant judged: (1/1 + 2/3) / 3
    assert ap_at([1, 0, 2, 0], [1, 2, 1, 0]) == pytest.approx((1 + 2 / 3) / 3)
    assert ap_at([0] * 20 + [1], [1]) == 0.0  # beyond rank 20 counts nothing
    assert ap_at([1] * 20, [1] * 30) == pytest.approx(1.0)  # 30 relevant: normalised by 20


def test_bootstrap_ratio_and_interval():
    per_q = {"bm25doc": [0.5, 0.5, 0.5, 0.5], "x": [1.0, 1.0, 1.0, 1.0]}
    out = bootstrap(per_q, "bm25doc", n=200)
    assert out["x"]["mean"] == 1.0 and out["x"]["ratio"] == 2.0
    assert out["x"]["ci95"] == [1.0, 1.0] and out["x"]["ratio_ci95"] == [2.0, 2.0]
    varied = bootstrap({"bm25doc": [0.0, 1.0, 0.5, 0.5]}, None, n=500)
    lo, hi = varied["bm25doc"]["ci95"]
    assert lo < 0.5 < hi


def test_a_document_counts_once_and_takes_its_best_grade():
    names = {1: {"2024-0001", "a.pdf"}, 2: {"2024-0001", "reports.csv#row=3"}, 3: {"x"}}
    qrels = {"2024-0001": 2, "a.pdf": 1}
    assert dedupe([1, 2, 3], names, qrels) == [1, 3]
    assert grade_of(1, names, qrels) == 2 and grade_of(3, names, qrels) is None
