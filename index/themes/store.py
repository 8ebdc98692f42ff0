"""Recurring themes in a library: persistence, stable ids, people's edits.

Tables (in ``index/schema.py``, migration 2):
``themes`` (one row per theme, both levels), ``theme_members`` (theme_id, finding_id,
score = cosine to the theme's centroid, how = 'build' | 'incremental'),
``theme_edits`` (the log of renames, merges and splits, re-applied after every rebuild)
and ``theme_state`` (the id counter: an id is never reused).

Every function returns JSON-ready dicts/lists.

``rebuild_themes(lib) -> dict``
    Full rebuild (the command): clusters all findings that have vectors with
    ``index.themes.cluster.fit_themes``, re-applies the edit log, keeps each theme's id where
    its members mostly stayed the same (Jaccard >= 0.5, Hungarian matching, per level),
    gives new themes new ids. Returns ``{"findings", "assigned", "unassigned",
    "themes", "broad", "kept", "new", "retired", "edits": {"applied", "orphaned"},
    "seconds"}``.
``assign_new_findings(lib, finding_ids) -> dict``
    Incremental step for ingest: each new finding joins the nearest specific theme
    (and its broad parent) when within that theme's radius; the rest wait for the next
    rebuild. ``{"assigned": [{"finding_id", "theme_id"}], "unassigned": [ids]}``.
``list_themes(lib, level=None) -> {"themes": [theme, ...]}``
    Broad themes first, then specific, each by size. A theme is
    ``{"id", "label", "parent", "size" (findings), "documents" (distinct documents),
    "first_seen", "last_seen" (document dates, YYYY-MM-DD or None), "by_year"
    ({"2019": documents that year}), "finding_ids", "level" (1 broad, 2 specific),
    "children", "top_terms", "renamed", "exemplars" ([{"finding_id", "document_id",
    "title", "date", "text", "score"}], closest to the centroid), "document_types"
    ({"pfd_report": n documents}), "top_recipients" ([{"name", "documents"}], from the
    findings' addressees), "actions" ({"count", "documents", "by_status", "by_kind"})}``.
``get_theme(lib, theme_id) -> dict | None``
    One theme as above plus ``"members"`` ([{"finding_id", "document_id", "title",
    "date", "type", "text", "score", "how"}]), ``"action_items"`` (the actions linked
    to member findings through action_findings) and ``"edits"`` (its log entries).
``rename_theme(lib, theme_id, label)``, ``merge_themes(lib, keep_id, other_id)``,
``split_theme(lib, theme_id, k=2)``
    Apply at once and append to the edit log; return the affected theme(s) (``get_theme``
    dicts; split returns ``{"themes": [...]}``). Merge keeps ``keep_id``; split retires
    the id and gives the parts new ids. ``KeyError`` for an unknown id, ``ValueError`` for
    an impossible edit.
``theme_of_finding(lib, finding_id) -> {"id", "label", "documents", "since", "parent",
"size"} | None``; ``themes_of_findings(lib, ids) -> {finding_id: same}`` for search hits
("recurs in N documents since YEAR").
"""
import json
import re
import time
from typing import Iterable

import numpy as np

from index.themes import cluster as core
from index.themes.edits import _apply_edit, merge_themes, rename_theme, split_theme  # noqa: F401 (public API)
from index.themes.reads import (  # noqa: F401 (public API)
    get_theme, list_themes, normalise_recipient, theme_of_finding, themes_of_findings)
from index.themes.state import (  # noqa: F401 (public API)
    MATCH, MODEL_PARAMS, _Ctx, _T, _edits, _load_state, _refresh, _save_state, built_findings,
    ensure_schema, has_themes)

# ---- rebuild --------------------------------------------------------------------------------
def _all_findings(lib):
    rows = lib.store.conn.execute(
        "SELECT f.id, f.text, f.document_id, v.vector FROM findings f JOIN vectors v ON v.text_hash=f.text_hash "
        "ORDER BY f.id").fetchall()
    ids = [r[0] for r in rows]
    texts = [r[1] for r in rows]
    docs = [r[2] for r in rows]
    vecs = np.vstack([np.frombuffer(r[3], dtype=np.float32) for r in rows]) if rows else np.zeros((0, 1), np.float32)
    return ids, texts, vecs, docs


def rebuild_themes(lib, **fit_params) -> dict:
    """Re-cluster every finding; keep ids, re-apply edits. See the module docstring."""
    t0 = time.perf_counter()
    ensure_schema(lib)
    ids, texts, vecs, docs = _all_findings(lib)
    params = {**MODEL_PARAMS.get(getattr(lib, "model", ""), {}), **fit_params}
    model = core.fit_themes(texts, vecs, documents=docs, **params)
    ctx = _Ctx(lib)
    ctx.preload(ids, texts, vecs, docs)
    fresh: list[_T] = []
    for th in model.themes:
        t = _T(th.level, (ids[i] for i in th.members))
        t.label = t.auto_label = th.label
        t.top_terms = th.top_terms
        t.centroid, t.radius = th.centroid, th.radius
        t.scores = {ids[i]: s for i, s in zip(th.members, th.scores)}
        fresh.append(t)
    for th, t in zip(model.themes, fresh):
        if th.parent is not None:
            t.parent = fresh[th.parent]
            fresh[th.parent].children.append(t)
    old = _load_state(lib)
    c = lib.store.conn
    with lib.store.transaction() as c:
        ts = fresh
        applied = orphaned = 0
        for e in _edits(c):
            ts, ok = _apply_edit(ts, e, ctx, c)
            applied += ok
            orphaned += not ok
            c.execute("UPDATE theme_edits SET members=?, status=? WHERE id=?",
                      (json.dumps(e["members"]), "applied" if ok else "orphaned", e["id"]))
        # stable ids for the rest: Jaccard against the previous build, per level
        claimed = {t.id for t in ts if t.id is not None}
        kept = len(claimed & {o.id for o in old})
        for level in (1, 2):
            olds = {o.id: o.members for o in old if o.level == level and o.id not in claimed}
            news = {j: t.members for j, t in enumerate(ts) if t.level == level and t.id is None}
            for j, oid in core.match_themes(olds, news, MATCH).items():
                ts[j].id = oid
                kept += 1
        for t in ts:
            if t.id is None:
                t.id = ctx.next_id(c)
            if t.dirty:
                _refresh(t, ctx)
        # make sure the counter is past every id in use
        top = max([t.id for t in ts] + [0])
        r = c.execute("SELECT value FROM theme_state WHERE key='next_id'").fetchone()
        if not r or int(r[0]) <= top:
            c.execute("INSERT OR REPLACE INTO theme_state(key, value) VALUES ('next_id', ?)", (str(top + 1),))
        _save_state(c, ts)
        c.execute("INSERT OR REPLACE INTO theme_state(key, value) VALUES ('built_findings', ?)",
                  (str(c.execute("SELECT COUNT(*) FROM findings").fetchone()[0]),))
    assigned = len(set().union(*(t.members for t in ts if t.level == 2))) if ts else 0
    new_ids = {t.id for t in ts}
    old_ids = {o.id for o in old}
    return {
        "findings": len(ids),
        "assigned": assigned,
        "unassigned": len(ids) - assigned,
        "themes": sum(t.level == 2 for t in ts),
        "broad": sum(t.level == 1 for t in ts),
        "kept": len(new_ids & old_ids),
        "new": len(new_ids - old_ids),
        "retired": sorted(old_ids - new_ids),
        "edits": {"applied": applied, "orphaned": orphaned},
        "seconds": round(time.perf_counter() - t0, 2),
    }


# ---- incremental -------------------------------------------------------------------------------
def assign_new_findings(lib, finding_ids: Iterable[int]) -> dict:
    """Put each new finding in the nearest specific theme when within its radius."""
    ensure_schema(lib)
    fids = sorted(set(int(i) for i in finding_ids))
    c = lib.store.conn
    rows = c.execute("SELECT id, parent, centroid, radius FROM themes WHERE level=2 AND centroid IS NOT NULL").fetchall()
    if not rows or not fids:
        return {"assigned": [], "unassigned": fids}
    tid = [r[0] for r in rows]
    parent = [r[1] for r in rows]
    cent = np.vstack([np.frombuffer(r[2], dtype=np.float32) for r in rows])
    radius = np.array([r[3] for r in rows])
    already = set()
    for k in range(0, len(fids), 500):
        part = fids[k : k + 500]
        already.update(r[0] for r in c.execute(
            f"SELECT finding_id FROM theme_members WHERE finding_id IN ({','.join('?' * len(part))})", part))
    ctx = _Ctx(lib)
    ids, _, vecs, _ = ctx.get([f for f in fids if f not in already])
    out, rest = [], [f for f in fids if f not in already and f not in set(ids)]
    if ids:
        sims = core._unit(vecs) @ cent.T
        best = sims.argmax(axis=1)
        with lib.store.transaction() as c:
            for f, b, row in zip(ids, best, sims):
                s = float(row[b])
                if 1.0 - s <= radius[b]:
                    c.execute("INSERT OR IGNORE INTO theme_members(theme_id, finding_id, score, how) "
                              "VALUES (?,?,?, 'incremental')", (tid[b], f, s))
                    if parent[b] is not None:
                        c.execute("INSERT OR IGNORE INTO theme_members(theme_id, finding_id, score, how) "
                                  "VALUES (?,?,NULL,'incremental')", (parent[b], f))
                    out.append({"finding_id": f, "theme_id": tid[b]})
                else:
                    rest.append(f)
    return {"assigned": out, "unassigned": sorted(rest)}


