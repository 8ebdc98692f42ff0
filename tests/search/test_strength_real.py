"""Strength with the real model (marked slow): nonsense is never close (and a keyboard mash or a
question from another field finds nothing at all); a paraphrase of a seed document's concern finds
that concern first, as a precedent."""
from pathlib import Path

import pytest

from benchmarks import cross_type_eval, strength_calibration
from benchmarks.common import seeds_and_reports
from index.ingest.pipeline import ingest
from index.library import open_library
from search.query import run_search

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real_library(tmp_path_factory, shared):
    """The five seeds and 40 PFD reports about other things."""
    docs = seeds_and_reports(shared, tmp_path_factory.mktemp("docs"))
    lib = open_library(tmp_path_factory.mktemp("lib"), model="all-MiniLM-L6-v2")
    ingest(lib, [docs])
    yield lib
    lib.close()


def test_random_words_and_keyboard_mashes_are_never_close(real_library):
    queries = strength_calibration.random_queries(seed=3, n=5)  # 5 random-word triples, 5 mashes
    queries += strength_calibration.UNRELATED[:3]
    assert len(queries) >= 13
    for q in queries:
        data = run_search(real_library, q, k=10)
        assert data["close"] == 0, (q, [(r["strength"], r["signals"]) for r in data["results"][:3]])


KNOWN_MISSES: dict[str, str] = {}  # none since keyword expansion from the closest findings (search.ranking.feedback)


@pytest.mark.parametrize("query,prefix", [
    pytest.param(q, p, marks=pytest.mark.xfail(reason=KNOWN_MISSES[p], strict=False)) if p in KNOWN_MISSES else (q, p)
    for q, p in cross_type_eval.PARAPHRASES])
def test_a_paraphrase_of_a_seed_concern_finds_it_first_as_a_precedent(real_library, query, prefix):
    # Since issue 24 "close" is kept for hits a reader would agree with at least 90% of the time on
    # the development judgements (benchmarks/nomatch_calibration.py): a cut-off so high that these
    # paraphrases (probability ~0.92) are "related"; they must still come first, above weak.
    data = run_search(real_library, query, k=10)
    mine = [r for r in data["results"] if Path(r["document"]["source"]).name.startswith(prefix)]
    assert mine, [r["document"]["source"] for r in data["results"]]
    assert data["results"][0] is mine[0], [r["document"]["source"] for r in data["results"][:3]]
    assert mine[0]["strength"] in ("close", "related"), mine[0]["signals"]


def test_keyboard_mash_and_out_of_field_questions_return_nothing(real_library):
    from benchmarks.nomatch_calibration import mashes

    for q in mashes(seed=7, n=10) + ["best pizza in Naples", "how to reset my router"]:
        data = run_search(real_library, q, k=10)
        assert data["nothing_matches"] and data["total"] == 0 and data["results"] == [], (q, data.get("match"))
    data = run_search(real_library, "restraint by police officers", k=10)
    assert not data["nothing_matches"] and data["total"] > 0, data.get("match")
