"""A response as a reader wants it: who wrote it, which report it answers, what it did.

``response_view(lib, doc_id)`` -> {"title", "respondent", "responds_to": [report ids],
"actions": [{"id", "text", "owner", "due", "status", "kind", "answers": [report concern ids],
"answers_detail": [{"id", "label", "document_id", "report" (its reference)}], "answers_report": report id or None}]} — ``answers`` are the ids of the linked report's
concerns the action answers (index/responses/answering.py pairs them); an action that answers no
particular concern answers the report as a whole (``answers_report``)."""
from __future__ import annotations

from index.ledger import action_finding_pairs, action_rows, linked_report_ids, report_concerns, stored_document
from index.library import Library
from index.rows import document_meta

from search.sources import shown_source


def response_view(lib: Library, doc_id: int) -> dict:
    row = stored_document(lib, doc_id)
    if row is None:
        return {}
    meta = document_meta(row)
    reports = linked_report_ids(lib, doc_id)
    concern_ids = {fid: {"id": r["id"], "label": r["label"], "document_id": r["document_id"], "report": r["reference"]}
                   for fid, r in report_concerns(lib, reports).items()}
    pairs: dict[int, list[int]] = {}
    for aid, fid in action_finding_pairs(lib, doc_id):
        if fid in concern_ids:
            pairs.setdefault(aid, []).append(fid)
    actions = []
    from corpus.extract import strip_framing

    from corpus.extract import with_its_list

    for a in action_rows(lib, doc_id):
        ans = pairs.get(a["id"], [])
        owner = a["owner"]  # settled when stored (index.responses.answering.settle_owners)
        text = strip_framing(a["text"]) or a["text"]  # without "… our response is detailed below."
        if a["after"] and text.rstrip().endswith(":"):
            text = with_its_list(text, a["after"])  # a lead-in with its list
        actions.append({"id": a["id"], "text": text, "owner": owner, "due": a["due"], "status": a["status"],
                        "kind": a["kind"], "answers": ans, "answers_detail": [concern_ids[f] for f in ans],
                        "answers_report": reports[0] if reports and not ans else None})
    return {"title": row["title"], "respondent": meta.get("respondent"), "responds_to": reports, "actions": actions}


def unlinked_view(lib: Library, n: int = 3) -> dict:
    """Responses not linked to any report, each with why and its best ``n`` candidate reports
    ({"id", "title", "reference", "date", "points"}, best first; only reports with evidence for
    them) — the letter is listed, never guessed, and the reader sees which reports came closest."""
    from index.responses import THRESHOLD, explain_link, unlinked_responses  # the linker's own scoring

    items = unlinked_responses(lib)
    cache: dict = {}
    for item in items:
        shown_source(item, document_meta(stored_document(lib, item["id"]) or {}))  # a file name, never a path
        d, why = explain_link(lib, item["id"], cache, THRESHOLD)
        item["reason"] = why.get("reason") or "would link now (run `precedent relink --all`)"
        ranked = [s for s in (d.ranked if d is not None else []) if s.points > 0][:n]  # no evidence: not close
        item["candidates"] = [{"id": s.report.id, "title": s.report.title, "reference": s.report.reference,
                               "date": s.report.date, "points": round(float(s.points), 2)} for s in ranked]
        if not item["candidates"] and why.get("report_id"):
            r = stored_document(lib, why["report_id"])
            if r is not None:
                item["candidates"] = [{"id": r["id"], "title": r["title"], "reference": r["reference"],
                                       "date": r["date"], "points": None}]
    return {"responses": items, "total": len(items)}
