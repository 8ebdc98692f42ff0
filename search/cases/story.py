"""What a reader needs to understand one case without the library: who, when, where, what
happened (quoted), each concern with what was done, and the outcome so far.

``case_story(lib, document_id, as_of=None)`` -> ``{"document", "account", "outcome"}``
``concern_details(lib, document_id, finding_ids=None, as_of=None)`` -> ``(concerns, other_actions)``
``outcome(lib, row, tracking, as_of)`` -> responses, recipients and commitments so far, with
``outcome_sentence``; ``case_action_rows(lib, ids, own)`` -> a case's own actions; the document's
source is shown as ``search.sources.source_display`` gives it (its http(s) URL and a file name,
never a server path).
"""
from __future__ import annotations

import json
import re
from typing import Any

from corpus.dates import parse_due
from corpus.extract import strip_framing
from index.ledger import case_actions, document_findings, stored_document
from index.library import Library
from index.responses import responses_for
from index.rows import document_meta

from search.as_of import as_of_date
from search.ledger import DONE
from search.responses import report_tracking
from search.sources import source_display


ACCOUNT_MAX = 1200  # characters of the quoted account
# Sections that tell what happened, best first: the PFD box, then a review's own summary.
ACCOUNT_SECTIONS = [
    ("circumstances", re.compile(r"circumstances", re.I)),
    ("summary", re.compile(r"\b(?:summary|overview|brief (?:description|outline)|the case|case (?:summary|outline))\b", re.I)),
    ("background", re.compile(r"\b(?:background|introduction|the facts)\b", re.I)),
    ("inquest", re.compile(r"investigation and inquest", re.I)),  # a report without circumstances: its conclusion
]
_HEADING_LINE = re.compile(r"^\s*(?:\d{1,2}\.?\s*)?(?:CIRCUMSTANCES OF (?:THE )?DEATH|SUMMARY|BACKGROUND|OVERVIEW|"
                           r"INTRODUCTION)\s*:?\s*(?:\d{1,2})?\s*$", re.I)
# Text fallback for reports read without boxes: from the circumstances heading to the next box.
_CIRC_TEXT = re.compile(r"CIRCUMSTANCES OF (?:THE )?DEATH\s*:?(.+?)(?=CORONER['’`]?S? CONCERNS?|MATTERS? OF CONCERN|"
                        r"ACTION SHOULD BE TAKEN|\Z)", re.S)
_CORONER_LINE = re.compile(r"\bI am ((?:[^,\n]{2,60},\s*){0,2}?[^,\n]{2,60}?),?\s+((?:Senior |Area |Assistant )?Coroner\b[^.\n]{0,120})",
                           re.I)
_AREA = re.compile(r"\bcoroner(?:'s)? area of (?:the )?([A-Z][\w'’&-]*(?:[ ,]+(?:and |&amp; |& )?[A-Z][\w'’&-]*){0,5})", re.I)


def _blocks(row) -> list[tuple[int, int, str | None, int | None]]:
    try:
        return [tuple(b) for b in json.loads(row["blocks"] or "[]")]
    except (TypeError, ValueError):
        return []


def _shorten(text: str, limit: int | None = ACCOUNT_MAX) -> str:
    """Whitespace tidied; cut at a sentence end before ``limit`` (with "…") when longer
    (``limit`` None: whole)."""
    text = " ".join(text.split()).lstrip(":;,.-\u2013\u2014 ")
    if limit is None or len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind(".\u201d"), cut.rfind('." '))
    return (cut[: end + 1] if end > limit // 2 else cut.rsplit(" ", 1)[0]) + " …"


def _section_text(text: str, blocks: list, pat: re.Pattern) -> tuple[str | None, str]:
    """(section name, text) of the first run of blocks whose section matches ``pat``."""
    parts, section = [], None
    for s, e, sec, _page in blocks:
        if sec and pat.search(sec):
            section = section or sec
            parts.append(text[s:e])
        elif parts:
            break
    lines = "\n".join(parts).strip().splitlines()
    while lines and (not lines[0].strip() or _HEADING_LINE.match(lines[0])):
        lines.pop(0)
    return section, "\n".join(lines)


def account(row, limit: int | None = ACCOUNT_MAX) -> dict[str, str] | None:
    """``{"kind", "section", "text"}``: the report's circumstances or the review's summary,
    shortened to ``limit`` characters (None: whole, as a learning pack wants it), as written (a report without circumstances: its inquest conclusion); None
    when the document holds none of these. When ``text`` was cut, ``full`` holds the whole
    account, so a case page can tell the story to its end."""
    text, blocks = row["text"] or "", _blocks(row)
    tries = [(kind, lambda pat=pat: _section_text(text, blocks, pat)) for kind, pat in ACCOUNT_SECTIONS[:-1]]
    m = _CIRC_TEXT.search(text)
    tries.append(("circumstances", lambda: ("Circumstances of the death", m.group(1) if m else "")))
    tries.append((ACCOUNT_SECTIONS[-1][0], lambda: _section_text(text, blocks, ACCOUNT_SECTIONS[-1][1])))
    for kind, get in tries:
        section, body = get()
        whole = _shorten(body, None)
        if len(whole) >= 40:
            short = _shorten(body, limit)
            return {"kind": kind, "section": section, "text": short} | ({"full": whole} if short != whole else {})
    return None


def _body(row, meta: dict) -> dict[str, str] | None:
    """Who wrote it: the coroner of a report, the respondent of a letter, a review's body."""
    if meta.get("coroner"):
        return {"role": "Coroner", "name": meta["coroner"]}
    if row["type"] == "pfd_report":
        m = _CORONER_LINE.search(row["text"] or "")
        if m:
            return {"role": "Coroner", "name": f"{m.group(1).strip()}, {' '.join(m.group(2).split())}"}
    if meta.get("respondent"):
        return {"role": "Respondent", "name": meta["respondent"]}
    for key in ("review_body", "organisation", "author"):
        if meta.get(key):
            return {"role": "Review body", "name": str(meta[key])}
    return None


def case_story(lib: Library, document_id: int, as_of: str | None = None,
               account_limit: int | None = ACCOUNT_MAX) -> dict[str, Any] | None:
    """The case's facts, account and outcome (see the module docstring); the account is cut
    at ``account_limit`` characters (None: whole)."""
    as_of = as_of_date(as_of)
    row = stored_document(lib, document_id)
    if row is None:
        return None
    meta = document_meta(row)
    src = source_display(row["source"], meta)
    tracking = report_tracking(lib, row["id"], as_of) if row["type"] == "pfd_report" else None
    area = meta.get("area") or (tracking or {}).get("area")
    body = _body(row, meta)
    if not area and body and body["role"] == "Coroner":
        m = _AREA.search(body["name"])
        area = m.group(1).strip(" ,") if m else None
    recipients = list(meta.get("recipients") or []) or [r["name"] for r in (tracking or {}).get("recipients") or []]
    doc = {
        "id": row["id"], "title": row["title"], "type": row["type"], "date": row["date"],
        "reference": row["reference"], "area": area or None, "body": body,
        "recipients": recipients, "deceased_name": meta.get("deceased_name"),
        "source_url": src["url"], "source_name": src["name"], "case_link": f"/cases/{row['id']}",
        "document_link": f"/documents/{row['id']}",
    }
    return {"document": doc, "account": account(row, account_limit), "outcome": outcome(lib, row, tracking, as_of)}


def case_action_rows(lib: Library, ids: list[int], own: list[int]) -> list[dict]:
    """The action rows of documents ``ids`` that belong to a case whose own report and letters are
    ``own``: an action paired only to concerns outside ``own`` (a letter answering several reports,
    or a document that merely mentions the case) answers another case and is left out
    (``index.ledger.case_actions``). Each row has its owner (settled when stored:
    ``index.responses.answering.settle_owners``), its text without the letter's framing, and
    ``finding_id``: the first concern of this case it answers."""
    from corpus.extract.claims import claim_of

    out = []
    for a in case_actions(lib, ids, own):
        if a["respondent"]:  # an answer without "… our response is detailed below."
            a["text"] = strip_framing(a["text"]) or a["text"]
        # asked of / promised / answer, as the ledger reads it (search.ledger.claims)
        a["claim"], a["claim_p"] = claim_of(a["text"], a.get("document_type"), a["kind"], a.get("due"),
                                            a.get("status"), a.get("owner"), a.get("document_date"))
        out.append(a)
    return out


def _case_actions(lib: Library, doc_id: int, response_ids: list[int]) -> list[dict]:
    ids = [doc_id] + response_ids
    keep = ("id", "document_id", "kind", "claim", "claim_p", "text", "owner", "due", "due_text", "status", "updated",
            "page", "document_title")
    return [{k: a[k] for k in keep} for a in case_action_rows(lib, ids, ids) if a["claim"] != "not_action"]


def _with_due(a: dict, as_of: str) -> dict:
    from search.ledger import overdue_reason

    due = a.get("due") or (parse_due(a["due_text"]) if a.get("due_text") else None)
    reason = overdue_reason(a.get("claim") or "promised", due, a.get("status"), a.get("due_text"), as_of)
    return {**a, "due": due, "overdue": reason is not None, "overdue_reason": reason}


def outcome(lib: Library, row, tracking: dict | None, as_of: str) -> dict[str, Any]:
    """Responses received (and from whom), recipients overdue, commitments made / done / overdue."""
    responses = responses_for(lib, row["id"])  # the letters linked to it, oldest first
    rows = [_with_due(a, as_of) for a in _case_actions(lib, row["id"], [r["id"] for r in responses])]
    acts = [a for a in rows if a["claim"] == "promised"]  # an answer, or what was asked, is no promise
    out: dict[str, Any] = {
        "as_of": as_of,
        "responses": [{"document_id": r["id"], "title": r["title"], "date": r["date"],
                       "respondent": document_meta(r).get("respondent")} for r in responses],
        "commitments": len(acts),
        "commitments_done": sum(1 for a in acts if (a["status"] or "").lower() in DONE),
        "commitments_overdue": sum(1 for a in acts if a["overdue"]),
        "asked_of": sum(1 for a in rows if a["claim"] == "asked_of"),
        "answers": sum(1 for a in rows if a["claim"] == "answer"),
        "recipients": None, "response_due": None, "overdue_recipients": [], "tracker_status": None,
    }
    if tracking:
        recs = tracking.get("recipients") or []
        out["recipients"] = len(recs)
        out["responded"] = sum(1 for r in recs if r.get("status") in ("responded", "responded_per_tracker"))
        out["unknown"] = sum(1 for r in recs if r.get("status") == "unknown")
        out["response_due"] = tracking.get("response_due")
        out["overdue_recipients"] = [r.get("organisation") or r.get("name") for r in recs if r.get("overdue")]
        out["pending_recipients"] = [r.get("organisation") or r.get("name") for r in recs if r.get("status") == "pending"]
        out["tracker_status"] = (tracking.get("tracker") or {}).get("status")
        # responses the published record lists (the tracker's reply URLs) that the library does not hold
        out["published"] = [{"recipient": (r.get("organisation") or r.get("name")) if r.get("published_match") != "words"
                             else None, "url": r["published"]}
                            for r in recs if r.get("published") and not r.get("response")]
        out["published"] += [{"recipient": None, "url": u}
                             for u in (tracking.get("tracker") or {}).get("published_unmatched") or []]
    out.setdefault("published", [])
    out["summary"] = outcome_sentence(out)
    out["no_action"] = no_action_text(out)
    return out


def no_action_text(o: dict) -> str:
    """What a concern with no action in the library says instead of a bare "No action recorded":
    what is known of the responses (published elsewhere, overdue, pending, or not known)."""
    parts = ["No action in this library"]
    if o.get("published"):
        n = len(o["published"])
        who = [p["recipient"] for p in o["published"] if p["recipient"]]
        parts.append(f"{n} response{'s' if n != 1 else ''} published elsewhere" + (f" (from {'; '.join(who)})"
                                                                                   if who else "")
                     + ": see the outcome")
    if o.get("overdue_recipients"):
        parts.append("response overdue from " + "; ".join(o["overdue_recipients"]))
    if o.get("pending_recipients"):
        parts.append("response not yet due from " + "; ".join(o["pending_recipients"])
                     + (f" (due {o['response_due']})" if o.get("response_due") else ""))
    if len(parts) == 1 and o.get("responses"):
        parts.append("the responses held do not answer this concern in words the library could link")
    elif len(parts) == 1 and o.get("recipients"):
        parts.append("whether the recipients responded is not known" if o.get("unknown") else
                     "the recipients responded, but no response is held here")
    return "; ".join(parts) + "."


def outcome_sentence(o: dict) -> str:
    parts = []
    n = len(o["responses"])
    unknown = o.get("unknown") or 0
    if o.get("recipients") and unknown and not o.get("responded", n):
        # no letter held, and nothing says none was sent (the tracker says "partial", or no date)
        parts.append(f"no response letter in the library from its {o['recipients']} recipient"
                     f"{'s' if o['recipients'] != 1 else ''}; whether {'they' if o['recipients'] != 1 else 'it'}"
                     f" responded is not known")
    elif o.get("recipients"):
        parts.append(f"{o.get('responded', n)} of {o['recipients']} recipient{'s' if o['recipients'] != 1 else ''}"
                     f" responded" + (f"; whether {unknown} other{'s' if unknown != 1 else ''} did is not known"
                                      if unknown else ""))
    elif n:
        parts.append(f"{n} response{'s' if n != 1 else ''} in the library")
    if o.get("published"):
        n = len(o["published"])
        parts.append(f"{n} response{'s' if n != 1 else ''} published elsewhere, not held in this library")
    if o["overdue_recipients"]:
        parts.append("response overdue from " + "; ".join(o["overdue_recipients"])
                     + (f" (due {o['response_due']})" if o.get("response_due") else ""))
    if o["commitments"]:
        parts.append(f"{o['commitments_done']} of {o['commitments']} action{'s' if o['commitments'] != 1 else ''}"
                     f" done" + (f", {o['commitments_overdue']} overdue" if o["commitments_overdue"] else ""))
    if o.get("tracker_status"):
        parts.append(f"tracker response status: {o['tracker_status']}")
    return "; ".join(parts) or "no recorded outcome"


def concern_details(lib: Library, document_id: int, finding_ids: list[int] | None = None,
                    as_of: str | None = None) -> tuple[list[dict], list[dict]]:
    """The case's concerns (all, or ``finding_ids``) each with the actions answering it,
    and — for the whole case — the actions of the case and its responses that answer none."""
    from search.query import finding_actions

    as_of = as_of_date(as_of)
    rows = document_findings(lib, [document_id])
    if finding_ids is not None:
        wanted = set(finding_ids)
        rows = [r for r in rows if r["id"] in wanted]
    acts = finding_actions(lib, [r["id"] for r in rows])
    concerns, used = [], set()
    for r in rows:
        actions = [_with_due(a, as_of) for a in acts.get(r["id"], [])]
        used.update(a["id"] for a in actions)
        concerns.append({**r, "actions": actions})
    other: list[dict] = []
    if finding_ids is None:
        responses = [r["id"] for r in responses_for(lib, document_id)]
        other = [_with_due(a, as_of) for a in _case_actions(lib, document_id, responses) if a["id"] not in used]
    return concerns, other


def dated(iso: str | None, approx: bool = False, after: str | None = None) -> dict:
    """A date with how exact it is: ``{"date", "precision", "label"}``. ``precision`` is ``day``
    (a date the document states), ``month`` (only a month is known) or ``published_by`` (a
    letter with no date of its own, known only to have been published by the end of the month
    its file was uploaded). A letter is never dated before the report it answers (``after``):
    its sortable ``date`` is the later of the two, and the label says so."""
    import calendar

    if not iso:
        return {"date": None, "precision": None, "label": None}
    if not approx:
        precision = "day" if len(iso) >= 10 else "month"
        label = iso if precision == "day" else approx_date_label(iso)
        return {"date": iso, "precision": precision, "label": label}
    m = int(iso[5:7]) if len(iso) >= 7 and iso[5:7].isdigit() and 1 <= int(iso[5:7]) <= 12 else None
    month = f"{calendar.month_name[m]} {iso[:4]}" if m else iso[:4]
    label = f"published by the end of {month}"
    date = iso
    if after and after > iso:
        date = after
        label += f", after the report of {after}"
    return {"date": date, "precision": "published_by", "label": label}


def approx_date_label(iso: str | None) -> str | None:
    """An approximate date (a response's upload month, ``meta.date_approx``) as people read
    it: "2025-06-01" → "about June 2025"."""
    import calendar

    if not iso or len(iso) < 7 or not iso[5:7].isdigit() or not 1 <= int(iso[5:7]) <= 12:
        return iso
    return f"about {calendar.month_name[int(iso[5:7])]} {iso[:4]}"
