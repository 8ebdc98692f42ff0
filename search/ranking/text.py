"""Query text handling shared by keyword search, the ranker's signals and highlighting.

One tokenizer and one stemmer for everything: words are runs of letters and digits (as
FTS5's ``unicode61`` tokenizer splits them) and are compared by their Porter stem (as its
``porter`` tokenizer indexes them), so term frequency counted here, document frequency
read from FTS5 and the spans highlighted on the page agree about what a word is."""
from __future__ import annotations

import re
from functools import lru_cache

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers him his how i if in into is it its itself just
    me more most my no nor not now of off on once only or other our ours out over own same she
    should so some such than that the their theirs them then there these they this those through
    to too under until up very was we were what when where which while who whom why will with
    would you your yours""".split()
)

TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")
WORD = re.compile(r"[^\W_]+")  # a token as FTS5's unicode61 tokenizer cuts it
PHRASE = re.compile(r'"([^"]+)"')


@lru_cache(maxsize=1)
def _porter():
    import snowballstemmer  # the Porter algorithm, as FTS5's porter tokenizer uses

    return snowballstemmer.stemmer("porter")


@lru_cache(maxsize=1 << 17)
def stem(word: str) -> str:
    """The Porter stem of a lower-cased word (FTS5's ``porter`` tokenizer's key)."""
    return _porter().stemWord(word.lower())


def terms(query: str) -> list[str]:
    """Content words of the query, lower-cased, in order, without duplicates."""
    seen: list[str] = []
    for t in TOKEN.findall(query.replace('"', " ")):
        t = t.lower().strip("'’-")
        if t and t not in STOPWORDS and t not in seen and (len(t) > 1 or t.isdigit()):
            seen.append(t)
    return seen


def stem_words(query: str) -> dict[str, str]:
    """{Porter stem: the query word it came from} for the query's content words outside
    quotes (a hyphenated word gives each part), in order."""
    out: dict[str, str] = {}
    for t in terms(PHRASE.sub(" ", query)):
        for w in WORD.findall(t):
            if w not in STOPWORDS:
                out.setdefault(stem(w), w)
    return out


def term_stems(query: str) -> list[str]:
    """The Porter stems of the query's content words, in order, without duplicates."""
    return list(stem_words(query))


def stem_counts(text: str, wanted: set[str] | frozenset, tokens: int | None = None) -> tuple[dict[str, int], int]:
    """({stem: occurrences in ``text``} for the ``wanted`` stems, tokens in ``text``; pass
    ``tokens`` when known, FTS5 keeps it). Only tokens that could have a wanted stem are
    stemmed: a Porter stem, less its last letter, always begins the word it came from."""
    n = len(WORD.findall(text)) if tokens is None else tokens
    counts: dict[str, int] = {}
    if not wanted or not n:
        return counts, n
    for m in prefix_pattern(frozenset(wanted)).finditer(text):
        s = stem(m.group(0))
        if s in wanted:
            counts[s] = counts.get(s, 0) + 1
    return counts, n


@lru_cache(maxsize=4096)
def prefix_pattern(wanted: frozenset) -> re.Pattern:
    """A case-insensitive pattern matching every word that could have one of the ``wanted``
    stems (a Porter stem, less its last letter, begins the word it came from): the words
    worth stemming when counting or highlighting those stems."""
    heads = sorted({w[:-1] if len(w) > 2 else w for w in wanted}, key=len, reverse=True)
    return re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, heads)) + r")[^\W_]*", re.I)


def phrases(query: str) -> list[str]:
    """Exact phrases the user put in double quotes."""
    return [p.strip() for p in PHRASE.findall(query) if p.strip()]


def _fts_quote(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


def fts_query(query: str, skip: set[str] | frozenset = frozenset()) -> str | None:
    """An FTS5 MATCH expression: quoted phrases must all match; other words are ORed
    (BM25 rewards documents that contain more of them), leaving out ``skip``."""
    must = [_fts_quote(p) for p in phrases(query)]
    rest = [t for t in terms(PHRASE.sub(" ", query)) if t not in skip]
    any_of = " OR ".join(_fts_quote(t) for t in rest)
    if must:  # quoted phrases are required; other words only re-rank within them
        return " AND ".join(must)
    return any_of or None


def highlight_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Character spans of ``text`` that match the query's words (by stem) or phrases."""
    spans: list[tuple[int, int]] = []
    for p in phrases(query):
        for m in re.finditer(re.escape(p), text, re.I):
            spans.append((m.start(), m.end()))
    wanted = set(term_stems(query))
    if wanted:
        spans += [(m.start(), m.end()) for m in prefix_pattern(frozenset(wanted)).finditer(text) if stem(m.group(0)) in wanted]
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged
