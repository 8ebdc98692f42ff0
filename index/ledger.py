"""Reads behind the accountability pages: cases, commitments, organisations and who answered.

The read models in ``search.cases``, ``search.ledger`` and ``search.responses`` keep their rules
(what counts as overdue, which recipient a letter answers, how a page is shaped); the rows they
work on come from here, so no module outside ``index/`` runs SQL. Every function takes the open
``Library`` and returns ``sqlite3.Row``s or plain dicts, in the order stated.

* documents: ``stored_document``, ``documents_of_type``, ``report_ids_with_reference``,
  ``passages_mentioning`` (FTS phrase search, one passage per document)
* links and the Preventable Deaths Tracker: ``linked_report_ids``, ``responses_by_report``,
  ``tracker``, ``trackers``
* findings: ``document_findings``, ``finding_rows``, ``finding_texts``, ``report_concerns``,
  ``dated_findings_with_vectors``, ``text_vector``
* actions: ``action_rows`` (the ledger's), ``action_finding_pairs``, ``case_actions``,
  ``actions_answering``, ``response_actions_for_report``
* ``ledger_signature``: changes whenever documents, actions, links or annotations do.
"""
from __future__ import annotations

import json
import re
import sqlite3
from collections import defaultdict
from typing import Iterable

import numpy as np

from index.rows import document_by_id, findings_with_documents, own_actions_only
from index.store import placeholders


# ------------------------------------------------------------------ documents


def stored_document(lib, document_id: int) -> sqlite3.Row | None:
    """The whole ``documents`` row of one id (None if there is none)."""
    return document_by_id(lib.store.conn, document_id)


def documents_of_type(lib, type: str) -> list[sqlite3.Row]:
    """``id, title, type, date, reference, source, meta`` of every document of one type, by id."""
    return lib.store.conn.execute(
        "SELECT id, title, type, date, reference, source, meta FROM documents WHERE type=?", (type,)).fetchall()


def report_ids_with_reference(lib, reference: str) -> list[int]:
    """Ids of the PFD reports whose reference is ``reference``."""
    return [r[0] for r in lib.store.conn.execute(
        "SELECT id FROM documents WHERE type='pfd_report' AND reference=?", (reference,))]


def _fts_phrase(s: str) -> str | None:
    toks = re.findall(r"[A-Za-z0-9]+", s)
    return '"' + " ".join(toks) + '"' if toks else None


def passages_mentioning(lib, phrase: str, exclude: set[int], limit: int = 50) -> list[tuple[int, int, str]]:
    """(document id, passage id, passage text) of passages holding ``phrase`` (an FTS phrase
    query, best BM25 first), one per document and none of the documents ``exclude``."""
    expr = _fts_phrase(phrase)
    if not expr:
        return []
    try:
        rows = lib.store.conn.execute(
            "SELECT p.document_id, p.id, p.text FROM passages_fts f JOIN passages p ON p.id = f.rowid"
            " WHERE passages_fts MATCH ? ORDER BY bm25(passages_fts) LIMIT ?", (expr, limit * 4)).fetchall()
    except sqlite3.OperationalError:
        return []
    out, seen = [], set(exclude)
    for r in rows:
        if r[0] in seen:
            continue
        seen.add(r[0])
        out.append((r[0], r[1], r[2]))
        if len(out) >= limit:
            break
    return out


# ------------------------------------------------------------------ links and the tracker


def linked_report_ids(lib, response_id: int) -> list[int]:
    """The reports a response is linked to, most confident first."""
    return [r[0] for r in lib.store.conn.execute(
        "SELECT report_id FROM links WHERE response_id=? ORDER BY confidence DESC", (response_id,))]


def responses_by_report(lib, report_ids: list[int] | None = None) -> dict[int, list[dict]]:
    """report id -> [response document rows (``id, title, type, date, reference, source, meta``)
    with ``confidence`` and ``via``], from the links table (``via`` "link") and the dataset's
    parent id (``meta.parent_reference``, ``via`` "parent_reference", confidence 1.0) for
    responses not linked to that report. ``report_ids`` None: every report."""
    c = lib.store.conn
    out: dict[int, dict[int, dict]] = defaultdict(dict)
    q = ("SELECT l.report_id, l.confidence, d.id, d.title, d.type, d.date, d.reference, d.source, d.meta"
         " FROM links l JOIN documents d ON d.id = l.response_id")
    args: list = []
    if report_ids is not None:
        if not report_ids:
            return {}
        q += f" WHERE l.report_id IN ({placeholders(report_ids)})"
        args = report_ids
    for r in c.execute(q, args):
        out[r["report_id"]][r["id"]] = {**dict(r), "confidence": r["confidence"], "via": "link"}
    # responses that carry their report's reference but are not (yet) linked
    refs: dict[str, list[int]] = defaultdict(list)
    rq = "SELECT id, reference FROM documents WHERE type='pfd_report' AND reference IS NOT NULL"
    rargs: list = []
    if report_ids is not None:
        rq += f" AND id IN ({placeholders(report_ids)})"
        rargs = report_ids
    for r in c.execute(rq, rargs):
        refs[r["reference"]].append(r["id"])
    if refs:
        sql = ("SELECT id, title, type, date, reference, source, meta, json_extract(meta, '$.parent_reference') AS parent"
               " FROM documents WHERE type='pfd_response' AND json_extract(meta, '$.parent_reference') IS NOT NULL")
        if report_ids is not None:  # SQLite reads the JSON: no Python decoding of every response
            sql += f" AND json_extract(meta, '$.parent_reference') IN ({placeholders(refs)})"
        for r in c.execute(sql, list(refs) if report_ids is not None else []):
            parent = r["parent"]
            for rid in refs.get(parent or "", []):
                row = {k: r[k] for k in r.keys() if k != "parent"}
                out[rid].setdefault(r["id"], {**row, "confidence": 1.0, "via": "parent_reference"})
    return {k: list(v.values()) for k, v in out.items()}


def tracker(lib, reference: str | None) -> dict | None:
    """The Preventable Deaths Tracker's row for a report reference (``{"source", **data}``:
    status, replies, recipients …), None when the tracker has none."""
    anns = lib.store.annotations_for(reference)
    return anns[0] if anns else None


def trackers(lib) -> dict[str, dict]:
    """reference -> its tracker row (as ``tracker``), for every reference, in one read."""
    out: dict[str, dict] = {}
    for r in lib.store.conn.execute("SELECT reference, source, data FROM annotations"):
        out.setdefault(r["reference"], {"source": r["source"], **json.loads(r["data"])})
    return out


# ------------------------------------------------------------------ findings


def document_findings(lib, document_ids: list[int]) -> list[dict]:
    """``id, document_id, kind, label, text, section, page`` of the findings of the documents, in
    document then reading order."""
    if not document_ids:
        return []
    return [dict(f) for f in lib.store.conn.execute(
        "SELECT id, document_id, kind, label, text, section, page FROM findings"
        f" WHERE document_id IN ({placeholders(document_ids)}) ORDER BY document_id, seq", list(document_ids))]


def finding_rows(lib, ids: Iterable[int]) -> dict[int, sqlite3.Row]:
    """finding id -> the finding joined with its document (``index.rows.findings_with_documents``)."""
    return findings_with_documents(lib.store.conn, ids)


def finding_texts(lib, ids: list[int]) -> dict[int, str]:
    """finding id -> its text."""
    out: dict[int, str] = {}
    for i in range(0, len(ids), 500):
        part = ids[i: i + 500]
        for r in lib.store.conn.execute(f"SELECT id, text FROM findings WHERE id IN ({placeholders(part)})", part):
            out[r[0]] = r[1]
    return out


def report_concerns(lib, report_ids: list[int]) -> dict[int, sqlite3.Row]:
    """finding id -> ``id, label, document_id, reference`` (the report's) of the concerns of the reports."""
    if not report_ids:
        return {}
    return {r["id"]: r for r in lib.store.conn.execute(
        "SELECT f.id, f.label, f.document_id, d.reference FROM findings f JOIN documents d ON d.id = f.document_id"
        f" WHERE f.kind='concern' AND f.document_id IN ({placeholders(report_ids)})", report_ids)}


def dated_findings_with_vectors(lib, document_ids: list[int]) -> list[sqlite3.Row]:
    """The findings of the dated documents among ``document_ids``, each joined with its document
    (``title, type, date, reference, source, meta``) and its stored ``vector`` (float32 bytes)."""
    rows: list[sqlite3.Row] = []
    for i in range(0, len(document_ids), 500):
        part = document_ids[i: i + 500]
        rows += lib.store.conn.execute(
            "SELECT f.id, f.document_id, f.seq, f.kind, f.label, f.text, f.addressees, f.page, f.text_hash,"
            " d.title, d.type, d.date, d.reference, d.source, d.meta, v.vector"
            " FROM findings f JOIN documents d ON d.id = f.document_id JOIN vectors v ON v.text_hash = f.text_hash"
            f" WHERE f.document_id IN ({placeholders(part)}) AND d.date IS NOT NULL", part).fetchall()
    return rows


def text_vector(lib, text_hash: str) -> np.ndarray | None:
    """The stored vector of a text (by its hash), None when it has none."""
    r = lib.store.conn.execute("SELECT vector FROM vectors WHERE text_hash=?", (text_hash,)).fetchone()
    return np.frombuffer(r[0], dtype=np.float32) if r else None


# ------------------------------------------------------------------ actions


def action_rows(lib, document_id: int | None = None) -> list[dict]:
    """Every action (or one document's), in document and reading order, with its document's
    ``document_title, document_type, document_date, document_meta``, ``finding_id`` (the first
    finding it answers) and ``after``: for an action ending with a colon, the document's text
    that follows it (the list it leads into), else None; ``before``: for an action plan's,
    minutes' or inspection's row, the document's text before it (the heading it sits under);
    ``doc_text``: the whole text of minutes and inspections (the body "the force" is)."""
    q = (
        "SELECT a.id, a.document_id, a.seq, a.kind, a.text, a.owner, a.due, a.due_text, a.updated, a.status, a.page,"
        " CASE WHEN rtrim(a.text) LIKE '%:' AND a.end IS NOT NULL THEN substr(d.text, a.end + 1, 2000) END AS after,"
        " CASE WHEN d.type IN ('action_plan', 'minutes', 'inspection', 'other') AND a.start IS NOT NULL"
        "  THEN substr(d.text, max(1, a.start - 11999), min(a.start, 12000)) END AS before,"
        " CASE WHEN d.type IN ('minutes', 'inspection') THEN d.text END AS doc_text,"
        " d.title AS document_title, d.type AS document_type, d.date AS document_date, d.meta AS document_meta,"
        " (SELECT MIN(af.finding_id) FROM action_findings af WHERE af.action_id = a.id) AS finding_id"
        " FROM actions a JOIN documents d ON d.id = a.document_id"
    )
    args: tuple = ()
    if document_id is not None:
        q, args = q + " WHERE a.document_id=?", (document_id,)
    return [dict(r) for r in lib.store.conn.execute(q + " ORDER BY a.document_id, a.seq", args)]


def action_finding_pairs(lib, document_id: int) -> list[tuple[int, int]]:
    """(action id, finding id) for each finding an action of the document answers, by finding id."""
    return [(r[0], r[1]) for r in lib.store.conn.execute(
        "SELECT af.action_id, af.finding_id FROM action_findings af JOIN actions a ON a.id = af.action_id"
        " WHERE a.document_id=? ORDER BY af.finding_id", (document_id,))]


def case_actions(lib, ids: list[int], own: list[int]) -> list[dict]:
    """The actions of documents ``ids`` that answer one of the documents ``own`` or nothing in
    particular (``index.rows.own_actions_only``), in document and reading order: every column,
    ``document_title``, ``document_type``, ``document_date``, the document's ``respondent`` and ``respondent_from`` (meta), and
    ``finding_id``: the first finding of ``own`` it answers."""
    if not ids:
        return []
    q, qo = placeholders(ids), placeholders(own) or "NULL"
    return [dict(r) for r in lib.store.conn.execute(
        "SELECT a.*, d.title AS document_title, d.type AS document_type, d.date AS document_date,"
        " json_extract(d.meta, '$.respondent') AS respondent,"
        " json_extract(d.meta, '$.respondent_from') AS respondent_from,"
        " (SELECT MIN(af.finding_id) FROM action_findings af JOIN findings f ON f.id = af.finding_id"
        f"  WHERE af.action_id = a.id AND f.document_id IN ({qo})) AS finding_id"
        f" FROM actions a JOIN documents d ON d.id = a.document_id WHERE a.document_id IN ({q})"
        f" AND {own_actions_only(qo)}"
        " ORDER BY a.document_id, a.seq", [*own, *ids, *own])]


def actions_answering(lib, finding_id: int) -> list[sqlite3.Row]:
    """The actions paired with one finding, in document and reading order."""
    return lib.store.conn.execute(
        "SELECT a.* FROM actions a JOIN action_findings af ON af.action_id = a.id WHERE af.finding_id=?"
        " ORDER BY a.document_id, a.seq", (finding_id,)).fetchall()


def response_actions_for_report(lib, response_id: int, report_id: int) -> list[sqlite3.Row]:
    """The actions of a response that answer the report ``report_id`` or nothing in particular
    (not those of a letter answering several reports that answer only another), commitments
    first, then actions required, then the rest, each in reading order."""
    return lib.store.conn.execute(
        f"SELECT * FROM actions a WHERE document_id=? AND {own_actions_only('?, ?')} ORDER BY"
        " CASE kind WHEN 'commitment' THEN 0 WHEN 'action_required' THEN 1 ELSE 2 END, seq",
        (response_id, report_id, response_id)).fetchall()


# ------------------------------------------------------------------ change


def ledger_signature(lib) -> tuple:
    """Row counts and highest rowids of documents, actions, links and annotations: equal
    signatures mean the ledger's inputs are unchanged (a cache key)."""
    c = lib.store.conn
    parts = [c.execute(f"SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM {t}").fetchone()
             for t in ("documents", "actions", "links", "annotations")]
    return tuple(x for p in parts for x in p)
