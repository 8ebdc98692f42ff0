"""What every blueprint shares: the app's library (opened once, kept in
``app.extensions["precedent"]``, closed when the app goes away), the one way a page answers
(its HTML or its JSON twin, from one dict) and the request helpers the pages have in common."""
from __future__ import annotations

import re
import threading
import weakref

from flask import Flask, abort, current_app, jsonify, render_template, request

from index.library import Library, LibraryError, open_library
from index.settings import Settings

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


def int_arg(name: str, default: int, lo: int, hi: int) -> int:
    """A whole-number query argument, clamped to [lo, hi]; 400 when it is not a number."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        v = int(raw)
    except ValueError:
        abort(400, description=f"{name} must be a whole number")
    return max(lo, min(hi, v))


def payload() -> dict:
    """A form post or a JSON body, as one dict; a JSON body that is not an object is a 400."""
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            abort(400, description="the JSON body must be an object")
        return body
    return request.form.to_dict()


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
