"""The rules of a follow. A follow watches a set of items; when it is made, every item already
there is its **baseline** (never listed as new); each check stores the items not seen before
and lists them as new, with the time they were first seen.

* a followed **search** watches the documents its results hold with strength close or related
  (a weak hit is not "a document that matches"), with the search's filters;
* a followed **organisation** watches the reports sent to it, the responses it made, its
  commitments, and two events: a report's response becoming overdue, a commitment's due date
  passing (both judged on the day of the check).

An item is named by what it is and its id (``document:12``, ``response_overdue:40``), so a
document already seen is not new again, and an event happens once."""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from index.follows import FollowTable
from index.library import Library

from search.as_of import as_of_date
from search.ledger import get_organisation
from search.request import SearchRequest, check_id

#: what an item is, as the pages and the feed say it
WHAT = {
    "new_document": "New matching document",
    "new_report": "New report sent to it",
    "new_response": "New response from it",
    "response_overdue": "Response now overdue",
    "new_commitment": "New commitment",
    "commitment_overdue": "Commitment past its due date",
}
MATCHING = ("close", "related")  # the strengths a followed search counts as a match
SEARCH_PAGES = 5                 # pages of 100 results a check reads (the ranker's pool is smaller)
ITEMS_SHOWN = 100                # newest items on a follow's page and feed


class FollowError(ValueError):
    """A follow that cannot be made or found; ``status`` is the HTTP status it answers with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _search_request(lib: Library, target: str, filters: dict) -> SearchRequest:
    return SearchRequest.from_args({"q": target, **filters}).check(lib)


def _search_items(lib: Library, follow: dict) -> list[dict]:
    req = _search_request(lib, follow["target"], follow["filters"])
    seen: dict[int, dict] = {}
    for page in range(1, SEARCH_PAGES + 1):
        out = replace(req, page=page, per_page=100).run(lib)
        for r in out["results"]:
            d = r["document"]
            if r["strength"] in MATCHING and d["id"] not in seen:
                seen[d["id"]] = {"item": f"document:{d['id']}", "what": "new_document", "title": d["title"] or "",
                                 "detail": " · ".join(x for x in (d.get("type"), d.get("date"), r["strength"]) if x),
                                 "document_id": d["id"]}
        if not out["paging"].get("next"):
            break
    return list(seen.values())


def _organisation_items(lib: Library, follow: dict, as_of: str) -> list[dict]:
    org = get_organisation(lib, follow["target"], as_of=as_of, warned_limit=0)
    if org is None:
        return []
    items = []
    for r in org.get("reports") or []:
        items.append({"item": f"report:{r['id']}", "what": "new_report", "title": r.get("title") or "",
                      "detail": r.get("date") or "", "document_id": r["id"]})
        if r.get("overdue"):
            items.append({"item": f"response_overdue:{r['id']}", "what": "response_overdue",
                          "title": r.get("title") or "", "detail": f"response due {r.get('response_due') or '?'}",
                          "document_id": r["id"]})
    for r in org.get("responses") or []:
        items.append({"item": f"response:{r['id']}", "what": "new_response", "title": r.get("title") or "",
                      "detail": r.get("date") or "", "document_id": r["id"]})
    for c in org.get("commitments") or []:
        items.append({"item": f"commitment:{c['id']}", "what": "new_commitment", "title": _short(c["text"]),
                      "detail": f"due {c['due']}" if c.get("due") else "", "document_id": c["document_id"]})
        if c.get("overdue"):
            items.append({"item": f"commitment_overdue:{c['id']}", "what": "commitment_overdue",
                          "title": _short(c["text"]), "detail": f"due {c.get('due')}", "document_id": c["document_id"]})
    return items


def _short(text: str | None, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def current_items(lib: Library, follow: dict, as_of: str | None = None) -> list[dict]:
    """What the follow watches, as it stands now."""
    if follow["kind"] == "search":
        return _search_items(lib, follow)
    return _organisation_items(lib, follow, as_of_date(as_of))


def follow_search(lib: Library, query: str, filters: dict | None = None, now: str | None = None) -> dict[str, Any]:
    """Follow a search (the query and its filters, checked as the search page checks them); a
    search already followed is that follow. Returns the follow's page."""
    req = SearchRequest.from_args({"q": query or "", **(filters or {})})
    if not req.q:
        raise FollowError("a followed search needs words to search for")
    req = req.check(lib)
    table = FollowTable(lib)
    found = table.find("search", req.q, req.filters)
    if found:
        return get_follow(lib, found["id"])
    label = req.q + (" (" + ", ".join(f"{k}: {v}" for k, v in req.filters.items()) + ")" if req.filters else "")
    now = now or _now()
    fid = table.create("search", req.q, label, req.filters, now)
    table.record(fid, current_items(lib, table.get(fid)), now, baseline=True, checked=False)
    return get_follow(lib, fid)


def follow_organisation(lib: Library, key: str, now: str | None = None, as_of: str | None = None) -> dict[str, Any]:
    """Follow an organisation (its key or a name that normalises to it). Returns the follow's page."""
    org = get_organisation(lib, (key or "").strip(), as_of=as_of, warned_limit=0) if (key or "").strip() else None
    if org is None:
        raise FollowError(f"no organisation {key!r} in the library (the organisations page lists them)", 404)
    table = FollowTable(lib)
    found = table.find("organisation", org["key"], {})
    if found:
        return get_follow(lib, found["id"])
    now = now or _now()
    fid = table.create("organisation", org["key"], org["name"], {}, now)
    table.record(fid, current_items(lib, table.get(fid), as_of), now, baseline=True, checked=False)
    return get_follow(lib, fid)


def _link(follow: dict) -> str:
    if follow["kind"] == "organisation":
        return f"/organisations/{follow['target']}"
    return "/search?" + urlencode({"q": follow["target"], **follow["filters"]})


def _item(i: dict) -> dict:
    return {"item": i["item"], "what": i["what"], "what_label": WHAT.get(i["what"], i["what"]), "title": i["title"],
            "detail": i["detail"], "document_id": i["document_id"], "first_seen": i["first_seen"],
            "link": f"/cases/{i['document_id']}" if i.get("document_id") else None}


def get_follow(lib: Library, follow_id: Any, limit: int = ITEMS_SHOWN) -> dict[str, Any]:
    """A follow's page: the follow, its link (the search or organisation page) and the items seen
    since it was made, newest first (``limit`` of them; ``new`` counts all)."""
    fid = check_id(follow_id, "follow")
    table = FollowTable(lib)
    f = table.get(fid)
    if f is None:
        raise FollowError(f"no follow {fid}", 404)
    items = table.items(fid)
    return f | {"link": _link(f), "new": len(items), "items": [_item(i) for i in items[:limit]],
                "feed": f"/follows/{fid}.atom"}


def list_follows(lib: Library) -> dict[str, Any]:
    """Every follow with how many items it has seen since it was made."""
    rows = FollowTable(lib).all()
    return {"total": len(rows), "follows": [r | {"link": _link(r), "feed": f"/follows/{r['id']}.atom"} for r in rows]}


def unfollow(lib: Library, follow_id: Any) -> dict[str, Any]:
    """Stop following; a follow that is not there is a FollowError (404)."""
    fid = check_id(follow_id, "follow")
    if not FollowTable(lib).delete(fid):
        raise FollowError(f"no follow {fid}", 404)
    return {"deleted": fid}


def check_follows(lib: Library, follow_id: Any = None, now: str | None = None, as_of: str | None = None,
                  record_only: bool = False) -> dict[str, Any]:
    """Check one follow (or all): store what is new and list every item first seen since the last
    check (including what a page or feed read stored in between). ``record_only``: store, but leave
    the last check where it was (a page or feed read). Returns ``{"checked_at", "follows": [{id,
    kind, label, link, previous_check, new: [items]}], "new"}``."""
    table = FollowTable(lib)
    if follow_id is not None:
        f = table.get(check_id(follow_id, "follow"))
        if f is None:
            raise FollowError(f"no follow {follow_id}", 404)
        follows = [f]
    else:
        follows = list(reversed(table.all()))
    now = now or _now()
    out = []
    for f in follows:
        previous = f["checked"] or f["created"]
        table.record(f["id"], current_items(lib, f, as_of), now, baseline=False, checked=not record_only)
        fresh = table.items(f["id"], after=f["checked_item"])
        out.append({"id": f["id"], "kind": f["kind"], "label": f["label"], "link": _link(f),
                    "previous_check": previous, "new": [_item(i) for i in reversed(fresh)]})
    return {"checked_at": now, "follows": out, "new": sum(len(f["new"]) for f in out)}
