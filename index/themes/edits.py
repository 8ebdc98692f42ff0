"""People's edits to themes (rename, merge, split): applied at once, logged, and
replayed after every rebuild by matching the logged member snapshots (Jaccard) to the
fresh themes. Public through ``index.themes.store``."""
from __future__ import annotations

import json
import re
from typing import Iterable

from index.themes import cluster as core
from index.themes.reads import get_theme

MAX_LABEL = 200
from index.themes.state import MATCH, _Ctx, _T, _load_state, _refresh, _save_state, ensure_schema


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


