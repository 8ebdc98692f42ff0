"""Ingest: files -> documents -> passages, findings, actions -> vectors -> library.

Work is committed in batches, each one SQLite transaction holding the rows *and* their
vectors, so a killed ingest loses at most the batch in flight, a re-run skips everything
already committed (documents by content hash, whole files by file hash), and a reader
never sees a committed row whose vector is still to come (the vector indexes of a running
server top up from the store by row id, see ``Library.refresh_vectors``).

Reading, chunking and rule extraction run in a separate process (``index.ingest.reader``) while
this one encodes; the encoder sorts each batch by length so little is padding. Texts are
embedded once: vectors are cached by text hash and shared by every passage or finding with
the same text. Passages that repeat what many earlier documents said (``boilerplate``) are
stored for keyword search and display but not embedded."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from corpus.readers import sniff as readers

from index import acronyms, rows
from index.ingest import sources
from index.ingest.boilerplate import BoilerplateDetector
from index.ingest.reader import Prepared, ReaderProcess, read_files
from index.library import Library, LibraryError, stored_encoder
from index.rows import text_hash
from index.settings import ENV, Settings
from index.store import dumps

Progress = Callable[..., None]
PROCESSES_ENV = ENV["ingest_processes"]  # 0: read in this process; 1 (the default): a reader process
FIRST_BATCH = 32  # the first commits are small so keyword search answers within seconds


@dataclass
class IngestReport:
    files: int = 0
    added: list[dict] = field(default_factory=list)  # {id, title, source}
    present: list[dict] = field(default_factory=list)  # {title|path, source}
    replaced: list[dict] = field(default_factory=list)  # {id, title, source, replaced_by, packs, ...}
    moved: list[dict] = field(default_factory=list)  # {id, title, source, from}
    removed: list[dict] = field(default_factory=list)  # {id, title, source, packs, judgements} (--sync)
    failed: list[dict] = field(default_factory=list)  # {path, reason}
    warnings: list[dict] = field(default_factory=list)
    annotations: int = 0
    passages: int = 0
    findings: int = 0
    actions: int = 0
    encoded: int = 0  # texts actually sent to the model
    not_embedded: int = 0  # boilerplate passages kept for keyword search only
    seconds: float = 0.0
    timings: dict = field(default_factory=lambda: dict.fromkeys(("encode", "commit", "wait_reader", "after"), 0.0))

    def summary(self) -> dict:
        return {
            "files": self.files,
            "added": len(self.added),
            "already_present": len(self.present),
            "replaced": len(self.replaced),
            "replaced_documents": self.replaced,
            "moved": self.moved,
            "removed": len(self.removed),
            "removed_documents": self.removed,
            "failed": self.failed,
            "failed_count": len(self.failed),
            "annotations": self.annotations,
            "passages": self.passages,
            "findings": self.findings,
            "actions": self.actions,
            "texts_encoded": self.encoded,
            "boilerplate_passages_not_embedded": self.not_embedded,
            "warnings": self.warnings,
            "seconds": round(self.seconds, 2),
            "timings_s": {k: round(v, 2) for k, v in self.timings.items()},  # where the wall time went
        }


class _Batch:
    """Documents waiting to be embedded and committed together."""

    def __init__(self, lib: Library, report: IngestReport):
        self.lib = lib
        self.report = report
        self.items: list[Prepared] = []
        self.keys: list[tuple[str, int | None]] = []  # per item: its source key, the document it replaces
        self.hashes: set[str] = set()
        self.size = 0

    def add(self, p: Prepared, key: str, replaces: int | None) -> None:
        self.items.append(p)
        self.keys.append((key, replaces))
        self.hashes.add(p.hash)
        self.size += len(p.chunks) + len(p.extraction.findings)

    def flush(self) -> list[int]:
        if not self.items:
            return []
        store = self.lib.store
        texts: dict[str, str] = {}
        for p in self.items:
            skip = p.boilerplate
            for i, c in enumerate(p.chunks):
                if i not in skip:
                    texts.setdefault(text_hash(c.text), c.text)
            p.finding_keys = finding_vector_keys(p)
            for f, key in zip(p.extraction.findings, p.finding_keys):
                if key == text_hash(f.text):
                    texts.setdefault(key, f.text)
        known = store.known_vectors(list(texts))
        todo = [(h, t) for h, t in texts.items() if h not in known]
        t0 = time.perf_counter()
        vecs = self.lib.embedder.encode([t for _, t in todo]) if todo else np.zeros((0, 0), np.float32)
        t1 = time.perf_counter()
        self.report.timings["encode"] += t1 - t0
        self.report.encoded += len(todo)
        new_ids: list[int] = []
        with store.transaction() as c:
            check_vectors_build(c, self.lib)  # a tune may have swapped the vectors since this ingest began
            c.executemany(
                "INSERT OR IGNORE INTO vectors(text_hash, vector) VALUES (?, ?)",
                [(h, vecs[i].tobytes()) for i, (h, _) in enumerate(todo)],
            )
            for p, (key, replaces) in zip(self.items, self.keys):
                # Checked again under the write lock (BEGIN IMMEDIATE): another ingest of the same
                # file may have committed it since it was read. Present, never an IntegrityError.
                if self.lib.store.has_document_hash(p.hash):
                    self.report.present.append({"title": p.doc.title, "source": p.doc.source})
                    continue
                new_ids.append(_insert_document(c, p, self.report))
                if replaces is not None:  # the old version of the same source goes in the same commit
                    out = sources.retire(c, replaces, new_ids[-1])
                    if not out.get("missing"):  # (unless it was removed meanwhile)
                        self.report.replaced.append(out)
                sources.set_key(c, new_ids[-1], key)
        self.items, self.keys, self.hashes, self.size = [], [], set(), 0
        self.lib.refresh_vectors(force=True)
        self.report.timings["commit"] += time.perf_counter() - t1
        return new_ids


def check_vectors_build(c, lib) -> None:
    """Under the write lock: refuse to add vectors from an encoder other than the one that made
    the store's (a tune, ``index.tuning``, replaced them while this ingest ran). The batch is
    rolled back; the next ingest opens the library with its new encoder and goes on."""
    record = stored_encoder(c)
    build = getattr(lib.embedder, "build", None)
    if record and record.get("encoder_build") != build:
        raise LibraryError(f"library {lib.path} now answers with encoder {record.get('encoder_build')} (tuned while "
                           f"this ingest ran with {build}); run the ingest again to go on with the new encoder")


def _insert_document(c, p: Prepared, report: IngestReport) -> int:
    d, x = p.doc, p.extraction
    doc_id = rows.insert_document(
        c, content_hash=p.hash, title=d.title, type=x.type or d.type, date=d.date, reference=d.reference,
        source=d.source, text=d.text, blocks=[[s, e, b.section, b.page] for s, e, b in d.block_spans()], meta=d.meta)
    rows.insert_passages(c, doc_id, [(ch.text, ch.section, ch.page, ch.start, ch.end) for ch in p.chunks])
    finding_ids: dict[int, int] = {}
    keys = p.finding_keys or [text_hash(f.text) for f in x.findings]
    shared = []
    for f, key in zip(x.findings, keys):
        finding_ids[f.index] = rows.insert_finding(c, doc_id, f.index, f.kind, f.label, f.text, f.addressees,
                                                   f.section, f.page, f.start, f.end)
        if key != text_hash(f.text):  # the vector of its own passage (see finding_vector_keys)
            shared.append((key, finding_ids[f.index]))
    c.executemany("UPDATE findings SET text_hash=? WHERE id=?", shared)
    for i, a in enumerate(x.actions):
        rows.insert_action(c, doc_id, i, a.kind, a.text, a.owner, a.due, a.due_text, a.updated, a.status, a.page,
                           a.start, a.end, [finding_ids[k] for k in a.finding_indexes if k in finding_ids])
    if x.actions and (d.meta or {}).get("respondent"):  # a dataset's letter: its respondent is known now
        from index.responses import settle_owners

        settle_owners(c, doc_id)
    acronyms.record(c, d.text)
    report.added.append({"id": doc_id, "title": d.title, "source": d.source})
    report.passages += len(p.chunks)
    report.findings += len(x.findings)
    report.actions += len(x.actions)
    return doc_id


LABEL_PREFIX = 16  # at most this many characters ("12. ", "(3) ", "• ", "Concern 2: ") before the words


def _norm(text: str) -> str:
    return " ".join(text.split())


def finding_vector_keys(p: Prepared) -> list[str]:
    """Per finding, the hash of the text whose vector it takes. A finding that is exactly
    one passage (the chunker cuts at findings' edges), give or take its number or bullet
    and spacing, takes that passage's vector, so it costs no second encoding; any other
    (longer than a passage, no offsets, or its passage is boilerplate) its own text's."""
    keys = []
    for f in p.extraction.findings:
        key = text_hash(f.text)
        if f.start is not None and f.end is not None:
            inside = [i for i, c in enumerate(p.chunks) if c.start < f.end and c.end > f.start]
            if len(inside) == 1 and inside[0] not in p.boilerplate:
                c = p.chunks[inside[0]]
                mine, theirs = _norm(c.text), _norm(f.text)
                if c.start >= f.start and c.end <= f.end and theirs and mine.endswith(theirs) \
                        and len(mine) - len(theirs) <= LABEL_PREFIX:
                    key = text_hash(c.text)
        keys.append(key)
    return keys


def _store_annotations(lib: Library, annotations, source: str) -> int:
    with lib.store.transaction() as c:
        c.executemany(
            "INSERT OR REPLACE INTO annotations(reference, source, data) VALUES (?,?,?)",
            [(a.reference, source, dumps(a.data)) for a in annotations],
        )
    return len(annotations)


def _messages(files: list[Path], columns, known_files: set[str], processes: int | None):
    """Every file is read in a reader process (its time and memory bounded), however small the
    input: a 1 KB file can hang a parser as surely as a 100 MB one, and a forked reader costs a
    few milliseconds. ``processes=0`` (or ``PRECEDENT_INGEST_PROCESSES=0``) reads in this process,
    unbounded: for debugging."""
    if processes is None:
        processes = Settings.from_env().ingest_processes
        if processes is None:
            processes = 1
    if processes and files:
        return iter(ReaderProcess(files, columns, known_files))
    return read_files(files, columns, known_files)


def ingest(
    lib: Library,
    paths: Iterable[str | Path],
    progress: Progress | None = None,
    batch_size: int = 1024,
    save_every: int = 20,
    columns: dict[str, str] | None = None,
    processes: int | None = None,
    sync: bool = False,
) -> IngestReport:
    """Add every readable document under ``paths``; report the rest with reasons.

    ``columns`` maps roles (finding, action, owner, date, status, reference) to the columns
    of spreadsheets (CSV/XLSX) among the inputs, imported row by row as action plans.
    ``processes`` 0 reads files in this process (no time or memory bound), 1 in a reader process;
    default $PRECEDENT_INGEST_PROCESSES, else 1. ``progress(event, **kw)`` hears "files" (total), "file", "skipped",
    "documents" (count), "counted" (documents, passages: a file read and chunked, reported
    ahead of the encoder), "document" (type; present=True for one already held) and "committed"
    (documents, passages, embedded, texts, findings).

    A document's identity is its source (``index.ingest.sources``): a changed document from a
    source the library has replaces its old version (``report.replaced``), and the rows a re-read
    dataset file no longer holds are removed (``report.removed``). ``sync``: then remove the
    documents whose files under the folders among ``paths`` are gone.

    ``progress`` also gets "failed" (path, reason) and, after the last document, "step" (name, state,
    documents, seconds, detail: ``finish.finish_pending``)."""
    t0 = time.perf_counter()
    lib.check_adding_vectors()  # never mix vectors from two builds of the encoder
    report = IngestReport()
    progress = progress or (lambda *a, **k: None)
    files = readers.list_files([Path(p) for p in paths], report.failed, report.warnings)
    progress("files", total=len(files))
    with lib.store.transaction() as c:
        sources.ensure_source_keys(c)  # a library from before source keys gets them once
    known_files = sources.known_files(lib.store.conn)
    keys_seen: set[str] = set()  # the sources read in this run: a second row of one reference is its own
    read_from: dict[str, set[str]] = {}  # file -> the keys and content hashes its documents had in this run
    dropped: list[int] = []  # documents of a re-read file that its new version no longer holds
    batch = _Batch(lib, report)
    detector = BoilerplateDetector()
    new_ids: list[int] = []
    flushes = 0
    embedded = 0

    done_files: list[tuple] = []  # files whose every document is in the batch or committed

    def flush() -> None:
        nonlocal flushes, embedded, new_ids
        n_embedded = sum(len(p.chunks) - len(p.boilerplate) for p in batch.items)
        files_now = list(done_files)  # not one sent after this batch was filled
        ids = batch.flush()
        if dropped:  # before the files are recorded: a killed run reads them again and drops these then
            report.removed += sources.remove_documents(lib, dropped, finish=False)["removed"]
            dropped.clear()
        if files_now:  # a killed run re-reads a file unless all its documents were committed
            with lib.store.transaction() as c:
                for sha, path, n in files_now:
                    sources.record_file(c, sha, path, n)
            del done_files[: len(files_now)]
        if not ids:
            return
        new_ids += ids
        embedded += n_embedded
        flushes += 1
        if flushes % save_every == 0:
            lib.save_indexes()
        progress("committed", documents=len(report.added), passages=report.passages, embedded=embedded,
                 texts=report.encoded, findings=report.findings)

    messages = _messages(files, columns, known_files, processes)
    while True:
        t_wait = time.perf_counter()
        msg = next(messages, None)
        report.timings["wait_reader"] += time.perf_counter() - t_wait
        if msg is None:
            break
        kind = msg[0]
        if kind == "file":
            report.files += 1
            progress("file", path=msg[2], number=msg[1])
        elif kind == "present":
            report.present.append({"path": msg[1], "source": msg[1]})
            progress("skipped", path=msg[1])
        elif kind == "failed":
            report.failed.append({"path": msg[1], "reason": msg[2]})
            progress("failed", path=msg[1], reason=msg[2])
        elif kind == "annotations":
            report.annotations += _store_annotations(lib, msg[3], msg[2])
        elif kind == "documents":
            progress("documents", count=msg[2])
        elif kind == "counted":
            progress("counted", documents=msg[2], passages=msg[3])
        elif kind == "doc":
            p: Prepared = msg[1]
            report.warnings += p.warnings
            if p.recount:
                progress("recounted", passages=p.recount)
            key = _key(p, keys_seen)
            read_from.setdefault(sources.key_file(key), set()).update((key, p.hash))
            old = sources.document_of_key(lib.store.conn, key)
            if p.hash in batch.hashes or lib.store.has_document_hash(p.hash):
                _present(lib, p, key, old, report)
                progress("document", present=True, passages=len(p.chunks))
                continue
            p.boilerplate = {i for i, b in enumerate(detector.observe([c.text for c in p.chunks])) if b}
            report.not_embedded += len(p.boilerplate)
            batch.add(p, key, old)
            progress("document", type=p.extraction.type or p.doc.type)
            if batch.size >= min(batch_size, FIRST_BATCH << flushes):
                flush()
        elif kind == "file_done":  # recorded once its documents are committed (next flush)
            dropped += sources.dropped_rows(lib.store.conn, msg[1], read_from.pop(sources.file_key(msg[1]), set()))
            done_files.append((msg[2], msg[1], msg[3]))
    flush()
    if sync:
        gone = [i for f in paths if Path(f).is_dir() for i in sources.gone_under(lib, f)]
        if gone:
            report.removed += sources.remove_documents(lib, gone, finish=False)["removed"]
    lib.save_indexes()
    if new_ids or report.removed or report.replaced:
        from index.termstats import refresh_if_needed

        refresh_if_needed(lib.store)
    t_after = time.perf_counter()
    _after_ingest(lib, new_ids, report, progress)
    report.timings["after"] = time.perf_counter() - t_after  # cross-document work (linking)
    report.seconds = time.perf_counter() - t0
    return report


def _key(p: Prepared, seen: set[str]) -> str:
    """The document's source key; a second document of one file under the same reference takes
    its row's own (as ``sources.ensure_source_keys`` does for a library from before keys)."""
    return sources.unique_key(p.doc.source, p.doc.reference, p.doc.meta, seen)


def _present(lib: Library, p: Prepared, key: str, old: int | None, report: IngestReport) -> None:
    """A document whose words the library already has. The same source: nothing to do. Its
    stored copy's file is gone: the document moved here (keeps its id, takes this source). This
    source held other words before: that old version gives way to the stored copy."""
    report.present.append({"title": p.doc.title, "source": p.doc.source})
    same = lib.store.has_document_hash(p.hash)
    if same is None or same == old:
        return
    was = sources.key_of(lib.store.conn, same)
    with lib.store.transaction() as c:
        if old is not None:
            report.replaced.append(sources.retire(c, old, same))
        if was is None or not sources.file_exists(was):
            sources.move(c, same, key, p.doc.source)
            report.moved.append({"id": same, "title": p.doc.title, "source": p.doc.source, "from": was})


def _after_ingest(lib: Library, new_ids: list[int], report: IngestReport, progress: Progress | None = None) -> None:
    """Cross-document work (linking, themes) for every document that lacks it, this
    run's and any a killed run left behind: see index/ingest/finish.py."""
    from index.ingest.finish import finish_pending

    report.warnings += finish_pending(lib, progress=progress)["warnings"]
