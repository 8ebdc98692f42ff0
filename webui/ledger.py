"""Pages for policy writers and trainers: the commitments ledger, organisations, case pages
and learning packs (collections). Every page has a ``.json`` twin built from the same dict;
errors use the app's one JSON error shape."""
from __future__ import annotations


from flask import Blueprint, Response, abort, current_app, redirect, request

from search.cases.story import case_story
from search.ledger.commitments import list_commitments, to_csv as commitments_csv
from search.packs.export import clean_base_url, to_csv as pack_csv, to_markdown, to_pdf
from search.packs.packs import (
    CollectionError,
    add_item,
    create_pack,
    delete_pack,
    get_pack,
    item_label,
    list_packs,
    pack_by_name,
    remove_item,
    whole_id,
)
from search.cases.cases import get_case
from search.ledger.organisations import get_organisation, list_organisations

from webui.params import MAX_LABEL_CHARS, MAX_NOTE_CHARS, id_param, text_param
from webui.pages import int_arg, library, payload, respond

bp = Blueprint("ledger", __name__)

ORG_TYPES = ("police", "nhs_trust", "nhs_national", "local_authority", "government", "regulator",
             "prison_probation", "care_provider", "other")
ORG_SORTS = ("reports", "responses", "responses_overdue", "commitments", "commitments_overdue", "name")


def _arg(name: str) -> str | None:
    v = request.args.get(name, "").strip()
    return v or None


def _bool_arg(name: str) -> bool | None:
    v = (request.args.get(name) or "").strip().lower()
    if v in ("", "any", "all"):
        return None
    if v in ("1", "true", "yes", "on", "y"):
        return True
    if v in ("0", "false", "no", "off", "n"):
        return False
    abort(400, description=f"{name} must be yes or no")


def base_url() -> str:
    """Where this library is published, for links in exports: the app's ``BASE_URL`` or
    ``$PRECEDENT_BASE_URL`` through the settings (http(s) only). Never the request's Host header; "" when unset."""
    return clean_base_url(current_app.config.get("BASE_URL") or "")


def _bad_value(e: ValueError):
    abort(400, description=str(e))


# ------------------------------------------------------------------ commitments


@bp.route("/commitments", defaults={"fmt": None})
@bp.route("/commitments.json", defaults={"fmt": "json"})
@bp.route("/commitments.csv", defaults={"fmt": "csv"})
def commitments(fmt: str | None = None):
    limit = int_arg("limit", 200, 1, 100_000) if fmt != "csv" else None
    offset = int_arg("offset", 0, 0, 10**9)
    try:
        data = list_commitments(
            library(), owner=_arg("owner"), status=_arg("status"), overdue=_bool_arg("overdue"),
            as_of=_arg("as_of"), due_from=_arg("due_from"), due_to=_arg("due_to"), q=_arg("q"), kind=_arg("kind"),
            limit=limit, offset=offset if fmt != "csv" else 0)
    except ValueError as e:
        _bad_value(e)
    if fmt == "csv":
        base = base_url()
        rows = [{**r, "link": base + r["link"]} for r in data["commitments"]] if base else data["commitments"]
        return Response(commitments_csv(rows), mimetype="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="commitments.csv"'})
    data["args"] = {k: v for k, v in request.args.items() if v and k not in ("offset",)}
    return respond("commitments.html", data, fmt == "json")


# ------------------------------------------------------------------ organisations


@bp.route("/organisations", defaults={"fmt": None})
@bp.route("/organisations.json", defaults={"fmt": "json"})
def organisations(fmt: str | None = None):
    otype = _arg("type")
    if otype and otype not in ORG_TYPES:
        abort(400, description="type must be one of " + ", ".join(ORG_TYPES))
    sort = _arg("sort") or "reports"
    if sort not in ORG_SORTS:  # an unknown order was silently the default one
        abort(400, description="sort must be one of " + ", ".join(ORG_SORTS))
    limit = int_arg("limit", 200, 1, 100_000)
    offset = int_arg("offset", 0, 0, 10**9)
    try:
        data = list_organisations(library(), as_of=_arg("as_of"), q=_arg("q"), type=otype, limit=limit,
                                  offset=offset, sort=sort)
    except ValueError as e:
        _bad_value(e)
    data["types"] = list(ORG_TYPES)
    return respond("organisations.html", data, fmt == "json")


@bp.route("/organisations/<key>", defaults={"fmt": None})
@bp.route("/organisations/<key>.json", defaults={"fmt": "json"})
def organisation(key: str, fmt: str | None = None):
    if key.endswith(".json"):  # "/organisations/x.json" when the key itself has a dot
        key, fmt = key[:-5], "json"
    try:
        data = get_organisation(library(), key, as_of=_arg("as_of"))
    except ValueError as e:
        _bad_value(e)
    if data is None:
        abort(404, description=f"no organisation {key}")
    return respond("organisation.html", data, fmt == "json")


# ------------------------------------------------------------------ cases


@bp.route("/cases/<int:doc_id>", defaults={"fmt": None})
@bp.route("/cases/<int:doc_id>.json", defaults={"fmt": "json"})
def case(doc_id: int, fmt: str | None = None):
    try:
        data = get_case(library(), doc_id, as_of=_arg("as_of")) if doc_id <= 2**63 - 1 else None
    except ValueError as e:
        _bad_value(e)
    if data is None:
        abort(404, description=f"no document {doc_id}")
    story = case_story(library(), data["id"], as_of=data.get("as_of"))
    data["story"] = {"document": story["document"], "account": story["account"], "outcome": story["outcome"]} \
        if story else None
    return respond("case.html", data, fmt == "json")


# ------------------------------------------------------------------ learning packs (collections)


def _wants_json(fmt: str | None) -> bool:
    return fmt == "json" or request.is_json or request.accept_mimetypes.best == "application/json"


def _collection_error(e: CollectionError):
    abort(e.status, description=str(e))


def _text(body: dict, name: str) -> str:
    v = body.get(name)
    return "" if v is None else str(v)


@bp.app_template_global()
def pack_menu() -> list[dict]:
    """Packs for the "add to pack" menus (newest first), read once per request."""
    from flask import g

    if "_pack_menu" not in g:
        g._pack_menu = [{"id": p["id"], "name": p["name"]} for p in list_packs(library())["collections"]]
    return g._pack_menu


def _pack_or_404(cid: int) -> dict:
    data = get_pack(library(), cid)
    if data is None:
        abort(404, description=f"no pack {cid}")
    return data


@bp.route("/collections", methods=["GET", "POST"], defaults={"fmt": None})
@bp.route("/collections.json", methods=["GET", "POST"], defaults={"fmt": "json"})
def collections(fmt: str | None = None):
    """The packs; ``?item_type=&item_id=`` shows which item is being added (by its title)."""
    lib = library()
    if request.method == "POST":
        body = payload()
        try:
            coll = create_pack(lib, _text(body, "name"), _text(body, "purpose") or _text(body, "description"))
            if body.get("item_type") and body.get("item_id") not in (None, ""):
                coll = add_item(lib, coll["id"], _text(body, "item_type"), body["item_id"], _text(body, "note"))
        except CollectionError as e:
            _collection_error(e)
        if _wants_json(fmt):
            return respond("collection.html", coll, True, 201)
        return redirect(f"/collections/{coll['id']}", code=303)
    data = list_packs(lib)
    item_type, item_id = _arg("item_type"), _arg("item_id")
    data["add"] = None
    if item_type or item_id:
        data["add"] = item_label(lib, item_type or "", item_id)
        if data["add"] is None:
            abort(404, description=f"no {item_type or 'item'} {item_id or ''} to add".strip())
    return respond("collections.html", data, fmt == "json")


@bp.route("/collections/add", methods=["POST"], defaults={"fmt": None})
@bp.route("/collections/add.json", methods=["POST"], defaults={"fmt": "json"})
def collection_add_to(fmt: str | None = None):
    """Add an item to a pack chosen by id (``pack``) or named (``new_pack``: created when no
    pack has that name) — the "add to pack" form beside every hit."""
    lib = library()
    body = payload()
    name = " ".join(_text(body, "new_pack").split())
    try:
        if name:
            found = pack_by_name(lib, name)
            pack_id = found["id"] if found and found["name"].lower() == name.lower() else \
                create_pack(lib, name, _text(body, "purpose"))["id"]
        elif _text(body, "pack").strip():
            pack_id = whole_id(body.get("pack"), "pack")
        else:
            raise CollectionError("choose a pack or give a new pack a name")
        coll = add_item(lib, pack_id, _text(body, "item_type"), body.get("item_id"), _text(body, "note"))
    except CollectionError as e:
        _collection_error(e)
    if _wants_json(fmt):
        return respond("collection.html", coll, True)
    return redirect(f"/collections/{coll['id']}", code=303)


@bp.route("/collections/<int:cid>", defaults={"fmt": None})
@bp.route("/collections/<int:cid>.json", defaults={"fmt": "json"})
def collection(cid: int, fmt: str | None = None):
    return respond("collection.html", _pack_or_404(cid), fmt == "json")


@bp.route("/collections/<int:cid>/items", methods=["POST"], defaults={"fmt": None})
@bp.route("/collections/<int:cid>/items.json", methods=["POST"], defaults={"fmt": "json"})
def collection_add(cid: int, fmt: str | None = None):
    body = payload()
    try:
        coll = add_item(library(), cid, _text(body, "item_type"), body.get("item_id"), _text(body, "note"))
    except CollectionError as e:
        _collection_error(e)
    if _wants_json(fmt):
        return respond("collection.html", coll, True)
    return redirect(f"/collections/{cid}", code=303)


@bp.route("/collections/<int:cid>/remove", methods=["POST"], defaults={"fmt": None})
@bp.route("/collections/<int:cid>/remove.json", methods=["POST"], defaults={"fmt": "json"})
def collection_remove(cid: int, fmt: str | None = None):
    body = payload()
    try:
        entry = body.get("entry_id")
        coll = remove_item(library(), cid, item_type=body.get("item_type"), item_id=body.get("item_id"),
                           entry_id=entry if entry not in (None, "") else None)
    except CollectionError as e:
        _collection_error(e)
    if _wants_json(fmt):
        return respond("collection.html", coll, True)
    return redirect(f"/collections/{cid}", code=303)


@bp.route("/collections/<int:cid>/delete", methods=["POST"], defaults={"fmt": None})
@bp.route("/collections/<int:cid>/delete.json", methods=["POST"], defaults={"fmt": "json"})
def collection_delete(cid: int, fmt: str | None = None):
    if not delete_pack(library(), cid):
        abort(404, description=f"no pack {cid}")
    if _wants_json(fmt):
        return respond("collections.html", {"deleted": cid}, True)
    return redirect("/collections", code=303)


@bp.route("/collections/<int:cid>/export.<ext>")
def collection_export(cid: int, ext: str):
    """Markdown, PDF or CSV; links into the library only from the configured base URL."""
    if ext not in ("md", "pdf", "csv"):
        abort(404, description=f"no export format {ext} (md, pdf or csv)")
    coll = _pack_or_404(cid)
    base = base_url()
    name = "".join(ch if ch.isalnum() else "-" for ch in coll["name"].lower()).strip("-")[:60] or f"pack-{cid}"
    if ext == "md":
        body, mime = to_markdown(coll, base), "text/markdown"
    elif ext == "csv":
        body, mime = pack_csv(coll, base), "text/csv"
    else:
        body, mime = to_pdf(coll, base), "application/pdf"
    return Response(body, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"'})
