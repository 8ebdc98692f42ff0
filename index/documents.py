"""Reads of the library's documents for browsing and for the rooms that point at documents
(learning packs, evaluation): the filtered, paged document list and its area facet, what
the library holds (counts, the newest documents, recent concerns, its largest theme), and
small look-ups by id (titles, a finding's document, a passage's document, the report a
response answers).

Every function takes the ``Library`` and returns plain values or ``sqlite3.Row`` objects;
the rules (which filters are valid, how a page shows a document) stay in ``search.browse``
and the other callers. The tables are in ``index/schema.py``; how a document is written and
summarised is in ``index.rows``.
"""
from __future__ import annotations

import sqlite3
from typing import Iterable

from index.library import Library
from index.rows import findings_with_documents
from index.store import chunked, placeholders

# the columns of a document in a list (a page adds its area and source from ``meta``)
LIST_COLUMNS = "id, title, type, date, reference, source, meta"
NEWEST_FIRST = " ORDER BY date IS NULL, date DESC, id DESC"
CHUNK = 500  # ids per IN (...) list, well under SQLite's limit on parameters


# ---- the document list -------------------------------------------------------------------------------
def documents_page(lib: Library, type: str | None = None, date_from: str | None = None, date_to: str | None = None,
                   area: str | None = None, title_words: Iterable[str] = (), limit: int = 50,
                   offset: int = 0) -> tuple[int, list[sqlite3.Row]]:
    """(how many documents match, the page of them newest first, each with ``LIST_COLUMNS``).

    ``date_from``/``date_to`` are checked partial dates (YYYY, YYYY-MM or YYYY-MM-DD); a
    partial ``date_to`` counts whole. ``area`` matches any part of ``meta.area`` (a list: exactly one of
    its spellings) and each of
    ``title_words`` any part of the title, case ignored."""
    where, args = [], []
    if type:
        where.append("type = ?")
        args.append(type)
    if date_from:
        where.append("date >= ?")
        args.append(date_from)
    if date_to:
        where.append("substr(date, 1, ?) <= ?")
        args += [len(date_to), date_to]
    if isinstance(area, (list, tuple)):  # the spellings of one area, each exactly
        if area:
            where.append(f"json_extract(meta, '$.area') IN ({','.join('?' * len(area))})")
            args += list(area)
    elif area:
        where.append("lower(COALESCE(json_extract(meta, '$.area'), '')) LIKE ?")
        args.append("%" + area.lower().strip() + "%")
    for w in title_words:
        where.append("lower(title) LIKE ?")
        args.append(f"%{w}%")
    cond = (" WHERE " + " AND ".join(where)) if where else ""
    c = lib.store.conn
    total = c.execute(f"SELECT COUNT(*) FROM documents{cond}", args).fetchone()[0]
    rows = c.execute(f"SELECT {LIST_COLUMNS} FROM documents{cond}{NEWEST_FIRST} LIMIT ? OFFSET ?",
                     args + [int(limit), int(offset)]).fetchall()
    return total, rows


def area_counts(lib: Library) -> dict[str, int]:
    """{area as stored in ``meta.area``: how many documents}."""
    return {r[0]: r[1] for r in lib.store.conn.execute(
        "SELECT json_extract(meta, '$.area') AS a, COUNT(*) FROM documents WHERE a IS NOT NULL AND a != ''"
        " GROUP BY a")}


def area_facets(lib: Library, limit: int = 200) -> list[str]:
    """The areas stored in documents' ``meta.area``, the most frequent first (as stored: a
    library built before areas were cleaned may hold untidy ones)."""
    return [r[0] for r in lib.store.conn.execute(
        "SELECT json_extract(meta, '$.area') AS a, COUNT(*) FROM documents WHERE a IS NOT NULL AND a != ''"
        " GROUP BY a ORDER BY COUNT(*) DESC, a LIMIT ?", (int(limit),))]


# ---- what the library holds ----------------------------------------------------------------------------
def counts_by_type(lib: Library) -> dict[str, int]:
    """{document type: how many}, the most frequent first."""
    return {r[0]: r[1] for r in lib.store.conn.execute(
        "SELECT type, COUNT(*) FROM documents GROUP BY type ORDER BY COUNT(*) DESC")}


def recent_documents(lib: Library, n: int, exclude_types: Iterable[str] = ()) -> list[sqlite3.Row]:
    """The ``n`` newest documents (undated last) not of ``exclude_types``, each with ``LIST_COLUMNS``."""
    skip = list(exclude_types)
    where = f" WHERE type NOT IN ({','.join('?' * len(skip))})" if skip else ""
    return lib.store.conn.execute(f"SELECT {LIST_COLUMNS} FROM documents{where}{NEWEST_FIRST} LIMIT ?",
                                  (*skip, int(n))).fetchall()


def largest_theme(lib: Library) -> dict | None:
    """``{"id", "label"}`` of the labelled theme with the most members, or None (the themes
    tables always exist; they are empty until a themes build, ``index.themes``)."""
    r = lib.store.conn.execute(
        "SELECT t.id, t.label, COUNT(*) AS n FROM themes t JOIN theme_members m ON m.theme_id = t.id"
        " WHERE t.label IS NOT NULL AND t.label != '' GROUP BY t.id ORDER BY n DESC LIMIT 1").fetchone()
    return {"id": r[0], "label": r[1]} if r else None


def recent_concern_texts(lib: Library, n: int = 30) -> list[str]:
    """The texts of ``n`` findings, PFD reports' first, newest documents first."""
    return [r[0] for r in lib.store.conn.execute(
        "SELECT f.text FROM findings f JOIN documents d ON d.id = f.document_id"
        " ORDER BY d.type = 'pfd_report' DESC, d.date DESC, f.id LIMIT ?", (int(n),))]


# ---- look-ups by id ----------------------------------------------------------------------------------------
def document_titles(lib: Library, doc_ids: Iterable[int]) -> dict[int, str]:
    """{document id: its title} for the ids that exist (so also: which of them exist)."""
    out: dict[int, str] = {}
    for part in chunked(list(dict.fromkeys(int(d) for d in doc_ids)), CHUNK):
        out.update((r[0], r[1]) for r in lib.store.conn.execute(
            f"SELECT id, title FROM documents WHERE id IN ({placeholders(part)})", part))
    return out


def finding_with_document(lib: Library, finding_id: int) -> sqlite3.Row | None:
    """One finding's row with its document's columns (``index.rows.findings_with_documents``),
    or None when there is no such finding."""
    return findings_with_documents(lib.store.conn, [finding_id]).get(finding_id)


def answered_reports(lib: Library, doc_ids: Iterable[int]) -> dict[int, int]:
    """{response id: the report it answers} for the PFD responses among ``doc_ids`` that are
    linked to a report: the likeliest link (highest confidence) when there are several."""
    out: dict[int, int] = {}
    for part in chunked(list(doc_ids), CHUNK):
        rows = lib.store.conn.execute(
            "SELECT l.response_id, l.report_id FROM links l JOIN documents d ON d.id = l.response_id"
            f" WHERE d.type='pfd_response' AND l.response_id IN ({placeholders(part)})"
            " ORDER BY l.confidence ASC", part).fetchall()
        for resp, rep in rows:  # the likeliest link is read last and wins
            out[int(resp)] = int(rep)
    return out
