"""What a request may ask, checked once for the web pages and the command line.

The checks every caller shares — ids within SQLite's 64-bit range, whole numbers, calendar-valid
dates, bounded text, a value from a fixed list — each return the clean value or raise the one
error class, :class:`ParamError` (a ``ValueError``) with a message for the user. The web app
turns a ``ParamError`` into a 400 in its one JSON error shape (``webui.pages.error_page``), the
command line into a usage error (``cli.options.PrecedentGroup``), so a value the web refuses
the CLI refuses too, and bad input is never a 500 or a traceback.

:class:`SearchRequest` is the one request for a search: the query, its filters and its paging,
read from a mapping (the page's query string, the CLI's options) by :meth:`SearchRequest.from_args`
and checked against the library by :meth:`SearchRequest.check`; the search page, its JSON twin,
``precedent search`` and the precedents of a draft (``/precedents``) all read it.

Rules for numbers: ids and the numbers of an edit (``check_id``, ``check_int``) are refused
outside their range; paging numbers (page, per_page / k, limit, offset: ``clamp_int``) are
clamped into it — a page past the end is the last page, not an error. Anything that is not a
whole number is refused either way."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, fields, replace
from datetime import date
from typing import Any, Iterable, Mapping

from index.library import Library
from index.retrieval import held_statuses, theme_exists

from search.browse import DOC_TYPES
from search.query import FILTER_KEYS, KNOWN_STATUSES, MAX_PER_PAGE, run_search

#: SQLite stores integers in 64 bits: a larger id can never exist (and overflows the driver).
MAX_ID = 2**63 - 1
#: Query text: longer queries are cut to this many characters (with a notice); the model reads
#: ~256 tokens (~1,500 characters) and every extra word costs keyword-search time.
MAX_QUERY_CHARS = 2_000
#: ... and at most this many words (see ``bound_query``).
MAX_QUERY_WORDS = 64
#: Pasted draft text on the precedents page (a long report is ~100k characters).
MAX_DRAFT_CHARS = 300_000
#: Short fields people type: theme labels, pack names and descriptions, notes.
MAX_LABEL_CHARS = 200
MAX_NOTE_CHARS = 5_000
#: The last page number a search may ask for (a larger one is read as this one).
MAX_PAGE = 10**6

MODES = ("hybrid", "dense", "keyword")
STRENGTHS = ("close", "related", "weak")
HAS_RESPONSE = ("yes", "no", "true", "false", "1", "0")
#: Filters whose values come from a fixed list: a value no document can have would show an
#: empty page that reads as "no precedent".
SEARCH_CHOICES = {"type": DOC_TYPES, "strength": STRENGTHS, "has_response": HAS_RESPONSE}

_DATE = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")
#: A whole number as people type it: ASCII digits (``\d`` also matches "١" and other scripts'),
#: at most 19 of them (SQLite's integers), an optional minus sign.
_DIGITS = re.compile(r"[0-9]{1,19}")
_SIGNED = re.compile(r"-?[0-9]{1,19}")


class ParamError(ValueError):
    """A parameter that fails its check; the message names it and says what is allowed."""


# ------------------------------------------------------------------ checks (web and CLI)


def check_id(value: Any, name: str = "id") -> int:
    """A positive whole number that fits SQLite's 64-bit integers. JSON floats such as
    ``1e23`` or ``2.5`` and booleans are refused, not rounded."""
    if isinstance(value, bool) or value is None:
        raise ParamError(f"{name} must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ParamError(f"{name} must be a whole number")
        value = int(value)
    if isinstance(value, str):
        s = value.strip()
        if not _DIGITS.fullmatch(s):  # ASCII digits only: "²" passes isdigit() and fails int(), "١" is 1
            raise ParamError(f"{name} must be a whole number from 1 to {MAX_ID}, written in digits 0-9")
        value = int(s)
    if not isinstance(value, int):
        raise ParamError(f"{name} must be a whole number")
    if not 1 <= value <= MAX_ID:
        raise ParamError(f"{name} must be a whole number from 1 to {MAX_ID}")
    return value


def check_int(value: Any, name: str, lo: int, hi: int) -> int:
    """A whole number from ``lo`` to ``hi`` (refused outside, not clamped)."""
    if isinstance(value, bool):
        raise ParamError(f"{name} must be a whole number")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str):
        s = value.strip()
        if not _SIGNED.fullmatch(s):
            raise ParamError(f"{name} must be a whole number from {lo} to {hi}")
        value = int(s)
    if not isinstance(value, int) or not lo <= value <= hi:
        raise ParamError(f"{name} must be a whole number from {lo} to {hi}")
    return value


def clamp_int(value: Any, name: str, default: int, lo: int, hi: int) -> int:
    """A paging number: ``default`` when absent or empty, else clamped to [lo, hi]; refused
    (not guessed) when it is not a whole number."""
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        raise ParamError(f"{name} must be a whole number")
    if isinstance(value, int):
        v = value
    elif isinstance(value, str) and _SIGNED.fullmatch(value.strip()):
        v = int(value.strip())
    else:  # "1e3", "2.5", "١", "1_000", a list…: refused, not guessed
        raise ParamError(f"{name} must be a whole number")
    return max(lo, min(hi, v))


def check_date(value: str, name: str = "date") -> str:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` naming a real month and day (2020-02-30 and
    2020-13-45 are refused). Returned as given, stripped."""
    s = (value or "").strip()
    m = _DATE.fullmatch(s)
    ok = bool(m)
    if m:
        y, mo, d = int(m.group(1)), m.group(2), m.group(3)
        try:
            date(max(y, 1), int(mo or 1), int(d or 1))
        except ValueError:
            ok = False
    if not ok:
        raise ParamError(f"{name} must be a real date written YYYY, YYYY-MM or YYYY-MM-DD (got {s[:40]!r})")
    return s


def check_text(value: Any, name: str, limit: int, required: bool = False) -> str:
    """A string of at most ``limit`` characters (refused above it, not cut)."""
    s = "" if value is None else str(value)
    if len(s) > limit:
        raise ParamError(f"{name} is {len(s):,} characters; the limit is {limit:,}")
    if required and not s.strip():
        raise ParamError(f"{name} is required")
    return s


def check_choice(value: str, name: str, allowed: Iterable[str]) -> str:
    """``value`` if it is one of ``allowed``; else the error lists them."""
    allowed = tuple(allowed)
    if value not in allowed:
        raise ParamError(f"{name} must be one of " + ", ".join(allowed))
    return value


def bound_query(q: str, limit: int = MAX_QUERY_CHARS, words: int | None = None) -> tuple[str, str | None]:
    """``(query, notice)``: a query over ``limit`` characters or ``words`` words is cut (at a
    space) to fit, and the notice says so. Keyword ranking costs grow with the number of
    words (each candidate text is checked for each word), so this bounds a search's work
    whatever is pasted; the model reads only ~190 words anyway."""
    words = MAX_QUERY_WORDS if words is None else words
    q = q or ""
    cut = q
    if len(cut) > limit:
        cut = cut[:limit]
        space = cut.rfind(" ")
        if space > limit // 2:
            cut = cut[:space]
    parts = cut.split()
    if len(parts) > words:
        cut = " ".join(parts[:words])
    cut = cut.strip()
    if cut == q.strip():
        return q, None
    return cut, (f"The query was {len(q):,} characters ({_n(len(q.split()), 'word')}); only its first "
                 f"{_n(len(cut.split()), 'word')} ({len(cut):,} characters) were searched "
                 f"(limits: {words} words, {limit:,} characters).")


def _n(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def end_of_period(value: str) -> str:
    """A checked ``date_to`` as the last day it names: ``2015`` → ``2015-12-31``, ``2016-02`` →
    ``2016-02-29`` — what the page and the CLI echo back, so the reader sees that "to 2015"
    includes the whole year. (``search.query`` itself also reads a short ``date_to`` as the end
    of its period, for every other caller.)"""
    s = value.strip()
    if len(s) == 4:
        return f"{s}-12-31"
    if len(s) == 7:
        y, m = int(s[:4]), int(s[5:7])
        return f"{s}-{calendar.monthrange(y, m)[1]:02d}"
    return s


def add_case_urls(data: dict) -> dict:
    """Give each search result the URL of its case page (``case_url``): the page, its JSON
    twin and ``precedent search --json`` link the same way."""
    for r in data.get("results") or []:
        doc = r.get("document") or {}
        if doc.get("id") is not None:
            r["case_url"] = f"/cases/{doc['id']}"
    return data


# ------------------------------------------------------------------ the search request


@dataclass(frozen=True)
class SearchRequest:
    """A search: the query, its filters (``search.query.FILTER_KEYS``), the mode and the page.
    ``year`` is the year facet (one calendar year, read into ``date_from``/``date_to``);
    ``notice`` says when the query was cut to its limits (``bound_query``)."""

    q: str = ""
    mode: str = "hybrid"
    page: int = 1
    per_page: int = 10
    strength: str | None = None
    type: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    area: str | None = None
    recipient: str | None = None
    theme: str | None = None
    status: str | None = None
    has_response: str | None = None
    year: str | None = None
    notice: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, Any], per_page: int = 10, max_per_page: int = MAX_PER_PAGE) -> SearchRequest:
        """The request ``args`` hold (strings from a query string, or the CLI's values; absent or
        empty means the default), checked without the library: ``k`` is the older name of
        ``per_page``; paging numbers clamp; a bad date, theme id, mode or choice raises ``ParamError``."""
        def text(key: str) -> str:
            v = args.get(key)
            return "" if v is None else str(v).strip()

        q, notice = bound_query(text("q"))
        size = clamp_int(args.get("per_page"), "per_page", clamp_int(args.get("k"), "k", per_page, 1, max_per_page),
                         1, max_per_page)
        page = clamp_int(args.get("page"), "page", 1, 1, MAX_PAGE)
        mode = text("mode") or "hybrid"
        if mode not in MODES:
            raise ParamError("mode must be hybrid, dense or keyword")
        filters = {key: text(key) for key in FILTER_KEYS if text(key)}
        year = text("year") or None
        if year:  # the year facet: one calendar year, unless a date range is given too
            if not re.fullmatch(r"[0-9]{4}", year):
                raise ParamError("year must be four digits, e.g. 2019")
            filters.setdefault("date_from", year)
            filters.setdefault("date_to", year)
        for key in ("date_from", "date_to"):
            if key in filters:
                check_date(filters[key], key)
        if "date_to" in filters:
            filters["date_to"] = end_of_period(filters["date_to"])
        if "theme" in filters:
            filters["theme"] = str(check_id(filters["theme"], "theme"))
        for key, allowed in SEARCH_CHOICES.items():
            if key in filters:
                check_choice(filters[key], key, allowed)
        return cls(q=q, mode=mode, page=page, per_page=size, year=year, notice=notice, **filters)

    def check(self, lib: Library) -> SearchRequest:
        """This request with ``status`` in its stored form ("not stated" → "not_stated"). Raises
        ``ParamError`` for a filter no document of ``lib`` can pass (an unknown status or theme,
        a date range that ends before it starts), which would otherwise read as "no precedent"
        when it was a slip of the keyboard."""
        status = self.status
        if status:
            status = "_".join(status.lower().split())
            held = held_statuses(lib.store)
            check_choice(status, "status", list(KNOWN_STATUSES) + sorted(held - set(KNOWN_STATUSES)))
        if self.theme and not theme_exists(lib.store, int(self.theme)):
            raise ParamError(f"no theme {self.theme} (the themes page lists them)")
        lo, hi = self.date_from or "", self.date_to or ""
        if lo and hi and lo[:len(hi)] > hi:  # "2021-03" .. "2021" is one year, "2023" .. "2019" is none
            raise ParamError(f"date_from is after date_to ({lo} > {hi})")
        return replace(self, status=status)

    @property
    def filters(self) -> dict[str, str]:
        """The filters that are set, by name (``search.query.FILTER_KEYS`` order)."""
        return {key: getattr(self, key) for key in FILTER_KEYS if getattr(self, key)}

    def run(self, lib: Library, **kw) -> dict[str, Any]:
        """The page of results (``search.query.run_search``), each result with its case page's URL."""
        return add_case_urls(run_search(lib, self.q, k=self.per_page, mode=self.mode, filters=self.filters,
                                        page=self.page, **kw))


assert {f.name for f in fields(SearchRequest)} >= set(FILTER_KEYS)  # every filter is a field
