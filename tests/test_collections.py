import csv
import io

import pytest

from ledger_data import client, lib  # noqa: F401  (shared fixtures)
from search.collections import (
    CollectionError,
    add_item,
    create_collection,
    get_collection,
    list_collections,
    remove_item,
    to_csv,
    to_markdown,
    to_pdf,
)



@pytest.fixture
def pack(lib):
    c = create_collection(lib, "Information sharing", "MARAC and MAPPA cases")
    add_item(lib, c["id"], "finding", 1, note="ask: who owned the minutes?")
    add_item(lib, c["id"], "case", 4)
    return get_collection(lib, c["id"])


def test_create_add_remove_persist(lib, pack):
    assert pack["total"] == 2 and [i["item_type"] for i in pack["items"]] == ["finding", "document"]
    add_item(lib, pack["id"], "finding", 1)  # twice: still one, note kept
    again = get_collection(lib, pack["id"])
    assert again["total"] == 2 and again["items"][0]["note"] == "ask: who owned the minutes?"
    assert list_collections(lib)["collections"][0]["items"] == 2
    remove_item(lib, pack["id"], "document", 4)
    assert get_collection(lib, pack["id"])["total"] == 1
    with pytest.raises(CollectionError):
        add_item(lib, pack["id"], "finding", 999)
    with pytest.raises(CollectionError):
        create_collection(lib, "  ")
    with pytest.raises(CollectionError):
        add_item(lib, pack["id"], "passage", 1)


def test_items_carry_concern_actions_outcome_citation(pack):
    f, d = pack["items"]
    assert "MARAC meeting was not properly minuted" in f["concern"]
    assert [a["id"] for a in f["actions"]] == [1]
    assert "tracker response status: partial" in f["outcome"]
    assert f["citation"]["link"] == "/documents/1" and f["citation"]["page"] == 1
    assert "Probation and police should share risk information" in d["concern"]
    assert [a["id"] for a in d["actions"]] == [2, 3, 4, 5]
    assert "1 completed" in d["outcome"] and "1 ongoing" in d["outcome"]


def test_markdown_export(pack):
    md = to_markdown(pack, "http://x")
    assert md.startswith("# Information sharing")
    assert "MARAC meeting was not properly minuted" in md
    assert "We will fund trained minute takers" in md  # the action
    assert "**Outcome:**" in md
    assert "[http://x/documents/1](http://x/documents/1)" in md  # the citation
    assert "Jane Doe — PFD report 2019-0100" in md
    assert "Joint Review Action Plan in respect of Case BDHR/2013-14/02" in md


def test_csv_export(pack):
    rows = list(csv.DictReader(io.StringIO(to_csv(pack))))
    assert len(rows) == 2
    assert rows[0]["link"] == "/documents/1" and "minute takers" in rows[0]["actions"]
    assert rows[1]["item_type"] == "document" and rows[1]["document_type"] == "action_plan"


def test_pdf_export(pack):
    pdf = to_pdf(pack)
    assert pdf.startswith(b"%PDF")
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 0
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Information sharing" in text and "minute takers" in text


def test_pages_posts_and_exports(client, lib):
    r = client.post("/collections", data={"name": "Professional curiosity", "item_type": "finding", "item_id": "2"})
    assert r.status_code == 303
    cid = int(r.headers["Location"].rsplit("/", 1)[1])
    r = client.post(f"/collections/{cid}/items", data={"item_type": "document", "item_id": "3"})
    assert r.status_code == 303
    r = client.post(f"/collections/{cid}/items.json", json={"item_type": "finding", "item_id": 4})
    assert r.status_code == 200 and r.get_json()["total"] == 3
    data = client.get(f"/collections/{cid}.json").get_json()
    assert set(data) >= {"id", "name", "items", "total"} and data["total"] == 3
    assert set(data["items"][0]) >= {"concern", "actions", "outcome", "citation"}
    assert client.get(f"/collections/{cid}").status_code == 200
    assert client.get("/collections").status_code == 200
    assert client.get("/collections.json").get_json()["total"] == 1
    for ext, start in (("md", b"# Professional curiosity"), ("pdf", b"%PDF"), ("csv", b"position,")):
        r = client.get(f"/collections/{cid}/export.{ext}")
        assert r.status_code == 200 and r.data.startswith(start), ext
    entry = data["items"][0]["entry_id"]
    assert client.post(f"/collections/{cid}/remove", data={"entry_id": str(entry)}).status_code == 303
    assert client.get(f"/collections/{cid}.json").get_json()["total"] == 2
    r = client.post("/collections.json", json={"name": "Via JSON"})
    assert r.status_code == 201 and r.get_json()["name"] == "Via JSON"
    # errors: one JSON shape
    for r in (client.get("/collections/999.json"), client.post("/collections/999/items.json", json={"item_type": "finding", "item_id": 1}),
              client.post(f"/collections/{cid}/items.json", json={"item_type": "finding", "item_id": 999})):
        assert r.status_code == 404 and set(r.get_json()["error"]) == {"status", "message"}
    r = client.post("/collections.json", json={"name": ""})
    assert r.status_code == 400 and r.get_json()["error"]["status"] == 400
    assert client.get(f"/collections/{cid}/export.exe").status_code == 404
    assert client.post(f"/collections/{cid}/delete").status_code == 303
    assert client.get(f"/collections/{cid}.json").status_code == 404


def test_collection_page_escapes_text(client, lib):
    lib.store.conn.execute("UPDATE findings SET text='<img src=x onerror=alert(1)> bad' WHERE id=1")
    c = create_collection(lib, "<b>pack</b>")
    add_item(lib, c["id"], "finding", 1)
    html = client.get(f"/collections/{c['id']}").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img" in html and "<b>pack</b>" not in html


def test_cli_collections(lib, runner, tmp_path):
    from precedent import cli

    base = ["--library", str(lib.path)]
    r = runner.invoke(cli, ["collections", "create", "Pack", *base])
    assert r.exit_code == 0 and "created collection 1" in r.output
    assert runner.invoke(cli, ["collections", "add", "1", "finding", "1", *base]).exit_code == 0
    out = tmp_path / "pack.pdf"
    r = runner.invoke(cli, ["collections", "export", "1", "--format", "pdf", "-o", str(out), *base])
    assert r.exit_code == 0 and out.read_bytes().startswith(b"%PDF")
    r = runner.invoke(cli, ["collections", "export", "1", *base])
    assert r.exit_code == 0 and "minute takers" in r.output
    r = runner.invoke(cli, ["collections", "list", *base])
    assert "Pack" in r.output
