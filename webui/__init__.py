"""Flask app factory: HTML pages and their JSON twins, built from the same dicts."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, jsonify, request
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from webui import guard, pages
from index.settings import Settings

log = logging.getLogger(__name__)


def create_app(test_config: dict[str, Any] | None = None, settings: Settings | None = None) -> Flask:
    """``LIBRARY`` is a path or an open ``index.library.Library``; ``MODEL`` optional.
    ``settings`` (default: ``Settings.from_env()``) gives the defaults ``test_config`` may override."""
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.from_mapping(
        LIBRARY=str(settings.library),
        BASE_URL=settings.base_url,
        MODEL=None,
        JSON_SORT_KEYS=False,
    )
    guard.configure(app, test_config, settings)
    pages.init_app(app, settings)
    if test_config:
        app.config.update(test_config)
    app.json.sort_keys = False
    guard.install(app)

    from webui import views

    app.register_blueprint(views.bp)
    from webui import theme_pages as themes

    app.register_blueprint(themes.bp)
    from webui import ledger
    app.register_blueprint(ledger.bp)
    from webui import screens
    app.register_blueprint(screens.bp)
    from webui import status
    app.register_blueprint(status.bp)
    app.add_template_filter(highlight)
    from webui.pages import whole_sentences
    app.add_template_filter(whole_sentences)  # an action shortened for a table, never mid-sentence
    app.register_error_handler(HTTPException, _error)
    app.register_error_handler(Exception, _crash)
    return app


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


def error_body(status: int, message: str) -> dict:
    """The one JSON error shape used everywhere."""
    return {"error": {"status": status, "message": message}}


def _error(e: HTTPException):
    from flask import render_template

    status = e.code or 500
    if request.path.endswith(".json") or request.is_json or request.accept_mimetypes.best == "application/json":
        return jsonify(error_body(status, e.description or e.name)), status
    return render_template("error.html", status=status, message=e.description or e.name), status


def _crash(e: Exception):
    """Anything unexpected: logged with its traceback, answered in the one error shape."""
    from werkzeug.exceptions import InternalServerError

    log.exception("unhandled error on %s %s", request.method, request.path)
    return _error(InternalServerError(description="internal error (logged on the server)"))
