"""Search and document pages. Every page is ``render(template, data)`` where ``data``
is exactly what the ``.json`` twin returns."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, jsonify, render_template, request

from search.browse import DOC_TYPES
from search.documents import get_document, list_documents
from search.query import FILTER_KEYS, check_filters, page_bounds, run_search

from webui.guard import heavy_work, no_token
from webui.pages import int_arg, library, respond
from webui.params import MAX_DRAFT_CHARS, bound_query, date_param, end_of_period, id_param, text_param

SEARCH_CHOICES = {"type": DOC_TYPES, "strength": ("close", "related", "weak"), "has_response": ("yes", "no", "true", "false", "1", "0")}

bp = Blueprint("main", __name__)

MAX_K = 100


@bp.route("/", defaults={"fmt": None})
@bp.route("/.json", defaults={"fmt": "json"})
def index(fmt: str | None = None):
    """The home page: the three questions Precedent answers, each with an example from this
    library, what the library holds, and its newest documents."""
    from search.browse import library_overview

    data = library_overview(library())
    data["questions"] = [
        {"key": "before", "question": "Has this happened before?",
         "help": "Describe a concern: past reports and reviews that raised it, and what was done.",
         "example": data["examples"]["before"]},
        {"key": "topic", "question": "Case studies on a topic",
         "help": "Recurring themes, each with its cases; add cases to a learning pack and export it.",
         "example": data["examples"]["topic"]},
        {"key": "promised", "question": "What have we promised?",
         "help": "The commitments ledger: who said they would do what, by when, and what is overdue.",
         "example": data["examples"]["promised"]},
    ]
    data["status_url"] = "/status.json" if "/status.json" in {r.rule for r in current_app.url_map.iter_rules()} \
        else None
    return respond("home.html", data, fmt == "json")


def add_case_urls(data: dict) -> dict:
    """Give each search result the URL of its case page (``case_url``)."""
    for r in data.get("results") or []:
        doc = r.get("document") or {}
        if doc.get("id") is not None:
            r["case_url"] = f"/cases/{doc['id']}"
    return data


@bp.route("/search", defaults={"fmt": None})
@bp.route("/search.json", defaults={"fmt": "json"})
def search_page(fmt: str | None = None):
    q, notice = bound_query(request.args.get("q", "").strip())
    per_page = int_arg("per_page", int_arg("k", 10, 1, MAX_K), 1, MAX_K)
    page = int_arg("page", 1, 1, 10**6)
    mode = request.args.get("mode", "hybrid")
    if mode not in ("hybrid", "dense", "keyword"):
        abort(400, description="mode must be hybrid, dense or keyword")
    filters = {key: request.args.get(key, "").strip() for key in FILTER_KEYS if request.args.get(key, "").strip()}
    year = request.args.get("year", "").strip()
    if year:  # the year facet: one calendar year, unless a date range is given too
        if not year.isdigit() or len(year) != 4:
            abort(400, description="year must be four digits, e.g. 2019")
        filters.setdefault("date_from", year)
        filters.setdefault("date_to", year)
    for key in ("date_from", "date_to"):
        if key in filters:
            date_param(filters[key], key)
    if "date_to" in filters:
        filters["date_to"] = end_of_period(filters["date_to"])
    if "theme" in filters:
        id_param(filters["theme"], "theme")
    for key, allowed in SEARCH_CHOICES.items():  # a value no document can have was an empty page
        if key in filters and filters[key] not in allowed:
            abort(400, description=f"{key} must be one of " + ", ".join(allowed))
    lib = library()
    try:
        filters = check_filters(lib, filters)
    except ValueError as e:
        abort(400, description=str(e))
    data = run_search(lib, q, k=per_page, mode=mode, filters=filters, page=page) if q else \
        {"query": q, "mode": mode, "filters": filters, "total": 0, "close": 0,
         "paging": page_bounds(0, page, per_page), "facets": {}, "results": []}
    add_case_urls(data)  # each result links to its case page
    data["library"] = {"documents": lib.store.count("documents"), "passages": lib.store.count("passages"),
                       "findings": lib.store.count("findings")}
    if notice:
        data["notice"] = " ".join(x for x in (data.get("notice"), notice) if x)
    if fmt == "json":
        return respond("search.html", data, True)
    args = {**request.args.to_dict(), "q": q}
    if year:  # links and "remove filter" badges carry the dates the year stands for
        args.pop("year")
        args.update(date_from=filters["date_from"], date_to=filters["date_to"])
    return render_template("search.html", data=data, args=args, filter_keys=FILTER_KEYS)


def _is_date(v: str) -> bool:
    import re

    return bool(re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", v))


@bp.route("/documents", defaults={"fmt": None})
@bp.route("/documents.json", defaults={"fmt": "json"})
def documents(fmt: str | None = None):
    """The library, newest first, filtered by type, date and area, in pages."""
    from search.browse import browse_documents

    limit = int_arg("limit", 50, 1, 1000)
    offset = int_arg("offset", 0, 0, 10**9)
    args = {k: request.args.get(k, "").strip() or None for k in ("type", "date_from", "date_to", "area", "q")}
    try:
        data = browse_documents(library(), limit=limit, offset=offset, **args)
    except ValueError as e:
        abort(400, description=str(e))
    data["args"] = {k: v for k, v in args.items() if v}
    return respond("documents.html", data, fmt == "json")


@bp.route("/documents/<int:doc_id>", defaults={"fmt": None})
@bp.route("/documents/<int:doc_id>.json", defaults={"fmt": "json"})
def document(doc_id: int, fmt: str | None = None):
    data = get_document(library(), doc_id) if doc_id <= 2**63 - 1 else None
    if data is None:
        abort(404, description=f"no document {doc_id}")
    from search.sources import source_display

    if data.get("type") == "pfd_response" or data.get("responds_to"):
        from search.responses.unlinked import response_view  # who responded, each action and the concerns it answers

        view = response_view(library(), doc_id)
        data.update(respondent=view.get("respondent"), actions=view.get("actions", []))
    src = source_display(data.get("source"), data.get("meta"))
    data.update(source=src["url"] or src["name"], source_url=src["url"], source_name=src["name"],
                case_url=f"/cases/{doc_id}")
    passage = request.args.get("passage", type=int)
    if fmt == "json":
        return respond("document.html", data, True)
    return render_template("document.html", data=data, render_blocks=render_blocks(data, passage))


def _opens_with(text: str, heading: str | None) -> bool:
    return bool(heading) and " ".join(text.split()).lower().startswith(" ".join(heading.split()).lower())


def render_blocks(doc: dict, passage_id: int | None) -> list[dict]:
    """Blocks of the document text with a heading when section or page changes, and
    the selected passage cut out as its own segment so the page can mark it in place."""
    text = doc["text"]
    sel = next((p for p in doc["passages"] if p["id"] == passage_id), None)
    out, last = [], (None, None)
    for b in doc["blocks"]:
        key = (b["section"], b["page"])
        head = None
        s, e = b["start"], b["end"]
        if key != last:
            # a section whose own text opens with its heading is not labelled twice
            section = None if _opens_with(text[s:e], b["section"]) else b["section"]
            head = " · ".join(x for x in (section, f"page {b['page']}" if b["page"] else None) if x)
            last = key
        segs = []
        if sel and sel["start"] < e and s < sel["end"]:
            a, z = max(s, sel["start"]), min(e, sel["end"])
            segs = [(text[s:a], False, None), (text[a:z], True, sel["id"]), (text[z:e], False, None)]
        else:
            segs = [(text[s:e], False, None)]
        out.append({"head": head, "segments": [x for x in segs if x[0]]})
    return out


@bp.route("/precedents", methods=["GET", "POST"], defaults={"fmt": None})
@bp.route("/precedents.json", methods=["POST"], defaults={"fmt": "json"})
@no_token
def precedents_page(fmt: str | None = None):
    """Paste a draft or upload one (PDF/DOCX/text): precedents for each of its concerns."""
    from corpus.records import ReadError
    from search.draft import document_from_upload, precedents, precedents_for_text

    if request.method == "GET":
        return render_template("precedents.html", data=None)
    k = int_arg("k", 5, 1, 20)
    body = request.get_json(silent=True) or {}
    upload = request.files.get("file")
    draft = str(body.get("text") or request.form.get("text") or "")
    try:
        with heavy_work("draft"):
            if upload and upload.filename:
                data = precedents(library(), document_from_upload(upload.read(), upload.filename), k=k)
            else:
                data = precedents_for_text(library(), text_param(draft, "text", MAX_DRAFT_CHARS), k=k)
    except ReadError as e:
        abort(400, description=str(e))
    from urllib.parse import urlencode

    for c in data.get("concerns") or []:  # each hit's case page, and every result for the concern
        add_case_urls(c)
        c["search_url"] = "/search?" + urlencode({"q": bound_query(" ".join(c["text"].split()))[0]})
    if fmt == "json":
        return respond("precedents.html", data, True)
    return render_template("precedents.html", data=data, draft=draft)  # the box keeps the draft


@bp.route("/responses/unlinked", defaults={"fmt": None})
@bp.route("/responses/unlinked.json", defaults={"fmt": "json"})
def unlinked(fmt: str | None = None):
    """Responses Precedent could not tie to a report with confidence: listed, never guessed."""
    from search.responses.unlinked import unlinked_view

    # each with why it was not linked and the reports that came closest (``explain`` kept for old links)
    return respond("unlinked.html", unlinked_view(library()), fmt == "json")
