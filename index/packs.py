"""Rows of learning packs: every read and write of the two tables a pack lives in.

The tables keep the names they were created with (``index/schema.py``, migration 5):
``collections`` holds one row a pack (name, description — the pack's purpose — created,
updated) and ``collection_items`` its entries (a finding or a whole document, with a note
and a position). ``PackTable`` holds their SQL, as sqlite-utils' ``Table`` holds a table's;
the rules (names, limits, what an entry may be, what a pack shows) are in
``search.packs.packs``, which calls it.
"""
from __future__ import annotations

import sqlite3
from typing import Iterable

from index.library import Library
from index.schema import ensure_library_schema  # tables collections, collection_items: index/schema.py

# adding an entry a pack already has keeps one entry and its position; a new non-empty note
# replaces the old one
_UPSERT_ITEM = (
    "INSERT INTO collection_items(collection_id, item_type, item_id, note, position, added) VALUES (?,?,?,?,?,?)"
    " ON CONFLICT(collection_id, item_type, item_id) DO UPDATE SET note = CASE WHEN excluded.note != ''"
    " THEN excluded.note ELSE note END")


class PackTable:
    """The packs of one library: ``PackTable(lib).get(pack_id)`` and so on. Writes that
    change a pack's entries also set its ``updated`` time (``now``, given by the caller)."""

    def __init__(self, lib: Library):
        self.store = lib.store
        ensure_library_schema(lib)

    @property
    def conn(self) -> sqlite3.Connection:
        return self.store.conn  # one connection per thread (``index.store.Store``)

    # ---- reads -----------------------------------------------------------------------------------
    def get(self, pack_id: int) -> sqlite3.Row | None:
        """The pack's row (id, name, description, created, updated)."""
        return self.conn.execute("SELECT * FROM collections WHERE id=?", (pack_id,)).fetchone()

    def named(self, name: str) -> sqlite3.Row | None:
        """The newest pack called ``name`` (case ignored)."""
        return self.conn.execute(
            "SELECT * FROM collections WHERE lower(name)=lower(?) ORDER BY id DESC LIMIT 1", (name,)).fetchone()

    def all(self) -> list[sqlite3.Row]:
        """Every pack's row with ``items`` (how many entries), the last changed first."""
        return self.conn.execute(
            "SELECT c.*, (SELECT COUNT(*) FROM collection_items i WHERE i.collection_id = c.id) AS items"
            " FROM collections c ORDER BY c.updated DESC, c.id DESC").fetchall()

    def entries(self, pack_id: int) -> list[dict]:
        """The pack's entries (id, collection_id, item_type, item_id, note, position, added, and
        ``changed``: what became of its document since it was added — changed, finding_changed,
        finding_gone, removed — or None; see ``index.ingest.sources``) in the order they were added."""
        return [dict(r) for r in self.conn.execute(
            "SELECT i.*, ch.what AS changed FROM collection_items i LEFT JOIN collection_item_changes ch"
            " ON ch.item_id = i.id WHERE i.collection_id=? ORDER BY i.position, i.id", (pack_id,))]

    def documents_held(self, pack_id: int) -> tuple[list[int], set[int]]:
        """(the documents of the pack's whole-document entries that are still in the library,
        the documents its finding entries belong to)."""
        docs = [r[0] for r in self.conn.execute(
            "SELECT i.item_id FROM collection_items i JOIN documents d ON d.id = i.item_id "
            "WHERE i.collection_id=? AND i.item_type='document'", (pack_id,))]
        found = {r[0] for r in self.conn.execute(
            "SELECT f.document_id FROM collection_items i JOIN findings f ON f.id = i.item_id "
            "WHERE i.collection_id=? AND i.item_type='finding'", (pack_id,))}
        return docs, found

    def document_notes(self, pack_id: int) -> dict[int, str]:
        """{document id: note} for the pack's whole-document entries."""
        return {int(r[0]): r[1] or "" for r in self.conn.execute(
            "SELECT item_id, note FROM collection_items WHERE collection_id=? AND item_type='document'", (pack_id,))}

    # ---- writes ----------------------------------------------------------------------------------
    def create(self, name: str, description: str, now: str) -> int:
        """A new, empty pack; returns its id."""
        with self.store.transaction() as c:
            cur = c.execute("INSERT INTO collections(name, description, created, updated) VALUES (?,?,?,?)",
                            (name, description, now, now))
        return cur.lastrowid

    def delete(self, pack_id: int) -> None:
        """The pack and its entries."""
        with self.store.transaction() as c:
            c.execute("DELETE FROM collection_items WHERE collection_id=?", (pack_id,))
            c.execute("DELETE FROM collections WHERE id=?", (pack_id,))

    def add(self, pack_id: int, entries: Iterable[tuple[str, int, str]], now: str) -> None:
        """Add ``(item_type, item_id, note)`` entries after the pack's last, in one transaction;
        an entry the pack already has keeps its place (and takes the new note unless it is empty)."""
        with self.store.transaction() as c:
            pos = c.execute("SELECT COALESCE(MAX(position), 0) FROM collection_items WHERE collection_id=?",
                            (pack_id,)).fetchone()[0]
            for item_type, item_id, note in entries:
                pos += 1
                c.execute(_UPSERT_ITEM, (pack_id, item_type, item_id, note, pos, now))
            self._touch(c, pack_id, now)

    def remove(self, pack_id: int, now: str, entry_id: int | None = None,
               item: tuple[str, int] | None = None) -> int:
        """Remove the entry with id ``entry_id``, or the entry for ``item`` (item_type, item_id);
        returns how many went (0: the pack had no such entry, and is left as it was)."""
        with self.store.transaction() as c:
            if entry_id is not None:
                cur = c.execute("DELETE FROM collection_items WHERE collection_id=? AND id=?", (pack_id, entry_id))
            else:
                cur = c.execute("DELETE FROM collection_items WHERE collection_id=? AND item_type=? AND item_id=?",
                                (pack_id, *item))
            if cur.rowcount:
                self._touch(c, pack_id, now)
        return cur.rowcount

    def drop_documents(self, pack_id: int, doc_ids: Iterable[int], now: str) -> int:
        """Remove the pack's whole-document entries for ``doc_ids``; returns how many went."""
        with self.store.transaction() as c:
            gone = sum(c.execute("DELETE FROM collection_items WHERE collection_id=? AND item_type='document'"
                                 " AND item_id=?", (pack_id, int(d))).rowcount for d in doc_ids)
            self._touch(c, pack_id, now)
        return gone

    @staticmethod
    def _touch(c: sqlite3.Connection, pack_id: int, now: str) -> None:
        c.execute("UPDATE collections SET updated=? WHERE id=?", (now, pack_id))
