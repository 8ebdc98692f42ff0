"""What every blueprint shares: the app's library (opened once, kept in
``app.extensions["precedent"]``, closed when the app goes away), the one way a page answers
(its HTML or its JSON twin, from one dict), the one way an error answers (``error_page``:
the JSON error shape or the error page) and the text filters the templates share. Reading
the request's arguments is ``webui.args``."""
from __future__ import annotations

import re
import threading
import weakref

from flask import Flask, abort, current_app, jsonify, render_template, request
from markupsafe import Markup, escape
from werkzeug.exceptions import BadRequest, HTTPException

from index.library import Library, LibraryError, open_library
from index.settings import Settings
from search.packs import clean_base_url
from search.request import ParamError

EXTENSION = "precedent"


class AppState:
    """Per app: its settings and its library. A library the app opened itself (from a path)
    is closed with the app; one handed in open (``LIBRARY=<Library>``) belongs to the caller."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.library: Library | None = None
        self.owned = False
        self.lock = threading.Lock()

    def close(self) -> None:
        with self.lock:
            if self.owned and self.library is not None:
                self.library.close()
            self.library, self.owned = None, False


def init_app(app: Flask, settings: Settings) -> AppState:
    """Attach the state; its library's SQLite connection is closed when the app is garbage
    collected or the process exits (the library is shared by every request, so not per request)."""
    state = AppState(settings)
    app.extensions[EXTENSION] = state
    weakref.finalize(app, state.close)
    return state


def close_library(app: Flask) -> None:
    """Close the library the app opened (the next request opens it again)."""
    app.extensions[EXTENSION].close()


def library() -> Library:
    """The app's library, opened once (the model stays loaded between requests)."""
    state: AppState = current_app.extensions[EXTENSION]
    if state.library is None:
        with state.lock:
            if state.library is None:
                configured = current_app.config["LIBRARY"]
                if isinstance(configured, Library):
                    state.library = configured
                else:
                    try:
                        lib = open_library(configured, model=current_app.config.get("MODEL"), create=False)
                    except LibraryError as e:
                        abort(503, description=str(e))
                    state.library, state.owned = lib, True
    return state.library


def respond(template: str, data: dict, as_json: bool, status: int = 200):
    """The page: ``data`` rendered by ``template``, or ``data`` itself as its JSON twin."""
    if as_json:
        return jsonify(data), status
    return render_template(template, data=data), status


def base_url() -> str:
    """Where this library is published, for links in exports: the app's ``BASE_URL`` or
    ``$PRECEDENT_BASE_URL`` through the settings (http(s) only). Never the request's Host
    header; "" when unset."""
    return clean_base_url(current_app.config.get("BASE_URL") or "")


def wants_json() -> bool:
    """Whether the answer should be JSON: a ``.json`` URL, a JSON body, or a client that
    prefers JSON (``Accept: application/json``)."""
    return request.path.endswith(".json") or request.is_json or \
        request.accept_mimetypes.best == "application/json"


def error_body(status: int, message: str) -> dict:
    """The one JSON error shape used everywhere."""
    return {"error": {"status": status, "message": message}}


def error_page(e: HTTPException):
    """The answer to any error: ``error_body`` as JSON when JSON is wanted, else the error page."""
    status = e.code or 500
    message = e.description or e.name
    if wants_json():
        return jsonify(error_body(status, message)), status
    return render_template("error.html", status=status, message=message), status


def bad_parameter(e: ParamError):
    """A parameter that failed its check (``search.request``): a 400 naming the problem."""
    return error_page(BadRequest(description=str(e)))


_SENTENCE_END = re.compile(r"[.!?][)\"'’”]?(?=\s+[(\"'‘“]?[A-Z0-9])")


def whole_sentences(text: str | None, limit: int = 400) -> str:
    """``text`` shortened for a table cell, never mid-sentence: whole when it is no longer than
    ``limit``, else up to the end of the sentence that crosses ``limit``, then " […]" (the
    document page and the JSON twin hold the whole text)."""
    text = text or ""
    if len(text) <= limit:
        return text
    m = _SENTENCE_END.search(text, limit)
    if m is None or len(text) - m.end() < 40:
        return text  # the rest is the sentence's end, or a few words: show it all
    return text[:m.end()] + " […]"


def highlight(text: str, spans: list[list[int]] | None) -> Markup:
    """Escape ``text`` (documents carry HTML) and wrap ``spans`` in <mark>."""
    out, pos = [], 0
    for s, e in spans or []:
        if s < pos:
            continue
        out.append(escape(text[pos:s]))
        out.append(Markup("<mark>") + escape(text[s:e]) + Markup("</mark>"))
        pos = e
    out.append(escape(text[pos:]))
    return Markup("").join(out)
