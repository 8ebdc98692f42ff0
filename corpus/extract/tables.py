"""Action-plan tables (DHR / CSPR / SAR action plans): tab-separated rows.

Columns are discovered from each header row by meaning (recommendation, agency, action,
lead, target date, action taken, progress, RAG), never by position. Rows are rebuilt from
tab counts, because a cell may span several lines (``<p>`` parts) and a recommendation may
continue over "page breaks" in rows whose first cell is empty or runs on mid-sentence.
Inside a recommendation, sub-actions ("1.1", "ii)") or, failing numbering, paragraphs that
line up with several leads / target dates, become one action each, their lead and date
taken positionally from the parallel cells."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from corpus.records import Action, Finding
from corpus.extract.common import FILL, dates_in, due_of, lines, norm, status_of

ROLES = ("recommendation", "agency", "action", "lead", "target", "taken", "progress", "rag")
_ROLE_PATTERNS = [  # first match wins: the order settles headers such as "Agreed by Agency Lead"
    ("rag", re.compile(r"\bRAG\b|\bstatus\b|\brating\b", re.I)),
    ("taken", re.compile(r"taken|update|summary|evidence|outcome|comments?", re.I)),
    ("progress", re.compile(r"progress|finali[sz]|sub[- ]?group|audit|assurance", re.I)),
    ("target", re.compile(r"target|date|due|deadline|timescale|by when|completion", re.I)),
    ("action", re.compile(r"action|activity|tasks?\b|how\b", re.I)),
    ("lead", re.compile(r"implementation|responsible|owner|officer", re.I)),
    ("agency", re.compile(r"agency|agencies|agreed|organi[sz]ation|partner", re.I)),
    ("lead", re.compile(r"\blead\b|\bby whom\b|\bwho\b", re.I)),
    ("recommendation", re.compile(r"recommendation|finding|learning|issue", re.I)),
]
_LABEL = re.compile(r"^Recommendations?\s*(?P<num>\d{1,3}(?:\.\d+)?)?\s*[.:)\-–]?\s*", re.I)
_NUMLEAD = re.compile(r"^(?P<num>\d{1,2})[.)]?\s+(?=[A-Z])")
_SUBNUM = re.compile(r"^(?:\d{1,2}\.\d{1,2}\.?|\(?[ivx]{1,4}\)|\(?[a-h]\)|\d{1,2}\))\s+")
_PARTSPLIT = re.compile(r"\n| {2,}")
_LEADPFX = re.compile(r"^(?:Leads?|Owner|Responsible)\s*[-–:]\s*", re.I)
_BUL = re.compile(r"^[•◦▪\-–]\s*")


@dataclass
class Part:
    start: int
    end: int
    text: str


@dataclass
class Row:
    cells: list[list[Part]]
    start: int
    notab: bool = False  # a line with no cell separator: a heading or prose, not a row

    def text(self, i: int) -> str:
        return " ".join(p.text for p in self.cells[i]) if i < len(self.cells) else ""


@dataclass
class Rec:
    """One recommendation gathered over its rows."""

    label_num: str | None
    start: int
    end: int
    cols: dict[str, list[Part]] = field(default_factory=dict)
    heading_agency: str | None = None


def header_roles(cells: list[str]) -> list[str | None] | None:
    """Role of each header cell, or None if this line is not an action-plan header."""
    roles: list[str | None] = []
    for c in cells:
        c = norm(c)
        role = next((r for r, pat in _ROLE_PATTERNS if c and pat.search(c)), None)
        roles.append(role)
    known = {r for r in roles if r}
    filled = [norm(c) for c in cells if norm(c)]
    if len(filled) < 4 or any(len(c.split()) > 8 for c in filled) or roles.count("recommendation") != 1:
        return None
    if "recommendation" in known and len(known & {"action", "lead", "target", "taken", "rag", "agency", "progress"}) >= 2:
        return roles
    return None


def _parts(text: str, offset: int) -> list[Part]:
    """Split one cell segment into its paragraphs (``<p>`` breaks or runs of spaces)."""
    out: list[Part] = []
    pos = 0
    for m in list(_PARTSPLIT.finditer(text)) + [None]:
        seg_end = m.start() if m else len(text)
        seg = text[pos:seg_end]
        t = norm(seg)
        if t:
            lead = len(seg) - len(seg.lstrip(" \t" + FILL))
            out.append(Part(offset + pos + lead, offset + seg_end, t))
        if m:
            pos = m.end()
    return out


def _rows(text: str, start: int, end: int, ncols: int) -> list[Row]:
    """Rebuild table rows from lines: a row ends once it has all its tabs, or at a blank
    line after at least one tab (page-broken rows often have merged, fewer cells)."""
    rows: list[Row] = []
    cells: list[list[Part]] = [[]]
    row_start = None
    ls = lines(text, start, end)

    def blank(i: int) -> bool:
        return i >= len(ls) or (not norm(ls[i].text) and "\t" not in ls[i].text)

    def close() -> None:
        nonlocal cells, row_start
        if len(cells) < ncols:  # merged cells: keep the row's right-hand columns aligned
            cells = [cells[0]] + [[] for _ in range(ncols - len(cells))] + cells[1:] if cells[0] == [] else \
                cells + [[] for _ in range(ncols - len(cells))]
        rows.append(Row(cells, row_start if row_start is not None else end))
        cells, row_start = [[]], None

    filled = [ln for ln in ls if norm(ln.text)]
    if filled and sum("\t" in ln.text for ln in filled) >= 0.75 * len(filled):
        # the reader kept each row on one line (cell paragraphs joined by spaces)
        for ln in filled:
            pos, cells = ln.start, []
            for seg in ln.text.split("\t"):
                if len(cells) < ncols:
                    cells.append(_parts(seg, pos))
                else:
                    cells[-1].extend(_parts(seg, pos))
                pos += len(seg) + 1
            rows.append(Row(cells + [[] for _ in range(ncols - len(cells))], ln.start, "\t" not in ln.text))
        return rows
    k = 0
    while k < len(ls):
        ln = ls[k]
        k += 1
        if blank(k - 1):
            if len(cells) == 1:  # prose between tables, not a row
                cells, row_start = [[]], None
            continue
        segs = ln.text.split("\t")
        pos = ln.start
        for si, seg in enumerate(segs):
            if si:
                if len(cells) < ncols:
                    cells.append([])
                pos += 1
            if row_start is None:
                row_start = pos
            cells[-1].extend(_parts(seg, pos))
            pos += len(seg)
        if len(cells) >= ncols and (len(segs) > 1 or cells[-1]):
            if not cells[-1] and k < len(ls) and "\t" not in ls[k].text and status_of(ls[k].text):
                cells[-1].extend(_parts(ls[k].text, ls[k].start))
                k += 1
            close()
        elif len(cells) > 1 and blank(k):
            close()
    if len(cells) > 1:
        close()
    return rows


def extract_tables(text: str, base: int = 0) -> tuple[list[Finding], list[Action]]:
    """Every action-plan table in the (masked) text."""
    headers = []
    for ln in lines(text):
        if ln.text.count("\t") >= 3:
            roles = header_roles(ln.text.split("\t"))
            if roles:
                headers.append((ln, roles))
    findings: list[Finding] = []
    actions: list[Action] = []
    for h, (ln, roles) in enumerate(headers):
        end = headers[h + 1][0].start if h + 1 < len(headers) else len(text)
        rows = _rows(text, ln.end + 1, end, len(roles))
        for rec in _group(rows, roles):
            f, acts = _build(rec, base + len(findings))
            findings.append(f)
            actions.extend(acts)
    return findings, actions


def _is_separator(row: Row) -> bool:
    return all(re.fullmatch(r"[-:|=\s]*", row.text(i)) for i in range(len(row.cells)))


def _group(rows: list[Row], roles: list[str | None]) -> list[Rec]:
    """Rows -> recommendations: labelled rows start one, others continue it or name an agency."""
    rec_col = roles.index("recommendation")
    labelled = any(_LABEL.match(r.text(rec_col)) and re.match(r"^Recommendations?\s*\d", r.text(rec_col), re.I) for r in rows)
    recs: list[Rec] = []
    agency: str | None = None
    for row in rows:
        if _is_separator(row):
            continue
        first = row.text(rec_col)
        others = [row.text(i) for i in range(len(row.cells)) if i != rec_col]
        starts = bool(first) and (bool(re.match(r"^Recommendations?\s*\d", first, re.I)) if labelled
                                  else _starts_new(first, recs))
        if row.notab and not starts and not _agency_heading(first):
            continue  # prose between tables
        if first and not any(others) and not starts and _agency_heading(first):
            agency = first
            recs_open = False
            recs.append(Rec(None, -1, -1, heading_agency=agency))  # marker, dropped below
            continue
        if starts or not recs or recs[-1].start == -1:
            if not first and not any(others) or labelled and not starts:
                continue
            m = _LABEL.match(first) if labelled or first.lower().startswith("recommendation") else _NUMLEAD.match(first)
            num = m.group("num") if m else None
            recs.append(Rec(num, row.start, row.start, heading_agency=agency))
            _add(recs[-1], row, roles, new=True)
        else:
            _add(recs[-1], row, roles, new=False)
    return [r for r in recs if r.start != -1]


def _starts_new(first: str, recs: list[Rec]) -> bool:
    """Unlabelled tables: a new row starts a recommendation unless it runs on mid-sentence."""
    if first[:1].islower():
        return False
    if _NUMLEAD.match(first) or re.match(r"^\d{1,2}(?:\.\d+)?[.)]?\s", first):
        return True
    if recs and recs[-1].start != -1:
        prev = " ".join(p.text for p in recs[-1].cols.get("recommendation", []))
        return bool(re.search(r"[.!?)]$", prev)) or not prev
    return True


def _agency_heading(text: str) -> bool:
    return len(text.split()) <= 12 and not text.endswith(".") and text[:1].isupper() and not status_of(text)


def _add(rec: Rec, row: Row, roles: list[str | None], new: bool) -> None:
    """Append a row's cells to the recommendation, joining parts split by a page break."""
    for i, role in enumerate(roles):
        if role is None or i >= len(row.cells) or not row.cells[i]:
            continue
        parts = list(row.cells[i])
        col = rec.cols.setdefault(role, [])
        if col and not new and _runs_on(col[-1].text, parts[0].text):
            last = col[-1]
            col[-1] = Part(last.start, parts[0].end, last.text + " " + parts[0].text)
            parts = parts[1:]
        col.extend(parts)
        rec.end = max(rec.end, max(p.end for p in row.cells[i]))


def _runs_on(prev: str, nxt: str) -> bool:
    if nxt[:1].islower():
        return True
    return (not re.search(r"[.!?:;)]$", prev) and len(nxt.split()) <= 2 and nxt[:1].isupper()
            and not status_of(nxt) and not dates_in(nxt))


def _merge_continuations(parts: list[Part], bullets: bool = True) -> list[Part]:
    """Join lowercase run-ons (and bullet items) to the paragraph they continue."""
    out: list[Part] = []
    for p in parts:
        if out and (p.text[:1].islower() or (bullets and _BUL.match(p.text))):
            out[-1] = Part(out[-1].start, p.end, out[-1].text + " " + p.text)
        else:
            out.append(p)
    return out


def _build(rec: Rec, index: int) -> tuple[Finding, list[Action]]:
    """A recommendation's finding and its sub-actions."""
    rparts = rec.cols.get("recommendation", [])
    rtext = " ".join(p.text for p in rparts)
    body = _LABEL.sub("", rtext, count=1).strip() if rtext.lower().startswith("recommendation") else rtext
    num = rec.label_num
    if not num:
        m = _NUMLEAD.match(body)
        num = m.group("num") if m else None
        body = _NUMLEAD.sub("", body, count=1) if m else body
    agencies = [p.text for p in _merge_continuations(rec.cols.get("agency", []))]
    addressees = ([rec.heading_agency] if rec.heading_agency else []) + [a for a in agencies if a != rec.heading_agency]
    f = Finding(index=index, kind="recommendation", text=body or rtext, label=f"Recommendation {num}" if num else None,
                addressees=addressees, start=rparts[0].start if rparts else rec.start,
                end=rparts[-1].end if rparts else rec.end)
    status, updated = _status(rec), _updated(rec)
    leads = _leads(rec.cols.get("lead", []))
    targets = [p for p in _split_dates(rec.cols.get("target", []))
               if p.text and (dates_in(p.text) or len(p.text.split()) <= 6)]
    acts = [a for a in _sub_actions(rec.cols.get("action", []), max(len(leads), len(targets))) if not name_only(a.text)]
    if not acts:
        acts = [Part(f.start or rec.start, f.end or rec.end, body or rtext)]
    fallback_owner = ("; ".join(agencies) if agencies else None) or rec.heading_agency
    actions = []
    for k, a in enumerate(acts):
        if len(acts) == 1 and len(leads) > 1:
            owner = "; ".join(leads)
        else:
            owner = leads[min(k, len(leads) - 1)] if leads else fallback_owner
        t = targets[min(k, len(targets) - 1)].text if targets else None
        actions.append(Action(kind="action_required", text=a.text, owner=owner, due=due_of(t) if t else None,
                              due_text=t, updated=updated, status=status, finding_indexes=[index],
                              start=a.start, end=a.end))
    return f, actions


_INLINE_SUB = re.compile(r"(?<=[\s.;:])(?=(?:\d{1,2}\.\d{1,2}\.?|\(?[ivx]{1,4}\))\s+[A-Za-z])")
_INLINE_LEAD = re.compile(r"(?<=\s)(?=Leads?\s*[-–:]\s)")


def _split_at(parts: list[Part], pat: re.Pattern[str]) -> list[Part]:
    """Split parts where paragraphs were joined by a single space (''1.1 … 1.2 …'')."""
    out: list[Part] = []
    for p in parts:
        cuts = [m.start() for m in pat.finditer(p.text) if m.start() > 0]
        if not cuts:
            out.append(p)
            continue
        prev = 0
        for c in cuts + [len(p.text)]:
            seg = p.text[prev:c].strip()
            if seg:
                out.append(Part(p.start, p.end, seg))
            prev = c
    return out


def _split_dates(parts: list[Part]) -> list[Part]:
    """'30/06/16 31/07/16' in one cell paragraph -> one part per date."""
    from corpus.dates import find_dates
    from corpus.extract.common import norm_date_text
    out: list[Part] = []
    for p in parts:
        t = norm_date_text(p.text)
        found = find_dates(t)
        rest = t
        for s, e, _ in found:
            rest = rest.replace(t[s:e], " ")
        if len(found) >= 2 and len(rest.split()) <= 2:
            out.extend(Part(p.start, p.end, t[s:e]) for s, e, _ in found)
        else:
            out.append(p)
    return out


def _leads(parts: list[Part]) -> list[str]:
    """Lead names; when some parts say 'Lead -', the others are notes, not leads."""
    parts = _split_at(_merge_continuations(parts), _INLINE_LEAD)
    if any(_LEADPFX.match(p.text) for p in parts):
        parts = [p for p in parts if _LEADPFX.match(p.text)]
    out = [_LEADPFX.sub("", p.text).strip(" -–") for p in parts]
    return [o for o in out if o]


def _sub_actions(parts: list[Part], parallel: int) -> list[Part]:
    """Numbered sub-actions, else paragraphs lining up with several leads/dates, else one."""
    split = _split_at(parts, _INLINE_SUB)
    parts = [p for p in split if not re.match(r"^Aim\s*:", p.text, re.I)] or split
    if not parts:
        return []
    if any(_SUBNUM.match(p.text) for p in parts):
        out: list[Part] = []
        for p in parts:
            if _SUBNUM.match(p.text):
                out.append(p)
            elif out:
                out[-1] = Part(out[-1].start, p.end, out[-1].text + " " + p.text)
        return out
    merged = _merge_continuations(parts)
    if parallel > 1 and len(merged) == parallel:
        return merged
    if parallel > 1 and len(merged) == 1:  # paragraphs joined by the reader: try sentences
        sents = [x for x in re.split(r"(?<=[.!?])\s+(?=[A-Z])", merged[0].text) if x]
        if len(sents) == parallel:
            return [Part(merged[0].start, merged[0].end, x) for x in sents]
    return [Part(merged[0].start, merged[-1].end, " ".join(p.text for p in merged))]


def _status(rec: Rec) -> str | None:
    """RAG cell first; else the last status word stated in the update / progress text."""
    for p in reversed(rec.cols.get("rag", [])):
        s = status_of(p.text)
        if s:
            return s
    found = None
    for role in ("taken", "progress"):
        for p in rec.cols.get(role, []):
            s = status_of(p.text)
            if s:
                found = s
    return found


_UPDATE_NEAR = re.compile(r"(?:update[ds]?|completed?|closed|reviewed|confirmed)\b", re.I)


def _updated(rec: Rec) -> str | None:
    """Date of the latest update in the action-taken text ('update on 25th July 2017')."""
    text = " ".join(p.text for p in rec.cols.get("taken", []))
    if not text:
        return None
    from corpus.dates import find_dates
    from corpus.extract.common import norm_date_text
    t = norm_date_text(text)
    near, other = [], []
    for s, e, iso in find_dates(t):
        before, after = t[max(0, s - 30):s], t[e:e + 15]
        if re.search(r"\bby\s+(?:the\s+)?$", before, re.I):
            continue  # a future deadline, not an update
        (near if _UPDATE_NEAR.search(before) or _UPDATE_NEAR.search(after) else other).append(iso)
    pool = near or other
    return max(pool) if pool else None


_SMALL = {"of", "and", "for", "the", "&", "in", "on", "to", "with", "at"}


def name_only(text: str) -> bool:
    """A cell that only names a team or body ("Professional Standards Department (in
    conjunction with Operational Command & Control Supervisors)"): every word outside
    brackets capitalised, ending in a body or role word, and no verb (will, to be, is, has).
    Not an action text."""
    bare = re.sub(r"\([^)]*\)", " ", text)
    words = re.findall(r"[A-Za-z][A-Za-z'’\-]*|&", bare)
    if not words or len(words) > 12:
        return False
    if re.search(r"\b(?:will|shall|to\s+be|is|are|was|were|has|have)\b", bare, re.I):
        return False
    return (all(w[0].isupper() or w.lower() in _SMALL for w in words) and words[-1].lower() in _BODY_WORDS)


_BODY_WORDS = {"department", "team", "teams", "unit", "service", "services", "board", "group", "directorate", "trust",
               "council", "police", "constabulary", "partnership", "division", "office", "committee", "panel", "agency",
               "authority", "lead", "leads", "manager", "managers", "supervisors", "officer", "officers", "director",
               "safeguarding", "nhs", "ccg", "icb", "hospital", "practice", "surgery"}
