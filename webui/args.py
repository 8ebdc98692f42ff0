"""Reading a request's arguments: the query string, a form or JSON body, and ids in URLs. One
rule per kind of argument, whichever page reads it:

- **text** (``arg``): stripped; absent or empty is ``None``.
- **paging numbers** (``page_arg``: page, per_page / k, limit, offset of a listing): clamped
  into their range — a page past the end is the last one; not a whole number is a 400.
- **other numbers** (``number_arg``; ``search.request.check_int`` for a body's: how many
  documents a screen proposes or lists, a split into k themes): refused outside their range
  with a 400, since a silently changed count would mislead.
- **ids** (``id_arg``; ``search.request.check_id`` for a body's): a whole number from 1 to
  2**63-1, else a 400.
- **a value from a list** (``choice_arg``): absent or empty is the default; anything else not
  in the list is a 400 naming the allowed values.
- **yes/no** (``yes_no_arg``): yes/true/1/on/y or no/false/0/off/n; empty, "any" or "all" is
  ``None``; anything else is a 400.
- **a body** (``payload``): a form or a JSON object, as one dict; a JSON body that is not an
  object is a 400. ``field`` reads one of its values as text (a list or object is a 400);
  ``body_id`` one of its ids; ``required_field`` refuses an empty one or one over its length limit.
- **ids in URLs** (``IdConverter``, the ``<int:...>`` of every route): digits only, at most
  64 bits; anything else is a 404 (no such page).

The checks themselves are the search layer's (``search.request``): they raise ``ParamError``,
which the app answers as a 400 in its one error shape (``webui.pages.error_page``)."""
from __future__ import annotations

from typing import Any, Iterable

from flask import abort, request
from werkzeug.routing import IntegerConverter, ValidationError

from search.request import MAX_ID, ParamError, check_choice, check_id, check_int, check_text, clamp_int


def arg(name: str) -> str | None:
    """A text argument of the query string, stripped; ``None`` when absent or empty."""
    v = request.args.get(name, "").strip()
    return v or None


def page_arg(name: str, default: int, lo: int, hi: int) -> int:
    """A paging number of the query string, clamped to [lo, hi]; 400 when it is not a number."""
    return clamp_int(request.args.get(name), name, default, lo, hi)


def number_arg(name: str, default: int, lo: int, hi: int) -> int:
    """A whole number of the query string from ``lo`` to ``hi``; 400 outside it."""
    raw = request.args.get(name)
    if raw in (None, ""):
        return default
    return check_int(raw, name, lo, hi)


def id_arg(name: str) -> int | None:
    """An id in the query string (``None`` when absent or empty)."""
    return check_id(v, name) if (v := arg(name)) else None


def choice_arg(name: str, allowed: Iterable[str], default: str | None = None) -> str | None:
    """One of ``allowed`` from the query string (``default`` when absent or empty)."""
    return check_choice(v, name, allowed) if (v := arg(name)) else default


def yes_no_arg(name: str) -> bool | None:
    """A yes/no argument of the query string; ``None`` (either) when empty, "any" or "all"."""
    v = (request.args.get(name) or "").strip().lower()
    if v in ("", "any", "all"):
        return None
    if v in ("1", "true", "yes", "on", "y"):
        return True
    if v in ("0", "false", "no", "off", "n"):
        return False
    raise ParamError(f"{name} must be yes or no")


def payload() -> dict:
    """A form post or a JSON body, as one dict; a JSON body that is not an object is a 400."""
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            abort(400, description="the JSON body must be an object")
        return body
    return request.form.to_dict()


def field(body: dict, name: str) -> str:
    """A value of a body as text ("" when absent); a list or an object (a JSON body's) is a 400."""
    v = body.get(name)
    if isinstance(v, (list, dict)):
        raise ParamError(f"{name} must be text, not a list or an object")
    return "" if v is None else str(v)


def body_id(body: dict, name: str) -> int | None:
    """An id in a body (``None`` when absent or empty): a whole number from 1 to 2**63-1 written
    in digits 0-9 (JSON: an integer, or a float with no fraction), else a 400."""
    v = body.get(name)
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    return check_id(v, name)


def required_field(name: str, limit: int) -> str:
    """A text field of this request's body (JSON or form), stripped, at most ``limit``
    characters; 400 when empty."""
    v = field(payload(), name).strip()
    if not v:
        raise ParamError(f"{name} is required")
    return check_text(v, name, limit)


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: digits only, at most 64 bits. A larger id is a 404
    (no such page), never an overflow inside SQLite."""

    regex = r"[0-9]+"  # ASCII digits: werkzeug's \d also matches "١٢" (and int() reads them)

    def to_python(self, value: str) -> Any:
        v = super().to_python(value)
        if v > MAX_ID:
            raise ValidationError()
        return v
