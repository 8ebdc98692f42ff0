"""Who is writing a response letter: the organisation it speaks for.

* ``respondent_candidates(text)`` — organisations the letter says it speaks for, scored by how it
  names them (letterhead, "on behalf of", "X's response", first-person "we at X", signature
  block) against how it names third parties ("has also been sent to X", "X are writing to
  you").
* ``choose_respondent(text, recipients)`` — the hand-written rule that picks among a report's
  recipients when the link is known (its points per recipient: ``rule_points``; ``speaker`` learns
  the same choice from weak signals, the rule's points among them).
* ``recipient_spans``, ``mention_context``, ``as_third_party``, ``self_type_counts``,
  ``self_types_of``, ``names_of`` — the signals both read.
* ``respondent_from_text(text)`` — the organisation a letter names itself, without a report.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.extract.common import FILL, norm
from corpus.orgs import known_org_counts, mentions

_P = re.compile
_I = re.I

# ------------------------------------------------------------------ who is writing?

# a word that ends or marks an organisation's name in running text (a regex group): "West Midlands Police"
ORG_WORDS = (r"(?:Police|Constabulary|NHS|Trust|Council|Board|Service|Services|Department|Ministry|Office|Agency|College|"
             r"Society|Institute|Authority|Commission|England|Hospital|Partnership|Borough|Government|Directorate|"
             r"University|Charity|Foundation|Transport|Justice|Health|Education|Executive|Team|Group|Unit)")
_NAME_RUN = r"(?:[A-Z][A-Za-z'’&.\-]*|of|for|and|the|&|in|on)"

_SELF = [
    (_P(rf"\bon\s+behalf\s+of\s+(?:the\s+)?(?P<o>[A-Z][\w'’&.\-]*(?:\s+{_NAME_RUN}){{0,9}})", 0), 4.0),
    (_P(rf"\b(?:accept\s+this\s+(?:letter|note)\s+as\s+)(?P<o>[A-Z][\w'’&.\-]*(?:\s+{_NAME_RUN}){{0,6}}?)['’]s?\s+response", 0), 5.0),
    (_P(rf"\b[Ww]e\s+at\s+(?:the\s+)?(?P<o>[A-Z][\w'’&.\-]*(?:\s+{_NAME_RUN}){{0,9}})", 0), 4.0),
    (_P(rf"\bI\s+am\s+the\s+[A-Z][\w ,&]{{2,60}}?\s+(?:at|of|for)\s+(?:the\s+)?(?P<o>[A-Z][\w'’&.\-]*(?:\s+{_NAME_RUN}){{0,9}})", 0), 3.0),
    (_P(rf"^(?:the\s+)?(?P<o>[A-Z][\w'’&.\-]*(?:\s+{_NAME_RUN}){{0,9}}?)(?:\s*\([A-Za-z0-9&]{{2,8}}\))?\s+(?:acknowledges|has\s+reviewed|would\s+like|is\s+grateful)", re.M), 3.0),
]
_THIRD = _P(r"(?:also\s+(?:been\s+)?(?:sent|addressed|written)\s+to|written\s+to|awaiting\s+the\s+response\s+from|"
            r"with\s+regard\s+to\s+the\s+response\s+from|engaged\s+with|contact(?:ed)?\s+with|enquiries\s+with|"
            r"to\s+the)\s*$", _I)
_THIRD_AFTER = _P(r"^\s*(?:\([A-Za-z&]{2,8}\)\s*)?(?:are|is)\s+(?:writing|responding)\s+to\s+you", _I)
# how a letter refers to its own organisation without naming it
_SELF_TYPE = [
    (_P(r"\b(?:[Tt]he|[Oo]ur)\s+Trust\b"), "trust"),
    (_P(r"\b(?:[Tt]he|[Oo]ur)\s+College\b"), "college"),
    (_P(r"\b(?:[Mm]y|[Oo]ur|[Tt]he)\s+Department\b|\b[Mm]y\s+officials\b|\bMinister\b|\bThis\s+Government\b|\bthe\s+Government\b"), "government"),
    (_P(r"\b(?:[Tt]he|[Oo]ur)\s+(?:(?:county\s+)?[Cc]ouncil|[Ll]ocal\s+[Aa]uthority)\b"), "council"),
    (_P(r"\b(?:[Tt]he|[Oo]ur)\s+Force\b"), "police"),
    (_P(r"\b(?:[Oo]ur|[Tt]he)\s+(?:Probation\s+)?Service\b"), "service"),
]
_TYPE_WORDS = {
    "trust": ("trust", "hospital", "nhs foundation"),
    "college": ("college",),
    "government": ("secretary of state", "department", "ministry", "home secretary", "minister", "government", "home office"),
    "council": ("council", "borough", "highways"),
    "police": ("police", "constabulary", "chief constable"),
    "service": ("service",),
}


@dataclass
class Candidate:
    name: str
    score: float
    how: str


def clean_org(raw: str) -> str:
    """An organisation's name as a pattern caught it, without what runs on: the next sentence, a
    leading "the"/"our"/"my", trailing joining words and punctuation."""
    s = norm(raw)
    s = re.split(r"(?<=[a-z])\.\s", s)[0]  # "West Midlands Police. Given ...": the sentence ends
    s = re.sub(r"^(?:the|our|my)\s+", "", s, flags=re.I)
    s = re.sub(r"\s+(?:and|of|for|the|in|on|&)$", "", s)
    s = re.sub(r"\s+(?:and|of|for|the|in|on|&)$", "", s)
    return s.strip(" ,.;:'’")


def respondent_candidates(text: str) -> list[Candidate]:
    """Organisations the letter says it speaks for, best first (names as written)."""
    t = text.replace(FILL, " ")
    found: dict[str, Candidate] = {}

    def add(name: str, pts: float, how: str) -> None:
        name = clean_org(name)
        if len(name) < 3 or len(name.split()) > 12 or name.lower() in {"i", "we", "this", "coroner", "the coroner"}:
            return
        key = name.lower()
        if key in found:
            found[key].score += pts
        else:
            found[key] = Candidate(name, pts, how)

    for pat, pts in _SELF:
        for m in pat.finditer(t):
            add(m.group("o"), pts, pat.pattern[:24])
    # signature block: the last lines, "Chief Executive, X" / "Director of Y, X" / an organisation alone
    tail = [ln.strip() for ln in t[-600:].splitlines() if ln.strip()]
    for ln in tail[-6:]:
        m = re.match(rf"^(?:[A-Z][\w ]{{2,50}},\s*)?(?P<o>(?:the\s+)?[A-Z][\w'’&.\-]*(?:\s+{_NAME_RUN}){{0,9}})$", ln)
        if m and re.search(ORG_WORDS, ln) and len(ln.split()) <= 14:
            add(m.group("o"), 2.0, "signature")
    return sorted(found.values(), key=lambda c: -c.score)


_NAME_LEAD = _P(r"\b(?:[A-Z][\w'’&\-]*\s+(?:(?:of|and|for|&)\s+)?){1,6}$")  # never back over a full stop


def phrase_start(t: str, s: int) -> int:
    """Where the name around a mention begins: "the Royal College of Pathologists" is found by its
    distinctive word, but what comes before the name ("written to", "from") is before "Royal"."""
    p = re.search(r"\s*\(\s*$", t[max(0, s - 4):s])
    if p:  # "the British Transplantation Society (BTS)": the acronym in brackets starts where its name does
        b = s - len(p.group(0))
        m = _NAME_LEAD.search(t[max(0, b - 90):b] + " ")
        return b + 1 - len(m.group(0)) if m else s
    m = _NAME_LEAD.search(t[max(0, s - 90):s])
    return s - len(m.group(0)) if m else s


_THIRD_DESC = _P(r"^\s*(?:\([A-Za-z&]{2,8}\)\s*)?,?\s*(?:is|are|has|have)\s+(?:the\s+)?(?:highway\s+authority|responsible|a\s+duty|"
                 r"been\s+(?:sent|addressed)|also\s+been)", _I)


def names_of(recipient: str) -> list[str]:
    """A recipient as the letter may name it: as written, its organisation, known aliases."""
    from corpus.orgs import normalise_org, org_aliases

    org = normalise_org(recipient)
    out = [recipient, org.name] + org_aliases(org.name)
    return list(dict.fromkeys(n for n in out if n))


def recipient_spans(recipient: str, t: str) -> list[tuple[int, int]]:
    """Every place the letter names a recipient: its names (``mentions``) and, for a department, the
    bodies that are part of it (``corpus.orgs.keys.PARTS``: "The Probation Service manages …" is the Ministry
    of Justice speaking through its service), written as they are named (case-sensitive)."""
    from corpus.orgs import PARTS, normalise_org

    spans = {sp for n in names_of(recipient) for sp in mentions(n, t)}
    for part in PARTS.get(normalise_org(recipient).name or "", []):
        pat = r"\b" + r"\s+".join("(?:and|&)" if w == "and" else re.escape(w).replace("'", "['’]")
                                  for w in part.split()) + r"\b"
        spans |= {m.span() for m in re.finditer(pat, t)}
    return sorted(spans)


def self_type_counts(t: str) -> dict[str, int]:
    """How often the letter calls itself by its kind ("the Trust", "my Department"); "the
    College of Policing" or "the Trust Board" is a name, not a self-reference."""
    return {k: sum(1 for m in p.finditer(t) if not re.match(r"\s+(?:of\s+[A-Z]|[A-Z])", t[m.end():m.end() + 6]))
            for p, k in _SELF_TYPE}


def mention_context(t: str, s: int, e: int) -> tuple[str, str]:
    """(before, after): up to 60 characters before a mention at ``s:e`` (before the whole name it
    is part of: ``phrase_start``) and the 60 after it."""
    b0 = phrase_start(t, s)
    return t[max(0, b0 - 60):b0], t[e:e + 60]


def as_third_party(before: str, after: str) -> bool:
    """A mention (in its ``mention_context``) names someone other than the writer: "has also been
    sent to X", "X are writing to you", "X is the highway authority"."""
    return bool(_THIRD.search(before) or _THIRD_AFTER.match(after) or _THIRD_DESC.match(after))


def self_types_of(names: list[str], types: dict[str, int]) -> list[int]:
    """The counts in ``types`` (``self_type_counts``) of the kinds a recipient's ``names`` are:
    "the Trust" counts for an NHS trust, "my Department" for a department."""
    low = " ".join(names).lower()
    return [n for k, n in types.items() if n and any(w in low for w in _TYPE_WORDS[k])]


def rule_points(text: str, recipients: list[str]) -> list[float]:
    """The hand-written rule's points for each (non-blank) recipient: self-references ("on behalf
    of X", "X's response", "we at X", "the Trust", "my officials") and mentions in the letterhead
    count for it, third-party mentions ("also sent to X", "X are writing to you") against it."""
    from corpus.responses import org_similarity  # local import: a sibling package module

    recipients = [r for r in recipients if r and r.strip()]
    t = text.replace(FILL, " ")
    cands = respondent_candidates(t)
    types = self_type_counts(t)
    out = []
    for r in recipients:
        names = names_of(r)
        pts = 0.0
        for c in cands:
            if any(org_similarity(c.name, n) >= 0.75 for n in names):
                pts += c.score
        for s, e in recipient_spans(r, t):
            if as_third_party(*mention_context(t, s, e)):
                pts -= 1.0
            elif s < 400:
                pts += 1.0
        for n in self_types_of(names, types):
            pts += min(3, n) * 0.7
        out.append(pts)
    return out


def choose_respondent(text: str, recipients: list[str]) -> tuple[str | None, float]:
    """Which recipient of the report this letter speaks for (its organisation's name), with a
    score. A report with one recipient is answered by it; otherwise the recipient with the most
    ``rule_points``, if it has any and no other has as many."""
    from corpus.orgs import normalise_org

    recipients = [r for r in recipients if r and r.strip()]
    if not recipients:
        return None, 0.0
    if len(recipients) == 1:
        return normalise_org(recipients[0]).name or recipients[0], 1.0
    scored = [(pts, -recipients.index(r), r) for pts, r in zip(rule_points(text, recipients), recipients)]
    scored.sort(reverse=True)
    pts, _, best = scored[0]
    if pts <= 0 or (len(scored) > 1 and scored[1][0] == pts):
        return None, 0.0
    return normalise_org(best).name or best, round(pts, 2)


def respondent_from_text(text: str) -> str | None:
    """Who a letter speaks for when no report is known: the best self-named organisation, else
    the known organisation the letter keeps naming, when its signatory's role is of that kind."""
    cands = respondent_candidates(text)
    if cands and cands[0].score >= 2:
        return cands[0].name
    return _dominant_known_org(text)


def _dominant_known_org(text: str) -> str | None:
    """A letter that never names itself in full often still writes its own acronym throughout
    ("WMP took responsibility …") and is signed by a role ("Chief Constable"). Two weak signals
    together: a known organisation named at least three times and twice as often as any other,
    and a signature role of the same kind (police, NHS, council …)."""
    from corpus.orgs import org_type

    counts = known_org_counts(text)
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    best, n = ranked[0]
    if n < 3 or (len(ranked) > 1 and ranked[1][1] * 2 > n):
        return None
    kind = org_type(best)
    tail = [ln.strip() for ln in text.strip().splitlines()[-12:] if 0 < len(ln.strip()) <= 60]
    return best if kind != "other" and any(org_type(ln) == kind for ln in tail) else None
