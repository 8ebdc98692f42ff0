"""Rows of a document: how a document with its passages, findings and actions is written,
and how a stored document is summarised for a page.

One place for the INSERTs and the summary dict, so that writers (``index.ingest.pipeline`` and the
tests' fixtures) and read-models (through ``index.ledger``: ``search.responses``, ``search.cases``,
``search.ledger``) agree on columns. The schema itself is in ``index.schema``.

* ``insert_document(c, ...)`` -> document id; ``insert_passages``, ``insert_finding``,
  ``insert_action`` (with the findings it answers) add the rest of the document.
* ``document_summary(row)`` -> ``{"id", "title", "type", "date", "reference", "source"}``;
  ``document_meta(row)`` -> its ``meta`` as a dict.
* ``findings_with_documents(c, ids)`` -> finding id -> the finding's row joined with its
  document's (title, type, date, reference, source, meta).
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from typing import Any, Iterable, Mapping

from index.store import dumps

SUMMARY_COLUMNS = ("id", "title", "type", "date", "reference", "source")


def text_hash(text: str) -> str:
    """The key of a text's vector (also what ``index.ingest.reader`` hashes texts with)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def document_summary(row: Mapping | sqlite3.Row, id_column: str = "id") -> dict[str, Any]:
    """The short form of a document every page shows. ``id_column``: where the document's id
    is in ``row`` (``"document_id"`` for a finding or action joined with its document)."""
    return {k: row[id_column if k == "id" else k] for k in SUMMARY_COLUMNS}


def document_meta(row: Mapping | sqlite3.Row, column: str = "meta") -> dict[str, Any]:
    """A stored document's ``meta`` (``column`` of ``row``: JSON text, or a dict already decoded)
    as a dict; {} when the row has none or it is not a JSON object."""
    m = row[column] if column in row.keys() else None
    if m is None or isinstance(m, str):
        try:
            m = json.loads(m or "{}")
        except ValueError:
            return {}
    return m if isinstance(m, dict) else {}


def insert_document(c: sqlite3.Connection, *, content_hash: str, title: str, type: str | None, date: str | None,
                    reference: str | None, source: str | None, text: str, blocks: list, meta: dict,
                    id: int | None = None) -> int:
    """One ``documents`` row; ``blocks`` is ``[[start, end, section, page], ...]``."""
    cols = "content_hash, title, type, date, reference, source, text, blocks, meta"
    vals: list = [content_hash, title, type, date, reference, source, text, dumps(blocks), dumps(meta)]
    if id is not None:
        cols, vals = "id, " + cols, [id, *vals]
    cur = c.execute(f"INSERT INTO documents({cols}) VALUES ({','.join('?' * len(vals))})", vals)
    return cur.lastrowid


def insert_passages(c: sqlite3.Connection, document_id: int,
                    passages: Iterable[tuple[str, str | None, int | None, int, int]]) -> int:
    """Passages ``(text, section, page, start, end)`` in order; returns how many."""
    rows = [(document_id, i, text, section, page, start, end, text_hash(text))
            for i, (text, section, page, start, end) in enumerate(passages)]
    c.executemany(
        "INSERT INTO passages(document_id, seq, text, section, page, start, end, text_hash) VALUES (?,?,?,?,?,?,?,?)",
        rows)
    return len(rows)


def insert_finding(c: sqlite3.Connection, document_id: int, seq: int, kind: str, label: str | None, text: str,
                   addressees: list[str], section: str | None, page: int | None, start: int, end: int,
                   id: int | None = None) -> int:
    cols = "document_id, seq, kind, label, text, addressees, section, page, start, end, text_hash"
    vals: list = [document_id, seq, kind, label, text, dumps(addressees), section, page, start, end, text_hash(text)]
    if id is not None:
        cols, vals = "id, " + cols, [id, *vals]
    return c.execute(f"INSERT INTO findings({cols}) VALUES ({','.join('?' * len(vals))})", vals).lastrowid


def insert_action(c: sqlite3.Connection, document_id: int, seq: int, kind: str, text: str, owner: str | None,
                  due: str | None, due_text: str | None, updated: str | None, status: str | None,
                  page: int | None, start: int, end: int, finding_ids: Iterable[int] = (),
                  id: int | None = None) -> int:
    """One ``actions`` row and its ``action_findings`` (the findings it answers)."""
    cols = "document_id, seq, kind, text, owner, due, due_text, updated, status, page, start, end"
    vals: list = [document_id, seq, kind, text, owner, due, due_text, updated, status, page, start, end]
    if id is not None:
        cols, vals = "id, " + cols, [id, *vals]
    action_id = c.execute(f"INSERT INTO actions({cols}) VALUES ({','.join('?' * len(vals))})", vals).lastrowid
    c.executemany("INSERT OR IGNORE INTO action_findings(action_id, finding_id) VALUES (?, ?)",
                  [(action_id, f) for f in finding_ids])
    return action_id


def own_actions_only(own: str) -> str:
    """SQL condition on an ``actions`` row ``a``: it answers one of the documents ``own`` (a
    placeholder list, "?,?") or nothing in particular. A letter answering several reports pairs
    each action with one report's concerns; an action paired only elsewhere is another case's."""
    return ("NOT (EXISTS (SELECT 1 FROM action_findings af WHERE af.action_id = a.id) AND NOT EXISTS"
            " (SELECT 1 FROM action_findings af JOIN findings f ON f.id = af.finding_id WHERE af.action_id = a.id"
            f" AND f.document_id IN ({own})))")


def document_by_id(c: sqlite3.Connection, document_id: int) -> sqlite3.Row | None:
    """The whole ``documents`` row of one id (None if there is none)."""
    return c.execute("SELECT * FROM documents WHERE id=?", (document_id,)).fetchone()


def findings_with_documents(c: sqlite3.Connection, ids: Iterable[int]) -> dict[int, sqlite3.Row]:
    """finding id -> its row with its document's columns, for the ids that exist."""
    ids = list(ids)
    out: dict[int, sqlite3.Row] = {}
    for i in range(0, len(ids), 500):
        part = ids[i: i + 500]
        for r in c.execute(
            "SELECT f.id, f.document_id, f.kind, f.label, f.text, f.addressees, f.page, f.text_hash,"
            " d.title, d.type, d.date, d.reference, d.source, d.meta"
            f" FROM findings f JOIN documents d ON d.id = f.document_id WHERE f.id IN ({','.join('?' * len(part))})",
            part):
            out[r["id"]] = r
    return out
