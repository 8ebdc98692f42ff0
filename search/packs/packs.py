"""Learning packs: named sets of cases and concerns, kept in the library, that a trainer can
print and teach from (exports in ``search.packs.export``).

Public functions (the pages, the CLI and other modules call these):

* ``create_pack(lib, name, purpose="")`` -> pack dict; a second pack of the same name is refused
* ``pack_by_name(lib, name_or_id)`` -> pack row dict or None (name first, case-insensitive; then id)
* ``add_document(lib, pack_id, document_id, note="")`` / ``add_finding(lib, pack_id, finding_id, note="")``
  (``add_item(lib, pack_id, item_type, item_id, note="")`` underneath)
* ``get_pack(lib, pack_id)``, ``list_packs(lib)``, ``remove_item(...)``, ``delete_pack(lib, pack_id)``

A pack dict holds ``items`` (each entry as added) and ``cases``: the entries grouped by the
case they belong to, each case with what a reader needs without the library — title, date,
area, coroner or review body, recipients, a short account of what happened (quoted from the
report's circumstances or the review's summary), each concern with the actions taken, the
outcome so far and the source's own URL (``search.cases.story``).

Tables (``collections``, ``collection_items``) are created here on first use.
"""
from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from index.library import Library
from index.schema import ensure_library_schema as ensure_schema  # tables collections, collection_items: index/schema.py

from search.cases.story import case_story, concern_details


ITEM_TYPES = ("finding", "document")
MAX_ID = 2**63 - 1
MAX_NAME = 200
MAX_TEXT = 5000  # purpose and notes


class CollectionError(ValueError):
    """A request that cannot be carried out; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


PackError = CollectionError


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def whole_id(value: Any, what: str) -> int:
    """A positive whole number that SQLite can hold, or a CollectionError (400)."""
    if isinstance(value, bool):
        raise CollectionError(f"{what} must be a whole number")
    if isinstance(value, float):
        if not value.is_integer():
            raise CollectionError(f"{what} must be a whole number")
        value = int(value)
    try:
        n = int(str(value).strip()) if not isinstance(value, int) else value
    except (TypeError, ValueError):
        raise CollectionError(f"{what} must be a whole number") from None
    if not 1 <= n <= MAX_ID:
        raise CollectionError(f"{what} is out of range")
    return n


def _coll_row(lib: Library, pack_id: int):
    ensure_schema(lib)
    if not isinstance(pack_id, int) or not 1 <= pack_id <= MAX_ID:
        return None
    return lib.store.conn.execute("SELECT * FROM collections WHERE id=?", (pack_id,)).fetchone()


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise CollectionError("a pack needs a name")
    if len(name) > MAX_NAME:
        raise CollectionError(f"a pack name is at most {MAX_NAME} characters")
    return name


def _named(lib: Library, name: str):
    ensure_schema(lib)
    return lib.store.conn.execute(
        "SELECT * FROM collections WHERE lower(name)=lower(?) ORDER BY id DESC LIMIT 1", (name,)).fetchone()


def pack_by_name(lib: Library, name_or_id: str | int) -> dict | None:
    """The pack called ``name_or_id`` (case and spacing ignored; the newest if several),
    else the pack with that id."""
    key = " ".join(str(name_or_id).split())
    row = _named(lib, key)
    if row is None and key.isdigit() and len(key) < 19:
        row = _coll_row(lib, int(key))
    return dict(row) if row else None


def create_pack(lib: Library, name: str, purpose: str = "") -> dict[str, Any]:
    """A new, empty pack; its ``purpose`` opens every export."""
    name = _clean_name(name)
    purpose = (purpose or "").strip()
    if len(purpose) > MAX_TEXT:
        raise CollectionError(f"a purpose is at most {MAX_TEXT} characters")
    if _named(lib, name) is not None:
        raise CollectionError(f"a pack called {name!r} already exists", 409)
    now = _now()
    with lib.store.transaction() as c:
        cur = c.execute("INSERT INTO collections(name, description, created, updated) VALUES (?,?,?,?)",
                        (name, purpose, now, now))
    return get_pack(lib, cur.lastrowid)


def delete_pack(lib: Library, pack_id: int) -> bool:
    if _coll_row(lib, pack_id) is None:
        return False
    with lib.store.transaction() as c:
        c.execute("DELETE FROM collection_items WHERE collection_id=?", (pack_id,))
        c.execute("DELETE FROM collections WHERE id=?", (pack_id,))
    return True


def list_packs(lib: Library) -> dict[str, Any]:
    ensure_schema(lib)
    rows = lib.store.conn.execute(
        "SELECT c.*, (SELECT COUNT(*) FROM collection_items i WHERE i.collection_id = c.id) AS items"
        " FROM collections c ORDER BY c.updated DESC, c.id DESC").fetchall()
    packs = [{**dict(r), "purpose": r["description"], "item_count": r["items"], "case_count": _case_count(lib, r["id"])}
             for r in rows]
    return {"total": len(rows), "collections": packs}


def _case_count(lib: Library, pack_id: int) -> int:
    """How many cases a pack holds, counted as its page counts them (``get_pack``): a response
    and the report it answers are one case, and so are several concerns of one report."""
    c = lib.store.conn
    docs = [r[0] for r in c.execute(
        "SELECT i.item_id FROM collection_items i JOIN documents d ON d.id = i.item_id "
        "WHERE i.collection_id=? AND i.item_type='document'", (pack_id,))]
    found = {r[0] for r in c.execute(
        "SELECT f.document_id FROM collection_items i JOIN findings f ON f.id = i.item_id "
        "WHERE i.collection_id=? AND i.item_type='finding'", (pack_id,))}
    return len(found | set(case_ids(lib, docs).values()))


def item_label(lib: Library, item_type: str, item_id: Any) -> dict[str, Any] | None:
    """``{"item_type", "item_id", "title", "document_id", "text"}`` of a finding or document
    that could be added to a pack, or None when there is no such item."""
    item_type = "document" if item_type in ("case", "doc") else item_type
    if item_type not in ITEM_TYPES:
        return None
    try:
        item_id = whole_id(item_id, "item_id")
    except CollectionError:
        return None
    c = lib.store.conn
    if item_type == "document":
        r = c.execute("SELECT id, title FROM documents WHERE id=?", (item_id,)).fetchone()
        return {"item_type": "document", "item_id": item_id, "title": r["title"], "document_id": r["id"],
                "text": None} if r else None
    r = c.execute("SELECT f.id, f.label, f.text, d.id AS did, d.title FROM findings f JOIN documents d"
                  " ON d.id = f.document_id WHERE f.id=?", (item_id,)).fetchone()
    if r is None:
        return None
    return {"item_type": "finding", "item_id": item_id, "title": r["title"], "document_id": r["did"],
            "label": r["label"], "text": r["text"]}


def add_item(lib: Library, pack_id: int, item_type: str, item_id: Any, note: str = "") -> dict[str, Any]:
    """Add a finding or a case (document); adding it twice keeps one (and updates the note)."""
    if item_type in ("case", "doc"):
        item_type = "document"
    if item_type not in ITEM_TYPES:
        raise CollectionError("item_type must be finding or document")
    item_id = whole_id(item_id, "item_id")
    note = (note or "").strip()
    if len(note) > MAX_TEXT:
        raise CollectionError(f"a note is at most {MAX_TEXT} characters")
    if _coll_row(lib, pack_id) is None:
        raise CollectionError(f"no pack {pack_id}", 404)
    table = "findings" if item_type == "finding" else "documents"
    if lib.store.conn.execute(f"SELECT 1 FROM {table} WHERE id=?", (item_id,)).fetchone() is None:
        raise CollectionError(f"no {item_type} {item_id}", 404)
    now = _now()
    with lib.store.transaction() as c:
        pos = c.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM collection_items WHERE collection_id=?",
                        (pack_id,)).fetchone()[0]
        c.execute(
            "INSERT INTO collection_items(collection_id, item_type, item_id, note, position, added) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT(collection_id, item_type, item_id) DO UPDATE SET note = CASE WHEN excluded.note != ''"
            " THEN excluded.note ELSE note END",
            (pack_id, item_type, item_id, note, pos, now))
        c.execute("UPDATE collections SET updated=? WHERE id=?", (now, pack_id))
    return get_pack(lib, pack_id)


def add_document(lib: Library, pack_id: int, document_id: int, note: str = "") -> dict[str, Any]:
    """Add a whole case (a document and everything linked to it) to a pack."""
    return add_item(lib, pack_id, "document", document_id, note)


def add_documents(lib: Library, pack_id: int, items: list[tuple[int, str]]) -> int:
    """Add many cases [(document id, note)] in one transaction (``add_item`` rereads the whole
    pack after each add); documents that do not exist are skipped. Returns how many were added."""
    if _coll_row(lib, pack_id) is None:
        raise CollectionError(f"no pack {pack_id}", 404)
    ids = [whole_id(d, "item_id") for d, _ in items]
    present = set()
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        present.update(r[0] for r in lib.store.conn.execute(
            f"SELECT id FROM documents WHERE id IN ({','.join('?' * len(part))})", part))
    now = _now()
    added = 0
    with lib.store.transaction() as c:
        pos = c.execute("SELECT COALESCE(MAX(position), 0) FROM collection_items WHERE collection_id=?",
                        (pack_id,)).fetchone()[0]
        for doc_id, (_, note) in zip(ids, items):
            if doc_id not in present:
                continue
            pos += 1
            c.execute(
                "INSERT INTO collection_items(collection_id, item_type, item_id, note, position, added)"
                " VALUES (?,?,?,?,?,?) ON CONFLICT(collection_id, item_type, item_id) DO UPDATE SET note = CASE"
                " WHEN excluded.note != '' THEN excluded.note ELSE note END",
                (pack_id, "document", doc_id, (note or "").strip()[:MAX_TEXT], pos, now))
            added += 1
        c.execute("UPDATE collections SET updated=? WHERE id=?", (now, pack_id))
    return added


def add_finding(lib: Library, pack_id: int, finding_id: int, note: str = "") -> dict[str, Any]:
    """Add one concern or recommendation (with its case around it) to a pack."""
    return add_item(lib, pack_id, "finding", finding_id, note)


def remove_item(lib: Library, pack_id: int, item_type: str | None = None, item_id: int | None = None,
                entry_id: int | None = None) -> dict[str, Any]:
    """Remove by the entry's own id, or by (item_type, item_id)."""
    if _coll_row(lib, pack_id) is None:
        raise CollectionError(f"no pack {pack_id}", 404)
    if item_type in ("case", "doc"):
        item_type = "document"
    with lib.store.transaction() as c:
        if entry_id is not None:
            cur = c.execute("DELETE FROM collection_items WHERE collection_id=? AND id=?",
                            (pack_id, whole_id(entry_id, "entry_id")))
        else:
            cur = c.execute("DELETE FROM collection_items WHERE collection_id=? AND item_type=? AND item_id=?",
                            (pack_id, item_type, whole_id(item_id, "item_id")))
        if cur.rowcount == 0:
            raise CollectionError("no such item in this pack", 404)
        c.execute("UPDATE collections SET updated=? WHERE id=?", (_now(), pack_id))
    return get_pack(lib, pack_id)


def document_notes(lib: Library, pack_id: int) -> dict[int, str]:
    """{document id: note} for the pack's whole-document entries."""
    return {int(r[0]): r[1] or "" for r in lib.store.conn.execute(
        "SELECT item_id, note FROM collection_items WHERE collection_id=? AND item_type='document'", (pack_id,))}


def drop_documents(lib: Library, pack_id: int, doc_ids: set[int]) -> int:
    """Remove the pack's whole-document entries for ``doc_ids``; returns how many went."""
    if _coll_row(lib, pack_id) is None:
        raise CollectionError(f"no pack {pack_id}", 404)
    if not doc_ids:
        return 0
    with lib.store.transaction() as c:
        gone = sum(c.execute("DELETE FROM collection_items WHERE collection_id=? AND item_type='document'"
                             " AND item_id=?", (pack_id, int(d))).rowcount for d in doc_ids)
        c.execute("UPDATE collections SET updated=? WHERE id=?", (_now(), pack_id))
    return gone


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
                     collection_id: int | None = None) -> dict[str, Any]:
    """Put a screen's included documents (search.screening.screens) in a pack: a new one called
    "Screen: NAME" unless ``collection_id`` is given. Each gets a note saying why it is there.
    Packing again refreshes the screen's own entries and removes those it no longer includes;
    a document the trainer added with a note of their own keeps it.
    Returns ``{"collection_id", "added", "removed"}``."""
    own = pack_by_name(lib, f"Screen: {screen_name}")
    if collection_id is None:
        collection_id = (own or create_pack(lib, f"Screen: {screen_name}", query))["id"]
    own_pack = bool(own) and own["id"] == collection_id
    notes = document_notes(lib, collection_id)
    mine = {i for i, n in notes.items() if _screen_note(screen_name, n, own_pack)}
    theirs = {i for i, n in notes.items() if n and i not in mine}
    added = add_documents(lib, collection_id, [(d["id"], _pack_note(screen_name, d))
                                               for d in docs if d["id"] not in theirs])
    added += sum(d["id"] in theirs for d in docs)
    removed = drop_documents(lib, collection_id, mine - {d["id"] for d in docs})
    return {"collection_id": collection_id, "added": added, "removed": removed}


# ------------------------------------------------------------------ reading a pack


def case_ids(lib: Library, doc_ids: list[int]) -> dict[int, int]:
    """{document id: its case's document id}: a response is the case of the report it answers
    (its likeliest link, as in a pack), every other document its own case."""
    out = {int(d): int(d) for d in doc_ids}
    c = lib.store.conn
    ids = list(out)
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        rows = c.execute(
            "SELECT l.response_id, l.report_id FROM links l JOIN documents d ON d.id = l.response_id"
            f" WHERE d.type='pfd_response' AND l.response_id IN ({','.join('?' * len(part))})"
            " ORDER BY l.confidence ASC", part).fetchall()
        for resp, rep in rows:  # the likeliest link is read last and wins
            out[int(resp)] = int(rep)
    return out


def _case_of(lib: Library, entry: dict) -> tuple[int | None, int | None]:
    """(case document id, finding id or None) for an entry; a response added as a whole
    document is shown as the case of the report it answers."""
    c = lib.store.conn
    if entry["item_type"] == "finding":
        r = c.execute("SELECT document_id FROM findings WHERE id=?", (entry["item_id"],)).fetchone()
        return (r[0], entry["item_id"]) if r else (None, None)
    r = c.execute("SELECT id, type FROM documents WHERE id=?", (entry["item_id"],)).fetchone()
    if r is None:
        return None, None
    return case_ids(lib, [r["id"]])[r["id"]], None


def get_pack(lib: Library, pack_id: int, as_of: str | None = None) -> dict[str, Any] | None:
    """The pack with its entries and its cases, in the order they were added."""
    row = _coll_row(lib, pack_id)
    if row is None:
        return None
    entries = [dict(r) for r in lib.store.conn.execute(
        "SELECT * FROM collection_items WHERE collection_id=? ORDER BY position, id", (pack_id,))]
    cases: dict[int, dict] = {}
    items, missing = [], []
    for e in entries:
        case_id, finding_id = _case_of(lib, e)
        entry = {"entry_id": e["id"], "item_type": e["item_type"], "item_id": e["item_id"], "note": e["note"],
                 "position": e["position"], "added": e["added"], "case_id": case_id, "missing": case_id is None}
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
    c = lib.store.conn
    if entry["item_type"] == "document" and entry["item_id"] != case["document"]["id"]:
        r = c.execute("SELECT title FROM documents WHERE id=?", (entry["item_id"],)).fetchone()
        if r and r[0]:
            return f"{r[0]}: {entry['note']}"
    return entry["note"]


def pack_json(pack: dict) -> str:
    return json.dumps(pack, ensure_ascii=False, indent=2)


# Older names, kept for callers written before packs were called packs.
create_collection = create_pack
get_collection = get_pack
list_collections = list_packs
delete_collection = delete_pack
