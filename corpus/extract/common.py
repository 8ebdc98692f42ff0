"""Shared text helpers: an offset-preserving "masked" view of a document, paragraph
and line iteration, normalisation, owner/organisation guessing and status words.

Every extractor parses ``mask(doc.text)`` rather than ``doc.text``: markup left over by a
reader (``<p>``, ``<b>``, ``&amp;``, markdown ``**``) is overwritten *in place* by filler
characters of the same length, so any offset found in the masked text is a valid offset
into ``doc.text`` (findings must point back at the canonical text)."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Iterator

from corpus.dates import find_dates, parse_due

FILL = "\x00"  # stands in for removed markup; invisible after norm()

_BLOCK_TAG = re.compile(r"<(?:p|br|li|tr|div|h[1-6])\b[^>]*>", re.I)
_ANY_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(?:\s[^<>]*)?/?>")
_ENTITY = re.compile(r"&(?:#\d{1,5}|#x[0-9a-fA-F]{1,4}|[a-zA-Z]{2,8});")
_MD = re.compile(r"\*\*|__|^#{1,6}(?=\s)", re.M)
_SUFFIX_SPACE = re.compile(r"\b(\d{1,2})\s+(st|nd|rd|th)\b")


def mask(text: str) -> str:
    """Blank out markup without moving any character, so offsets stay valid."""
    if "<" not in text and "&" not in text and "*" not in text and "#" not in text and "_" not in text:
        return text
    def blank(m: re.Match, newline: bool = False) -> str:
        n = len(m.group(0))
        return ("\n" + FILL * (n - 1)) if newline else FILL * n
    out = _BLOCK_TAG.sub(lambda m: blank(m, True), text)
    out = _ANY_TAG.sub(blank, out)

    def ent(m: re.Match) -> str:
        ch = html.unescape(m.group(0))
        if len(ch) != 1:
            return m.group(0)
        if ch == "\xa0":
            ch = " "
        return ch + FILL * (len(m.group(0)) - 1)
    out = _ENTITY.sub(ent, out)
    return _MD.sub(blank, out)


def norm(text: str) -> str:
    """Human-readable form of a masked span: fillers dropped, whitespace collapsed."""
    text = text.replace(FILL, "")
    text = _SUFFIX_SPACE.sub(r"\1\2", text)
    return re.sub(r"\s+", " ", text).strip()


def norm_date_text(text: str) -> str:
    """'31 st May 2014' (a stripped <sup>) -> '31st May 2014' so dates.py can read it."""
    return _SUFFIX_SPACE.sub(r"\1\2", text.replace(FILL, ""))


def due_of(text: str) -> str | None:
    """parse_due after repairing superscript suffixes."""
    return parse_due(norm_date_text(text))


def dates_in(text: str) -> list[str]:
    """ISO dates in a (masked) text, in order."""
    return [iso for _, _, iso in find_dates(norm_date_text(text))]


@dataclass
class Line:
    """One line of the masked text with its offset."""

    start: int
    text: str  # raw masked line (no newline)

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    @property
    def clean(self) -> str:
        return norm(self.text)


def lines(text: str, start: int = 0, end: int | None = None) -> list[Line]:
    """Lines of ``text[start:end]`` with absolute offsets."""
    end = len(text) if end is None else end
    out, pos = [], start
    for raw in text[start:end].split("\n"):
        out.append(Line(pos, raw))
        pos += len(raw) + 1
    return out


@dataclass
class Para:
    """A paragraph: consecutive non-blank lines."""

    start: int
    end: int
    text: str  # normalised

    def __str__(self) -> str:
        return self.text


def paragraphs(text: str, start: int = 0, end: int | None = None) -> list[Para]:
    """Paragraphs (separated by blank lines) of a masked text, with absolute offsets.
    Bullet lines always start a new paragraph, since bullets are the unit of most lists."""
    out: list[Para] = []
    cur: list[Line] = []

    def flush() -> None:
        if cur:
            out.append(Para(cur[0].start + _lead(cur[0].text), cur[-1].end, norm(" ".join(l.text for l in cur))))
            cur.clear()
    for ln in _split_inline_bullets(lines(text, start, end)):
        c = ln.clean
        if not c:
            flush()
            continue
        if cur and (BULLET.match(c) or NUMBERED_LINE.match(c)):
            flush()
        cur.append(ln)
    flush()
    return out


_INLINE_BULLET = re.compile(r"(?<=\S)[ \t\x00]{1,}(?=[•●▪◼\uf0b7]\s)")


_HAS_BULLET = re.compile(r"[•●▪◼\uf0b7]")


def _split_inline_bullets(ls: list[Line]) -> list[Line]:
    """'… Skidmore.  • It was … • West Midlands …' on one line: each bullet its own line."""
    out: list[Line] = []
    for ln in ls:
        if not _HAS_BULLET.search(ln.text):
            out.append(ln)
            continue
        cut = [m.end() for m in _INLINE_BULLET.finditer(ln.text)]
        prev = 0
        for c in cut + [len(ln.text)]:
            out.append(Line(ln.start + prev, ln.text[prev:c]))
            prev = c
    return out


def _lead(s: str) -> int:
    """Number of leading blank/filler characters (so offsets point at text)."""
    return len(s) - len(s.lstrip(" \t" + FILL))


NUMBERED_LINE = re.compile(r"^(?:\d{2,3}/\d{2}\b|\(?\d{1,2}[.)]|\(\d{1,2}\)|\([a-z]\)|[a-z]\)|\(?[ivx]{1,4}\))\s+\S")
BULLET = re.compile(r"^(?:[-•◼▪●○◦·*–−»>\uf0b7]|o\s)\s*")
HEADING_WORDS = 14


def is_heading(text: str) -> bool:
    """A short line without sentence punctuation at the end: a section title."""
    t = text.strip()
    if not t or len(t.split()) > HEADING_WORDS or BULLET.match(t):
        return False
    return not re.search(r"[.,;]$", t) and t[0].isupper() or bool(re.match(r"^\d+\.?\s+[A-Z]", t) and not t.endswith("."))


def similarity(a: str, b: str) -> float:
    """Title similarity robust to misspelling: best of token overlap and char trigrams."""
    ta, tb = _tokens(a), _tokens(b)
    if not ta or not tb:
        return 0.0
    tok = len(ta & tb) / min(len(ta), len(tb))
    ga, gb = _grams(a), _grams(b)
    gram = len(ga & gb) / max(1, min(len(ga), len(gb)))
    return max(tok, gram if min(len(ga), len(gb)) >= 3 else 0.0)


_STOP = {"the", "of", "and", "a", "an", "in", "to", "for", "on", "with", "at", "by", "their", "is", "has", "was", "re", "regarding"}


def _tokens(s: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", s.lower()) if w not in _STOP and len(w) > 1}


def _grams(s: str) -> set[str]:
    s = re.sub(r"[^a-z0-9]", "", s.lower())
    return {s[i : i + 3] for i in range(len(s) - 2)}


# ---------------------------------------------------------------- status words
_STATUS = [
    (re.compile(r"^(?:not\s+(?:yet\s+)?started)\b", re.I), "not_started"),
    (re.compile(r"^(?:completed?|closed|achieved|done|finali[sz]ed)\b", re.I), "completed"),
    (re.compile(r"^(?:on-?going|in\s+progress|on\s+track|partially(?:\s+\w+)?|partial)\b", re.I), "ongoing"),
    (re.compile(r"^(?:red|r)\b\W*$|^red\b", re.I), "red"),
    (re.compile(r"^(?:amber|a)\b\W*$|^amber\b", re.I), "amber"),
    (re.compile(r"^(?:green|g)\b\W*$|^green\b", re.I), "green"),
]
_INLINE_STATUS = re.compile(
    r"(?:^|[.!?:;–\-]\s+|\s{2,}|\s(?=(?:COMPLETED?|ONGOING|CLOSED)\b))"
    r"(COMPLETED?|Completed?|ONGOING|Ongoing|On-going|CLOSED|Closed|NOT STARTED|Not started|In progress|IN PROGRESS)"
    r"(?=\s*(?:$|[.\-–:]|\d|\s[A-Z]))"
)


def status_of(part: str) -> str | None:
    """Status stated by a cell part ('Completed', 'Ongoing', 'Amber', 'Complete 6.9.16 - ...')."""
    t = norm(part)
    if not t:
        return None
    inline = list(_INLINE_STATUS.finditer(t))  # the last status statement is the latest one
    if inline and inline[-1].start(1) > 0:
        return status_of(inline[-1].group(1))
    for pat, status in _STATUS:
        if pat.search(t):
            return status
    return None


# ---------------------------------------------------------------- organisations
_ORG = re.compile(
    r"\b((?:[A-Z][A-Za-z'’&\-]+\s+){0,5}?(?:[A-Z][A-Za-z'’&\-]+\s+)"
    r"(?:Police|Constabulary|NHS Foundation Trust|NHS Trust|Foundation Trust|Health Board|Council|"
    r"Ambulance Service|Fire and Rescue Service|Integrated Care Board|Probation Service|Prison Service|"
    r"University Hospitals?|Hospital|Trust|Board|Service))\b(?!\s+[A-Z][a-z])"
)
_BEHALF = re.compile(r"on behalf of (?:the\s+)?(?:[A-Z][\w ]{2,40}? of\s+)?((?:the\s+)?[A-Z][\w&' ]{2,60}?)(?=[.,;\n]|\s+(?:and|in|as|to)\b)")
_ROLES = re.compile(
    r"^(?:Chief Constable|Deputy Chief Constable|Assistant Chief Constable|Chief Executive(?: Officer)?|"
    r"Director[\w ,&]{0,40}|Medical Director|Chief Nurse|Chair(?:man|person)?|Secretary of State[\w ,]{0,40}|"
    r"Chief Fire Officer|Governor|Head of [\w ,&]{2,40})\s*$",
    re.I | re.M,
)


def letter_owner(text: str) -> str | None:
    """Who a letter speaks for: 'on behalf of ...', else the organisation it names most,
    else the signatory's role. Why: responses rarely state their author in one place."""
    m = _BEHALF.search(text)
    if m:
        org = norm(m.group(1))
        orgs = _org_counts(org)
        return next(iter(orgs), org)
    counts = _org_counts(text)
    if counts:
        return max(counts, key=lambda k: (counts[k], -list(counts).index(k)))
    roles = [norm(r) for r in _ROLES.findall(text.replace(FILL, ""))]
    return roles[-1] if roles else None


def _org_counts(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in _ORG.finditer(text.replace(FILL, " ")):
        name = re.sub(r"^(?:The|In|At|From|With|By|All|This|That|Dear|Our|Your|Whilst|Since|As)\s+", "", norm(m.group(1)))
        if len(name.split()) < 2:
            continue
        counts[name] = counts.get(name, 0) + 1
    return counts


COMMITMENT = re.compile(
    r"\b(?:we|I)\s+(?:will|shall|are\s+committed\s+to|intend\s+to|plan\s+to)\b(?!\s+(?:like|also\s+like)\b)|"
    r"\bwill\s+ensure\b|\bis\s+committed\s+to\b|\bhave\s+committed\s+to\b",
    re.I,
)
def owner_will(owner: str | None) -> re.Pattern[str]:
    """'<owner> will …', '<OWNER ACRONYM> will …', 'the Trust will …': promises in the third person."""
    names = [r"the\s+(?:Trust|Force|Council|Board|Service|organisation|department|Department|Partnership|ICB|Authority)"]
    if owner:
        names.append(re.escape(owner))
        words = [w for w in re.findall(r"[A-Za-z]+", owner) if w[0].isupper()]
        if len(words) >= 2:
            names.append("".join(w[0] for w in words))
    return re.compile(r"(?:^|[,;]\s*)(?:" + "|".join(names) + r")\s+(?:will|shall|is going to|has committed to)\b", re.I)


_SENT = re.compile(r"[^.!?]+(?:[.!?]+|$)")


def sentences(text: str, start: int = 0) -> Iterator[tuple[int, int, str]]:
    """(start, end, sentence) over a masked text; a colon-ended lead-in keeps its list."""
    for m in _SENT.finditer(text):
        s = m.group(0)
        lead = len(s) - len(s.lstrip())
        if s.strip():
            yield start + m.start() + lead, start + m.end(), s.strip()
