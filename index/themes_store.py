"""Recurring themes in a library: persistence, stable ids, people's edits (issue 4).

Tables (created here with CREATE TABLE IF NOT EXISTS, next to index/store.py's):
``themes`` (one row per theme, both levels), ``theme_members`` (theme_id, finding_id,
score = cosine to the theme's centroid, how = 'build' | 'incremental'),
``theme_edits`` (the log of renames, merges and splits, re-applied after every rebuild)
and ``theme_state`` (the id counter: an id is never reused).

Every function returns JSON-ready dicts/lists.

``rebuild_themes(lib) -> dict``
    Full rebuild (the command): clusters all findings that have vectors with
    ``index.themes.fit_themes``, re-applies the edit log, keeps each theme's id where
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
from __future__ import annotations

import json
import re
import time
from collections import Counter, defaultdict
from typing import Any, Iterable

import numpy as np

from . import themes as core

SCHEMA = """
CREATE TABLE IF NOT EXISTS themes (
    id INTEGER PRIMARY KEY,
    level INTEGER NOT NULL,            -- 1 broad, 2 specific
    parent INTEGER,                    -- broad theme id
    label TEXT NOT NULL,
    auto_label TEXT NOT NULL,
    renamed INTEGER NOT NULL DEFAULT 0,
    top_terms TEXT NOT NULL,           -- JSON list
    centroid BLOB,                     -- float32 unit vector, embedding space
    radius REAL NOT NULL DEFAULT 0,    -- cosine distance for incremental assignment
    built_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS theme_members (
    theme_id INTEGER NOT NULL REFERENCES themes(id) ON DELETE CASCADE,
    finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    score REAL,
    how TEXT NOT NULL DEFAULT 'build',
    PRIMARY KEY (theme_id, finding_id)
);
CREATE INDEX IF NOT EXISTS theme_members_finding ON theme_members(finding_id);
CREATE TABLE IF NOT EXISTS theme_edits (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL DEFAULT (datetime('now')),
    op TEXT NOT NULL,                  -- rename | merge | split
    theme_id INTEGER NOT NULL,         -- the id the edit gives or keeps
    args TEXT NOT NULL,                -- JSON
    members TEXT NOT NULL,             -- JSON: member snapshots, refreshed at each rebuild
    status TEXT NOT NULL DEFAULT 'applied'   -- applied | orphaned (nothing matched)
);
CREATE TABLE IF NOT EXISTS theme_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""

MATCH = 0.5  # Jaccard overlap for "the same theme"

# Cosine thresholds depend on the embedding model: index.themes' defaults are tuned for
# all-MiniLM-L6-v2; the fake bag-of-words embedder spreads texts much further apart.
MODEL_PARAMS = {"fake-hashing-384": {"fine_threshold": 0.5, "broad_threshold": 0.75}}


def ensure_schema(lib) -> None:
    with lib.store.transaction() as c:
        for stmt in _statements(SCHEMA):
            c.execute(stmt)


def _statements(sql: str) -> list[str]:
    return [s.strip() for s in sql.split(";") if s.strip()]


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
    t.centroid = core._centroid(core._unit(vecs))
    s = core._unit(vecs) @ t.centroid
    t.scores = dict(zip(ids, s.astype(float).tolist()))
    t.radius = core._radius(s)
    if relabel:
        # label against the whole library's vocabulary would be costlier; the theme's own
        # texts against a sample of the rest is enough to rank its keyphrases
        lab = _label_against_library(ctx, ids, texts, docs)
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


def _edits(c) -> list[dict]:
    return [
        {"id": r["id"], "at": r["at"], "op": r["op"], "theme_id": r["theme_id"], "args": json.loads(r["args"]),
         "members": json.loads(r["members"]), "status": r["status"]}
        for r in c.execute("SELECT * FROM theme_edits ORDER BY id")
    ]


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


# ---- reads ----------------------------------------------------------------------------------------
_ROLE = re.compile(r"\b(chief|director|secretary|chair|minister|executive|head|officer|manager|commissioner|"
                   r"registrar|president|ceo|principal|governor|clerk|lead|dean)\b", re.I)


def normalise_recipient(name: str) -> str:
    """"The Chief Executive, NHS England" -> "NHS England"."""
    n = re.sub(r"\s+", " ", name or "").strip(" ,.;")
    if "," in n:
        head, tail = n.split(",", 1)
        if _ROLE.search(head) and tail.strip():
            n = tail.strip(" ,.;")
    n = re.sub(r"^(the|to)\s+", "", n, flags=re.I)
    return n


def _year(d: str | None) -> str | None:
    return d[:4] if d and re.match(r"\d{4}", d) else None


def _theme_dicts(lib, only: set[int] | None = None, level: int | None = None, detail: bool = False) -> list[dict]:
    ensure_schema(lib)
    c = lib.store.conn
    rows = c.execute("SELECT id, level, parent, label, renamed, top_terms FROM themes ORDER BY id").fetchall()
    rows = [r for r in rows if (only is None or r[0] in only) and (level is None or r[1] == level)]
    if not rows:
        return []
    wanted = {r[0] for r in rows}
    children: dict[int, list[int]] = defaultdict(list)
    for r in c.execute("SELECT id, parent FROM themes WHERE parent IS NOT NULL ORDER BY id"):
        children[r[1]].append(r[0])
    members: dict[int, list] = defaultdict(list)
    q = ("SELECT tm.theme_id, tm.finding_id, tm.score, tm.how, f.document_id, f.addressees, f.text, "
         "d.date, d.type, d.title FROM theme_members tm JOIN findings f ON f.id=tm.finding_id "
         "JOIN documents d ON d.id=f.document_id")
    for r in c.execute(q):
        if r[0] in wanted:
            members[r[0]].append(r)
    all_f = {m[1] for ms in members.values() for m in ms}
    acts: dict[int, list] = defaultdict(list)
    for r in c.execute("SELECT af.finding_id, a.id, a.document_id, a.kind, a.text, a.owner, a.due, a.status "
                       "FROM action_findings af JOIN actions a ON a.id=af.action_id"):
        if r[0] in all_f:
            acts[r[0]].append(r)
    out = []
    for r in rows:
        ms = members.get(r[0], [])
        docs: dict[int, tuple] = {}
        for m in ms:
            docs.setdefault(m[4], (m[7], m[8]))
        dates = sorted(d for d, _ in docs.values() if d)
        by_year = Counter(_year(d) for d, _ in docs.values() if _year(d))
        recips: dict[str, set] = defaultdict(set)
        for m in ms:
            try:
                adds = json.loads(m[5] or "[]")
            except ValueError:
                adds = []
            for a in adds:
                n = normalise_recipient(str(a))
                if n:
                    recips[n].add(m[4])
        ex = sorted((m for m in ms if m[2] is not None), key=lambda m: -m[2])[:3]
        action_rows = {a[1]: a for m in ms for a in acts.get(m[1], [])}
        d = {
            "id": r[0],
            "label": r[3] or _fallback_label(r[0], [m[6] for m in ex]),
            "parent": r[2],
            "size": len(ms),
            "documents": len(docs),
            "first_seen": dates[0] if dates else None,
            "last_seen": dates[-1] if dates else None,
            "by_year": {y: by_year[y] for y in sorted(by_year)},
            "finding_ids": sorted(m[1] for m in ms),
            "level": r[1],
            "children": children.get(r[0], []),
            "renamed": bool(r[4]),
            "top_terms": json.loads(r[5]),
            "exemplars": [{"finding_id": m[1], "document_id": m[4], "title": m[9], "date": m[7],
                           "text": _excerpt(m[6]), "score": round(m[2], 3)} for m in ex],
            "document_types": dict(Counter(t for _, t in docs.values()).most_common()),
            "top_recipients": [{"name": n, "documents": len(s)} for n, s in
                               sorted(recips.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:8]],
            "actions": {
                "count": len(action_rows),
                "documents": len({a[2] for a in action_rows.values()}),
                "by_status": dict(Counter(a[7] or "unknown" for a in action_rows.values())),
                "by_kind": dict(Counter(a[3] for a in action_rows.values())),
            },
        }
        if detail:
            d["members"] = [{"finding_id": m[1], "document_id": m[4], "title": m[9], "date": m[7], "type": m[8],
                             "text": m[6], "score": None if m[2] is None else round(m[2], 3), "how": m[3]}
                            for m in sorted(ms, key=lambda m: (m[7] or "", m[1]))]
            d["action_items"] = [{"id": a[1], "document_id": a[2], "kind": a[3], "text": a[4], "owner": a[5],
                                  "due": a[6], "status": a[7]} for _, a in sorted(action_rows.items())]
        out.append(d)
    out.sort(key=lambda d: (d["level"], -d["size"], d["id"]))
    return out


def _fallback_label(theme_id: int, exemplar_texts: list[str]) -> str:
    """When no keyphrase stands out, the opening words of the most central finding."""
    for t in exemplar_texts:
        words = re.sub(r"\s+", " ", t or "").strip().split(" ")
        if len(words) >= 3:
            return " ".join(words[:8]).rstrip(",.;:") + ("…" if len(words) > 8 else "")
    return f"Theme {theme_id}"


def _excerpt(t: str, n: int = 300) -> str:
    t = re.sub(r"\s+", " ", t or "").strip()
    return t if len(t) <= n else t[: n - 1].rsplit(" ", 1)[0] + "…"


def list_themes(lib, level: int | None = None) -> dict:
    return {"themes": _theme_dicts(lib, level=level)}


def get_theme(lib, theme_id: int) -> dict | None:
    ds = _theme_dicts(lib, only={int(theme_id)}, detail=True)
    if not ds:
        return None
    d = ds[0]
    d["edits"] = [{"id": e["id"], "at": e["at"], "op": e["op"], "theme_id": e["theme_id"], "args": e["args"],
                   "status": e["status"]} for e in _edits(lib.store.conn)
                  if e["theme_id"] == d["id"] or d["id"] in e["args"].get("parts", [])
                  or e["args"].get("other") == d["id"]]
    return d


def themes_of_findings(lib, finding_ids: Iterable[int]) -> dict[int, dict]:
    """{finding_id: {"id","label","documents","since","parent","size"}} for the specific
    theme of each finding that has one."""
    ensure_schema(lib)
    fids = sorted(set(int(i) for i in finding_ids))
    c = lib.store.conn
    out: dict[int, dict] = {}
    cache: dict[int, dict] = {}
    for k in range(0, len(fids), 500):
        part = fids[k : k + 500]
        q = (f"SELECT tm.finding_id, t.id, t.label, t.parent FROM theme_members tm JOIN themes t ON t.id=tm.theme_id "
             f"WHERE tm.finding_id IN ({','.join('?' * len(part))}) ORDER BY t.level DESC")
        for r in c.execute(q, part):
            if r[0] in out:
                continue
            if r[1] not in cache:
                s = c.execute(
                    "SELECT COUNT(*), COUNT(DISTINCT f.document_id), MIN(d.date) FROM theme_members tm "
                    "JOIN findings f ON f.id=tm.finding_id JOIN documents d ON d.id=f.document_id "
                    "WHERE tm.theme_id=?", (r[1],)).fetchone()
                y = _year(s[2])
                cache[r[1]] = {"id": r[1], "label": r[2] or f"Theme {r[1]}", "documents": s[1], "since": int(y) if y else None,
                               "parent": r[3], "size": s[0]}
            out[r[0]] = cache[r[1]]
    return out


def theme_of_finding(lib, finding_id: int) -> dict | None:
    return themes_of_findings(lib, [finding_id]).get(int(finding_id))


# ---- edits ------------------------------------------------------------------------------------------
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


def has_themes(lib) -> bool:
    """Whether any theme has been built (without listing them)."""
    c = lib.store.conn
    if not c.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='themes'").fetchone():
        return False
    return c.execute("SELECT 1 FROM themes LIMIT 1").fetchone() is not None
