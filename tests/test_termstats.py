from index import termstats
from index.ingest import ingest
from search.engine import keyword_passages


def test_common_words_are_left_out_of_the_match_in_large_libraries(library, tmp_path, monkeypatch):
    d = tmp_path / "d"
    d.mkdir()
    for i in range(60):
        extra = " The MAPPA panel never met." if i == 7 else ""
        (d / f"r{i}.txt").write_text(f"The patient was seen by the ward staff on day {i}.{extra}")
    monkeypatch.setattr(termstats, "PRUNE_FROM", 10)
    ingest(library, [d])  # a "large" library now: term counts are refreshed after ingest
    assert library.store.conn.execute("SELECT df FROM term_df WHERE term='patient'").fetchone()[0] == 60
    common = termstats.common_terms(library.store, ["patient", "ward", "mappa", "panel"])
    assert common == {"patient", "ward"}
    assert termstats.common_terms(library.store, ["patient", "ward"]) == {"ward"} or \
        termstats.common_terms(library.store, ["patient", "ward"]) == {"patient"}  # the rarest is kept
    hits = keyword_passages(library, "patient ward MAPPA panel", 10)
    assert len(hits) == 1  # only the passage with a rare word is scored …
    top = library.store.conn.execute("SELECT text FROM passages WHERE id=?", (hits[0][0],)).fetchone()[0]
    assert "MAPPA" in top
    monkeypatch.setattr(termstats, "PRUNE_FROM", 10**9)
    assert len(keyword_passages(library, "patient ward MAPPA panel", 100)) == 60  # … not every passage
