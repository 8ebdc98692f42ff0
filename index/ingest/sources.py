"""A document's identity is its source: the resolved path of its file, or for a row of a
dataset (a CSV or spreadsheet of many documents) that path and the row's reference (its
report reference, else its URL, else its row number). Re-ingesting an edited file replaces
the document of the same key; ``remove_documents`` takes documents out; ``gone_under`` finds
the documents whose files have left a folder (``precedent ingest --sync``).

Replacing or removing a document (``retire``, inside the caller's transaction) deletes every
row of it (passages, findings, actions, their FTS5 rows, links, theme membership, post-ingest
marks: the foreign keys cascade) and first moves what people made of it:

* pack entries of the whole document follow to the new version, flagged ``changed``; entries of
  one finding follow to the finding of the new version with the same label and text (not
  flagged), the same text or the same label (flagged ``finding_changed``), else stay on the old
  finding, shown as no longer in the library and flagged ``finding_gone``; entries of a removed
  document stay, shown as missing, flagged ``removed``;
* screens' judgements and draws follow to the new version; a removed document's are counted in
  the summary (they go with it);
* responses linked to a replaced or removed report lose their ``link`` mark, so the next
  ``finish_pending`` links them again (to the new version, or to nothing);
* the ``files`` rows of its file are forgotten, so ingesting the file again reads it;
* the change is recorded in ``document_changes`` and the store's ``vectors_removed`` counter
  is raised, so every open FAISS index rebuilds itself from the store (``VectorIndex.sync``).
"""
from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Iterable, Mapping

from index.rows import document_meta
from index.store import bump_removals

SEP = "#"


def _resolved(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    try:
        return str(Path(path).expanduser().resolve())
    except (OSError, RuntimeError):  # a loop of links: keep it as written
        return os.path.abspath(path)


def source_key(source: str, reference: str | None = None, meta: Mapping | None = None) -> str:
    """The identity of a document read from ``source`` (``path`` or ``path#row=3`` /
    ``path#reference=X`` for a dataset row): the resolved path, and for a row its reference, else
    its URL, else what the reader wrote after ``#``."""
    path, sep, frag = (source or "").partition(SEP)
    if path.startswith(("http://", "https://")):
        return source
    key = _resolved(path)
    if not sep:
        return key
    meta = meta or {}
    ident = reference or meta.get("url") or meta.get("raw_id") or frag
    return f"{key}{SEP}{ident}"


def row_key(source: str) -> str:
    """The fallback key of a row whose reference another row of the same file already holds."""
    path, sep, frag = (source or "").partition(SEP)
    return f"{_resolved(path)}{SEP}{frag}" if sep else _resolved(path)


def unique_key(source: str, reference: str | None, meta: Mapping | None, taken: set[str]) -> str:
    """``source_key``, unless ``taken`` (the keys given so far) holds it: then the row's own
    (``row_key``), then a count (``path#2``: the second document of a file of several). Adds it to ``taken``."""
    key = source_key(source, reference, meta)
    if key in taken:
        key = row_key(source)
    base, n = key, 1
    while key in taken:
        n += 1
        key = f"{base}{SEP}{n}"
    taken.add(key)
    return key


def key_file(key: str) -> str:
    """The file part of a key (a URL is its own)."""
    return key if key.startswith(("http://", "https://")) else key.partition(SEP)[0]


def ensure_source_keys(c: sqlite3.Connection) -> int:
    """Give every document lacking one (those of a library written before keys) its key, in id
    order (the order they were read), a row's reference taken by an earlier row falling back to
    its row number as at ingest. Relative sources resolve from the current folder. Returns how many."""
    missing = c.execute(
        "SELECT d.id, d.source, d.reference, d.meta FROM documents d WHERE NOT EXISTS"
        " (SELECT 1 FROM document_sources s WHERE s.document_id = d.id) ORDER BY d.id").fetchall()
    if not missing:
        return 0
    taken = {r[0] for r in c.execute("SELECT key FROM document_sources")}
    rows = [(r["id"], unique_key(r["source"], r["reference"], document_meta(r), taken)) for r in missing]
    c.executemany("INSERT INTO document_sources(document_id, key) VALUES (?, ?)", rows)
    return len(rows)


def document_of_key(c: sqlite3.Connection, key: str) -> int | None:
    r = c.execute("SELECT document_id FROM document_sources WHERE key=?", (key,)).fetchone()
    return r[0] if r else None


def key_of(c: sqlite3.Connection, document_id: int) -> str | None:
    r = c.execute("SELECT key FROM document_sources WHERE document_id=?", (document_id,)).fetchone()
    return r[0] if r else None


def set_key(c: sqlite3.Connection, document_id: int, key: str) -> None:
    c.execute("INSERT OR REPLACE INTO document_sources(document_id, key) VALUES (?, ?)", (document_id, key))


def move(c: sqlite3.Connection, document_id: int, key: str, source: str) -> None:
    """The same document found at a new source (its old file is gone): it keeps its id."""
    c.execute("DELETE FROM document_sources WHERE key=? AND document_id != ?", (key, document_id))
    set_key(c, document_id, key)
    c.execute("UPDATE documents SET source=? WHERE id=?", (source, document_id))


def file_key(path: str) -> str:
    """The file part of the keys of the documents read from ``path``."""
    return _resolved(str(path))


def dropped_rows(c: sqlite3.Connection, path: str, seen: set[str]) -> list[int]:
    """Documents of the file at ``path``, read again whole, whose key and words were both not
    among ``seen`` (the keys and content hashes of its documents this time): rows the new
    version of a dataset no longer holds."""
    f = file_key(path)
    rows = c.execute(
        "SELECT s.document_id, s.key, d.content_hash FROM document_sources s JOIN documents d ON d.id = s.document_id"
        " WHERE s.key = ? OR substr(s.key, 1, ?) = ?", (f, len(f) + 1, f + SEP)).fetchall()
    return [r[0] for r in rows if r[1] not in seen and r[2] not in seen]


def file_exists(key: str) -> bool:
    f = key_file(key)
    return f.startswith(("http://", "https://")) or os.path.exists(f)


# ---- replacing and removing ---------------------------------------------------------------------------
def _follow_findings(c: sqlite3.Connection, old_id: int, new_id: int) -> dict[int, tuple[int | None, bool]]:
    """old finding id -> (new finding id or None, changed?)."""
    new = c.execute("SELECT id, label, text, seq FROM findings WHERE document_id=? ORDER BY seq", (new_id,)).fetchall()
    by_both = {(f["label"], " ".join(f["text"].split())): f["id"] for f in new}
    by_text = {" ".join(f["text"].split()): f["id"] for f in new}
    by_label = {f["label"]: f["id"] for f in new if f["label"]}
    out: dict[int, tuple[int | None, bool]] = {}
    for f in c.execute("SELECT id, label, text FROM findings WHERE document_id=?", (old_id,)):
        text = " ".join(f["text"].split())
        if (f["label"], text) in by_both:
            out[f["id"]] = (by_both[(f["label"], text)], False)
        elif text in by_text:
            out[f["id"]] = (by_text[text], True)
        elif f["label"] and f["label"] in by_label:
            out[f["id"]] = (by_label[f["label"]], True)
        else:
            out[f["id"]] = (None, True)
    return out


def _flag(c: sqlite3.Connection, item_id: int, what: str, old_id: int, new_id: int | None) -> None:
    c.execute("INSERT OR REPLACE INTO collection_item_changes(item_id, what, old_document_id, new_document_id)"
              " VALUES (?,?,?,?)", (item_id, what, old_id, new_id))


def _pack_entries(c: sqlite3.Connection, old_id: int, new_id: int | None) -> list[dict]:
    """Move (or flag) the pack entries of ``old_id``; returns what became of each."""
    out: list[dict] = []
    items = c.execute(
        "SELECT i.id, i.collection_id, i.item_type, i.item_id, c.name FROM collection_items i"
        " JOIN collections c ON c.id = i.collection_id WHERE (i.item_type='document' AND i.item_id=?)"
        " OR (i.item_type='finding' AND i.item_id IN (SELECT id FROM findings WHERE document_id=?))",
        (old_id, old_id)).fetchall()
    if not items:
        return out
    findings = _follow_findings(c, old_id, new_id) if new_id is not None else {}
    for it in items:
        entry = {"pack": it["name"], "pack_id": it["collection_id"], "entry_id": it["id"],
                 "item_type": it["item_type"], "item_id": it["item_id"]}
        if new_id is None:
            what, to = "removed", None
        elif it["item_type"] == "document":
            what, to = "changed", new_id
        else:
            to, changed = findings.get(it["item_id"], (None, True))
            what = "finding_gone" if to is None else ("finding_changed" if changed else "followed")
        if to is not None:
            clash = c.execute("SELECT 1 FROM collection_items WHERE collection_id=? AND item_type=? AND item_id=?",
                              (it["collection_id"], it["item_type"], to)).fetchone()
            if clash:  # the pack already holds the new version: this entry stays, flagged
                what, to = "finding_gone" if it["item_type"] == "finding" else "removed", None
            else:
                c.execute("UPDATE collection_items SET item_id=? WHERE id=?", (to, it["id"]))
        if what != "followed":
            _flag(c, it["id"], what, old_id, new_id)
        out.append({**entry, "now": to, "what": what})
    return out


def retire(c: sqlite3.Connection, old_id: int, new_id: int | None) -> dict:
    """Inside the caller's transaction: replace document ``old_id`` by ``new_id`` (None: remove
    it). Returns ``{id, title, source, replaced_by, packs: [...], judgements: n}``."""
    row = c.execute("SELECT id, title, source FROM documents WHERE id=?", (old_id,)).fetchone()
    if row is None:
        return {"id": old_id, "missing": True}
    key = key_of(c, old_id) or source_key(row["source"])
    packs = _pack_entries(c, old_id, new_id)
    judged = c.execute("SELECT COUNT(*) FROM screen_judgements WHERE document_id=?", (old_id,)).fetchone()[0]
    if new_id is not None:
        for table in ("screen_judgements", "screen_draws"):
            c.execute(f"UPDATE OR IGNORE {table} SET document_id=? WHERE document_id=?", (new_id, old_id))
    # responses that answered it are linked again by the next finish_pending
    c.execute("DELETE FROM post_ingest_done WHERE step='link' AND document_id IN"
              " (SELECT response_id FROM links WHERE report_id=?)", (old_id,))
    if new_id is None:  # a replaced file's old bytes are forgotten when its new ones are recorded
        _forget_files(c, key_file(key))
    c.execute("INSERT INTO document_changes(old_id, new_id, key, title) VALUES (?,?,?,?)",
              (old_id, new_id, key, row["title"]))
    c.execute("DELETE FROM documents WHERE id=?", (old_id,))
    bump_removals(c)
    return {"id": old_id, "title": row["title"], "source": row["source"], "replaced_by": new_id,
            "packs": packs, "judgements": judged if new_id is None else 0,
            "judgements_followed": judged if new_id is not None else 0}


def _forget_files(c: sqlite3.Connection, path: str) -> None:
    """Forget the ``files`` rows of ``path`` (recorded as given or resolved)."""
    gone = [r[0] for r in c.execute("SELECT sha256, path FROM files")
            if r[1] == path or (not os.path.isabs(r[1]) and _resolved(r[1]) == path)]
    c.executemany("DELETE FROM files WHERE sha256=?", [(s,) for s in gone])


def record_file(c: sqlite3.Connection, sha256: str, path: str, documents: int) -> None:
    """A file fully ingested: its bytes now stand for its path (older bytes of it are forgotten,
    so going back to them reads the file again)."""
    path = _resolved(path)
    c.execute("DELETE FROM files WHERE path=? AND sha256 != ?", (path, sha256))
    c.execute("INSERT OR REPLACE INTO files(sha256, path, documents) VALUES (?,?,?)", (sha256, path, documents))


def known_files(c: sqlite3.Connection) -> set[str]:
    """Hashes of files a re-run may skip whole: those recorded at a path that still exists (a
    file moved elsewhere is read again, so its documents follow it to the new path)."""
    return {r[0] for r in c.execute("SELECT sha256, path FROM files") if os.path.exists(r[1])}


def remove_documents(lib, ids: Iterable[int], finish: bool = True) -> dict:
    """Remove documents ``ids`` and every row of them in one transaction; with ``finish``, then
    link again the responses that answered them (``finish_pending``: to another report, or to
    none). Returns ``{"removed": [{id, title, source, packs, judgements}], "not_found": [ids]}``."""
    ids = list(dict.fromkeys(int(i) for i in ids))
    removed, not_found = [], []
    with lib.store.transaction() as c:
        ensure_source_keys(c)
        for i in ids:
            out = retire(c, i, None)
            (not_found.append(i) if out.get("missing") else removed.append(out))
    if removed:
        lib.refresh_vectors(force=True)
        lib.save_indexes()
        if finish:
            from index.ingest.finish import finish_pending

            finish_pending(lib)
    return {"removed": removed, "not_found": not_found}


def what_became_of(lib, document_id: int) -> dict | None:
    """A document no longer in the library: ``{"replaced_by": the id of its newest version, "at"}``
    (following each replacement), ``{"removed": True, "at"}`` when the last of them was removed,
    None when nothing was recorded."""
    c, seen, out = lib.store.conn, set(), None
    i = int(document_id)
    while i not in seen:
        seen.add(i)
        r = c.execute("SELECT new_id, at FROM document_changes WHERE old_id=? ORDER BY id DESC LIMIT 1", (i,)).fetchone()
        if r is None:
            break
        if r["new_id"] is None:
            return {"removed": True, "at": r["at"]}
        out, i = {"replaced_by": r["new_id"], "at": r["at"]}, r["new_id"]
    return out


def documents_for(lib, sources: Iterable[str]) -> tuple[list[int], list[str]]:
    """The documents each of ``sources`` names: an id, a stored source exactly, or a path (a
    file: its documents; a folder: every document from a file under it). Returns (ids, names
    that matched nothing)."""
    with lib.store.transaction() as c:
        ensure_source_keys(c)
    c = lib.store.conn
    ids: list[int] = []
    unmatched: list[str] = []
    for s in sources:
        s = str(s).strip()
        found: list[int] = []
        if s.isdigit():
            found = [r[0] for r in c.execute("SELECT id FROM documents WHERE id=?", (int(s),))]
        if not found:
            found = [r[0] for r in c.execute("SELECT id FROM documents WHERE source=? ORDER BY id", (s,))]
        if not found and s:
            key = _resolved(s)
            found = [r[0] for r in c.execute(
                "SELECT document_id FROM document_sources WHERE key=? OR substr(key, 1, ?) IN (?, ?)"
                " ORDER BY document_id", (key, len(key) + 1, key + SEP, key.rstrip(os.sep) + os.sep))]
        if found:
            ids += [i for i in found if i not in ids]
        else:
            unmatched.append(s)
    return ids, unmatched


def gone_under(lib, folder: str | Path) -> list[int]:
    """Documents whose file was under ``folder`` and no longer exists (``ingest --sync``)."""
    with lib.store.transaction() as c:
        ensure_source_keys(c)
    root = _resolved(str(folder)).rstrip(os.sep) + os.sep
    out = []
    for doc_id, key in lib.store.conn.execute("SELECT document_id, key FROM document_sources ORDER BY document_id"):
        f = key_file(key)
        if f.startswith(root) and not os.path.exists(f):
            out.append(doc_id)
    return out
