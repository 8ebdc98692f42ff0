"""Keyword ranking (BM25 over FTS5) with a bounded cost in large libraries.

(Named ``lexical`` rather than ``keyword``, which is a standard-library module.)

FTS5 computes BM25 for every row that matches any word of an OR query, so its cost grows
with the rows the query's words hold: "suicide" in a million-passage library matches tens
of thousands of passages and takes hundreds of milliseconds, whatever ``LIMIT`` says.

Small libraries (below ``index.termstats.PRUNE_FROM`` passages) are ranked exactly by
FTS5. In a large one the query's words are split by how many rows they hold (known from
``index.termstats``): the rarest words, up to ``POSTING_BUDGET`` rows together, are matched
and ranked by FTS5 as usual; the rest ("broad" words) are not matched. Instead candidates
come from the selective words' matches, from the dense side's candidates when the caller
has them, and — when those are too few — from the newest rows holding a broad word (an
FTS5 scan in rowid order stops after ``n`` rows). Every candidate is then scored by BM25
over *all* the query's words here in Python, with the library's document frequencies, so
broad words still count; the cost depends on the candidates, not on the library.

Words are tokenized and stemmed once, the way FTS5 does (search.ranking.text): term frequency
here and document frequency from FTS5 count the same thing.

Words learned from the query's closest findings (search.ranking.feedback) weigh in as RM3 has it
(:func:`expanded_ranking`): in a small library they are matched and scored like the
query's own; in a large one they only re-rank the bounded plan's candidates (the query's
own matches and the dense side's), so the cost stays bounded.

Either way the scores are scaled by coordination (the share of the query's words a row
holds): BM25 over an OR of many words lets one rare, incidental word outscore a row that
has most of them."""
from __future__ import annotations

import math
from typing import Iterable

from index import retrieval
from index.termstats import TermStats, average_tokens_at_refresh, document_frequencies, term_stats

from search.ranking.text import WORD, fts_query, phrases, stem_counts, stem_words, term_stems

POSTING_BUDGET = 8_000  # rows FTS5 may rank per query in a large library
# rows the words search.ranking.feedback adds may bring in a large library: none, there they only re-rank
# the candidates (the query's own matches and the dense side's); a small library also matches them
EXTRA_BUDGET = 0
BROAD_ROWS = 200  # newest rows read for broad words when nothing else gives candidates
K1, B = 1.2, 0.75  # FTS5's BM25 parameters


def coordinate(ranked: list[tuple[int, float]], texts: dict[int, str], stems: list[str],
               power: float = 1.0) -> list[tuple[int, float]]:
    """Scale each score by the share of the query's ``stems`` its text holds (to ``power``);
    best first."""
    if len(stems) < 2 or len(ranked) < 2 or power == 0:
        return ranked
    wanted = set(stems)
    out = []
    for rid, s in ranked:
        have = len(stem_counts(texts.get(rid, ""), wanted)[0])
        out.append((rid, s * (max(have, 1) / len(stems)) ** power))
    return sorted(out, key=lambda x: -x[1])


def bm25(text: str, stems: list[str], idf: list[float], avg_tokens: float,
         tokens: int | None = None) -> tuple[float, int]:
    """(BM25 of ``text`` (of ``tokens`` tokens, counted if not given) for the query's
    ``stems`` with their ``idf``, how many it holds)."""
    tf, n_tokens = stem_counts(text, set(stems), tokens)
    if not tf:
        return 0.0, 0
    norm = K1 * (1 - B + B * n_tokens / max(avg_tokens, 1.0))
    score, have = 0.0, 0
    for st, weight in zip(stems, idf):
        n = tf.get(st, 0)
        if n:
            have += 1
            score += weight * n * (K1 + 1) / (n + norm)
    return score, have


def split_by_budget(df: dict[str, int], budget: int) -> tuple[list[str], list[str]]:
    """(selective, broad): the rarest words whose rows add up to at most ``budget``, and
    the rest. Words no row holds are selective (they cost nothing)."""
    selective, broad, total = [], [], 0
    for w in sorted(df, key=lambda w: df[w]):
        if total + df[w] <= budget:
            selective.append(w)
            total += df[w]
        else:
            broad.append(w)
    return selective, broad


def plain_bm25(lib, query: str, n: int, table: str = "passages") -> list[tuple[int, float]]:
    """FTS5's BM25 over an OR of the query's words and nothing else: the baseline that
    ``precedent eval`` compares the product's rankers with."""
    expr = fts_query(query)
    return retrieval.fts_bm25(lib.store, table, expr, n) if expr else []


def keyword_ranking(lib, query: str, n: int, table: str = "passages",
                    candidates: Iterable[int] = (), coordination: float = 1.0,
                    extra: dict[str, tuple[str, float]] | None = None, share: float = 0.0) -> list[tuple[int, float]]:
    """The ``n`` rows of ``table`` (passages or findings) best matching ``query`` by
    keyword: ``[(id, score)]``, best first. ``candidates`` (ids the dense side found) are
    scored too when the library is large enough for the bounded plan. Scores are scaled by
    the share of the query's words a row holds, to the power ``coordination``. ``extra``
    words (search.ranking.feedback, passages only) get ``share`` of the query's weight (see
    :func:`expanded_ranking`); in a large library they join the one bounded pass."""
    stems = term_stems(query)
    stats = None if phrases(query) or not stems else term_stats(lib.store, stems)
    if stats is None:  # exact: FTS5 ranks every match
        expr = fts_query(query)
        if not expr:
            return []
        ranked = retrieval.fts_bm25(lib.store, table, expr, n)
        if len(stems) >= 2 and len(ranked) >= 2:
            ranked = coordinate(ranked, retrieval.texts(lib.store, table, [i for i, _ in ranked]), stems, coordination)
        return expanded_ranking(lib, query, ranked, extra, share, n) if extra and table == "passages" else ranked
    if extra and table == "passages":
        return _bounded(lib, table, stem_words(query), n, stats, candidates, coordination, extra, share)
    return _bounded(lib, table, stem_words(query), n, stats, candidates, coordination)


def _bounded(lib, table: str, words: dict[str, str], n: int, stats: TermStats,
             candidates: Iterable[int], coordination: float = 1.0,
             extra: dict[str, tuple[str, float]] | None = None, share: float = 0.0) -> list[tuple[int, float]]:
    weight = {w: 1.0 for w in words}
    if extra:  # RM3's interpolation: the query's words share 1 - share, the learned words share
        weight = {w: (1.0 - share) / len(words) for w in words}
        _, extra_df = document_frequencies(lib.store, [w for w in extra if w not in words])
        stats = TermStats(stats.passages, stats.avg_tokens, {**stats.df, **extra_df}, stats.findings)
        words = {**{w: word for w, (word, _) in extra.items()}, **words}
        for w, (_, x) in extra.items():
            weight[w] = weight.get(w, 0.0) + share * x
    stems = list(words)
    # findings hold about the same words as passages, in proportion to their number
    # (findings are counted at refresh; a refresh older than that count is counted now)
    scale = 1.0 if table == "passages" else (stats.findings or lib.store.count("findings")) / max(stats.passages, 1)
    rows = {w: int(stats.df.get(w, 0) * scale) for w in stems}
    own = {w: r for w, r in rows.items() if not extra or w not in extra or weight[w] > share * extra[w][1]}
    selective, broad = split_by_budget(own, POSTING_BUDGET)  # the query's own words plan as without expansion
    if extra:  # learned words are matched only if rare (EXTRA_BUDGET rows together); otherwise just scored
        selective += split_by_budget({w: r for w, r in rows.items() if w not in own}, EXTRA_BUDGET)[0]
    pool: dict[int, None] = {}
    if selective:  # FTS5 is given the words, which it stems itself
        expr = " OR ".join(f'"{words[w]}"' for w in selective)
        pool.update((i, None) for i, _ in retrieval.fts_bm25(lib.store, table, expr, n))
    pool.update((int(i), None) for i in candidates)
    if broad and len(pool) < n:
        expr = " OR ".join(f'"{words[w]}"' for w in broad)
        pool.update((i, None) for i in retrieval.fts_newest(lib.store, table, expr, max(n, BROAD_ROWS)))
    found = retrieval.texts(lib.store, table, pool)
    # FTS5's IDF, from the counts of the last refresh
    idf = [weight[w] * max(math.log((stats.passages - stats.df.get(w, 0) + 0.5) / (stats.df.get(w, 0) + 0.5)), 1e-6)
           for w in stems]
    scored = []
    for rid, text in found.items():
        s, have = bm25(text, stems, idf, stats.avg_tokens)
        if have:
            scored.append((rid, s * (have / len(stems)) ** coordination))
    scored.sort(key=lambda x: -x[1])
    return scored[:n]


_AVG_TOKENS: dict[tuple, float] = {}


def average_tokens(lib) -> float:
    """Mean passage length in tokens: from the last term count in a large library, else
    measured on up to 500 passages (once per library size)."""
    counted = average_tokens_at_refresh(lib.store)
    if counted is not None:
        return counted
    n = lib.store.count("passages")
    key = (str(getattr(lib, "path", id(lib))), n)
    if key not in _AVG_TOKENS:
        step = max(n // 500, 1)
        sample = retrieval.passage_sample(lib.store, step, 500)
        _AVG_TOKENS[key] = sum(len(WORD.findall(t or "")) for t in sample) / max(len(sample), 1) or 150.0
    return _AVG_TOKENS[key]


def expanded_ranking(lib, query: str, base: list[tuple[int, float]], extra: dict[str, tuple[str, float]] | None,
                     share: float, n: int, candidates: Iterable[int] = ()) -> list[tuple[int, float]]:
    """Passages by keyword for ``query`` plus ``extra`` words ({stem: (word, weight)},
    weights summing to 1, from search.ranking.feedback): BM25 with each query word weighing
    ``(1 - share) / words`` and each extra word ``share * weight`` (RM3's interpolation).
    Candidates: ``base`` (the query's own keyword list), the best matches of the extra
    words (only the selective ones in a large library) and ``candidates``."""
    words = stem_words(query)
    if not extra or not words:
        return base
    n_rows, df = document_frequencies(lib.store, list(words) + [s for s in extra if s not in words])
    pool: dict[int, None] = dict.fromkeys(i for i, _ in base)
    selective, _ = split_by_budget({s: df.get(s, 0) for s in extra}, POSTING_BUDGET)
    if selective:
        expr = " OR ".join(f'"{extra[s][0]}"' for s in selective)
        pool.update((i, None) for i, _ in retrieval.fts_bm25(lib.store, "passages", expr, n))
    pool.update((int(i), None) for i in candidates)
    weight = {s: (1.0 - share) / len(words) for s in words}
    for s, (_, w) in extra.items():
        weight[s] = weight.get(s, 0.0) + share * w
    stems = list(weight)
    idf = [weight[s] * max(math.log((n_rows - df.get(s, 0) + 0.5) / (df.get(s, 0) + 0.5)), 1e-6) for s in stems]
    avg = average_tokens(lib)
    sizes = retrieval.token_counts(lib.store, pool)
    scored = []
    for rid, text in retrieval.texts(lib.store, "passages", pool).items():
        s, have = bm25(text, stems, idf, avg, sizes.get(rid))
        if have:
            scored.append((rid, s))
    scored.sort(key=lambda x: -x[1])
    return scored[:n]
