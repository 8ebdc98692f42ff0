"""Browsing the library: what it holds (counts by type, recent documents, examples to start
from) and the document list with type / date / area filters and pages.

``library_overview(lib, recent=8)`` and ``browse_documents(lib, type=None, date_from=None,
date_to=None, area=None, q=None, limit=50, offset=0)``. Sources are shown as the original
URL or a file name (``search.sources.source_display``), never a server path. Areas are
shown one name per coroner area (``area_names``: every stored spelling -> the area's name,
``corpus.areas``); filtering by an area finds all its spellings. The rows are
read with ``index.documents``; this module checks the filters and shapes what pages show.
"""
from __future__ import annotations

import json
import re
from typing import Any

from corpus.extract import NOT_REVIEW
from corpus.areas import group_areas
from corpus.readers import clean_area
from index.documents import (area_counts, counts_by_type, documents_page, largest_theme, recent_concern_texts,
                             recent_documents)
from index.library import Library
from index.rows import document_summary

from search.sources import source_display

DOC_TYPES = ("pfd_report", "pfd_response", "action_plan", "inspection", "minutes", "other", NOT_REVIEW)
_TRAILING = {"a", "an", "and", "at", "because", "by", "for", "from", "in", "of", "on", "or", "that", "the", "to",
             "was", "were", "with", "is", "are", "be", "been", "has", "have", "not"}
_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def check_partial_date(value: str | None, name: str) -> str | None:
    """YYYY, YYYY-MM or YYYY-MM-DD (a real month and day), else ValueError."""
    if value in (None, ""):
        return None
    v = str(value).strip()
    if not _DATE.fullmatch(v):
        raise ValueError(f"{name} must be a date (YYYY, YYYY-MM or YYYY-MM-DD)")
    parts = [int(x) for x in v.split("-")]
    if len(parts) >= 2 and not 1 <= parts[1] <= 12:
        raise ValueError(f"{name} has no month {parts[1]}")
    if len(parts) == 3:
        from datetime import date

        try:
            date(*parts)
        except ValueError:
            raise ValueError(f"{name} is not a calendar date") from None
    return v


def _doc(row) -> dict[str, Any]:
    try:
        meta = json.loads(row["meta"] or "{}")
    except (TypeError, ValueError):
        meta = {}
    src = source_display(row["source"], meta if isinstance(meta, dict) else {})
    return {**document_summary(row), "area": (meta or {}).get("area") or None,
            "source": src["url"] or src["name"], "source_url": src["url"], "source_name": src["name"],
            "url": f"/documents/{row['id']}", "case_url": f"/cases/{row['id']}"}


_AREA_CACHE: dict[tuple, dict[str, str]] = {}


def area_names(lib: Library) -> dict[str, str]:
    """{area as stored: the one name shown for its coroner area} (cached per library state).
    Libraries built before areas were cleaned hold untidy spellings: each is cleaned first."""
    counts = area_counts(lib)
    sig = (str(lib.path), tuple(sorted(counts.items())))
    hit = _AREA_CACHE.get(sig)
    if hit is not None:
        return hit
    cleaned: dict[str, int] = {}
    for a, n in counts.items():
        c = clean_area(a)
        if c:
            cleaned[c] = cleaned.get(c, 0) + n
    grouped = group_areas(cleaned)
    out = {a: grouped[clean_area(a)] for a in counts if clean_area(a) in grouped}
    if len(_AREA_CACHE) > 8:
        _AREA_CACHE.clear()
    _AREA_CACHE[sig] = out
    return out


def area_spellings(names: dict[str, str], area: str | None) -> list[str]:
    """Every stored spelling of the area ``area`` names (by its name or any spelling, case
    ignored); [] when it names none (the caller then matches it as a part of a name)."""
    want = (area or "").strip().lower()
    if not want:
        return []
    target = {n for s, n in names.items() if s.lower() == want or n.lower() == want}
    return sorted(s for s, n in names.items() if n in target)


def browse_documents(lib: Library, type: str | None = None, date_from: str | None = None,
                     date_to: str | None = None, area: str | None = None, q: str | None = None,
                     limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Documents newest first, filtered; ``{"filters", "total", "limit", "offset", "documents", "types",
    "areas"}`` (the last two: every document type, and the areas to filter by).
    ``area`` matches the coroner area (or any part of it), ``q`` words in the title."""
    if type and type not in DOC_TYPES:
        raise ValueError("type must be one of " + ", ".join(DOC_TYPES))
    date_from = check_partial_date(date_from, "date_from")
    date_to = check_partial_date(date_to, "date_to")
    words = re.findall(r"\w+", (q or "").lower())[:10]
    names = area_names(lib)
    spellings = area_spellings(names, area)
    total, rows = documents_page(lib, type, date_from, date_to, spellings or area, words, limit, offset)
    sizes: dict[str, int] = {}
    for spelling, n in area_counts(lib).items():
        name = names.get(spelling)
        if name:
            sizes[name] = sizes.get(name, 0) + n
    areas = sorted(sizes, key=lambda a: (-sizes[a], a))
    return {"filters": {"type": type, "date_from": date_from, "date_to": date_to, "area": area, "q": q},
            "total": total, "limit": limit, "offset": offset, "documents": [_doc(r) for r in rows],
            "types": list(DOC_TYPES), "areas": areas}


def library_overview(lib: Library, recent: int = 8) -> dict[str, Any]:
    """Counts by type, the most recent documents, and examples for the three questions
    drawn from the library itself; files that are not review documents (``not_review``: a
    README, notes) are neither counted nor shown as recent, only their number given (the opening of a recent concern, its largest theme)."""
    by_type = counts_by_type(lib)
    not_review = by_type.pop(NOT_REVIEW, 0)  # READMEs, notes, licences: listed under /documents, not counted here
    counts = {"documents": sum(by_type.values()), "by_type": by_type, "not_review": not_review,
              **{table: lib.store.count(table) for table in ("findings", "actions", "passages")}}
    recent_rows = recent_documents(lib, recent, exclude_types=(NOT_REVIEW,))
    theme = largest_theme(lib)  # None until a themes build
    example_query = _example_query(recent_concern_texts(lib, 30))
    examples = {
        "before": {"label": example_query, "url": "/search?" + _qs(q=example_query)},
        "topic": ({"label": theme["label"], "url": f"/themes/{theme['id']}"} if theme
                  else {"label": "information sharing", "url": "/search?" + _qs(q="information sharing")}),
        "promised": {"label": "overdue commitments", "url": "/commitments?overdue=yes"},
    }
    return {"counts": counts, "recent": [_doc(r) for r in recent_rows], "examples": examples}


_PREAMBLE = re.compile(r"^(?:evidence|the inquest|i |it |during|there (?:is|was)|in |at |on |when |after |following |although |whilst |while |mr|mrs|ms|dr|[A-Z][a-z]+ (?:was|had|did)\b)", re.I)


def _example_query(texts: list[str]) -> str:
    """A short query in the library's own words: the opening of a recent concern that does
    not start with inquest preamble, cut to nine words without a dangling small word."""
    for text in texts:
        first = re.split(r"(?<![A-Z][a-z])(?<!\b[A-Z])[.;:(]\s", " ".join(text.split()), maxsplit=1)[0]
        if _PREAMBLE.match(first):
            continue
        words = re.findall(r"[A-Za-z][A-Za-z'-]+", first)[:9]
        while words and words[-1].lower() in _TRAILING:
            words.pop()
        if len(words) >= 4:
            return " ".join(words)
    return "risk assessment not shared"


def _qs(**kw) -> str:
    from urllib.parse import urlencode

    return urlencode(kw)
