"""Follow-up pages: the follows (``/follows``), one follow with what is new since it was made
(``/follows/<id>``, its JSON twin and its Atom feed ``/follows/<id>.atom``), following a search or
an organisation (a form post from the search page and the organisation page), checking and
stopping. Reading a follow's page or feed first stores anything new (without moving the CLI's
"since last check"), so a feed reader polling the feed sees new documents as they arrive."""
from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, request

from search.follow import (FollowError, check_follows, follow_organisation, follow_search, get_follow, list_follows,
                           to_atom, unfollow)
from search.query import FILTER_KEYS

from webui.args import field, payload
from webui.pages import base_url, library, respond, wants_json

bp = Blueprint("follows", __name__)


def _refused(e: FollowError):
    abort(e.status, description=str(e))


def follows(fmt: str | None = None):
    """The follows; a post follows a search (``q`` and its filters) or an organisation (``organisation``)."""
    lib = library()
    if request.method == "POST":
        body = payload()
        try:
            if field(body, "organisation").strip():
                data = follow_organisation(lib, field(body, "organisation"))
            else:
                data = follow_search(lib, field(body, "q"), {k: field(body, k) for k in FILTER_KEYS if field(body, k)})
        except FollowError as e:
            _refused(e)
        if wants_json():
            return respond("follow.html", data, True, 201)
        return redirect(f"/follows/{data['id']}", code=303)
    return respond("follows.html", list_follows(lib), fmt == "json")


def follow(follow_id: int, fmt: str | None = None):
    """One follow: what is new since it was made (checked now), as a page, JSON or an Atom feed."""
    lib = library()
    try:
        check_follows(lib, follow_id, record_only=True)
        data = get_follow(lib, follow_id)
    except FollowError as e:
        _refused(e)
    if fmt == "atom":
        return Response(to_atom(data, base_url()), mimetype="application/atom+xml")
    return respond("follow.html", data, fmt == "json")


def follow_check(follow_id: int, fmt: str | None = None):
    """Check now: what is new since the last check."""
    try:
        data = check_follows(library(), follow_id)
    except FollowError as e:
        _refused(e)
    if wants_json():
        return respond("follow.html", data, True)
    return redirect(f"/follows/{follow_id}", code=303)


def follow_delete(follow_id: int, fmt: str | None = None):
    try:
        data = unfollow(library(), follow_id)
    except FollowError as e:
        _refused(e)
    if wants_json():
        return respond("follows.html", data, True)
    return redirect("/follows", code=303)
