"""The coroner's concerns of a PFD (Regulation 28) report.

The concerns are the block whose section names them (dataset rows), or the text after a
"CORONER'S CONCERNS" / "MATTERS OF CONCERN" box up to "ACTION SHOULD BE TAKEN" (PDF text).
The statutory boilerplate ("During the course of the inquest the evidence revealed …") is
dropped. Numbered concerns ("1.", "2)", "(a)", "(i)", bullets) give one finding each —
only the outermost numbering counts, so "(a)/(b)" inside concern 1 stay part of it; an
unnumbered section is a single finding."""
from __future__ import annotations

import re

from corpus.records import Document, Finding
from corpus.extract.common import FILL, norm

_SECTION = re.compile(r"concern", re.I)
_HEAD = re.compile(r"(?:CORONER['’]?S\s+CONCERNS|MATTERS\s+OF\s+CONCERN)\b[^\n]{0,40}", re.I)
_HEAD_STRICT = re.compile(r"CORONER['’]?S\s+CONCERNS|MATTERS\s+OF\s+CONCERN")
_NEXT = r"(?:ACTION (?:SHOULD|COULD|MUST) BE TAKEN|YOUR RESPONSE|COPIES (?:and|AND) PUBLICATION)"
# the template's next section: a heading line, or "… such action. 7 YOUR RESPONSE You are …"
# run into one line by the dataset (the section number then marks it as a heading)
_END = re.compile(rf"^\s*(?:\d{{1,2}}\s*[.)]?\s*)?{_NEXT}|(?<=\s)\d{{1,2}}\s*[.)]?\s+{_NEXT}\b", re.M)
_BOILER = [
    re.compile(r"during the course of the (?:inquest|investigation)[^.]{0,80}?(?:revealed|heard)[^.]{0,60}?concern[^.]*\.", re.I),
    re.compile(r"in my opinion,? there (?:is|are|was) (?:a |no )?risks?[^.]{0,200}?(?:taken|occur|created)[^.]*\.", re.I),
    re.compile(r"in the circumstances,? it is my statutory duty to (?:report|write)[^.]*\.", re.I),
    re.compile(r"the matters? of concern (?:is|are)(?: as follows)?\s*[.:;\-–]*", re.I),
    # the heading, with a section number before it or on its line after it — not the
    # "1." that opens the first concern on the next line
    re.compile(r"^\s*\d{0,2}\s*(?:CORONER['’]?S CONCERNS|MATTERS OF CONCERN)[ \t]*(?:\d{1,2}(?![.)]\s))?[ \t]*[.:\-–]*", re.I),
    re.compile(r"\(brief summary of matters of concern\)", re.I),
]
# marker at a line start: 1.  1)  (1)  a)  (a)  i.  (iv)  • -  "1  " (two spaces)
_MARK = re.compile(
    r"^[ \t\x00]*(?P<m>\((?P<one>[Il])\)|\(?(?P<num>\d{1,2})(?:[.)](?!\d)|\)(?!\d))|\((?P<rom>i{1,3}|iv|v|vi{1,3}|ix|x)\)|"
    r"(?P<rom2>i{1,3}|iv|v|vi{1,3}|ix|x)[.)](?=\s)|\((?P<alp>[a-z])\)|(?P<alp2>[a-z])(?:[.)](?=\s)|\.(?=[A-Z]))|(?P<bul>[•●▪◼\uf0b7\x7f\-–*])|"
    r"(?<=\n\n)(?P<bare>\d{1,2})(?=[ \t]+[A-Z“\"])|"  # "1 Mr X was …" opening a paragraph: no dot
    r"(?:o\s+)?(?P<head>(?:Concern|Matter\s+of\s+concern|Issue)\s*\(?(?P<hnum>\d{1,2})\)?\s*[:.\-–]?))\s*(?=\S)",
    re.M,
)
_INLINE_BULLET = re.compile(r"(?<=\s)[•●▪◼\uf0b7\x7f](?=\s)")
# "Firstly, … / Secondly, … / Finally, …" opening paragraphs: a list written in words
_ORDINAL = re.compile(r"^[ \t\x00]*(?P<w>Firstly|Secondly|Thirdly|Fourthly|Fifthly|Finally|Lastly|"
                      r"(?:First|Second|Third|Fourth|Fifth)(?=,))\b", re.M)
_ORD_VALUE = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "finally": 0, "lastly": 0}
# "… in ED. 2. Prolonged waits …", "… unit. (2) Involvement …": numbered items run together on
# one line (a page number may sit between: "… a computer. 2 (3) Children …")
_INLINE_NUM = re.compile(r"(?<=[.;:–\-]\s)(?:\d{1,2}\s+(?=\())?(?P<at>\(?)(?P<n>\d{1,2})[.)]\s+(?=[A-Z\[“\"])")
# "… summaries. - The procedures …": dash bullets run together after a full stop (used
# only when the list's first dash opens a line)
_FIRST_NUM = re.compile(r"\(?(?P<n>1)[.)]\s+(?=[A-Z\[“\"])")
_INLINE_DASH = re.compile(r"(?<=[.;])[ \t]+(?P<d>[-–])(?=[ \t]+[A-Z])")
# "… review. b.Whether there is …": lettered items run together on one line
_INLINE_ALPHA = re.compile(r"(?<=[.;:–\-]\s)(?P<a>[a-h])[.)]\s*(?=[A-Z])")
_INLINE_HEAD = re.compile(r"(?<=\s)(?:o\s+)?(?P<h>Concern\s*\(?(?P<n>\d{1,2})\)?\s*:)")
# page furniture that PDF text and dataset rows carry into the concerns
_DEBRIS = re.compile(r"\bPage\s+\d+\s+of\s+\d+\b|(?:\b\d{1,3}\s+)?\bInformation Classification:\s*[A-Z][A-Z-]+\b|(?<=[.!?”\"])(?:\s+\d{1,2}){1,3}\s*\.?\s*$"
    r"|(?<=[A-Za-z,;])(?:\s+\d{1,2}){1,3}\s*$"  # "… Home Treatment Team 6": no full stop, a section number
    r"|\bRegulation 28\s*[–-]\s*After Inquest Document Template(?:\s+Updated\s+\d{1,2}/\d{1,2}/\d{2,4})?")
# a lead-in that introduces the list of concerns ("The evidence raises the following concerns:")
_LEADS_IN = re.compile(r"\b(?:concerns?|matters|issues|areas)\b[^\n]{0,80}[:;–\-]\s*$", re.I)
# the coroner's closing words after the last concern: they speak of all the concerns, ask for
# a review or say why the report is sent — not part of the last concern
_CLOSING = re.compile(
    r"\b(?:these|the above|above|both|all|those)(?: \w+)? (?:concerns|matters|issues|points)\b"
    r"|\bthis (?:Regulation 28 )?report\b|\baction should be taken\b|\blet me know\b"
    r"|\bI (?:would|should) (?:be grateful|ask|invite|request|welcome|urge)\b|\b(?:I|we) (?:ask|invite|request) (?:that )?you\b",
    re.I)
_MATTERS = re.compile(r"\b(?:MATTERS OF CONCERNS?|[Mm]atters of concerns?) (?:is|are)(?: as follows[ \t]*[.:;\-–]*|[ \t]*[:;\-–]+)")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}


def concerns_region(doc: Document, text: str) -> tuple[int, int] | None:
    """(start, end) of the coroner's concerns inside ``text`` (the masked doc.text)."""
    found = [(s, e) for s, e, b in doc.block_spans() if b.section and _SECTION.search(b.section)]
    if found:  # the section may run over several pages (blocks); a dataset cell may run on
        start, end = found[0][0], found[-1][1]  # into the template's next heading: cut there
        end_m = _END.search(text, start, end)
        return start, end_m.start() if end_m else end
    m = _HEAD_STRICT.search(text) or _HEAD.search(text)
    if not m:
        return None
    start = m.end()
    end_m = _END.search(text, start)
    return start, end_m.start() if end_m else len(text)


def _skip_boilerplate(text: str, start: int, end: int) -> int:
    """Offset just after the standard preamble at the top of the concerns."""
    pos = start
    while True:
        window = text[pos:min(end, pos + 700)]
        lead = _lead(window, pos == 0 or text[pos - 1] == "\n")
        moved = False
        for pat in _BOILER:
            m = pat.match(window, lead)
            if m:
                pos += m.end()
                moved = True
                break
        if not moved:
            return pos + lead


def _lead(window: str, line_start: bool) -> int:
    """Length of the blank/punctuation run opening ``window`` — but a dash opening a line
    and followed by a space is the first bullet of a list, not punctuation."""
    i = 0
    while i < len(window) and window[i] in " \t\n\r" + FILL + ":.-–":
        if window[i] in "-–" and window[i + 1:i + 2] in (" ", "\t"):
            before = window[:i].rstrip(" \t" + FILL)
            if before.endswith("\n") or (not before and line_start):
                break
        i += 1
    return i


def _style(m: re.Match) -> tuple[str, int]:
    """(numbering style, value) of a list marker."""
    raw = m.group("m")
    if m.group("head"):
        return "head", int(m.group("hnum"))
    if m.group("bare"):
        return "bare", int(m.group("bare"))  # not "n…": inline "1. … 2." numbering still counts
    if m.group("one"):  # OCR reads "(1)" as "(I)" or "(l)"
        return "nparen", 1
    if m.group("num"):
        kind = "paren" if raw.startswith("(") else ("dot" if raw.endswith(".") else "close")
        return "n" + kind, int(m.group("num"))
    if m.group("rom") or m.group("rom2"):
        r = m.group("rom") or m.group("rom2")
        return ("rp" if m.group("rom") else "r"), _ROMAN[r]
    if m.group("alp") or m.group("alp2"):
        a = m.group("alp") or m.group("alp2")
        return ("ap" if m.group("alp") else "a"), ord(a) - 96
    return "bullet", 0


def _items(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the outermost numbered (or bulleted) items between start and end."""
    marks = []
    ls = start  # a marker just after the preamble still opens its line
    while ls > 0 and text[ls - 1] in " \t" + FILL:
        ls -= 1
    for m in _MARK.finditer(text, ls if ls == 0 or text[ls - 1] == "\n" else start, end):
        st, val = _style(m)
        marks.append((m.start("m"), st, val))
    seen = {p for p, _, _ in marks}
    ords = [(m.start("w"), "ord", _ORD_VALUE[m.group("w").lower().removesuffix("ly")
                                            if m.group("w").lower() not in ("finally", "lastly") else m.group("w").lower()])
            for m in _ORDINAL.finditer(text, start, end)]
    if {1, 2} <= {v for _, _, v in ords}:
        marks += [x for x in ords if x[0] not in seen]
        seen |= {p for p, _, _ in ords}
    for m in _INLINE_HEAD.finditer(text, start, end):
        if m.start("h") not in seen:
            marks.append((m.start("h"), "head", int(m.group("n"))))
            seen.add(m.start("h"))
    for m in _INLINE_BULLET.finditer(text, start, end):  # PDF text often runs bullets together
        if m.start() not in seen:
            marks.append((m.start(), "bullet", 0))
    if any(st == "bullet" and text[p] in "-–" for p, st, _ in marks):
        marks += [(m.start("d"), "bullet", 0) for m in _INLINE_DASH.finditer(text, start, end) if m.start("d") not in seen]
    # numbered items run together on one line ("… in ED. 2. Prolonged waits …")
    inline = [(m.start("at"), "ndot", int(m.group("n"))) for m in _INLINE_NUM.finditer(text, start, end)]
    first = _FIRST_NUM.match(text, start, end)  # "… (brief summary of matters of concern) 1. Evidence …"
    if first and start not in {p for p, _, _ in inline}:
        inline.append((start, "ndot", int(first.group("n"))))
    inline = [x for x in inline if x[0] not in seen]
    numbered = any(st[0] == "n" for _, st, _ in marks)
    if not numbered:
        marks += inline
    marks.sort()
    chosen = _choose(text, start, marks)
    if len(chosen) < 2:
        # still no list: a first number at a line start with the rest inline, or lettered
        # items run together ("… review. b.Whether …")
        extra = inline if numbered else []
        extra += [(m.start("a"), "a", ord(m.group("a")) - 96) for m in _INLINE_ALPHA.finditer(text, start, end)]
        extra = [x for x in extra if x[0] not in seen]
        if extra:
            more = _choose(text, start, sorted(marks + extra))
            if len(more) >= 2:
                chosen = more
    if not chosen:
        return []
    return [(p, chosen[i + 1] if i + 1 < len(chosen) else end) for i, p in enumerate(chosen)]


def _choose(text: str, start: int, marks: list[tuple[int, str, int]]) -> list[int]:
    """Positions of the outermost items among ``marks``: the first style to appear that
    starts at 1 (bullets: any). When that style's list restarts at 1 after a line that
    introduces the concerns ("The evidence raises the following concerns:") and the first
    list had no such lead-in, the first list was evidence: the introduced list is kept."""
    if not marks:
        return []
    top = None
    if any(s_ == "head" and v_ == 1 for _, s_, v_ in marks):
        top = "head"
    for pos, st, val in ([] if top else marks):
        if st == "bullet" or val == 1:
            top = st
            break
    if top is None:
        return []
    if top == "bullet":
        chosen = [pos for pos, st, _ in marks if st == "bullet"]
        return chosen if len(chosen) >= 2 else []
    starts = [i for i, (_, st, v) in enumerate(marks) if st == top and v == 1]
    if len(starts) > 1 and not _led_in(text, start, marks[starts[0]][0]):
        for i in starts[1:]:
            if _led_in(text, start, marks[i][0]):
                return _sequence(marks[i:], top)
    return _sequence(marks, top, lambda pos: _heading_before(text, start, pos))


def _heading_before(text: str, start: int, pos: int) -> bool:
    """Is the line just before ``pos`` a short heading of its own ("Bourne Leisure Ltd
    (including Butlins)"): capitalised, no closing punctuation, a blank line around it?"""
    before = text[max(start, pos - 200):pos].rstrip(" \t\n\r" + FILL)
    parts = before.rsplit("\n", 1)
    line = parts[-1].strip(" \t" + FILL)
    return (len(parts) == 2 and 2 <= len(line) <= 80 and len(line.split()) <= 10 and line[0].isupper()
            and not re.search(r"[.:;,?!]$", line) and not _MARK.match(line))


def _led_in(text: str, start: int, pos: int) -> bool:
    """Is the line just before ``pos`` a lead-in to a list of concerns?"""
    before = text[max(start, pos - 300):pos].rstrip(" \t\n\r" + FILL)
    line = before.rsplit("\n", 1)[-1]
    return bool(_LEADS_IN.search(line))


def _sequence(marks: list[tuple[int, str, int]], top: str, heading_before=None) -> list[int]:
    """Positions of items 1, 2, 3 … in the top style; arabic styles may mix ('1.' then
    '(2)') when the top style has no such number, as coroners' typing often does."""
    family = top[0]
    chosen: list[int] = []
    expect, k = 1, 0
    while k < len(marks):
        same = next((i for i in range(k, len(marks)) if marks[i][1] == top and marks[i][2] == expect
                     or family == "a" and expect == 9 and marks[i][1][0] == "r" and marks[i][2] == 1
                     and (marks[i][1] == "rp") == (top == "ap")), None)
        if same is None and family == "n":
            same = next((i for i in range(k, len(marks)) if marks[i][1][0] == "n" and marks[i][2] == expect), None)
        if same is None and family == "o" and chosen:
            same = next((i for i in range(k, len(marks)) if marks[i][1] == "ord" and marks[i][2] == 0), None)
            if same is not None:  # "Finally, …" closes a list written in words
                return chosen + [marks[same][0]]
        if same is None:
            restart = next((i for i in range(k, len(marks)) if marks[i][1] == top and marks[i][2] == 1), None)
            if restart is not None and chosen and heading_before and heading_before(marks[restart][0]):
                return chosen + _sequence(marks[restart:], top, heading_before)
            break
        restart = next((i for i in range(k, same) if marks[i][1] == top and marks[i][2] == 1 and chosen), None)
        if restart is not None:
            if heading_before and heading_before(marks[restart][0]):
                # one list per recipient, each under its own heading ("Healthcare", "Bourne Leisure Ltd")
                return chosen + _sequence(marks[restart:], top, heading_before)
            break  # a second list starts before the next item: keep the first list only
        chosen.append(marks[same][0])
        expect, k = expect + 1, same + 1
    return chosen


# a report about several deaths heads each one's concerns with the person ("Re Jane Marie Clark 1. …
# Re Isobel Griffin 1. …"): the heading is no concern, and each death's concerns are numbered anew
_PERSON_HEAD = re.compile(
    r"(?:^|(?<=[\n.:;]))[ \t\x00]*(?:Re:?|In\s+(?:relation|respect)\s+(?:to|of)|Regarding|Concerning)\s+"
    r"(?:the\s+deaths?\s+of\s+)?(?:(?:Mr|Mrs|Ms|Miss|Master|Dr)\.?\s+)?"
    r"(?P<name>[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){1,3})(?=\s*[:\-–]?\s*(?:\n|\(?1[.)]|[A-Z]))")


def _people(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """(start, end, name) of each death's part of the concerns when two or more people head
    parts of them; [] otherwise. A body's name ("Re: Secretary of State for Justice") heads no part."""
    from corpus.orgs import is_body_name, normalise_org

    heads = []
    for m in _PERSON_HEAD.finditer(text, start, end):
        name = m.group("name")
        if is_body_name(name) or normalise_org(name).key and len(name.split()) > 3:
            continue
        # a person whose death the report is about: the report says so ("the death of Jane Marie Clark")
        if not re.search(r"\b(?:deaths?\s+of|died|deceased)\b[^.]{0,160}?\b" + re.escape(name) + r"\b", text[:start]):
            continue
        heads.append((m.start(), m.end("name"), name))
    if len({n for _, _, n in heads}) < 2:
        return []
    return [(e, heads[i + 1][0] if i + 1 < len(heads) else end, n) for i, (_, e, n) in enumerate(heads)]


def extract_pfd_concerns(doc: Document, text: str, base: int = 0) -> list[Finding]:
    """One finding per outermost concern (see module doc); addressed to the recipients. A report
    about several deaths gives each death's concerns apart, numbered anew, with the person's name
    as their ``section``."""
    region = concerns_region(doc, text)
    if not region:
        return []
    start = _skip_boilerplate(text, *region)
    end = region[1]
    later = _MATTERS.search(text, start, end)  # facts first, then the template's own lead-in
    if later and end - later.end() > 40:
        start = _skip_boilerplate(text, later.end(), end)
    people = _people(text, start, end)
    if people:
        out: list[Finding] = []
        for s, e, name in people:
            for f in _concerns_in(doc, text, s, e, base + len(out)):
                f.section = name
                out.append(f)
        return out
    return _concerns_in(doc, text, start, end, base)


def _concerns_in(doc: Document, text: str, start: int, end: int, base: int) -> list[Finding]:
    recipients = [r for r in (doc.meta.get("recipients") or []) if r]
    spans = _items(text, start, end)
    if not spans:
        body = norm(text[start:end])
        if len(body) < 15:
            return []
        paras = _paragraph_concerns(text, start, end) or _that_clauses(text, start, end)
        if paras:
            spans_text = paras
        else:
            lead = len(text[start:end]) - len(text[start:end].lstrip(" \t\n\r" + FILL))
            cut = _closing_cut(text, start + lead, end)
            spans_text = [(start + lead, cut, _clean(_strip_bullet(norm(text[start + lead:cut]))))]
    else:
        spans = spans[:-1] + [(spans[-1][0], _closing_cut(text, *spans[-1]))]
        spans_text = [(s, e, _clean(_strip_marker(norm(text[s:e])))) for s, e in spans]
    out = []
    for s, e, t in spans_text:
        if not t:
            continue
        out.append(Finding(index=base + len(out), kind="concern", text=t, label=f"Concern {len(out) + 1}",
                           addressees=list(recipients), start=s, end=_rstrip_end(text, s, e)))
    return out


_COMMENTS = re.compile(r"(?:This|These|Such|That)\s+(?:is|was|are|were|raises|raised|gives|shows|means|demonstrates|"
                       r"highlights|illustrates)\b|In\s+my\s+(?:judgment|judgement|view|opinion),?\s+(?:the\s+facts\s+of\s+)?"
                       r"(?:this|these|that|such)\b")
_SIGNAL = re.compile(
    r"\bconcern(?:s|ed|ing)?\b|\brisks?\b|\b(?:in|not\s+)adequate(?:ly)?\b|\binsufficient(?:ly)?\b|\black(?:s|ed|ing)?\b|"
    r"\bfail(?:s|ed|ure|ures|ing)?\b|\bunsafe\b|\bunclear\b|\bdanger(?:s|ous)?\b|"
    r"\bnot\s+(?:sufficiently\s+)?(?:robust|sufficient|clear|safe|appropriate|followed)\b|"
    r"\bno\s+(?:system|policy|protocol|process|procedure|guidance|formal\w*|clear)\b|"
    # the coroner's concern put as a request or a question
    r"\bI\s+(?:wonder(?:ed)?\s+(?:if|whether)|(?:would|should)\s+be\s+grateful)\b|\bconsideration\s+should\b|\?", re.I)
# a paragraph that says it brings another matter
_ANOTHER = re.compile(r"(?:Firstly|First,|The\s+first|Secondly|Thirdly|Fourthly|Finally|Lastly|Additionally|Furthermore|Further|In\s+addition|Also|"
                      r"A\s+further|Another|A\s+second|The\s+second|The\s+third)\b")
_FIRSTLY = re.compile(r"\b(?:firstly|secondly|thirdly|first(?:ly)?,|second(?:ly)?,)", re.I)
_LEAD_IN = re.compile(r"^(?:The\s+inquest\s+heard\s+that|I\s+heard\s+evidence\s+that|From\s+the\s+evidence[^.:]*)\s*:?\s*$", re.I)


def _paragraph_concerns(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """An unnumbered section written as a few paragraphs of similar weight, one matter each
    (2 to 8 paragraphs of 150+ characters); [] when it reads as one matter."""
    from corpus.extract.common import paragraphs

    paras = [p for p in paragraphs(text, start, end) if not _LEAD_IN.match(p.text)]
    paras = [p for p in paras if len(p.text) >= 40]
    if not 2 <= len(paras) <= 8 or any(len(p.text) < 150 for p in paras):
        if len(paras) == 2 and _FIRSTLY.search(paras[0].text) and re.match(r"(?i)second", paras[1].text):
            return [(p.start, p.end, _clean(p.text)) for p in paras]
        return []
    while len(paras) > 1 and len(paras[-1].text) <= 600 and _closes(paras[-1].text):
        paras = paras[:-1]  # the closing request is not a matter of its own
    # a paragraph that comments on the one before ("This is an area of concern …", "In my
    # judgment, the facts of this case show …") is that matter's conclusion, not a new one
    spans: list[tuple[int, int, str]] = []
    for p in paras:
        if spans and _COMMENTS.match(p.text):
            s0, _, t0 = spans[-1]
            spans[-1] = (s0, p.end, t0 + " " + p.text)
        else:
            spans.append((p.start, p.end, p.text))
    # background paragraphs (no sign of a concern) lead to the matter after them
    flags = [bool(_SIGNAL.search(t) or _ANOTHER.match(t)) for _, _, t in spans]
    if any(flags) and not all(flags):
        merged: list[tuple[int, int, str]] = []
        pending: tuple[int, str] | None = None
        for (a, b, t), f in zip(spans, flags):
            if pending:
                a, t = pending[0], pending[1] + " " + t
                pending = None
            if f:
                merged.append((a, b, t))
            else:
                pending = (a, t)
        if pending:
            a0, b0, t0 = merged[-1]
            merged[-1] = (a0, spans[-1][1], t0 + " " + pending[1])
        spans = merged
    return [(a, b, _clean(t)) for a, b, t in spans]


_THAT = re.compile(r"(?:^|(?<=[.!?]\s))(?:[ \t\n\x00]*)That\s+(?:the|there|no|a|an|his|her|their|staff|[A-Z])", re.M)


def _that_clauses(text: str, start: int, end: int) -> list[tuple[int, int, str]]:
    """One unnumbered paragraph written as "That …. That …. That …" (the older template's
    way of listing matters): a concern per "That" sentence when it opens the section and
    recurs at least three times."""
    lead = len(text[start:end]) - len(text[start:end].lstrip(" \t\n\r" + FILL))
    at = [m.start() + len(m.group(0)) - len(m.group(0).lstrip(" \t\n\x00")) for m in _THAT.finditer(text, start + lead, end)]
    if len(at) < 3 or at[0] != start + lead:
        return []
    return [(a, _rstrip_end(text, a, b), _clean(norm(text[a:b]))) for a, b in zip(at, at[1:] + [end])]


_PARA_START = re.compile(r"\n[ \t]*\n[ \t\x00]*(?=\S)|(?<=[.!?:”\"])[ \t]*\n[ \t\x00]*(?=[A-Z])")


def _closing_cut(text: str, s: int, e: int) -> int:
    """End of the last concern without the coroner's closing words: the last paragraph (or,
    in line-wrapped PDF text, the last line after a full stop) from which the rest speaks of
    the concerns as a whole or asks for a review. Never cuts into the item's first paragraph."""
    for c in reversed([m.end() for m in _PARA_START.finditer(text, s, e)]):
        tail = text[c:e]
        if len(tail) <= 600 and _closes(tail):
            return _rstrip_end(text, s, c)
    return e


def _closes(t: str) -> bool:
    """Does this paragraph open with the coroner's closing words (in its first sentence)?
    "On a separate issue … I would be grateful if you could confirm …" brings a new matter."""
    first = re.split(r"(?<=[.!?])\s+(?=[A-Z(\[])", t.strip(), maxsplit=1)[0]
    return bool(_CLOSING.search(first))


def _strip_bullet(t: str) -> str:
    return re.sub(r"^[•●▪◼\uf0b7\-–*]\s+", "", t)


def _clean(t: str) -> str:
    """Page furniture removed ("Page 2 of 2", a trailing page number)."""
    for _ in range(3):  # a footer removed may leave the section number it hid at the end
        t2 = re.sub(r"\s{2,}", " ", _DEBRIS.sub(" ", t)).strip()
        if t2 == t:
            break
        t = t2
    return t


def _strip_marker(t: str) -> str:
    t = re.sub(r"^(?:o\s+)?(?:Concern|Matter\s+of\s+concern|Issue)\s*\(?\d{1,2}\)?\s*[:.\-–]?\s*", "", t)
    return re.sub(r"^(?:\([Il]\)|\(?\d{1,2}[.)]|\d{1,2}(?=\s+[A-Z“\"])|\(\d{1,2}\)|\(?[a-z]\)|[a-z]\.|\(?[ivx]{1,4}[.)]|[•●▪◼\uf0b7\-–*])\s*", "", t)


def _rstrip_end(text: str, s: int, e: int) -> int:
    while e > s and text[e - 1] in " \t\n\r" + FILL:
        e -= 1
    return e


_SENT_TO = re.compile(r"THIS\s+REPORT\s+IS\s+BEING\s+SENT\s+TO\s*:?", re.I)
_NEXT_BOX = re.compile(r"^\s*(?:\d{1,2}\s*[.)]?\s*)?CORONER\b|^\s*\d{1,2}\s*[.)]?\s*[A-Z][A-Z' ]{6,}$", re.M)
_ITEM = re.compile(r"^\s*(?:\(?(?P<n>\d{1,2})[.)]?|[•\-*])\s+", re.M)
_ADDRESS = re.compile(r"^(?:PO Box|\d+\w?\s+\w+\s+(?:Street|Road|Lane|Avenue|Way|Square|Place)\b|[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$)", re.I)


def recipients_from_text(text: str) -> list[str]:
    """The "THIS REPORT IS BEING SENT TO" box of a PFD report, one recipient per item;
    address lines dropped. Datasets give this as a column; PDFs and letters only as text."""
    m = _SENT_TO.search(text)
    if not m:
        return []
    rest = text[m.end(): m.end() + 2000]
    end = _NEXT_BOX.search(rest)
    box = rest[: end.start()] if end else rest[:600]
    items: list[list[str]] = []
    for line in box.splitlines():
        line = line.strip()
        if not line:
            continue
        m = _ITEM.match(line)
        # a numbered item only when it is the next number ("39 Victoria Street" is an address)
        if not items or (m and (m.group("n") is None or int(m.group("n")) == len(items) + 1)):
            items.append([_ITEM.sub("", line, count=1).strip(" ,;")])
        elif not _ADDRESS.match(line) and len(items[-1]) < 2:
            items[-1].append(line.strip(" ,;"))
    out = []
    for parts in items:
        name = ", ".join(p for p in parts if p)
        if 3 <= len(name) <= 200 and not re.search(r"\b(?:brother|sister|mother|father|son|daughter|family|wife|husband|partner) of\b", name, re.I):
            out.append(name)
    return out
