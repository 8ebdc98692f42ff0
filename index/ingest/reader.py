"""Reading and parsing for ingest, in a separate process while the parent encodes.

``read_files`` is a generator of messages (plain tuples, picklable) describing each file:
what it held, the documents with their chunks and extracted findings, or why it failed.
``ReaderProcess`` runs it in a child process (forked where possible) and hands the messages over a bounded queue, so PDF reading, chunking and
rule extraction overlap with encoding on the other core. With ``processes=0`` the same
generator runs in the caller (tests, one small file).

Messages:
  ("file", number, path)                       a file is about to be read
  ("present", path)                            whole file already ingested (same bytes)
  ("failed", path, reason)                     unreadable, reported, the batch goes on
  ("annotations", path, name, annotations)     facts about reports (datasets without text)
  ("documents", path, count)                   the file holds ``count`` documents
  ("doc", Prepared)                            one document, chunked and extracted
  ("counted", path, documents, passages)       sent as soon as a file is read and chunked, ahead of
                                               its documents (in a process: on a side queue, so the
                                               totals are known long before the encoder gets there)
  ("file_done", path, sha256, count)           every document of the file has been sent
  ("error", message)                           the reader itself failed (parent raises)
  ("end",)
"""
from __future__ import annotations

import hashlib
import logging
import multiprocessing as mp
import os
import queue
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from corpus.readers import sniff as readers
from corpus.chunk import Chunk, chunk_document
from corpus.records import Document, Extraction, ReadError
from corpus.readers import read_mapped_table

from index.rows import text_hash

log = logging.getLogger(__name__)
# Findings of at least this many words may be made passages of their own (sharing their
# vectors); None: never. Off, as measured on the dev labels (ONNX, 237 reports): cutting at
# every finding cost hybrid MAP -4.0% (passages too small for meaning search), at findings of
# 100+ words -1.5%, of 150+ words -0.5% for only 1.9% fewer tokens to embed on a 304-document
# sample. A finding that already is one passage shares its vector without any cut.
CUT_WORDS: int | None = None
QUEUE_SIZE = 512  # documents in flight between reader and encoder (bounds memory)


@dataclass
class Prepared:
    doc: Document
    hash: str
    chunks: list[Chunk]
    extraction: Extraction
    warnings: list[dict] = field(default_factory=list)
    boilerplate: set[int] = field(default_factory=set)  # chunk indexes kept but not embedded (set by ingest)
    recount: int = 0  # passages more than first counted (the findings' edges cut passages)
    finding_keys: list[str] = field(default_factory=list)  # per finding, its vector's text hash (set by ingest)


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
        log.exception("extraction failed on %s", doc.source)
        warnings.append({"source": doc.source, "warning": f"extraction failed: {type(e).__name__}: {e}"})
        return Extraction(type=doc.type)


def prepare(doc: Document, chunks: list[Chunk] | None = None) -> Prepared:
    """Extract, then chunk with the long findings (``CUT_WORDS``) as cut points: such a finding
    of at most a passage's length is a passage of its own, so the two share one vector (see
    ``ingest.finding_vector_keys``).
    ``chunks``: the document as first chunked (without cuts) to count it ahead."""
    warnings: list[dict] = []
    x = extract_findings(doc, warnings)
    cuts = [(f.start, f.end) for f in x.findings
            if CUT_WORDS is not None and f.start is not None and f.end is not None
            and len(f.text.split()) >= CUT_WORDS]
    final = chunk_document(doc, cuts=cuts) if cuts or chunks is None else chunks
    return Prepared(doc, content_hash(doc), final, x, warnings,
                    recount=len(final) - len(chunks) if chunks is not None else 0)


def read_files(files: list[Path], columns: dict | None, known_files: set[str]) -> Iterator[tuple]:
    """Every message in order, in this process."""
    for msg in _read_raw(files, columns, known_files):
        if msg[0] == "rawdoc":
            yield ("doc", prepare(msg[1], msg[2]))
        else:
            yield msg
    yield ("end",)


def _read_raw(files: list[Path], columns: dict | None, known_files: set[str]) -> Iterator[tuple]:
    """Read and chunk (fast); extraction is left to the consumer, as ("rawdoc", doc, chunks)."""
    for n, path in enumerate(files, 1):
        yield ("file", n, str(path))
        try:
            fh = file_hash(path)
        except OSError as e:
            yield ("counted", str(path), 0, 0)
            yield ("failed", str(path), f"cannot read file: {e.strerror or e}")
            continue
        if fh in known_files:
            yield ("counted", str(path), 0, 0)
            yield ("present", str(path))
            continue
        try:
            if columns and path.suffix.lower() in (".csv", ".xlsx", ".tsv"):
                result = read_mapped_table(path, columns)
            else:
                result = readers.read_path(path)
        except ReadError as e:
            yield ("counted", str(path), 0, 0)
            yield ("failed", str(path), str(e))
            continue
        except Exception as e:  # noqa: BLE001 - a reader bug must not stop the batch
            log.exception("unexpected error reading %s", path)
            yield ("counted", str(path), 0, 0)
            yield ("failed", str(path), f"unexpected error reading file: {type(e).__name__}: {e}")
            continue
        if not result.documents and not result.annotations:
            yield ("counted", str(path), 0, 0)
            yield ("failed", str(path), "no readable documents in file")
            continue
        if result.annotations:
            yield ("annotations", str(path), path.name, result.annotations)
        chunked = [(doc, chunk_document(doc)) for doc in result.documents]
        yield ("counted", str(path), len(chunked), sum(len(c) for _, c in chunked))
        yield ("documents", str(path), len(result.documents))
        for doc, chunks in chunked:
            yield ("rawdoc", doc, chunks)
        yield ("file_done", str(path), fh, len(result.documents))


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent() -> None:
    """End this (child) process when its parent dies, even by SIGKILL: on Linux the kernel
    sends SIGKILL (prctl PR_SET_PDEATHSIG); everywhere a daemon thread also checks the parent
    every second. Without this, a reader whose parent was killed waits forever to hand its
    queue's last messages to nobody, with the library's files open."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
                log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %d", ctypes.get_errno())
        except (OSError, AttributeError) as e:
            log.warning("prctl unavailable (%s): the reader polls for its parent instead", e)

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os._exit(0)
            time.sleep(1.0)

    if os.getppid() != parent:  # the parent died between reading its pid and arming the signal
        os._exit(0)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _child(q, side, files, columns, known_files) -> None:
    """Two threads: one reads and chunks every file as fast as it can (and reports the
    counts on ``side`` at once); the other extracts findings and feeds the bounded ``q``.
    The process dies with its parent (``die_with_parent``)."""
    die_with_parent()
    work: queue.Queue = queue.Queue()
    failed: list[str] = []

    def read_ahead() -> None:
        try:
            for msg in _read_raw(files, columns, known_files):
                if msg[0] == "counted":
                    side.put(msg)
                else:
                    work.put(msg)
        except BaseException as e:  # noqa: BLE001 - tell the parent, which raises
            failed.append(f"{type(e).__name__}: {e}")
        finally:
            work.put(None)

    parent = os.getppid()

    def put(msg) -> None:
        """Wait for room, but not for a parent that has gone (killed): then stop."""
        while True:
            try:
                q.put(msg, timeout=1.0)
                return
            except queue.Full:
                if os.getppid() != parent:  # nobody will read: leave now, without flushing the queue
                    os._exit(0)

    threading.Thread(target=read_ahead, name="read-ahead", daemon=True).start()
    try:
        while (msg := work.get()) is not None:
            put(("doc", prepare(msg[1], msg[2])) if msg[0] == "rawdoc" else msg)
        if failed:
            put(("error", failed[0]))
    except BaseException as e:  # noqa: BLE001 - tell the parent, which raises
        put(("error", f"{type(e).__name__}: {e}"))
    put(("end",))


class ReaderProcess:
    """Iterate over ``read_files`` messages produced in a child process."""

    def __init__(self, files: list[Path], columns: dict | None, known_files: set[str]):
        # fork where there is one: a spawned child would re-run the caller's main module (a script
        # without a __main__ guard would fail, a heavy one would be imported twice); the child only
        # reads files and touches nothing it inherits (no SQLite, no ONNX) and leaves by os._exit
        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        self.q = ctx.Queue(maxsize=QUEUE_SIZE)
        self.side = ctx.Queue()
        self.proc = ctx.Process(target=_child, args=(self.q, self.side, files, columns, known_files), daemon=True,
                                name="precedent-reader")
        self.proc.start()

    def __iter__(self) -> Iterator[tuple]:
        try:
            while True:
                yield from self._counts()
                try:
                    msg = self.q.get(timeout=0.5)
                except queue.Empty:
                    if not self.proc.is_alive():
                        raise RuntimeError(f"the reader process died (exit code {self.proc.exitcode})")
                    continue
                if msg[0] == "end":
                    yield from self._counts()
                    return
                if msg[0] == "error":
                    raise RuntimeError(f"the reader process failed: {msg[1]}")
                yield msg
        finally:
            self.close()

    def _counts(self) -> Iterator[tuple]:
        while True:
            try:
                yield self.side.get_nowait()
            except queue.Empty:
                return

    def close(self) -> None:
        if self.proc.is_alive():
            self.proc.terminate()
        self.proc.join(timeout=5)
