"""Import any table of recommendations and responses, given which column holds what.

``precedent ingest plan.xlsx --columns finding=Recommendation,action=Update,owner=Lead``:
each row becomes a finding with its action; rows sharing a ``reference`` form one document
(an action plan); without a reference column the whole file is one document.
Datasets recognised by their header row (PFD reports, responses, the tracker) are read by
``corpus.readers.datasets`` instead."""
from __future__ import annotations

import csv
import io
from pathlib import Path

from corpus.dates import parse_date, parse_due
from corpus.readers.limits import DEFAULT as DEFAULT_LIMITS, Limits, check_file_size, check_zip
from corpus.records import Action, Block, Document, Extraction, Finding, ReadError, ReadResult

ROLES = ("finding", "action", "owner", "date", "status", "reference", "title", "updated")
STATUS_WORDS = [
    ("not started", "not_started"), ("not yet started", "not_started"), ("complete", "completed"),
    ("closed", "completed"), ("achieved", "completed"), ("done", "completed"), ("in progress", "ongoing"),
    ("ongoing", "ongoing"), ("on track", "ongoing"), ("open", "ongoing"), ("partial", "ongoing"),
    ("red", "red"), ("amber", "amber"), ("green", "green"),
]


def parse_columns(spec: str) -> dict[str, str]:
    """``"finding=Rec,action=Update"`` -> {"finding": "Rec", "action": "Update"}."""
    out: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        role, sep, col = part.partition("=")
        role = role.strip().lower()
        if not sep or not col.strip():
            raise ValueError(f"--columns part {part!r} is not ROLE=COLUMN")
        if role not in ROLES:
            raise ValueError(f"unknown column role {role!r}; roles: {', '.join(ROLES)}")
        if role in out:  # one would be dropped unsaid
            raise ValueError(f"--columns names the role {role} more than once; give each role one column")
        out[role] = col.strip()
    if "finding" not in out:
        raise ValueError("--columns must name the finding column (finding=COLUMN)")
    return out


def status_word(text: str) -> str | None:
    t = " ".join(text.lower().split())
    if t in ("r", "a", "g"):
        return {"r": "red", "a": "amber", "g": "green"}[t]
    for word, status in STATUS_WORDS:
        if word in t:
            return status
    return None


def _rows(path: Path, limits: Limits) -> tuple[list[str], list[list[str]]]:
    check_file_size(path.stat().st_size, limits)
    data = path.read_bytes()
    if data[:2] == b"PK":
        import openpyxl
        import zipfile
        import zlib

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                check_zip(z, limits)  # openpyxl inflates whole members: refuse a bomb first
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, zlib.error):
            raise ReadError("corrupt spreadsheet (bad zip data)") from None
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as e:  # noqa: BLE001
            raise ReadError(f"corrupt spreadsheet ({e})") from None
        rows = [["" if c is None else str(c) for c in r] for r in wb.worksheets[0].iter_rows(values_only=True)]
        wb.close()
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows = list(csv.reader(io.StringIO(text), dialect))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise ReadError("spreadsheet is empty")
    return [h.strip() for h in rows[0]], rows[1:]


def read_mapped_table(path: str | Path, columns: dict[str, str], limits: Limits | None = None) -> ReadResult:
    """Documents whose findings and actions come straight from the named columns."""
    path = Path(path)
    header, rows = _rows(path, limits or DEFAULT_LIMITS)
    lower = {h.lower(): i for i, h in enumerate(header)}
    idx: dict[str, int] = {}
    for role, col in columns.items():
        if col.lower() not in lower:
            raise ReadError(f"column {col!r} (for {role}) not in the table; columns are: {', '.join(header)}")
        idx[role] = lower[col.lower()]
    groups: dict[str, list[list[str]]] = {}
    for r in rows:
        r = r + [""] * (len(header) - len(r))
        if not r[idx["finding"]].strip():
            continue
        ref = r[idx["reference"]].strip() if "reference" in idx else ""
        groups.setdefault(ref, []).append(r)
    if not groups:
        raise ReadError("no rows with text in the finding column")
    docs = [_document(path, ref, grp, idx) for ref, grp in groups.items()]
    return ReadResult(documents=docs)


def _document(path: Path, ref: str, rows: list[list[str]], idx: dict[str, int]) -> Document:
    get = lambda r, role: r[idx[role]].strip() if role in idx else ""  # noqa: E731
    blocks: list[Block] = []
    x = Extraction(type="action_plan")
    pos = 0
    for n, r in enumerate(rows):
        finding = get(r, "finding")
        action = get(r, "action")
        lines = [f"Recommendation {n + 1}: {finding}"]
        if action:
            lines.append(f"Action: {action}")
        for role, label in (("owner", "Owner"), ("date", "Target date"), ("status", "Status")):
            if get(r, role):
                lines.append(f"{label}: {get(r, role)}")
        text = "\n".join(lines)
        f_start = pos + len("Recommendation : ") + len(str(n + 1))
        x.findings.append(Finding(index=n, kind="recommendation", text=finding, label=f"Recommendation {n + 1}",
                                  addressees=[get(r, "owner")] if get(r, "owner") else [],
                                  start=f_start, end=f_start + len(finding)))
        if action or get(r, "date") or get(r, "status"):
            a_start = pos + text.index("Action: ") + len("Action: ") if action else None
            x.actions.append(Action(
                kind="action_taken" if action else "action_required", text=action or finding,
                owner=get(r, "owner") or None, due=parse_due(get(r, "date")) if get(r, "date") else None,
                due_text=get(r, "date") or None, updated=parse_date(get(r, "updated")) if get(r, "updated") else None,
                status=status_word(get(r, "status")) if get(r, "status") else None, finding_indexes=[n],
                start=a_start, end=a_start + len(action) if action else None))
        blocks.append(Block(text, section=f"Recommendation {n + 1}"))
        pos += len(text) + 2
    title = get(rows[0], "title") or (f"{ref} — action plan" if ref else f"{path.stem} — action plan")
    return Document(title=title, source=f"{path}" + (f"#reference={ref}" if ref else ""), blocks=blocks,
                    type="action_plan", reference=ref or None, extraction=x,
                    meta={"imported_columns": {k: v for k, v in idx.items()}})
