"""Themes' persistence (the tables themselves are in ``index.schema``): the working
representation of a theme while rebuilding or editing (``_T``), loading and saving them,
and the edit log. ``index.themes.store`` is the public entry point."""
from __future__ import annotations

import json
from typing import Iterable

import numpy as np

from index.themes import cluster as core
from index.schema import ensure_library_schema as ensure_schema  # noqa: F401 (tables: index/schema.py)


MATCH = 0.5  # Jaccard overlap for "the same theme"

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


def has_themes(lib) -> bool:
    """Whether any theme has been built (without listing them)."""
    return lib.store.conn.execute("SELECT 1 FROM themes LIMIT 1").fetchone() is not None


def built_findings(lib) -> int | None:
    """How many findings the library held at the last full build (None: never built)."""
    r = lib.store.conn.execute("SELECT value FROM theme_state WHERE key='built_findings'").fetchone()
    return int(r[0]) if r else None
