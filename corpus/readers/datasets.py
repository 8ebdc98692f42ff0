"""Datasets in CSV / XLSX, recognised by their header row:

* PFD-toolkit reports (url,id,date,coroner,area,receiver,investigation,circumstances,concerns)
  → one ``pfd_report`` Document per row;
* PFD responses (parent_id,parent_url,response_url,respondent,response)
  → one ``pfd_response`` Document per row;
* the Preventable Deaths Tracker (ref, response status, no. replies, ...)
  → Annotations only.

Anything else is refused with the columns it has; ``corpus.readers.spreadsheet`` imports any table
of recommendations given a column mapping (``--columns``)."""
from __future__ import annotations

import collections
import csv
import io
import itertools
import logging
import re
import sys
from pathlib import Path
from typing import Iterable, Iterator
from urllib.parse import unquote, urlparse

from corpus.dates import parse_date
from corpus.records import report_title, tidy_person_name
from corpus.records import Annotation, Block, Document, ReadError, ReadResult
from corpus.readers.limits import Limits

log = logging.getLogger(__name__)

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

PFD_COLUMNS = {"url", "id", "date", "coroner", "area", "receiver", "investigation", "circumstances", "concerns"}
RESPONSE_COLUMNS = {"parent_id", "parent_url", "response_url", "respondent", "response"}
TRACKER_REQUIRED = {"ref", "response status", "no. replies"}

PFD_SECTIONS = (
    ("investigation", "Investigation and inquest"),
    ("circumstances", "Circumstances of the death"),
    ("concerns", "Coroner's concerns"),
)


def _norm_header(h: object) -> str:
    return " ".join(str(h or "").replace("\ufeff", "").split()).strip().lower()


def _clean(value: object) -> str:
    if value is None:
        return ""
    s = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\u00a0", " ")
    s = "\n".join(ln.rstrip() for ln in s.split("\n"))
    s = re.sub(r"[ \t]{2,}", " ", s)
    s = re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", s)
    return s.strip()


# ---------------------------------------------------------------- header sniffing

def looks_like_csv(text: str) -> bool:
    """A first line that reads as a header of >= 3 short fields, with the next
    record having the same number of fields."""
    sample = text[:200_000]
    first = next((ln for ln in sample.split("\n") if ln.strip()), "")
    if not first or len(first) > 2000:
        return False
    for delim in (",", "\t", ";"):
        if first.count(delim) < 2:
            continue
        try:
            rows = csv.reader(io.StringIO(sample.lstrip("\n")), delimiter=delim)
            header = next(rows)
            if len(header) < 3 or any(len(h) > 60 for h in header):
                continue
            if sum(1 for h in header if h.strip()) < 0.8 * len(header):
                continue
            second = next(rows, None)
        except csv.Error:
            continue
        if second is None or len(second) == len(header):
            return True
    return False


def _delimiter(text: str) -> str:
    first = next((ln for ln in text[:20000].split("\n") if ln.strip()), "")
    counts = {d: first.count(d) for d in (",", "\t", ";")}
    return max(counts, key=counts.get)


# ---------------------------------------------------------------- entry points

def read_csv_text(text: str, path: Path, limits: Limits | None = None) -> ReadResult:
    """The records of a dataset CSV. A record whose quoted field runs on into what reads as the
    next record (an unclosed quote) is reported, and reading starts again at that record, so one
    bad cell costs its own row, never the good rows after it."""
    delim = _delimiter(text)
    lines = re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)
    problems: list[dict] = []
    head = csv.reader(iter(lines), delimiter=delim)
    try:
        header = next(head, None)
    except csv.Error as e:
        raise ReadError(f"malformed CSV ({e})") from None
    if not header:
        raise ReadError("empty file")
    result = _read_rows(header, _checked_records(lines, delim, path, problems, head.line_num), path)
    result.problems[:0] = problems
    return result


def _shape(value: str) -> str:
    """The look of a field's start: letters, digits and punctuation classes ("2024-0123" → "9-9")."""
    s = re.sub(r"[A-Za-z]+", "a", value.strip()[:40])
    return re.sub(r"\d+", "9", s)[:10]


def _parse(lines: list[str], start: int, delim: str) -> list[tuple[list[str], int, int]]:
    """Records from physical line ``start`` (0-based) on, each with its first and last line."""
    out = []
    reader = csv.reader(itertools.islice(lines, start, None), delimiter=delim)
    before = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return out
        except csv.Error as e:
            raise ReadError(f"malformed CSV at line {start + reader.line_num} ({e})") from None
        out.append((row, start + before, start + reader.line_num - 1))
        before = reader.line_num


def _checked_records(lines: list[str], delim: str, path: Path, problems: list[dict], start: int) -> Iterator[list]:
    """The records from line ``start`` (0-based) on, each one that runs on into a following record
    reported in ``problems`` and yielded as ``[]`` (reading starts again at the record it swallowed)."""
    while True:
        recs = _parse(lines, start, delim)
        sig = _record_signature([r for r, _, _ in recs])
        bad = None
        if sig is not None:
            bad = next(((i, k) for i, (row, a, b) in enumerate(recs) if b > a
                        for k in range(a + 1, b + 1) if _starts_record(lines[k], sig, delim)), None)
        if bad is None:
            for row, _, _ in recs:
                yield row
            return
        i, k = bad
        for row, _, _ in recs[:i]:
            yield row
        a = recs[i][1]
        problems.append({"source": f"{path}#line={a + 1}", "reason":
                         f"the record at line {a + 1} runs on into the next record at line {k + 1} "
                         "(an unclosed quote?): that record is not read; reading went on at line "
                         f"{k + 1}"})
        yield []  # an empty row keeps the row numbers of the rows after it
        start = k


def _record_signature(rows: list[list[str]]) -> tuple[str, str] | None:
    """The look of the first two fields shared by at least 80% of the records (3 or more), or None."""
    shapes = [(_shape(r[0]), _shape(r[1])) for r in rows if len(r) >= 3]
    if len(shapes) < 3:
        return None
    top, n = collections.Counter(shapes).most_common(1)[0]
    if n < 0.8 * len(shapes) or not any(ch in "9:/-." for ch in top[0] + top[1]):
        return None  # no shape, or one too plain to tell a record's start from prose
    return top


def _starts_record(line: str, sig: tuple[str, str], delim: str) -> bool:
    if line.count(delim) < 2:
        return False
    try:
        first = next(csv.reader([line], delimiter=delim), [])
    except csv.Error:
        return False
    return len(first) >= 3 and (_shape(first[0]), _shape(first[1])) == sig


def read_xlsx(path: Path) -> ReadResult:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover
        raise ReadError("spreadsheet support is not installed (openpyxl missing)") from None
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:
        raise ReadError(f"corrupt spreadsheet ({str(e)[:120] or type(e).__name__})") from None
    try:
        ws = wb.worksheets[0] if wb.worksheets else None
        if ws is None:
            raise ReadError("spreadsheet has no sheets")
        rows = ws.iter_rows(values_only=True)
        header = None
        for row in rows:
            if row and any(c not in (None, "") for c in row):
                header = ["" if c is None else str(c) for c in row]
                break
        if header is None:
            raise ReadError("spreadsheet is empty")
        data = (["" if c is None else str(c) for c in row] for row in rows)
        return _read_rows(header, data, path)
    finally:
        try:
            wb.close()
        except Exception as e:  # closing a read-only workbook: nothing to lose, but say so
            log.debug("%s: closing the workbook failed (%s: %s)", path, type(e).__name__, e)


def _read_rows(header: list, rows: Iterable[list], path: Path) -> ReadResult:
    cols = [_norm_header(h) for h in header]
    colset = set(cols)
    if PFD_COLUMNS <= colset:
        handler = pfd_row
    elif RESPONSE_COLUMNS <= colset:
        handler = _response_row
    elif TRACKER_REQUIRED <= colset:
        handler = None
    else:
        shown = ", ".join(c for c in cols if c)[:300] or "(no header)"
        raise ReadError(
            f"spreadsheet with unrecognised columns: {shown}; import it with --columns "
            "to say which column holds the text, title, date and reference"
        )
    result = ReadResult()
    n = 0
    for row in rows:
        if not row:  # a record reported by the reader: counted, so the rows after it keep their numbers
            n += 1
            continue
        if not any(str(c).strip() for c in row):
            continue
        n += 1
        rec = {cols[i]: row[i] if i < len(row) else "" for i in range(len(cols)) if cols[i]}
        if handler is None:
            ann = _tracker_row(rec)
            if ann:
                result.annotations.append(ann)
            continue
        why = _not_a_record(rec, handler is _response_row)
        if why:
            result.problems.append({"source": f"{path}#row={n}", "reason": why})
            continue
        doc = handler(rec, path, n)
        if doc:
            result.documents.append(doc)
    return result


_BASE64ISH = re.compile(r"[A-Za-z0-9+/_=-]{16,}")
_LETTER_WORD = re.compile(r"[(\[\"'‘“]?[^\W\d_]+(?:[-'’][^\W\d_]+)*[.,;:!?)\]\"'’”]*")


def _garbled(value: str) -> bool:
    """One long token of base64-like characters mixing letters and digits: data, not a name."""
    v = (value or "").strip()
    return bool(_BASE64ISH.fullmatch(v)) and any(c.isdigit() for c in v) and any(c.isalpha() for c in v)


def _not_a_record(rec: dict, response: bool) -> str | None:
    """Why a dataset row is not a report or response (garbage in its fields), or None."""
    fields = ("parent_id", "respondent", "response") if response else ("id", "coroner", "area")
    for f in fields:
        if _garbled(rec.get(f) or ""):
            return f"not a record: its {f} field is not text ({(rec.get(f) or '').strip()[:40]}…)"
    body = " ".join(str(rec.get(c) or "") for c in (("response",) if response else ("investigation", "circumstances", "concerns")))
    tokens = body.split(maxsplit=300)[:300]  # the start tells prose from data
    if not tokens:
        return None  # an empty row is skipped as before
    words = sum(1 for t in tokens if _LETTER_WORD.fullmatch(t))
    if words == 0 or words < 0.4 * len(tokens):
        return f"not a record: its text has {words} word(s) among {len(tokens)} tokens (not prose)"
    return None


# ---------------------------------------------------------------- PFD reports

_NAME = (
    r"(?:the late )?(?:(?:Mr|Mrs|Miss|Ms|Mx|Master|Dr|Baby|Sir|Dame|Lord|Lady)\.?\s+)?"
    r"((?:[A-Z][\w'’\-]+|[A-Z]\.)(?:\s+(?:[A-Z][\w'’\-]+|[A-Z]\.|(?:de|van|von|da|del|la|le|bin|al)(?=\s+[A-Z]))){0,6})"
)
_DEATH_OF = re.compile(r"\bdeaths? of\s+" + _NAME)
_SLUG_NOISE = re.compile(
    r"(?:-?prevention-of-future-deaths?-reports?|-?report-to-prevent-future-deaths?|-?pfd-report|-?regulation-28-report|-\d+)+$"
)
_NOT_NAME = {"The", "A", "An", "His", "Her", "Their", "This", "That", "Baby", "Unknown", "Deceased"}


# words that follow a name in the template's sentence, never part of it ("… death of John Smith
# DOB: 2/6/1975", "… death of JOHN SMITH\n\nThe investigation concluded …")
_DOB = re.compile(r"\bD\.\s?O\.\s?B\b\.?")
_AFTER_NAME = {"DOB", "Dob", "D.O.B", "D.O.B.", "Born", "Aged", "Age", "Who", "Whose", "Date", "The", "On", "In", "At"}


def deceased_from_text(text: str) -> str | None:
    m = _DEATH_OF.search(_DOB.sub("DOB", text or ""))
    if not m:
        return None
    words = m.group(1).split()
    for k, w in enumerate(words):
        if k and w.rstrip(":.,") in _AFTER_NAME | {x.rstrip(".") for x in _AFTER_NAME}:
            words = words[:k]
            break
    if not words or words[0] in _NOT_NAME:
        return None
    return " ".join(words)


def deceased_from_url(url: str) -> str | None:
    try:
        parts = [p for p in urlparse(url or "").path.split("/") if p]
    except ValueError:
        return None
    if not parts:
        return None
    slug = unquote(parts[-1]).lower()
    slug = re.sub(r"\.(?:pdf|html?)$", "", slug)
    slug = _SLUG_NOISE.sub("", slug).strip("-")
    if not slug or slug in ("prevention-of-future-death-reports",) or re.search(r"\d{4}", slug):
        return None
    words = [w for w in slug.split("-") if w]
    if not 1 <= len(words) <= 14:
        return None
    return " ".join(w[:1].upper() + w[1:] for w in words)


def _is_ref(v: str) -> bool:
    return bool(re.fullmatch(r"20\d\d-\d{3,4}[A-Za-z]?", v))


_NUMBERED_LIST = re.compile(r"(?:^|\s|\w)\(?\d{1,2}[.)]\s+\S.*\s\(?\d{1,2}[.)]\s+\S"  # as search.responses.recipients
                            r"|^\s*1\s+,\s.*\s2\s+,\s")  # or numbered "1 , A 2 , B" (orgs.split_orgs)
_BULLET = re.compile(r"(?:^|\s)[\u2022\u00b7\u25aa\u25cf](?=\s)")


def clean_area(value: str) -> str:
    """A coroner area as one spelling: line breaks and doubled spaces closed up, a trailing
    full stop or page number dropped ("West Yorkshire\n(Western)", "West Sussex. 2"), so the
    area menu and facets hold each area once (the corpus's 208 spellings become 186)."""
    a = " ".join((value or "").split())
    a = re.sub(r"[.\s]+\d{1,2}$", "", a)
    return a.strip(" .,;")


def split_recipients(value: str, seps: str = ";", commas: bool = True) -> list[str]:
    """One recipient per item of a receiver cell: split at ``seps``, at bullets, at a numbered
    list kept in one string, and at commas when every comma part is a recipient (the one place
    recipient lists are split: at ingest, and by ``search.responses.recipients`` for libraries built before)."""
    parts = re.split("[" + re.escape(seps) + "]", value or "")
    if any(_BULLET.search(p) for p in parts):
        # "• Trust A • Secretary of State • ICS 1": one recipient a bullet (the page number
        # that followed the list is not part of the last name)
        parts = [b for p in parts for b in _BULLET.split(p)]
        parts[-1] = re.sub(r"\s+\d{1,2}\s*$", "", parts[-1])
    if any(_NUMBERED_LIST.search(p) for p in parts):
        # "1. [REDACTED], Home Secretary 2. …, Secretary of State for Health": one recipient a number
        from corpus.orgs import split_orgs

        parts = [x for p in parts for x in (split_orgs(p) if _NUMBERED_LIST.search(p) else [p])]
    if commas:
        # "The family of X, Health and Safety Executive, College of Policing": one recipient a
        # comma part, only when every part is a recipient ("Mr S Bain, Chief Executive, <Trust>" stays)
        from corpus.orgs import split_comma_list

        parts = [x for p in parts for x in split_comma_list(p)]
    out = []
    for p in parts:
        p = " ".join(p.split()).strip(" ,")
        if p and p.lower() not in ("n/a", "none", "nan"):
            out.append(p)
    return out


def pfd_row(rec: dict, path: Path, n: int) -> Document | None:
    ref = (rec.get("id") or "").strip()
    ref = ref if _is_ref(ref) else None
    date = parse_date((rec.get("date") or "").strip()) if rec.get("date") else None
    recipients = split_recipients(rec.get("receiver") or "", ";")
    blocks: list[Block] = []
    if recipients:
        blocks.append(Block(text="Sent to: " + "; ".join(recipients), section="Recipients"))
    for col, name in PFD_SECTIONS:
        body = _clean(rec.get(col))
        if body:
            blocks.append(Block(text=body, section=name))
    if len(blocks) == (1 if recipients else 0):
        return None  # no report text at all: skip the row
    url = (rec.get("url") or "").strip()
    text_name = deceased_from_text(rec.get("investigation") or "")
    slug_name = deceased_from_url(url)
    if text_name and len(text_name.split()) >= 2:
        name = text_name
    else:
        name = slug_name or text_name or deceased_from_text(rec.get("circumstances") or "")
    if name:
        name = " ".join(w.title() if w.isupper() and len(w) > 2 else w for w in name.split())
    name = tidy_person_name(name)  # no dangling "The" left by a stripped title
    title = report_title(name, ref, date)
    meta = {
        "url": url,
        "coroner": (rec.get("coroner") or "").strip(),
        "area": clean_area(rec.get("area") or ""),
        "recipients": recipients,
    }
    if name:
        meta["deceased_name"] = name
    raw_id = (rec.get("id") or "").strip()
    if raw_id and not ref:
        meta["raw_id"] = raw_id
    return Document(
        title=title,
        source=f"{path}#row={n}",
        blocks=blocks,
        type="pfd_report",
        date=date,
        reference=ref,
        meta=meta,
    )


# ---------------------------------------------------------------- responses

_REPORT_DATED = re.compile(r"\b(?:report|regulation 28)[^.\n]{0,80}?\bdated\s+(?:the\s+)?([^.,\n]{6,30})", re.I)


def _paragraph_blocks(text: str, limit: int = 1500) -> list[Block]:
    paras = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    blocks, cur = [], ""
    for p in paras:
        if cur and len(cur) + len(p) + 2 > limit:
            blocks.append(Block(text=cur))
            cur = p
        else:
            cur = f"{cur}\n\n{p}" if cur else p
    if cur:
        blocks.append(Block(text=cur))
    return blocks


_DATE_LINE = re.compile(
    r"^[ \t]*(?:Date(?:d)?[ \t]*[:\-–]?[ \t]*)?(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?[ \t]+)?"
    r"(?P<d>\d{1,2}(?:st|nd|rd|th)?[ \t]+(?:of[ \t]+)?[A-Z][a-z]{2,8}\.?,?[ \t]+(?:19|20)\d\d"
    r"|[A-Z][a-z]{2,8}\.?[ \t]+\d{1,2}(?:st|nd|rd|th)?,?[ \t]+(?:19|20)\d\d"
    r"|\d{1,2}[/.]\d{1,2}[/.](?:19|20)\d\d)[ \t]*\.?[ \t]*$",
    re.M,
)
_DATE_LABEL = re.compile(r"^[ \t]*Date(?:d)?[ \t]*[:\-–][ \t]*(?P<d>[^\n]{6,40}?)[ \t]*$", re.M | re.I)


def letter_date_line(text: str, head: int = 800) -> str | None:
    """A letter's own date, when it stands on a line of its own near the top ("12 March 2024"
    under the letterhead, "Date: 12/03/2024"). A date inside a sentence ("your report dated 8
    November 2024") is some other date and is never used."""
    top = text[:head]
    for pat in (_DATE_LABEL, _DATE_LINE):
        for m in pat.finditer(top):
            d = parse_date(m.group("d"))
            if d:
                return d
    return None


_UPLOAD = re.compile(r"/wp-content/uploads/(?P<y>(?:19|20)\d\d)/(?P<m>0[1-9]|1[0-2])/")


def upload_month(url: str) -> str | None:
    """The first day of the month a file was uploaded ("/wp-content/uploads/2025/06/" →
    "2025-06-01"): an approximate date for a letter that states none."""
    m = _UPLOAD.search(url or "")
    return f"{m.group('y')}-{m.group('m')}-01" if m else None


def _response_row(rec: dict, path: Path, n: int) -> Document | None:
    body = _clean(rec.get("response"))
    if not body:
        return None
    parent = (rec.get("parent_id") or "").strip()
    respondent = " ".join((rec.get("respondent") or "").split())
    url = (rec.get("response_url") or "").strip()
    if respondent:
        title = f"Response from {respondent} to PFD report {parent}" if parent else f"Response from {respondent} to a PFD report"
    else:
        title = f"Response to PFD report {parent}" if parent else "Response to a PFD report"
    # The letter's own date is rarely in the text: the first date written is nearly
    # always the report's date ("your report dated 8 November 2024") or an event in
    # the case. Use a full date in the response's file name ("Update-from-NICE-10-June-2025").
    fname = unquote(urlparse(url).path.rsplit("/", 1)[-1]) if url else ""
    fname = re.sub(r"\b20\d\d-\d{4}\b", " ", fname)  # the report reference is not a date
    date = parse_date(fname.replace("_", " "))
    meta = {"parent_reference": parent or None, "respondent": respondent, "url": url}
    if not date:
        date = letter_date_line(body)
    if not date:
        date = upload_month(url)
        if date:
            meta["date_approx"] = True  # the month the file was uploaded, not the letter's date
    if rec.get("parent_url"):
        meta["parent_url"] = rec["parent_url"].strip()
    m = _REPORT_DATED.search(body)
    if m:
        rd = parse_date(m.group(1))
        if rd:
            meta["report_date"] = rd
    return Document(
        title=title,
        source=f"{path}#row={n}",
        blocks=_paragraph_blocks(body),
        type="pfd_response",
        date=date,
        reference=None,
        meta=meta,
    )


# ---------------------------------------------------------------- tracker

def _int(v: object) -> int | None:
    try:
        return int(float(str(v).strip()))
    except (TypeError, ValueError):
        return None


def _tracker_row(rec: dict) -> Annotation | None:
    ref = (rec.get("ref") or "").strip()
    if not ref:
        return None
    sent_to = rec.get("this_report_is_being_sent_to") or ""
    recipients = split_recipients(sent_to, "|;")
    urls = [u for u in re.split(r"[|\s]+", rec.get("reply_urls") or "") if u.startswith(("http://", "https://"))]
    report_date = rec.get("date_of_report") or ""
    data = {
        "status": (rec.get("response status") or "").strip().lower() or None,
        "recipients": recipients,
        "replies": _int(rec.get("no. replies")),
        "recipients_count": _int(rec.get("no. recipients")),
        "reply_urls": urls,
        "pdf_url": (rec.get("pdf_url") or "").strip() or None,
        "report_url": (rec.get("report_url") or "").strip() or None,
        "deceased_name": " ".join((rec.get("deceased_name") or "").split()) or None,
        "category": (rec.get("category") or "").strip() or None,
        "report_date": parse_date(report_date) if report_date else None,
        "coroner": " ".join((rec.get("coroner_name") or "").split()) or None,
        "area": (rec.get("coroner_area") or "").strip() or None,
    }
    return Annotation(reference=ref, data=data)
