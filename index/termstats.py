"""How many passages hold each indexed term, kept for large libraries.

FTS5 computes BM25 for every row matching any word of an OR query; a word in a quarter
of a million-passage library costs ~300 ms and adds almost nothing to the ranking (its
IDF is near zero). With document frequencies at hand, keyword search (search.keyword)
can leave such words out of the MATCH and still count them when it scores candidates.
Reading them from FTS5's vocabulary takes ~10 s per million passages, so it is done after
an ingest that changed a large library noticeably, not per query."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .store import Store

PRUNE_FROM = 100_000  # passages; below this every query word is searched
REFRESH_CHANGE = 0.05  # refresh when the passage count moved by this share


def _count_at_refresh(store: Store) -> int:
    r = store.conn.execute("SELECT value FROM settings WHERE key='term_df_passages'").fetchone()
    return int(r[0]) if r else 0


def refresh_if_needed(store: Store, force: bool = False) -> bool:
    """Recount term document frequencies when the library is large and has changed."""
    n = store.count("passages")
    before = _count_at_refresh(store)
    if not force and (n < PRUNE_FROM or (before and abs(n - before) < REFRESH_CHANGE * before)):
        return False
    c = store.conn
    c.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.passages_vocab USING fts5vocab(main, passages_fts, 'row')")
    rows = c.execute("SELECT term, doc, cnt FROM temp.passages_vocab").fetchall()
    tokens = sum(r[2] for r in rows)
    with store.transaction() as t:
        t.execute("CREATE TABLE IF NOT EXISTS term_df (term TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID")
        t.execute("DELETE FROM term_df")
        t.executemany("INSERT INTO term_df VALUES (?, ?)", [r[:2] for r in rows])
        t.execute("INSERT OR REPLACE INTO settings VALUES ('term_df_passages', ?)", (str(n),))
        t.execute("INSERT OR REPLACE INTO settings VALUES ('term_avg_tokens', ?)", (str(tokens / max(n, 1)),))
        t.execute("INSERT OR REPLACE INTO settings VALUES ('term_df_findings', ?)", (str(store.count("findings")),))
    return True


@lru_cache(maxsize=1)
def _stemmer():
    import snowballstemmer  # the Porter algorithm, as FTS5's porter tokenizer uses

    return snowballstemmer.stemmer("porter")


@dataclass(frozen=True)
class TermStats:
    """Counts from the last refresh: passages and findings then, the passages' mean length
    in tokens, and how many passages held each query word (by its Porter stem, as FTS5
    indexes it)."""
    passages: int
    avg_tokens: float
    df: dict[str, int]
    findings: int = 0


def term_stats(store: Store, words: list[str]) -> TermStats | None:
    """Document frequencies of ``words``, or None for a small library (or before the first
    refresh): there FTS5 ranks every match quickly and exactly."""
    n = _count_at_refresh(store)
    if n < PRUNE_FROM:
        return None
    c = store.conn
    try:
        df = {w: (c.execute("SELECT df FROM term_df WHERE term=?", (_stemmer().stemWord(w),)).fetchone() or (0,))[0]
              for w in words}
    except Exception:  # noqa: BLE001 - no table yet
        return None
    settings = dict(c.execute("SELECT key, value FROM settings WHERE key IN ('term_avg_tokens', 'term_df_findings')"))
    return TermStats(n, float(settings.get("term_avg_tokens", 150.0)), df, int(settings.get("term_df_findings", 0)))
