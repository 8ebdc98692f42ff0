"""Organisations as the reports name them: reports sent, responses made, commitments.

``list_organisations`` / ``get_organisation`` — per organisation (by normalised name):
reports sent to it, responses it made, responses overdue, and the ledger's rows kept apart:
what it was asked (``asked_of``), what it promised (``commitments``) and what its letters
answered (``answers``), each with its overdue ones, and similar concerns raised with it before.
Its ledger rows are those ``search.ledger.commitments.row_keys`` gives it, as the ledger's own
``org=`` filter, so the page, its JSON, the ledger and its CSV count the same rows."""
from __future__ import annotations

import json
import re
import threading
from collections import Counter, defaultdict
from typing import Any

import numpy as np

from corpus.orgs import normalise_org, org_type, org_type_evidence
from index.ledger import dated_findings_with_vectors, documents_of_type, ledger_signature, responses_by_report, trackers
from index.library import Library
from index.rows import document_meta

from search.as_of import as_of_date
from search.sources import document_card
from search.ledger.commitments import all_commitments, row_keys, summarise
from search.responses import respondent_of, track_report
from search.responses import finding_orgs, warning_item


_CACHE: dict[tuple, dict] = {}
_CACHE_LOCK = threading.Lock()


# the status a body shows for a report sent to it under several recipients: the most answered one
_STATUS_RANK = {"responded": 0, "responded_per_tracker": 1, "pending": 2, "unknown": 3, "overdue": 4}


def organisation_index(lib: Library, as_of: str | None = None) -> dict[str, dict]:
    """key -> {key, name, type, spellings, reports, responses, commitments}. Cached per
    library state and ``as_of``."""
    as_of = as_of_date(as_of)
    cache_key = (str(lib.path), as_of, ledger_signature(lib))
    with _CACHE_LOCK:
        hit = _CACHE.get(cache_key)
    if hit is not None:
        return hit
    orgs: dict[str, dict] = {}
    names: dict[str, Counter] = defaultdict(Counter)

    def entry(key: str) -> dict:
        if key not in orgs:
            orgs[key] = {"key": key, "spellings": Counter(), "reports": [], "responses": [], "commitments": [],
                          "answers": [], "asked_of": []}
        return orgs[key]

    responses = responses_by_report(lib)
    tracked = trackers(lib)
    for row in documents_of_type(lib, "pfd_report"):
        t = track_report(row, responses.get(row["id"], []), tracked.get(row["reference"]), as_of)
        # two recipients of one report may be one body ("Chief Midwife" and "Southwest Regional
        # Midwife" are both NHS England): the body has the report once, answered if either was
        by_key: dict[str, list[dict]] = defaultdict(list)
        for rec in t["recipients"]:
            if rec["key"]:
                by_key[rec["key"]].append(rec)
        for key, recs in by_key.items():
            e = entry(key)
            for rec in recs:
                e["spellings"][rec["name"]] += 1
                names[key][rec["organisation"]] += 1
            rec = min(recs, key=lambda r: _STATUS_RANK.get(r["status"], len(_STATUS_RANK)))
            e["reports"].append({**t["report"], "response_due": t["response_due"], "status": rec["status"],
                                 "overdue": rec["overdue"], "response": rec["response"],
                                 "sent_to": [r["name"] for r in recs],
                                 "tracker_status": (t["tracker"] or {}).get("status")})
    letters = documents_of_type(lib, "pfd_response")
    for row in letters:
        who = respondent_of(row)
        org = normalise_org(who) if who else None
        if org and org.key:
            e = entry(org.key)
            e["spellings"][who] += 1
            names[org.key][org.name] += 1
            e["responses"].append({**document_card(row), "respondent": who})
    # ledger rows, by the organisations they name (``row_keys``: the ledger's own filter by
    # organisation uses the same, so the counts agree), kept apart by claim
    for rec in all_commitments(lib, as_of):
        keys = [(o["key"], o["name"]) for o in rec["organisations"] if o["key"] in row_keys(rec)]
        for key, name in keys:
            e = entry(key)
            names[key][name] += 1
            for part in (rec["owner"] or "").split(";"):
                if part.strip() and normalise_org(part).key == key:
                    e["spellings"][part.strip()] += 1
            # what it was asked, what it promised and what its letters answered are listed apart
            e[{"asked_of": "asked_of", "answer": "answers"}.get(rec["claim"], "commitments")].append(rec)
    for key, e in orgs.items():
        e["name"] = names[key].most_common(1)[0][0] if names[key] else key
        e["type"] = org_type(e["name"])
        e["type_evidence"] = org_type_evidence(e["name"])
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
        "asked_of": len(e["asked_of"]),
        "asked_of_overdue": sum(1 for r in e["asked_of"] if r["overdue"]),
        "answers": len(e["answers"]),
    }


def list_organisations(lib: Library, as_of: str | None = None, q: str | None = None, type: str | None = None,
                       limit: int | None = None, offset: int = 0, sort: str = "reports") -> dict[str, Any]:
    """Organisations with their counts: ``{"as_of", "total", "organisations": [...], "by_type"}``."""
    as_of = as_of_date(as_of)
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
    if sort not in ("reports", "responses", "responses_overdue", "commitments", "commitments_overdue", "asked_of",
                    "asked_of_overdue", "answers", "name"):
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
    as_of = as_of_date(as_of)
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
        "type_evidence": e["type_evidence"],
        "as_of": as_of,
        "spellings": e["spellings"],
        "counts": _counts(e),
        "reports": e["reports"],
        "responses": e["responses"],
        "responses_overdue": [r for r in e["reports"] if r["overdue"]],
        "commitments": e["commitments"],
        "commitments_overdue": [r for r in e["commitments"] if r["overdue"]],
        "commitments_summary": summarise(e["commitments"]),
        "answers": e["answers"],
        "asked_of": e["asked_of"],
        "asked_of_overdue": [r for r in e["asked_of"] if r["overdue"]],
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
    rows = [r for r in dated_findings_with_vectors(lib, ids)
            if e["key"] in finding_orgs(json.loads(r["addressees"] or "[]"), document_meta(r))]
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
            item = warning_item(lib, rows[j], score, {e["key"]: e["name"]}, rows[i])
            now = rows[i]
            out.append({"finding": item["for_finding"], "earlier": item,
                        "document": {"id": now["document_id"], "title": now["title"], "type": now["type"],
                                     "date": now["date"], "reference": now["reference"]}})
        if len(out) >= limit:
            break
    return out
