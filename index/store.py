"""The SQLite store: documents, passages (+FTS5), cached vectors, findings, actions,
links and dataset annotations. SQLite is the library's source of truth; the FAISS files
are derived from its ``vectors`` table and can always be rebuilt from it."""
from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    content_hash TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    type TEXT NOT NULL,
    date TEXT,
    reference TEXT,
    source TEXT NOT NULL,
    text TEXT NOT NULL,
    blocks TEXT NOT NULL,          -- JSON [[start, end, section, page], ...]
    meta TEXT NOT NULL,            -- JSON: area, coroner, recipients, url, ...
    added_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS documents_reference ON documents(reference);
CREATE INDEX IF NOT EXISTS documents_type ON documents(type);

CREATE TABLE IF NOT EXISTS passages (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    section TEXT,
    page INTEGER,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passages_document ON passages(document_id);
CREATE VIRTUAL TABLE IF NOT EXISTS passages_fts USING fts5(
    text, content='passages', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER IF NOT EXISTS passages_ai AFTER INSERT ON passages BEGIN
    INSERT INTO passages_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS passages_ad AFTER DELETE ON passages BEGIN
    INSERT INTO passages_fts(passages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;

-- one vector per distinct text: the same text is never embedded twice
CREATE TABLE IF NOT EXISTS vectors (
    text_hash TEXT PRIMARY KEY,
    vector BLOB NOT NULL
);

CREATE TABLE IF NOT EXISTS findings (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    label TEXT,
    text TEXT NOT NULL,
    addressees TEXT NOT NULL,      -- JSON list
    section TEXT,
    page INTEGER,
    start INTEGER,
    end INTEGER,
    text_hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS findings_document ON findings(document_id);
CREATE VIRTUAL TABLE IF NOT EXISTS findings_fts USING fts5(
    text, content='findings', content_rowid='id', tokenize='porter unicode61'
);
CREATE TRIGGER IF NOT EXISTS findings_ai AFTER INSERT ON findings BEGIN
    INSERT INTO findings_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER IF NOT EXISTS findings_ad AFTER DELETE ON findings BEGIN
    INSERT INTO findings_fts(findings_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;

CREATE TABLE IF NOT EXISTS actions (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    owner TEXT,
    due TEXT,
    due_text TEXT,
    updated TEXT,
    status TEXT,
    page INTEGER,
    start INTEGER,
    end INTEGER
);
CREATE INDEX IF NOT EXISTS actions_document ON actions(document_id);
-- which findings an action answers (possibly in another document)
CREATE TABLE IF NOT EXISTS action_findings (
    action_id INTEGER NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    finding_id INTEGER NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
    PRIMARY KEY (action_id, finding_id)
);
CREATE INDEX IF NOT EXISTS action_findings_finding ON action_findings(finding_id);

-- a response document linked to the report it answers
CREATE TABLE IF NOT EXISTS links (
    response_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    report_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    confidence REAL NOT NULL,
    evidence TEXT NOT NULL,        -- JSON
    PRIMARY KEY (response_id, report_id)
);
CREATE INDEX IF NOT EXISTS links_report ON links(report_id);

-- facts about reports from datasets without text (Preventable Deaths Tracker)
CREATE TABLE IF NOT EXISTS annotations (
    reference TEXT NOT NULL,
    source TEXT NOT NULL,
    data TEXT NOT NULL,            -- JSON
    PRIMARY KEY (reference, source)
);

-- files fully ingested, by content hash: a re-run skips them
CREATE TABLE IF NOT EXISTS files (
    sha256 TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    documents INTEGER NOT NULL,
    ingested_at TEXT NOT NULL DEFAULT (datetime('now'))
);

-- acronyms the documents define ("Multi-Agency Risk Assessment Conference (MARAC)"), counted
CREATE TABLE IF NOT EXISTS acronyms (
    acronym TEXT NOT NULL,
    expansion TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (acronym, expansion)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
"""


def _dumps(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


class Store:
    """Thread-safe access to the library's SQLite file (one connection per thread)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        # executescript commits on its own; every statement is idempotent
        self.conn.executescript(SCHEMA + f"INSERT OR IGNORE INTO settings VALUES ('schema_version', '{SCHEMA_VERSION}');")

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

    def has_file(self, sha256: str) -> bool:
        return self.conn.execute("SELECT 1 FROM files WHERE sha256=?", (sha256,)).fetchone() is not None

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


def document_row(r: sqlite3.Row) -> dict:
    d = dict(r)
    d["meta"] = json.loads(d.get("meta") or "{}")
    if "blocks" in d:
        d["blocks"] = json.loads(d["blocks"])
    return d


def dumps(v: Any) -> str:
    return _dumps(v)
