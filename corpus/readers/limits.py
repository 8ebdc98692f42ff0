"""Bounds on what one file may cost: its size, the text of each document, its passages, the
time to read it, the length of one word, and how far a zip (DOCX/XLSX) may inflate.

The policy, one rule per limit:

* a file larger than ``max_file_mb`` is refused (reported, not read);
* a zip whose members declare or inflate to more than ``max_unzipped_mb`` in all, or one
  member inflating more than ``max_zip_ratio`` times, is refused (a zip bomb) before any XML
  is parsed;
* a document's text longer than ``max_text_chars`` is kept truncated, with a note (a text file
  is cut before it is parsed, so a huge one costs no more than the limit); the longest real
  documents measured have 40,000 characters and 36 passages (an Ofsted inspection PDF, a PFD
  CSV row), so the defaults (1,000,000 characters, 2,000 passages) cut only what is not a
  document, and keep a page and a search answer small;
* a document of more than ``max_passages`` passages is kept up to the end of that passage,
  with a note;
* a "word" longer than ``max_word_chars`` characters (a base64 blob, a run of one letter) is
  not a word: it is dropped from the text that is chunked and indexed, with a note; the longest
  real one measured (a URL in the PFD reports) has 244 characters;
* reading a file (or extracting one document) for longer than ``file_seconds`` abandons it
  (reported); see ``index.ingest.reader``;
* the reader process may take ``reader_mb`` megabytes of memory beyond what it had when it
  started (an address-space limit set in the child): a file whose reading needs more is
  abandoned (reported) and a new reader goes on with the files after it.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, replace

from corpus.records import Block, Document, ReadError


@dataclass(frozen=True)
class Limits:
    max_file_mb: float = 200
    max_text_chars: int = 1_000_000
    max_passages: int = 2000
    file_seconds: float = 120
    reader_mb: float = 1024
    max_word_chars: int = 500
    max_unzipped_mb: float = 200
    max_zip_ratio: float = 200

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def max_unzipped_bytes(self) -> int:
        return int(self.max_unzipped_mb * 1024 * 1024)


DEFAULT = Limits()
_RATIO_FLOOR = 1 << 20  # members under 1 MB inflated are never a bomb, whatever their ratio


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.0f} MB" if n >= 1 << 20 else f"{n / 1024:.0f} KB"


def check_file_size(size: int, limits: Limits) -> None:
    """Refuse a file over ``max_file_mb``."""
    if size > limits.max_file_bytes:
        raise ReadError(f"file too large ({_mb(size)}; the limit is {limits.max_file_mb:g} MB, "
                        f"PRECEDENT_MAX_FILE_MB): skipped")


def check_zip(z: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a zip bomb: the declared sizes first (no inflating), then every member inflated in
    1 MB pieces, stopping as soon as a member or the total passes its bound. Office readers
    (python-docx, openpyxl) inflate whole members, so they are handed only a zip that passed."""
    cap = limits.max_unzipped_bytes
    infos = z.infolist()
    declared = sum(i.file_size for i in infos)
    if declared > cap:
        raise ReadError(f"zip/Office file would inflate to {_mb(declared)} (limit {limits.max_unzipped_mb:g} MB): "
                        "refused as a possible zip bomb")
    for i in infos:
        if i.file_size > _RATIO_FLOOR and i.file_size > limits.max_zip_ratio * max(i.compress_size, 1):
            raise ReadError(f"zip/Office member {i.filename} inflates {i.file_size / max(i.compress_size, 1):.0f} times "
                            f"(limit {limits.max_zip_ratio:g}): refused as a possible zip bomb")
    total = 0
    for i in infos:
        if i.is_dir():
            continue
        got = 0
        with z.open(i) as f:
            while block := f.read(1 << 20):
                got += len(block)
                total += len(block)
                if got > i.file_size or total > cap or (
                        got > _RATIO_FLOOR and got > limits.max_zip_ratio * max(i.compress_size, 1)):
                    raise ReadError(f"zip/Office member {i.filename} inflates beyond its declared size or the "
                                    f"limits ({_mb(got)} from {_mb(i.compress_size)}): refused as a possible zip bomb")


def cut_text(raw: str, limits: Limits) -> tuple[str, str | None]:
    """A text cut to ``max_text_chars`` at a line break where one is near, and the note saying so."""
    n = limits.max_text_chars
    if len(raw) <= n:
        return raw, None
    cut = raw.rfind("\n", max(0, n - 10_000), n)
    kept = raw[: cut if cut > 0 else n]
    return kept, f"text truncated: kept the first {len(kept):,} of {len(raw):,} characters (limit PRECEDENT_MAX_TEXT_CHARS)"


def bound_document(doc: Document, limits: Limits) -> tuple[Document | None, list[str]]:
    """The document with over-long "words" dropped and its text cut to ``max_text_chars``;
    None when nothing readable is left. The notes say what was changed."""
    notes: list[str] = []
    long_word = re.compile(r"\S{%d,}" % (limits.max_word_chars + 1))
    dropped = 0
    blocks: list[Block] = []
    for b in doc.blocks:
        if len(b.text) > limits.max_word_chars and long_word.search(b.text):
            text, n = long_word.subn(" ", b.text)
            dropped += n
            b = replace(b, text=text.strip())
        if b.text.strip():
            blocks.append(b)
    if dropped:
        notes.append(f"{dropped} 'word(s)' longer than {limits.max_word_chars} characters dropped (not words)")
    total, kept = 0, []
    sep = 2  # corpus.records.BLOCK_SEPARATOR
    for b in blocks:
        room = limits.max_text_chars - total
        if room <= 0:
            break
        if len(b.text) > room:
            text, _ = cut_text(b.text, replace(limits, max_text_chars=room))
            if text.strip():
                kept.append(replace(b, text=text.rstrip()))
            total = limits.max_text_chars
            break
        kept.append(b)
        total += len(b.text) + sep
    full = sum(len(b.text) for b in blocks) + sep * max(0, len(blocks) - 1)
    if sum(len(b.text) for b in kept) < sum(len(b.text) for b in blocks):
        notes.append(f"text truncated: kept {sum(len(b.text) for b in kept):,} of {full:,} characters "
                     f"(limit PRECEDENT_MAX_TEXT_CHARS)")
    if not kept:
        return None, notes
    if not notes:
        return doc, notes
    return replace(doc, blocks=kept, meta={**doc.meta, "note": "; ".join(filter(None, [doc.meta.get("note"), *notes]))}), notes


def truncate_at(doc: Document, end: int) -> Document:
    """The document up to offset ``end`` of its text (blocks after it dropped, the last one cut)."""
    kept: list[Block] = []
    for s, e, b in doc.block_spans():
        if s >= end:
            break
        kept.append(b if e <= end else replace(b, text=b.text[: end - s].rstrip()))
    return replace(doc, blocks=kept)
