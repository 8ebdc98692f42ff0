"""Who was warned, who answered, and what is overdue.

* ``report_tracking(lib, report_id)`` — a PFD report's recipients, each one's response (a
  linked response document whose respondent is the same organisation, or the Preventable
  Deaths Tracker's status for the report), the 56-day due date and whether it is overdue.
* ``list_organisations`` / ``get_organisation`` — per organisation (by normalised name):
  reports sent to it, responses it made, responses overdue, commitments made and overdue.
* ``warned_before(lib, finding_id, k=3)`` — earlier similar findings addressed to the same
  organisation and what it said it would do then.
* ``get_case(lib, document_id)`` — everything about one case in date order: the report or
  review, its responses, action-plan rows, and minutes or inspections that mention it.

A recipient's response status is one of: ``responded`` (a response document in the library),
``responded_per_tracker`` (the tracker says the report's responses are complete), ``pending``
(not yet due), ``overdue`` (due date passed, no response found, the tracker does not say
complete), ``unknown`` (no report date, or the tracker says "partial" or "no requests" and the
library holds no response from this recipient).
"""
from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections import Counter, defaultdict
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

import numpy as np

from corpus.orgs import normalise_org, org_type, split_orgs
from index.library import Library

from .commitments import all_commitments, check_date, is_overdue, summarise, today

RESPONSE_DAYS = 56  # Coroners (Investigations) Regulations 2013, reg. 29
TRACKER_DONE = {"completed", "complete", "responded"}
# the tracker cannot say which recipients answered ("partial") or found no request for a
# response in the report ("no requests"): not evidence either way
TRACKER_UNSURE = {"partial", "no requests"}


def response_due(report_date: str | None, days: int = RESPONSE_DAYS) -> str | None:
    """The date a PFD response is due: the report's date + 56 days."""
    if not report_date:
        return None
    try:
        return (date.fromisoformat(report_date) + timedelta(days=days)).isoformat()
    except ValueError:
        return None


def _summary(row: dict | sqlite3.Row) -> dict[str, Any]:
    return {k: row[k] for k in ("id", "title", "type", "date", "reference", "source")}


def _meta(row) -> dict:
    m = row["meta"]
    return json.loads(m) if isinstance(m, str) else (m or {})


_RESPONSE_FROM = re.compile(r"^Response from (.+?) to (?:PFD report|a PFD report)", re.I)


def respondent_of(row) -> str | None:
    """Who wrote a response: meta ``respondent``, else "Response from X to ..." in the title."""
    meta = _meta(row)
    if meta.get("respondent"):
        return meta["respondent"]
    m = _RESPONSE_FROM.match(row["title"] or "")
    return m.group(1) if m else None


# ------------------------------------------------------------------ responses to reports


def _responses_by_report(lib: Library, report_ids: list[int] | None = None) -> dict[int, list[dict]]:
    """report id -> [response doc rows (+ link confidence)], from the links table and the
    dataset's parent id (``meta.parent_reference``)."""
    c = lib.store.conn
    out: dict[int, dict[int, dict]] = defaultdict(dict)
    q = ("SELECT l.report_id, l.confidence, d.id, d.title, d.type, d.date, d.reference, d.source, d.meta"
         " FROM links l JOIN documents d ON d.id = l.response_id")
    args: list = []
    if report_ids is not None:
        if not report_ids:
            return {}
        q += f" WHERE l.report_id IN ({','.join('?' * len(report_ids))})"
        args = report_ids
    for r in c.execute(q, args):
        out[r["report_id"]][r["id"]] = {**dict(r), "confidence": r["confidence"], "via": "link"}
    # responses that carry their report's reference but are not (yet) linked
    refs: dict[str, list[int]] = defaultdict(list)
    rq = "SELECT id, reference FROM documents WHERE type='pfd_report' AND reference IS NOT NULL"
    rargs: list = []
    if report_ids is not None:
        rq += f" AND id IN ({','.join('?' * len(report_ids))})"
        rargs = report_ids
    for r in c.execute(rq, rargs):
        refs[r["reference"]].append(r["id"])
    if refs:
        sql = ("SELECT id, title, type, date, reference, source, meta, json_extract(meta, '$.parent_reference') AS parent"
               " FROM documents WHERE type='pfd_response' AND json_extract(meta, '$.parent_reference') IS NOT NULL")
        if report_ids is not None:  # SQLite reads the JSON: no Python decoding of every response
            sql += f" AND json_extract(meta, '$.parent_reference') IN ({','.join('?' * len(refs))})"
        for r in c.execute(sql, list(refs) if report_ids is not None else []):
            parent = r["parent"]
            for rid in refs.get(parent or "", []):
                row = {k: r[k] for k in r.keys() if k != "parent"}
                out[rid].setdefault(r["id"], {**row, "confidence": 1.0, "via": "parent_reference"})
    return {k: list(v.values()) for k, v in out.items()}


def _tracker(lib: Library, reference: str | None) -> dict | None:
    anns = lib.store.annotations_for(reference)
    return anns[0] if anns else None


def _match_responses(recipients: list[dict], responses: list[dict]) -> None:
    """Give each recipient its response: same organisation key first; a response whose
    respondent is unknown goes to the only recipient still waiting, or to the recipient
    whose name it mentions near the top."""
    unmatched = []
    for resp in responses:
        who = respondent_of(resp)
        key = normalise_org(who).key if who else None
        resp["respondent"] = who
        resp["respondent_key"] = key
        hit = next((r for r in recipients if key and r["key"] == key and r["response"] is None), None)
        if hit is None and key:
            hit = next((r for r in recipients if key and r["key"] == key), None)
        if hit is not None:
            if hit["response"] is None:
                hit["response"] = _resp_summary(resp)
            resp["recipient"] = hit["name"]
        else:
            unmatched.append(resp)
    for resp in unmatched:
        waiting = [r for r in recipients if r["response"] is None]
        hit = None
        if len(waiting) == 1 and (resp["respondent_key"] is None or len(recipients) == 1):
            hit = waiting[0]
        if hit is not None:
            hit["response"] = _resp_summary(resp)
            resp["recipient"] = hit["name"]
        else:
            resp["recipient"] = None


def _resp_summary(resp: dict) -> dict:
    return {"document_id": resp["id"], "title": resp["title"], "date": resp["date"],
            "respondent": resp.get("respondent"), "confidence": resp.get("confidence"), "via": resp.get("via")}


def _recipient_status(rec: dict, due: str | None, tracker: dict | None, as_of: str) -> None:
    tstatus = (tracker or {}).get("status")
    if rec["response"] is not None:
        status = "responded"
    elif tstatus in TRACKER_DONE:
        status = "responded_per_tracker"
    elif due is None:
        status = "unknown"
    elif due >= as_of:
        status = "pending"
    elif tstatus in TRACKER_UNSURE:
        status = "unknown"
    else:
        status = "overdue"
    rec["status"] = status
    rec["overdue"] = status == "overdue"


_NUMBERED = re.compile(r"(?:^|\s|\w)\(?\d{1,2}[.)]\s+\S.*\s\(?\d{1,2}[.)]\s+\S")


def recipient_names(names: list[str]) -> list[str]:
    """The report's recipients, one each: a numbered list kept in one string ("1) The Chief
    Executive of Reading Borough Council 2) Chief Executive of Berkshire Healthcare NHS
    Foundation Trust") is split, and each recipient is tracked on its own."""
    out: list[str] = []
    for name in names or []:
        parts = split_orgs(name) if _NUMBERED.search(name or "") else [name]
        for p in parts:
            p = re.sub(r"\s+\d{1,2}$", "", p).strip(" ,;")
            if p and p not in out:
                out.append(p)
    return out


def _track(row, responses: list[dict], tracker: dict | None, as_of: str) -> dict[str, Any]:
    meta = _meta(row)
    names = recipient_names(meta.get("recipients") or (tracker or {}).get("recipients") or [])
    recipients = []
    for name in names:
        org = normalise_org(name)
        recipients.append({"name": name, "key": org.key, "organisation": org.name if org.key else None,
                           "type": org_type(name) if org.key else None, "response": None})
    due = response_due(row["date"])
    responses = [dict(r) for r in responses]
    _match_responses(recipients, responses)
    for rec in recipients:
        _recipient_status(rec, due, tracker, as_of)
    return {
        "report": _summary(row),
        "area": meta.get("area"),
        "coroner": meta.get("coroner"),
        "deceased_name": meta.get("deceased_name"),
        "response_due": due,
        "as_of": as_of,
        "tracker": ({"status": tracker.get("status"), "replies": tracker.get("replies"), "source": tracker.get("source")}
                    if tracker else None),
        "recipients": recipients,
        "responses": [{**_resp_summary(r), "recipient": r.get("recipient")} for r in responses],
        "overdue": any(r["overdue"] for r in recipients),
    }


def report_tracking(lib: Library, report_id: int, as_of: str | None = None) -> dict[str, Any] | None:
    """Recipients, responses, 56-day due date and overdue state of one PFD report."""
    as_of = check_date(as_of, "as_of") or today()
    row = lib.store.conn.execute("SELECT * FROM documents WHERE id=?", (report_id,)).fetchone()
    if row is None or row["type"] != "pfd_report":
        return None
    return _track(row, _responses_by_report(lib, [report_id]).get(report_id, []), _tracker(lib, row["reference"]), as_of)


# ------------------------------------------------------------------ organisations

_CACHE: dict[tuple, dict] = {}
_CACHE_LOCK = threading.Lock()


def _signature(lib: Library) -> tuple:
    c = lib.store.conn
    parts = [c.execute(f"SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM {t}").fetchone()
             for t in ("documents", "actions", "links", "annotations")]
    return tuple(x for p in parts for x in p)


def organisation_index(lib: Library, as_of: str | None = None) -> dict[str, dict]:
    """key -> {key, name, type, spellings, reports, responses, commitments}. Cached per
    library state and ``as_of``."""
    as_of = check_date(as_of, "as_of") or today()
    cache_key = (str(lib.path), as_of, _signature(lib))
    with _CACHE_LOCK:
        hit = _CACHE.get(cache_key)
    if hit is not None:
        return hit
    orgs: dict[str, dict] = {}
    names: dict[str, Counter] = defaultdict(Counter)

    def entry(key: str) -> dict:
        if key not in orgs:
            orgs[key] = {"key": key, "spellings": Counter(), "reports": [], "responses": [], "commitments": []}
        return orgs[key]

    c = lib.store.conn
    responses = _responses_by_report(lib)
    trackers: dict[str, dict] = {}
    for r in c.execute("SELECT reference, source, data FROM annotations"):
        trackers.setdefault(r["reference"], {"source": r["source"], **json.loads(r["data"])})
    for row in c.execute("SELECT id, title, type, date, reference, source, meta FROM documents WHERE type='pfd_report'"):
        t = _track(row, responses.get(row["id"], []), trackers.get(row["reference"]), as_of)
        seen = set()
        for rec in t["recipients"]:
            if not rec["key"] or rec["key"] in seen:
                continue
            seen.add(rec["key"])
            e = entry(rec["key"])
            e["spellings"][rec["name"]] += 1
            names[rec["key"]][rec["organisation"]] += 1
            e["reports"].append({**t["report"], "response_due": t["response_due"], "status": rec["status"],
                                 "overdue": rec["overdue"], "response": rec["response"],
                                 "tracker_status": (t["tracker"] or {}).get("status")})
    for row in c.execute("SELECT id, title, type, date, reference, source, meta FROM documents WHERE type='pfd_response'"):
        who = respondent_of(row)
        org = normalise_org(who) if who else None
        if org and org.key:
            e = entry(org.key)
            e["spellings"][who] += 1
            names[org.key][org.name] += 1
            e["responses"].append({**_summary(row), "respondent": who})
    # commitments: the owner's organisations, else (responses) the respondent
    respondents = {row["id"]: respondent_of(row) for row in
                   c.execute("SELECT id, title, meta FROM documents WHERE type='pfd_response'")}
    for rec in all_commitments(lib, as_of):
        keys = [(o["key"], o["name"]) for o in rec["organisations"]]
        if not keys and respondents.get(rec["document_id"]):
            org = normalise_org(respondents[rec["document_id"]])
            if org.key:
                keys = [(org.key, org.name)]
        for key, name in keys:
            e = entry(key)
            names[key][name] += 1
            for part in (rec["owner"] or "").split(";"):
                if part.strip() and normalise_org(part).key == key:
                    e["spellings"][part.strip()] += 1
            e["commitments"].append(rec)
    for key, e in orgs.items():
        e["name"] = names[key].most_common(1)[0][0] if names[key] else key
        e["type"] = org_type(e["name"])
        e["spellings"] = [s for s, _ in e["spellings"].most_common()]
        e["reports"].sort(key=lambda r: (r["date"] or "", r["id"]), reverse=True)
        e["responses"].sort(key=lambda r: (r["date"] or "", r["id"]), reverse=True)
    with _CACHE_LOCK:
        if len(_CACHE) > 8:
            _CACHE.clear()
        _CACHE[cache_key] = orgs
    return orgs


def _counts(e: dict) -> dict[str, int]:
    return {
        "reports": len(e["reports"]),
        "responses": len(e["responses"]),
        "responses_overdue": sum(1 for r in e["reports"] if r["overdue"]),
        "commitments": len(e["commitments"]),
        "commitments_overdue": sum(1 for r in e["commitments"] if r["overdue"]),
    }


def list_organisations(lib: Library, as_of: str | None = None, q: str | None = None, type: str | None = None,
                       limit: int | None = None, offset: int = 0, sort: str = "reports") -> dict[str, Any]:
    """Organisations with their counts: ``{"as_of", "total", "organisations": [...], "by_type"}``."""
    as_of = check_date(as_of, "as_of") or today()
    idx = organisation_index(lib, as_of)
    words = re.findall(r"\w+", (q or "").lower())
    rows = []
    for e in idx.values():
        if type and e["type"] != type:
            continue
        if words:
            hay = (e["name"] + " " + " ".join(e["spellings"][:20])).lower()
            if not all(w in hay for w in words):
                continue
        rows.append({"key": e["key"], "name": e["name"], "type": e["type"], **_counts(e)})
    if sort not in ("reports", "responses", "responses_overdue", "commitments", "commitments_overdue", "name"):
        sort = "reports"
    if sort == "name":
        rows.sort(key=lambda r: r["name"].lower())
    else:
        rows.sort(key=lambda r: (-r[sort], -r["reports"], r["name"].lower()))
    by_type: dict[str, dict[str, int]] = {}
    for r in rows:
        t = by_type.setdefault(r["type"], {"organisations": 0, "reports": 0, "responses_overdue": 0,
                                           "commitments": 0, "commitments_overdue": 0})
        t["organisations"] += 1
        for k in ("reports", "responses_overdue", "commitments", "commitments_overdue"):
            t[k] += r[k]
    total = len(rows)
    page = rows[offset: offset + limit] if limit is not None else rows[offset:]
    return {"as_of": as_of, "q": q, "type": type, "total": total, "limit": limit, "offset": offset,
            "by_type": dict(sorted(by_type.items(), key=lambda kv: -kv[1]["reports"])), "organisations": page}


def get_organisation(lib: Library, key: str, as_of: str | None = None, warned_limit: int = 10) -> dict[str, Any] | None:
    """One organisation's page: reports, responses, overdue responses, commitments, overdue
    commitments, and similar concerns raised with it before (``warned_before``)."""
    as_of = check_date(as_of, "as_of") or today()
    idx = organisation_index(lib, as_of)
    e = idx.get(key)
    if e is None:
        org = normalise_org(key.replace("-", " "))
        e = idx.get(org.key or "")
        if e is None:
            return None
    return {
        "key": e["key"],
        "name": e["name"],
        "type": e["type"],
        "as_of": as_of,
        "spellings": e["spellings"],
        "counts": _counts(e),
        "reports": e["reports"],
        "responses": e["responses"],
        "responses_overdue": [r for r in e["reports"] if r["overdue"]],
        "commitments": e["commitments"],
        "commitments_overdue": [r for r in e["commitments"] if r["overdue"]],
        "commitments_summary": summarise(e["commitments"]),
        "warned_before": organisation_warnings(lib, e, limit=warned_limit),
    }


def organisation_warnings(lib: Library, e: dict, limit: int = 10, reports: int = 15,
                          min_score: float = 0.5) -> list[dict]:
    """For this organisation's most recent reports, the most similar earlier concern raised
    with it (one per report). Same answer as ``warned_before(..., org=key)`` but computed
    within the organisation's own findings, so a page costs one small matrix product."""
    ids = [r["id"] for r in e["reports"]]
    if not ids:
        return []
    c = lib.store.conn
    rows = []
    for i in range(0, len(ids), 500):
        part = ids[i: i + 500]
        rows += c.execute(
            "SELECT f.id, f.document_id, f.seq, f.kind, f.label, f.text, f.addressees, f.page, f.text_hash,"
            " d.title, d.type, d.date, d.reference, d.source, d.meta, v.vector"
            " FROM findings f JOIN documents d ON d.id = f.document_id JOIN vectors v ON v.text_hash = f.text_hash"
            f" WHERE f.document_id IN ({','.join('?' * len(part))}) AND d.date IS NOT NULL", part).fetchall()
    rows = [r for r in rows if e["key"] in finding_orgs(json.loads(r["addressees"] or "[]"), _meta(r))]
    if len(rows) < 2:
        return []
    vecs = np.vstack([np.frombuffer(r["vector"], dtype=np.float32) for r in rows])
    dates = np.array([r["date"] for r in rows])
    docs = np.array([r["document_id"] for r in rows])
    recent = ids[:reports]
    out = []
    for did in recent:
        mine = [i for i, r in enumerate(rows) if r["document_id"] == did]
        best = None
        for i in sorted(mine, key=lambda i: rows[i]["seq"]):
            sims = vecs @ vecs[i]
            ok = (dates < rows[i]["date"]) & (docs != did) & (sims >= min_score)
            if not ok.any():
                continue
            j = int(np.argmax(np.where(ok, sims, -2.0)))
            if best is None or sims[j] > best[2]:
                best = (i, j, float(sims[j]))
        if best is not None:
            i, j, score = best
            item = _warning_item(lib, rows[j], score, {e["key"]: e["name"]}, rows[i])
            out.append({"finding": item["for_finding"], "earlier": item})
        if len(out) >= limit:
            break
    return out


# ------------------------------------------------------------------ warned before


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


def _finding_row(c, fid: int):
    return c.execute(
        "SELECT f.id, f.document_id, f.kind, f.label, f.text, f.addressees, f.page, f.text_hash,"
        " d.title, d.type, d.date, d.reference, d.source, d.meta"
        " FROM findings f JOIN documents d ON d.id = f.document_id WHERE f.id=?", (fid,)).fetchone()


def _finding_json(r) -> dict:
    return {"id": r["id"], "kind": r["kind"], "label": r["label"], "text": r["text"], "page": r["page"],
            "document_id": r["document_id"]}


def _doc_json(r) -> dict:
    return {"id": r["document_id"], "title": r["title"], "type": r["type"], "date": r["date"],
            "reference": r["reference"], "source": r["source"]}


def _action_json(r) -> dict:
    return {"id": r["id"], "document_id": r["document_id"], "kind": r["kind"], "text": r["text"],
            "owner": r["owner"], "due": r["due"], "due_text": r["due_text"], "status": r["status"],
            "page": r["page"]}


def promised_actions(lib: Library, finding_id: int, document_id: int, org_keys: set[str], limit: int = 5) -> list[dict]:
    """What was said would be done about a finding: actions linked to it, then actions of
    the responses to its report made by one of ``org_keys``."""
    c = lib.store.conn
    acts = [dict(_action_json(r), via="finding") for r in c.execute(
        "SELECT a.* FROM actions a JOIN action_findings af ON af.action_id = a.id WHERE af.finding_id=?"
        " ORDER BY a.document_id, a.seq", (finding_id,))]
    if len(acts) < limit:
        seen = {a["id"] for a in acts}
        for resp in _responses_by_report(lib, [document_id]).get(document_id, []):
            who = respondent_of(resp)
            key = normalise_org(who).key if who else None
            if org_keys and key not in org_keys:
                continue
            rows = c.execute("SELECT * FROM actions WHERE document_id=? ORDER BY"
                             " CASE kind WHEN 'commitment' THEN 0 WHEN 'action_required' THEN 1 ELSE 2 END, seq",
                             (resp["id"],)).fetchall()
            for r in rows:
                if r["id"] not in seen:
                    acts.append(dict(_action_json(r), via="response", response_title=resp["title"]))
                    seen.add(r["id"])
    return acts[:limit]


def _vector(lib: Library, text_hash: str) -> np.ndarray | None:
    r = lib.store.conn.execute("SELECT vector FROM vectors WHERE text_hash=?", (text_hash,)).fetchone()
    return np.frombuffer(r[0], dtype=np.float32) if r else None


def warned_before(lib: Library, finding_id: int, k: int = 3, min_score: float = 0.5, org: str | None = None,
                  pool: int = 200, max_pool: int = 3200,
                  neighbours: list[tuple[int, float]] | None = None) -> list[dict]:
    """Earlier (by document date) findings like this one, addressed to the same organisation,
    with what was promised then. JSON-ready: ``[{"score", "finding", "document",
    "organisations", "actions", "tracker_status", "summary", "for_finding"}]``, best first,
    at most one per earlier document. ``org`` restricts to one organisation key.
    ``neighbours``: this finding's ``pool`` nearest findings, if already searched."""
    c = lib.store.conn
    me = _finding_row(c, finding_id)
    if me is None or not me["date"]:
        return []
    my_orgs = finding_orgs(json.loads(me["addressees"] or "[]"), _meta(me), me["type"])
    if org:
        my_orgs = {k2: v for k2, v in my_orgs.items() if k2 == org}
    if not my_orgs:
        return []
    vec = _vector(lib, me["text_hash"])
    if vec is None:
        return []
    out: list[dict] = []
    seen_docs = {me["document_id"]}
    n = pool
    while True:
        # the caller may have searched already (several findings in one FAISS call)
        hits = neighbours if neighbours is not None and n == pool else lib.findings.search(vec, n)
        good = [(fid, score) for fid, score in hits if score >= min_score and fid != finding_id]
        rows = _finding_rows(c, [fid for fid, _ in good])
        for fid, score in good:
            r = rows.get(fid)
            if r is None or r["document_id"] in seen_docs or not r["date"] or r["date"] >= me["date"]:
                continue
            theirs = dict(_row_orgs(r["addressees"], r["meta"]))
            shared = {k2: theirs[k2] for k2 in theirs if k2 in my_orgs}
            if not shared:
                continue
            seen_docs.add(r["document_id"])
            out.append(_warning_item(lib, r, score, shared, me))
            if len(out) >= k:
                return out
        if len(hits) < n or (hits and hits[-1][1] < min_score) or n >= max_pool:
            return out
        n *= 4


def _warning_item(lib: Library, r, score: float, shared: dict[str, str], me) -> dict:
    actions = promised_actions(lib, r["id"], r["document_id"], set(shared))
    tracker = _tracker(lib, r["reference"])
    return {
        "score": round(float(score), 4),
        "finding": _finding_json(r),
        "document": _doc_json(r),
        "organisations": [{"key": k2, "name": v} for k2, v in shared.items()],
        "actions": actions,
        "tracker_status": (tracker or {}).get("status"),
        "summary": _warning_sentence(r, shared, actions, tracker),
        "for_finding": _finding_json(me),
        "link": f"/documents/{r['document_id']}",
    }


def _finding_rows(c, ids: list[int]) -> dict[int, sqlite3.Row]:
    out: dict[int, sqlite3.Row] = {}
    for i in range(0, len(ids), 500):
        part = ids[i: i + 500]
        for r in c.execute(
            "SELECT f.id, f.document_id, f.kind, f.label, f.text, f.addressees, f.page, f.text_hash,"
            " d.title, d.type, d.date, d.reference, d.source, d.meta"
            f" FROM findings f JOIN documents d ON d.id = f.document_id WHERE f.id IN ({','.join('?' * len(part))})",
            part):
            out[r["id"]] = r
    return out


def _warning_sentence(r, shared: dict[str, str], actions: list[dict], tracker: dict | None) -> str:
    who = " and ".join(shared.values())
    year = (r["date"] or "")[:4]
    kind = (r["type"] or "document").replace("_", " ")
    ref = f" {r['reference']}" if r["reference"] else ""
    s = f"Similar concern raised with {who} in {year} ({kind}{ref})"
    if actions:
        a = actions[0]
        text = " ".join(a["text"].split())
        text = text if len(text) <= 180 else text[:177].rstrip() + "…"
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


# ------------------------------------------------------------------ cases

CASE_REF = re.compile(r"\b[A-Z]{2,8}\s?/\s?\d{4}(?:\s?[-/]\s?\d{2,4})?\s?/\s?\d{1,4}\b")
PFD_REF = re.compile(r"\b20\d\d-\d{3,4}\b")


def case_references(row) -> list[str]:
    """Identifiers of a case: the document's reference, review references like
    ``BDHR/2013-14/02`` in its title or opening text, and the deceased's name."""
    refs: list[str] = []
    if row["reference"]:
        refs.append(row["reference"])
    head = (row["title"] or "") + "\n" + (row["text"] or "")[:3000]
    for m in CASE_REF.finditer(head):
        ref = re.sub(r"\s+", "", m.group(0))
        if ref not in refs:
            refs.append(ref)
    meta = _meta(row)
    if meta.get("parent_reference") and meta["parent_reference"] not in refs:
        refs.append(meta["parent_reference"])
    return refs


def _fts_phrase(s: str) -> str | None:
    toks = re.findall(r"[A-Za-z0-9]+", s)
    return '"' + " ".join(toks) + '"' if toks else None


def _mentions(lib: Library, phrase: str, exclude: set[int], limit: int = 50) -> list[tuple[int, int, str]]:
    """(document id, passage id, passage text) of passages holding ``phrase`` (FTS phrase query)."""
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


def _snippet(text: str, phrase: str, width: int = 220) -> str:
    m = re.search(r"\s*".join(re.escape(t) for t in re.findall(r"[A-Za-z0-9]+", phrase)), text, re.I)
    if not m:
        return " ".join(text[:width].split())
    s = max(0, m.start() - width // 2)
    return ("…" if s else "") + " ".join(text[s: s + width].split()) + ("…" if s + width < len(text) else "")


def get_case(lib: Library, document_id: int, as_of: str | None = None) -> dict[str, Any] | None:
    """One case: the document (report / review / response), its linked reports and responses,
    action-plan rows, and documents that mention it, with a date-ordered timeline."""
    as_of = check_date(as_of, "as_of") or today()
    c = lib.store.conn
    row = c.execute("SELECT * FROM documents WHERE id=?", (document_id,)).fetchone()
    if row is None:
        return None
    # centre the case on the report a response answers
    reports = [dict(r) for r in c.execute(
        "SELECT d.id, d.title, d.type, d.date, d.reference, d.source, l.confidence FROM links l"
        " JOIN documents d ON d.id = l.report_id WHERE l.response_id=? ORDER BY l.confidence DESC", (document_id,))]
    meta = _meta(row)
    if not reports and row["type"] == "pfd_response" and meta.get("parent_reference"):
        reports = [dict(r) for r in c.execute(
            "SELECT id, title, type, date, reference, source FROM documents WHERE type='pfd_report' AND reference=?",
            (meta["parent_reference"],))]
    centre = row
    if row["type"] == "pfd_response" and reports:
        centre = c.execute("SELECT * FROM documents WHERE id=?", (reports[0]["id"],)).fetchone()
    members: dict[int, dict] = {}

    def add(r, role: str, **extra) -> None:
        if r["id"] in members:
            return
        members[r["id"]] = {**_summary(r), "role": role, **extra}

    add(centre, "case")
    if centre["id"] != row["id"]:
        add(row, "response")
    responses = _responses_by_report(lib, [centre["id"]]).get(centre["id"], [])
    for resp in responses:
        add(resp, "response", respondent=respondent_of(resp), confidence=resp.get("confidence"))
    tracking = report_tracking(lib, centre["id"], as_of) if centre["type"] == "pfd_report" else None
    # identifiers of the case, and documents mentioning them
    refs = case_references(centre)
    cmeta = _meta(centre)
    names = [n for n in [cmeta.get("deceased_name")] if n and len(n.split()) >= 2]
    mentions = []
    for phrase in refs + names:
        if len(re.sub(r"\W", "", phrase)) < 4:
            continue
        for did, pid, text in _mentions(lib, phrase, set(members)):
            d = c.execute("SELECT id, title, type, date, reference, source FROM documents WHERE id=?", (did,)).fetchone()
            add(d, "mentions", matched=phrase, passage_id=pid, snippet=_snippet(text, phrase))
            mentions.append(did)
    # findings and action rows of every document in the case
    ids = list(members)
    qmarks = ",".join("?" * len(ids))
    findings = [dict(r) for r in c.execute(
        f"SELECT id, document_id, kind, label, text, page FROM findings WHERE document_id IN ({qmarks})"
        " ORDER BY document_id, seq", ids)]
    actions = []
    for r in c.execute(f"SELECT a.*, (SELECT MIN(finding_id) FROM action_findings af WHERE af.action_id=a.id)"
                       f" AS finding_id FROM actions a WHERE a.document_id IN ({qmarks}) ORDER BY a.document_id, a.seq",
                       ids):
        a = _action_json(r)
        a["finding_id"] = r["finding_id"]
        a["updated"] = r["updated"]
        a["overdue"] = is_overdue(a["due"], a["status"], as_of)
        actions.append(a)
    documents = sorted(members.values(), key=lambda d: (d["date"] or "9999", d["id"]))
    timeline = [{"date": d["date"], "event": d["role"], "document_id": d["id"], "title": d["title"],
                 "type": d["type"]} for d in documents]
    for a in actions:
        if a["updated"]:
            timeline.append({"date": a["updated"], "event": "action update", "document_id": a["document_id"],
                             "title": " ".join(a["text"].split())[:120], "type": "action", "status": a["status"]})
    timeline.sort(key=lambda t: (t["date"] or "9999", t["document_id"]))
    return {
        "id": centre["id"],
        "requested_id": document_id,
        "title": centre["title"],
        "type": centre["type"],
        "date": centre["date"],
        "reference": centre["reference"],
        "references": refs,
        "deceased_name": cmeta.get("deceased_name"),
        "as_of": as_of,
        "tracking": tracking,
        "documents": documents,
        "findings": findings,
        "actions": actions,
        "timeline": timeline,
    }
