"""PDF documents via pypdf: one Block per page (split further where a PFD box or
an Ofsted judgement heading starts), titles, dates and PFD references."""
from __future__ import annotations

import contextlib
import logging
import re
import warnings
from collections import Counter
from pathlib import Path

from corpus.dates import find_dates, parse_date
from corpus.records import Block, Document, ReadError
from corpus.records import report_title, tidy_person_name
from corpus.readers.text import clean_whitespace, is_substantive, unwrap_lines

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- PFD boxes

_APOS = r"['’`]?"
PFD_BOXES: list[tuple[re.Pattern, str]] = [
    (re.compile(r"THIS REPORT IS BEING SENT TO\s*:?", re.I), "Recipients"),
    (re.compile(r"CORONER", re.I), "Coroner"),
    (re.compile(rf"CORONER{_APOS}S? LEGAL POWERS", re.I), "Coroner's legal powers"),
    (re.compile(r"INVESTIGATION\s+(?:and|&)\s+INQUEST", re.I), "Investigation and inquest"),
    (re.compile(r"CIRCUMSTANCES OF (?:THE )?DEATH", re.I), "Circumstances of the death"),
    (re.compile(rf"(?:CORONER{_APOS}S? CONCERNS?|MATTERS? OF CONCERN)", re.I), "Coroner's concerns"),
    (re.compile(r"ACTION SHOULD BE TAKEN", re.I), "Action should be taken"),
    (re.compile(r"YOUR RESPONSE", re.I), "Your response"),
    (re.compile(r"COPIES\s+(?:and|&)\s+PUBLICATION", re.I), "Copies and publication"),
]


def _pfd_heading(line: str) -> str | None:
    """The PFD box a line opens ("3 INVESTIGATION and INQUEST", "COPIES and PUBLICATION 8")."""
    s = line.strip().rstrip(":").strip()
    if not s or len(s) > 80:
        return None
    if re.search(r"THIS REPORT IS BEING SENT", s) and len(s) <= 80:
        return "Recipients"
    m = re.fullmatch(r"(?:(\d{1,2})\.?\s*)?(\D.+?)(?:\s*(\d{1,2}))?", s)
    if not m:
        return None
    body = m.group(2).strip().rstrip(":").strip()
    for pat, name in PFD_BOXES:
        if pat.fullmatch(body):
            if name == "Coroner" and not (m.group(1) or m.group(3)):
                return None  # a bare "CORONER" line (signature) is not box 1
            if name == "Coroner's concerns" and not (m.group(1) or m.group(3)) and not body.isupper():
                return None
            return name
    return None


def is_pfd_report(text: str) -> bool:
    head = text[:4000].upper()
    if "REGULATION 28" not in head and "PREVENT FUTURE DEATHS" not in head:
        return False
    found = {name for ln in text.split("\n") if (name := _pfd_heading(ln))}
    return len(found) >= 3


_ERRATIC_PLACEHOLDER = re.compile(r"\[(?:NAME|DATE|NAMES|NAME OF AREA|BRIEF SUMMARY[^\]]*|SIGNED BY CORONER|NAMED PERSON)\]")


def is_blank_template(text: str) -> bool:
    return len(_ERRATIC_PLACEHOLDER.findall(text)) >= 5


# ---------------------------------------------------------------- Ofsted judgement headings


def _ofsted_heading(lines: list[str], i: int) -> tuple[str, int] | None:
    """(section, lines used) for an Ofsted judgement heading starting at line i
    (headings wrap onto a second line; the judgement table on page 1 has no colon)."""
    s = lines[i].strip()
    if not s.startswith(("The experiences and progress of", "The impact of leaders on", "What needs to improve")):
        return None
    if s.startswith("What needs to improve"):
        return ("What needs to improve", 1) if len(s) <= 30 else None
    for n in (1, 2):
        joined = " ".join(ln.strip() for ln in lines[i:i + n])
        if re.search(r":\s*(inadequate|requires improvement(?: to be good)?|good|outstanding)\s*$", joined, re.I):
            return re.sub(r"\s+(?:is|are)$", "", joined.split(":")[0].strip()), n
    return None


# ---------------------------------------------------------------- page clean-up

def _norm_for_repeat(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split())).lower()


def _repeated_lines(pages: list[str]) -> set[str]:
    """Running headers/footers: the same line (digits ignored) on most pages."""
    if len(pages) < 3:
        return set()
    counts: Counter[str] = Counter()
    for text in pages:
        counts.update({_norm_for_repeat(ln) for ln in text.split("\n") if len(ln.strip()) >= 15})
    return {ln for ln, c in counts.items() if c >= 3 and c >= 0.5 * len(pages)}


_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,3}(?:\s+of\s+\d{1,3})?\s*$", re.I)


def _clean_page(text: str, repeated: set[str]) -> list[str]:
    lines = [ln.strip() for ln in clean_whitespace(text).split("\n")]
    out = []
    for ln in lines:
        if repeated and _norm_for_repeat(ln) in repeated:
            continue
        if _PAGE_NUMBER.match(ln):
            out.append("")
            continue
        out.append(ln)
    return out


# ---------------------------------------------------------------- metadata

_BAD_TITLE = re.compile(
    r"^(?:microsoft (?:word|powerpoint|excel)\s*-|untitled|document\d*$|slide \d|title$|pdf$)|\.(?:docx?|rtf|pdf|odt|xlsx?)\s*$"
    r"|\b(?:NAME|DATE|TITLE|XXX+)\b|\[[^\]]*\]",
)


def meaningful_title(title: object) -> str | None:
    if not isinstance(title, str):
        return None
    t = " ".join(title.split()).strip()
    if len(t) < 4 or _BAD_TITLE.search(t) or sum(ch.isalpha() for ch in t) < 4:
        return None
    return t


_REF = re.compile(r"\b(20\d\d-\d{4})\b")
_REF_NEAR = re.compile(r"\bRef(?:erence)?\b[^\n]{0,40}?\b(20\d\d-\d{4})\b", re.I)


def _deceased_name(text: str) -> str | None:
    m = re.search(
        r"death of (?:the late )?(?:(?:Mr|Mrs|Miss|Ms|Mx|Master|Dr|Baby)\.?\s+)?"
        r"((?:[A-Z][\w'’\-]+|[A-Z]\.)(?:\s+(?:[A-Z][\w'’\-]+|[A-Z]\.|\([A-Z][\w'’\-]+\))){0,5})",
        text,
    )
    if not m:
        return None
    name = m.group(1).strip()
    return name if len(name) >= 2 else None


# ---------------------------------------------------------------- reader

@contextlib.contextmanager
def _quiet_pypdf():
    logger = logging.getLogger("pypdf")
    old = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(old)


def _short(e: BaseException) -> str:
    msg = str(e).strip().split("\n")[0]
    return (msg[:120] + "…") if len(msg) > 120 else msg or type(e).__name__


def read_pdf(path: Path, data: bytes) -> Document:
    try:
        import pypdf
        from pypdf.errors import DependencyError, FileNotDecryptedError
    except ImportError:  # pragma: no cover
        raise ReadError("PDF support is not installed (pypdf missing)") from None

    import io

    truncated = b"%%EOF" not in data[-2048:]
    with _quiet_pypdf():
        try:
            reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        except DependencyError:
            raise ReadError("encrypted PDF (cannot decrypt: the 'cryptography' package is not installed)") from None
        except Exception as e:
            kind = "truncated PDF (no end-of-file marker)" if truncated else "corrupt PDF"
            raise ReadError(f"{kind}; cannot be opened ({_short(e)})") from None

        try:
            encrypted = reader.is_encrypted
        except Exception as e:
            raise ReadError(f"corrupt PDF ({_short(e)})") from None
        if encrypted:
            try:
                ok = reader.decrypt("")
            except DependencyError:
                raise ReadError("encrypted PDF (cannot decrypt: the 'cryptography' package is not installed)") from None
            except Exception as e:  # pypdf raises many kinds on a bad encryption dictionary
                log.debug("%s: decrypt failed (%s: %s)", path, type(e).__name__, e)
                ok = 0
            if not ok:
                raise ReadError("encrypted PDF (password protected)")

        try:
            pages = list(reader.pages)
        except FileNotDecryptedError:
            raise ReadError("encrypted PDF (password protected)") from None
        except Exception as e:
            kind = "truncated PDF (no end-of-file marker)" if truncated else "corrupt PDF"
            raise ReadError(f"{kind}; page list unreadable ({_short(e)})") from None
        if not pages:
            raise ReadError("truncated PDF (no pages could be read)" if truncated else "PDF has no pages")

        texts: list[str] = []
        failed = 0
        for page in pages:
            try:
                texts.append(page.extract_text() or "")
            except FileNotDecryptedError:
                raise ReadError("encrypted PDF (password protected)") from None
            except Exception as e:  # one unreadable page: keep the others, count it
                log.debug("%s: page text unreadable (%s: %s)", path, type(e).__name__, e)
                texts.append("")
                failed += 1

        try:
            meta_title = meaningful_title((reader.metadata or {}).get("/Title"))
        except Exception as e:  # a malformed info dictionary: no title from metadata
            log.debug("%s: metadata unreadable (%s: %s)", path, type(e).__name__, e)
            meta_title = None

    letters = sum(ch.isalpha() for t in texts for ch in t)
    if failed == len(pages):
        kind = "truncated PDF" if truncated else "corrupt PDF"
        raise ReadError(f"{kind}: no page could be read")
    if letters < max(25, 15 * len(pages)):
        if failed:
            raise ReadError(f"{'truncated' if truncated else 'corrupt'} PDF: {failed} of {len(pages)} pages unreadable and no text in the rest")
        raise ReadError("PDF has no text layer (scanned image?); OCR not supported")

    repeated = _repeated_lines(texts)
    page_lines = [_clean_page(t, repeated) for t in texts]
    full = "\n".join("\n".join(lines) for lines in page_lines)

    if is_blank_template(full):
        raise ReadError("blank form/template (placeholders like [NAME] and [DATE] not filled in); skipped")
    pfd = is_pfd_report(full)

    blocks: list[Block] = []
    section: str | None = None
    for pno, lines in enumerate(page_lines, start=1):
        buf: list[str] = []

        def flush():
            body = unwrap_lines(clean_whitespace("\n".join(buf)))
            if body.strip():
                blocks.append(Block(text=body, section=section, page=pno))
            buf.clear()

        i = 0
        while i < len(lines):
            ln = lines[i]
            new = None
            used = 1
            if pfd:
                new = _pfd_heading(ln)
            else:
                hit = _ofsted_heading(lines, i)
                if hit:
                    new, used = hit
            if new and new != section:
                flush()
                section = new
            buf.extend(lines[i:i + used])
            i += used
        flush()
    if not blocks:
        raise ReadError("PDF has no text layer (scanned image?); OCR not supported")

    doc = Document(title="", source=str(path), blocks=blocks)
    if failed:
        doc.meta["warning"] = f"{failed} of {len(pages)} pages could not be read"
    if truncated:
        doc.meta["warning"] = (doc.meta.get("warning", "") + "; " if failed else "") + "file looks truncated (no %%EOF marker)"
    doc.meta["pages"] = len(pages)

    first_text = "\n".join(ln for ln in page_lines[0] if ln.strip())
    if pfd:
        doc.type = "pfd_report"
        m = _REF_NEAR.search(full)
        ref = m.group(1) if m else None
        if not ref and meta_title:
            m2 = _REF.search(meta_title)
            ref = m2.group(1) if m2 else None
        if not ref:
            m2 = _REF.search(path.stem)
            ref = m2.group(1) if m2 else None
        doc.reference = ref
        doc.date = _pfd_date(blocks)
        name = _deceased_name(" ".join(b.text for b in blocks if b.section == "Investigation and inquest")) or _deceased_name(full)
        name = tidy_person_name(name)
        if name:
            doc.meta["deceased_name"] = name
        if name:  # one title shape for every report, whatever the PDF's producer wrote
            doc.title = report_title(name, ref, doc.date)
        elif meta_title:
            doc.title = meta_title
        else:
            doc.title = f"{path.stem} — PFD report" + (f" {ref}" if ref else "")
    else:
        doc.title = meta_title or _first_line_title(page_lines[0]) or path.stem
        stem_date = parse_date(path.stem.replace("_", " "))
        doc.date = stem_date or parse_date(first_text)
    return doc


def _pfd_date(blocks: list[Block]) -> str | None:
    """The report's own date: the first date in the last box (9, signature) —
    i.e. after "COPIES and PUBLICATION"."""
    tail = "\n".join(b.text for b in blocks if b.section == "Copies and publication")
    if tail:
        m = re.search(r"(?m)^\s*9\b(.*)$", tail)
        if m:
            d = parse_date(tail[m.start():])
            if d:
                return d
        found = find_dates(tail)
        if found:
            return found[0][2]
    return None


def _first_line_title(lines: list[str]) -> str | None:
    """First substantive line, joined with continuation lines that start lower-case
    ("Inspection of Bury local authority" + "children's services")."""
    idx = [i for i, ln in enumerate(lines) if ln.strip()]
    for k, i in enumerate(idx):
        s = lines[i].strip()
        if not is_substantive(s) or parse_date(s) and sum(ch.isalpha() for ch in s) < 15:
            continue
        title = s
        for j in idx[k + 1:k + 3]:
            nxt = lines[j].strip()
            last = title.split()[-1].lower()
            open_end = title.endswith((",", "&", "-")) or last in ("of", "and", "the", "for", "in", "on", "to", "with")
            if (nxt[:1].islower() or open_end) and len(title) + len(nxt) < 150:
                title += " " + nxt
            else:
                break
        return (title[:147] + "…") if len(title) > 150 else title
    return None
