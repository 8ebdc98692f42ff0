"""Inspection reports and papers summarising them (HMICFRS, Ofsted, CQC, HM Inspectorates).

* "Recommendation N" / "Area for improvement N" blocks; a leading deadline ("By 31 July 2024,",
  "With immediate effect,") becomes the due date of an action_required owned by whoever the
  sentence says "should" act (the addressee: "chief constables", "the College of Policing").
* "Cause of concern: Leadership" followed by its "Recommendation:".
* An "Areas for improvement" section: each "should" statement is one AFI; bullets without
  "should" complete the statement they follow ("… dignity of detainees by: - Informing …").
* Ofsted's "What needs to improve?" bullet list (◼ …), addressed to the local authority."""
from __future__ import annotations

import re

from corpus.records import Action, Finding
from corpus.extract.common import BULLET, Para, due_of, is_heading, lines, norm, paragraphs

_REC = re.compile(r"^(?P<kind>Recommendation|Area for improvement|AFI)\s+(?P<num>\d{1,3})\b\s*[:.\-–]?\s*(?P<body>.*)$", re.I)
_CAUSE = re.compile(r"^(?:\d{1,2}[.)]+\s*)?Cause of concern(?:\s+\d{1,2})?\s*[:\-–]?\s*(?P<body>.*)$", re.I)
_REC_INTRO = re.compile(r"^Recommendations?\s*(?:[:\-–]\s*(?P<body>.*))?$", re.I)  # "Recommendation:" or a bare heading
# a page number or "Page N of M" left between two paragraphs of one item by a page break
_PAGE_NO = re.compile(r"^(?:page\s+)?\d{1,3}(?:\s+of\s+\d{1,3})?$", re.I)
_ITEM_NUM = re.compile(r"^(?:\d{1,2}[.)]|\(\d{1,2}\)|\d{1,2}\.\))\s*(?=[A-Z])")
_AFI_HEAD = re.compile(r"^(?:\d+(?:\.\d+)*\.?\s*)?(?P<h>Areas? for (?:improvement|priority action))\s*:?$", re.I)
_MAJOR = re.compile(r"^(?:\d{1,2}\.\s+[A-Z][^.]{2,80}|[A-Z][A-Z &,'’\-]{5,})$")
_SHOULD = re.compile(r"\bshould(?:n['’]t)?\b|\bmust\b|\bneeds? to\b", re.I)
_DEADLINE = re.compile(
    r"^(?P<due>(?:By|Before|Within|No later than|From)\s+[^,]{3,40}?|With immediate effect|Immediately|With effect from [^,]{3,30}),\s*",
    re.I,
)
_WHO = re.compile(r"^(?P<who>[^.]{2,120}?)\s+(?:should(?:n['’]t)?|must|needs? to|is to|are to|to)\s+[a-z]")
_ACTOR = re.compile(
    r"\b(?:forces?|constables?|police|constabulary|college|office|trusts?|services?|council|authorit(?:y|ies)|boards?|"
    r"partnerships?|ICBs?|NHS|providers?|government|department|leaders|commissioners?|lead|portfolio|agenc(?:y|ies)|"
    r"inspectorate|HMPPS|CoP|NPCC|ministry|secretary|executive|directors?|managers?|partners|commissioning)\b",
    re.I,
)


def split_addressees(who: str) -> list[str]:
    """'all chief constables' -> ['chief constables']; 'the Portfolio and the CoP' -> two.
    Why: addressees are matched against organisations elsewhere, so trim quantifiers."""
    who = re.sub(r"\s*\([^)]*\)", "", who)
    who = who.split(",")[0]
    parts = re.split(r"\s+and\s+(?=(?:the|all|each|every)\b)", who)
    out = []
    for p in parts:
        p = re.sub(r"^(?:all|each|every|both)\s+", "", p.strip(), flags=re.I)
        if p and len(p.split()) <= 12:
            out.append(p)
    return out


def deadline_and_who(text: str) -> tuple[str | None, str | None, str | None]:
    """(due_text, due_iso, addressee phrase) from 'By 31 July 2024, chief constables should …'."""
    due_text = due = None
    m = _DEADLINE.match(text)
    rest = text
    if m:
        due_text = m.group("due").strip()
        due = due_of(due_text)
        rest = text[m.end():]
    w = _WHO.match(rest)
    who = w.group("who").strip() if w else None
    if who and (len(who.split()) > 14 or re.match(r"^(?:this|it|these|they)\b", who, re.I) or not _ACTOR.search(who)):
        who = None
    return due_text, due, who


def _continues(acc: str, nxt: Para) -> bool:
    """A recommendation runs on across a page break when it has not ended a sentence."""
    return not re.search(r"[.!?:)]$", acc) or nxt.text[:1].islower()


def extract_inspection(text: str, base: int = 0) -> tuple[list[Finding], list[Action]]:
    """All inspection-style findings in ``text`` (masked), ordered by position."""
    paras = paragraphs(text)
    found: list[tuple[Finding, Action | None]] = []
    found += _numbered_recs(paras)
    found += _causes(paras)
    found += _afi_sections(paras)
    found += _ofsted(text)
    found.sort(key=lambda fa: fa[0].start or 0)
    findings, actions = [], []
    for i, (f, a) in enumerate(found):
        f.index = base + i
        findings.append(f)
        if a:
            a.finding_indexes = [f.index]
            actions.append(a)
    return findings, actions


def _numbered_recs(paras: list[Para]) -> list[tuple[Finding, Action | None]]:
    out: list[tuple[Finding, Action | None]] = []
    head = None
    for i, p in enumerate(paras):
        h = _RECS_HEAD.match(p.text)
        if h and not _REC.match(p.text):
            head = h.group("h")
        elif _MAJOR.match(p.text) and not _REC.match(p.text) and not _SHOULD.search(p.text):
            head = None  # a new chapter: an older heading no longer applies
        m = _REC.match(p.text)
        if not m:
            continue
        body, j = m.group("body").strip(), i + 1
        if not body and j < len(paras) and not _REC.match(paras[j].text):
            body, j = paras[j].text, j + 1
        while body and j < len(paras) and not _REC.match(paras[j].text) and not _CAUSE.match(paras[j].text):
            if _PAGE_NO.match(paras[j].text) and j + 1 < len(paras) and _continues(body, paras[j + 1]):
                j += 1  # page furniture between two halves of one recommendation
                continue
            if not _continues(body, paras[j]) or _MAJOR.match(paras[j].text):
                break
            body, j = body + " " + paras[j].text, j + 1
        if not body:
            continue
        kind = "recommendation" if m.group("kind").lower().startswith("rec") else "area_for_improvement"
        label = ("Recommendation " if kind == "recommendation" else "Area for improvement ") + m.group("num")
        f, a = _with_action(kind, label, body, p.start, paras[j - 1].end)
        f.section = (head or "Recommendations") if kind == "recommendation" else AFI_SECTION
        out.append((f, a))
    return out


def _with_action(kind: str, label: str, body: str, start: int, end: int) -> tuple[Finding, Action | None]:
    """A finding plus, when it names who should act or by when, its action_required."""
    due_text, due, who = deadline_and_who(body)
    addressees = split_addressees(who) if who else []
    f = Finding(index=0, kind=kind, text=body, label=label, addressees=addressees, start=start, end=end)
    if kind == "area_for_improvement" or not (due_text or who):
        return f, None
    owner = "; ".join(addressees) if addressees else None
    return f, Action(kind="action_required", text=body, owner=owner, due=due, due_text=due_text, start=start, end=end)


def _causes(paras: list[Para]) -> list[tuple[Finding, Action | None]]:
    """'Cause of concern: X' (+ 'Recommendation:' text) -> cause_of_concern with its action.
    A bare "Cause of concern" heading takes the statement under it; the recommendation(s) after
    it ("Recommendations" / "Within six months, the force should:" + bullets) stay with it."""
    out: list[tuple[Finding, Action | None]] = []
    heads = [i for i, p in enumerate(paras) if _CAUSE.match(p.text)]
    for n, i in enumerate(heads, 1):
        m = _CAUSE.match(paras[i].text)
        assert m
        title, j, rec = m.group("body").strip(), i + 1, ""
        limit = heads[heads.index(i) + 1] if heads.index(i) + 1 < len(heads) else len(paras)

        def stop(k: int) -> bool:
            t = paras[k].text
            return bool(_MAJOR.match(t) or _AFI_HEAD.match(t) or _REC.match(t) or _CAUSE.match(t))
        while not title and j < limit and not _REC_INTRO.match(paras[j].text) and not stop(j):
            if not _PAGE_NO.match(paras[j].text):
                title = paras[j].text
            j += 1
        while title and j < limit and not _REC_INTRO.match(paras[j].text) and not stop(j) \
                and (_PAGE_NO.match(paras[j].text) or _continues(title, paras[j])):
            title = title if _PAGE_NO.match(paras[j].text) else title + " " + paras[j].text
            j += 1
        if j < limit and _REC_INTRO.match(paras[j].text):
            rec = (_REC_INTRO.match(paras[j].text).group("body") or "").strip()  # type: ignore[union-attr]
            j += 1
            while j < limit and not stop(j):
                t = paras[j].text
                if _PAGE_NO.match(t):
                    j += 1
                    continue
                if rec and not (BULLET.match(t) or _continues(rec, paras[j])):
                    break
                rec, j = (rec + " " + BULLET.sub("", t, count=1)).strip(), j + 1
        title = title.rstrip(". ")
        text = f"{title}. Recommendation: {rec}" if rec else title
        f, a = _with_action("cause_of_concern", f"Cause of concern {n}", rec or title, paras[i].start, paras[j - 1].end)
        f.text = text
        f.section = CAUSE_SECTION
        if not rec:
            a = None
        if text:
            out.append((f, a))
    return out


AFI_SECTION = "Areas for improvement"
CAUSE_SECTION = "Causes of concern"
# a heading that introduces numbered recommendations ("Recommendations for chief constables:")
_RECS_HEAD = re.compile(r"^(?:\d+(?:\.\d+)*\.?\s*)?(?P<h>Recommendations\b[^.]{0,80}?)\s*:?$", re.I)


def _afi_sections(paras: list[Para]) -> list[tuple[Finding, Action | None]]:
    out: list[tuple[Finding, Action | None]] = []
    for i, p in enumerate(paras):
        h = _AFI_HEAD.match(p.text)
        if h:
            head = h.group("h")
            for f, a in _afi_items(paras, i + 1):
                f.section = head[:1].upper() + head[1:].lower()
                out.append((f, a))
    return out


def _afi_items(paras: list[Para], j: int) -> list[tuple[Finding, Action | None]]:
    """Group an AFI section's paragraphs into statements (see module doc)."""
    items: list[list[Para]] = []
    square = False  # an Ofsted-style list (◼ The quality of …): each square bullet is one area, "should" or not
    for p in paras[j:]:
        t = p.text
        is_bullet = bool(BULLET.match(t))
        body = _ITEM_NUM.sub("", BULLET.sub("", t, count=1), count=1)
        if _PAGE_NO.match(t):
            continue  # page furniture
        if (_MAJOR.match(t) and not _SHOULD.search(t)) or _AFI_HEAD.match(t) or _REC.match(t) or _CAUSE.match(t):
            break
        if not items and _OBULLET.match(t):
            square = True
        if square and _OBULLET.match(t):
            items.append([p])
            continue
        if square and not is_bullet and not (body[:1].islower() and not re.search(r"[.!?:;]$", _afi_text(items[-1]))):
            break  # the square-bullet list has ended
        if items and not is_bullet and not re.search(r"[.!?:;]$", _afi_text(items[-1])) and body[:1].islower():
            items[-1].append(p)  # the rest of a statement cut by a page break
        elif _SHOULD.search(body) and not re.match(r"^This\b", body):
            items.append([p])
        elif items and (is_bullet or re.match(r"^This\b", body)):
            items[-1].append(p)
        elif not is_bullet and len(body.split()) <= 14 and not body.endswith("."):
            continue  # a sub-heading such as "First point of contact"
        else:
            break
    out = []
    for n, ps in enumerate(items, 1):
        text = _afi_text(ps)
        out.append(_with_action("area_for_improvement", f"Area for improvement {n}", text, ps[0].start, ps[-1].end))
    return out


def _afi_text(ps: list[Para]) -> str:
    return " ".join(_ITEM_NUM.sub("", BULLET.sub("", q.text, count=1), count=1) for q in ps)


# ------------------------------------------------------------------ Ofsted
# the heading, with or without "?", "in this local authority?" or a footnote mark ("improve?1")
_WNTI = re.compile(r"^What needs to improve\b[^.:;]{0,60}$", re.I)
_LA = re.compile(r"Inspection of\s+(?P<la>[A-Z][\w ,.'’&\-]{1,60}?)\s+local\s+authority\s+children[’']?s\s+services", re.S)
# the framework's judgement headings that follow the list (not an item that opens "The impact of leaders and …")
_OFSTED_STOP = re.compile(r"^(?:The experiences and progress of (?:children|care leavers)|The impact of leaders on social work"
                          r"|Overall effectiveness\b|\d{1,3}\.\s)", re.I)
_END = re.compile(r"[.?!][\"”’)]*$|[.?!]\s*\([^()]{1,40}\)$")  # a sentence end, maybe with "(Outcome three)" after it
_PAGE_HEAD = re.compile(r"^Inspection of .+ children[’']?s services\s*$", re.I)
# page furniture that a text or PDF reader can leave between two items of the list
_FURNITURE = re.compile(r"^(?:(?:page\s+)?\d{1,3}(?:\s+of\s+\d{1,3})?|www\.gov\.uk/ofsted\S*|©\s*Crown copyright.*"
                        r"|\d{1,2}\s+[A-Z][a-z]+\s+\d{4})$", re.I)
_OBULLET = re.compile(r"^[◼■▪●•\uf0a7\uf0b7\uf06e]\s*")
_DASH = re.compile(r"^[-–*]\s+")  # a dash list: the items themselves when the list opens with a dash
_NUM = re.compile(r"^(?:\d{1,2}[.)]|\(\d{1,2}\))\s+")
_SUB = re.compile(r"^[−–\-o◦]\s*")
WNTI_SECTION = "What needs to improve"


def _ofsted(text: str) -> list[tuple[Finding, Action | None]]:
    """Each item under 'What needs to improve' is one area for improvement: ◼ bullets (their
    "−" sub-points stay with them), or a dash / numbered list, or, with no markers at all,
    one item per line that ends a sentence. Page furniture between items is skipped."""
    out: list[tuple[Finding, Action | None]] = []
    la = _LA.search(text)
    addressees = [norm(la.group("la"))] if la else []
    ls = lines(text)
    for k, ln in enumerate(ls):
        if not _WNTI.match(ln.clean):
            continue
        items = _wnti_items(ls[k + 1:])
        for n, (s, e, t) in enumerate(items, 1):
            out.append((Finding(index=0, kind="area_for_improvement", text=t, label=f"What needs to improve {n}",
                                addressees=list(addressees), start=s, end=e, section=WNTI_SECTION), None))
        break
    return out


def _wnti_items(ls: list) -> list[list]:
    items: list[list] = []  # [start, end, text]
    marker = None  # the list's own item marker, from its first line
    for nxt in ls:
        c = nxt.clean
        if not c or _PAGE_HEAD.match(c) or _FURNITURE.match(c):
            continue
        if marker is None and _NUM.match(c):
            marker = _NUM  # a numbered list right under the heading is the list, not the judgement's paragraphs
        if _OFSTED_STOP.match(c) and not (marker is _NUM and _NUM.match(c)):
            break
        if marker is None:
            marker = next((m for m in (_OBULLET, _DASH, _NUM) if m.match(c)), False)
        is_item = bool(marker.match(c)) if marker else (not items or _END.search(items[-1][2]) is not None)
        if is_item and marker is _DASH and items and re.search(r"[:;]$", items[-1][2]) and marker.sub("", c)[:1].islower():
            is_item = False  # one dash for both levels: a lower-case point after "including:" / "…;" is a sub-point
            items[-1][1], items[-1][2] = nxt.end, items[-1][2] + " " + c
            continue
        if is_item:
            if not marker and items and is_heading(c) and not _END.search(c):
                break  # unmarked list: a heading after a finished item ends it
            items.append([nxt.start, nxt.end, marker.sub("", c, count=1) if marker else c])
        elif items and ((marker is _OBULLET and _SUB.match(c)) or not _END.search(items[-1][2])):
            items[-1][1], items[-1][2] = nxt.end, items[-1][2] + " " + c
        else:
            break
    return items
