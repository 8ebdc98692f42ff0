"""How many passages hold each indexed term.

FTS5 computes BM25 for every row matching any word of an OR query; a word in a quarter
of a million-passage library costs ~300 ms and adds almost nothing to the ranking (its
IDF is near zero). With document frequencies at hand, keyword search (search.ranking.lexical)
can leave such words out of the MATCH and still count them when it scores candidates.
Reading them from FTS5's vocabulary takes ~10 s per million passages, so in a large
library it is done after an ingest that changed it noticeably, not per query; a small
library answers from FTS5's vocabulary directly.

Terms are FTS5's own keys: Porter stems (the caller stems, with search.ranking.text.stem)."""
from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass

from index.store import Store

log = logging.getLogger(__name__)

PRUNE_FROM = 100_000  # passages; below this every query word is searched
REFRESH_CHANGE = 0.05  # refresh when the passage count moved by this share


def _count_at_refresh(store: Store) -> int:
    r = store.conn.execute("SELECT value FROM settings WHERE key='term_df_passages'").fetchone()
    return int(r[0]) if r else 0


def _vocab(store: Store) -> None:
    store.conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.passages_vocab USING fts5vocab(main, passages_fts, 'row')")


def refresh_if_needed(store: Store, force: bool = False) -> bool:
    """Recount term document frequencies when the library is large and has changed."""
    n = store.count("passages")
    before = _count_at_refresh(store)
    if not force and (n < PRUNE_FROM or (before and abs(n - before) < REFRESH_CHANGE * before)):
        return False
    c = store.conn
    _vocab(store)
    rows = c.execute("SELECT term, doc, cnt FROM temp.passages_vocab").fetchall()
    tokens = sum(r[2] for r in rows)
    with store.transaction() as t:
        t.execute("DELETE FROM term_df")
        t.executemany("INSERT INTO term_df VALUES (?, ?)", [r[:2] for r in rows])
        t.execute("INSERT OR REPLACE INTO settings VALUES ('term_df_passages', ?)", (str(n),))
        t.execute("INSERT OR REPLACE INTO settings VALUES ('term_avg_tokens', ?)", (str(tokens / max(n, 1)),))
        t.execute("INSERT OR REPLACE INTO settings VALUES ('term_df_findings', ?)", (str(store.count("findings")),))
    return True


@dataclass(frozen=True)
class TermStats:
    """Counts from the last refresh: passages and findings then, the passages' mean length
    in tokens, and how many passages held each query stem."""
    passages: int
    avg_tokens: float
    df: dict[str, int]
    findings: int = 0


def term_stats(store: Store, stems: list[str]) -> TermStats | None:
    """Document frequencies of the Porter ``stems``, or None for a small library (or
    before the first refresh): there FTS5 ranks every match quickly and exactly."""
    n = _count_at_refresh(store)
    if n < PRUNE_FROM:
        return None
    c = store.conn
    try:
        df = {s: (c.execute("SELECT df FROM term_df WHERE term=?", (s,)).fetchone() or (0,))[0] for s in stems}
    except sqlite3.OperationalError as e:  # a library file damaged or locked mid-read
        log.warning("term counts unavailable: %s", e)
        return None
    settings = dict(c.execute("SELECT key, value FROM settings WHERE key IN ('term_avg_tokens', 'term_df_findings')"))
    return TermStats(n, float(settings.get("term_avg_tokens", 150.0)), df, int(settings.get("term_df_findings", 0)))


def average_tokens_at_refresh(store: Store) -> float | None:
    """The passages' mean length in tokens at the last refresh, or None before the first."""
    r = store.conn.execute("SELECT value FROM settings WHERE key='term_avg_tokens'").fetchone()
    return float(r[0]) if r else None


def document_frequencies(store: Store, stems: list[str]) -> tuple[int, dict[str, int]]:
    """(passages counted, {stem: passages holding it}): from the last refresh in a large
    library, else from FTS5's vocabulary (a lookup per stem)."""
    stats = term_stats(store, stems)
    if stats is not None:
        return stats.passages, stats.df
    _vocab(store)
    c = store.conn
    df = {s: (c.execute("SELECT doc FROM temp.passages_vocab WHERE term=?", (s,)).fetchone() or (0,))[0]
          for s in stems}
    return store.count("passages"), df
