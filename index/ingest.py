"""Ingest: files -> documents -> passages, findings, actions -> vectors -> library.

Work is committed in batches, each one SQLite transaction, so a killed ingest loses at
most the batch in flight and a re-run skips everything already committed (documents by
content hash, whole files by file hash). Texts are embedded once: vectors are cached by
text hash and shared by every passage or finding with the same text."""
from __future__ import annotations

import hashlib
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from corpus.chunk import Chunk, chunk_document
from corpus.records import Document, Extraction, ReadError
from corpus import readers
from corpus.spreadsheet import read_mapped_table

from . import acronyms
from .library import Library
from .store import dumps

Progress = Callable[..., None]


@dataclass
class IngestReport:
    files: int = 0
    added: list[dict] = field(default_factory=list)  # {id, title, source}
    present: list[dict] = field(default_factory=list)  # {title|path, source}
    failed: list[dict] = field(default_factory=list)  # {path, reason}
    warnings: list[dict] = field(default_factory=list)
    annotations: int = 0
    passages: int = 0
    findings: int = 0
    actions: int = 0
    encoded: int = 0  # texts actually sent to the model
    seconds: float = 0.0

    def summary(self) -> dict:
        return {
            "files": self.files,
            "added": len(self.added),
            "already_present": len(self.present),
            "failed": self.failed,
            "failed_count": len(self.failed),
            "annotations": self.annotations,
            "passages": self.passages,
            "findings": self.findings,
            "actions": self.actions,
            "texts_encoded": self.encoded,
            "warnings": self.warnings,
            "seconds": round(self.seconds, 2),
        }


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


def _extract(doc: Document, report: IngestReport) -> Extraction:
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
        report.warnings.append({"source": doc.source, "warning": f"extraction failed: {type(e).__name__}: {e}"})
        return Extraction(type=doc.type)


@dataclass
class _Prepared:
    doc: Document
    hash: str
    chunks: list[Chunk]
    extraction: Extraction


class _Batch:
    """Documents waiting to be embedded and committed together."""

    def __init__(self, lib: Library, report: IngestReport):
        self.lib = lib
        self.report = report
        self.items: list[_Prepared] = []
        self.hashes: set[str] = set()

    @property
    def size(self) -> int:
        return sum(len(p.chunks) + len(p.extraction.findings) for p in self.items)

    def add(self, p: _Prepared) -> None:
        self.items.append(p)
        self.hashes.add(p.hash)

    def flush(self) -> list[int]:
        if not self.items:
            return []
        store = self.lib.store
        texts: dict[str, str] = {}
        for p in self.items:
            for c in p.chunks:
                texts.setdefault(text_hash(c.text), c.text)
            for f in p.extraction.findings:
                texts.setdefault(text_hash(f.text), f.text)
        known = store.known_vectors(list(texts))
        todo = [(h, t) for h, t in texts.items() if h not in known]
        vecs = self.lib.embedder.encode([t for _, t in todo]) if todo else np.zeros((0, 0), np.float32)
        self.report.encoded += len(todo)
        new_ids: list[int] = []
        with store.transaction() as c:
            c.executemany(
                "INSERT OR IGNORE INTO vectors(text_hash, vector) VALUES (?, ?)",
                [(h, vecs[i].tobytes()) for i, (h, _) in enumerate(todo)],
            )
            for p in self.items:
                new_ids.append(_insert_document(c, p, self.report))
        self.items, self.hashes = [], set()
        self.lib.passages.sync(store)
        self.lib.findings.sync(store)
        return new_ids


def _insert_document(c, p: _Prepared, report: IngestReport) -> int:
    d, x = p.doc, p.extraction
    blocks = [[s, e, b.section, b.page] for s, e, b in d.block_spans()]
    cur = c.execute(
        "INSERT INTO documents(content_hash, title, type, date, reference, source, text, blocks, meta)"
        " VALUES (?,?,?,?,?,?,?,?,?)",
        (p.hash, d.title, x.type or d.type, d.date, d.reference, d.source, d.text, dumps(blocks), dumps(d.meta)),
    )
    doc_id = cur.lastrowid
    c.executemany(
        "INSERT INTO passages(document_id, seq, text, section, page, start, end, text_hash) VALUES (?,?,?,?,?,?,?,?)",
        [(doc_id, i, ch.text, ch.section, ch.page, ch.start, ch.end, text_hash(ch.text)) for i, ch in enumerate(p.chunks)],
    )
    finding_ids: dict[int, int] = {}
    for f in x.findings:
        fc = c.execute(
            "INSERT INTO findings(document_id, seq, kind, label, text, addressees, section, page, start, end, text_hash)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (doc_id, f.index, f.kind, f.label, f.text, dumps(f.addressees), f.section, f.page, f.start, f.end,
             text_hash(f.text)),
        )
        finding_ids[f.index] = fc.lastrowid
    for i, a in enumerate(x.actions):
        ac = c.execute(
            "INSERT INTO actions(document_id, seq, kind, text, owner, due, due_text, updated, status, page, start, end)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (doc_id, i, a.kind, a.text, a.owner, a.due, a.due_text, a.updated, a.status, a.page, a.start, a.end),
        )
        c.executemany(
            "INSERT OR IGNORE INTO action_findings(action_id, finding_id) VALUES (?, ?)",
            [(ac.lastrowid, finding_ids[k]) for k in a.finding_indexes if k in finding_ids],
        )
    acronyms.record(c, d.text)
    report.added.append({"id": doc_id, "title": d.title, "source": d.source})
    report.passages += len(p.chunks)
    report.findings += len(x.findings)
    report.actions += len(x.actions)
    return doc_id


def _store_annotations(lib: Library, annotations, source: str) -> int:
    with lib.store.transaction() as c:
        c.executemany(
            "INSERT OR REPLACE INTO annotations(reference, source, data) VALUES (?,?,?)",
            [(a.reference, source, dumps(a.data)) for a in annotations],
        )
    return len(annotations)


def ingest(
    lib: Library,
    paths: Iterable[str | Path],
    progress: Progress | None = None,
    batch_size: int = 256,
    save_every: int = 20,
    columns: dict[str, str] | None = None,
) -> IngestReport:
    """Add every readable document under ``paths``; report the rest with reasons.

    ``columns`` maps roles (finding, action, owner, date, status, reference) to the columns
    of spreadsheets (CSV/XLSX) among the inputs, imported row by row as action plans."""
    t0 = time.perf_counter()
    report = IngestReport()
    progress = progress or (lambda *a, **k: None)
    files = readers.list_files([Path(p) for p in paths], report.failed, report.warnings)
    progress("files", total=len(files))
    batch = _Batch(lib, report)
    new_ids: list[int] = []
    flushes = 0
    for n, path in enumerate(files, 1):
        report.files += 1
        progress("file", path=str(path), number=n)
        try:
            fh = file_hash(path)
        except OSError as e:
            report.failed.append({"path": str(path), "reason": f"cannot read file: {e.strerror or e}"})
            continue
        if lib.store.has_file(fh):
            report.present.append({"path": str(path), "source": str(path)})
            progress("skipped", path=str(path))
            continue
        try:
            if columns and path.suffix.lower() in (".csv", ".xlsx", ".tsv"):
                result = read_mapped_table(path, columns)
            else:
                result = readers.read_path(path)
        except ReadError as e:
            report.failed.append({"path": str(path), "reason": str(e)})
            continue
        except Exception as e:  # noqa: BLE001 - a reader bug must not stop the batch
            report.failed.append({"path": str(path), "reason": f"unexpected error reading file: {type(e).__name__}: {e}"})
            continue
        if not result.documents and not result.annotations:
            report.failed.append({"path": str(path), "reason": "no readable documents in file"})
            continue
        if result.annotations:
            report.annotations += _store_annotations(lib, result.annotations, path.name)
        progress("documents", count=len(result.documents))
        for doc in result.documents:
            h = content_hash(doc)
            if h in batch.hashes or lib.store.has_document_hash(h):
                report.present.append({"title": doc.title, "source": doc.source})
                progress("document")
                continue
            batch.add(_Prepared(doc, h, chunk_document(doc), _extract(doc, report)))
            progress("document")
            if batch.size >= batch_size:
                new_ids += batch.flush()
                flushes += 1
                if flushes % save_every == 0:
                    lib.save_indexes()
        new_ids += batch.flush()
        with lib.store.transaction() as c:
            c.execute("INSERT OR REPLACE INTO files(sha256, path, documents) VALUES (?,?,?)",
                      (fh, str(path), len(result.documents)))
    lib.save_indexes()
    if new_ids:
        from .termstats import refresh_if_needed

        refresh_if_needed(lib.store)
    _after_ingest(lib, new_ids, report)
    report.seconds = time.perf_counter() - t0
    return report


def _after_ingest(lib: Library, new_ids: list[int], report: IngestReport) -> None:
    """Cross-document work (linking, themes) for every document that lacks it, this
    run's and any a killed run left behind: see index/post_ingest.py."""
    from .post_ingest import finish_pending

    report.warnings += finish_pending(lib)["warnings"]
