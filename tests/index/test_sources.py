"""A document's identity is its source: an edited file replaces its old version, documents can
be removed, and ``ingest(sync=True)`` removes those whose files are gone (index/ingest/sources.py)."""
from __future__ import annotations

import pytest

from index.ingest import documents_for, ingest, remove_documents
from index.library import open_library
from index.packs import PackTable
from index.screens import insert_screen, judgements, save_judgements

REPORT = """REGULATION 28 REPORT TO PREVENT FUTURE DEATHS

THIS REPORT IS BEING SENT TO: Chief Executive, Northtown NHS Trust

CORONER'S CONCERNS

During the course of the inquest the evidence revealed matters giving rise to concern. The MATTERS OF CONCERN are as follows:

1. The {word} risk assessment was not reviewed after the second incident.

2. Nobody told the GP about the discharge from the ward.

ACTION SHOULD BE TAKEN

In my opinion action should be taken to prevent future deaths.
"""


def _keyword(lib, word: str) -> int:
    return lib.store.conn.execute("SELECT COUNT(*) FROM passages_fts WHERE passages_fts MATCH ?", (word,)).fetchone()[0]


def _vectors_match_store(lib) -> None:
    assert lib.passages.ntotal == lib.store.count("passages")
    assert lib.findings.ntotal == lib.store.count("findings")
    ids = {r[0] for r in lib.store.conn.execute("SELECT id FROM passages")}
    q = lib.embedder.encode(["assessment reviewed incident"])[0]
    assert {i for i, _ in lib.passages.search(q, 50)} <= ids


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "report.txt").write_text(REPORT.format(word="zebrafish"))
    (d / "other.txt").write_text("Minutes of the board. Item 2: the board will commission training for all staff.")
    return d


def test_an_edited_file_replaces_its_old_version(library, folder):
    ingest(library, [folder])
    old_id = documents_for(library, [str(folder / "report.txt")])[0][0]
    other = documents_for(library, [str(folder / "other.txt")])[0]
    (folder / "report.txt").write_text(REPORT.format(word="kingfisher"))
    s = ingest(library, [folder]).summary()
    assert s["added"] == 1 and s["replaced"] == 1 and s["already_present"] == 1
    assert s["replaced_documents"][0]["id"] == old_id
    new_id = s["replaced_documents"][0]["replaced_by"]
    assert library.store.count("documents") == 2
    assert documents_for(library, [str(folder / "report.txt")])[0] == [new_id]
    assert documents_for(library, [str(folder / "other.txt")])[0] == other  # the other document kept its id
    assert _keyword(library, "kingfisher") == 1 and _keyword(library, "zebrafish") == 0
    assert library.store.conn.execute("SELECT COUNT(*) FROM findings_fts WHERE findings_fts MATCH 'zebrafish'"
                                      ).fetchone()[0] == 0
    _vectors_match_store(library)
    # the same bytes again: nothing to do
    again = ingest(library, [folder]).summary()
    assert again["added"] == again["replaced"] == 0 and again["already_present"] == 2
    # back to the first version: read again (its old bytes were forgotten) and replaced once more
    (folder / "report.txt").write_text(REPORT.format(word="zebrafish"))
    back = ingest(library, [folder]).summary()
    assert back["replaced"] == 1 and _keyword(library, "zebrafish") == 1 and _keyword(library, "kingfisher") == 0


def test_pack_entries_and_judgements_follow_the_new_version(library, folder):
    ingest(library, [folder])
    old_id = documents_for(library, [str(folder / "report.txt")])[0][0]
    f_same, f_edit = [r[0] for r in library.store.conn.execute(
        "SELECT id FROM findings WHERE document_id=? ORDER BY seq", (old_id,))]
    packs = PackTable(library)
    pid = packs.create("p", "", "2026-01-01")
    packs.add(pid, [("document", old_id, "whole"), ("finding", f_same, ""), ("finding", f_edit, "")], "2026-01-01")
    sid = insert_screen(library, "s", "assessment", {})["id"]
    save_judgements(library, sid, [(old_id, 1, "yes")])
    text = REPORT.format(word="zebrafish").replace("Nobody told the GP", "Nobody at all told the GP")
    (folder / "report.txt").write_text(text)
    s = ingest(library, [folder]).summary()
    new_id = s["replaced_documents"][0]["replaced_by"]
    whats = {(p["item_type"], p["item_id"]): p["what"] for p in s["replaced_documents"][0]["packs"]}
    assert whats == {("document", old_id): "changed", ("finding", f_same): "followed",
                     ("finding", f_edit): "finding_changed"}
    new_findings = [r[0] for r in library.store.conn.execute(
        "SELECT id FROM findings WHERE document_id=? ORDER BY seq", (new_id,))]
    entries = packs.entries(pid)
    assert [(e["item_type"], e["item_id"]) for e in entries] == [("document", new_id), ("finding", new_findings[0]),
                                                                ("finding", new_findings[1])]
    assert [e["note"] for e in entries][0] == "whole"
    flags = dict(library.store.conn.execute("SELECT item_id, what FROM collection_item_changes"))
    assert flags == {entries[0]["id"]: "changed", entries[2]["id"]: "finding_changed"}
    assert [(j["document_id"], j["label"], j["note"]) for j in judgements(library, sid)] == [(new_id, 1, "yes")]
    assert s["replaced_documents"][0]["judgements_followed"] == 1


def test_remove_by_id_and_by_source_flags_packs_and_keeps_the_rest(library, folder, tmp_path):
    (folder / "third.txt").write_text("Inspection report: the care home failed to record falls in the log book.")
    ingest(library, [folder])
    ids = {p.name: documents_for(library, [str(p)])[0][0] for p in folder.iterdir()}
    q = library.embedder.encode(["training for all staff"])[0]
    before = [i for i, _ in library.passages.search(q, 10)
              if library.store.conn.execute("SELECT document_id FROM passages WHERE id=?", (i,)).fetchone()[0]
              == ids["other.txt"]]
    packs = PackTable(library)
    pid = packs.create("p", "", "2026-01-01")
    packs.add(pid, [("document", ids["report.txt"], "")], "2026-01-01")
    out = remove_documents(library, [ids["report.txt"]])
    assert [r["id"] for r in out["removed"]] == [ids["report.txt"]] and out["not_found"] == []
    assert out["removed"][0]["packs"][0]["what"] == "removed"
    assert [e["item_id"] for e in packs.entries(pid)] == [ids["report.txt"]]  # kept, shown as missing, flagged
    assert library.store.conn.execute("SELECT what FROM collection_item_changes").fetchone()[0] == "removed"
    assert _keyword(library, "zebrafish") == 0
    for table in ("passages", "findings", "actions", "document_sources", "post_ingest_done"):
        assert library.store.conn.execute(f"SELECT COUNT(*) FROM {table} WHERE document_id=?",
                                          (ids["report.txt"],)).fetchone()[0] == 0
    ids_by_source, unmatched = documents_for(library, [str(folder / "third.txt"), str(tmp_path / "nothing.txt")])
    assert ids_by_source == [ids["third.txt"]] and unmatched == [str(tmp_path / "nothing.txt")]
    remove_documents(library, ids_by_source)
    assert [d["id"] for d in library.store.documents()] == [ids["other.txt"]]
    _vectors_match_store(library)
    after = [i for i, _ in library.passages.search(q, 10)]
    assert after == before  # what is left is found as before
    # removed documents come back when their files are ingested again
    s = ingest(library, [folder]).summary()
    assert s["added"] == 2 and s["already_present"] == 1


def test_sync_removes_documents_whose_files_are_gone(library, folder):
    ingest(library, [folder])
    gone = documents_for(library, [str(folder / "report.txt")])[0][0]
    (folder / "report.txt").unlink()
    s = ingest(library, [folder], sync=True).summary()
    assert s["removed"] == 1 and [d["id"] for d in s["removed_documents"]] == [gone]
    assert library.store.count("documents") == 1 and _keyword(library, "zebrafish") == 0
    _vectors_match_store(library)
    assert ingest(library, [folder], sync=True).summary()["removed"] == 0


def test_a_moved_file_keeps_its_document(library, folder, tmp_path):
    ingest(library, [folder])
    doc = documents_for(library, [str(folder / "report.txt")])[0][0]
    (folder / "report.txt").rename(folder / "renamed.txt")
    s = ingest(library, [folder], sync=True).summary()
    assert s["removed"] == 0 and [m["id"] for m in s["moved"]] == [doc]
    assert documents_for(library, [str(folder / "renamed.txt")])[0] == [doc]
    assert library.store.document(doc)["source"] == str(folder / "renamed.txt")


def test_a_killed_replacement_loses_nothing_and_a_rerun_finishes_it(library, folder):
    ingest(library, [folder])
    old_id = documents_for(library, [str(folder / "report.txt")])[0][0]
    (folder / "report.txt").write_text(REPORT.format(word="kingfisher"))
    real = library.embedder.encode

    def dying(texts):
        raise KeyboardInterrupt("killed")

    library._embedder.encode = dying
    with pytest.raises(KeyboardInterrupt):
        ingest(library, [folder])
    library._embedder.encode = real
    assert documents_for(library, [str(folder / "report.txt")])[0] == [old_id]
    assert _keyword(library, "zebrafish") == 1 and _keyword(library, "kingfisher") == 0
    s = ingest(library, [folder]).summary()
    assert s["replaced"] == 1 and _keyword(library, "kingfisher") == 1 and _keyword(library, "zebrafish") == 0


def test_another_open_library_drops_removed_vectors(library, folder, tmp_path):
    ingest(library, [folder])
    server = open_library(library.path)  # a long-lived reader in the same directory
    assert server.passages.ntotal == library.store.count("passages")
    remove_documents(library, documents_for(library, [str(folder / "report.txt")])[0])
    server.refresh_vectors(force=True)
    assert server.passages.ntotal == library.store.count("passages")
    server.close()


def test_a_dataset_row_is_its_file_and_reference(library, tmp_path):
    from index.ingest import source_key

    assert source_key(str(tmp_path / "a.csv") + "#row=3", "2024-0001", {}) == f"{tmp_path / 'a.csv'}#2024-0001"
    assert source_key(str(tmp_path / "a.csv") + "#row=3", None, {"url": "https://x/y"}) == \
        f"{tmp_path / 'a.csv'}#https://x/y"
    assert source_key("https://example.org/r.pdf") == "https://example.org/r.pdf"


def _reports_csv(path, rows) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["url", "id", "date", "coroner", "area", "receiver", "investigation", "circumstances", "concerns"])
        for ref, concern in rows:
            w.writerow([f"https://example.org/{ref}/", ref, "2023-01-05", "A. Coroner", "Kent", "NHS England",
                        f"On 1 May 2022 I commenced an investigation into the death of Person {ref}.",
                        "The person died in hospital.", concern])


def test_a_re_read_dataset_replaces_changed_rows_and_drops_vanished_ones(library, tmp_path):
    f = tmp_path / "reports.csv"
    _reports_csv(f, [("2023-0001", "The ward had no falls policy."), ("2023-0002", "Observations were not recorded."),
                     ("2023-0003", "The zebrafish protocol was ignored.")])
    assert ingest(library, [f]).summary()["added"] == 3
    ids = {library.store.document(i)["reference"]: i for i in documents_for(library, [str(f)])[0]}
    _reports_csv(f, [("2023-0003", "The kingfisher protocol was ignored."), ("2023-0001", "The ward had no falls policy.")])
    s = ingest(library, [f]).summary()
    assert (s["added"], s["already_present"], s["replaced"], s["removed"]) == (1, 1, 1, 1)
    assert s["replaced_documents"][0]["id"] == ids["2023-0003"]
    assert [d["id"] for d in s["removed_documents"]] == [ids["2023-0002"]]
    refs = {library.store.document(i)["reference"]: i for i in documents_for(library, [str(f)])[0]}
    assert set(refs) == {"2023-0001", "2023-0003"} and refs["2023-0001"] == ids["2023-0001"]
    assert _keyword(library, "kingfisher") == 1 and _keyword(library, "zebrafish") == 0
    _vectors_match_store(library)


def test_responses_follow_a_replaced_report_and_are_unlinked_from_a_removed_one(shared, tmp_path, library):
    import csv

    csv.field_size_limit(1 << 30)
    with open(shared / "corpus/pfd/responses.csv", encoding="utf-8", newline="") as f:
        responses = list(csv.DictReader(f))[:6]
    parents = {r["parent_id"] for r in responses}
    with open(shared / "corpus/pfd/reports.csv", encoding="utf-8", newline="") as f:
        rd = csv.DictReader(f)
        fields, rows = rd.fieldnames, [r for r in rd if r["id"] in parents]
    d = tmp_path / "pfd"
    d.mkdir()

    def write_reports() -> None:
        with open(d / "reports.csv", "w", encoding="utf-8", newline="") as f:
            w = csv.DictWriter(f, fieldnames=fields)
            w.writeheader()
            w.writerows(rows)

    write_reports()
    with open(d / "responses.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(responses[0]))
        w.writeheader()
        w.writerows(responses)
    ingest(library, [d])
    c = library.store.conn
    response, report = c.execute("SELECT response_id, report_id FROM links ORDER BY response_id").fetchone()
    ref = library.store.document(report)["reference"]
    next(r for r in rows if r["id"] == ref)["concerns"] += " A further concern: the zebrafish audit never happened."
    write_reports()
    s = ingest(library, [d]).summary()
    assert [r["id"] for r in s["replaced_documents"]] == [report]
    new = s["replaced_documents"][0]["replaced_by"]
    assert library.store.document(new)["reference"] == ref
    assert (response, new) in {(a, b) for a, b in c.execute("SELECT response_id, report_id FROM links")}
    remove_documents(library, [new])
    assert c.execute("SELECT COUNT(*) FROM links WHERE report_id=? OR response_id=?", (new, new)).fetchone()[0] == 0
    assert c.execute("SELECT 1 FROM post_ingest_done WHERE document_id=? AND step='link'", (response,)).fetchone()


def test_rows_dropped_from_a_dataset_are_dropped_by_the_rerun_of_a_killed_ingest(library, tmp_path, monkeypatch):
    from index.ingest import sources

    f = tmp_path / "reports.csv"
    _reports_csv(f, [("2023-0001", "The ward had no falls policy."), ("2023-0002", "The zebrafish protocol.")])
    ingest(library, [f])
    _reports_csv(f, [("2023-0001", "The ward had no falls policy.")])
    real = sources.remove_documents

    def killed(*a, **k):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(sources, "remove_documents", killed)
    with pytest.raises(KeyboardInterrupt):
        ingest(library, [f])
    assert _keyword(library, "zebrafish") == 1
    monkeypatch.setattr(sources, "remove_documents", real)
    s = ingest(library, [f]).summary()  # the file was not recorded: read again, the row dropped now
    assert s["removed"] == 1 and _keyword(library, "zebrafish") == 0 and library.store.count("documents") == 1


def test_a_library_from_before_source_keys_gets_them_and_replaces_edited_files(library, folder):
    ingest(library, [folder])
    with library.store.transaction() as c:  # as a library written before migration 8 holds it
        c.execute("DELETE FROM document_sources")
    old = library.store.conn.execute("SELECT id FROM documents WHERE source=?", (str(folder / "report.txt"),)).fetchone()[0]
    (folder / "report.txt").write_text(REPORT.format(word="kingfisher"))
    s = ingest(library, [folder]).summary()
    assert s["replaced"] == 1 and s["replaced_documents"][0]["id"] == old and library.store.count("documents") == 2
    assert library.store.count("document_sources") == 2
