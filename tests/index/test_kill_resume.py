"""An ingest killed with SIGKILL and resumed holds the vectors and answers of a clean one (real
model, subprocesses): the small version of ``python -m benchmarks.kill_resume``."""
import sys

import pytest

from benchmarks.kill_resume import run


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="follows child processes in /proc")
def test_a_twice_killed_ingest_resumes_to_the_vectors_and_top_10_of_a_clean_one(shared, tmp_path):
    got = run(reports=40, kills=2, queries=5, seed=7, shared=str(shared), pdfs=2, work=tmp_path)
    assert [k["killed"] for k in got["kills"]] == [True, True], got["kills"]
    assert got["kills"][0]["committed"] < got["counts_clean"]["documents"], "the first kill came after every document was in"
    assert all(k["children"] >= 1 and k["children_alive"] == 0 for k in got["kills"]), got["kills"]
    assert got["counts_equal"] and got["counts_clean"]["documents"] >= 42, (got["counts_clean"], got["counts_killed"])
    assert got["vectors_compared"] == got["counts_clean"]["vectors"] > 0
    assert (got["vectors_only_clean"], got["vectors_only_killed"], got["vectors_differing"]) == (0, 0, 0)
    assert got["max_abs_diff"] == 0.0
    assert got["top10_equal"] == got["queries"] == 5, got["top10_differing"]
    assert got["links_clean"] >= 10 and got["links_equal"], (got["links_only_clean"], got["links_only_killed"])


def test_the_comparison_reports_a_vector_and_a_top_10_that_differ():
    import numpy as np

    from benchmarks.kill_resume import compare

    v = {"a": np.ones(4, dtype=np.float32), "b": np.zeros(4, dtype=np.float32)}
    clean = {"vectors": v, "counts": {"documents": 2}, "top": {"q": ["x", "y"], "r": ["x"]},
             "links": [("report", "letter", "link", 0.9)]}
    killed = {"vectors": {**v, "b": np.full(4, 1e-3, dtype=np.float32), "c": v["a"]}, "counts": {"documents": 3},
              "top": {"q": ["y", "x"], "r": ["x"]}, "links": [("report", "letter", "link", 0.8)]}
    got = compare(clean, killed)
    assert (got["vectors_differing"], got["vectors_only_killed"], got["vectors_only_clean"]) == (1, 1, 0)
    assert got["max_abs_diff"] == pytest.approx(1e-3)
    assert not got["counts_equal"]
    assert not got["links_equal"] and (got["links_only_clean"], got["links_only_killed"]) == (1, 1)
    assert got["top10_equal"] == 1 and got["top10_differing"] == {"q": {"jaccard": 1.0, "same_rank": 0}}
