"""Problems a review author ("has this happened before?") met on the whole-corpus library
(QA pass 32): each test failed before its fix."""
from __future__ import annotations

import pytest

from search import ranker


@pytest.fixture
def many(library, tmp_path):
    """Twelve reports on restraint and one set of board minutes that mentions it once."""
    from index.ingest import ingest

    d = tmp_path / "many"
    d.mkdir()
    places = ["Leeds", "Bristol", "Cardiff", "Norwich", "Exeter", "Durham", "Preston", "Derby", "Bath",
              "York", "Hull", "Truro"]
    things = ["custody suite", "hospital ward", "street", "van", "cell", "corridor", "garden", "car park",
              "stairwell", "kitchen", "station", "shop"]
    for i, (place, thing) in enumerate(zip(places, things)):
        (d / f"report{i}.txt").write_text(
            f"Regulation 28 Report to Prevent Future Deaths, {place}.\n\n"
            f"Concern: Officers in {place} used prone restraint on a man in the {thing} for {i + 3} minutes; "
            f"the prone restraint of {i + 2} officers was not recorded by {place} police.\n", encoding="utf-8")
    (d / "minutes.md").write_text(
        "# Safeguarding board minutes\n\nPresent: chair, police, health.\n\n"
        "Item 3 - The board discussed restraint used in care homes; staff training has not happened.\n\n"
        "ACTION - the board will commission restraint training for all staff by March 2025.\n", encoding="utf-8")
    ingest(library, [d])
    return library


def test_total_and_facets_do_not_change_with_page_size(many, monkeypatch):
    """"Results 1–10 of 164" became "of 1397" (and close 41 → 87) when the author asked for
    100 a page: the candidate pool grew with the page size."""
    from search.query import run_search

    monkeypatch.setattr(ranker, "POOL", 3)
    small = run_search(many, "prone restraint", k=1)
    big = run_search(many, "prone restraint", k=5)
    assert small["total"] == big["total"] and small["close"] == big["close"]
    assert small["facets"] == big["facets"]


def test_a_type_filter_finds_matches_beyond_the_unfiltered_top(many, monkeypatch):
    """type=minutes said "nothing matches" on the library although minutes on the query existed:
    the filter was applied only to the unfiltered top candidates."""
    from search.query import run_search

    monkeypatch.setattr(ranker, "POOL", 3)
    kind = many.store.conn.execute("SELECT type FROM documents WHERE source LIKE '%minutes.md'").fetchone()[0]
    types = {r["document"]["type"] for r in run_search(many, "prone restraint", k=50)["results"]}
    assert kind not in types  # the minutes are outside the unfiltered pool
    got = run_search(many, "prone restraint", k=5, filters={"type": kind})
    assert got["total"] >= 1 and {r["document"]["type"] for r in got["results"]} == {kind}
