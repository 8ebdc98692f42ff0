"""Learning packs: named collections of findings and cases, kept in the library, exported
as Markdown, CSV or PDF for training and policy work.

Each exported item carries its concern, the actions taken or promised, the outcome
(statuses, the tracker's response status) and a citation (document title, date, page,
link ``/documents/<id>``).

The two tables are created here (``CREATE TABLE IF NOT EXISTS``) on first use; the core
schema in ``index/store.py`` does not know them.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from typing import Any

from index.library import Library

SCHEMA = """
CREATE TABLE IF NOT EXISTS collections (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS collection_items (
    id INTEGER PRIMARY KEY,
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    item_type TEXT NOT NULL CHECK (item_type IN ('finding', 'document')),
    item_id INTEGER NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    added TEXT NOT NULL,
    UNIQUE (collection_id, item_type, item_id)
);
CREATE INDEX IF NOT EXISTS collection_items_collection ON collection_items(collection_id, position);
"""

ITEM_TYPES = ("finding", "document")
CSV_COLUMNS = ["position", "item_type", "item_id", "concern", "actions", "outcome", "document_title", "document_type",
               "document_date", "reference", "page", "link", "note"]


class CollectionError(ValueError):
    """A request that cannot be carried out; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def ensure_schema(lib: Library) -> None:
    """Create the two tables once per connection (idempotent)."""
    conn = lib.store.conn
    if getattr(lib.store, "_collections_conn", None) is not conn:
        conn.executescript(SCHEMA)
        lib.store._collections_conn = conn


def _coll_row(lib: Library, collection_id: int):
    ensure_schema(lib)
    return lib.store.conn.execute("SELECT * FROM collections WHERE id=?", (collection_id,)).fetchone()


def create_collection(lib: Library, name: str, description: str = "") -> dict[str, Any]:
    name = " ".join((name or "").split())
    if not name:
        raise CollectionError("a collection needs a name")
    if len(name) > 200:
        raise CollectionError("a collection name is at most 200 characters")
    ensure_schema(lib)
    now = _now()
    with lib.store.transaction() as c:
        cur = c.execute("INSERT INTO collections(name, description, created, updated) VALUES (?,?,?,?)",
                        (name, description or "", now, now))
    return get_collection(lib, cur.lastrowid)


def delete_collection(lib: Library, collection_id: int) -> bool:
    if _coll_row(lib, collection_id) is None:
        return False
    with lib.store.transaction() as c:
        c.execute("DELETE FROM collection_items WHERE collection_id=?", (collection_id,))
        c.execute("DELETE FROM collections WHERE id=?", (collection_id,))
    return True


def list_collections(lib: Library) -> dict[str, Any]:
    ensure_schema(lib)
    rows = lib.store.conn.execute(
        "SELECT c.*, (SELECT COUNT(*) FROM collection_items i WHERE i.collection_id = c.id) AS items"
        " FROM collections c ORDER BY c.updated DESC, c.id DESC").fetchall()
    return {"total": len(rows), "collections": [dict(r) for r in rows]}


def add_item(lib: Library, collection_id: int, item_type: str, item_id: int, note: str = "") -> dict[str, Any]:
    """Add a finding or a case (document); adding it twice keeps one (and updates the note)."""
    if item_type in ("case", "doc"):
        item_type = "document"
    if item_type not in ITEM_TYPES:
        raise CollectionError("item_type must be finding or document")
    try:
        item_id = int(item_id)
    except (TypeError, ValueError):
        raise CollectionError("item_id must be a whole number") from None
    if _coll_row(lib, collection_id) is None:
        raise CollectionError(f"no collection {collection_id}", 404)
    table = "findings" if item_type == "finding" else "documents"
    if lib.store.conn.execute(f"SELECT 1 FROM {table} WHERE id=?", (item_id,)).fetchone() is None:
        raise CollectionError(f"no {item_type} {item_id}", 404)
    now = _now()
    with lib.store.transaction() as c:
        pos = c.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM collection_items WHERE collection_id=?",
                        (collection_id,)).fetchone()[0]
        c.execute(
            "INSERT INTO collection_items(collection_id, item_type, item_id, note, position, added) VALUES (?,?,?,?,?,?)"
            " ON CONFLICT(collection_id, item_type, item_id) DO UPDATE SET note = CASE WHEN excluded.note != ''"
            " THEN excluded.note ELSE note END",
            (collection_id, item_type, item_id, note or "", pos, now))
        c.execute("UPDATE collections SET updated=? WHERE id=?", (now, collection_id))
    return get_collection(lib, collection_id)


def remove_item(lib: Library, collection_id: int, item_type: str | None = None, item_id: int | None = None,
                entry_id: int | None = None) -> dict[str, Any]:
    """Remove by the entry's own id, or by (item_type, item_id)."""
    if _coll_row(lib, collection_id) is None:
        raise CollectionError(f"no collection {collection_id}", 404)
    if item_type in ("case", "doc"):
        item_type = "document"
    with lib.store.transaction() as c:
        if entry_id is not None:
            cur = c.execute("DELETE FROM collection_items WHERE collection_id=? AND id=?", (collection_id, int(entry_id)))
        else:
            cur = c.execute("DELETE FROM collection_items WHERE collection_id=? AND item_type=? AND item_id=?",
                            (collection_id, item_type, int(item_id or 0)))
        if cur.rowcount == 0:
            raise CollectionError("no such item in this collection", 404)
        c.execute("UPDATE collections SET updated=? WHERE id=?", (_now(), collection_id))
    return get_collection(lib, collection_id)


# ------------------------------------------------------------------ item contents


def _actions_for_finding(c, finding_id: int) -> list[dict]:
    return [dict(r) for r in c.execute(
        "SELECT a.id, a.document_id, a.kind, a.text, a.owner, a.due, a.due_text, a.status, a.updated, a.page"
        " FROM actions a JOIN action_findings af ON af.action_id = a.id WHERE af.finding_id=?"
        " ORDER BY a.document_id, a.seq", (finding_id,))]


def _actions_of_docs(c, doc_ids: list[int]) -> list[dict]:
    if not doc_ids:
        return []
    return [dict(r) for r in c.execute(
        "SELECT id, document_id, kind, text, owner, due, due_text, status, updated, page FROM actions"
        f" WHERE document_id IN ({','.join('?' * len(doc_ids))}) ORDER BY document_id, seq", doc_ids)]


def _responses_of(c, doc_id: int) -> list[dict]:
    return [dict(r) for r in c.execute(
        "SELECT d.id, d.title, d.date FROM links l JOIN documents d ON d.id = l.response_id WHERE l.report_id=?"
        " ORDER BY d.date, d.id", (doc_id,))]


def _outcome(lib: Library, actions: list[dict], reference: str | None, responses: list[dict]) -> str:
    parts = []
    statuses: dict[str, int] = {}
    for a in actions:
        s = a["status"] or "not stated"
        statuses[s] = statuses.get(s, 0) + 1
    if statuses:
        parts.append("actions: " + ", ".join(f"{n} {s.replace('_', ' ')}" for s, n in sorted(statuses.items())))
    if responses:
        parts.append(f"{len(responses)} response{'s' if len(responses) != 1 else ''} in the library")
    for ann in lib.store.annotations_for(reference):
        if ann.get("status"):
            parts.append(f"tracker response status: {ann['status']}")
            break
    return "; ".join(parts) or "no recorded outcome"


def _item_detail(lib: Library, entry: dict) -> dict[str, Any]:
    c = lib.store.conn
    base = {"entry_id": entry["id"], "item_type": entry["item_type"], "item_id": entry["item_id"],
            "note": entry["note"], "position": entry["position"], "added": entry["added"]}
    if entry["item_type"] == "finding":
        f = c.execute(
            "SELECT f.id, f.kind, f.label, f.text, f.page, f.document_id, d.title, d.type, d.date, d.reference"
            " FROM findings f JOIN documents d ON d.id = f.document_id WHERE f.id=?", (entry["item_id"],)).fetchone()
        if f is None:
            return {**base, "missing": True, "concern": None, "concerns": [], "actions": [], "outcome": "item no longer in the library",
                    "citation": None}
        actions = _actions_for_finding(c, f["id"])
        responses = _responses_of(c, f["document_id"])
        if not actions and responses:  # the report's responses answer its concerns
            actions = _actions_of_docs(c, [r["id"] for r in responses])
        return {**base, "missing": False, "concern": f["text"], "label": f["label"], "kind": f["kind"],
                "concerns": [{"id": f["id"], "label": f["label"], "text": f["text"]}],
                "actions": actions, "responses": responses,
                "outcome": _outcome(lib, actions, f["reference"], responses),
                "citation": _citation(f["document_id"], f["title"], f["type"], f["date"], f["reference"], f["page"])}
    d = c.execute("SELECT id, title, type, date, reference, meta FROM documents WHERE id=?", (entry["item_id"],)).fetchone()
    if d is None:
        return {**base, "missing": True, "concern": None, "concerns": [], "actions": [], "outcome": "item no longer in the library",
                "citation": None}
    findings = [dict(r) for r in c.execute(
        "SELECT id, label, kind, text, page FROM findings WHERE document_id=? ORDER BY seq", (d["id"],))]
    responses = _responses_of(c, d["id"])
    actions = _actions_of_docs(c, [d["id"]] + [r["id"] for r in responses])
    meta = json.loads(d["meta"] or "{}")
    concern = "\n".join(f"- {(x['label'] + ': ') if x['label'] else ''}{' '.join(x['text'].split())}" for x in findings)
    if not concern:
        concern = f"(no concerns extracted from {d['title']})"
    first_page = next((x["page"] for x in findings if x["page"]), None)
    return {**base, "missing": False, "concern": concern, "label": None, "kind": d["type"],
            "concerns": [{"id": x["id"], "label": x["label"], "text": x["text"]} for x in findings],
            "actions": actions, "responses": responses, "recipients": meta.get("recipients") or [],
            "outcome": _outcome(lib, actions, d["reference"], responses),
            "citation": _citation(d["id"], d["title"], d["type"], d["date"], d["reference"], first_page),
            "case_link": f"/cases/{d['id']}"}


def _citation(doc_id, title, dtype, ddate, reference, page) -> dict[str, Any]:
    bits = [title]
    if reference:
        bits.append(f"ref {reference}")
    if ddate:
        bits.append(ddate)
    if page:
        bits.append(f"page {page}")
    link = f"/documents/{doc_id}"
    return {"document_id": doc_id, "title": title, "type": dtype, "date": ddate, "reference": reference, "page": page,
            "link": link, "text": ", ".join(bits) + f" ({link})"}


def get_collection(lib: Library, collection_id: int) -> dict[str, Any] | None:
    row = _coll_row(lib, collection_id)
    if row is None:
        return None
    entries = [dict(r) for r in lib.store.conn.execute(
        "SELECT * FROM collection_items WHERE collection_id=? ORDER BY position, id", (collection_id,))]
    return {"id": row["id"], "name": row["name"], "description": row["description"], "created": row["created"],
            "updated": row["updated"], "total": len(entries), "items": [_item_detail(lib, e) for e in entries]}


# ------------------------------------------------------------------ exports


def _act_line(a: dict) -> str:
    text = " ".join(a["text"].split())
    extra = []
    if a.get("owner"):
        extra.append(f"owner: {a['owner']}")
    if a.get("due") or a.get("due_text"):
        extra.append(f"due: {a.get('due') or a.get('due_text')}")
    extra.append(f"status: {a.get('status') or 'not stated'}")
    return f"{text} ({'; '.join(extra)})"


def _md_escape(s: str) -> str:
    # keep the text readable but stop it from becoming markup or HTML in a renderer
    return (s or "").replace("\\", "\\\\").replace("<", "&lt;").replace(">", "&gt;").replace("*", "\\*") \
        .replace("_", "\\_").replace("`", "\\`").replace("[", "\\[").replace("]", "\\]")


def to_markdown(coll: dict, base_url: str = "") -> str:
    out = [f"# {_md_escape(coll['name'])}", ""]
    if coll.get("description"):
        out += [_md_escape(coll["description"]), ""]
    out += [f"{coll['total']} item{'s' if coll['total'] != 1 else ''} · exported {_now()[:10]}", ""]
    for n, it in enumerate(coll["items"], 1):
        cit = it.get("citation") or {}
        title = cit.get("title") or f"{it['item_type']} {it['item_id']}"
        out.append(f"## {n}. {_md_escape(title)}")
        out.append("")
        if it.get("missing"):
            out += ["*This item is no longer in the library.*", ""]
            continue
        if it.get("note"):
            out += [f"> {_md_escape(it['note'])}", ""]
        out.append("**Concern**" + (f" ({_md_escape(it['label'])})" if it.get("label") else "") + ":")
        out.append("")
        for line in (it["concern"] or "").splitlines():
            out.append(_md_escape(line))
        out.append("")
        out.append("**Actions taken or promised:**")
        out.append("")
        if it["actions"]:
            out += [f"- {_md_escape(_act_line(a))}" for a in it["actions"]]
        else:
            out.append("- none recorded")
        out.append("")
        out.append(f"**Outcome:** {_md_escape(it['outcome'])}")
        out.append("")
        link = base_url + cit["link"]
        out.append(f"**Source:** {_md_escape(cit['text'].rsplit(' (', 1)[0])} — [{link}]({link})")
        out.append("")
    return "\n".join(out)


def to_csv(coll: dict, base_url: str = "") -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for n, it in enumerate(coll["items"], 1):
        cit = it.get("citation") or {}
        w.writerow([
            n, it["item_type"], it["item_id"], it.get("concern") or "",
            "\n".join(_act_line(a) for a in it["actions"]), it["outcome"],
            cit.get("title") or "", cit.get("type") or "", cit.get("date") or "", cit.get("reference") or "",
            cit.get("page") or "", (base_url + cit["link"]) if cit.get("link") else "", it.get("note") or "",
        ])
    return buf.getvalue()


def _pdf_text(s: str) -> str:
    """The core PDF fonts speak Latin-1: map common typography, replace the rest."""
    table = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
             "\u2026": "...", "\u2022": "-", "\u00a0": " ", "\uf0b7": "-", "\u2192": "->"}
    s = "".join(table.get(ch, ch) for ch in s or "")
    return s.encode("latin-1", "replace").decode("latin-1")


def to_pdf(coll: dict, base_url: str = "") -> bytes:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(_pdf_text(coll["name"]))
    pdf.set_creator("Precedent")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def para(text: str, size: float = 10, style: str = "", gap: float = 1.5) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.set_x(pdf.l_margin)
        pdf.multi_cell(width, size * 0.5, _pdf_text(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    para(coll["name"], 18, "B", 2)
    if coll.get("description"):
        para(coll["description"], 10, "I")
    para(f"{coll['total']} item{'s' if coll['total'] != 1 else ''} - exported {_now()[:10]}", 9, "", 4)
    for n, it in enumerate(coll["items"], 1):
        cit = it.get("citation") or {}
        para(f"{n}. {cit.get('title') or it['item_type'] + ' ' + str(it['item_id'])}", 13, "B", 1)
        if it.get("missing"):
            para("This item is no longer in the library.", 10, "I", 4)
            continue
        if it.get("note"):
            para(f"Note: {it['note']}", 9, "I")
        para("Concern" + (f" ({it['label']})" if it.get("label") else "") + ":", 10, "B", 0.5)
        para(it["concern"] or "")
        para("Actions taken or promised:", 10, "B", 0.5)
        if it["actions"]:
            for a in it["actions"]:
                para(f"- {_act_line(a)}", 9.5, "", 0.8)
        else:
            para("- none recorded", 9.5)
        para(f"Outcome: {it['outcome']}", 10, "", 0.8)
        para(f"Source: {cit['text'].rsplit(' (', 1)[0]} - {base_url + cit['link']}", 9, "I", 5)
    return bytes(pdf.output())
