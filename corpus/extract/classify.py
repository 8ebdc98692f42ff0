"""Document type from text and structure (never the file name).

Each type gets a score from weighted, capped counts of its tell-tale phrases and layout
(the PFD report's numbered boxes, a response letter's salutation plus its reference to the
report it answers, an action plan's tabbed header row, inspectorate vocabulary, minute item
numbers). Capping stops one repeated word ("HMICFRS" forty times) from outvoting structure.
Only the first ~12,000 characters are scored: the genre shows early, and it keeps this fast.

``not_review(doc, findings, actions)`` recognises a file that is not a review document at all (a
corpus folder's README.md, notes, a licence): nothing was extracted from it, and its text
reads as notes about files (markdown tables, headings, code spans, file names, "dataset",
"folder", "licence" …: ``notes_score``). The shared corpus's
own README scored 8.5 as an inspection (it describes Ofsted inspections) and was shown as one."""
from __future__ import annotations

import re

from corpus.records import Document
from corpus.extract.common import mask
from corpus.extract.respond import response_score

_P = re.compile
_SIGNALS: dict[str, list[tuple[re.Pattern[str], float, int]]] = {
    "pfd_report": [
        (_P(r"THIS REPORT IS BEING SENT TO"), 4, 1),
        (_P(r"CORONER['’]?S LEGAL POWERS"), 3, 1),
        (_P(r"CIRCUMSTANCES OF THE DEATH"), 2, 1),
        (_P(r"CORONER['’]?S CONCERNS|MATTERS OF CONCERN"), 2, 1),
        (_P(r"ACTION SHOULD BE TAKEN"), 2, 1),
        (_P(r"YOUR RESPONSE"), 1.5, 1),
        (_P(r"COPIES and PUBLICATION|COPIES AND PUBLICATION"), 2, 1),
        (_P(r"INVESTIGATION and INQUEST|INVESTIGATION AND INQUEST"), 2, 1),
        (_P(r"paragraph 7,? Schedule 5|Coroners and Justice Act 2009"), 1, 1),
        (_P(r"REPORT TO PREVENT FUTURE DEATHS", re.I), 1, 1),
    ],
    "pfd_response": [
        (_P(r"^\s*Dear\s+(?:Mr|Mrs|Ms|Miss|Dr|HM|Sir|Madam|Coroner|Professor|[A-Z])", re.M), 2, 1),
        (_P(r"Yours (?:sincerely|faithfully)", re.I), 1.5, 1),
        (_P(r"Regulation 28|Prevention of Future Deaths|Prevent(?:ion)? Future Deaths|\bPFD\b|Reg(?:ulation)?\.? 28", re.I), 1.5, 2),
        (_P(r"\b(?:in response to|response to the|I write in response|our response|we have (?:reviewed|considered))\b", re.I), 1.5, 2),
        (_P(r"\b(?:Coroner|Senior Coroner|Area Coroner|Assistant Coroner)\b"), 0.5, 3),
        (_P(r"^\s*(?:Concern|Response)\s*\d*\s*:", re.M), 1, 3),
        (_P(r"\binquest (?:into|touching) the death\b|\bdeath of (?:Mr|Mrs|Ms|Miss|Master|Baby)\b", re.I), 1, 1),
    ],
    "action_plan": [
        (_P(r"\baction plan\b", re.I), 1.5, 2),
        (_P(r"^[^\n]*Recommendation[^\n]*\t[^\n]*(?:Target|Lead|Agency|RAG|Action)[^\n]*$", re.M | re.I), 5, 2),
        (_P(r"\bRAG\b"), 1, 2),
        (_P(r"\b(?:Target date|Timescale|Implementation Lead|Lead Officer|Action Required)\b", re.I), 1, 3),
        (_P(r"\b(?:Domestic Homicide Review|Serious Case Review|Safeguarding Adults? Review|Child Safeguarding Practice Review|DHR|SCR|SAR|CSPR)\b"), 0.5, 3),
        (_P(r"^\s*(?:COMPLETED|Completed|Ongoing|ONGOING)\s*$", re.M), 0.5, 4),
    ],
    "inspection": [
        (_P(r"\b(?:HMICFRS|HMIC|Ofsted|Care Quality Commission|CQC|HM Inspectorate|Inspectorate of (?:Probation|Prisons|Constabulary))\b"), 1.5, 3),
        (_P(r"^\s*(?:\d+\.\)?\s*)?Areas? for improvement\b", re.I | re.M), 3, 1),
        (_P(r"^\s*What needs to improve", re.I | re.M), 4, 1),
        (_P(r"Causes? of concern", re.I), 2, 1),
        (_P(r"inspection of (?:[\w’',.&-]+\s+){0,6}local\s+authority\s+children", re.I), 4, 1),
        (_P(r"\binspection\b", re.I), 0.5, 4),
        (_P(r"^\s*Recommendation \d+\s*$", re.M), 1, 3),
        (_P(r"\b(?:By \d{1,2} \w+ \d{4}|With immediate effect), [a-z]", re.I), 1, 2),
        (_P(r"\bPEEL\b|Judgement\s+Grade|Overall effectiveness", re.I), 1, 2),
    ],
    "minutes": [
        (_P(r"\b(?:Notes|Minutes) of (?:the )?(?:\w+ ){0,3}meeting\b", re.I), 4, 1),
        (_P(r"^\s*(?:Present|Attendees|In attendance)\s*:?\s*$", re.M | re.I), 3, 1),
        (_P(r"^\s*Apologies\b|\bApologies (?:were received|for absence)", re.M | re.I), 2, 1),
        (_P(r"^\s*\d{2,3}/\d{2}\b", re.M), 1, 4),
        (_P(r"^\s*(?:ACTION|Action)\s*[:\-–]", re.M), 1, 2),
        (_P(r"\b(?:Chair|Chairman|Chairperson)\b"), 0.5, 2),
        (_P(r"\bmeeting (?:closed|ended)\b|\bdate of (?:the )?next meeting\b", re.I), 1.5, 1),
    ],
}
_MIN_SCORE = 3.0
_SCAN = 12_000

NOT_REVIEW = "not_review"
# what notes about files look like (a README, a licence): never a review document's layout
_NOTES: list[tuple[re.Pattern[str], float, int]] = [
    (_P(r"^\s*\|?\s*:?-{3,}:?\s*\|", re.M), 3, 1),                      # a markdown table's rule
    (_P(r"^\s*\|[^\n]*\|\s*$", re.M), 1, 3),                              # markdown table rows (kept by the reader)
    (_P(r"^#{1,6}\s+\S", re.M), 1, 3),                                   # markdown headings
    (_P(r"`[^`\n]{1,80}`"), 0.5, 6),                                     # code spans
    (_P(r"\b[\w*.-]+\.(?:csv|pdf|txt|md|json|xlsx?|docx?|py|zip|html?)\b", re.I), 0.5, 6),  # file names
    (_P(r"\b(?:README|datasets?|repository|folders?|director(?:y|ies)|columns?|licen[cs]e[ds]?|copyright|"
        r"git|GitHub)\b", re.I), 0.75, 6),
    (_P(r"Permission is hereby granted|WITHOUT WARRANTY|Licensed under the|GNU General Public License|"
        r"Creative Commons|THE SOFTWARE IS PROVIDED", re.I), 3, 2),          # a licence's own words
]
NOTES_MIN = 6.0     # notes_score from which an unextracted file is taken as notes


def notes_score(text: str) -> float:
    """How much ``text`` reads as notes about files (see the module docstring)."""
    text = text[:_SCAN]
    return sum(weight * _count(pat, text, cap) for pat, weight, cap in _NOTES)


def not_review(doc: Document, findings: list, actions: list) -> bool:
    """True for a file that is not a review document: a reader left its type open, nothing was
    extracted from it, and it reads as notes (``NOTES_MIN``). A text with no cue of any kind stays
    "other": it may be a letter that does not look like one (a possible response, see linking)."""
    if findings or actions or (doc.type and doc.type != "other") or not doc.text.strip():
        return False
    return notes_score(doc.text) >= NOTES_MIN


def _literal(pattern: str) -> tuple[str, ...] | None:
    """Lower-case words that any match must contain (a cheap pre-check before the regex);
    None when the pattern has no such word for certain."""
    words = []
    for alt in _split_top(pattern):
        m = re.findall(r"[A-Za-z]{4,}", re.sub(r"\\[a-zA-Z]|\(\?[^)]*\)[?*]?|\[[^\]]*\]|\{[^}]*\}|\w[?*]", " ", alt))
        if not m:
            return None
        words.append(m[0].lower())
    return tuple(words)


def _split_top(pattern: str) -> list[str]:
    """Top-level alternatives of a regex (splits on | outside groups)."""
    out, depth, cur, esc = [], 0, "", False
    for ch in pattern:
        if esc:
            cur, esc = cur + ch, False
            continue
        if ch == "\\":
            cur, esc = cur + ch, True
            continue
        depth += ch == "(" or ch == "["
        depth -= ch == ")" or ch == "]"
        if ch == "|" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


_MANUAL: dict[str, tuple[str, ...]] = {  # hand-made pre-checks where _literal cannot tell
    "Regulation 28": ("reg", "prevent", "pfd"),
    r"\b(?:in response": ("response", "reviewed", "considered"),
    r"\b(?:Coroner|": ("coroner",),
    r"^\s*(?:Concern|Response)": ("concern", "response"),
    r"\bRAG\b": ("rag",),
    r"\b(?:Target date": ("target", "timescale", "lead", "action required"),
    r"\b(?:Domestic Homicide": ("review", "dhr", "scr", "sar", "cspr"),
    r"^\s*(?:COMPLETED": ("complete", "ongoing"),
    r"\b(?:HMICFRS": ("hmic", "ofsted", "quality commission", "cqc", "inspectorate"),
    r"\b(?:By \d": ("by ", "immediate"),
    r"^\s*(?:Present|": ("present", "attendees", "attendance"),
    r"^\s*\d{2,3}/": ("/",),
    r"^\s*(?:ACTION|Action)": ("action",),
    r"\b(?:Chair|": ("chair",),
}
_LITERALS = {id(p): next((v for k, v in _MANUAL.items() if p.pattern.startswith(k)), None) or _literal(p.pattern)
             for sigs in _SIGNALS.values() for p, _, _ in sigs}


def scores(doc: Document) -> dict[str, float]:
    """Score of each type; exposed so callers (and tests) can see why a type won."""
    text = mask(doc.text[:_SCAN])
    low = text.lower()
    out: dict[str, float] = {}
    for kind, sigs in _SIGNALS.items():
        total = 0.0
        for pat, weight, cap in sigs:
            lits = _LITERALS[id(pat)]
            if lits is not None and not any(w in low for w in lits):
                continue
            total += weight * _count(pat, text, cap)
        out[kind] = total
    if any(b.section and re.search(r"concern", b.section, re.I) for b in doc.blocks):
        out["pfd_report"] += 6  # a dataset row's "Coroner's concerns" section
    if out["pfd_report"] >= 8:  # the boxes are conclusive: a letter would not carry them
        out["pfd_report"] += 5
    # what a letter does (answers a report, thanks, condoles, says what was done): many weak
    # signals, so a letter that never says "Regulation 28" or "response" is still seen
    rs = response_score(doc.text[:_SCAN]) if out["pfd_report"] < 5 else 0.0
    if rs > 0:
        out["pfd_response"] += 0.6 * rs
    return out


def classify(doc: Document) -> str:
    """One of DOCUMENT_TYPES: the best-scoring type, or "other" when nothing is convincing."""
    s = scores(doc)
    best = max(s, key=lambda k: s[k])
    return best if s[best] >= _MIN_SCORE else "other"


def _count(pat: re.Pattern, text: str, cap: int) -> int:
    """Matches of ``pat`` in ``text``, counted up to ``cap``."""
    n = 0
    for _ in pat.finditer(text):
        n += 1
        if n >= cap:
            break
    return n
