"""Read any supported file into Documents / Annotations.

Public API::

    read_path(path) -> ReadResult      # raises ReadError(reason) for unreadable files
    iter_files(paths) -> Iterator[Path]
    sniff(data, name) -> str           # "pdf", "docx", "xlsx", "html", "csv", "text"

Files are recognised by their content (magic bytes, markup, header rows), not by
extension; the extension only breaks ties and names the mismatch in error messages."""
from __future__ import annotations

import logging
import re
import zipfile
import zlib
from pathlib import Path
from typing import Iterable, Iterator

from corpus.readers.folders import list_files
from corpus.readers.limits import DEFAULT as DEFAULT_LIMITS, Limits, check_file_size, check_zip, cut_text
from corpus.records import Document, ReadError, ReadResult
from corpus.readers.text import (
    decode_bytes,
    head_date,
    html_is_substantive,
    html_to_text,
    looks_binary,
    pick_title,
    read_html_document,
    read_text_document,
    split_sections,
)

__all__ = ["read_path", "iter_files", "list_files", "sniff", "ReadError", "ReadResult"]

_IMAGE_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
]
_OTHER_MAGIC = [
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Microsoft Office binary file (.doc/.xls); save it as .docx, .xlsx or PDF"),
    (b"{\\rtf", "RTF document (not supported); save it as .docx or PDF"),
    (b"\x1f\x8b", "gzip-compressed file; decompress it first"),
    (b"Rar!", "RAR archive; extract it first"),
    (b"7z\xbc\xaf", "7-Zip archive; extract it first"),
]
_HTML_START = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html\b|head\b|body\b)", re.I | re.S)

log = logging.getLogger(__name__)


def sniff(data: bytes, name: str = "") -> str:
    """The format of a file from its first bytes: "pdf", "docx", "xlsx", "html",
    "csv" or "text"; raises ReadError for anything else."""
    if not data:
        raise ReadError("empty file")
    head = data[:2048]
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    for magic, what in _IMAGE_MAGIC:
        if head.startswith(magic):
            raise ReadError(f"{what}, not a document (OCR not supported)")
    for magic, what in _OTHER_MAGIC:
        if head.startswith(magic):
            raise ReadError(what)
    if looks_binary(data[:8192]):
        raise ReadError("not a recognised document format (binary data)")
    text_head = decode_bytes(data[:8192]).lstrip("\ufeff")
    if _HTML_START.match(text_head.encode("utf-8", "replace")) or (
        name.lower().endswith((".html", ".htm", ".xhtml")) and "<" in text_head
    ):
        return "html"
    from corpus.readers.datasets import looks_like_csv

    if name.lower().endswith((".csv", ".tsv")) or looks_like_csv(text_head if len(data) <= 8192 else decode_bytes(data[:200_000])):
        return "csv"
    return "text"


def read_path(path: str | Path, limits: Limits | None = None) -> ReadResult:
    """Read one file. Raises ReadError (only) when it cannot be read; ``str(err)``
    says why in words a user understands. ``limits`` (``corpus.readers.limits``) bounds the
    file's size, a zip's inflation and a text file's text (cut with a note)."""
    path = Path(path)
    try:
        return _read(path, limits or DEFAULT_LIMITS)
    except ReadError:
        raise
    except MemoryError:
        raise ReadError("file too large to read into memory") from None
    except RecursionError:
        raise ReadError("file is too deeply nested to read (malformed?)") from None
    except Exception as e:  # last resort: never leak library exceptions
        msg = str(e).strip().split("\n")[0][:150]
        raise ReadError(f"could not read file ({type(e).__name__}: {msg})") from None


def _read(path: Path, limits: Limits) -> ReadResult:
    try:
        if path.is_dir():
            raise ReadError("is a folder, not a file")
        check_file_size(path.stat().st_size, limits)
        data = path.read_bytes()
    except ReadError:
        raise
    except FileNotFoundError:
        raise ReadError("file not found") from None
    except PermissionError:
        raise ReadError("cannot open file (permission denied)") from None
    except OSError as e:
        raise ReadError(f"cannot open file ({e.strerror or e})") from None

    if not data.strip():
        raise ReadError("empty file" if not data else "empty file (only whitespace)")
    kind = sniff(data, path.name)
    ext = path.suffix.lower()

    if kind == "pdf":
        from corpus.readers.pdf import read_pdf

        return ReadResult(documents=[read_pdf(path, data)])
    if kind == "zip":
        return _read_zip(path, data, limits)

    if ext == ".pdf":
        # a .pdf that is not a PDF: say what it really is
        if kind == "html":
            raw = decode_bytes(data)
            text, title, h1, _ = html_to_text(raw)
            if not html_is_substantive(text, title or h1):
                shown = f" (“{title or h1}”)" if (title or h1) else ""
                raise ReadError(f"named .pdf but is an HTML page{shown}, not a PDF; skipped")
            note = "named .pdf but is an HTML page"
            return ReadResult(documents=[read_html_document(raw, path, note=note)])
        raise ReadError(f"named .pdf but is not a PDF (it is {'a CSV table' if kind == 'csv' else 'plain text'}); rename it and add it again")

    raw = decode_bytes(data)
    del data
    if kind == "html":
        # markup is longer than its text: the page is cut at four times the text limit
        raw, note = cut_text(raw, Limits(max_text_chars=4 * limits.max_text_chars))
        return ReadResult(documents=[read_html_document(raw, path, note=note)])
    if kind == "csv":
        from corpus.readers.datasets import read_csv_text

        return read_csv_text(raw.lstrip("\ufeff"), path, limits)
    raw, note = cut_text(raw, limits)  # cut before parsing: a huge text costs no more than the limit
    doc = read_text_document(raw, path)
    if note:
        doc.meta["note"] = note
    return ReadResult(documents=[doc])


def _read_zip(path: Path, data: bytes, limits: Limits) -> ReadResult:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            if "word/document.xml" in names or "xl/workbook.xml" in names:
                check_zip(z, limits)  # before python-docx / openpyxl inflate whole members
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError, zlib.error):
        what = "Word document" if path.suffix.lower() == ".docx" else "zip/Office file"
        raise ReadError(f"corrupt or truncated {what} (bad zip data)") from None
    if "word/document.xml" in names:
        return ReadResult(documents=[_read_docx(path, data)])
    if "xl/workbook.xml" in names:
        from corpus.readers.datasets import read_xlsx

        return read_xlsx(path)
    if "ppt/presentation.xml" in names:
        raise ReadError("PowerPoint presentation (not supported); save it as PDF")
    if "content.xml" in names and "mimetype" in names:
        raise ReadError("OpenDocument file (not supported); save it as .docx or PDF")
    raise ReadError("zip archive, not a document; extract it first")


# ---------------------------------------------------------------- DOCX

def _read_docx(path: Path, data: bytes) -> Document:
    import io

    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError:  # pragma: no cover
        raise ReadError("Word support is not installed (python-docx missing)") from None
    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as e:
        raise ReadError(f"corrupt Word document ({str(e)[:120] or type(e).__name__})") from None

    lines: list[str] = []
    heading_lines: set[int] = set()
    title_style: str | None = None

    def add_paragraph(p):
        nonlocal title_style
        text = " ".join(p.text.replace("\t", " ").split()) if p.text else ""
        style = ""
        try:
            style = (p.style.name or "") if p.style is not None else ""
        except Exception as e:  # python-docx: a paragraph whose style is missing from styles.xml
            log.debug("Word paragraph style unreadable (%s: %s)", type(e).__name__, e)
            style = ""
        is_heading = style.lower().startswith(("heading", "title")) and bool(text)
        if is_heading:
            if lines and lines[-1]:
                lines.append("")
            heading_lines.add(len(lines))
            if style.lower().startswith("title") and not title_style:
                title_style = text
        lines.append(text)
        if is_heading:
            lines.append("")

    def add_table(t):
        if lines and lines[-1]:
            lines.append("")
        for row in t.rows:
            cells, seen = [], set()
            try:
                row_cells = row.cells
            except Exception as e:  # python-docx: a malformed (gridSpan / vMerge) table row
                log.debug("Word table row skipped (%s: %s)", type(e).__name__, e)
                continue
            for c in row_cells:
                if id(c._tc) in seen:  # merged cells repeat
                    continue
                seen.add(id(c._tc))
                cells.append(" ".join(c.text.split()))
            if any(cells):
                lines.append("\t".join(cells))
        lines.append("")

    body = d.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            add_paragraph(Paragraph(child, d))
        elif tag == "tbl":
            add_table(Table(child, d))
        elif tag == "sdt":  # content controls: read their paragraphs
            for p in child.iter():
                if p.tag.rsplit("}", 1)[-1] == "p":
                    add_paragraph(Paragraph(p, d))

    # collapse blank runs, remapping heading line numbers
    out, heads = [], set()
    for i, ln in enumerate(lines):
        if not ln.strip():
            if out and out[-1] != "":
                out.append("")
            continue
        if i in heading_lines:
            heads.add(len(out))
        out.append(ln)
    while out and out[-1] == "":
        out.pop()
    if not any(ln.strip() for ln in out):
        raise ReadError("Word document has no text")
    text = "\n".join(out)
    blocks = split_sections(text, heads)
    try:
        core_title = (d.core_properties.title or "").strip()
    except Exception as e:  # malformed docProps/core.xml: no title from metadata
        log.debug("Word core properties unreadable (%s: %s)", type(e).__name__, e)
        core_title = ""
    from corpus.readers.pdf import meaningful_title

    title = meaningful_title(core_title) or title_style or pick_title(out, heads, path.stem)
    return Document(title=title, source=str(path), blocks=blocks, date=head_date(text))


# ---------------------------------------------------------------- walking folders

def iter_files(paths: str | Path | Iterable[str | Path]) -> Iterator[Path]:
    """Every file under ``paths`` (files as given; folders walked recursively in
    sorted order, links followed once), skipping hidden files and folders (names
    starting with '.'). Nothing is skipped by extension: content decides later. Paths
    that do not exist are yielded as given so ``read_path`` can report them. Use
    ``list_files`` to also learn which entries could not be used, and why."""
    yield from list_files(paths)
