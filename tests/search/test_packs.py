import csv
import io
import json

import pytest

from tests.support.ledger_data import client, lib  # noqa: F401  (shared fixtures)
from search.packs.export import to_csv, to_markdown, to_pdf
from search.packs.packs import (
    PackError,
    add_item,
    create_pack,
    get_pack,
    list_packs,
    remove_item,
)



@pytest.fixture
def pack(lib):
    c = create_pack(lib, "Information sharing", "MARAC and MAPPA cases")
    add_item(lib, c["id"], "finding", 1, note="ask: who owned the minutes?")
    add_item(lib, c["id"], "case", 4)
    return get_pack(lib, c["id"])


def test_create_add_remove_persist(lib, pack):
    assert pack["total"] == 2 and [i["item_type"] for i in pack["items"]] == ["finding", "document"]
    add_item(lib, pack["id"], "finding", 1)  # twice: still one, note kept
    again = get_pack(lib, pack["id"])
    assert again["total"] == 2 and again["items"][0]["note"] == "ask: who owned the minutes?"
    assert list_packs(lib)["collections"][0]["items"] == 2
    remove_item(lib, pack["id"], "document", 4)
    assert get_pack(lib, pack["id"])["total"] == 1
    with pytest.raises(PackError):
        add_item(lib, pack["id"], "finding", 999)
    with pytest.raises(PackError):
        create_pack(lib, "  ")
    with pytest.raises(PackError):
        add_item(lib, pack["id"], "passage", 1)


def test_cases_carry_concerns_actions_outcome(pack):
    assert [c["document"]["id"] for c in pack["cases"]] == [1, 4]
    report, plan = pack["cases"]
    assert [f["id"] for f in report["concerns"]] == [1]  # only the concern that was added
    assert "MARAC meeting was not properly minuted" in report["concerns"][0]["text"]
    assert [a["id"] for a in report["concerns"][0]["actions"]] == [1]
    assert report["notes"] == ["ask: who owned the minutes?"]
    o = report["outcome"]
    assert o["tracker_status"] == "partial" and o["responses"][0]["document_id"] == 2
    assert "tracker response status: partial" in o["summary"] and "of 2 recipients responded" in o["summary"]
    assert report["document"]["area"] == "Birmingham" and report["document"]["recipients"] == [
        "Chief Executive, NHS England", "WMP"]
    assert report["document"]["source_name"] == "1.txt"  # a file name, never the server path
    assert "Probation and police should share risk information" in plan["concerns"][0]["text"]
    assert [a["id"] for a in plan["concerns"][0]["actions"]] == [2, 3, 4, 5]
    assert plan["outcome"]["commitments_done"] == 1 and plan["outcome"]["commitments"] == 4


def test_markdown_export(pack):
    md = to_markdown(pack, "http://x")
    assert md.startswith("# Information sharing")
    assert "**Purpose:** MARAC and MAPPA cases" in md.split("## 1.")[0]  # the purpose opens the pack
    assert "MARAC meeting was not properly minuted" in md
    assert "We will fund trained minute takers" in md  # the action
    assert "### Outcome so far" in md
    assert "<http://x/cases/1>" in md  # library links only from the given base
    assert "Jane Doe — PFD report 2019-0100" in md
    assert "Joint Review Action Plan in respect of Case BDHR/2013-14/02" in md
    assert "http" not in to_markdown(pack)  # no base, no library links (and these fixtures have no URL)


def test_csv_export(pack):
    rows = list(csv.DictReader(io.StringIO(to_csv(pack))))
    assert len(rows) == 2  # one concern from each case
    assert rows[0]["purpose"] == "MARAC and MAPPA cases" and rows[0]["library_link"] == ""
    assert "minute takers" in rows[0]["actions"] and rows[0]["recipients"] == "Chief Executive, NHS England; WMP"
    assert rows[1]["case_title"].startswith("Joint Review Action Plan")


def test_pdf_export(pack):
    pdf = to_pdf(pack)
    assert pdf.startswith(b"%PDF")
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) > 0
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Information sharing" in text and "minute takers" in text and "Purpose: MARAC" in text


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
    assert set(data["cases"][0]) >= {"document", "account", "concerns", "outcome"}
    assert client.get(f"/collections/{cid}").status_code == 200
    assert client.get("/collections").status_code == 200
    assert client.get("/collections.json").get_json()["total"] == 1
    for ext, start in (("md", b"# Professional curiosity"), ("pdf", b"%PDF"), ("csv", b"pack,purpose,")):
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
    c = create_pack(lib, "<b>pack</b>")
    add_item(lib, c["id"], "finding", 1)
    html = client.get(f"/collections/{c['id']}").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img" in html and "<b>pack</b>" not in html


def test_cli_packs(lib, runner, tmp_path):
    from precedent import cli

    base = ["--library", str(lib.path)]
    r = runner.invoke(cli, ["packs", "new", "Pack", "--purpose", "Teach sharing", *base])
    assert r.exit_code == 0 and "created pack 1" in r.output
    assert runner.invoke(cli, ["packs", "new", "pack", *base]).exit_code == 1  # names are unique
    assert runner.invoke(cli, ["packs", "add", "Pack", "--finding", "1", *base]).exit_code == 0
    r = runner.invoke(cli, ["packs", "add", "Pack", "--document", "4", *base])
    assert r.exit_code == 0 and "2 items in 2 cases" in r.output
    r = runner.invoke(cli, ["packs", "add", "Pack", "--document", "999", *base])
    assert r.exit_code == 1 and "no document 999" in r.output and "Traceback" not in r.output
    assert runner.invoke(cli, ["packs", "add", "Nope", "--document", "4", *base]).exit_code == 1
    out = tmp_path / "pack.pdf"
    r = runner.invoke(cli, ["packs", "export", "Pack", "--format", "pdf", "--out", str(out), *base])
    assert r.exit_code == 0 and out.read_bytes().startswith(b"%PDF")
    r = runner.invoke(cli, ["packs", "export", "Pack", *base])
    assert r.exit_code == 0 and r.output.startswith("# Pack") and "minute takers" in r.output
    r = runner.invoke(cli, ["packs", "export", "Pack", "--format", "csv", "--base-url", "https://lib.example.org/", *base])
    assert r.exit_code == 0 and "https://lib.example.org/cases/1" in r.output
    assert runner.invoke(cli, ["packs", "export", "Pack", "--base-url", "javascript:x", *base]).exit_code == 2
    r = runner.invoke(cli, ["packs", "show", "Pack", "--json", *base])
    assert r.exit_code == 0 and json.loads(r.output)["purpose"] == "Teach sharing"
    r = runner.invoke(cli, ["packs", "list", *base])
    assert "Pack" in r.output
    r = runner.invoke(cli, ["collections", "list", *base])  # the older name of the group
    assert "Pack" in r.output
    assert runner.invoke(cli, ["packs", "remove", "Pack", "--document", "4", *base]).exit_code == 0
    assert runner.invoke(cli, ["packs", "delete", "Pack", *base]).exit_code == 0
