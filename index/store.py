"""The SQLite store: documents, passages (+FTS5), cached vectors, findings, actions,
links and dataset annotations (tables in ``index/schema.py``). SQLite is the library's source of truth; the FAISS files
are derived from its ``vectors`` table and can always be rebuilt from it."""
from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from index.schema import ensure_schema


class Store:
    """Thread-safe access to the library's SQLite file (one connection per thread)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        ensure_schema(self.conn)   # index/schema.py: every table, versioned, idempotent

    @property
    def conn(self) -> sqlite3.Connection:
        c = getattr(self._local, "conn", None)
        if c is None:
            c = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            c.row_factory = sqlite3.Row
            c.execute("PRAGMA journal_mode=WAL")
            c.execute("PRAGMA synchronous=NORMAL")
            c.execute("PRAGMA foreign_keys=ON")
            self._local.conn = c
        return c

    def close(self) -> None:
        c = getattr(self._local, "conn", None)
        if c is not None:
            c.close()
            self._local.conn = None

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """All or nothing: a batch killed half way leaves the library as it was."""
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        try:
            yield c
        except BaseException:
            c.execute("ROLLBACK")
            raise
        else:
            c.execute("COMMIT")

    # ---- reads -------------------------------------------------------------------
    def has_document_hash(self, content_hash: str) -> int | None:
        r = self.conn.execute("SELECT id FROM documents WHERE content_hash=?", (content_hash,)).fetchone()
        return r[0] if r else None

    def known_vectors(self, hashes: list[str]) -> set[str]:
        out: set[str] = set()
        for i in range(0, len(hashes), 500):
            part = hashes[i : i + 500]
            q = f"SELECT text_hash FROM vectors WHERE text_hash IN ({','.join('?' * len(part))})"
            out.update(r[0] for r in self.conn.execute(q, part))
        return out

    def vectors_for(self, table: str, ids_after: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of ``table`` rows (passages or findings) with id > ids_after."""
        rows = self.conn.execute(
            f"SELECT t.id, v.vector FROM {table} t JOIN vectors v ON v.text_hash = t.text_hash "
            "WHERE t.id > ? ORDER BY t.id",
            (ids_after,),
        ).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        vecs = np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
        return ids, vecs

    def max_id(self, table: str) -> int:
        return self.conn.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}").fetchone()[0]

    def count(self, table: str) -> int:
        return self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    def removals(self) -> int:
        """How many times rows have been removed from the library (``bump_removals``): a vector
        index built at another count holds rows that are gone and is rebuilt."""
        r = self.conn.execute("SELECT value FROM settings WHERE key='vectors_removed'").fetchone()
        return int(r[0]) if r else 0

    def document(self, doc_id: int) -> dict | None:
        r = self.conn.execute("SELECT * FROM documents WHERE id=?", (doc_id,)).fetchone()
        return document_row(r) if r else None

    def documents(self, limit: int | None = None, offset: int = 0) -> list[dict]:
        q = "SELECT id, title, type, date, reference, source, meta FROM documents ORDER BY id"
        if limit is not None:
            q += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        return [document_row(r) for r in self.conn.execute(q)]

    def passages_of(self, doc_id: int) -> list[dict]:
        return [dict(r) for r in self.conn.execute(
            "SELECT id, seq, text, section, page, start, end FROM passages WHERE document_id=? ORDER BY seq",
            (doc_id,))]

    def annotations_for(self, reference: str | None) -> list[dict]:
        if not reference:
            return []
        return [
            {"source": r["source"], **json.loads(r["data"])}
            for r in self.conn.execute("SELECT source, data FROM annotations WHERE reference=?", (reference,))
        ]


def bump_removals(c: sqlite3.Connection) -> None:
    """Inside a transaction that deleted passages or findings: say so to every vector index."""
    c.execute("INSERT INTO settings(key, value) VALUES ('vectors_removed', '1') ON CONFLICT(key)"
              " DO UPDATE SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT)")


def document_row(r: sqlite3.Row) -> dict:
    d = dict(r)
    d["meta"] = json.loads(d.get("meta") or "{}")
    if "blocks" in d:
        d["blocks"] = json.loads(d["blocks"])
    return d


def dumps(v: Any) -> str:
    """JSON as the store keeps it: keys sorted, non-ASCII kept."""
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


def placeholders(values) -> str:
    """The placeholders of an ``IN (...)`` list of ``values``: "?,?,?"."""
    return ",".join("?" * len(values))


def chunked(ids: list, size: int):
    """``ids`` in lists of at most ``size``: one statement each, under SQLite's bound on parameters."""
    for i in range(0, len(ids), size):
        yield ids[i:i + size]
