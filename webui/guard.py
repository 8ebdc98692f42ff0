"""Request hardening for the app: allowed hosts, cross-site request forgery checks, request
size limits, 64-bit ids in URLs, and links that can only be http(s).

Hosts (every request, whatever the method or route): the ``Host`` header must name one of the
allowed hosts — ``127.0.0.1``, ``localhost``, ``[::1]``, the host ``precedent serve`` binds
(``SERVE_HOST``, unless it is a wildcard such as ``0.0.0.0``) and ``$PRECEDENT_ALLOWED_HOSTS``
(``Settings.allowed_hosts``), on any port. Anything else is a 400 in the JSON error shape,
never a page: a web page on another name that resolves to this machine (DNS rebinding) can
neither read the library nor post to it. (Werkzeug's ``TRUSTED_HOSTS`` is not used: it cannot
name ``[::1]`` and answers with the HTML error page.)

CSRF (every POST, PUT, PATCH and DELETE, whatever the route, so new routes are covered):

1. ``Sec-Fetch-Site`` (sent by current browsers): anything but ``same-origin`` or ``none``
   (typed by the user) is refused with 403 — another site, or another port on this host.
2. Otherwise ``Origin`` (or, without one, ``Referer``), when present, must name an allowed
   host with the port of this request — compared with the allowed hosts, not with the
   request's own ``Host`` header; ``Origin: null`` is refused.
3. A per-session token: ``csrf_token()`` in a template puts a random token in the signed
   session cookie (SameSite=Lax) and returns it; every form carries it as the hidden field
   ``csrf_token`` (or a script sends it as the ``X-CSRF-Token`` header). A form-type body
   (urlencoded, multipart, text/plain — the only bodies another site's page can post) without
   the right token is refused with 403. JSON bodies are exempt from the token: a browser
   cannot send ``application/json`` to another origin without a CORS preflight, which this
   app never grants, and steps 1–2 still apply. A token that is sent is always checked.
   The token is required unless ``CSRF_REQUIRE_TOKEN`` is false (the default under
   ``TESTING``, so unit tests can post forms with Flask's test client; headers still apply)
   or the view is marked ``@no_token`` (a POST that changes nothing, e.g. /precedents).

Refusals use the app's error handler: the JSON error shape for ``.json`` routes, JSON bodies
or ``Accept: application/json``, an HTML error page otherwise."""
from __future__ import annotations

import hmac
import re
import secrets
import threading
from contextlib import contextmanager
from typing import Any, Iterator
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, jsonify, request, session
from markupsafe import Markup, escape

from index.settings import Settings
from search.sources import http_url

from webui.args import IdConverter
from webui.pages import error_body, error_page

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOKEN_FIELD = "csrf_token"
TOKEN_HEADER = "X-CSRF-Token"
_SESSION_KEY = "csrf"
_LOCAL_PATH = re.compile(r"/(?![/\\])[^\s\x00-\x1f\x7f]*")
#: Names every server answers: this machine's loopback addresses.
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
#: Bind addresses that are not a name a browser uses (listen on every interface).
WILDCARD_BINDS = frozenset({"", "0.0.0.0", "::", "*"})
_HOST_PORT = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d{1,5}))?", re.I)


def configure(app: Flask, test_config: dict[str, Any] | None, settings: Settings) -> None:
    """Defaults set before the caller's config (which may override any of them)."""
    mb = settings.max_upload_mb
    app.config.update(
        # A random key per process unless one is configured: sessions (and so form tokens)
        # last until the server restarts; a page opened before that asks to be reloaded.
        SECRET_KEY=settings.secret_key or secrets.token_hex(32),
        SESSION_COOKIE_NAME="precedent_session",
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=int(mb * 1024 * 1024),
        MAX_FORM_MEMORY_SIZE=2 * 1024 * 1024,
    )
    testing = bool((test_config or {}).get("TESTING"))
    app.config["CSRF_REQUIRE_TOKEN"] = not testing
    app.config["ALLOWED_HOSTS"] = tuple(settings.allowed_hosts)
    app.config["SERVE_HOST"] = None


def install(app: Flask) -> None:
    """Call before registering blueprints (the ``int`` converter applies to rules added later)."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_check_request)
    app.add_template_global(csrf_token)
    app.add_template_global(csrf_field)
    app.add_template_filter(safe_url)
    app.add_template_global(safe_url)
    app.add_template_filter(link)
    app.register_error_handler(413, _too_large)


# ------------------------------------------------------------------ CSRF


def csrf_token() -> str:
    """This session's form token (created on first use)."""
    tok = session.get(_SESSION_KEY)
    if not isinstance(tok, str) or len(tok) < 32:
        tok = secrets.token_urlsafe(32)
        session[_SESSION_KEY] = tok
    return tok


def csrf_field() -> Markup:
    """``<input type="hidden" name="csrf_token" value="…">`` for a form."""
    return Markup('<input type="hidden" name="%s" value="%s">') % (TOKEN_FIELD, csrf_token())


def _same_host(origin: str) -> bool:
    """Whether an ``Origin`` (or ``Referer``) names an allowed host, on this request's port."""
    try:
        parts = urlsplit(origin)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False
    theirs, ours = split_host(parts.netloc), split_host(request.headers.get("Host") or request.host)
    if theirs is None or ours is None or theirs[0] not in allowed_hosts():
        return False
    return _default_port(parts.scheme, theirs[1]) == _default_port(request.scheme, ours[1])


# ------------------------------------------------------------------ hosts


def split_host(value: str | None) -> tuple[str, str | None] | None:
    """``(name, port)`` of a ``Host`` header or URL netloc: the name lower-cased, without an
    IPv6 address's brackets or a final dot; the port as written (``None`` when absent).
    ``None`` when it is not a host name (user info, spaces, a bad port…)."""
    m = _HOST_PORT.fullmatch((value or "").strip())
    if not m or (m.group(2) is not None and not 1 <= int(m.group(2)) <= 65535):
        return None
    name = m.group(1).lower().strip("[]").rstrip(".")
    return (name, m.group(2)) if name else None


def allowed_hosts(app: Flask | None = None) -> frozenset[str]:
    """The host names this app answers (see the module's docstring), normalised by ``split_host``."""
    config = (app or current_app).config
    names = list(LOOPBACK_HOSTS) + list(config.get("ALLOWED_HOSTS") or ())
    bound = config.get("SERVE_HOST")
    if bound and str(bound).strip().lower() not in WILDCARD_BINDS:
        names.append(str(bound))
    out = set()
    for n in names:
        n = str(n).strip()
        parsed = split_host(n if not (":" in n and not n.startswith("[") and n.count(":") > 1) else f"[{n}]")
        if parsed:
            out.add(parsed[0])
    return frozenset(out)


def _host_refused():
    """The answer to a Host header this server does not answer for: always the JSON error shape."""
    shown = (request.headers.get("Host") or "")[:80]
    message = (f"this server does not answer for the host {shown!r}; use http://127.0.0.1 or localhost, "
               "or add the name to PRECEDENT_ALLOWED_HOSTS") if shown else "the request names no host"
    return jsonify(error_body(400, message)), 400


def _default_port(scheme: str, port: str | None) -> str | None:
    """A port as compared: ``None`` for the scheme's own (80 for http, 443 for https)."""
    return None if port is None or (scheme, port) in (("http", "80"), ("https", "443")) else port


def _request_host_ok() -> bool:
    parsed = split_host(request.headers.get("Host") or request.host)
    return parsed is not None and parsed[0] in allowed_hosts()


def _check_request():
    if not _request_host_ok():
        return _host_refused()
    if request.content_length is not None and request.content_length > (request.max_content_length or 1 << 62):
        abort(413)
    if request.method not in UNSAFE_METHODS:
        return
    _check_origin()
    _check_token()
    if request.is_json and request.content_length:
        body = request.get_json(silent=True)
        if body is not None and not isinstance(body, dict):
            abort(400, description="the JSON body must be an object")


def _check_origin() -> None:
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site.lower() not in ("same-origin", "none"):
        abort(403, description=f"cross-site request refused (Sec-Fetch-Site: {site[:40]})")
    origin = request.headers.get("Origin")
    if origin is not None and not _same_host(origin):
        abort(403, description=f"cross-origin request refused (Origin: {origin[:80]})")
    referer = request.headers.get("Referer")
    if origin is None and referer and not _same_host(referer):
        abort(403, description=f"cross-origin request refused (Referer: {referer[:80]})")


def no_token(view):
    """Mark a view whose POST changes nothing (a query too big for a URL): it still refuses
    other origins by header, but needs no form token, so scripts can post files to it."""
    view.csrf_no_token = True
    return view


def _check_token() -> None:
    sent = request.headers.get(TOKEN_HEADER)
    if sent is None and not request.is_json:
        sent = request.form.get(TOKEN_FIELD)
    if sent is None and (request.is_json or not current_app.config.get("CSRF_REQUIRE_TOKEN", True)
                         or getattr(current_app.view_functions.get(request.endpoint), "csrf_no_token", False)):
        return
    expected = session.get(_SESSION_KEY)
    good = isinstance(sent, str) and isinstance(expected, str) and hmac.compare_digest(sent.encode(), expected.encode())
    if not good:
        abort(403, description="the form's security token is missing or out of date: reload the page and try again")


# ------------------------------------------------------------------ sizes


def _too_large(e):
    limit = request.max_content_length or 0
    e.description = (f"the request is too large: the limit is {limit / 1024 / 1024:g} MB for a whole request "
                     f"(uploads included) and 2 MB for form text")
    return error_page(e)


# ------------------------------------------------------------------ heavy work

#: Requests that run many searches (a whole draft's concerns) at once, per process. With
#: waitress's 4 threads, the others stay free for ordinary searches.
HEAVY_AT_ONCE = 1
_heavy = threading.BoundedSemaphore(HEAVY_AT_ONCE)


@contextmanager
def heavy_work(what: str) -> Iterator[None]:
    """Run the block only if no other heavy request is running; otherwise answer 503 at once
    (waiting would hold a server thread that ordinary searches need)."""
    if not _heavy.acquire(blocking=False):
        abort(503, description=f"another {what} is being searched right now; try again in a few seconds")
    try:
        yield
    finally:
        _heavy.release()


# ------------------------------------------------------------------ links


def safe_url(url: Any) -> str | None:
    """The URL if a browser may follow it from our pages: an absolute ``http(s)`` URL or a
    path on this site (``/documents/3``); ``None`` for anything else (``javascript:``,
    ``data:``, ``//other.host``, control characters…)."""
    if not isinstance(url, str):
        return None
    u = url.strip()
    if http_url(u) or _LOCAL_PATH.fullmatch(u):
        return u
    return None


def link(url: Any, label: Any = None) -> Markup:
    """An ``<a>`` for a safe URL; the escaped text (label and URL) for anything else."""
    good = safe_url(url)
    text = label if label not in (None, "") else url
    if good:
        return Markup('<a href="%s" rel="noopener noreferrer">%s</a>') % (good, text)
    if url in (None, ""):
        return escape(text or "")
    return escape(f"{label} (not a web link: {url})" if label not in (None, "") else str(url))
