"""Who a PFD report was sent to and who answered.

``report_tracking(lib, report_id)`` — a PFD report's recipients, each one's response (a
linked response document whose respondent is the same organisation, or the Preventable
Deaths Tracker's status for the report), the 56-day due date and whether it is overdue;
``track_report(row, responses, tracker, as_of)`` — the same from rows already read (the
organisations page tracks every report in one pass); ``respondent_of(row)`` — who wrote a letter.

A recipient's response status is one of: ``responded`` (a response document in the library),
``responded_per_tracker`` (the tracker says the report's responses are complete, or it lists a
published response from this recipient — ``published``, its URL, when a dataset gives one), ``pending``
(not yet due), ``overdue`` (due date passed, no response found, the tracker does not say
complete), ``unknown`` (no report date, or the tracker says "partial" or "no requests" and the
library holds no response from this recipient).
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import unquote, urlsplit

from corpus.readers import split_recipients
from corpus.orgs import normalise_org, org_type
from index.ledger import responses_by_report, stored_document, tracker
from index.library import Library
from index.rows import document_meta

from search.as_of import as_of_date
from search.sources import document_card, http_url, source_display

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


_RESPONSE_FROM = re.compile(r"^Response from (.+?) to (?:PFD report|a PFD report)", re.I)


def respondent_of(row) -> str | None:
    """Who wrote a response: meta ``respondent``, else "Response from X to ..." in the title."""
    meta = document_meta(row)
    if meta.get("respondent"):
        return meta["respondent"]
    m = _RESPONSE_FROM.match(row["title"] or "")
    return m.group(1) if m else None


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


# "2023-0543-Response-from-Milton-Keynes-City-Council_Redacted-1.pdf": who published the response
_URL_FROM = re.compile(r"response[-_ ](?:from|by)[-_ ](?:the[-_ ])?(.+)$", re.I)
_URL_TAIL = re.compile(r"(?:[-_ ](?:redacted|published|final|signed|\d{1,2}))+$", re.I)
_NAME_WORDS = re.compile(r"[a-z0-9]+")
# words many bodies share: a published response matches a recipient only on a word that tells bodies apart
_GENERIC = frozenset("the of and for in nhs trust council foundation service services department dept health board "
                     "care hospital hospitals university group ltd limited plc chief executive officer national "
                     "royal college uk england wales".split())


def published_from(url: str) -> str | None:
    """The respondent a published response's file name gives ("Response-from-Gwynedd-Council" →
    "Gwynedd Council"), or None when it names none."""
    name = unquote(urlsplit(url).path.rsplit("/", 1)[-1]).rsplit(".", 1)[0]
    m = _URL_FROM.search(name)
    if not m:
        return None
    who = _URL_TAIL.sub("", m.group(1))
    return " ".join(w for w in re.split(r"[-_ ]+", who) if w) or None


def _match_published(recipients: list[dict], urls: list[str]) -> list[str]:
    """Give each recipient the URL of its published response (the tracker's reply URLs, http(s)
    only): the same organisation key, else the recipient sharing most distinctive words with the
    name in the file name; a lone recipient takes a lone URL that names nobody. Returns the URLs no
    recipient took."""
    left = []
    urls = [u for u in urls or [] if http_url(u)]
    for url in urls:
        who = published_from(url)
        hit = None
        if who:
            key = normalise_org(who).key
            hit = next((r for r in recipients if key and r["key"] == key and not r.get("published")), None)
            if hit is None:
                words = set(_NAME_WORDS.findall(who.lower())) - _GENERIC
                best = 0
                for r in recipients:
                    if r.get("published"):
                        continue
                    shared = len(words & (set(_NAME_WORDS.findall(r["name"].lower())) - _GENERIC))
                    if shared > best:
                        best, hit = shared, r
        elif len(recipients) == 1 and len(urls) == 1 and not recipients[0].get("published"):
            hit = recipients[0]
        if hit is not None:
            hit["published"] = url
        else:
            left.append(url)
    return left


def _recipient_status(rec: dict, due: str | None, tracker: dict | None, as_of: str) -> None:
    tstatus = (tracker or {}).get("status")
    if rec["response"] is not None:
        status = "responded"
    elif rec.get("published"):
        status = "responded_per_tracker"  # a published response from this recipient, not held here
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


def recipient_names(names: list[str]) -> list[str]:
    """The report's recipients, one each, split the way ingest splits a receiver cell
    (``corpus.readers.datasets.split_recipients``: numbered lists, bullets, comma lists of bodies),
    so a library built before a splitting rule changed is tracked the same way; a trailing page
    number is dropped and a recipient named twice counts once."""
    out: list[str] = []
    for name in names or []:
        for p in split_recipients(name or "", ";"):
            p = re.sub(r"\s+\d{1,2}$", "", p).strip(" ,;")
            if p and p not in out:
                out.append(p)
    return out


def track_report(row, responses: list[dict], tracker: dict | None, as_of: str) -> dict[str, Any]:
    """The tracking of one PFD report (``report_tracking``'s dict) from its ``documents`` row,
    the responses to it (``index.ledger.responses_by_report``) and its tracker row
    (``index.ledger.tracker``): each recipient with its response and status."""
    meta = document_meta(row)
    names = recipient_names(meta.get("recipients") or (tracker or {}).get("recipients") or [])
    recipients = []
    for name in names:
        org = normalise_org(name)
        recipients.append({"name": name, "key": org.key, "organisation": org.name if org.key else None,
                           "type": org_type(name) if org.key else None, "response": None, "published": None})
    due = response_due(row["date"])
    responses = [dict(r) for r in responses]
    _match_responses(recipients, responses)
    unmatched_urls = _match_published(recipients, (tracker or {}).get("reply_urls") or [])
    for rec in recipients:
        _recipient_status(rec, due, tracker, as_of)
    return {
        "report": document_card(row),
        "area": meta.get("area"),
        "coroner": meta.get("coroner"),
        "deceased_name": meta.get("deceased_name"),
        "response_due": due,
        "as_of": as_of,
        "tracker": ({"status": tracker.get("status"), "replies": tracker.get("replies"),
                     "source": source_display(tracker.get("source"), {})["name"],
                     "published": [u for u in tracker.get("reply_urls") or [] if http_url(u)],
                     "published_unmatched": unmatched_urls}
                    if tracker else None),
        "recipients": recipients,
        "responses": [{**_resp_summary(r), "recipient": r.get("recipient")} for r in responses],
        "overdue": any(r["overdue"] for r in recipients),
    }


def report_tracking(lib: Library, report_id: int, as_of: str | None = None) -> dict[str, Any] | None:
    """Recipients, responses, 56-day due date and overdue state of one PFD report."""
    as_of = as_of_date(as_of)
    row = stored_document(lib, report_id)
    if row is None or row["type"] != "pfd_report":
        return None
    return track_report(row, responses_by_report(lib, [report_id]).get(report_id, []), tracker(lib, row["reference"]),
                        as_of)
