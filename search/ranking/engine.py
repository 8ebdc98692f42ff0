"""Documents and passages: the document page's data, the library listing, and a
passage-level view of the ranker (``search``: the best passages for a query, used by
tools and benchmarks that want raw passages rather than concerns)."""
from __future__ import annotations

import json
from typing import Any

from index.library import Library

from search.ranking import ranker
from search.ranking.lexical import keyword_ranking
from search.query import finding_actions
from search.ranking.text import highlight_spans


def dense_passages(lib: Library, query: str, n: int) -> list[tuple[int, float]]:
    return lib.passages.search(ranker.encode(lib, query), n)


def keyword_passages(lib: Library, query: str, n: int, candidates=()) -> list[tuple[int, float]]:
    """Passages by keyword (see search.ranking.lexical: exact in small libraries, bounded in large)."""
    return keyword_ranking(lib, query, n, "passages", candidates)


def ranked_passages(lib: Library, query: str, mode: str, k: int) -> list[tuple[int, float]]:
    """The ``k`` best passages for ``query`` in ``mode``: the ranker's retrieval and fusion,
    passages only (each list ``5 k`` deep)."""
    lists = ranker.retrieve(lib, query, mode, max(50, k * 5))
    if mode == "hybrid":
        return ranker.fuse(lists.p_dense, lists.p_kw)[:k]
    return (lists.p_dense or lists.p_kw)[:k]


def document_summary(row: dict) -> dict[str, Any]:
    return {
        "id": row["id"],
        "title": row["title"],
        "type": row["type"],
        "date": row["date"],
        "reference": row["reference"],
        "source": row["source"],
    }


def _passage_rows(lib: Library, ids: list[int]) -> dict[int, dict]:
    if not ids:
        return {}
    q = (
        "SELECT p.id AS pid, p.text AS ptext, p.section, p.page, p.start, p.end, p.seq,"
        " d.id, d.title, d.type, d.date, d.reference, d.source, d.meta"
        f" FROM passages p JOIN documents d ON d.id = p.document_id WHERE p.id IN ({','.join('?' * len(ids))})"
    )
    return {r["pid"]: dict(r) for r in lib.store.conn.execute(q, ids)}


def search(lib: Library, query: str, k: int = 10, mode: str = "hybrid") -> dict[str, Any]:
    """The ``k`` passages most like ``query``: ``{"query", "results": [...]}``."""
    query = (query or "").strip()
    if not query:
        return {"query": query, "mode": mode, "results": []}
    ranked = ranked_passages(lib, query, mode, k)
    rows = _passage_rows(lib, [pid for pid, _ in ranked])
    results = []
    for pid, score in ranked:
        r = rows.get(pid)
        if r is None:
            continue
        doc = document_summary(r)
        results.append({
            "score": round(float(score), 6),
            "document": doc,
            "passage": {
                "id": pid,
                "text": r["ptext"],
                "section": r["section"],
                "page": r["page"],
                "start": r["start"],
                "end": r["end"],
                "highlights": [list(s) for s in highlight_spans(r["ptext"], query)],
            },
        })
    return {"query": query, "mode": mode, "results": results}


def get_document(lib: Library, doc_id: int) -> dict[str, Any] | None:
    """A whole document with its passages (and later findings), for the document page."""
    row = lib.store.document(doc_id)
    if row is None:
        return None
    out = document_summary(row)
    out["meta"] = row["meta"]
    out["text"] = row["text"]
    out["blocks"] = [{"start": s, "end": e, "section": sec, "page": pg} for s, e, sec, pg in row["blocks"]]
    out["passages"] = lib.store.passages_of(doc_id)
    out["annotations"] = lib.store.annotations_for(row["reference"])
    out.update(document_findings(lib, doc_id))
    return out


def document_findings(lib: Library, doc_id: int) -> dict[str, Any]:
    """Findings with the actions answering them, the document's own unattached actions,
    and the response/report links: ``findings``, ``actions``, ``responds_to``, ``responses``."""
    c = lib.store.conn
    findings = [dict(r) for r in c.execute(
        "SELECT id, seq, kind, label, text, addressees, section, page, start, end FROM findings"
        " WHERE document_id=? ORDER BY seq", (doc_id,))]
    acts = finding_actions(lib, [f["id"] for f in findings])
    for f in findings:
        f["addressees"] = json.loads(f["addressees"] or "[]")
        f["actions"] = acts.get(f["id"], [])
    loose = [dict(r) for r in c.execute(
        "SELECT id, kind, text, owner, due, due_text, updated, status, page FROM actions a WHERE document_id=?"
        " AND NOT EXISTS (SELECT 1 FROM action_findings af WHERE af.action_id = a.id) ORDER BY seq", (doc_id,))]
    link = lambda q: [{"id": r[0], "title": r[1], "confidence": round(r[2], 3)} for r in c.execute(q, (doc_id,))]  # noqa: E731
    responds_to = link("SELECT d.id, d.title, l.confidence FROM links l JOIN documents d ON d.id = l.report_id"
                       " WHERE l.response_id=? ORDER BY l.confidence DESC")
    responses = link("SELECT d.id, d.title, l.confidence FROM links l JOIN documents d ON d.id = l.response_id"
                     " WHERE l.report_id=? ORDER BY l.confidence DESC")
    return {
        "findings": findings,
        "unattached_actions": loose,
        "responds_to": [r["id"] for r in responds_to],
        "responses": [r["id"] for r in responses],
        "links": {"responds_to": responds_to, "responses": responses},
    }


def list_documents(lib: Library, limit: int | None = None, offset: int = 0) -> dict[str, Any]:
    docs = [document_summary(r) for r in lib.store.documents(limit, offset)]
    return {"total": lib.store.count("documents"), "documents": docs}
