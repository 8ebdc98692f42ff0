"""A pack page says which entries changed since they were added (an edited file replaced its
document, index/ingest/sources.py) and which are no longer in the library."""
from index.ingest import documents_for, ingest, remove_documents
from search.packs.packs import add_document, add_finding, create_pack

REPORT = """REGULATION 28 REPORT TO PREVENT FUTURE DEATHS

CORONER'S CONCERNS

The MATTERS OF CONCERN are as follows:

1. The {word} risk assessment was not reviewed after the second incident.

2. Nobody told the GP about the discharge from the ward.
"""


def test_pack_page_flags_changed_and_removed_entries(library, tmp_path):
    from webui import create_app

    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text(REPORT.format(word="zebrafish"))
    (d / "b.txt").write_text(REPORT.format(word="otter").replace("Nobody told", "Nobody at all told"))
    ingest(library, [d])
    a, b = (documents_for(library, [str(d / n)])[0][0] for n in ("a.txt", "b.txt"))
    f2 = library.store.conn.execute("SELECT id FROM findings WHERE document_id=? ORDER BY seq", (a,)).fetchall()[1][0]
    p = create_pack(library, "p", "")
    add_document(library, p["id"], a)
    add_document(library, p["id"], b)
    add_finding(library, p["id"], f2)
    client = create_app({"TESTING": True, "LIBRARY": library}).test_client()
    assert "changed since added" not in client.get(f"/collections/{p['id']}").get_data(as_text=True)
    (d / "a.txt").write_text(REPORT.format(word="zebrafish").split("2. Nobody")[0])  # concern 2 is gone
    ingest(library, [d])
    remove_documents(library, [b])
    page = client.get(f"/collections/{p['id']}").get_data(as_text=True)
    assert "its document was replaced by a new version without it" in page and "changed since added" in page
    assert f"document {b} is no longer in the library" in page
    data = client.get(f"/collections/{p['id']}.json").get_json()
    assert sorted(i["changed"] for i in data["items"]) == ["changed", "finding_gone", "removed"]
