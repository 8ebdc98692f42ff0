"""What a judge needs to see of a proposed document without opening it: the deceased's age
when the text states it, a two-line "what happened" from the circumstances (or a review's
summary), and the date and area (the concerns come from ``index.screens.concerns_of``).

The age is read generally from how reports state it — "aged 14", "a 14-year-old", "14 years
old", "age: 14", "aged 3 months" — taking the first statement in the text, which in a
Regulation 28 report is the investigation's "the death of …, aged N"."""
from __future__ import annotations

import re
from typing import Any

from index.ledger import stored_document
from index.library import Library

WHAT_HAPPENED_CHARS = 260  # about two lines of a proposal card

_UNIT = r"(years?|yrs?|months?|weeks?|days?)"
_AGE = re.compile(
    r"\b(?:aged|age\s*(?:of|:|was|-)?)\s*(\d{1,3})(?:\s*" + _UNIT + r")?\b"      # aged 14 / age: 14 / age of 3 months
    r"|\b(\d{1,3})[\s-]*" + _UNIT + r"[\s-]*old\b"                               # 14-year-old / 3 months old
    r"|\b(?:aged|age)\s+(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b", re.I)
_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}


def deceased_age(text: str) -> dict[str, Any] | None:
    """``{"years": float, "text": "14" | "3 months"}`` of the first age the text states, or None."""
    for m in _AGE.finditer(text or ""):
        if m.group(5):
            n, unit = _WORDS[m.group(5).lower()], "years"
        else:
            n = int(m.group(1) or m.group(3))
            unit = (m.group(2) or m.group(4) or "years").lower()
        if n > 110:
            continue
        if unit.startswith(("month",)):
            return {"years": round(n / 12, 2), "text": f"{n} month{'' if n == 1 else 's'}"}
        if unit.startswith("week"):
            return {"years": round(n / 52, 3), "text": f"{n} week{'' if n == 1 else 's'}"}
        if unit.startswith("day"):
            return {"years": round(n / 365, 4), "text": f"{n} day{'' if n == 1 else 's'}"}
        return {"years": float(n), "text": str(n)}
    return None


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = cut.rfind(". ")
    return (cut[: end + 1] if end > limit // 2 else cut.rsplit(" ", 1)[0] + " …")


def details(lib: Library, doc_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Per document id: ``{"age", "age_text", "what_happened", "what_happened_from", "area"}``."""
    from search.cases import account

    out: dict[int, dict[str, Any]] = {}
    for did in dict.fromkeys(int(i) for i in doc_ids):
        row = stored_document(lib, did)
        if row is None:
            continue
        acc = account(row, None)
        text = row["text"] or ""
        age = deceased_age(text[:20_000])
        story = acc["text"] if acc else ""
        if age is None and story:
            age = deceased_age(story)
        out[did] = {"age": age["years"] if age else None, "age_text": age["text"] if age else None,
                    "what_happened": _short(story, WHAT_HAPPENED_CHARS) if story else None,
                    "what_happened_from": acc.get("section") or acc["kind"] if acc else None}
    return out
