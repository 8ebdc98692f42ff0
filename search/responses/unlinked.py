"""A response as a reader wants it: who wrote it, which report it answers, what it did.

``response_view(lib, doc_id)`` -> {"title", "respondent", "responds_to": [report ids],
"actions": [{"id", "text", "owner", "due", "status", "kind", "answers": [report concern ids],
"answers_detail": [{"id", "label", "document_id", "report" (its reference)}], "answers_report": report id or None}]} — ``answers`` are the ids of the linked report's
concerns the action answers (index/responses/answering.py pairs them); an action that answers no
particular concern answers the report as a whole (``answers_report``)."""
from __future__ import annotations

import json

from index.library import Library


def response_view(lib: Library, doc_id: int) -> dict:
    c = lib.store.conn
    row = c.execute("SELECT id, title, type, meta FROM documents WHERE id=?", (doc_id,)).fetchone()
    if row is None:
        return {}
    meta = json.loads(row["meta"] or "{}")
    reports = [r[0] for r in c.execute(
        "SELECT report_id FROM links WHERE response_id=? ORDER BY confidence DESC", (doc_id,))]
    concern_ids: dict[int, dict] = {}
    if reports:
        q = ",".join("?" * len(reports))
        concern_ids = {r[0]: {"id": r[0], "label": r[1], "document_id": r[2], "report": r[3]} for r in c.execute(
            f"SELECT f.id, f.label, f.document_id, d.reference FROM findings f JOIN documents d ON d.id = f.document_id"
            f" WHERE f.kind='concern' AND f.document_id IN ({q})", reports)}
    pairs: dict[int, list[int]] = {}
    for aid, fid in c.execute(
            "SELECT af.action_id, af.finding_id FROM action_findings af JOIN actions a ON a.id = af.action_id "
            "WHERE a.document_id=? ORDER BY af.finding_id", (doc_id,)):
        if fid in concern_ids:
            pairs.setdefault(aid, []).append(fid)
    actions = []
    from corpus.extract.respond import strip_framing

    from search.ledger.commitments import with_its_list

    for a in c.execute("SELECT a.id, a.kind, a.text, a.owner, a.due, a.status, CASE WHEN rtrim(a.text) LIKE '%:'"
                       " AND a.end IS NOT NULL THEN substr(d.text, a.end + 1, 2000) END AS after"
                       " FROM actions a JOIN documents d ON d.id = a.document_id WHERE a.document_id=? ORDER BY a.seq",
                       (doc_id,)):
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
    from index.responses.linking import THRESHOLD, decide_link, unlinked_responses  # the linker's own scoring

    items = unlinked_responses(lib)
    c = lib.store.conn
    cache: dict = {}
    for item in items:
        row = c.execute("SELECT id, title, date, source, text, meta FROM documents WHERE id=?", (item["id"],)).fetchone()
        d, why = decide_link(c, row, cache, THRESHOLD)
        item["reason"] = why.get("reason") or "would link now (run `precedent relink --all`)"
        ranked = [s for s in (d.ranked if d is not None else []) if s.points > 0][:n]  # no evidence: not close
        item["candidates"] = [{"id": s.report.id, "title": s.report.title, "reference": s.report.reference,
                               "date": s.report.date, "points": round(float(s.points), 2)} for s in ranked]
        if not item["candidates"] and why.get("report_id"):
            r = c.execute("SELECT id, title, reference, date FROM documents WHERE id=?", (why["report_id"],)).fetchone()
            if r is not None:
                item["candidates"] = [{"id": r["id"], "title": r["title"], "reference": r["reference"],
                                       "date": r["date"], "points": None}]
    return {"responses": items, "total": len(items)}
