"""Ingest behind a running server: one writer thread, progress anyone can read.

``IngestWorker(lib, paths).start()`` runs :func:`index.ingest.pipeline.ingest` on a daemon thread
(reading and parsing go on in its reader process; SQLite in WAL mode lets the server's
threads read while it commits). Each committed batch is visible at once: keyword search
through SQLite, meaning search through the library's vector indexes, which top up from
the store. ``status()`` is the dict behind /status.json and the banner on every page.

``coverage(lib)`` says how much of what is stored is covered by meaning search, for any
library, ingesting or not (a CLI ingest in another process shows up there too)."""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Iterable

from index.library import Library

log = logging.getLogger(__name__)


class IngestWorker:
    def __init__(self, lib: Library, paths: Iterable[str | Path], columns: dict | None = None,
                 after: list | None = None):
        self.lib = lib
        self.paths = [Path(p) for p in paths]
        self.columns = columns
        self.after = after or []  # callables(lib) run once the ingest has finished (e.g. themes)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._s = {"running": False, "started": None, "finished": None, "error": None, "files_done": 0,
                   "files_total": 0, "documents_done": 0, "documents_present": 0, "passages_present": 0,
                   "documents_counted": 0, "passages_counted": 0, "files_counted": 0,
                   "passages_done": 0, "passages_embedded": 0, "texts_encoded": 0, "summary": None}
        self._t0 = 0.0
        self._first_commit = None  # (time, passages) once the first batch is in

    # ---- running ---------------------------------------------------------------------
    def start(self) -> "IngestWorker":
        with self._lock:
            self._s.update(running=True, started=time.time())
        self._t0 = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="precedent-ingest", daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        from index.ingest.pipeline import ingest

        try:
            report = ingest(self.lib, self.paths, progress=self._progress, columns=self.columns)
            summary = report.summary()
            with self._lock:
                self._s["summary"] = {k: summary[k] for k in ("added", "already_present", "failed_count",
                                                              "passages", "findings", "texts_encoded", "seconds")}
            for step in self.after:
                step(self.lib)
        except Exception as e:  # noqa: BLE001 - the server goes on; the page says what happened
            log.exception("background ingest failed")
            with self._lock:
                self._s["error"] = f"{type(e).__name__}: {e}"
        finally:
            self.lib.save_indexes()
            with self._lock:
                self._s.update(running=False, finished=time.time())

    def _progress(self, event: str, **kw) -> None:
        with self._lock:
            s = self._s
            if event == "files":
                s["files_total"] = kw["total"]
            elif event == "file":
                s["files_done"] = kw["number"] - 1
            elif event == "counted":
                s["files_counted"] += 1
                s["documents_counted"] += kw["documents"]
                s["passages_counted"] += kw["passages"]
            elif event == "recounted":  # a document's findings cut it into more passages than counted
                s["passages_counted"] += kw["passages"]
            elif event == "document" and kw.get("present"):
                s["documents_present"] += 1
                s["passages_present"] += kw.get("passages", 0)
            elif event == "committed":
                s["documents_done"] = kw["documents"]
                s["passages_done"] = kw["passages"]
                s["passages_embedded"] = kw["embedded"]
                s["texts_encoded"] = kw["texts"]
                if self._first_commit is None:
                    self._first_commit = (time.monotonic(), kw["passages"])

    # ---- reporting -------------------------------------------------------------------
    def status(self) -> dict:
        with self._lock:
            s = dict(self._s)
        done = s["documents_done"]
        # totals of the files read so far (the reader runs ahead of the encoder), less duplicates
        total_docs = max(s["documents_counted"] - s["documents_present"], done)
        passages_total = max(s["passages_counted"] - s["passages_present"], s["passages_done"])
        eta = None
        counting = s["files_counted"] < s["files_total"]
        if s["running"] and self._first_commit and done and not counting:
            t1, p1 = self._first_commit
            rate = (s["passages_done"] - p1) / max(time.monotonic() - t1, 1e-6)
            if rate > 0:
                eta = round((passages_total - s["passages_done"]) / rate)
        if not s["running"]:
            passages_total, eta = s["passages_done"], 0
        return {
            "running": s["running"],
            "documents_done": done,
            "documents_total": total_docs,
            "passages_embedded": s["passages_embedded"],
            "passages_total": passages_total,
            "eta_s": eta,  # None while files are still being counted
            "counting": bool(s["running"] and counting),
            "files_done": s["files_done"] if s["running"] else s["files_total"],
            "files_total": s["files_total"],
            "texts_encoded": s["texts_encoded"],
            "elapsed_s": round((s["finished"] or time.time()) - s["started"], 1) if s["started"] else None,
            "error": s["error"],
            "summary": s["summary"],
        }


def coverage(lib: Library) -> dict:
    """Passages stored, and how many of them meaning search can find (boilerplate is not)."""
    c = lib.store.conn
    passages = c.execute("SELECT COUNT(*) FROM passages").fetchone()[0]
    return {"documents": lib.store.count("documents"), "passages": passages,
            "passages_in_meaning_search": lib._passages.ntotal}


def status_dict(lib: Library, worker: IngestWorker | None) -> dict:
    """The one dict behind /status.json and the progress banner."""
    ingest = worker.status() if worker is not None else {
        "running": False, "documents_done": 0, "documents_total": 0, "passages_embedded": 0,
        "passages_total": 0, "eta_s": 0}
    lib.refresh_vectors()
    lib_cov = coverage(lib)
    share = None
    if ingest["running"] and ingest["passages_total"] and not ingest.get("counting"):
        share = min(ingest["passages_embedded"] / ingest["passages_total"], 1.0)
    ingest["meaning_search_share"] = round(share, 3) if share is not None else None
    return {"ingest": ingest, "library": lib_cov, "encoder": lib.encoder, "model": lib.model}
