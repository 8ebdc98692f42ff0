"""Post-commit steps of an ingest, idempotent and resumable.

Documents are committed in batches; the cross-document work that follows (linking
responses to the reports they answer, putting new findings into themes) used to run
only for the documents added in the same run, so an ingest killed between the commit
and those steps lost them for good. Here every step is recorded per document in
``post_ingest_done`` (document id, step) *after* the step's own transaction commits:

* ``finish_pending(lib)`` runs each step for every document that lacks its mark — the
  documents of this run, of a run that was killed, or of a library built before the
  marks existed — then marks them. Running it twice does nothing the second time.
* A step that fails (an exception) leaves its documents unmarked, so the next ingest
  (or ``precedent relink``) tries again; the failure is returned as a warning.

Steps, in order:

``link``
    ``index.responses.linking.link_new_documents`` on the pending documents (new responses are
    linked; new reports make unlinked responses be tried again). Links are written
    with INSERT OR REPLACE, so a repeat is harmless.
``themes``
    Keeps themes current: builds them when the library has none yet, rebuilds them
    (ids kept, people's edits replayed) when the findings added since the last build
    reach ``GROW_FRACTION`` of the library, and otherwise assigns each pending finding
    to the nearest existing theme within its radius.
"""
from __future__ import annotations

import logging
import time
from typing import Callable, Iterable

from index.schema import ensure_library_schema as ensure_schema  # table post_ingest_done: index/schema.py

log = logging.getLogger(__name__)

STEPS = ("link", "themes")
STEP_LABELS = {"link": "linking responses to reports", "themes": "keeping themes current",
               "_themes_if_missing": "building themes if there are none yet",
               "tune_encoder": "tuning the encoder to the library"}
GROW_FRACTION = 0.2   # rebuild themes when this share of the findings is newer than the last build
MIN_NEW_FOR_REBUILD = 3


def pending(lib, step: str) -> list[int]:
    """Ids of documents that lack ``step``, oldest first."""
    ensure_schema(lib)
    return [r[0] for r in lib.store.conn.execute(
        "SELECT id FROM documents d WHERE NOT EXISTS "
        "(SELECT 1 FROM post_ingest_done p WHERE p.document_id=d.id AND p.step=?) ORDER BY id", (step,))]


def mark_done(lib, step: str, document_ids: Iterable[int]) -> None:
    ids = list(document_ids)
    with lib.store.transaction() as c:
        c.executemany("INSERT OR IGNORE INTO post_ingest_done(document_id, step) VALUES (?, ?)",
                      [(int(i), step) for i in ids])


# ---- steps ----------------------------------------------------------------------------------------
def _link(lib, doc_ids: list[int]) -> dict:
    from index.responses import link_new_documents

    out = link_new_documents(lib, doc_ids)
    return {"checked": out.get("checked", 0), "linked": len(out.get("linked", [])),
            "unlinked": len(out.get("unlinked", []))}


def _finding_ids(lib, doc_ids: list[int]) -> list[int]:
    c = lib.store.conn
    out: list[int] = []
    for k in range(0, len(doc_ids), 500):
        part = doc_ids[k:k + 500]
        out += [r[0] for r in c.execute(
            f"SELECT id FROM findings WHERE document_id IN ({','.join('?' * len(part))}) ORDER BY id", part)]
    return out


def _themes(lib, doc_ids: list[int]) -> dict:
    from index import themes as ts

    ensure_schema(lib)
    new = _finding_ids(lib, doc_ids)
    built, total = themes_built(lib)
    since = total - (built or 0)
    if rebuilds_themes(built, total):
        if total == 0:
            return {"action": "none", "findings": 0}
        s = ts.rebuild_themes(lib)
        return {"action": "rebuilt" if built is not None else "built", "findings": s["findings"],
                "themes": s["themes"], "new_since_last_build": since, "seconds": s["seconds"]}
    out = ts.assign_new_findings(lib, new)
    return {"action": "assigned", "assigned": len(out["assigned"]), "unassigned": len(out["unassigned"]),
            "new_since_last_build": since}


def themes_built(lib) -> tuple[int | None, int]:
    """(the findings the themes were last built over — None if never —, the findings now)."""
    from index import themes as ts

    total = lib.store.count("findings")
    built = ts.built_findings(lib)
    if built is None and ts.has_themes(lib):
        built = total   # themes built before this counter existed: take them as current, assign the rest
    return built, total


def rebuilds_themes(built: int | None, total: int) -> bool:
    """Whether the themes step builds (or rebuilds) the themes rather than assigning new findings:
    none built yet, or the findings new since the last build are ``GROW_FRACTION`` of them all."""
    since = total - (built or 0)
    return built is None or (since >= MIN_NEW_FOR_REBUILD and since >= GROW_FRACTION * total)


# what runs each step, by name (a test swaps one for a failing function)
RUNNERS: dict[str, Callable] = {"link": _link, "themes": _themes}


def finish_pending(lib, steps: Iterable[str] = STEPS, progress: Callable | None = None) -> dict:
    """Run every post-commit step for every document lacking it. Returns
    ``{"steps": {step: {"documents": n, ...}}, "warnings": [{"source", "warning"}], "seconds"}``.
    ``progress("step", name=, state=, documents=, seconds=, detail=)`` hears each step start
    ("running") and end ("done" or "failed"), so a status page names what runs after the last document."""
    t0 = time.perf_counter()
    progress = progress or (lambda *a, **k: None)
    ensure_schema(lib)
    out: dict = {"steps": {}, "warnings": []}
    for step in steps:
        ids = pending(lib, step)
        if not ids:
            out["steps"][step] = {"documents": 0}
            progress("step", name=step, state="done", documents=0, seconds=0.0, detail="nothing to do")
            continue
        progress("step", name=step, state="running", documents=len(ids))
        t = time.perf_counter()
        try:
            res = RUNNERS[step](lib, ids)
        except Exception as e:  # noqa: BLE001 - a step's bug must not cost the ingest; retried next run
            log.exception("post-ingest step %s failed", step)
            out["warnings"].append({"source": step, "warning": f"{type(e).__name__}: {e} (will be retried)"})
            out["steps"][step] = {"documents": len(ids), "error": f"{type(e).__name__}: {e}"}
            progress("step", name=step, state="failed", documents=len(ids),
                     seconds=round(time.perf_counter() - t, 2), detail=f"{type(e).__name__}: {e} (will be retried)")
            continue
        mark_done(lib, step, ids)
        out["steps"][step] = {"documents": len(ids), **res}
        progress("step", name=step, state="done", documents=len(ids), seconds=round(time.perf_counter() - t, 2),
                 detail=step_detail(step, res))
    out["seconds"] = round(time.perf_counter() - t0, 2)
    return out


def step_detail(step: str, res: dict) -> str:
    """One line of what a step did, for the status page and the CLI."""
    if step == "link":
        return f"{res.get('linked', 0)} linked, {res.get('unlinked', 0)} unlinked of {res.get('checked', 0)} checked"
    if step == "themes":
        act = res.get("action")
        if act in ("built", "rebuilt"):
            return f"{act} {res.get('themes', 0)} themes over {res.get('findings', 0)} findings"
        if act == "assigned":
            return f"{res.get('assigned', 0)} findings put in themes, {res.get('unassigned', 0)} in none"
        return "no findings"
    return ", ".join(f"{k} {v}" for k, v in res.items())


def relink(lib, retry_unlinked: bool = False) -> dict:
    """``precedent relink``: finish pending steps; with ``retry_unlinked`` also try every
    response that is still unlinked (e.g. after the linking rules improved)."""
    out = finish_pending(lib)
    if retry_unlinked:
        from index.responses import link_all

        r = link_all(lib)
        out["retried"] = {"checked": r.get("checked", 0), "linked": len(r.get("linked", [])),
                          "unlinked": len(r.get("unlinked", []))}
    out["links"] = lib.store.count("links")
    return out
