"""Search the library: dense (FAISS) and keyword (FTS5 BM25) retrieval over passages,
fused by a weighted sum of normalised scores so acronyms the small model does not know
(MARAC, MAPPA) still count, and shaped into the JSON that the CLI, the page and other
tools read."""
from __future__ import annotations

from typing import Any

from index.library import Library
from index.store import document_row

from .keyword import keyword_ranking
from .text import highlight_spans, phrases

RRF_K = 60  # the usual reciprocal-rank constant (kept for callers that rank by it)
# Weight of the dense list in fusion; the keyword list gets the rest. Measured with
# `precedent eval` on the themes dev labels: every weight from 0.1 to 0.7 beat plain RRF,
# and keyword evidence is the stronger of the two on these documents (the small model
# misses acronyms and domain terms), so it leads.
DENSE_WEIGHT = 0.3


def dense_passages(lib: Library, query: str, n: int) -> list[tuple[int, float]]:
    vec = lib.embedder.encode([query])[0]
    return lib.passages.search(vec, n)


def keyword_passages(lib: Library, query: str, n: int, candidates=()) -> list[tuple[int, float]]:
    """Passages by keyword (see search.keyword: exact in small libraries, bounded in large)."""
    return keyword_ranking(lib, query, n, "passages", candidates)


def fuse(*rankings: list[tuple[int, float]], weights: tuple[float, ...] | None = None) -> list[tuple[int, float]]:
    """Weighted sum of scores, each list's scores divided by its best (scores below zero
    count as zero: a cosine or BM25 of 0 is no evidence). Two lists are (dense, keyword),
    weighted DENSE_WEIGHT and 1 - DENSE_WEIGHT; any other number, equally. Unlike reciprocal
    rank it keeps how far apart the scores are, so a passage far ahead in one list is not
    pulled level with one that is merely middling in both. Ties keep the first list order."""
    if weights is None:
        weights = (DENSE_WEIGHT, 1.0 - DENSE_WEIGHT) if len(rankings) == 2 else (1.0,) * len(rankings)
    scores: dict[int, float] = {}
    for w, ranking in zip(weights, rankings):
        if not ranking:
            continue
        top = max(s for _, s in ranking)
        for pid, s in ranking:
            scores[pid] = scores.get(pid, 0.0) + (w * max(s, 0.0) / top if top > 0 else 0.0)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def ranked_passages(lib: Library, query: str, mode: str, k: int) -> list[tuple[int, float]]:
    """The ``k`` best passages for ``query`` in ``mode`` (hybrid, dense or keyword), each
    list ``5 k`` deep before fusion: ``[(passage id, score)]``."""
    pool = max(50, k * 5)
    dense = dense_passages(lib, query, pool) if mode in ("hybrid", "dense") else []
    keyword = keyword_passages(lib, query, pool, [pid for pid, _ in dense]) if mode in ("hybrid", "keyword") else []
    if phrases(query):  # quoted phrases are required: keep only passages that have them
        allowed = {pid for pid, _ in keyword}
        dense = [(pid, s) for pid, s in dense if pid in allowed]
    return (fuse(dense, keyword) if mode == "hybrid" else (dense or keyword))[:k]


PASSAGES_PER_DOCUMENT = 2  # a document's score sums its best this-many passages


def document_scores(ranked: list[tuple[int, float]], doc_of: dict[int, int],
                    per_document: int = PASSAGES_PER_DOCUMENT) -> list[tuple[int, float]]:
    """Documents ranked by the sum of their best ``per_document`` passage scores.

    Why not the best passage alone: a report that raises a concern in two places is more
    about it than one that mentions it once in passing, and the best-passage rule cannot
    tell them apart. Measured with ``precedent eval`` on two labelled sets (the themes dev
    labels and the tracker's report categories), summing two passages raised MAP for
    keyword, dense and hybrid alike; summing more began to favour long documents."""
    best: dict[int, list[float]] = {}
    for pid, s in ranked:
        d = doc_of.get(pid)
        if d is None:
            continue
        top = best.setdefault(d, [])
        if len(top) < per_document:  # ``ranked`` is best first, so the first seen are the best
            top.append(float(s))
    return sorted(((d, sum(v)) for d, v in best.items()), key=lambda kv: -kv[1])


def rank_documents(lib: Library, query: str, mode: str = "hybrid", depth: int = 1000) -> list[tuple[int, float]]:
    """Whole documents (cases) most about ``query``, best first: ``[(document id, score)]``.
    ``depth`` passages are retrieved and each document is scored by :func:`document_scores`."""
    query = (query or "").strip()
    if not query:
        return []
    ranked = ranked_passages(lib, query, mode, depth)
    ids = [pid for pid, _ in ranked]
    doc_of: dict[int, int] = {}
    for i in range(0, len(ids), 900):
        part = ids[i:i + 900]
        doc_of.update(lib.store.conn.execute(
            f"SELECT id, document_id FROM passages WHERE id IN ({','.join('?' * len(part))})", part).fetchall())
    return document_scores(ranked, doc_of)


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
    import json

    from .query import finding_actions

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
