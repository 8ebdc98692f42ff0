import pytest

from index import termstats
from index.ingest.pipeline import ingest
from search.ranking import lexical as keyword
from search.ranking.engine import keyword_passages


@pytest.fixture
def large(library, tmp_path, monkeypatch):
    """60 short reports, counted as a "large" library: every one has patient and ward,
    one has MAPPA panel, the last ten have a discharge."""
    d = tmp_path / "d"
    d.mkdir()
    for i in range(60):
        extra = " The MAPPA panel never met." if i == 7 else ""
        extra += " A discharge letter was not sent to the GP." if i >= 50 else ""
        (d / f"r{i:02d}.txt").write_text(f"The patient was seen by the ward staff on day {i}.{extra}")
    monkeypatch.setattr(termstats, "PRUNE_FROM", 10)
    ingest(library, [d])  # term counts are refreshed after this ingest
    monkeypatch.setattr(keyword, "POSTING_BUDGET", 12)  # patient and ward (60 rows) are broad
    monkeypatch.setattr(keyword, "BROAD_ROWS", 5)
    return library


def text(lib, pid):
    return lib.store.conn.execute("SELECT text FROM passages WHERE id=?", (pid,)).fetchone()[0]


def test_term_counts_are_refreshed_for_a_large_library(large):
    assert large.store.conn.execute("SELECT df FROM term_df WHERE term='patient'").fetchone()[0] == 60
    from search.ranking.text import stem

    stats = termstats.term_stats(large.store, [stem(w) for w in ("patient", "mappa", "discharge")])
    assert stats.passages == 60 and stats.df == {"patient": 60, "mappa": 1, stem("discharge"): 10}
    assert 5 < stats.avg_tokens < 30


def test_split_by_budget_keeps_the_rarest_words_within_the_budget():
    assert keyword.split_by_budget({"care": 900, "mappa": 3, "ward": 300, "nil": 0}, 400) == (
        ["nil", "mappa", "ward"], ["care"])
    assert keyword.split_by_budget({"suicide": 5000}, 400) == ([], ["suicide"])


def test_broad_words_are_not_matched_but_still_score(large):
    hits = keyword_passages(large, "patient ward MAPPA panel", 10)
    assert "MAPPA" in text(large, hits[0][0])  # the rare words are matched and rank first
    # the broad words are not ranked over all 60 rows: they bring the newest rows
    newest = [r[0] for r in large.store.conn.execute("SELECT id FROM passages ORDER BY id DESC LIMIT 10")]
    assert len(hits) == 10 and {p for p, _ in hits[1:]} <= set(newest)
    assert all(0 < s < hits[0][1] for _, s in hits[1:])


def test_a_query_of_broad_words_only_scores_candidates_from_the_dense_side(large):
    ids = [r[0] for r in large.store.conn.execute("SELECT id FROM passages ORDER BY id LIMIT 3")]
    hits = keyword_passages(large, "patient", 3, candidates=ids)
    assert {h for h, _ in hits} == set(ids)  # three candidates already: no scan of the 60
    bounded = keyword_passages(large, "patient discharge GP", 5)
    exact_monkey = termstats.PRUNE_FROM
    termstats.PRUNE_FROM = 10**9
    try:
        exact = keyword_passages(large, "patient discharge GP", 5)
    finally:
        termstats.PRUNE_FROM = exact_monkey
    # the bounded plan finds the same best rows as FTS5's exact ranking (the discharge ones)
    assert all("discharge" in text(large, pid) for pid, _ in bounded)
    assert {p for p, _ in bounded} <= {r[0] for r in large.store.conn.execute(
        "SELECT id FROM passages WHERE text LIKE '%discharge%'")}
    assert all("discharge" in text(large, pid) for pid, _ in exact)
