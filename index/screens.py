"""Rows for screens: a named, saved question over the library with a person's judgements
(relevant / not relevant, with an optional note), and the reads the screening model needs
(every document's metadata and text, the mean of its passage and finding vectors).

The two tables (``screens``, ``screen_judgements``) are in ``index/schema.py``. Judgements name a document by its id;
deleting a document deletes its judgements."""
from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Iterable

import numpy as np

from index.library import Library
from index.schema import ensure_library_schema as ensure_schema  # tables screens, screen_judgements: index/schema.py


# a document's text beyond this many characters adds little to its word features and a lot
# to their cost (a 50-page inspection report)
TEXT_CHARS = 30_000


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _screen(row) -> dict[str, Any]:
    d = dict(row)
    d["filters"] = json.loads(d.get("filters") or "{}")
    return d


def insert_screen(lib: Library, name: str, query: str, filters: dict[str, Any]) -> dict[str, Any]:
    """Raises ``KeyError`` when a screen of that name exists."""
    ensure_schema(lib)
    if screen_by_name(lib, name) is not None:
        raise KeyError(name)
    now = _now()
    with lib.store.transaction() as c:
        c.execute("INSERT INTO screens(name, query, filters, created, updated) VALUES (?,?,?,?,?)",
                  (name, query, json.dumps(filters, sort_keys=True), now, now))
    return screen_by_name(lib, name)


def screen_by_name(lib: Library, name: str) -> dict[str, Any] | None:
    ensure_schema(lib)
    r = lib.store.conn.execute("SELECT * FROM screens WHERE name=?", (name,)).fetchone()
    return _screen(r) if r else None


def all_screens(lib: Library) -> list[dict[str, Any]]:
    ensure_schema(lib)
    rows = lib.store.conn.execute(
        "SELECT s.*, (SELECT COUNT(*) FROM screen_judgements j WHERE j.screen_id = s.id) AS judged,"
        " (SELECT COUNT(*) FROM screen_judgements j WHERE j.screen_id = s.id AND j.label = 1) AS relevant_found"
        " FROM screens s ORDER BY s.updated DESC, s.id DESC").fetchall()
    return [_screen(r) for r in rows]


def delete_screen(lib: Library, screen_id: int) -> None:
    ensure_schema(lib)
    with lib.store.transaction() as c:
        c.execute("DELETE FROM screen_judgements WHERE screen_id=?", (screen_id,))
        c.execute("DELETE FROM screen_draws WHERE screen_id=?", (screen_id,))
        c.execute("DELETE FROM screens WHERE id=?", (screen_id,))


def judgements(lib: Library, screen_id: int) -> list[dict[str, Any]]:
    """[{document_id, label (1/0), note, seq, judged_at}] in the order judged."""
    ensure_schema(lib)
    return [dict(r) for r in lib.store.conn.execute(
        "SELECT document_id, label, note, seq, judged_at FROM screen_judgements WHERE screen_id=? ORDER BY seq",
        (screen_id,))]


def existing_documents(lib: Library, doc_ids: Iterable[int]) -> set[int]:
    ids = list({int(i) for i in doc_ids})
    out: set[int] = set()
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        out.update(r[0] for r in lib.store.conn.execute(
            f"SELECT id FROM documents WHERE id IN ({','.join('?' * len(part))})", part))
    return out


def save_judgements(lib: Library, screen_id: int, items: list[tuple[int, int, str]]) -> None:
    """Store [(document id, label 1/0, note)] in one transaction; judging a document again
    replaces its label (and its note, when a new one is given) and moves it to the end."""
    ensure_schema(lib)
    now = _now()
    with lib.store.transaction() as c:
        seq = c.execute("SELECT COALESCE(MAX(seq), 0) FROM screen_judgements WHERE screen_id=?",
                        (screen_id,)).fetchone()[0]
        for doc_id, label, note in items:
            seq += 1
            c.execute(
                "INSERT INTO screen_judgements(screen_id, document_id, label, note, seq, judged_at)"
                " VALUES (?,?,?,?,?,?) ON CONFLICT(screen_id, document_id) DO UPDATE SET label=excluded.label,"
                " note=CASE WHEN excluded.note != '' THEN excluded.note ELSE note END, seq=excluded.seq,"
                " judged_at=excluded.judged_at",
                (screen_id, int(doc_id), int(label), note or "", seq, now))
        c.execute("UPDATE screens SET updated=? WHERE id=?", (now, screen_id))


def add_draws(lib: Library, screen_id: int, draws: list[dict[str, Any]]) -> None:
    """Record random draws [{document_id, q, p, pool, pool_p, judged_seq}] made by ``next``."""
    ensure_schema(lib)
    now = _now()
    with lib.store.transaction() as c:
        c.executemany(
            "INSERT INTO screen_draws(screen_id, document_id, q, p, pool, pool_p, judged_seq, drawn_at)"
            " VALUES (?,?,?,?,?,?,?,?)",
            [(screen_id, int(d["document_id"]), float(d["q"]), float(d["p"]), int(d["pool"]), float(d["pool_p"]),
              int(d["judged_seq"]), now) for d in draws])


def draws(lib: Library, screen_id: int) -> list[dict[str, Any]]:
    """[{document_id, q, p, pool, pool_p, judged_seq}] in the order drawn."""
    ensure_schema(lib)
    return [dict(r) for r in lib.store.conn.execute(
        "SELECT document_id, q, p, pool, pool_p, judged_seq FROM screen_draws WHERE screen_id=? ORDER BY id",
        (screen_id,))]


# ---------------------------------------------------------------------------- model inputs
def library_signature(lib: Library) -> str:
    """Changes whenever documents, passages or findings are added or removed (and with the
    model): the screening features of a library are cached under it."""
    c = lib.store.conn
    parts = [lib.model]
    for table in ("documents", "passages", "findings"):
        n, top = c.execute(f"SELECT COUNT(*), COALESCE(MAX(id), 0) FROM {table}").fetchone()
        parts.append(f"{table}:{n}:{top}")
    return "|".join(parts)


def document_rows(lib: Library) -> list[dict[str, Any]]:
    """Every document's id, title, type, date, reference, meta and (the start of) its text,
    with its findings' text appended, in id order."""
    c = lib.store.conn
    finding_text: dict[int, list[str]] = {}
    for doc_id, text in c.execute("SELECT document_id, text FROM findings ORDER BY document_id, seq"):
        finding_text.setdefault(doc_id, []).append(text)
    out = []
    for r in c.execute(f"SELECT id, title, type, date, reference, meta, substr(text, 1, {TEXT_CHARS}) AS text"
                       " FROM documents ORDER BY id"):
        d = dict(r)
        d["meta"] = json.loads(d["meta"] or "{}")
        d["findings_text"] = "\n".join(finding_text.get(d["id"], []))
        out.append(d)
    return out


def passage_vectors(lib: Library) -> tuple[np.ndarray, np.ndarray]:
    """(document id of each passage, its vector) for every passage with a stored vector,
    ordered by document."""
    return _vectors(lib, "passages")


def finding_vectors(lib: Library) -> tuple[np.ndarray, np.ndarray]:
    """(document id of each finding, its vector), ordered by document."""
    return _vectors(lib, "findings")


def _vectors(lib: Library, table: str) -> tuple[np.ndarray, np.ndarray]:
    rows = lib.store.conn.execute(
        f"SELECT t.document_id, v.vector FROM {table} t JOIN vectors v ON v.text_hash = t.text_hash"
        " ORDER BY t.document_id, t.id").fetchall()
    dim = int(lib.meta["dimension"])
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, dim), dtype=np.float32)
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    vecs = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
    return ids, vecs


def concerns_of(lib: Library, doc_ids: list[int], per_document: int = 6) -> dict[int, list[dict[str, Any]]]:
    """The first ``per_document`` findings (concerns, recommendations, ...) of each document."""
    out: dict[int, list[dict[str, Any]]] = {}
    if not doc_ids:
        return out
    ids = list(dict.fromkeys(int(i) for i in doc_ids))
    for r in lib.store.conn.execute(
            f"SELECT id, document_id, kind, label, text FROM findings WHERE document_id IN ({','.join('?' * len(ids))})"
            " ORDER BY document_id, seq", ids):
        lst = out.setdefault(r["document_id"], [])
        if len(lst) < per_document:
            lst.append({"id": r["id"], "kind": r["kind"], "label": r["label"], "text": r["text"]})
    return out

