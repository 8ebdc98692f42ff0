"""The theme store: the themes of a library kept in SQLite, with stable ids and people's edits.

Tables (in ``index/schema.py``, migration 2):
``themes`` (one row per theme, both levels), ``theme_members`` (theme_id, finding_id,
score = cosine to the theme's centroid, how = 'build' | 'incremental'),
``theme_edits`` (the log of renames, merges and splits, re-applied after every rebuild)
and ``theme_state`` (the id counter: an id is never reused; ``built_findings``).
Reading themes for pages is ``index.themes.reads``; clustering is ``index.themes.cluster``.

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
``rename_theme(lib, theme_id, label)``, ``merge_themes(lib, keep_id, other_id)``,
``split_theme(lib, theme_id, k=2)``
    People's edits: applied at once and appended to the edit log, then replayed after every
    rebuild by matching the logged member snapshots (Jaccard) to the fresh themes. They
    return the affected theme(s) (``get_theme`` dicts; split returns ``{"themes": [...]}``).
    Merge keeps ``keep_id``; split retires the id and gives the parts new ids. ``KeyError``
    for an unknown id, ``ValueError`` for an impossible edit.
"""
from __future__ import annotations

import json
import logging
import re
import time
from typing import Iterable

import numpy as np

from index.schema import ensure_library_schema as ensure_schema  # the tables: index/schema.py
from index.themes import cluster as core
from index.themes.reads import edit_log, get_theme

log = logging.getLogger(__name__)

MATCH = 0.5  # Jaccard overlap for "the same theme"
MAX_LABEL = 200  # characters of a theme label a person may give

# Cosine thresholds depend on the embedding model: index.themes.cluster' defaults are tuned for
# all-MiniLM-L6-v2; the fake bag-of-words embedder spreads texts much further apart.
MODEL_PARAMS = {"fake-hashing-384": {"fine_threshold": 0.5, "broad_threshold": 0.75}}


# ---- working representation --------------------------------------------------------------
class _T:
    """A theme while rebuilding or editing (members are finding ids)."""

    __slots__ = ("id", "level", "members", "parent", "children", "label", "auto_label", "renamed",
                 "top_terms", "centroid", "radius", "scores", "dirty", "how")

    def __init__(self, level: int, members: Iterable[int]):
        self.id: int | None = None
        self.level = level
        self.members: set[int] = set(members)
        self.parent: _T | None = None
        self.children: list[_T] = []
        self.label = ""
        self.auto_label = ""
        self.renamed = False
        self.top_terms: list[str] = []
        self.centroid: np.ndarray | None = None
        self.radius = 0.0
        self.scores: dict[int, float] = {}
        self.how: dict[int, str] = {}
        self.dirty = False


class _Ctx:
    """Finding texts/vectors/documents on demand, and the id counter."""

    def __init__(self, lib):
        self.lib = lib
        self._text: dict[int, str] = {}
        self._vec: dict[int, np.ndarray] = {}
        self._doc: dict[int, int] = {}

    def preload(self, ids, texts, vecs, docs) -> None:
        for i, t, v, d in zip(ids, texts, vecs, docs):
            self._text[i], self._vec[i], self._doc[i] = t, v, d

    def _load(self, ids: list[int]) -> None:
        todo = [i for i in ids if i not in self._text]
        c = self.lib.store.conn
        for k in range(0, len(todo), 500):
            part = todo[k : k + 500]
            q = (f"SELECT f.id, f.text, f.document_id, v.vector FROM findings f LEFT JOIN vectors v "
                 f"ON v.text_hash=f.text_hash WHERE f.id IN ({','.join('?' * len(part))})")
            for r in c.execute(q, part):
                self._text[r[0]], self._doc[r[0]] = r[1], r[2]
                self._vec[r[0]] = np.frombuffer(r[3], dtype=np.float32) if r[3] is not None else None

    def get(self, ids: list[int]):
        self._load(ids)
        ids = [i for i in ids if self._vec.get(i) is not None]
        return ids, [self._text[i] for i in ids], (np.vstack([self._vec[i] for i in ids]) if ids else None), \
            [self._doc[i] for i in ids]

    def next_id(self, c) -> int:
        r = c.execute("SELECT value FROM theme_state WHERE key='next_id'").fetchone()
        n = int(r[0]) if r else 1
        m = c.execute("SELECT COALESCE(MAX(id), 0) FROM themes").fetchone()[0]
        e = c.execute("SELECT COALESCE(MAX(theme_id), 0) FROM theme_edits").fetchone()[0]
        n = max(n, m + 1, e + 1)
        c.execute("INSERT OR REPLACE INTO theme_state(key, value) VALUES ('next_id', ?)", (str(n + 1),))
        return n


def _refresh(t: _T, ctx: _Ctx, relabel: bool = True) -> None:
    """Centroid, radius, scores and (unless renamed) label of an edited theme."""
    ids, texts, vecs, docs = ctx.get(sorted(t.members))
    if vecs is None:
        return
    t.centroid, s, t.radius = core.theme_geometry(core.unit(vecs))
    t.scores = dict(zip(ids, s.astype(float).tolist()))
    if relabel:
        # label against the whole library's vocabulary would be costlier; the theme's own
        # texts against a sample of the rest is enough to rank its keyphrases
        lab = _label_against_library(ctx, ids, texts, docs)
        if t.level == 1 and t.auto_label == core.MISC_LABEL:
            lab = (core.MISC_LABEL, lab[1])   # the bucket keeps its name whatever it holds
        t.auto_label, t.top_terms = lab
        if not t.renamed:
            t.label = t.auto_label
    t.dirty = False


def _label_against_library(ctx: _Ctx, ids, texts, docs) -> tuple[str, list[str]]:
    c = ctx.lib.store.conn
    others = c.execute("SELECT id, text, document_id FROM findings ORDER BY id LIMIT 3000").fetchall()
    mine = set(ids)
    rest = [(r[1], r[2]) for r in others if r[0] not in mine]
    all_texts = list(texts) + [t for t, _ in rest]
    all_docs = list(docs) + [d for _, d in rest]
    return core.label_themes(all_texts, [list(range(len(texts)))], all_docs)[0]


# ---- load / save ------------------------------------------------------------------------------
def _load_state(lib) -> list[_T]:
    c = lib.store.conn
    rows = c.execute("SELECT * FROM themes ORDER BY id").fetchall()
    by_id: dict[int, _T] = {}
    for r in rows:
        t = _T(r["level"], [])
        t.id, t.label, t.auto_label, t.renamed = r["id"], r["label"], r["auto_label"], bool(r["renamed"])
        t.top_terms = json.loads(r["top_terms"])
        t.centroid = np.frombuffer(r["centroid"], dtype=np.float32) if r["centroid"] is not None else None
        t.radius = r["radius"]
        by_id[t.id] = t
    for r in rows:
        if r["parent"] is not None and r["parent"] in by_id:
            by_id[r["id"]].parent = by_id[r["parent"]]
            by_id[r["parent"]].children.append(by_id[r["id"]])
    for r in c.execute("SELECT theme_id, finding_id, score, how FROM theme_members"):
        t = by_id.get(r[0])
        if t is not None:
            t.members.add(r[1])
            t.scores[r[1]] = r[2]
            t.how[r[1]] = r[3]
    return list(by_id.values())


def _save_state(c, ts: list[_T]) -> None:
    c.execute("DELETE FROM theme_members")
    c.execute("DELETE FROM themes")
    order = sorted(ts, key=lambda t: t.level)  # parents first
    for t in order:
        c.execute(
            "INSERT INTO themes(id, level, parent, label, auto_label, renamed, top_terms, centroid, radius)"
            " VALUES (?,?,?,?,?,?,?,?,?)",
            (t.id, t.level, t.parent.id if t.parent is not None else None, t.label or t.auto_label,
             t.auto_label, int(t.renamed), json.dumps(t.top_terms),
             t.centroid.astype(np.float32).tobytes() if t.centroid is not None else None, float(t.radius)),
        )
        c.executemany(
            "INSERT INTO theme_members(theme_id, finding_id, score, how) VALUES (?,?,?,?)",
            [(t.id, m, t.scores.get(m), t.how.get(m, "build")) for m in sorted(t.members)],
        )


# ---- replaying logged edits -------------------------------------------------------------
def _find(ts: list[_T], snapshot: Iterable[int], level: int | None, exclude=()) -> _T | None:
    snap = set(snapshot)
    best, bj = None, 0.0
    for t in ts:
        if (level is not None and t.level != level) or t in exclude:
            continue
        j = core.jaccard(t.members, snap)
        if j > bj:
            best, bj = t, j
    return best if bj >= MATCH else None


def _claim(ts: list[_T], t: _T, theme_id: int) -> None:
    for o in ts:
        if o.id == theme_id and o is not t:
            o.id = None
    t.id = theme_id


def _rebuild_broad_members(ts: list[_T]) -> list[_T]:
    out = []
    for t in ts:
        if t.level == 1:
            t.children = [k for k in t.children if k in ts]
            if not t.children:
                continue
            new = set().union(*(k.members for k in t.children))
            if new != t.members:
                t.members = new
                t.dirty = True
        out.append(t)
    for t in out:
        if t.level == 2 and t.parent is not None and t.parent not in out:
            t.parent = None
    return out


def _apply_edit(ts: list[_T], e: dict, ctx: _Ctx, c) -> tuple[list[_T], bool]:
    """Replay one logged edit on ``ts``; returns the new list and whether it applied.
    Updates ``e["members"]`` to the snapshots it resolved (stored back by the caller)."""
    op, args, snap = e["op"], e["args"], e["members"]
    level = args.get("level")
    if op == "rename":
        t = _find(ts, snap["theme"], level)
        if t is None:
            return ts, False
        t.label, t.renamed = args["label"], True
        _claim(ts, t, e["theme_id"])
        snap["theme"] = sorted(t.members)
        return ts, True
    if op == "merge":
        a = _find(ts, snap["keep"], level)
        b = _find(ts, snap["other"], level, exclude=(a,) if a else ())
        if a is None and b is None:
            return ts, False
        if a is None or b is None:
            keep = a or b  # the clustering already put them together (or one vanished)
            _claim(ts, keep, e["theme_id"])
            return ts, True
        snap["keep"], snap["other"] = sorted(a.members), sorted(b.members)
        a.members |= b.members
        a.scores.update(b.scores)
        a.how.update(b.how)
        if a.level == 1:
            for k in b.children:
                k.parent = a
            a.children += b.children
        else:
            if b.parent is not None and b in b.parent.children:
                b.parent.children.remove(b)
        a.dirty = True
        if a.renamed is False and b.renamed and not a.label:
            a.label = b.label
        ts = [t for t in ts if t is not b]
        _claim(ts, a, e["theme_id"])
        return _rebuild_broad_members(ts), True
    if op == "split":
        part_ids: list[int] = args["parts"]
        t = _find(ts, snap["theme"], 2)
        if t is None:
            # maybe the clustering now separates the parts by itself
            hit = False
            used: list[_T] = []
            for pid, ps in zip(part_ids, snap["parts"]):
                p = _find(ts, ps, 2, exclude=tuple(used))
                if p is not None:
                    _claim(ts, p, pid)
                    used.append(p)
                    hit = True
            return ts, hit
        snap["theme"] = sorted(t.members)
        ids, texts, vecs, _ = ctx.get(sorted(t.members))
        k = int(args.get("k", 2))
        if len(ids) < k:
            return ts, False
        lab = core.split_members(vecs, k, texts)
        parts = [_T(2, [i for i, l in zip(ids, lab) if l == p]) for p in range(k)]
        # give each part the id of the logged part it overlaps most
        mapping = core.match_themes({j: set(s) for j, s in enumerate(snap["parts"])},
                                    {j: p.members for j, p in enumerate(parts)}, threshold=0.0)
        free = [pid for j, pid in enumerate(part_ids) if j not in mapping.values()]
        for j, p in enumerate(parts):
            pid = part_ids[mapping[j]] if j in mapping else free.pop(0)
            p.parent = t.parent
            p.dirty = True
            p.how = {m: t.how.get(m, "build") for m in p.members}
            p.id = pid
        snap["parts"] = [sorted(p.members) for p in sorted(parts, key=lambda p: part_ids.index(p.id))]
        if t.parent is not None:
            t.parent.children = [x for x in t.parent.children if x is not t] + parts
        ts = [x for x in ts if x is not t] + parts
        for p in parts:
            _claim(ts, p, p.id)
        return _rebuild_broad_members(ts), True
    return ts, False


# ---- people's edits -----------------------------------------------------------------------------
def _theme_or_raise(ts: list[_T], theme_id: int) -> _T:
    for t in ts:
        if t.id == int(theme_id):
            return t
    raise KeyError(f"no theme {theme_id}")


def _log_and_apply(lib, op: str, theme_id: int, args: dict, members: dict) -> list[_T]:
    ts = _load_state(lib)
    ctx = _Ctx(lib)
    e = {"op": op, "theme_id": theme_id, "args": args, "members": members}
    with lib.store.transaction() as c:
        ts, ok = _apply_edit(ts, e, ctx, c)
        if not ok:
            raise ValueError(f"{op} could not be applied")
        for t in ts:
            if t.dirty:
                _refresh(t, ctx)
        _save_state(c, ts)
        c.execute("INSERT INTO theme_edits(op, theme_id, args, members) VALUES (?,?,?,?)",
                  (op, theme_id, json.dumps(args), json.dumps(e["members"])))
    return ts


def rename_theme(lib, theme_id: int, label: str) -> dict:
    ensure_schema(lib)
    label = re.sub(r"\s+", " ", label or "").strip()
    if not label:
        raise ValueError("a theme needs a label")
    if len(label) > MAX_LABEL:
        raise ValueError(f"a theme label has at most {MAX_LABEL} characters")
    t = _theme_or_raise(_load_state(lib), theme_id)
    _log_and_apply(lib, "rename", t.id, {"label": label, "level": t.level}, {"theme": sorted(t.members)})
    return get_theme(lib, t.id)


def merge_themes(lib, keep_id: int, other_id: int) -> dict:
    """Fold ``other_id`` into ``keep_id`` (same level); ``other_id`` is retired."""
    ensure_schema(lib)
    ts = _load_state(lib)
    a, b = _theme_or_raise(ts, keep_id), _theme_or_raise(ts, other_id)
    if a is b:
        raise ValueError("cannot merge a theme with itself")
    if a.level != b.level:
        raise ValueError("can only merge themes of the same level")
    _log_and_apply(lib, "merge", a.id, {"other": b.id, "level": a.level},
                   {"keep": sorted(a.members), "other": sorted(b.members)})
    return get_theme(lib, a.id)


def split_theme(lib, theme_id: int, k: int = 2) -> dict:
    """Re-cluster a specific theme's members into ``k`` new themes (new ids)."""
    ensure_schema(lib)
    k = int(k)
    if k < 2:
        raise ValueError("split into at least 2 themes")
    ts = _load_state(lib)
    t = _theme_or_raise(ts, theme_id)
    if t.level != 2:
        raise ValueError("only specific themes can be split (broad themes are groups of them)")
    if len(t.members) < k:
        raise ValueError(f"theme {theme_id} has {len(t.members)} findings; cannot split into {k}")
    with lib.store.transaction() as c:
        ctx = _Ctx(lib)
        parts = [ctx.next_id(c) for _ in range(k)]
    ts = _log_and_apply(lib, "split", t.id, {"k": k, "parts": parts, "level": 2},
                        {"theme": sorted(t.members), "parts": [[] for _ in parts]})
    return {"themes": [get_theme(lib, p) for p in parts]}


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


def _encoder(lib):
    """The library's encoder for checking names against themes (None: names from the scorer alone)."""
    try:
        return lib.embedder.encode
    except Exception as e:  # noqa: BLE001 - a library whose encoder cannot run here still gets themes
        log.warning("theme names not checked against their themes: %s", e)
        return None


def rebuild_themes(lib, **fit_params) -> dict:
    """Re-cluster every finding; keep ids, re-apply edits. See the module docstring."""
    t0 = time.perf_counter()
    ensure_schema(lib)
    ids, texts, vecs, docs = _all_findings(lib)
    params = {**MODEL_PARAMS.get(getattr(lib, "model", ""), {}), **fit_params}
    model = core.fit_themes(texts, vecs, documents=docs, encode=_encoder(lib), **params)
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
        for e in edit_log(c):
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
        sims = core.unit(vecs) @ cent.T
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


