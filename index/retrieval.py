"""The reads a search makes: keyword candidates from FTS5 with their BM25, and rows by id
for the ranker, its learned re-scoring and the result and document pages.

Every function takes the library's ``Store`` and ids and returns plain values (ids,
scores, texts, vectors, dicts of columns); the scoring, fusion and shaping stay in
``search/`` (``search.ranking``, ``search.query``, ``search.documents``). Term statistics
for bounded BM25 are ``index.termstats``'.

* keyword index: ``fts_bm25`` (the best matches of a MATCH expression with their BM25),
  ``fts_newest`` (the newest matches), ``token_counts`` (each passage's tokens as FTS5
  counted them), ``passage_sample`` (texts of every ``step``-th passage).
* rows by id: ``texts``, ``stored_vectors``, ``passage_spans``, ``finding_spans``,
  ``finding_documents``, ``passage_documents``, ``findings_of_documents``,
  ``document_texts``, ``document_fields``, ``document_sample``, ``every_document_text``, ``passages_with_documents``, ``passages_by_id``, ``findings_by_id``,
  ``passage_at``.
* a result's details: ``documents_by_id``, ``responded_documents``, ``finding_statuses``,
  ``response_links``, and the actions answering findings (``actions_of_findings``,
  ``report_findings_answered``, ``finding_vectors_of_document``, ``vector_of_hash``,
  ``actions_of_finding``, ``unpaired_actions``).
* every stored vector by its text's hash: ``all_vectors`` (comparing two builds).
* the document page: ``document_findings``, ``unattached_actions``, ``reports_answered``,
  ``responses_to``.
* the search filters' checks: ``held_statuses``, ``theme_exists``.
"""
from __future__ import annotations

import sqlite3
from typing import Iterable

import numpy as np

from index.store import Store, chunked, placeholders

FTS_TABLES = {"passages": "passages_fts", "findings": "findings_fts"}
CHUNK = 900  # ids bound per statement where a statement is repeated per chunk

#: the columns of an action as the result and document pages show it (``a``: actions, ``d``:
#: its document): the document's title, and who answered when it is a response
ACTION_COLUMNS = ("a.id, a.kind, a.text, a.owner, a.due, a.due_text, a.status, a.updated, a.document_id,"
                  " d.title AS document_title, json_extract(d.meta, '$.respondent') AS respondent,"
                  " json_extract(d.meta, '$.respondent_from') AS respondent_from")


def _literal_ids(ids: Iterable[int]) -> str:
    """``ids`` as an ``IN`` list of integer literals (no limit on how many)."""
    return ",".join(str(int(i)) for i in ids)


def _vector(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype=np.float32)


# ----------------------------------------------------------------------------- keyword index
def fts_bm25(store: Store, table: str, expr: str, n: int) -> list[tuple[int, float]]:
    """The ``n`` rows of ``table`` (passages or findings) best matching the FTS5 MATCH
    ``expr``: ``[(id, BM25)]``, best first (FTS5's bm25() negated: higher is better); none
    for an expression FTS5 cannot parse."""
    fts = FTS_TABLES[table]
    try:
        rows = store.conn.execute(
            f"SELECT rowid, bm25({fts}) AS s FROM {fts} WHERE {fts} MATCH ? ORDER BY s LIMIT ?", (expr, n)).fetchall()
    except sqlite3.OperationalError:  # a query FTS cannot parse finds nothing by keyword
        return []
    return [(r[0], -r[1]) for r in rows]


def fts_newest(store: Store, table: str, expr: str, n: int) -> list[int]:
    """Ids of the ``n`` newest rows of ``table`` matching ``expr`` (FTS5 scans in rowid order
    and stops after ``n``, computing no BM25)."""
    fts = FTS_TABLES[table]
    try:
        return [r[0] for r in store.conn.execute(
            f"SELECT rowid FROM {fts} WHERE {fts} MATCH ? ORDER BY rowid DESC LIMIT ?", (expr, n))]
    except sqlite3.OperationalError:
        return []


def _varint(b: bytes) -> int:
    """SQLite's varint (FTS5 stores each row's token count as one)."""
    v = 0
    for i, byte in enumerate(b[:9]):
        if i == 8:
            return (v << 8) | byte
        v = (v << 7) | (byte & 0x7F)
        if byte < 0x80:
            return v
    return v


def token_counts(store: Store, ids: Iterable[int]) -> dict[int, int]:
    """{passage id: its tokens} as FTS5 counted them (empty if the table is not there)."""
    ids = [int(i) for i in ids]
    if not ids:
        return {}
    try:
        rows = store.conn.execute(
            f"SELECT id, sz FROM passages_fts_docsize WHERE id IN ({_literal_ids(ids)})").fetchall()
    except sqlite3.OperationalError:
        return {}
    return {r[0]: _varint(r[1]) for r in rows if r[1]}


def passage_sample(store: Store, step: int, limit: int = 500) -> list[str]:
    """Texts of up to ``limit`` passages, every ``step``-th by id."""
    return [t for (t,) in store.conn.execute("SELECT text FROM passages WHERE id % ? = 0 LIMIT ?", (step, limit))]


# ----------------------------------------------------------------------------- rows by id
def texts(store: Store, table: str, ids: Iterable[int]) -> dict[int, str]:
    """{id: text} of the ``ids`` of ``table`` (passages or findings) that exist."""
    ids = [int(i) for i in ids]
    if not ids:
        return {}
    return dict(store.conn.execute(f"SELECT id, text FROM {table} WHERE id IN ({_literal_ids(ids)})").fetchall())


def stored_vectors(store: Store, table: str, ids: list[int]) -> dict[int, np.ndarray]:
    """{id: stored vector} of the ``ids`` of ``table`` (passages or findings) that have one."""
    out: dict[int, np.ndarray] = {}
    for i in range(0, len(ids), CHUNK):
        part = ids[i:i + CHUNK]
        for rid, blob in store.conn.execute(f"SELECT t.id, v.vector FROM {table} t JOIN vectors v"
                                            f" ON v.text_hash = t.text_hash WHERE t.id IN ({placeholders(part)})", part):
            out[rid] = _vector(blob)
    return out


def passage_spans(store: Store, ids: list[int]) -> dict[int, sqlite3.Row]:
    """{passage id: its row (id, document_id, start, end)}."""
    if not ids:
        return {}
    return {r["id"]: r for r in store.conn.execute(
        f"SELECT id, document_id, start, end FROM passages WHERE id IN ({placeholders(ids)})", ids)}


def finding_spans(store: Store, document_ids) -> dict[int, list[sqlite3.Row]]:
    """{document id: its findings' rows (id, document_id, start, end)}, findings with a
    known place in the text only."""
    out: dict[int, list[sqlite3.Row]] = {}
    if document_ids:
        for r in store.conn.execute(f"SELECT id, document_id, start, end FROM findings WHERE document_id IN"
                                    f" ({placeholders(document_ids)}) AND start IS NOT NULL", list(document_ids)):
            out.setdefault(r["document_id"], []).append(r)
    return out


def finding_documents(store: Store, ids) -> dict[int, int]:
    """{finding id: its document's id} for the ids that exist."""
    out: dict[int, int] = {}
    for part in chunked(list(dict.fromkeys(int(i) for i in ids)), CHUNK):
        out.update(store.conn.execute(f"SELECT id, document_id FROM findings WHERE id IN ({placeholders(part)})", part))
    return out


def passage_documents(store: Store, ids) -> dict[int, int]:
    """{passage id: its document's id} for the ids that exist."""
    out: dict[int, int] = {}
    for part in chunked(list(ids), CHUNK):
        out.update(store.conn.execute(f"SELECT id, document_id FROM passages WHERE id IN ({placeholders(part)})", part))
    return out


def findings_of_documents(store: Store, document_ids: list[int]) -> list[tuple[int, str | None, np.ndarray | None]]:
    """``[(document id, finding text, stored vector or None)]`` for every finding of
    ``document_ids``, document by document."""
    out = []
    for i in range(0, len(document_ids), CHUNK):
        part = document_ids[i:i + CHUNK]
        for d, text, blob in store.conn.execute(
                "SELECT f.document_id, f.text, v.vector FROM findings f"
                f" LEFT JOIN vectors v ON v.text_hash = f.text_hash WHERE f.document_id IN ({placeholders(part)})"
                " ORDER BY f.document_id", part):
            out.append((d, text, _vector(blob) if blob else None))
    return out


def document_texts(store: Store, document_ids: list[int]) -> dict[int, str]:
    """{document id: all its passages' text, joined by spaces}."""
    out: dict[int, str] = {}
    for i in range(0, len(document_ids), CHUNK):
        part = document_ids[i:i + CHUNK]
        for d, text in store.conn.execute(f"SELECT document_id, group_concat(text, ' ') FROM passages"
                                          f" WHERE document_id IN ({placeholders(part)}) GROUP BY document_id", part):
            out[d] = text or ""
    return out


def document_fields(store: Store, document_ids: list[int]) -> dict[int, tuple[str, str, str]]:
    """{document id: (title, its findings' text joined by blank lines, its whole text)}."""
    out: dict[int, tuple[str, str, str]] = {}
    for i in range(0, len(document_ids), CHUNK):
        part = [int(d) for d in document_ids[i:i + CHUNK]]
        concerns: dict[int, list[str]] = {}
        for d, text in store.conn.execute(f"SELECT document_id, text FROM findings WHERE document_id IN"
                                          f" ({placeholders(part)}) ORDER BY document_id, seq", part):
            concerns.setdefault(d, []).append(text or "")
        for d, title, text in store.conn.execute(f"SELECT id, title, text FROM documents WHERE id IN"
                                                 f" ({placeholders(part)})", part):
            out[d] = (title or "", "\n\n".join(concerns.get(d, [])), text or "")
    return out


def document_sample(store: Store, step: int, limit: int = 300) -> list[int]:
    """Ids of up to ``limit`` documents, every ``step``-th by id."""
    return [r[0] for r in store.conn.execute("SELECT id FROM documents WHERE id % ? = 0 LIMIT ?", (step, limit))]


def every_document_text(store: Store) -> Iterable[tuple[int, str]]:
    """``(document id, whole text)`` of every document, by id (a whole-library scan: for
    evaluation baselines, not for answering a query)."""
    yield from store.conn.execute("SELECT id, text FROM documents ORDER BY id")


def passages_with_documents(store: Store, ids: list[int]) -> dict[int, dict]:
    """{passage id: the passage (pid, ptext, section, page, start, end, seq) with its
    document's columns (id, title, type, date, reference, source, meta)}."""
    if not ids:
        return {}
    q = (
        "SELECT p.id AS pid, p.text AS ptext, p.section, p.page, p.start, p.end, p.seq,"
        " d.id, d.title, d.type, d.date, d.reference, d.source, d.meta"
        f" FROM passages p JOIN documents d ON d.id = p.document_id WHERE p.id IN ({placeholders(ids)})"
    )
    return {r["pid"]: dict(r) for r in store.conn.execute(q, ids)}


def passages_by_id(store: Store, ids: list[int]) -> dict[int, dict]:
    """{passage id: (id, text, section, page, start, end)}."""
    if not ids:
        return {}
    return {r["id"]: dict(r) for r in store.conn.execute(
        f"SELECT id, text, section, page, start, end FROM passages WHERE id IN ({placeholders(ids)})", ids)}


def findings_by_id(store: Store, ids: list[int]) -> dict[int, dict]:
    """{finding id: (id, kind, label, text, addressees (JSON text), start, end)}."""
    if not ids:
        return {}
    return {r["id"]: dict(r) for r in store.conn.execute(
        f"SELECT id, kind, label, text, addressees, start, end FROM findings WHERE id IN ({placeholders(ids)})", ids)}


def passage_at(store: Store, document_id: int, start: int) -> int | None:
    """The id of the passage of ``document_id`` holding character ``start`` (the last one
    starting at or before it), or None."""
    r = store.conn.execute("SELECT id FROM passages WHERE document_id=? AND start<=? ORDER BY start DESC LIMIT 1",
                           (document_id, start)).fetchone()
    return r[0] if r else None


# ----------------------------------------------------------------------------- filters
def held_statuses(store: Store) -> set[str]:
    """The action statuses the library holds, lower-cased (for checking a status filter)."""
    return {r[0].lower() for r in store.conn.execute(
        "SELECT DISTINCT status FROM actions WHERE status IS NOT NULL AND status != ''")}


def theme_exists(store: Store, theme_id: int) -> bool:
    """Whether the library has a theme of this id (for checking a theme filter)."""
    return store.conn.execute("SELECT 1 FROM themes WHERE id=?", (theme_id,)).fetchone() is not None


# ----------------------------------------------------------------------------- a result's details
def documents_by_id(store: Store, ids) -> dict[int, dict]:
    """{document id: (id, title, type, date, reference, source, meta (JSON text))}."""
    if not ids:
        return {}
    return {r["id"]: dict(r) for r in store.conn.execute(
        f"SELECT id, title, type, date, reference, source, meta FROM documents WHERE id IN ({placeholders(ids)})", list(ids))}


def responded_documents(store: Store, document_ids) -> set[int]:
    """Documents with a linked response, or reports the tracker records replies for (or
    a completed or partial response status)."""
    if not document_ids:
        return set()
    c = store.conn
    out = {r[0] for r in c.execute(f"SELECT DISTINCT report_id FROM links WHERE report_id IN ({placeholders(document_ids)})",
                                   list(document_ids))}
    out |= {r[0] for r in c.execute(
        f"SELECT DISTINCT d.id FROM documents d JOIN annotations a ON a.reference = d.reference "
        f"WHERE d.id IN ({placeholders(document_ids)}) AND (json_extract(a.data, '$.replies') > 0 "
        "OR json_extract(a.data, '$.status') IN ('completed', 'partial'))", list(document_ids))}
    return out


def finding_statuses(store: Store, finding_ids) -> list[tuple[int, str | None]]:
    """``[(finding id, status)]`` of every action answering one of ``finding_ids`` (the
    status as stored: None or "" when the action has none)."""
    if not finding_ids:
        return []
    return [(r[0], r[1]) for r in store.conn.execute(
        f"SELECT af.finding_id, a.status FROM action_findings af JOIN actions a ON a.id = af.action_id "
        f"WHERE af.finding_id IN ({placeholders(finding_ids)})", list(finding_ids))]


def response_links(store: Store, report_ids) -> list[tuple[int, int, float, str]]:
    """``[(report id, response id, confidence, response title)]`` of the linked responses of
    ``report_ids``, most confident first."""
    if not report_ids:
        return []
    return [tuple(r) for r in store.conn.execute(
        "SELECT l.report_id, l.response_id, l.confidence, d.title FROM links l JOIN documents d ON d.id = l.response_id"
        f" WHERE l.report_id IN ({placeholders(report_ids)}) ORDER BY l.confidence DESC", list(report_ids))]


def actions_of_findings(store: Store, finding_ids: list[int]) -> list[sqlite3.Row]:
    """The actions paired with ``finding_ids`` (``finding_id`` and :data:`ACTION_COLUMNS`),
    document by document, in their order."""
    return store.conn.execute(
        f"SELECT af.finding_id, {ACTION_COLUMNS} FROM action_findings af JOIN actions a ON a.id = af.action_id"
        f" JOIN documents d ON d.id = a.document_id WHERE af.finding_id IN ({placeholders(finding_ids)})"
        " ORDER BY a.document_id, a.seq", finding_ids).fetchall()


def report_findings_answered(store: Store, finding_ids: list[int]) -> list[tuple[int, str, int]]:
    """``[(finding id, its text hash, a linked response's id)]`` for those of ``finding_ids``
    whose document has linked responses."""
    return [tuple(r) for r in store.conn.execute(
        f"SELECT f.id, f.text_hash, l.response_id FROM findings f JOIN links l ON l.report_id = f.document_id"
        f" WHERE f.id IN ({placeholders(finding_ids)})", finding_ids).fetchall()]


def finding_vectors_of_document(store: Store, document_id: int) -> list[tuple[int, np.ndarray]]:
    """``[(finding id, stored vector)]`` of the findings of ``document_id`` that have one."""
    return [(r[0], _vector(r[1])) for r in store.conn.execute(
        "SELECT f.id, v.vector FROM findings f JOIN vectors v ON v.text_hash = f.text_hash"
        " WHERE f.document_id=?", (document_id,)).fetchall()]


def vector_of_hash(store: Store, text_hash: str) -> np.ndarray | None:
    """The stored vector of a text (by its hash), or None."""
    r = store.conn.execute("SELECT vector FROM vectors WHERE text_hash=?", (text_hash,)).fetchone()
    return None if r is None else _vector(r[0])


def all_vectors(store: Store) -> dict[str, np.ndarray]:
    """Every stored vector by its text's hash: what two builds of the same input are compared on."""
    return {r[0]: _vector(r[1]) for r in store.conn.execute("SELECT text_hash, vector FROM vectors")}


def actions_of_finding(store: Store, finding_id: int) -> list[sqlite3.Row]:
    """The actions paired with one finding (:data:`ACTION_COLUMNS`), in their order."""
    return store.conn.execute(
        f"SELECT {ACTION_COLUMNS} FROM action_findings af JOIN actions a ON a.id = af.action_id"
        " JOIN documents d ON d.id = a.document_id WHERE af.finding_id=? ORDER BY a.seq", (finding_id,)).fetchall()


def unpaired_actions(store: Store, document_id: int, limit: int) -> list[sqlite3.Row]:
    """The first ``limit`` actions of ``document_id`` paired with no finding (:data:`ACTION_COLUMNS`)."""
    return store.conn.execute(
        f"SELECT {ACTION_COLUMNS} FROM actions a JOIN documents d ON d.id = a.document_id"
        " WHERE a.document_id=? AND NOT EXISTS (SELECT 1 FROM action_findings af"
        " WHERE af.action_id = a.id) ORDER BY a.seq LIMIT ?", (document_id, limit)).fetchall()


# ----------------------------------------------------------------------------- the document page
def document_findings(store: Store, document_id: int) -> list[dict]:
    """The findings of a document in order (id, seq, kind, label, text, addressees (JSON
    text), section, page, start, end)."""
    return [dict(r) for r in store.conn.execute(
        "SELECT id, seq, kind, label, text, addressees, section, page, start, end FROM findings"
        " WHERE document_id=? ORDER BY seq", (document_id,))]


def unattached_actions(store: Store, document_id: int) -> list[dict]:
    """The actions of a document paired with no finding, in order (id, kind, text, owner,
    due, due_text, updated, status, page)."""
    return [dict(r) for r in store.conn.execute(
        "SELECT id, kind, text, owner, due, due_text, updated, status, page FROM actions a WHERE document_id=?"
        " AND NOT EXISTS (SELECT 1 FROM action_findings af WHERE af.action_id = a.id) ORDER BY seq", (document_id,))]


def reports_answered(store: Store, response_id: int) -> list[tuple[int, str, float]]:
    """``[(report id, title, confidence)]`` of the reports a response is linked to, most
    confident first."""
    return [tuple(r) for r in store.conn.execute(
        "SELECT d.id, d.title, l.confidence FROM links l JOIN documents d ON d.id = l.report_id"
        " WHERE l.response_id=? ORDER BY l.confidence DESC", (response_id,))]


def responses_to(store: Store, report_id: int) -> list[tuple[int, str, float]]:
    """``[(response id, title, confidence)]`` of the responses linked to a report, most
    confident first."""
    return [tuple(r) for r in store.conn.execute(
        "SELECT d.id, d.title, l.confidence FROM links l JOIN documents d ON d.id = l.response_id"
        " WHERE l.report_id=? ORDER BY l.confidence DESC", (report_id,))]
