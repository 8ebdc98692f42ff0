"""Earlier similar findings addressed to the same organisation, and what it said it would do.

``warned_before(lib, finding_id, k=3)`` — JSON-ready items, best first; ``warning_item`` — one
of them, for a pair of findings already found (the organisations page finds its own);
``promised_actions`` — what was said would be done about a finding; ``action_json`` — an action
row as the pages show it."""
from __future__ import annotations

import json
from functools import lru_cache

from corpus.orgs import normalise_org
from index.ledger import (actions_answering, finding_rows, response_actions_for_report, responses_by_report,
                          text_vector, tracker)
from index.library import Library
from index.rows import document_meta

from search.responses.recipients import respondent_of
from search.sources import document_card


def finding_orgs(addressees: list[str], doc_meta: dict, doc_type: str | None = None) -> dict[str, str]:
    """key -> name of the organisations a finding is addressed to: its own addressees, else
    the report's recipients (a coroner's concerns go to every recipient)."""
    out: dict[str, str] = {}
    for a in addressees or []:
        org = normalise_org(a)
        if org.key:
            out.setdefault(org.key, org.name)
    if not out:
        for a in doc_meta.get("recipients") or []:
            org = normalise_org(a)
            if org.key:
                out.setdefault(org.key, org.name)
    return out


@lru_cache(maxsize=1 << 14)
def _row_orgs(addressees: str | None, meta: str | None) -> tuple[tuple[str, str], ...]:
    """finding_orgs of a stored row, cached on its JSON text: "warned before" reads the
    organisations of a hundred neighbours per hit, mostly the same documents again."""
    m = json.loads(meta) if meta else {}
    return tuple(finding_orgs(json.loads(addressees or "[]"), m).items())


def _finding_json(r) -> dict:
    return {"id": r["id"], "kind": r["kind"], "label": r["label"], "text": r["text"], "page": r["page"],
            "document_id": r["document_id"]}


def action_json(r) -> dict:
    """An ``actions`` row as pages show it: id, document_id, kind, text, owner, due, due_text,
    status, page."""
    return {"id": r["id"], "document_id": r["document_id"], "kind": r["kind"], "text": r["text"],
            "owner": r["owner"], "due": r["due"], "due_text": r["due_text"], "status": r["status"],
            "page": r["page"]}


def promised_actions(lib: Library, finding_id: int, document_id: int, org_keys: set[str], limit: int = 5) -> list[dict]:
    """What was said would be done about a finding: actions linked to it, then actions of
    the responses to its report made by one of ``org_keys``."""
    acts = [dict(action_json(r), via="finding") for r in actions_answering(lib, finding_id)]
    if len(acts) < limit:
        seen = {a["id"] for a in acts}
        for resp in responses_by_report(lib, [document_id]).get(document_id, []):
            who = respondent_of(resp)
            key = normalise_org(who).key if who else None
            if org_keys and key not in org_keys:
                continue
            # not the actions of a letter answering several reports that answer only another report
            for r in response_actions_for_report(lib, resp["id"], document_id):
                if r["id"] not in seen:
                    acts.append(dict(action_json(r), via="response", response_title=resp["title"]))
                    seen.add(r["id"])
    return acts[:limit]


def warned_before(lib: Library, finding_id: int, k: int = 3, min_score: float = 0.5, org: str | None = None,
                  pool: int = 200, max_pool: int = 3200,
                  neighbours: list[tuple[int, float]] | None = None) -> list[dict]:
    """Earlier (by document date) findings like this one, addressed to the same organisation,
    with what was promised then. JSON-ready: ``[{"score", "finding", "document",
    "organisations", "actions", "tracker_status", "summary", "for_finding"}]``, best first,
    at most one per earlier document. ``org`` restricts to one organisation key.
    ``neighbours``: this finding's ``pool`` nearest findings, if already searched."""
    me = finding_rows(lib, [finding_id]).get(finding_id)
    if me is None or not me["date"]:
        return []
    my_orgs = finding_orgs(json.loads(me["addressees"] or "[]"), document_meta(me), me["type"])
    if org:
        my_orgs = {k2: v for k2, v in my_orgs.items() if k2 == org}
    if not my_orgs:
        return []
    vec = text_vector(lib, me["text_hash"])
    if vec is None:
        return []
    out: list[dict] = []
    seen_docs = {me["document_id"]}
    n = pool
    while True:
        # the caller may have searched already (several findings in one FAISS call)
        hits = neighbours if neighbours is not None and n == pool else lib.findings.search(vec, n)
        good = [(fid, score) for fid, score in hits if score >= min_score and fid != finding_id]
        rows = finding_rows(lib, [fid for fid, _ in good])
        for fid, score in good:
            r = rows.get(fid)
            if r is None or r["document_id"] in seen_docs or not r["date"] or r["date"] >= me["date"]:
                continue
            theirs = dict(_row_orgs(r["addressees"], r["meta"]))
            shared = {k2: theirs[k2] for k2 in theirs if k2 in my_orgs}
            if not shared:
                continue
            seen_docs.add(r["document_id"])
            out.append(warning_item(lib, r, score, shared, me))
            if len(out) >= k:
                return out
        if len(hits) < n or (hits and hits[-1][1] < min_score) or n >= max_pool:
            return out
        n *= 4


def warning_item(lib: Library, r, score: float, shared: dict[str, str], me) -> dict:
    """One "warned before" item: the earlier finding ``r`` (joined with its document, as
    ``index.ledger.finding_rows`` reads it) like the finding ``me`` with ``score``, raised with the
    organisations ``shared`` (key -> name), with what they promised and the tracker's status."""
    actions = promised_actions(lib, r["id"], r["document_id"], set(shared))
    tracked = tracker(lib, r["reference"])
    return {
        "score": round(float(score), 4),
        "finding": _finding_json(r),
        "document": document_card(r, id_column="document_id"),
        "organisations": [{"key": k2, "name": v} for k2, v in shared.items()],
        "actions": actions,
        "tracker_status": (tracked or {}).get("status"),
        "summary": _warning_sentence(r, shared, actions, tracked),
        "for_finding": _finding_json(me),
        "link": f"/documents/{r['document_id']}",
    }


def _warning_sentence(r, shared: dict[str, str], actions: list[dict], tracker: dict | None) -> str:
    who = " and ".join(shared.values())
    year = (r["date"] or "")[:4]
    kind = (r["type"] or "document").replace("_", " ")
    ref = f" {r['reference']}" if r["reference"] else ""
    s = f"Similar concern raised with {who} in {year} ({kind}{ref})"
    if actions:
        a = actions[0]
        from search.sources import clip

        text = clip(a["text"], 178)
        s += f"; response promised: “{text}”"
        if a.get("due") or a.get("due_text"):
            s += f" (due {a['due'] or a['due_text']})"
        if a.get("status"):
            s += f", status {a['status']}"
    elif tracker and tracker.get("status"):
        s += f"; tracker response status: {tracker['status']}"
    else:
        s += "; no response in the library"
    return s + "."
