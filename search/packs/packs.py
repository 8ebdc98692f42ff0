"""Learning packs: named sets of cases and concerns, kept in the library, that a trainer can
print and teach from (exports in ``search.packs.export``).

Public functions (the pages, the CLI and other modules call these):

* ``create_pack(lib, name, purpose="")`` -> pack dict; a second pack of the same name is refused
* ``pack_by_name(lib, name_or_id)`` -> pack row dict or None (name first, case-insensitive; then id)
* ``add_document(lib, pack_id, document_id, note="")`` / ``add_finding(lib, pack_id, finding_id, note="")``
  (``add_item(lib, pack_id, item_type, item_id, note="")`` underneath)
* ``get_pack(lib, pack_id)``, ``list_packs(lib)`` (``{"total", "collections"}``, the key the
  JSON has always had), ``remove_item(...)``, ``delete_pack(lib, pack_id)``
* ``item_label(lib, item_type, item_id)`` (what the add form shows), ``whole_id(value, what)``
* ``case_ids(lib, doc_ids)`` (a response counts as the case of the report it answers) and
  ``fill_from_screen(...)`` (the pack a screen makes)
* ``PackError`` (``status``: the HTTP status)

A pack dict holds ``items`` (each entry as added) and ``cases``: the entries grouped by the
case they belong to, each case with what a reader needs without the library — title, date,
area, coroner or review body, recipients, a short account of what happened (quoted from the
report's circumstances or the review's summary), each concern with the actions taken, the
outcome so far and the source's own URL (``search.cases.story``).

Every row is read and written by ``index.packs.PackTable`` (the tables keep their first
names, ``collections`` and ``collection_items``); documents and findings are looked up with
``index.documents``. This module holds the rules: names, limits, what may be added, and how
a pack is shown.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from index.documents import answered_reports, document_titles, finding_with_document
from index.retrieval import finding_documents
from index.library import Library
from index.packs import PackTable

from search.cases import case_story, concern_details
from search.request import ParamError, check_id


ITEM_TYPES = ("finding", "document")
MAX_ID = 2**63 - 1
MAX_NAME = 200
MAX_TEXT = 5000  # purpose and notes


class PackError(ValueError):
    """A request about a pack that cannot be carried out; ``status`` is the HTTP status to
    answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status




def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def whole_id(value: Any, what: str) -> int:
    """A positive whole number that SQLite can hold, or a PackError (400)."""
    if isinstance(value, bool):
        raise PackError(f"{what} must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise PackError(f"{what} must be a whole number")
        value = int(value)
    try:
        n = int(str(value).strip()) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        raise PackError(f"{what} must be a whole number") from None
    if not 1 <= n <= MAX_ID:
        raise PackError(f"{what} is out of range")
    return n


def _pack_row(lib: Library, pack_id: int):
    if not isinstance(pack_id, int) or not 1 <= pack_id <= MAX_ID:
        return None
    return PackTable(lib).get(pack_id)


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise PackError("a pack needs a name")
    if len(name) > MAX_NAME:
        raise PackError(f"a pack name is at most {MAX_NAME} characters")
    return name


def pack_by_name(lib: Library, name_or_id: str | int) -> dict | None:
    """The pack called ``name_or_id`` (case and spacing ignored; the newest if several),
    else the pack with that id."""
    key = " ".join(str(name_or_id).split())
    row = PackTable(lib).named(key)
    if row is None:
        try:
            row = _pack_row(lib, check_id(key))
        except ParamError:
            return None  # neither a pack's name nor an id
    return dict(row) if row else None


def create_pack(lib: Library, name: str, purpose: str = "") -> dict[str, Any]:
    """A new, empty pack; its ``purpose`` opens every export."""
    name = _clean_name(name)
    purpose = (purpose or "").strip()
    if len(purpose) > MAX_TEXT:
        raise PackError(f"a purpose is at most {MAX_TEXT} characters")
    table = PackTable(lib)
    if table.named(name) is not None:
        raise PackError(f"a pack called {name!r} already exists", 409)
    now = _now()
    return get_pack(lib, table.create(name, purpose, now))


def delete_pack(lib: Library, pack_id: int) -> bool:
    """Delete the pack and its entries; False when there is no such pack."""
    if _pack_row(lib, pack_id) is None:
        return False
    PackTable(lib).delete(pack_id)
    return True


def list_packs(lib: Library) -> dict[str, Any]:
    """``{"total", "collections"}``: every pack, the last changed first, with its purpose and
    how many entries and cases it holds."""
    rows = PackTable(lib).all()
    packs = [{**dict(r), "purpose": r["description"], "item_count": r["items"], "case_count": _case_count(lib, r["id"])}
             for r in rows]
    return {"total": len(rows), "collections": packs}


def _case_count(lib: Library, pack_id: int) -> int:
    """How many cases a pack holds, counted as its page counts them (``get_pack``): a response
    and the report it answers are one case, and so are several concerns of one report."""
    docs, found = PackTable(lib).documents_held(pack_id)
    return len(found | set(case_ids(lib, docs).values()))


def _item_type(item_type: str | None) -> str | None:
    """"case" and "doc" are other names of "document"."""
    return "document" if item_type in ("case", "doc") else item_type


def item_label(lib: Library, item_type: str, item_id: Any) -> dict[str, Any] | None:
    """``{"item_type", "item_id", "title", "document_id", "text"}`` of a finding or document
    that could be added to a pack, or None when there is no such item."""
    item_type = _item_type(item_type)
    if item_type not in ITEM_TYPES:
        return None
    try:
        item_id = whole_id(item_id, "item_id")
    except PackError:
        return None
    if item_type == "document":
        title = document_titles(lib, [item_id]).get(item_id)
        return {"item_type": "document", "item_id": item_id, "title": title, "document_id": item_id,
                "text": None} if title is not None else None
    r = finding_with_document(lib, item_id)
    if r is None:
        return None
    return {"item_type": "finding", "item_id": item_id, "title": r["title"], "document_id": r["document_id"],
            "label": r["label"], "text": r["text"]}


def _exists(lib: Library, item_type: str, item_id: int) -> bool:
    if item_type == "finding":
        return item_id in finding_documents(lib.store, [item_id])
    return item_id in document_titles(lib, [item_id])


def add_item(lib: Library, pack_id: int, item_type: str, item_id: Any, note: str = "") -> dict[str, Any]:
    """Add a finding or a case (document); adding it twice keeps one (and updates the note)."""
    item_type = _item_type(item_type)
    if item_type not in ITEM_TYPES:
        raise PackError("item_type must be finding or document")
    item_id = whole_id(item_id, "item_id")
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise PackError(f"a note is at most {MAX_TEXT} characters")
    if _pack_row(lib, pack_id) is None:
        raise PackError(f"no pack {pack_id}", 404)
    if not _exists(lib, item_type, item_id):
        raise PackError(f"no {item_type} {item_id}", 404)
    PackTable(lib).add(pack_id, [(item_type, item_id, note)], _now())
    return get_pack(lib, pack_id)


def add_document(lib: Library, pack_id: int, document_id: int, note: str = "") -> dict[str, Any]:
    """Add a whole case (a document and everything linked to it) to a pack."""
    return add_item(lib, pack_id, "document", document_id, note)


def add_documents(lib: Library, pack_id: int, items: list[tuple[int, str]]) -> int:
    """Add many cases [(document id, note)] in one transaction (``add_item`` rereads the whole
    pack after each add); documents that do not exist are skipped. Returns how many were added."""
    if _pack_row(lib, pack_id) is None:
        raise PackError(f"no pack {pack_id}", 404)
    ids = [whole_id(d, "item_id") for d, _ in items]
    present = document_titles(lib, ids)
    entries = [("document", doc_id, (note or "").strip()[:MAX_TEXT])
               for doc_id, (_, note) in zip(ids, items) if doc_id in present]
    PackTable(lib).add(pack_id, entries, _now())
    return len(entries)


def add_finding(lib: Library, pack_id: int, finding_id: int, note: str = "") -> dict[str, Any]:
    """Add one concern or recommendation (with its case around it) to a pack."""
    return add_item(lib, pack_id, "finding", finding_id, note)


def remove_item(lib: Library, pack_id: int, item_type: str | None = None, item_id: int | None = None,
                entry_id: int | None = None) -> dict[str, Any]:
    """Remove by the entry's own id, or by (item_type, item_id)."""
    if _pack_row(lib, pack_id) is None:
        raise PackError(f"no pack {pack_id}", 404)
    if entry_id is not None:
        gone = PackTable(lib).remove(pack_id, _now(), entry_id=whole_id(entry_id, "entry_id"))
    else:
        gone = PackTable(lib).remove(pack_id, _now(), item=(_item_type(item_type), whole_id(item_id, "item_id")))
    if gone == 0:
        raise PackError("no such item in this pack", 404)
    return get_pack(lib, pack_id)


def document_notes(lib: Library, pack_id: int) -> dict[int, str]:
    """{document id: note} for the pack's whole-document entries."""
    return PackTable(lib).document_notes(pack_id)


def drop_documents(lib: Library, pack_id: int, doc_ids: set[int]) -> int:
    """Remove the pack's whole-document entries for ``doc_ids``; returns how many went."""
    if _pack_row(lib, pack_id) is None:
        raise PackError(f"no pack {pack_id}", 404)
    if not doc_ids:
        return 0
    return PackTable(lib).drop_documents(pack_id, doc_ids, _now())


def _note_prefix(screen_name: str) -> str:
    return f"screen {screen_name}:"


# the notes screens wrote before they named themselves (only read in the screen's own pack)
_OLD_NOTE = re.compile(r"(?:judged relevant|predicted relevant \(p=\d\.\d\d\))")


def _screen_note(screen_name: str, note: str | None, own_pack: bool) -> bool:
    """Whether a pack entry's note was written by this screen (so re-packing may refresh or drop it)."""
    note = note or ""
    return note.startswith(_note_prefix(screen_name)) or (own_pack and bool(_OLD_NOTE.fullmatch(note)))


def _pack_note(screen_name: str, d: dict[str, Any]) -> str:
    """Why a document is in the pack a screen made: judged relevant (with the judge's note), or
    not judged and included at the model's p (which may be well under one half: the included
    set is cut to hold most of the relevant documents, not only the likely ones)."""
    if d["label"] == "yes":
        return f"{_note_prefix(screen_name)} judged relevant" + (f" ({d['note']})" if d.get("note") else "")
    return (f"{_note_prefix(screen_name)} not judged; included with p={d['p']:.2f}, the model's chance that it is relevant"
            + (f" ({d['note']})" if d.get("note") else ""))


def fill_from_screen(lib: Library, screen_name: str, query: str, docs: list[dict[str, Any]],
                     pack_id: int | None = None) -> dict[str, Any]:
    """Put a screen's included documents (search.screening.screens) in a pack: a new one called
    "Screen: NAME" unless ``pack_id`` is given. Each gets a note saying why it is there.
    Packing again refreshes the screen's own entries and removes those it no longer includes;
    a document the trainer added with a note of their own keeps it.
    Returns ``{"collection_id", "added", "removed"}`` (the key is the pack's id under the name
    the screen's JSON and its link ``/collections/<id>`` have always used)."""
    own = pack_by_name(lib, f"Screen: {screen_name}")
    if pack_id is None:
        pack_id = (own or create_pack(lib, f"Screen: {screen_name}", query))["id"]
    own_pack = bool(own) and own["id"] == pack_id
    notes = document_notes(lib, pack_id)
    mine = {i for i, n in notes.items() if _screen_note(screen_name, n, own_pack)}
    theirs = {i for i, n in notes.items() if n and i not in mine}
    added = add_documents(lib, pack_id, [(d["id"], _pack_note(screen_name, d))
                                         for d in docs if d["id"] not in theirs])
    added += sum(d["id"] in theirs for d in docs)
    removed = drop_documents(lib, pack_id, mine - {d["id"] for d in docs})
    return {"collection_id": pack_id, "added": added, "removed": removed}


# ------------------------------------------------------------------ reading a pack


def case_ids(lib: Library, doc_ids: list[int]) -> dict[int, int]:
    """{document id: its case's document id}: a response is the case of the report it answers
    (its likeliest link, as in a pack), every other document its own case."""
    out = {int(d): int(d) for d in doc_ids}
    out.update(answered_reports(lib, list(out)))
    return out


def _case_of(lib: Library, entry: dict) -> tuple[int | None, int | None]:
    """(case document id, finding id or None) for an entry; a response added as a whole
    document is shown as the case of the report it answers."""
    if entry["item_type"] == "finding":
        doc_id = finding_documents(lib.store, [entry["item_id"]]).get(entry["item_id"])
        return (doc_id, entry["item_id"]) if doc_id is not None else (None, None)
    if entry["item_id"] not in document_titles(lib, [entry["item_id"]]):
        return None, None
    return case_ids(lib, [entry["item_id"]])[entry["item_id"]], None


def get_pack(lib: Library, pack_id: int, as_of: str | None = None) -> dict[str, Any] | None:
    """The pack with its entries and its cases, in the order they were added."""
    row = _pack_row(lib, pack_id)
    if row is None:
        return None
    entries = PackTable(lib).entries(pack_id)
    cases: dict[int, dict] = {}
    items, missing = [], []
    for e in entries:
        case_id, finding_id = _case_of(lib, e)
        entry = {"entry_id": e["id"], "item_type": e["item_type"], "item_id": e["item_id"], "note": e["note"],
                 "position": e["position"], "added": e["added"], "case_id": case_id, "missing": case_id is None,
                 "changed": e.get("changed")}
        items.append(entry)
        if case_id is None:
            missing.append(entry)
            continue
        if case_id not in cases:
            story = case_story(lib, case_id, as_of=as_of, account_limit=None)  # a case study: the whole account
            if story is None:
                entry["missing"] = True
                missing.append(entry)
                continue
            cases[case_id] = {**story, "entries": [], "whole": False, "finding_ids": []}
        case = cases[case_id]
        case["entries"].append(entry)
        if finding_id is None:
            case["whole"] = True
        elif finding_id not in case["finding_ids"]:
            case["finding_ids"].append(finding_id)
    for case in cases.values():
        ids = None if case["whole"] else case["finding_ids"]
        case["concerns"], case["other_actions"] = concern_details(lib, case["document"]["id"], ids, as_of=as_of)
        case["notes"] = [_note_of(lib, case, x) for x in case["entries"] if x["note"]]
        del case["finding_ids"]
    return {"id": row["id"], "name": row["name"], "purpose": row["description"], "description": row["description"],
            "created": row["created"], "updated": row["updated"], "total": len(entries), "items": items,
            "cases": list(cases.values()), "missing": missing}


def _note_of(lib: Library, case: dict, entry: dict) -> str:
    """An entry's note, prefixed with the document it is about when that is not the case's own
    (a response letter filed under the report it answers)."""
    if entry["item_type"] == "document" and entry["item_id"] != case["document"]["id"]:
        title = document_titles(lib, [entry["item_id"]]).get(entry["item_id"])
        if title:
            return f"{title}: {entry['note']}"
    return entry["note"]
