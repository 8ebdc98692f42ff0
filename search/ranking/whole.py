"""Whole documents scored by keyword: BM25F over a document's fields, a first-class signal
of the ranker (search.ranking.ranker fuses it with the dense and passage signals).

Passage BM25 rewards a report with one paragraph dense in the query's words; a reader asking
about a topic ("deaths involving restraint", "falls in care homes") wants the reports *about*
it, whose title names it, whose concerns raise it and whose text keeps coming back to it. BM25F
(Robertson, Zaragoza & Taylor 2004) reads each document as fields — its title, its concerns
(findings) and its whole text — adds each word's occurrences over the fields, each field
weighted and normalised by its length against that field's mean, and saturates the sum once:

    tf~(w, d) = sum_f  weight_f * tf_f(w, d) / (1 - b_f + b_f * len_f(d) / mean len_f)
    score(d)  = sum_w  idf(w) * tf~ / (K1 + tf~)

The IDF is the library's passage-level one (search.ranking.learned.query_idf: what the ranker
already reads; a word rare among passages is rare among documents too). A query's candidates
are the documents its passage and concern lists found (at most ``ranker.WEIGHTS.doc_top`` of
them are read), so the cost grows with the candidates, not the library.

:func:`plain_document_bm25` is the baseline the evaluation compares the product with: plain
BM25 (K1 1.2, b 0.75) over every document's whole text, with document frequencies counted
over documents — not a signal of the product (it reads every document)."""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from index import retrieval

from search.ranking.text import WORD, stem, term_stems

FIELDS = ("title", "concerns", "body")
WEIGHTS = (3.0, 2.0, 1.0)  # title, concerns, whole text (the ranker passes its own: Weights.doc_fields)
LENGTH_B = (0.3, 0.5, 0.75)  # how much each field's length normalises (short fields barely)
K1 = 1.2
MIN_STEM = 3  # shorter stems ("e" of "e-mail", initials) are left out: found inside nearly every word, slow to count


@dataclass(frozen=True)
class FieldLengths:
    """Mean tokens of each field over a sample of the library's documents."""
    title: float
    concerns: float
    body: float

    def of(self, i: int) -> float:
        return max((self.title, self.concerns, self.body)[i], 1.0)


_LENGTHS: dict[tuple, FieldLengths] = {}


def _tokens(text: str) -> int:
    """Words as whitespace cuts them (cheap; only ever compared with the field's mean)."""
    return text.count(" ") + text.count("\n") + 1 if text else 0


def field_lengths(lib) -> FieldLengths:
    """The mean length of each field, measured on up to 300 documents (once per library size)."""
    n = lib.store.count("documents")
    key = (str(getattr(lib, "path", id(lib))), n)
    if key not in _LENGTHS:
        ids = retrieval.document_sample(lib.store, max(n // 300, 1), 300)
        rows = list(retrieval.document_fields(lib.store, ids).values())
        m = max(len(rows), 1)
        _LENGTHS[key] = FieldLengths(*(sum(_tokens(r[i]) for r in rows) / m or 1.0 for i in range(3)))
    return _LENGTHS[key]


@lru_cache(maxsize=1024)
def _heads(wanted: frozenset) -> tuple[tuple[re.Pattern, frozenset], ...]:
    """One plain pattern per word head (a Porter stem less its last letter begins the word it came
    from): a literal prefix scans faster than one alternation with a look-behind."""
    by_head: dict[str, set[str]] = {}
    for w in wanted:
        by_head.setdefault(w[:-1] if len(w) > 2 else w, set()).add(w)
    heads = sorted(by_head, key=len)
    # a head that begins another covers its words: scan for the shorter only
    kept = [h for h in heads if not any(h != o and h.startswith(o) for o in heads)]
    return tuple((re.compile(re.escape(h) + r"[^\W_]*"),
                  frozenset(w for o in heads if o.startswith(h) for w in by_head[o])) for h in kept)


def counts(text: str, wanted: frozenset) -> dict[str, int]:
    """{stem: occurrences in ``text``} for the ``wanted`` stems: each word that could have one
    (found by its head, at a word's start) stemmed once."""
    out: dict[str, int] = {}
    if not wanted or not text:
        return out
    low = text.lower()
    for pat, stems in _heads(wanted):
        words: Counter = Counter()
        for m in pat.finditer(low):
            i = m.start()
            if i and (low[i - 1].isalnum()):
                continue  # inside a word, not at its start
            words[m.group(0)] += 1
        for word, n in words.items():
            s = stem(word)
            if s in stems:
                out[s] = out.get(s, 0) + n
    return out


def bm25f(lib, query: str, docs: list[int], idf: dict[str, float],
          weights: tuple[float, float, float] = WEIGHTS) -> dict[int, float]:
    """{document: BM25F score} for ``docs`` (those holding none of the query's words score 0)."""
    wanted = frozenset(s for s in idf if len(s) >= MIN_STEM)
    if not wanted or not docs:
        return {}
    mean = field_lengths(lib)
    out: dict[int, float] = {}
    for d, fields in retrieval.document_fields(lib.store, list(docs)).items():
        tilde: dict[str, float] = {}
        for i, text in enumerate(fields):
            if not weights[i] or not text:
                continue
            tf = counts(text, wanted)
            if not tf:
                continue
            norm = 1 - LENGTH_B[i] + LENGTH_B[i] * _tokens(text) / mean.of(i)
            for s, n in tf.items():
                tilde[s] = tilde.get(s, 0.0) + weights[i] * n / norm
        out[d] = sum(idf[s] * t / (K1 + t) for s, t in tilde.items())
    return out


# ----------------------------------------------------------------------------- the baseline
_INDEX: dict[tuple, tuple] = {}


def _whole_index(lib) -> tuple[dict[int, Counter], dict[str, int], float]:
    """({document: Counter of its stems}, {stem: documents holding it}, mean tokens), once
    per library size."""
    key = (str(getattr(lib, "path", id(lib))), lib.store.count("documents"))
    if key not in _INDEX:
        tf: dict[int, Counter] = {}
        df: Counter = Counter()
        for d, text in retrieval.every_document_text(lib.store):
            words = Counter(WORD.findall((text or "").lower()))
            c: Counter = Counter()
            for w, n in words.items():
                c[stem(w)] += n
            c["\0len"] = sum(words.values())
            tf[d] = c
            df.update(s for s in c if s != "\0len")
        mean = sum(c["\0len"] for c in tf.values()) / max(len(tf), 1)
        _INDEX.clear()  # one library at a time (they are large)
        _INDEX[key] = (tf, dict(df), mean)
    return _INDEX[key]


def plain_document_bm25(lib, query: str, n: int = 1000, k1: float = 1.2, b: float = 0.75) -> list[tuple[int, float]]:
    """Plain BM25 over every document's whole text (document frequencies over documents):
    ``[(document, score)]`` best first, documents holding a query word only."""
    stems = term_stems(query)
    if not stems:
        return []
    tf, df, mean = _whole_index(lib)
    total = len(tf)
    idf = {s: math.log(1 + (total - df.get(s, 0) + 0.5) / (df.get(s, 0) + 0.5)) for s in stems}
    scored = []
    for d, c in tf.items():
        norm = k1 * (1 - b + b * c["\0len"] / max(mean, 1.0))
        s = sum(idf[t] * c[t] * (k1 + 1) / (c[t] + norm) for t in stems if c.get(t))
        if s > 0:
            scored.append((d, s))
    scored.sort(key=lambda x: (-x[1], x[0]))
    return scored[:n]
