"""Ingest behind a running server: one writer thread, progress anyone can read.

``IngestWorker(lib, paths).start()`` runs :func:`index.ingest.pipeline.ingest` on a daemon thread
(reading and parsing go on in its reader process; SQLite in WAL mode lets the server's
threads read while it commits). Each committed batch is visible at once: keyword search
through SQLite, meaning search through the library's vector indexes, which top up from
the store. ``status()`` is the dict behind /status.json and the banner on every page.

After the last document the cross-document steps (``index.ingest.finish``: linking responses,
themes) and any ``after`` callables run; each is listed in ``status()["steps"]`` with its state
(waiting, running, done, failed), documents and seconds, so "5394 of 5394" is never the last
word while linking and themes still run. Files that could not be read are listed in
``status()["failed"]`` by file name (never a server path) with the reason.

``coverage(lib)`` says how much of what is stored is covered by meaning search, for any
library, ingesting or not (a CLI ingest in another process shows up there too)."""
from __future__ import annotations

import functools
import logging
import threading
import time
from pathlib import Path
from typing import Iterable

from corpus.records import source_file_name

from index.ingest.eta import EtaEstimator, finishing_work
from index.ingest.finish import STEP_LABELS, STEPS, rebuilds_themes, themes_built
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
                   "passages_done": 0, "passages_embedded": 0, "texts_encoded": 0, "summary": None,
                   "failed": [], "steps": {}, "candidates": 0, "findings_done": 0}
        names = list(STEPS) + [getattr(f, "__name__", "after") for f in self.after]
        for name in names:
            self._s["steps"][name] = {"name": name, "label": STEP_LABELS.get(name, name.strip("_").replace("_", " ")),
                                      "state": "waiting", "documents": None, "seconds": None, "detail": None}
        self._step_t0: dict[str, float] = {}
        self._eta = EtaEstimator()
        self._themes_before: tuple[int | None, int] = (None, 0)  # (findings themes were built over, findings)
        self._documents_before = 0
        self.clock = time.monotonic  # a test sets its own timeline

    # ---- running ---------------------------------------------------------------------
    def start(self) -> "IngestWorker":
        with self._lock:
            self._s.update(running=True, started=time.time())
        self._thread = threading.Thread(target=self._run, name="precedent-ingest", daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        from index.ingest.pipeline import ingest

        try:
            self._themes_before = themes_built(self.lib)
            self._documents_before = self.lib.store.count("documents")
            report = ingest(self.lib, self.paths, progress=self._progress, columns=self.columns)
            summary = report.summary()
            with self._lock:
                self._s["summary"] = {k: summary[k] for k in ("added", "already_present", "failed_count",
                                                              "passages", "findings", "texts_encoded", "seconds")}
                self._s["failed"] = [failed_file(f["path"], f["reason"]) for f in report.failed]  # with the listing's
            for step in self.after:
                name = getattr(step, "__name__", "after")
                self._progress("step", name=name, state="running")
                t = time.perf_counter()
                kwargs = {}
                if getattr(step, "reports_progress", False):  # e.g. index.tuning.tune_encoder
                    kwargs["progress"] = lambda _name=name, **kw: self._progress("step_detail", name=_name, **kw)
                detail = step(self.lib, **kwargs)
                self._progress("step", name=name, state="done", seconds=round(time.perf_counter() - t, 2),
                               detail=detail if isinstance(detail, str) else None)
        except Exception as e:  # noqa: BLE001 - the server goes on; the page says what happened
            log.exception("background ingest failed")
            with self._lock:
                self._s["error"] = f"{type(e).__name__}: {e}"
                for st in self._s["steps"].values():
                    if st["state"] == "running":
                        st.update(state="failed", detail=self._s["error"])
        finally:
            self.lib.save_indexes()
            with self._lock:
                self._s.update(running=False, finished=time.time())

    def replay(self) -> "IngestWorker":
        """Mark the worker running without starting its thread: a benchmark then feeds it recorded
        events through ``progress`` with its own ``clock`` (``benchmarks.eta_check``)."""
        with self._lock:
            self._s.update(running=True, started=time.time())
        return self

    def progress(self, event: str, **kw) -> None:
        """The ``progress`` callback ``pipeline.ingest`` and ``finish`` report to."""
        self._progress(event, **kw)

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
                if s["files_counted"] == s["files_total"]:  # every file read: reading no longer sets the pace
                    self._eta.restart(self.clock())
            elif event == "recounted":  # a document's findings cut it into more passages than counted
                s["passages_counted"] += kw["passages"]
            elif event == "document" and kw.get("present"):
                s["documents_present"] += 1
                s["passages_present"] += kw.get("passages", 0)
            elif event == "document":
                s["candidates"] += kw.get("type") in link_candidate_types()
            elif event == "failed":
                s["failed"].append(failed_file(kw["path"], kw["reason"]))
            elif event == "committed":
                s["documents_done"] = kw["documents"]
                s["passages_done"] = kw["passages"]
                s["passages_embedded"] = kw["embedded"]
                s["texts_encoded"] = kw["texts"]
                s["findings_done"] = kw.get("findings", s["findings_done"])
                self._eta.commit(self.clock(), kw["passages"])
            elif event == "step_detail":  # a long step says how far it got
                if kw["name"] in s["steps"]:
                    s["steps"][kw["name"]]["detail"] = kw.get("detail")
            elif event == "step":
                name = kw["name"]
                step = s["steps"].setdefault(name, {"name": name, "label": STEP_LABELS.get(name, name),
                                                    "state": "waiting", "documents": None, "seconds": None,
                                                    "detail": None})
                step["state"] = kw["state"]
                if kw.get("documents") is not None:
                    step["documents"] = kw["documents"]
                if kw["state"] == "running":
                    self._step_t0[name] = self.clock()
                else:
                    step["seconds"] = kw.get("seconds")
                    step["detail"] = kw.get("detail")

    def _finishing(self, s: dict, total_docs: int, passages_total: int) -> list:
        """The steps after the last document with their estimated work (``eta.finishing_work``): the
        letters and findings seen so far, scaled to the whole input; their state from ``s``."""
        scale = total_docs / s["documents_done"] if s["documents_done"] else 1.0
        p_scale = passages_total / s["passages_done"] if s["passages_done"] else 1.0
        new_findings = s["findings_done"] * p_scale
        built, before = self._themes_before
        plan = finishing_work(s["candidates"] * scale, self._documents_before + total_docs, before + new_findings,
                              new_findings, rebuilds_themes(built, round(before + new_findings)))
        for step in plan:
            state = s["steps"].get(step.name, {}).get("state")
            step.done = state in ("done", "failed")
            if state == "running":
                step.started = self._step_t0.get(step.name)
        return plan

    # ---- reporting -------------------------------------------------------------------
    def status(self) -> dict:
        with self._lock:
            s = dict(self._s)
            s["steps"] = {k: dict(v) for k, v in s["steps"].items()}
            s["failed"] = [dict(f) for f in s["failed"]]
        done = s["documents_done"]
        # totals of the files read so far (the reader runs ahead of the encoder), less duplicates
        total_docs = max(s["documents_counted"] - s["documents_present"], done)
        passages_total = max(s["passages_counted"] - s["passages_present"], s["passages_done"])
        eta = None
        counting = s["files_counted"] < s["files_total"]
        now = self.clock()
        steps = []
        for name, st in s["steps"].items():
            if st["state"] == "running" and name in self._step_t0:
                st["seconds"] = round(now - self._step_t0[name], 1)  # so far
            steps.append(st)
        if s["running"] and done and not counting:  # the documents left and the steps after them
            eta = self._eta.eta(now, passages_total, self._finishing(s, total_docs, passages_total))
        running_step = next((st for st in steps if st["state"] == "running"), None)
        if not s["running"]:
            passages_total, eta = s["passages_done"], 0
            phase = "finished"
        elif any(st["state"] != "waiting" for st in steps):  # steps start after the last document
            phase = "steps"
        else:
            phase = "documents"
        return {
            "running": s["running"],
            "documents_done": done,
            "documents_total": total_docs,
            "passages_embedded": s["passages_embedded"],
            "passages_done": s["passages_done"],  # committed
            "passages_total": passages_total,
            "eta_s": eta,  # documents left and the steps after them (index/ingest/eta.py); None while counting
            "counting": bool(s["running"] and counting),
            "files_done": s["files_done"] if s["running"] else s["files_total"],
            "files_total": s["files_total"],
            "texts_encoded": s["texts_encoded"],
            "elapsed_s": round((s["finished"] or time.time()) - s["started"], 1) if s["started"] else None,
            "error": s["error"],
            "summary": s["summary"],
            "phase": phase,  # documents, steps (after the last document), finished
            "steps": steps,  # each: name, label, state (waiting/running/done/failed), documents, seconds, detail
            "step": running_step,
            "failed": s["failed"],  # [{"file": name, "reason"}]
        }


@functools.lru_cache(maxsize=1)
def link_candidate_types() -> frozenset:
    """The document types the linker checks (a response, or a type a letter may be given)."""
    from index.responses import MAYBE_RESPONSE, RESPONSE

    return frozenset((RESPONSE, *MAYBE_RESPONSE))


def failed_file(path, reason: str) -> dict:
    """A file that could not be read, as anyone may see it: its name (``corpus.records.source_file_name``),
    never the path on the server."""
    return {"file": source_file_name(str(path or "")) or "?", "reason": reason}


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
        "passages_total": 0, "eta_s": 0, "phase": "finished", "steps": [], "step": None, "failed": []}
    lib.refresh_vectors()
    lib_cov = coverage(lib)
    share = None
    if ingest["running"] and ingest["passages_total"] and not ingest.get("counting"):
        share = min(ingest["passages_embedded"] / ingest["passages_total"], 1.0)
    ingest["meaning_search_share"] = round(share, 3) if share is not None else None
    return {"ingest": ingest, "library": lib_cov, "encoder": lib.encoder, "model": lib.model}
