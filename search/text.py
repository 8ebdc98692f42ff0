"""Query text handling shared by keyword search and highlighting."""
from __future__ import annotations

import re

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
PHRASE = re.compile(r'"([^"]+)"')


def terms(query: str) -> list[str]:
    """Content words of the query, lower-cased, in order, without duplicates."""
    seen: list[str] = []
    for t in TOKEN.findall(query.replace('"', " ")):
        t = t.lower().strip("'’-")
        if t and t not in STOPWORDS and t not in seen and (len(t) > 1 or t.isdigit()):
            seen.append(t)
    return seen


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


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ings", "ing", "edly", "ed", "es", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def highlight_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Character spans of ``text`` that match the query's words or phrases."""
    spans: list[tuple[int, int]] = []
    for p in phrases(query):
        for m in re.finditer(re.escape(p), text, re.I):
            spans.append((m.start(), m.end()))
    stems = sorted({_stem(t) for t in terms(PHRASE.sub(" ", query))}, key=len, reverse=True)
    if stems:
        pat = re.compile(r"\b(?:" + "|".join(re.escape(s) for s in stems) + r")[\w'’]*", re.I)
        spans += [(m.start(), m.end()) for m in pat.finditer(text)]
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged
