"""Screen pages: find every document on a topic by judging what the screen proposes.

``/screens`` lists screens and starts one; ``/screens/<name>`` shows whether the person may stop
judging (the stopping rule, ``?target=95&confidence=95`` in per cent), progress, the estimated
recall (and how it was estimated), the documents to judge next with the deceased's age, what
happened and their concerns — each judged with one click — and the ranked documents; the included set exports as CSV or goes
into a learning pack. JSON twins as everywhere, built from the same dict."""
from __future__ import annotations

import re

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request

from search.screening import features as screening_features
from search.screening import (FILTER_KEYS, ScreenError, add_to_pack, create_screen, judge, list_screens,
                                      next_documents, screen_by_name, show_screen, to_csv)

from webui.args import body_id, field, number_arg, payload
from webui.pages import library, wants_json

bp = Blueprint("screens", __name__)

NEXT_N = 10
DEFAULT_LIMIT = 200
MAX_LIMIT = 100_000


def _fail(e: ScreenError):
    abort(e.status, description=str(e))


def screens(fmt: str | None = None):
    lib = library()
    if request.method == "POST":
        body = payload()
        filters = {k: field(body, k) for k in FILTER_KEYS if body.get(k)}
        try:
            data = create_screen(lib, field(body, "name"), field(body, "query"), filters)
        except ScreenError as e:
            _fail(e)
        if wants_json():
            return jsonify(data), 201
        return redirect(f"/screens/{data['name']}")
    data = list_screens(lib)
    if fmt == "json":
        return jsonify(data)
    from search.browse import DOC_TYPES

    return render_template("screens.html", data=data, filter_keys=FILTER_KEYS, doc_types=DOC_TYPES,
                           prefill=_prefill())


def _prefill() -> dict:
    """The new-screen form filled from ``?query=`` (a theme page links here with its name) and
    a name made from it."""
    query = " ".join((request.args.get("query") or "").split())[:2000]
    words = re.findall(r"[a-z0-9]+", query.lower())
    name = "-".join(words)[:60].strip("-")
    return {"query": query, "name": name}


PREPARE_WAIT = 3.0  # seconds a page waits for the features before it says "preparing"


def _preparing(name: str, fmt: str | None):
    """None when the library's screening features are ready (or became ready within a few
    seconds); else the "preparing" answer (202) while they are built in the background."""
    lib = library()
    if screening_features.warm(lib, wait=PREPARE_WAIT):
        return None
    try:
        screen_by_name(lib, name)
    except ScreenError as e:
        _fail(e)
    data = {"name": name, "preparing": True,
            "message": "preparing this library for screening (the first screen on a new or grown library "
                       "reads every document once); this page refreshes itself"}
    if fmt == "json":
        return jsonify(data), 202
    return render_template("screen.html", data=data), 202


def _page_data(name: str) -> dict:
    lib = library()
    limit = number_arg("limit", DEFAULT_LIMIT, 0, MAX_LIMIT)
    n = number_arg("n", NEXT_N, 1, 100)
    target = number_arg("target", 95, 50, 100)  # the recall to reach, in per cent
    confidence = number_arg("confidence", 95, 50, 99)
    try:
        data = show_screen(lib, name, limit=limit or None, target_recall=target / 100, confidence=confidence / 100)
        data["next"] = next_documents(lib, name, n, concerns=True)["documents"]
    except ScreenError as e:
        _fail(e)
    data["limit"] = limit
    return data


def screen(name: str, fmt: str | None = None):
    waiting = _preparing(name, fmt)
    if waiting is not None:
        return waiting
    data = _page_data(name)
    if fmt == "json":
        return jsonify(data)
    return render_template("screen.html", data=data)


def screen_next(name: str):
    waiting = _preparing(name, "json")
    if waiting is not None:
        return waiting
    try:
        return jsonify(next_documents(library(), name, number_arg("n", NEXT_N, 1, 500), concerns=True))
    except ScreenError as e:
        _fail(e)


def screen_judge(name: str, fmt: str | None = None):
    body = payload()
    doc_id = body_id(body, "document_id") if "document_id" in body else body_id(body, "id")
    label = field(body, "label")
    if doc_id is None or not label:
        abort(400, description="document_id and label (yes or no) are required")
    try:
        data = judge(library(), name, doc_id, label, field(body, "note"))
    except ScreenError as e:
        _fail(e)
    if wants_json():
        return jsonify(data)
    return redirect(f"/screens/{name}#next")


def screen_export(name: str, fmt: str):
    """The included set: the CSV and its JSON twin hold the same documents."""
    try:
        data = show_screen(library(), name)
    except ScreenError as e:
        _fail(e)
    docs = [d for d in data["documents"] if d["included"]]
    if fmt == "json":
        keep = ("name", "query", "filters", "judged", "relevant_found", "relevant_found_cases", "included",
                "included_cases", "estimated_included_recall", "estimated_recall", "inclusion_p")
        return jsonify({**{k: data.get(k) for k in keep}, "documents": docs})
    return Response(to_csv(docs), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="screen-{name}.csv"'})


def screen_pack(name: str, fmt: str | None = None):
    body = payload()
    pack_id = body_id(body, "collection_id")  # the pack's id (its public name in the JSON)
    try:
        data = add_to_pack(library(), name, pack_id)
    except ScreenError as e:
        _fail(e)
    if wants_json():
        return jsonify(data)
    return redirect(data["link"])
