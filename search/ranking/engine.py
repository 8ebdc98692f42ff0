"""A passage-level view of the ranker: the best passages for a query (``search``), for
tools and benchmarks that want raw passages rather than concerns. (The document page and
the library listing are search.documents'.)"""
from __future__ import annotations

from typing import Any

from index import retrieval
from index.library import Library
from index.rows import document_summary

from search.ranking import ranker
from search.ranking.lexical import keyword_ranking
from search.ranking.text import highlight_spans


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


def search(lib: Library, query: str, k: int = 10, mode: str = "hybrid") -> dict[str, Any]:
    """The ``k`` passages most like ``query``: ``{"query", "results": [...]}``."""
    query = (query or "").strip()
    if not query:
        return {"query": query, "mode": mode, "results": []}
    ranked = ranked_passages(lib, query, mode, k)
    rows = retrieval.passages_with_documents(lib.store, [pid for pid, _ in ranked])
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
