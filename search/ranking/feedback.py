"""Words the query does not use but its closest concerns do: keyword expansion learned from
the library, with the dense side as the teacher.

A query that paraphrases a concern ("the domestic abuse risk conference", "notes") often
shares none of its rare words with the documents that raise it ("MARAC", "minuted"), so
keyword search finds documents that share only the common words ("mental health"), while
the embedding model, which reads meaning, puts the concern itself first among *findings*
(short statements of one concern each). This is pseudo-relevance feedback (RM3) with the
feedback taken from the dense finding list instead of the keyword list: the words of the
query's few closest findings, each weighted by how often it occurs there (as a share of
each finding's words), by the finding's weight and by its rarity in the library (IDF, so
a shared rare word like an acronym outweighs "the service"), make a small "relevance
model"; its best words get ``share`` of the keyword query's weight (the query's own words
keep the rest, and gain more if the findings use them too). A finding weighs
``exp((cosine - best cosine) / temperature)``: one finding far closer than the others
(the concern itself) teaches most. Findings less alike than ``min_cosine`` teach nothing:
a query about nothing in the library (a keyboard mash) is not expanded.

Only words some passage holds are learned. The settings are search.ranking.ranker.Weights'
(``expand``, ``feedback_*``), chosen by benchmarks/ranking_cv.py."""
from __future__ import annotations

import math

from index.library import Library
from index import retrieval
from index.termstats import document_frequencies

from search.ranking.text import STOPWORDS, WORD, stem


def _idf(n: int, df: int) -> float:
    return max(math.log((n - df + 0.5) / (df + 0.5)), 1e-6)


def expansion(lib: Library, query: str, f_dense: list[tuple[int, float]], findings: int = 5,
              terms: int = 10, min_cosine: float = 0.4,
              min_findings: int = 1, temperature: float = 0.0) -> dict[str, tuple[str, float]]:
    """{stem: (a word it came from, weight)} to add to ``query``'s keyword search; the
    weights sum to 1 (empty when no finding is close enough to learn from)."""
    fb = [(fid, s) for fid, s in f_dense[:findings] if s >= min_cosine]
    if not fb:
        return {}
    rows = retrieval.texts(lib.store, "findings", [i for i, _ in fb])
    counts: list[tuple[dict[str, int], int, float]] = []
    surface: dict[str, str] = {}  # a word of each stem, for FTS5 (which stems it again)
    for fid, s in fb:
        tokens = WORD.findall(rows.get(fid) or "")
        tf: dict[str, int] = {}
        for t in tokens:
            low = t.lower()
            if low in STOPWORDS or len(low) < 3 or low.isdigit():
                continue
            st = stem(low)
            tf[st] = tf.get(st, 0) + 1
            surface.setdefault(st, low)
        counts.append((tf, len(tokens), s))
    if not surface:
        return {}
    n, df = document_frequencies(lib.store, list(surface))
    if temperature > 0:  # a finding far closer than the rest teaches most
        top = max(s for _, _, s in counts)
        counts = [(tf, length, math.exp((s - top) / temperature)) for tf, length, s in counts]
    total = sum(s for _, _, s in counts) or 1.0
    rel: dict[str, float] = {}
    held = {st: sum(1 for tf, _, _ in counts if st in tf) for st in surface}
    for tf, length, s in counts:
        for st, c in tf.items():
            if df.get(st, 0) == 0 or held[st] < min_findings:  # unmatchable, or one finding's quirk
                continue
            rel[st] = rel.get(st, 0.0) + (s / total) * (c / max(length, 1)) * _idf(n, df[st])
    best = sorted(rel.items(), key=lambda kv: -kv[1])[:terms]
    z = sum(v for _, v in best)
    return {st: (surface[st], v / z) for st, v in best} if z > 0 else {}
