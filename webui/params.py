"""Request validation for the web routes: ids within SQLite's 64-bit range, whole numbers
in a range, calendar-valid dates and bounded text. Each check returns the clean value or
calls ``abort(400)`` with a message for the user, so bad input is a 4xx in the app's one
JSON error shape, never a 500.

The same rules serve the command line (``precedent.py`` wraps them in click types), so a
value the web refuses the CLI refuses too."""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import abort
from werkzeug.routing import IntegerConverter, ValidationError

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

_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


class ParamError(ValueError):
    """A parameter that fails its check; the message names it and says what is allowed."""


# ------------------------------------------------------------------ pure checks (web and CLI)


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
        if not s.isdigit() or len(s) > 19:
            raise ParamError(f"{name} must be a whole number from 1 to {MAX_ID}")
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
        if not re.fullmatch(r"-?\d{1,19}", s):
            raise ParamError(f"{name} must be a whole number from {lo} to {hi}")
        value = int(s)
    if not isinstance(value, int) or not lo <= value <= hi:
        raise ParamError(f"{name} must be a whole number from {lo} to {hi}")
    return value


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


# ------------------------------------------------------------------ web: abort(400) on failure


def _or_400(fn, *args, **kw):
    try:
        return fn(*args, **kw)
    except ParamError as e:
        abort(400, description=str(e))


def id_param(value: Any, name: str = "id") -> int:
    return _or_400(check_id, value, name)


def int_param(value: Any, name: str, lo: int, hi: int) -> int:
    return _or_400(check_int, value, name, lo, hi)


def date_param(value: str, name: str = "date") -> str:
    return _or_400(check_date, value, name)


def text_param(value: Any, name: str, limit: int, required: bool = False) -> str:
    return _or_400(check_text, value, name, limit, required)


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: digits only, at most 64 bits. A larger id is a 404
    (no such page), never an overflow inside SQLite."""

    def to_python(self, value: str) -> int:
        v = super().to_python(value)
        if v > MAX_ID:
            raise ValidationError()
        return v


def end_of_period(value: str) -> str:
    """A checked ``date_to`` as the last day it names: ``2015`` → ``2015-12-31``, ``2016-02`` →
    ``2016-02-29`` — what the page and the CLI echo back, so the reader sees that "to 2015"
    includes the whole year. (``search.query`` itself also reads a short ``date_to`` as the end
    of its period, for every other caller.)"""
    import calendar

    s = value.strip()
    if len(s) == 4:
        return f"{s}-12-31"
    if len(s) == 7:
        y, m = int(s[:4]), int(s[5:7])
        return f"{s}-{calendar.monthrange(y, m)[1]:02d}"
    return s
