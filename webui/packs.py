"""Learning-pack pages for trainers: the packs, one pack with its cases, adding and removing
cases and concerns (from the "add to pack" menu beside every hit), and exports (Markdown, PDF,
CSV). Their URLs are ``/collections/...`` (public links), with ``/packs/...`` the same pages.
Every page has a ``.json`` twin built from the same dict; a form post lands on the HTML page."""
from __future__ import annotations

from flask import Blueprint, Response, abort, g, redirect, request

from search.packs import to_csv as pack_csv, to_markdown, to_pdf
from search.packs import (
    PackError,
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

from webui.args import arg, body_id, field, payload
from webui.pages import base_url, library, respond, wants_json

bp = Blueprint("packs", __name__)


def _refused(e: PackError):
    abort(e.status, description=str(e))


@bp.app_template_global()
def pack_menu() -> list[dict]:
    """Packs for the "add to pack" menus (newest first), read once per request."""
    if "_pack_menu" not in g:
        g._pack_menu = [{"id": p["id"], "name": p["name"]} for p in list_packs(library())["collections"]]
    return g._pack_menu


def _pack_or_404(pack_id: int) -> dict:
    data = get_pack(library(), pack_id)
    if data is None:
        abort(404, description=f"no pack {pack_id}")
    return data


def packs(fmt: str | None = None):
    """The packs; ``?item_type=&item_id=`` shows which item is being added (by its title)."""
    lib = library()
    if request.method == "POST":
        body = payload()
        try:
            data = create_pack(lib, field(body, "name"), field(body, "purpose") or field(body, "description"))
            if body.get("item_type") and body.get("item_id") not in (None, ""):
                data = add_item(lib, data["id"], field(body, "item_type"), body["item_id"], field(body, "note"))
        except PackError as e:
            _refused(e)
        if wants_json():
            return respond("collection.html", data, True, 201)
        return redirect(f"/collections/{data['id']}", code=303)
    data = list_packs(lib)
    item_type, item_id = arg("item_type"), arg("item_id")
    data["add"] = None
    if item_type or item_id:
        data["add"] = item_label(lib, item_type or "", item_id)
        if data["add"] is None:
            abort(404, description=f"no {item_type or 'item'} {item_id or ''} to add".strip())
    return respond("collections.html", data, fmt == "json")


def pack_add_to(fmt: str | None = None):
    """Add an item to a pack chosen by id (``pack``) or named (``new_pack``: created when no
    pack has that name) — the "add to pack" form beside every hit."""
    lib = library()
    body = payload()
    name = " ".join(field(body, "new_pack").split())
    try:
        if name:
            found = pack_by_name(lib, name)
            pack_id = found["id"] if found and found["name"].lower() == name.lower() else \
                create_pack(lib, name, field(body, "purpose"))["id"]
        elif field(body, "pack").strip():
            pack_id = whole_id(body.get("pack"), "pack")
        else:
            raise PackError("choose a pack or give a new pack a name")
        data = add_item(lib, pack_id, field(body, "item_type"), body.get("item_id"), field(body, "note"))
    except PackError as e:
        _refused(e)
    if wants_json():
        return respond("collection.html", data, True)
    return redirect(f"/collections/{data['id']}", code=303)


def pack(pack_id: int, fmt: str | None = None):
    return respond("collection.html", _pack_or_404(pack_id), fmt == "json")


def pack_add(pack_id: int, fmt: str | None = None):
    body = payload()
    try:
        data = add_item(library(), pack_id, field(body, "item_type"), body.get("item_id"), field(body, "note"))
    except PackError as e:
        _refused(e)
    if wants_json():
        return respond("collection.html", data, True)
    return redirect(f"/collections/{pack_id}", code=303)


def pack_remove(pack_id: int, fmt: str | None = None):
    body = payload()
    try:
        data = remove_item(library(), pack_id, item_type=field(body, "item_type") or None,
                           item_id=body_id(body, "item_id"), entry_id=body_id(body, "entry_id"))
    except PackError as e:
        _refused(e)
    if wants_json():
        return respond("collection.html", data, True)
    return redirect(f"/collections/{pack_id}", code=303)


def pack_delete(pack_id: int, fmt: str | None = None):
    if not delete_pack(library(), pack_id):
        abort(404, description=f"no pack {pack_id}")
    if wants_json():
        return respond("collections.html", {"deleted": pack_id}, True)
    return redirect("/collections", code=303)


def pack_export(pack_id: int, ext: str):
    """Markdown, PDF or CSV; links into the library only from the configured base URL."""
    if ext not in ("md", "pdf", "csv"):
        abort(404, description=f"no export format {ext} (md, pdf or csv)")
    data = _pack_or_404(pack_id)
    base = base_url()
    name = "".join(ch if ch.isalnum() else "-" for ch in data["name"].lower()).strip("-")[:60] or f"pack-{pack_id}"
    if ext == "md":
        body, mime = to_markdown(data, base), "text/markdown"
    elif ext == "csv":
        body, mime = pack_csv(data, base), "text/csv"
    else:
        body, mime = to_pdf(data, base), "application/pdf"
    return Response(body, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"'})
