"""Dates as UK review documents write them, parsed to ISO strings.

"17th January 2022", "8 May, 2024", "30/06/16", "2024-03-13", "W/C 11th September 2023",
"end of Q3 2023", "March 2024". Day-first everywhere (UK usage)."""
from __future__ import annotations

import calendar
import re
from datetime import date

MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
MONTHS["sept"] = 9

_MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"

_PATTERNS = [
    # 2024-03-13
    re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mon>[01]?\d)-(?P<day>[0-3]?\d)\b"),
    # 17th January 2022 / 8 May, 2024 / 1st of April 2019
    re.compile(rf"\b{_DAY}(?:\s+of)?[\s\-]+{_MONTH}\.?,?[\s\-]+{_YEAR}\b", re.I),
    # January 17th, 2022
    re.compile(rf"\b{_MONTH}\.?\s+{_DAY},?\s+{_YEAR}\b", re.I),
    # 30/06/16, 30.06.2016, 30-06-2016
    re.compile(r"\b(?P<day>[0-3]?\d)[/.\-](?P<mon>[01]?\d)[/.\-](?P<year>(?:19|20)?\d\d)\b"),
]
_MONTH_YEAR = re.compile(rf"\b{_MONTH}\.?,?\s+{_YEAR}\b", re.I)
_QUARTER = re.compile(r"\b(?:end\s+of\s+)?Q(?P<q>[1-4])\s*(?P<year>(?:19|20)\d\d)\b", re.I)
_YEAR_END = re.compile(r"\b(?:end\s+of|by)\s+(?P<year>(?:19|20)\d\d)\b", re.I)


def _mk(year: int, month: int, day: int) -> str | None:
    if year < 100:
        year += 2000
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def _from_match(m: re.Match) -> str | None:
    g = m.groupdict()
    month = int(g["mon"]) if g.get("mon") else MONTHS.get(g["month"].lower().rstrip("."))
    if not month:
        return None
    return _mk(int(g["year"]), month, int(g["day"]))


def find_dates(text: str) -> list[tuple[int, int, str]]:
    """Every full date in ``text`` as (start, end, iso), in order of position."""
    found: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []
    for pat in _PATTERNS:
        for m in pat.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            iso = _from_match(m)
            if iso:
                found.append((m.start(), m.end(), iso))
                taken.append((m.start(), m.end()))
    return sorted(found)


def parse_date(text: str) -> str | None:
    """The first full date in ``text`` (ISO), or None."""
    found = find_dates(text)
    return found[0][2] if found else None


def parse_due(text: str) -> str | None:
    """A due date from what action plans write: a full date, else the last day of a
    named month ("by March 2024"), quarter ("end of Q3 2023") or year ("by 2025")."""
    iso = parse_date(text)
    if iso:
        return iso
    m = _MONTH_YEAR.search(text)
    if m:
        month = MONTHS[m.group("month").lower().rstrip(".")]
        year = int(m.group("year"))
        return date(year, month, calendar.monthrange(year, month)[1]).isoformat()
    m = _QUARTER.search(text)
    if m:
        year, month = int(m.group("year")), int(m.group("q")) * 3
        return date(year, month, calendar.monthrange(year, month)[1]).isoformat()
    m = _YEAR_END.search(text)
    if m:
        return f"{m.group('year')}-12-31"
    return None
