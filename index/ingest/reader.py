"""Reading and parsing for ingest, in a separate process while the parent encodes.

``read_files`` is a generator of messages (plain tuples, picklable) describing each file:
what it held, the documents with their chunks and extracted findings, or why it failed.
``ReaderProcess`` runs it in a child process (forked where possible) and hands the messages over a bounded queue, so PDF reading, chunking and
rule extraction overlap with encoding on the other core; every input is read so, however
small, since a small file can hang a parser too. With ``processes=0`` the same generator runs in
the caller (debugging), without a time or memory bound.

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

Bounds (``corpus.readers.limits``, from ``Settings.limits()``): a file over its size, a zip bomb
and rows that are not records are reported as "failed" (a row with its ``#row=`` / ``#line=``
source); a document's text and passages are cut with a warning. In a reader process, a file
read (or a document extracted) for longer than ``file_seconds`` is abandoned: the child says so
("abandon", number, path, reason — the parent reports it as "failed"), and the parent starts a
new child with the files after it. The child's memory is capped too (``limits.reader_mb`` beyond
what it had at its start, an address-space limit: ``cap_memory``): a file whose reading or
extraction runs out of it is abandoned the same way, with that reason; a child that dies (killed,
or crashed in C code short of memory) costs its file in progress, reported. What the parent
received before is kept. Read in the caller (``processes=0``), neither time nor memory is bounded.
"""
from __future__ import annotations

import hashlib
import logging
import multiprocessing as mp
import os
import queue
import re
import resource
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
from corpus.readers import Limits, bound_document, read_mapped_table, truncate_at

from index.rows import text_hash
from index.settings import Settings

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


def prepare(doc: Document, chunks: list[Chunk] | None = None, notes: list[str] | None = None) -> Prepared:
    """Extract, then chunk with the long findings (``CUT_WORDS``) as cut points: such a finding
    of at most a passage's length is a passage of its own, so the two share one vector (see
    ``ingest.finding_vector_keys``).
    ``chunks``: the document as first chunked (without cuts) to count it ahead; ``notes``: what
    the limits changed in it (each becomes a warning)."""
    warnings: list[dict] = [{"source": doc.source, "warning": n} for n in notes or ()]
    x = extract_findings(doc, warnings)
    cuts = [(f.start, f.end) for f in x.findings
            if CUT_WORDS is not None and f.start is not None and f.end is not None
            and len(f.text.split()) >= CUT_WORDS]
    final = chunk_document(doc, cuts=cuts) if cuts or chunks is None else chunks
    return Prepared(doc, content_hash(doc), final, x, warnings,
                    recount=len(final) - len(chunks) if chunks is not None else 0)


def read_files(files: list[Path], columns: dict | None, known_files: set[str],
               limits: Limits | None = None) -> Iterator[tuple]:
    """Every message in order, in this process (no time limit: nothing could stop it)."""
    limits = limits or Settings.from_env().limits()
    for msg in _read_raw(files, columns, known_files, limits):
        if msg[0] == "rawdoc":
            yield ("doc", prepare(msg[1], msg[2], msg[3]))
        else:
            yield msg
    yield ("end",)


def bounded(doc: Document, limits: Limits) -> tuple[Document | None, list[Chunk], list[str]]:
    """The document within the limits (long "words" dropped, text and passages cut), its chunks
    and the notes saying what changed; None when no text is left."""
    earlier = [n for n in (doc.meta.get("note") or "").split("; ") if "(limit PRECEDENT_" in n]  # the reader's cut
    doc, notes = bound_document(doc, limits)
    notes[:0] = earlier
    if doc is None:
        return None, [], notes
    chunks = chunk_document(doc)
    if len(chunks) > limits.max_passages:
        doc = truncate_at(doc, chunks[limits.max_passages - 1].end)
        notes.append(f"passages cut: kept the first {limits.max_passages:,} of {len(chunks):,} "
                     "(limit PRECEDENT_MAX_PASSAGES)")
        chunks = chunks[: limits.max_passages]
        doc.meta["note"] = "; ".join(filter(None, [doc.meta.get("note"), notes[-1]]))
    return doc, chunks, notes


def _read_raw(files: list[Path], columns: dict | None, known_files: set[str], limits: Limits,
              numbers: list[int] | None = None, capped: bool = False) -> Iterator[tuple]:
    """Read and chunk (fast); extraction is left to the consumer, as ("rawdoc", doc, chunks, notes).
    ``numbers``: each file's number in the whole input (default 1, 2, ...). ``capped``: memory is
    capped (in the reader process), so a ``MemoryError`` is raised for the caller to abandon the
    file and this process; uncapped, it is reported as the file's failure like any other."""
    for n, path in zip(numbers or range(1, len(files) + 1), files):
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
                result = read_mapped_table(path, columns, limits)
            else:
                result = readers.read_path(path, limits)
        except ReadError as e:
            yield ("counted", str(path), 0, 0)
            yield ("failed", str(path), str(e))
            continue
        except MemoryError:
            if capped:
                raise
            yield ("counted", str(path), 0, 0)
            yield ("failed", str(path), "out of memory reading the file")
            continue
        except Exception as e:  # noqa: BLE001 - a reader bug must not stop the batch
            log.exception("unexpected error reading %s", path)
            yield ("counted", str(path), 0, 0)
            yield ("failed", str(path), f"unexpected error reading file: {type(e).__name__}: {e}")
            continue
        for problem in result.problems:  # rows that are not records: each reported with its reason
            yield ("failed", problem["source"], problem["reason"])
        chunked = []
        for doc in result.documents:
            kept, chunks, notes = bounded(doc, limits)
            if kept is None:
                yield ("failed", doc.source, "no text left within the limits: " + "; ".join(notes))
            else:
                chunked.append((kept, chunks, notes))
        if not chunked and not result.annotations:
            yield ("counted", str(path), 0, 0)
            if not any(d.source == str(path) for d in result.documents):  # not reported above under its name
                yield ("failed", str(path), "no readable documents in file" +
                       (" (each part reported)" if result.problems or result.documents else ""))
            continue
        if result.annotations:
            yield ("annotations", str(path), path.name, result.annotations)
        yield ("counted", str(path), len(chunked), sum(len(c) for _, c, _ in chunked))
        yield ("documents", str(path), len(chunked))
        for doc, chunks, notes in chunked:
            yield ("rawdoc", doc, chunks, notes)
        yield ("file_done", str(path), fh, len(chunked))


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


def cap_memory(mb: float) -> int | None:
    """Let this process take at most ``mb`` megabytes of address space beyond what it has now
    (``RLIMIT_AS``; a forked child starts with its parent's mappings, so an absolute cap would be
    meaningless). Past it an allocation fails: Python raises ``MemoryError``. Returns the limit in
    bytes, or None where it cannot be set (no ``/proc``, or the platform refuses)."""
    try:
        with open("/proc/self/statm") as f:
            now = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = now + int(mb * 1024 * 1024)
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
        return limit
    except (OSError, ValueError, AttributeError) as e:
        log.warning("the reader's memory cannot be capped here: %s", e)
        return None


def memory_reason(what: str, limits: Limits) -> str:
    return (f"abandoned: {what} needed more than {limits.reader_mb:g} MB of memory "
            "(limit PRECEDENT_READER_MB)")


class _Watch:
    """What each thread of the child is busy on and since when; a watchdog thread abandons a file
    read, or a document extracted, for longer than ``seconds``."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.lock = threading.Lock()
        self.busy: dict[str, tuple[int, str, float]] = {}  # "read" | "extract" -> (number, path, since)

    def start(self, what: str, number: int, path: str) -> None:
        with self.lock:
            self.busy[what] = (number, path, time.monotonic())

    def stop(self, what: str) -> None:
        with self.lock:
            self.busy.pop(what, None)

    def overdue(self) -> tuple[str, int, str] | None:
        now = time.monotonic()
        with self.lock:
            for what, (number, path, since) in self.busy.items():
                if now - since > self.seconds:
                    return what, number, path
        return None


def _child(q, side, files, numbers, columns, known_files, limits: Limits, at) -> None:
    """Three threads: one reads and chunks every file as fast as it can (and reports the
    counts on ``side`` at once); the main one extracts findings and feeds the bounded ``q``; a
    watchdog abandons a file over its time (the parent starts a new child after it). ``at``:
    shared numbers (the file being read, the file being extracted; 0: none), so a parent whose
    child died knows which file it died on. The process dies with its parent (``die_with_parent``)."""
    die_with_parent()
    capped = cap_memory(limits.reader_mb) is not None
    work: queue.Queue = queue.Queue()
    failed: list[str] = []
    watch = _Watch(limits.file_seconds)
    q_lock = threading.Lock()  # one writer at a time: the main thread, or the watchdog leaving

    def read_ahead() -> None:
        reading = (0, "")
        try:
            for msg in _read_raw(files, columns, known_files, limits, numbers, capped):
                if msg[0] == "file":
                    reading = (msg[1], msg[2])
                    watch.start("read", msg[1], msg[2])
                    at[0] = msg[1]
                elif msg[0] in ("counted", "failed", "present"):  # this file's reading is over
                    at[0] = 0
                if msg[0] == "counted":
                    side.put(msg)
                else:
                    work.put(msg)
            watch.stop("read")
        except MemoryError:  # over the cap: this file is abandoned, a new reader takes the rest
            watch.stop("read")
            work.put(("abandon", *reading, memory_reason("reading the file", limits)))
        except BaseException as e:  # noqa: BLE001 - tell the parent, which raises
            failed.append(f"{type(e).__name__}: {e}")
        finally:
            work.put(None)

    parent = os.getppid()

    def put(msg) -> None:
        """Wait for room, but not for a parent that has gone (killed): then stop."""
        with q_lock:
            while True:
                try:
                    q.put(msg, timeout=1.0)
                    return
                except queue.Full:
                    if os.getppid() != parent:  # nobody will read: leave now, without flushing the queue
                        os._exit(0)

    def leave(msgs) -> None:
        """Hand the parent its last messages (flushed) and end this process at once: a thread
        stuck in a file cannot be stopped any other way."""
        for m in msgs:
            put(m)
        q.close()
        q.join_thread()
        os._exit(0)

    def watchdog() -> None:
        while True:
            time.sleep(0.2)
            late = watch.overdue()
            if late is None:
                continue
            what, number, path = late
            reason = (f"abandoned: reading the file took more than {limits.file_seconds:g} s" if what == "read" else
                      f"abandoned: extracting a document of it took more than {limits.file_seconds:g} s; "
                      "documents read before it were kept") + " (limit PRECEDENT_FILE_SECONDS)"
            if what == "read":  # after every message before it, in order: through the main thread
                work.put(("abandon", number, path, reason))
                watch.stop("read")
                continue
            with q_lock:  # the main thread is stuck extracting: nothing of it is in flight
                pass
            leave([("abandon", number, path, reason)])

    threading.Thread(target=read_ahead, name="read-ahead", daemon=True).start()
    threading.Thread(target=watchdog, name="watchdog", daemon=True).start()
    number, path = 0, ""
    try:
        while (msg := work.get()) is not None:
            if msg[0] == "abandon":
                leave([msg])
            if msg[0] == "file":
                number, path = msg[1], msg[2]
            if msg[0] == "rawdoc":
                watch.start("extract", number, path)
                at[1] = number
                try:
                    p = prepare(msg[1], msg[2], msg[3])
                except MemoryError:  # documents of the file sent before stay with the parent
                    leave([("abandon", number, path, memory_reason("extracting a document of it", limits))])
                at[1] = 0
                watch.stop("extract")
                put(("doc", p))
            else:
                put(msg)
        if failed:
            put(("error", failed[0]))
    except BaseException as e:  # noqa: BLE001 - tell the parent, which raises
        put(("error", f"{type(e).__name__}: {e}"))
    put(("end",))


class ReaderProcess:
    """Iterate over ``read_files`` messages produced in a child process. A file over its time, or
    a child that dies, costs that file only: it is reported ("failed") and a new child reads
    every file not yet finished but that one."""

    def __init__(self, files: list[Path], columns: dict | None, known_files: set[str],
                 limits: Limits | None = None):
        # fork where there is one: a spawned child would re-run the caller's main module (a script
        # without a __main__ guard would fail, a heavy one would be imported twice); the child only
        # reads files and touches nothing it inherits (no SQLite, no ONNX) and leaves by os._exit
        self.ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
        self.files, self.columns, self.known_files = list(files), columns, known_files
        self.limits = limits or Settings.from_env().limits()
        self.finished: set[int] = set()  # numbers of the files done, failed or abandoned
        self.restarts = 0
        self.alone: int | None = None  # the one file a child was started for, after an ambiguous death
        self._start()

    def _start(self, only: int | None = None) -> None:
        """A child reading every file not finished (or only file number ``only``)."""
        numbers = [only] if only else [n for n in range(1, len(self.files) + 1) if n not in self.finished]
        self.alone = only
        self.q = self.ctx.Queue(maxsize=QUEUE_SIZE)
        self.side = self.ctx.Queue()
        self.at = self.ctx.Array("l", 2, lock=False)
        self.proc = self.ctx.Process(
            target=_child, args=(self.q, self.side, [self.files[n - 1] for n in numbers], numbers, self.columns,
                                 self.known_files, self.limits, self.at),
            daemon=True, name="precedent-reader")
        self.proc.start()

    def __iter__(self) -> Iterator[tuple]:
        number_of = {str(p): n for n, p in enumerate(self.files, 1)}
        try:
            while True:
                yield from self._counts()
                try:
                    msg = self.q.get(timeout=0.5)
                except queue.Empty:
                    if self.proc.is_alive():
                        continue
                    try:  # anything it sent before dying comes first
                        msg = self.q.get(timeout=0.5)
                    except queue.Empty:
                        msg = ("died", self.proc.exitcode)
                kind = msg[0]
                if kind == "end":
                    yield from self._counts()
                    if self.alone and len(self.finished) < len(self.files):  # a suspect read alone: now the rest
                        self.close()
                        self._start()
                        continue
                    return
                if kind == "error":
                    raise RuntimeError(f"the reader process failed: {msg[1]}")
                if kind in ("abandon", "died"):
                    if kind == "abandon":
                        number, reason = msg[1], msg[3]
                    else:
                        suspects = sorted({n for n in (self.at[1], self.at[0]) if n} - self.finished)
                        if not suspects:
                            raise RuntimeError(f"the reader process died (exit code {msg[1]})")
                        if len(suspects) > 1:  # one file extracted while another was read: which was it?
                            self.restarts += 1
                            self.close()
                            self._start(only=suspects[0])  # the first alone; the rest after it
                            continue
                        number = suspects[0]
                        reason = (f"the reader process stopped while reading this file (exit code {msg[1]}"
                                  f"{'; perhaps short of memory, limit PRECEDENT_READER_MB' if msg[1] in (-6, -11) else ''})")
                    path = str(self.files[number - 1])
                    log.warning("%s: %s", path, reason)
                    yield ("counted", path, 0, 0)
                    yield ("failed", path, reason)
                    self.finished.add(number)
                    self.restarts += 1
                    if self.restarts > 2 * len(self.files):
                        raise RuntimeError("the reader process keeps failing")
                    self.close()
                    if len(self.finished) >= len(self.files):
                        return
                    self._start()
                    continue
                if kind in ("file_done", "present", "failed") and msg[1] in number_of:
                    self.finished.add(number_of[msg[1]])
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
        if self.proc.is_alive():  # stuck in C code that ignores SIGTERM
            self.proc.kill()
            self.proc.join(timeout=5)
