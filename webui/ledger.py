"""Pages for policy writers: the commitments ledger (what was promised, by whom, and what is
overdue), organisations and case pages. Every page has a ``.json`` twin built from the same
dict; errors use the app's one JSON error shape."""
from __future__ import annotations

from flask import Blueprint, Response, abort, request

from search.cases import get_case
from search.cases import case_story
from search.ledger import list_commitments, to_csv as commitments_csv
from search.ledger import get_organisation, list_organisations

from webui.args import arg, choice_arg, page_arg, yes_no_arg
from webui.pages import base_url, library, respond

bp = Blueprint("ledger", __name__)

ORG_TYPES = ("police", "nhs_trust", "nhs_national", "local_authority", "government", "regulator",
             "prison_probation", "care_provider", "other")
ORG_SORTS = ("reports", "responses", "responses_overdue", "commitments", "commitments_overdue", "asked_of",
             "asked_of_overdue", "answers", "name")


# ------------------------------------------------------------------ commitments


def commitments(fmt: str | None = None):
    limit = page_arg("limit", 200, 1, 100_000) if fmt != "csv" else None
    offset = page_arg("offset", 0, 0, 10**9)
    try:
        data = list_commitments(
            library(), owner=arg("owner"), status=arg("status"), overdue=yes_no_arg("overdue"),
            as_of=arg("as_of"), due_from=arg("due_from"), due_to=arg("due_to"), q=arg("q"), kind=arg("kind"),
            claim=arg("claim"), org=arg("org"), limit=limit, offset=offset if fmt != "csv" else 0)
    except ValueError as e:
        abort(400, description=str(e))
    if fmt == "csv":
        base = base_url()
        rows = [{**r, "link": base + r["link"]} for r in data["commitments"]] if base else data["commitments"]
        return Response(commitments_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="commitments.csv"'})
    data["args"] = {k: v for k, v in request.args.items() if v and k not in ("offset",)}
    return respond("commitments.html", data, fmt == "json")


# ------------------------------------------------------------------ organisations


def organisations(fmt: str | None = None):
    otype = choice_arg("type", ORG_TYPES)
    sort = choice_arg("sort", ORG_SORTS, "reports")  # an unknown order was silently the default one
    limit = page_arg("limit", 200, 1, 100_000)
    offset = page_arg("offset", 0, 0, 10**9)
    try:
        data = list_organisations(library(), as_of=arg("as_of"), q=arg("q"), type=otype, limit=limit,
                                  offset=offset, sort=sort)
    except ValueError as e:
        abort(400, description=str(e))
    data["types"] = list(ORG_TYPES)
    return respond("organisations.html", data, fmt == "json")


def organisation(key: str, fmt: str | None = None):
    if key.endswith(".json"):  # "/organisations/x.json" when the key itself has a dot
        key, fmt = key[:-5], "json"
    try:
        data = get_organisation(library(), key, as_of=arg("as_of"))
    except ValueError as e:
        abort(400, description=str(e))
    if data is None:
        abort(404, description=f"no organisation {key}")
    return respond("organisation.html", data, fmt == "json")


# ------------------------------------------------------------------ cases


def case(doc_id: int, fmt: str | None = None):
    try:
        data = get_case(library(), doc_id, as_of=arg("as_of")) if doc_id <= 2**63 - 1 else None
    except ValueError as e:
        abort(400, description=str(e))
    if data is None:
        abort(404, description=f"no document {doc_id}")
    story = case_story(library(), data["id"], as_of=data.get("as_of"))
    data["story"] = {"document": story["document"], "account": story["account"], "outcome": story["outcome"]} \
        if story else None
    return respond("case.html", data, fmt == "json")
