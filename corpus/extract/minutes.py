"""Board and committee minutes: actions and clearly marked lessons / key findings.

Actions are what the minutes mark as actions: bold text (``**…**`` or ``<b>…</b>`` if the
reader kept it — many minutes say "actions are highlighted in bold") and "ACTION –" /
"Action:" lines. The owner is whoever the action names ("ACC Jardine to …", "West Midlands
Police will …"), else the person who presented or answered the item it sits in. Findings
are the bullets of an item or section headed "Lessons learned" / "Key findings"."""
from __future__ import annotations

import re

from corpus.records import Action, Finding
from corpus.extract.common import BULLET, Para, due_of, norm, paragraphs

_ITEM = re.compile(r"^\s*(?P<num>\d{2,3}/\d{2})\b", re.M)
_ACTION_LINE = re.compile(
    r"(?:^[ \t]*(?:[-•][ \t]*)?(?:ACTIONS?|Actions?)|\bACTIONS?)[ \t]*(?:\d+[ \t]*)?[:\-–][ \t]*(?P<body>[^\n]*?(?:[.!?](?=\s|$)|(?=\n)|$))",
    re.M,
)
_BOLD = re.compile(r"\*\*(?P<a>[^*]{10,1500}?)\*\*|<(?:b|strong)>(?P<b>[^<]{10,1500}?)</(?:b|strong)>", re.S | re.I)
_PRESENTER = re.compile(r"presented by (?:the )?(?P<p>(?:[A-Z][\w.'’]*\s?){1,4})")
_ANSWERER = re.compile(r"\bThe (?P<p>(?:[A-Z][\w'’]*\s?){1,4}) (?:responded|advised|stated|confirmed|agreed)")
_NAMED = re.compile(r"(?P<o>(?:[A-Z][\w&'’.]*\s){0,4}[A-Z][\w&'’.]*)\s+(?:will|to|can|should|agreed to|is to)\s+[a-z]")
_NOT_OWNER = {"There", "It", "This", "That", "The", "Apologies", "Assurance", "ACTION", "Action", "We", "They", "Item"}
_BY = re.compile(r"\b(?:by|before|deadline:?|due:?)\s+(?:the\s+)?(?P<d>(?:\d{1,2}(?:st|nd|rd|th)?\s+)?[A-Z][a-z]+\s+\d{4}|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}|end of [A-Z][a-z]+(?: \d{4})?)", re.I)
_LESSON_HEAD = re.compile(r"lessons?\s+(?:to\s+be\s+)?learn(?:ed|t)|key\s+findings?", re.I)


def extract_minutes(raw: str, text: str, base: int = 0) -> tuple[list[Finding], list[Action]]:
    """``raw`` is doc.text (bold may survive there), ``text`` its masked view."""
    items = _items(text)
    actions = _actions(raw, text, items)
    findings = _lessons(text, items, actions, base)
    return findings, actions


def _items(text: str) -> list[tuple[int, int]]:
    """(start, end) of each numbered agenda item ('004/20'); the whole text if none."""
    starts = [m.start("num") for m in _ITEM.finditer(text)]
    if not starts:
        return [(0, len(text))]
    return [(s, starts[i + 1] if i + 1 < len(starts) else len(text)) for i, s in enumerate(starts)]


def _item_at(items: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    for s, e in items:
        if s <= pos < e:
            return s, e
    return 0, pos


def _actions(raw: str, text: str, items: list[tuple[int, int]]) -> list[Action]:
    spans: list[tuple[int, int, str]] = []
    first_item = items[0][0] if len(items) > 1 else 0
    for m in _BOLD.finditer(raw):
        body = norm(m.group("a") or m.group("b"))
        if m.start() < first_item or len(body.split()) < 5:
            continue  # titles and headings are bold too
        spans.append((m.start(), m.end(), body))
    for m in _ACTION_LINE.finditer(text):
        if not any(s <= m.start() < e for s, e, _ in spans):
            spans.append((m.start(), m.end(), norm(m.group("body"))))
    out = []
    for s, e, body in sorted(spans):
        body = re.sub(r"^(?:ACTIONS?|Actions?)\s*[:\-–]\s*", "", body)
        owner = _owner(body, text, items, s)
        d = _BY.search(body)
        out.append(Action(kind="action_required", text=body, owner=owner, due=due_of(d.group("d")) if d else None,
                          due_text=d.group(0) if d else None, start=s, end=e))
    return out


def _owner(body: str, text: str, items: list[tuple[int, int]], pos: int) -> str | None:
    """Named in the action, else the item's last answerer before it, else its presenter."""
    for m in _NAMED.finditer(body):
        o = m.group("o").strip()
        if o.split()[0] not in _NOT_OWNER or len(o.split()) > 1 and o.split()[0] == "The":
            o = re.sub(r"^The\s+", "", o)
            if o and o.split()[0] not in _NOT_OWNER:
                return o
    s, _ = _item_at(items, pos)
    before = text[s:pos]
    ans = list(_ANSWERER.finditer(before))
    if ans:
        return norm(ans[-1].group("p"))
    pres = list(_PRESENTER.finditer(before))
    if pres:
        return norm(pres[-1].group("p"))
    return None


def _lessons(text: str, items: list[tuple[int, int]], actions: list[Action], base: int) -> list[Finding]:
    """Bullets of items/sections headed 'Lessons learned' / 'Key findings'."""
    out: list[Finding] = []
    paras = paragraphs(text)
    for k, p in enumerate(paras):
        first_line = p.text[:200]
        if not _LESSON_HEAD.search(first_line) or len(first_line.split()) > 20 and not _ITEM.match(p.text):
            continue
        kind = "lesson_learned" if re.search(r"lesson", first_line, re.I) else "key_finding"
        _, end = _item_at(items, p.start) if len(items) > 1 else (0, len(text))
        bullets: list[Para] = []
        for q in paras[k + 1 :]:
            if q.start >= end or _ITEM.match(q.text) or (len(items) <= 1 and _is_heading_like(q.text) and bullets):
                break
            if any(a.start is not None and a.start <= q.end and q.start <= (a.end or 0) for a in actions):
                continue
            if BULLET.match(q.text):
                bullets.append(q)
            elif bullets and not re.search(r"[.!?:]$", bullets[-1].text):
                bullets[-1] = Para(bullets[-1].start, q.end, bullets[-1].text + " " + q.text)
        for q in bullets:
            out.append(Finding(index=base + len(out), kind=kind, text=BULLET.sub("", q.text, count=1),
                               label=f"{'Lesson learned' if kind == 'lesson_learned' else 'Key finding'} {len(out) + 1}",
                               start=q.start, end=q.end))
        if out:
            break
    return out


def _is_heading_like(t: str) -> bool:
    return len(t.split()) <= 8 and not t.endswith(".") and t[:1].isupper() and not BULLET.match(t)
