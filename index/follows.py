"""Rows of follows: every read and write of the two tables a follow lives in (``index/schema.py``,
migration 9). ``follows`` holds one row a followed search or organisation; ``follow_items`` what
each has seen, so a check can say what is new since the last one. ``FollowTable`` holds their SQL,
as ``index.packs.PackTable`` holds a pack's; the rules (what a follow watches, what counts as new,
the feed) are in ``search.follow``."""
from __future__ import annotations

import json
import sqlite3

from index.library import Library
from index.schema import ensure_library_schema  # tables follows, follow_items: index/schema.py


class FollowTable:
    """The follows of one library: ``FollowTable(lib).get(follow_id)`` and so on."""

    def __init__(self, lib: Library):
        self.store = lib.store
        ensure_library_schema(lib)

    @property
    def conn(self) -> sqlite3.Connection:
        return self.store.conn  # one connection per thread (``index.store.Store``)

    # ---- reads -----------------------------------------------------------------------------------
    def get(self, follow_id: int) -> dict | None:
        """The follow's row (id, kind, target, label, filters as a dict, created, checked)."""
        r = self.conn.execute("SELECT * FROM follows WHERE id=?", (follow_id,)).fetchone()
        return _follow(r) if r else None

    def find(self, kind: str, target: str, filters: dict) -> dict | None:
        """The follow of ``kind`` on ``target`` with ``filters``, if there is one."""
        r = self.conn.execute("SELECT * FROM follows WHERE kind=? AND target=? AND filters=?",
                              (kind, target, _filters(filters))).fetchone()
        return _follow(r) if r else None

    def all(self) -> list[dict]:
        """Every follow with ``new`` (items seen after it was followed), the newest follow first."""
        rows = self.conn.execute(
            "SELECT f.*, (SELECT COUNT(*) FROM follow_items i WHERE i.follow_id = f.id AND i.baseline = 0) AS new"
            " FROM follows f ORDER BY f.id DESC").fetchall()
        return [_follow(r) | {"new": r["new"]} for r in rows]

    def seen(self, follow_id: int) -> set[str]:
        """The items the follow has seen (baseline and after)."""
        return {r[0] for r in self.conn.execute("SELECT item FROM follow_items WHERE follow_id=?", (follow_id,))}

    def items(self, follow_id: int, after: int = 0, limit: int | None = None) -> list[dict]:
        """Items seen after the follow was made (not its baseline), newest first; ``after``: only
        those stored after the item with that id."""
        sql = "SELECT * FROM follow_items WHERE follow_id=? AND baseline=0 AND id > ? ORDER BY id DESC"
        args: list = [follow_id, after]
        if limit is not None:
            sql += " LIMIT ?"
            args.append(int(limit))
        return [dict(r) for r in self.conn.execute(sql, args)]

    # ---- writes ----------------------------------------------------------------------------------
    def create(self, kind: str, target: str, label: str, filters: dict, now: str) -> int:
        """A new follow; returns its id."""
        with self.store.transaction() as c:
            cur = c.execute("INSERT INTO follows(kind, target, label, filters, created) VALUES (?,?,?,?,?)",
                            (kind, target, label, _filters(filters), now))
            return int(cur.lastrowid)

    def record(self, follow_id: int, items: list[dict], now: str, baseline: bool, checked: bool = True) -> list[dict]:
        """Store the items the follow has not seen before (``baseline``: as already there when it was
        made) and, with ``checked``, the time of this check; returns the items stored, in one transaction."""
        with self.store.transaction() as c:
            have = {r[0] for r in c.execute("SELECT item FROM follow_items WHERE follow_id=?", (follow_id,))}
            fresh = [i for i in items if i["item"] not in have]
            c.executemany(
                "INSERT OR IGNORE INTO follow_items(follow_id, item, what, title, detail, document_id, baseline,"
                " first_seen) VALUES (?,?,?,?,?,?,?,?)",
                [(follow_id, i["item"], i["what"], i["title"], i.get("detail") or "", i.get("document_id"),
                  1 if baseline else 0, now) for i in fresh])
            if checked:
                last = c.execute("SELECT COALESCE(MAX(id), 0) FROM follow_items WHERE follow_id=?",
                                 (follow_id,)).fetchone()[0]
                c.execute("UPDATE follows SET checked=?, checked_item=? WHERE id=?", (now, last, follow_id))
        return fresh

    def delete(self, follow_id: int) -> bool:
        """Stop following; returns whether there was such a follow."""
        with self.store.transaction() as c:
            c.execute("DELETE FROM follow_items WHERE follow_id=?", (follow_id,))
            return c.execute("DELETE FROM follows WHERE id=?", (follow_id,)).rowcount > 0


def _filters(filters: dict) -> str:
    return json.dumps(filters or {}, sort_keys=True, ensure_ascii=False)


def _follow(r: sqlite3.Row) -> dict:
    d = dict(r)
    d["filters"] = json.loads(d.get("filters") or "{}")
    return d
