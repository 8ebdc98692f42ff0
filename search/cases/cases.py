"""One case: a report or review with its responses, action-plan rows and mentions.

``get_case(lib, document_id)`` — everything about one case in date order: the report or
review, its responses, action-plan rows, and minutes or inspections that mention it."""
from __future__ import annotations

import re
from typing import Any

from index.ledger import (document_findings, linked_report_ids, passages_mentioning, report_ids_with_reference,
                          responses_by_report, stored_document)
from index.library import Library
from index.rows import document_meta

from search.as_of import as_of_date
from search.ledger import overdue_reason
from search.responses import report_tracking, respondent_of
from search.responses import action_json
from search.cases.story import case_action_rows, dated
from search.sources import clip, document_card

CASE_REF = re.compile(r"\b[A-Z]{2,8}\s?/\s?\d{4}(?:\s?[-/]\s?\d{2,4})?\s?/\s?\d{1,4}\b")


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
    meta = document_meta(row)
    if meta.get("parent_reference") and meta["parent_reference"] not in refs:
        refs.append(meta["parent_reference"])
    return refs


def _snippet(text: str, phrase: str, width: int = 220) -> str:
    m = re.search(r"\s*".join(re.escape(t) for t in re.findall(r"[A-Za-z0-9]+", phrase)), text, re.I)
    if not m:
        return " ".join(text[:width].split())
    s = max(0, m.start() - width // 2)
    return ("…" if s else "") + " ".join(text[s: s + width].split()) + ("…" if s + width < len(text) else "")


def get_case(lib: Library, document_id: int, as_of: str | None = None) -> dict[str, Any] | None:
    """One case: the document (report / review / response), its linked reports and responses,
    action-plan rows, and documents that mention it, with a date-ordered timeline."""
    as_of = as_of_date(as_of)
    row = stored_document(lib, document_id)
    if row is None:
        return None
    # centre the case on the report a response answers
    reports = linked_report_ids(lib, document_id)
    meta = document_meta(row)
    if not reports and row["type"] == "pfd_response" and meta.get("parent_reference"):
        reports = report_ids_with_reference(lib, meta["parent_reference"])
    centre = row
    if row["type"] == "pfd_response" and reports:
        centre = stored_document(lib, reports[0])
    members: dict[int, dict] = {}

    def add(r, role: str, **extra) -> None:
        if r["id"] in members:
            return
        members[r["id"]] = {**document_card(r), "role": role, **extra}

    add(centre, "case")
    if centre["id"] != row["id"]:
        add(row, "response")
    responses = responses_by_report(lib, [centre["id"]]).get(centre["id"], [])
    for resp in responses:
        add(resp, "response", respondent=respondent_of(resp), confidence=resp.get("confidence"),
            date_approx=bool(document_meta(resp).get("date_approx")))
    tracking = report_tracking(lib, centre["id"], as_of) if centre["type"] == "pfd_report" else None
    # identifiers of the case, and documents mentioning them
    refs = case_references(centre)
    cmeta = document_meta(centre)
    names = [n for n in [cmeta.get("deceased_name")] if n and len(n.split()) >= 2]
    mentions = []
    for phrase in refs + names:
        if len(re.sub(r"\W", "", phrase)) < 4:
            continue
        for did, pid, text in passages_mentioning(lib, phrase, set(members)):
            add(stored_document(lib, did), "mentions", matched=phrase, passage_id=pid, snippet=_snippet(text, phrase))
            mentions.append(did)
    # findings and action rows of every document in the case
    ids = list(members)
    findings = [{**{k: v for k, v in f.items() if k != "section"}, "section_name": f.get("section")}
                for f in document_findings(lib, ids)
                # a response letter's concerns are its restatements of the report's: the report's own are shown
                if not (f["kind"] == "concern" and members[f["document_id"]]["role"] == "response"
                        and centre["type"] == "pfd_report")]
    actions = []
    own = [d for d, m in members.items() if m["role"] in ("case", "response")]  # a mention is another case
    for r in case_action_rows(lib, ids, own):
        a = action_json(r)
        a["owner"], a["text"] = r["owner"], r["text"]
        a["finding_id"] = r["finding_id"]
        a["updated"] = r["updated"]
        a["claim"], a["claim_p"] = r["claim"], r["claim_p"]
        reason = overdue_reason(r["claim"], a["due"], a["status"], r.get("due_text"), as_of)
        a["overdue"], a["overdue_reason"] = reason is not None, reason
        if r["claim"] != "not_action":
            actions.append(a)
    # each date says how exact it is; an undated letter is placed after the report it answers
    for d in members.values():
        ex = dated(d["date"], bool(d.get("date_approx")),
                   centre["date"] if d["role"] == "response" and centre["type"] == "pfd_report" else None)
        d["date"], d["date_precision"], d["date_label"] = ex["date"], ex["precision"], ex["label"]
    documents = sorted(members.values(), key=lambda d: (d["date"] or "9999", d["role"] != "case", d["id"]))
    timeline = [{"date": d["date"], "event": d["role"], "document_id": d["id"], "title": d["title"],
                 "type": d["type"], "date_label": d["date_label"], "date_precision": d["date_precision"]}
                for d in documents]
    for a in actions:
        if a["updated"]:
            timeline.append({"date": a["updated"], "event": "action update", "document_id": a["document_id"],
                             "title": clip(a["text"], 120), "type": "action", "status": a["status"]})
    timeline.sort(key=lambda t: (t["date"] or "9999", t["event"] != "case", t["document_id"]))
    deaths = deaths_in(centre, findings)
    title = centre["title"]
    if len(deaths) > 1 and " — " in title:
        title = " and ".join(d["name"] for d in deaths) + " — " + title.split(" — ", 1)[1]
    return {
        "id": centre["id"],
        "requested_id": document_id,
        "title": title,
        "deaths": deaths,
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


def deaths_in(centre, findings: list[dict]) -> list[dict]:
    """One entry per death a report is about, each with its own concerns: a report about several
    deaths heads each one's concerns with the person (``corpus.extract.pfd`` stores the name as the
    concerns' section). ``[]`` for a report about one death (its concerns are the case's)."""
    text = centre["text"] if "text" in centre.keys() else ""
    own = [f for f in findings if f["document_id"] == centre["id"] and f["kind"] == "concern"]
    names: list[str] = []
    for f in own:
        name = f.get("section_name")
        if name and name not in names:
            names.append(name)
    if len(names) < 2:
        return []
    return [{"name": n, "concerns": [f["id"] for f in own if f.get("section_name") == n]} for n in names
            if re.search(r"\b(?:deaths?\s+of|died|deceased)\b[^.]{0,160}?\b" + re.escape(n) + r"\b", text or "")]
