"""The web layer: a Flask app whose every page is an HTML view of one dict and, at the same
URL plus ``.json``, that dict as JSON. Rooms are blueprints, one per feature — ``views``
(home, search, documents, drafts), ``themes``, ``ledger`` (commitments, organisations,
cases), ``packs`` (learning packs), ``screens``, ``status`` — whose URLs are the one table in
``webui.routes``; what they share is ``webui.pages`` (the library, answers and errors) and
``webui.args`` (reading arguments, one rule per kind); ``webui.guard`` hardens every request.

Public API: ``create_app`` (the factory ``precedent serve`` and the tests use); ``highlight``
(the template filter that marks query words); ``close_library`` and ``EXTENSION`` (where an app
keeps its library); ``safe_url`` / ``link`` (the only links pages print) and ``heavy_work``
(one heavy request at a time); ``render_blocks`` (a document's text as the page shows it)."""
from __future__ import annotations

import logging
from typing import Any

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from index.library import STORE_ERRORS, damaged
from index.settings import Settings
from search.request import ParamError

from webui import guard, pages
from webui.guard import heavy_work, link, safe_url
from webui.pages import EXTENSION, close_library, highlight
from webui.views import render_blocks

__all__ = ["EXTENSION", "close_library", "create_app", "heavy_work", "highlight", "link", "render_blocks",
           "safe_url"]

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
    guard.install(app)  # before the routes: their <int:...> is guard's converter

    from webui import routes

    routes.register(app)
    app.add_template_filter(highlight)
    app.add_template_filter(pages.whole_sentences)  # an action shortened for a table, never mid-sentence
    app.register_error_handler(HTTPException, pages.error_page)
    app.register_error_handler(ParamError, pages.bad_parameter)  # a failed check is a 400, wherever it fails
    for error in STORE_ERRORS:  # a store found unreadable part-way: what is wrong and how to recover
        app.register_error_handler(error, _damaged)
    app.register_error_handler(Exception, _crash)
    return app


def _damaged(e: Exception):
    """A store that cannot be read (corrupt, truncated, locked): a 503 saying so, logged once per request."""
    where = getattr(current_app.config.get("LIBRARY"), "path", current_app.config.get("LIBRARY"))
    log.error("library store error on %s %s: %s", request.method, request.path, e)
    return pages.error_page(ServiceUnavailable(description=str(damaged(where, e))))


def _crash(e: Exception):
    """Anything unexpected: logged with its traceback, answered in the one error shape."""
    log.exception("unhandled error on %s %s", request.method, request.path)
    return pages.error_page(InternalServerError(description="internal error (logged on the server)"))
