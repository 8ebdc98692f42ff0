"""Reading and parsing for ingest, in a separate process while the parent encodes.

``read_files`` is a generator of messages (plain tuples, picklable) describing each file:
what it held, the documents with their chunks and extracted findings, or why it failed.
``ReaderProcess`` runs it in a child process (spawned: no threads or ONNX sessions
inherited) and hands the messages over a bounded queue, so PDF reading, chunking and
rule extraction overlap with encoding on the other core. With ``processes=0`` the same
generator runs in the caller (tests, one small file).

Messages:
  ("file", number, path)                       a file is about to be read
  ("present", path)                            whole file already ingested (same bytes)
  ("failed", path, reason)                     unreadable, reported, the batch goes on
  ("annotations", path, name, annotations)     facts about reports (datasets without text)
  ("documents", path, count)                   the file holds ``count`` documents
  ("doc", Prepared)                            one document, chunked and extracted
  ("file_done", path, sha256, count)           every document of the file has been sent
  ("error", message)                           the reader itself failed (parent raises)
  ("end",)
"""
from __future__ import annotations

import hashlib
import logging
import multiprocessing as mp
import queue
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from corpus import readers
from corpus.chunk import Chunk, chunk_document
from corpus.records import Document, Extraction, ReadError
from corpus.spreadsheet import read_mapped_table

log = logging.getLogger(__name__)
QUEUE_SIZE = 512  # documents in flight between reader and encoder (bounds memory)


@dataclass
class Prepared:
    doc: Document
    hash: str
    chunks: list[Chunk]
    extraction: Extraction
    warnings: list[dict] = field(default_factory=list)
    boilerplate: set[int] = field(default_factory=set)  # chunk indexes kept but not embedded (set by ingest)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def content_hash(doc: Document) -> str:
    """Same words, same document, whatever file or whitespace they came in."""
    return text_hash(re.sub(r"\s+", " ", doc.text).strip().lower())


def file_hash(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def extract_findings(doc: Document, warnings: list[dict]) -> Extraction:
    """Findings and actions; an extractor bug costs the findings, never the document."""
    if doc.extraction is not None:  # the source's own structure (a mapped spreadsheet)
        return doc.extraction
    try:
        from corpus.extract import extract
    except ImportError:
        return Extraction(type=doc.type)
    try:
        return extract(doc)
    except Exception as e:  # noqa: BLE001 - report and go on
        warnings.append({"source": doc.source, "warning": f"extraction failed: {type(e).__name__}: {e}"})
        return Extraction(type=doc.type)


def prepare(doc: Document) -> Prepared:
    warnings: list[dict] = []
    return Prepared(doc, content_hash(doc), chunk_document(doc), extract_findings(doc, warnings), warnings)


def read_files(files: list[Path], columns: dict | None, known_files: set[str]) -> Iterator[tuple]:
    for n, path in enumerate(files, 1):
        yield ("file", n, str(path))
        try:
            fh = file_hash(path)
        except OSError as e:
            yield ("failed", str(path), f"cannot read file: {e.strerror or e}")
            continue
        if fh in known_files:
            yield ("present", str(path))
            continue
        try:
            if columns and path.suffix.lower() in (".csv", ".xlsx", ".tsv"):
                result = read_mapped_table(path, columns)
            else:
                result = readers.read_path(path)
        except ReadError as e:
            yield ("failed", str(path), str(e))
            continue
        except Exception as e:  # noqa: BLE001 - a reader bug must not stop the batch
            yield ("failed", str(path), f"unexpected error reading file: {type(e).__name__}: {e}")
            continue
        if not result.documents and not result.annotations:
            yield ("failed", str(path), "no readable documents in file")
            continue
        if result.annotations:
            yield ("annotations", str(path), path.name, result.annotations)
        yield ("documents", str(path), len(result.documents))
        for doc in result.documents:
            yield ("doc", prepare(doc))
        yield ("file_done", str(path), fh, len(result.documents))
    yield ("end",)


def _child(q, files, columns, known_files) -> None:
    try:
        for msg in read_files(files, columns, known_files):
            q.put(msg)
    except BaseException as e:  # noqa: BLE001 - tell the parent, which raises
        q.put(("error", f"{type(e).__name__}: {e}"))
        q.put(("end",))


class ReaderProcess:
    """Iterate over ``read_files`` messages produced in a child process."""

    def __init__(self, files: list[Path], columns: dict | None, known_files: set[str]):
        ctx = mp.get_context("spawn")
        self.q = ctx.Queue(maxsize=QUEUE_SIZE)
        self.proc = ctx.Process(target=_child, args=(self.q, files, columns, known_files), daemon=True,
                                name="precedent-reader")
        self.proc.start()

    def __iter__(self) -> Iterator[tuple]:
        try:
            while True:
                try:
                    msg = self.q.get(timeout=1.0)
                except queue.Empty:
                    if not self.proc.is_alive():
                        raise RuntimeError(f"the reader process died (exit code {self.proc.exitcode})")
                    continue
                if msg[0] == "end":
                    return
                if msg[0] == "error":
                    raise RuntimeError(f"the reader process failed: {msg[1]}")
                yield msg
        finally:
            self.close()

    def close(self) -> None:
        if self.proc.is_alive():
            self.proc.terminate()
        self.proc.join(timeout=5)
