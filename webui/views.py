"""Search and document pages. Every page is ``render(template, data)`` where ``data``
is exactly what the ``.json`` twin returns."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from search.documents import get_document
from search.query import FILTER_KEYS
from search.request import MAX_DRAFT_CHARS, SearchRequest, add_case_urls, bound_query, check_text

from webui.args import id_arg, page_arg
from webui.guard import heavy_work, no_token
from webui.pages import library, respond

bp = Blueprint("main", __name__)

#: results a draft's concern may show (the search page shows up to ``search.query.MAX_PER_PAGE``)
MAX_DRAFT_K = 20


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


def search_page(fmt: str | None = None):
    """One page of results for ``?q=`` with its filters and facets (``search.request.SearchRequest``)."""
    lib = library()
    req = SearchRequest.from_args(request.args).check(lib)
    data = req.run(lib)  # each result links to its case page
    data["library"] = {"documents": lib.store.count("documents"), "passages": lib.store.count("passages"),
                       "findings": lib.store.count("findings")}
    if req.notice:
        data["notice"] = " ".join(x for x in (data.get("notice"), req.notice) if x)
    if fmt == "json":
        return respond("search.html", data, True)
    args = {**request.args.to_dict(), "q": req.q}
    if req.year:  # links and "remove filter" badges carry the dates the year stands for
        args.pop("year")
        args.update(date_from=req.date_from, date_to=req.date_to)
    return render_template("search.html", data=data, args=args, filter_keys=FILTER_KEYS)


def documents(fmt: str | None = None):
    """The library, newest first, filtered by type, date and area, in pages."""
    from search.browse import browse_documents

    limit = page_arg("limit", 50, 1, 1000)
    offset = page_arg("offset", 0, 0, 10**9)
    args = {k: request.args.get(k, "").strip() or None for k in ("type", "date_from", "date_to", "area", "q")}
    try:
        data = browse_documents(library(), limit=limit, offset=offset, **args)
    except ValueError as e:
        abort(400, description=str(e))
    data["args"] = {k: v for k, v in args.items() if v}
    return respond("documents.html", data, fmt == "json")


def document(doc_id: int, fmt: str | None = None):
    data = get_document(library(), doc_id) if doc_id <= 2**63 - 1 else None
    if data is None:
        abort(404, description=f"no document {doc_id}")
    from search.sources import source_display

    if data.get("type") == "pfd_response" or data.get("responds_to"):
        from search.responses import response_view  # who responded, each action and the concerns it answers

        view = response_view(library(), doc_id)
        data.update(respondent=view.get("respondent"), actions=view.get("actions", []))
    src = source_display(data.get("source"), data.get("meta"))
    data.update(source=src["url"] or src["name"], source_url=src["url"], source_name=src["name"],
                case_url=f"/cases/{doc_id}")
    passage = id_arg("passage")  # the passage the page marks
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


@no_token
def precedents_page(fmt: str | None = None):
    """Paste a draft or upload one (PDF/DOCX/text): precedents for each of its concerns."""
    from corpus.records import ReadError
    from search.draft import document_from_upload, precedents, precedents_for_text

    if request.method == "GET":
        return render_template("precedents.html", data=None)
    lib = library()
    req = SearchRequest.from_args(request.args, per_page=5, max_per_page=MAX_DRAFT_K).check(lib)
    search = {"k": req.per_page, "mode": req.mode, "filters": req.filters}
    body = request.get_json(silent=True) or {}
    upload = request.files.get("file")
    draft = str(body.get("text") or request.form.get("text") or "")
    try:
        with heavy_work("draft"):
            if upload and upload.filename:
                data = precedents(lib, document_from_upload(upload.read(), upload.filename), **search)
            else:
                data = precedents_for_text(lib, check_text(draft, "text", MAX_DRAFT_CHARS), **search)
    except ReadError as e:
        abort(400, description=str(e))
    from urllib.parse import urlencode

    for c in data.get("concerns") or []:  # each hit's case page, and every result for the concern
        add_case_urls(c)
        c["search_url"] = "/search?" + urlencode({"q": bound_query(" ".join(c["text"].split()))[0]})
    if fmt == "json":
        return respond("precedents.html", data, True)
    return render_template("precedents.html", data=data, draft=draft)  # the box keeps the draft


def unlinked(fmt: str | None = None):
    """Responses Precedent could not tie to a report with confidence: listed, never guessed."""
    from search.responses import unlinked_view

    # each with why it was not linked and the reports that came closest (``explain`` kept for old links)
    return respond("unlinked.html", unlinked_view(library()), fmt == "json")
