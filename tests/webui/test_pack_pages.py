"""Issue 15: packs that stand alone, links from a configured base URL only, CSV cells
neutralised, every hit one click from its case, the home page and the documents list."""
import csv
import io

import pytest

import tests.support.journey_data as journey_data
from search.csv_cells import safe_cell, write_csv


@pytest.fixture
def jlib(library, tmp_path):
    journey_data.build(library, tmp_path / "journey")
    return library


def _client(lib, **config):
    from webui import create_app

    return create_app({"TESTING": True, "LIBRARY": lib, **config}).test_client()


@pytest.fixture
def jclient(jlib):
    return _client(jlib)


def _pfd_ids(lib) -> list[int]:
    return [r[0] for r in lib.store.conn.execute("SELECT id FROM documents WHERE type='pfd_report' ORDER BY id")]


@pytest.fixture
def full_pack(jlib):
    from search.packs.packs import add_document, add_finding, create_pack

    p = create_pack(jlib, "Sharing risk", "Cases where agencies held part of the risk")
    for did in _pfd_ids(jlib)[:3]:
        add_document(jlib, p["id"], did)
    add_finding(jlib, p["id"], 4, note="Ask: who should have acted?")
    return p["id"]


# ------------------------------------------------------------------ CSV cells


@pytest.mark.parametrize("value", ["=1+2", "+44 20", "-2+3", "@SUM(A1)", "\t=x", "\r=x", '=HYPERLINK("http://e","x")'])
def test_formula_leading_cells_are_quoted(value):
    assert safe_cell(value) == "'" + value.replace("\r", "\n")
    rows = list(csv.reader(io.StringIO(write_csv(["h"], [[value]]), newline="")))
    assert len(rows) == 2 and rows[1][0] == "'" + value.replace("\r", "\n")


def test_ordinary_cells_and_numbers_unchanged():
    assert safe_cell("Plain text = fine") == "Plain text = fine"
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5 and safe_cell(None) == "" and safe_cell(True) == "yes"


def test_every_csv_export_neutralises(jlib, jclient, full_pack):
    text = jclient.get(f"/collections/{full_pack}/export.csv").get_data(as_text=True)
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert any(c.startswith("'=HYPERLINK(") for c in cells)
    assert not any(c[:1] in "=+-@\t\r" for c in cells if c)
    jlib.store.conn.execute("UPDATE actions SET owner='=cmd|/c calc', text='@SUM(1)' WHERE id=2")
    ledger = jclient.get("/commitments.csv").get_data(as_text=True)
    cells = [c for row in csv.reader(io.StringIO(ledger)) for c in row]
    assert "'=cmd|/c calc" in cells and "'@SUM(1)" in cells
    assert not any(c[:1] in "=+@\t\r" for c in cells if c)


# ------------------------------------------------------------------ a pack that stands alone


def test_markdown_tells_each_case(jlib, full_pack):
    from search.packs.export import to_markdown
    from search.packs.packs import get_pack

    pack = get_pack(jlib, full_pack)
    md = to_markdown(pack)
    head = md.split("## 1.")[0]
    assert "Cases where agencies held part of the risk" in head  # the purpose opens it
    assert len(pack["cases"]) == 3  # the concern of case 2 joins case 2
    for case in pack["cases"]:
        d = case["document"]
        assert d["type"] == "pfd_report"
        assert case["account"] and case["account"]["kind"] == "circumstances"
        assert case["account"]["text"].split(".")[0] in md  # what happened, quoted
        assert d["source_url"].startswith("https://www.judiciary.uk/") and d["source_url"] in md
        assert d["title"] in md
    assert "West Midlands Police; NHS England" in md  # recipients
    assert "Birmingham and Solihull" in md and "A. Coroner" in md  # area and coroner
    assert "We will recruit trained minute takers" in md and "due: 2021-03-31" in md and "OVERDUE" in md
    assert "1 of 2 recipients responded" in md and "response overdue from NHS England" in md
    assert "Ask: who should have acted?" in md
    assert "127.0.0.1" not in md and "localhost" not in md and "/cases/" not in md


def test_exports_link_to_the_library_only_from_the_configured_base(jlib, full_pack):
    evil = {"Host": "evil.example:8080"}  # a name the server was told to answer (else it is a 400)
    plain = _client(jlib, ALLOWED_HOSTS=("evil.example",))
    for ext in ("md", "csv"):
        body = plain.get(f"/collections/{full_pack}/export.{ext}", headers=evil).get_data(as_text=True)
        assert "evil.example" not in body and "localhost" not in body and "/cases/" not in body
    pdf = plain.get(f"/collections/{full_pack}/export.pdf", headers=evil).data
    assert b"evil.example" not in pdf
    configured = _client(jlib, BASE_URL="https://precedent.example.org/", ALLOWED_HOSTS=("evil.example",))
    md = configured.get(f"/collections/{full_pack}/export.md", headers=evil).get_data(as_text=True)
    assert "<https://precedent.example.org/cases/1>" in md and "evil.example" not in md
    rows = list(csv.DictReader(io.StringIO(
        configured.get(f"/collections/{full_pack}/export.csv", headers=evil).get_data(as_text=True))))
    assert rows[0]["library_link"] == "https://precedent.example.org/cases/1"
    assert rows[0]["purpose"] == "Cases where agencies held part of the risk"
    assert _client(jlib, BASE_URL="javascript:alert(1)").get(
        f"/collections/{full_pack}/export.md").get_data(as_text=True).count("javascript") == 0


def test_env_base_url(jlib, full_pack, monkeypatch):
    monkeypatch.setenv("PRECEDENT_BASE_URL", "http://library.internal:5000")
    md = _client(jlib).get(f"/collections/{full_pack}/export.md").get_data(as_text=True)
    assert "<http://library.internal:5000/cases/1>" in md


def test_pdf_holds_circumstances_and_source(jlib, full_pack):
    from pypdf import PdfReader

    from search.packs.export import to_pdf
    from search.packs.packs import get_pack

    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(to_pdf(get_pack(jlib, full_pack)))).pages)
    assert "Jane Example was known to the MARAC" in text
    assert "https://www.judiciary.uk/prevention-of-future-death-reports/jane-example" in text


def test_javascript_urls_never_become_links(jlib, jclient, full_pack):
    jlib.store.conn.execute("UPDATE documents SET meta=json_set(meta, '$.url', 'javascript:alert(7)') WHERE id=1")
    from search.packs.export import to_markdown
    from search.packs.packs import get_pack

    assert "javascript:" not in to_markdown(get_pack(jlib, full_pack))
    for url in ("/documents/1", "/cases/1", f"/collections/{full_pack}"):
        html = jclient.get(url).get_data(as_text=True)
        assert 'href="javascript:' not in html, url


# ------------------------------------------------------------------ one click from the case


def test_search_results_carry_case_url_and_pack_menu(jclient, full_pack):
    data = jclient.get("/search.json?q=MARAC+minuted").get_json()
    assert data["results"] and all(r["case_url"] == f"/cases/{r['document']['id']}" for r in data["results"])
    html = jclient.get("/search?q=MARAC+minuted").get_data(as_text=True)
    assert 'class="case-link" href="/cases/' in html
    assert 'action="/collections/add"' in html and ">Sharing risk</option>" in html


def test_add_to_pack_by_choice_or_by_new_name(jlib, jclient, full_pack):
    r = jclient.post("/collections/add", data={"new_pack": "Ward safety", "item_type": "finding", "item_id": "3"})
    assert r.status_code == 303 and r.headers["Location"].startswith("/collections/")
    page = jclient.get(r.headers["Location"])
    assert page.mimetype == "text/html" and "Ward safety" in page.get_data(as_text=True)
    r = jclient.post("/collections/add", data={"new_pack": "ward  SAFETY", "item_type": "document", "item_id": "5"})
    r2 = jclient.post("/collections/add", data={"pack": str(full_pack), "item_type": "document", "item_id": "9"})
    assert r2.status_code == 303 and r2.headers["Location"] == f"/collections/{full_pack}"
    packs = {p["name"]: p for p in jclient.get("/collections.json").get_json()["collections"]}
    assert set(packs) == {"Sharing risk", "Ward safety"} and packs["Ward safety"]["item_count"] == 2
    bad = jclient.post("/collections/add.json", json={"item_type": "document", "item_id": 1})
    assert bad.status_code == 400 and bad.get_json()["error"]["status"] == 400
    for item_id in (10**23, 1e23, 1.5, "x", -1):
        r = jclient.post("/collections/add.json", json={"pack": full_pack, "item_type": "document", "item_id": item_id})
        assert r.status_code == 400 and set(r.get_json()["error"]) == {"status", "message"}, item_id


def test_pack_chooser_shows_the_title(jclient, full_pack):
    html = jclient.get("/collections?item_type=document&item_id=1").get_data(as_text=True)
    assert "built-in method" not in html and "Adding document" not in html
    assert "Jane Example — PFD report 2021-0101" in html
    assert jclient.get("/collections?item_type=document&item_id=999").status_code == 404
    listing = jclient.get("/collections").get_data(as_text=True)
    assert "built-in method" not in listing
    cases = len(jclient.get(f"/collections/{full_pack}.json").get_json()["cases"])
    items = 4
    want = f'<td class="cases">{cases}' + (f' <span class="meta">({items} items)</span>' if cases != items else "") + "</td>"
    assert want in listing


def test_document_and_theme_pages_link_cases(jlib, jclient):
    html = jclient.get("/documents/1").get_data(as_text=True)
    assert 'href="/cases/1"' in html and 'name="item_type" value="finding"' in html
    assert str(jlib.path.parent) not in html and "/journey/" not in html  # never a server path
    assert 'href="https://www.judiciary.uk/prevention-of-future-death-reports/jane-example' in html
    assert "page " in html or "Coroner" in html  # section shown on the concern card
    theme = jclient.get("/themes.json").get_json()["themes"][0]
    page = jclient.get(f"/themes/{theme['id']}").get_data(as_text=True)
    assert page.count('class="case-link"') >= theme["documents"]


def test_case_page_shows_whole_concerns_and_the_story(jlib, jclient):
    long = "The referral was not followed up. " * 40
    jlib.store.conn.execute("UPDATE findings SET text=? WHERE id=1", (long.strip(),))
    html = jclient.get("/cases/1").get_data(as_text=True)
    assert long.strip() in html and "The referral was not followed up. …" not in html
    assert "Jane Example was known to the MARAC" in html and "A. Coroner" in html
    data = jclient.get("/cases/1.json").get_json()
    assert data["story"]["document"]["source_url"].startswith("https://www.judiciary.uk/")


# ------------------------------------------------------------------ home page and the documents list


def test_home_page_and_twin(jclient):
    data = jclient.get("/.json").get_json()
    assert [q["key"] for q in data["questions"]] == ["before", "topic", "promised"]
    assert data["counts"]["by_type"] == {"pfd_report": 9, "pfd_response": 1}
    assert data["recent"][0]["date"] >= data["recent"][-1]["date"]
    html = jclient.get("/").get_data(as_text=True)
    for q in data["questions"]:
        assert q["question"] in html.replace("&#39;", "'") and q["example"]["url"].split("?")[0] in html
    assert jclient.get(data["questions"][2]["example"]["url"]).status_code == 200
    assert jclient.get(data["questions"][1]["example"]["url"]).status_code == 200


def test_documents_filters_and_pages(jclient):
    d = jclient.get("/documents.json?type=pfd_response").get_json()
    assert d["total"] == 1 and d["documents"][0]["type"] == "pfd_response"
    assert d["documents"][0]["source"].startswith("https://www.judiciary.uk/")  # the original URL
    d = jclient.get("/documents.json?type=pfd_report&area=surrey").get_json()
    assert d["total"] == 3 and all(x["area"] == "Surrey" for x in d["documents"])
    d = jclient.get("/documents.json?date_from=2021-05&date_to=2021-07").get_json()
    assert sorted(x["date"][:7] for x in d["documents"]) == ["2021-05", "2021-06", "2021-07"]
    first = jclient.get("/documents.json?limit=4").get_json()
    second = jclient.get("/documents.json?limit=4&offset=4").get_json()
    assert first["total"] == 10 and not {x["id"] for x in first["documents"]} & {x["id"] for x in second["documents"]}
    html = jclient.get("/documents?limit=4&type=pfd_report").get_data(as_text=True)
    assert 'id="next"' in html and "type=pfd_report" in html
    for bad in ("type=nope", "date_from=2020-13-45", "date_to=2021-02-30", "limit=abc"):
        r = jclient.get(f"/documents.json?{bad}")
        assert r.status_code == 400 and r.get_json()["error"]["status"] == 400, bad


def test_draft_box_keeps_its_text(jclient):
    html = jclient.post("/precedents", data={"text": "CONCERNS\n\n1. MARAC minutes were not shared."}).get_data(as_text=True)
    assert "1. MARAC minutes were not shared.</textarea>" in html


def test_huge_ids_are_404_not_500(jclient):
    for url in ("/documents/99999999999999999999999.json", "/cases/99999999999999999999999.json"):
        r = jclient.get(url)
        assert r.status_code == 404 and r.get_json()["error"]["status"] == 404


def test_form_posts_land_on_html_pages(jclient, full_pack):
    """Issue 16 item 8: every form post answers with a redirect to an HTML page."""
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    theme = jclient.get("/themes.json").get_json()["themes"][0]["id"]
    posts = [(f"/themes/{theme}/rename", {"label": "Sharing at MARAC"}),
             ("/collections", {"name": "Another pack", "purpose": "p"}),
             ("/collections/add", {"pack": str(full_pack), "item_type": "document", "item_id": "6"}),
             (f"/collections/{full_pack}/items", {"item_type": "finding", "item_id": "7"}),
             (f"/collections/{full_pack}/remove", {"item_type": "finding", "item_id": "7"}),
             (f"/collections/{full_pack}/delete", {})]
    for url, form in posts:
        r = jclient.post(url, data=form, headers=browser)
        assert r.status_code == 303, url
        page = jclient.get(r.headers["Location"], headers=browser)
        assert page.status_code == 200 and page.mimetype == "text/html", url
    assert "Sharing at MARAC" in jclient.get(f"/themes/{theme}").get_data(as_text=True)
