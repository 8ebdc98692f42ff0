"""The document page and the library listing: a whole document with its passages, its
findings with the actions answering them (search.query.finding_actions), its own actions
paired with no finding, and its links to the reports it answers or the responses it got.

``get_document(lib, doc_id)`` -> the document page's dict (None if there is no such
document); ``list_documents(lib, limit, offset)`` -> ``{"total", "documents"}``."""
from __future__ import annotations

import json
from typing import Any

from index import retrieval
from index.library import Library
from search.sources import document_card, source_display

from search.query import finding_actions


def get_document(lib: Library, doc_id: int) -> dict[str, Any] | None:
    """A whole document with its passages (and later findings), for the document page."""
    row = lib.store.document(doc_id)
    if row is None:
        return None
    out = document_card(row)
    out["meta"] = row["meta"]
    out["text"] = row["text"]
    out["blocks"] = [{"start": s, "end": e, "section": sec, "page": pg} for s, e, sec, pg in row["blocks"]]
    out["passages"] = lib.store.passages_of(doc_id)
    out["annotations"] = [{**a, "source": source_display(a.get("source"), {})["name"]}  # the dataset's file name
                          for a in lib.store.annotations_for(row["reference"])]
    out.update(document_findings(lib, doc_id))
    return out


def document_findings(lib: Library, doc_id: int) -> dict[str, Any]:
    """Findings with the actions answering them, the document's own unattached actions,
    and the response/report links: ``findings``, ``actions``, ``responds_to``, ``responses``."""
    findings = retrieval.document_findings(lib.store, doc_id)
    acts = finding_actions(lib, [f["id"] for f in findings])
    for f in findings:
        f["addressees"] = json.loads(f["addressees"] or "[]")
        f["actions"] = acts.get(f["id"], [])
    loose = retrieval.unattached_actions(lib.store, doc_id)
    responds_to = [_link(r) for r in retrieval.reports_answered(lib.store, doc_id)]
    responses = [_link(r) for r in retrieval.responses_to(lib.store, doc_id)]
    return {
        "findings": findings,
        "unattached_actions": loose,
        "responds_to": [r["id"] for r in responds_to],
        "responses": [r["id"] for r in responses],
        "links": {"responds_to": responds_to, "responses": responses},
    }


def _link(r: tuple[int, str, float]) -> dict[str, Any]:
    return {"id": r[0], "title": r[1], "confidence": round(r[2], 3)}


def list_documents(lib: Library, limit: int | None = None, offset: int = 0) -> dict[str, Any]:
    """One page of the library's documents (by id) and how many it holds in all."""
    docs = [document_card(r) for r in lib.store.documents(limit, offset)]
    return {"total": lib.store.count("documents"), "documents": docs}
