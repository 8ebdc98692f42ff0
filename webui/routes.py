"""The one route table: every URL the app answers, the view that answers it and its methods,
room by room (one blueprint per room).

One rule gives every page its JSON twin, as datasette's ``(\\.json)?$`` does: a row for ``/x``
registers ``/x`` (the view gets ``fmt=None``: the HTML page) and ``/x.json`` (``fmt="json"``:
the same dict as JSON; ``/`` has ``/.json``). A row may name other formats (``/commitments.csv``),
give its twin other methods (``/precedents.json`` is POST only), or have no twin at all (a
download, or a URL that is JSON already). The learning packs answer at ``/collections/...``
(their public links) and at ``/packs/...``: the same rows under both names.

The table is applied to the blueprints once, when this module is imported; ``register``
registers the blueprints on an app."""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from flask import Blueprint, Flask

from webui import follows, ledger, packs, screens, status, themes, views

GET = ("GET",)
POST = ("POST",)
GET_POST = ("GET", "POST")


@dataclass(frozen=True)
class Route:
    """``path`` answered by ``view`` for ``methods``; ``formats`` are its twins (``path.<format>``,
    the view gets ``fmt=<format>``), with ``twin_methods`` when they differ from the page's."""

    path: str
    view: Callable
    methods: tuple[str, ...] = GET
    formats: tuple[str, ...] = ("json",)
    twin_methods: tuple[str, ...] | None = None

    def rules(self) -> list[tuple[str, dict, tuple[str, ...]]]:
        """``(rule, defaults, methods)`` for the page and each of its twins."""
        out = [(self.path, {"fmt": None} if self.formats else {}, self.methods)]
        for fmt in self.formats:
            out.append((f"{self.path}.{fmt}", {"fmt": fmt}, self.twin_methods or self.methods))
        return out


NO_TWIN: tuple[str, ...] = ()

PACK_ROUTES = (
    Route("/collections", packs.packs, GET_POST),
    Route("/collections/add", packs.pack_add_to, POST),
    Route("/collections/<int:pack_id>", packs.pack),
    Route("/collections/<int:pack_id>/items", packs.pack_add, POST),
    Route("/collections/<int:pack_id>/remove", packs.pack_remove, POST),
    Route("/collections/<int:pack_id>/delete", packs.pack_delete, POST),
    Route("/collections/<int:pack_id>/export.<ext>", packs.pack_export, formats=NO_TWIN),  # md, pdf, csv
)

ROUTES: dict[Blueprint, tuple[Route, ...]] = {
    views.bp: (
        Route("/", views.index),
        Route("/search", views.search_page),
        Route("/documents", views.documents),
        Route("/documents/<int:doc_id>", views.document),
        Route("/precedents", views.precedents_page, GET_POST, twin_methods=POST),
        Route("/responses/unlinked", views.unlinked),
    ),
    themes.bp: (
        Route("/themes", themes.themes),
        Route("/themes/<int:theme_id>", themes.theme),
        Route("/themes/<int:theme_id>/rename", themes.rename, POST),
        Route("/themes/<int:theme_id>/merge", themes.merge, POST),
        Route("/themes/<int:theme_id>/split", themes.split, POST),
    ),
    ledger.bp: (
        Route("/commitments", ledger.commitments, formats=("json", "csv")),
        Route("/organisations", ledger.organisations),
        Route("/organisations/<key>", ledger.organisation),
        Route("/cases/<int:doc_id>", ledger.case),
    ),
    packs.bp: PACK_ROUTES + tuple(replace(r, path=r.path.replace("/collections", "/packs", 1)) for r in PACK_ROUTES),
    screens.bp: (
        Route("/screens", screens.screens, GET_POST),
        Route("/screens/<name>", screens.screen),
        Route("/screens/<name>/next.json", screens.screen_next, formats=NO_TWIN),
        Route("/screens/<name>/judge", screens.screen_judge, POST),
        Route("/screens/<name>/export.<any(csv, json):fmt>", screens.screen_export, formats=NO_TWIN),
        Route("/screens/<name>/pack", screens.screen_pack, POST),
    ),
    status.bp: (
        Route("/status", status.status),
    ),
    follows.bp: (
        Route("/follows", follows.follows, GET_POST),
        Route("/follows/<int:follow_id>", follows.follow, formats=("json", "atom")),
        Route("/follows/<int:follow_id>/check", follows.follow_check, POST),
        Route("/follows/<int:follow_id>/delete", follows.follow_delete, POST),
    ),
}


def _add_rules() -> None:
    for bp, routes in ROUTES.items():
        for route in routes:
            for rule, defaults, methods in route.rules():
                bp.add_url_rule(rule, endpoint=route.view.__name__, view_func=route.view,
                                methods=list(methods), **({"defaults": defaults} if defaults else {}))


_add_rules()


def register(app: Flask) -> None:
    """Every room's blueprint, with its routes, on ``app``."""
    # a URL answers itself: /packs/3 is not redirected to /collections/3, the first rule of its view
    app.url_map.redirect_defaults = False
    for bp in ROUTES:
        app.register_blueprint(bp)
