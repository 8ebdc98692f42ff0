"""Where a text names an organisation: by its distinctive words, its acronym (its initials, or
one the text defines: "George Eliot Hospital (GEH)"), or a short form of its capitals ("S2R" for
Steps2Recovery), and how often a text names each organisation the library knows.

Used by the letter readers (who is writing, who acts in a sentence: ``corpus.extract``) and by
owner cells (``corpus.orgs.cells.action_owner``). Pure functions over names as written; the
canonical names and their aliases are ``corpus.orgs.keys``.
"""
from __future__ import annotations

import re

from corpus.orgs.keys import ALIAS

_SUFFIX_WORDS = {"nhs", "trust", "foundation", "ltd", "limited", "plc"}


def acronyms(name: str) -> set[str]:
    """The acronyms an organisation's name may be written as, lower case: "uhcw" (and "uhcwnt") from
    "University Hospital of Coventry and Warwickshire NHS Trust", "wsft" from "West Suffolk NHS
    Foundation Trust": the initials of its words, with and without the legal-form words a letter
    leaves out, and an acronym in brackets."""
    out = {a.lower() for a in re.findall(r"\(([A-Za-z&]{2,8})\)", name)}
    toks = [w for w in re.findall(r"[A-Za-z]+", re.sub(r"\([^)]*\)", " ", name))
            if w.lower() not in {"the", "of", "for", "and", "to", "in", "on"}]
    if len(toks) >= 2:
        out.add("".join(w[0] for w in toks).lower())
    for drop in ({"nhs"}, _SUFFIX_WORDS):  # "WSFT" for West Suffolk NHS Foundation Trust; "UHCW"
        core = [w for w in toks if w.lower() not in drop]
        if len(core) >= 2 and core != toks:
            out.add("".join(w[0] for w in core).lower())
    return out


# "George Eliot Hospital (GEH)", "UK Kidney Association (UKKA; formerly …)": a letter defines an acronym
_DEFINED = re.compile(r"((?:[A-Z][\w'’&.\-]*\s+(?:(?:of|and|for|the|&)\s+)?){0,6}[A-Z][\w'’&.\-]*)\s*\(([A-Z][A-Za-z&]{1,7})\s*[;,)]")


def defined_acronyms(text: str) -> list[tuple[str, str]]:
    """(phrase, acronym) pairs a text defines: "George Eliot Hospital (GEH)" -> ("George Eliot Hospital", "GEH")."""
    return [(m.group(1), m.group(2)) for m in _DEFINED.finditer(text)]


_GENERIC = {"the", "of", "for", "and", "to", "in", "on", "chief", "executive", "officer", "director", "secretary",
            "state", "nhs", "trust", "foundation", "service", "services", "department", "national", "royal", "council",
            "county", "partnership", "hospital", "hospitals", "university", "health", "care"}


def mentions(recipient: str, text: str) -> list[tuple[int, int]]:
    """(start, end) of each place a text names an organisation (a recipient, an owner): its
    distinctive words together, its acronym, or an acronym the text defines for it."""
    spans: list[tuple[int, int]] = []
    for ac in acronyms(recipient):
        if len(ac) >= 3:
            spans += [m.span() for m in re.finditer(rf"\b{re.escape(ac)}\b", text, re.I)
                      if m.group(0).isupper() or any(c.isupper() for c in m.group(0)[1:])]
    words = [w for w in re.findall(r"[A-Za-z0-9]+", re.sub(r"\([^)]*\)", " ", recipient)) if w.lower() not in _GENERIC]
    if words:
        pat = r"\b" + r"\W+(?:\w+\W+){0,3}?".join(re.escape(w) for w in words[:4]) + r"\b"
        named = [m.span() for m in re.finditer(pat, text, re.I)]
        spans += named
        # an acronym the letter defines right after naming the recipient stands for it from then on
        for phrase, ac in defined_acronyms(text):
            if len(ac) >= 3 and ac.lower() not in acronyms(recipient) and re.search(pat, phrase, re.I):
                spans += [m.span() for m in re.finditer(rf"\b{re.escape(ac)}\b", text)]
    spans = sorted(set(spans))
    # "University Hospitals Coventry and Warwickshire NHS Trust (UHCW)": the acronym defined in brackets
    # right after the name is the same mention, not a second one
    ends = [e for _, e in spans]
    return [(s, e) for s, e in spans
            if not (re.search(r"\(\s*$", text[max(0, s - 3):s])
                    and any(0 <= s - x <= 40 and re.fullmatch(r"[\w\s'’&.\-]*\(\s*", text[x:s]) for x in ends))]


def short_name(s: str, owner: str) -> bool:
    """``s`` names the owner by a short form: its capitals and digits in order ("S2R" for
    "Steps2Recovery", "NHS" for "National Health Service")."""
    caps = "".join(c for c in owner if c.isupper() or c.isdigit()).lower()
    for tok in re.findall(r"\b[A-Z][A-Za-z0-9]{1,7}\b", s):
        if sum(c.isupper() for c in tok) >= 2 and len(caps) >= 2:
            want = iter(caps)
            if all(ch in want for ch in tok.lower()):
                return True
    return False


def known_org_counts(text: str) -> dict[str, int]:
    """How often ``text`` names each known organisation (canonical name -> count, in ``ALIAS``
    order; organisations never named are left out). An acronym counts only in capitals: "COP"
    is the College of Policing, "cop" is not."""
    counts: dict[str, int] = {}
    for alias, canon in ALIAS.items():
        if " " not in alias and len(alias) <= 6:
            n = len(re.findall(r"\b" + re.escape(alias.upper()) + r"\b", text))
        else:
            n = len(re.findall(r"\b" + re.escape(alias) + r"\b", text, re.I))
        if n:
            counts[canon] = counts.get(canon, 0) + n
    return counts
