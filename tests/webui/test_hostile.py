"""Hostile documents and hostile requests (issue 16): stored links that are not http(s),
cross-site posts, oversized bodies and fields, ids and dates out of range on the web and the
command line, and folders with links, loops and unreadable entries."""
from __future__ import annotations

import csv
import json
import os
import re
from pathlib import Path

import pytest

import tests.support.hostile_data as hostile_data

from precedent import cli

HUGE = "9999999999999999999999999"
BAD_HREF = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*(?:javascript|data|vbscript)\s*:""", re.I)


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "the page's form carries a csrf_token"
    return m.group(1)


# ------------------------------------------------------------------ fixtures


@pytest.fixture
def hostile_dir(tmp_path) -> Path:
    """Report, response and tracker CSVs whose every URL field is a javascript: or data: URL."""
    d = tmp_path / "hostile"
    d.mkdir()
    with open(d / "reports.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["url", "id", "date", "coroner", "area", "receiver", "investigation", "circumstances", "concerns"])
        w.writerow(["javascript:alert(7)", "2024-0101", "2024-01-05", "A Coroner", "Kent", "Kent Police",
                    "An inquest into the death of John Smith.", "He died.",
                    "MARAC minutes were not shared with the police officers managing the case."])
        w.writerow(["data:text/html;base64,PHNjcmlwdD5hbGVydCg3KTwvc2NyaXB0Pg==", "2024-0102", "2024-02-05",
                    "B Coroner", "Essex", "Essex Police", "An inquest into the death of Jane Doe.", "She died.",
                    "The risk assessment was not reviewed after the second incident."])
        w.writerow([" JaVaScRiPt:alert(8)", "2024-0103", "2024-03-05", "C Coroner", "Kent", "NHS England",
                    "An inquest into the death of Alan Brown.", "He died.",
                    "Ligature points on the ward were not removed after the audit."])
    with open(d / "responses.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["parent_id", "parent_url", "response_url", "respondent", "response"])
        w.writerow(["2024-0101", "javascript:alert(9)", "data:text/html,<script>alert(10)</script>", "Kent Police",
                    "Dear Coroner, thank you for your report dated 5 January 2024 about John Smith. "
                    "We now minute every MARAC meeting and share the minutes with all agencies."])
    with open(d / "tracker.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["response status", "ref", "no. replies", "report_url", "pdf_url", "reply_urls"])
        w.writerow(["pending", "2024-0101", "1", "javascript:alert(11)", "data:application/pdf,x",
                    "javascript:alert(12)"])
    return d


@pytest.fixture
def hostile_client(library, hostile_dir):
    from index.ingest.pipeline import ingest
    from webui import create_app

    ingest(library, [hostile_dir])
    return create_app({"TESTING": True, "LIBRARY": library}).test_client()


@pytest.fixture
def themed(library, tmp_path):
    return hostile_data.build_themed(library, tmp_path / "reports")


@pytest.fixture
def strict_client(themed):
    """The app as served: form tokens required (not the TESTING default)."""
    from webui import create_app

    return create_app({"LIBRARY": themed}).test_client()


def _ids(client) -> dict:
    docs = client.get("/documents.json").get_json()["documents"]
    themes = client.get("/themes.json").get_json()["themes"]
    theme = client.get(f"/themes/{themes[0]['id']}.json").get_json()
    return {"doc": docs[0]["id"], "themes": [t["id"] for t in themes], "finding": theme["finding_ids"][0]
            if theme.get("finding_ids") else theme["members"][0]["finding_id"]}


# ------------------------------------------------------------------ 1. links are http(s) only


def test_safe_url_and_link_filter():
    from webui.guard import link, safe_url

    for bad in ("javascript:alert(7)", " JaVaScRiPt:alert(7)", "java\tscript:alert(1)", "data:text/html,<b>x",
                "vbscript:x", "//evil.example/x", "http:evil", "https://", "https://a b", "/\\evil.example",
                "https://ok.example/\x00x", None, 7, ""):
        assert safe_url(bad) is None, bad
    for good in ("https://www.judiciary.uk/x?y=1#z", "http://127.0.0.1:5000/documents/3", "/documents/3"):
        assert safe_url(good) == good
    assert str(link("javascript:alert(7)", "original")) == "original (not a web link: javascript:alert(7))"
    # A quote or angle bracket must be percent-encoded in a URL: such a "URL" is shown as text.
    assert str(link('https://x.example/"><script>', "o")) == \
        'o (not a web link: https://x.example/&#34;&gt;&lt;script&gt;)'
    assert str(link("https://x.example/a%22b", "o")) == '<a href="https://x.example/a%22b" rel="noopener noreferrer">o</a>'


def test_no_stored_url_becomes_a_script_link(hostile_client, hostile_dir):
    c = hostile_client
    docs = c.get("/documents.json").get_json()["documents"]
    assert len(docs) == 4, "three reports and one response were ingested"
    stored = [c.get(f"/documents/{d['id']}.json").get_json() for d in docs]
    urls = [d["meta"].get(k) for d in stored for k in ("url", "parent_url") if d["meta"].get(k)]
    urls += [v for d in stored for a in d.get("annotations", []) for k, v in a.items() if "url" in k and v]
    assert any(str(u).strip().lower().startswith("javascript:") for u in urls)
    assert any(str(u).lower().startswith("data:") for u in urls)
    # a pack holding every document and finding, so its page and exports cite them all
    pack = c.post("/collections.json", json={"name": "hostile"}).get_json()["id"]
    for d in stored:
        c.post(f"/collections/{pack}/items.json", json={"item_type": "document", "item_id": d["id"]})
        for f in d["findings"]:
            c.post(f"/collections/{pack}/items.json", json={"item_type": "finding", "item_id": f["id"]})
    pages = ["/", "/search?q=MARAC+minutes", "/search?q=risk+assessment", "/documents", "/themes", "/commitments",
             "/organisations", "/collections", f"/collections/{pack}", "/responses/unlinked?explain=1"]
    pages += [f"/documents/{d['id']}" for d in stored] + [f"/cases/{d['id']}" for d in stored]
    for page in pages:
        r = c.get(page)
        assert r.status_code == 200, page
        html = r.get_data(as_text=True)
        assert not BAD_HREF.search(html), (page, BAD_HREF.search(html).group(0))
    page = c.get(f"/documents/{stored[0]['id']}").get_data(as_text=True)
    assert "not a web link" in page  # shown as text, not dropped
    for ext in ("md", "csv"):
        body = c.get(f"/collections/{pack}/export.{ext}").get_data(as_text=True)
        assert not re.search(r"\]\(\s*(?:javascript|data):|<\s*(?:javascript|data):", body, re.I), ext


# ------------------------------------------------------------------ 2. CSRF


def _state_changing(client, ids, pack):
    t0, t1 = ids["themes"][0], ids["themes"][-1]
    return [("/collections", {"name": "x"}), (f"/collections/{pack}/items", {"item_type": "document", "item_id": ids["doc"]}),
            (f"/collections/{pack}/remove", {"item_type": "document", "item_id": ids["doc"]}),
            (f"/collections/{pack}/delete", {}), (f"/themes/{t0}/rename", {"label": "owned"}),
            (f"/themes/{t0}/merge", {"other": str(t1)}), (f"/themes/{t0}/split", {"k": "2"})]


def test_cross_site_posts_are_refused(strict_client):
    c = strict_client
    ids = _ids(c)
    pack = c.post("/collections.json", json={"name": "keep me"}).get_json()["id"]
    before = c.get("/themes.json").get_json()
    for url, form in _state_changing(c, ids, pack):
        for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"}, {"Sec-Fetch-Site": "cross-site"},
                        {"Sec-Fetch-Site": "same-site", "Origin": "http://localhost:9999"}, {}):
            r = c.post(url, data=form, headers={**headers, "Accept": "application/json"})
            assert r.status_code == 403, (url, headers, r.status_code)
            assert r.get_json()["error"]["status"] == 403 and r.get_json()["error"]["message"]
        # JSON bodies from another origin too
        r = c.post(url + ".json" if "collections" in url else url, json=form, headers={"Origin": "https://evil.example"})
        assert r.status_code == 403 and r.get_json() == {"error": {"status": 403, "message": r.get_json()["error"]["message"]}}
    assert c.get(f"/collections/{pack}.json").status_code == 200, "the pack survived"
    assert c.get("/themes.json").get_json() == before, "no theme was edited"
    # an HTML form post from elsewhere gets the HTML error page, still 403
    r = c.post(f"/collections/{pack}/delete", headers={"Origin": "http://evil.example"})
    assert r.status_code == 403 and "text/html" in r.content_type


def test_every_post_route_is_guarded(strict_client):
    """Any route accepting POST — including ones added later — refuses a cross-site post."""
    app = c = strict_client
    rules = [r for r in c.application.url_map.iter_rules() if "POST" in (r.methods or ())]
    assert len(rules) >= 8
    for rule in rules:
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(r"<[^>]*%s>" % arg, "1", url)
        r = app.post(url, data={"x": "1"}, headers={"Origin": "http://evil.example", "Accept": "application/json"})
        assert r.status_code == 403, (url, r.status_code)


def test_own_forms_still_work(strict_client):
    c = strict_client
    ids = _ids(c)
    page = c.get("/collections").get_data(as_text=True)
    tok = _csrf(page)
    same = {"Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"}
    r = c.post("/collections", data={"name": "Pack", "csrf_token": tok}, headers=same)
    assert r.status_code == 303
    pack = int(r.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    page = c.get(f"/collections/{pack}").get_data(as_text=True)
    assert _csrf(page) == tok, "one token per session"
    r = c.post(f"/collections/{pack}/items", data={"item_type": "document", "item_id": str(ids["doc"]), "csrf_token": tok})
    assert r.status_code == 303 and c.get(f"/collections/{pack}.json").get_json()["total"] == 1
    # a wrong token is refused even from this origin
    r = c.post(f"/collections/{pack}/delete", data={"csrf_token": tok[:-2] + "xx"}, headers=same)
    assert r.status_code == 403
    r = c.post(f"/collections/{pack}/delete", data={"csrf_token": "é" * 43}, headers=same)
    assert r.status_code == 403
    t = ids["themes"][0]
    assert _csrf(c.get(f"/themes/{t}").get_data(as_text=True)) == tok
    r = c.post(f"/themes/{t}/rename", data={"label": "Minutes", "csrf_token": tok}, headers=same)
    assert r.status_code in (302, 303) and c.get(f"/themes/{t}.json").get_json()["label"] == "Minutes"
    # a draft posted by a script (multipart, no token) is a query: allowed, unless from another origin
    draft = {"file": (__import__("io").BytesIO(b"Concern: MARAC minutes were not shared. " * 5), "d.txt")}
    assert c.post("/precedents.json", data=draft, content_type="multipart/form-data").status_code == 200
    draft = {"file": (__import__("io").BytesIO(b"Concern: MARAC minutes were not shared. " * 5), "d.txt")}
    assert c.post("/precedents.json", data=draft, content_type="multipart/form-data",
                  headers={"Origin": "http://evil.example"}).status_code == 403
    # JSON from this origin (or a script without Origin) needs no token; a token header is checked
    assert c.post("/collections.json", json={"name": "api"}).status_code == 201
    assert c.post("/collections.json", json={"name": "api"}, headers={"X-CSRF-Token": "nope"}).status_code == 403
    r = c.post(f"/collections/{pack}/delete", data={"csrf_token": tok}, headers=same)
    assert r.status_code == 303 and c.get(f"/collections/{pack}.json").status_code == 404


def test_every_post_form_in_the_templates_carries_the_token():
    root = Path(__file__).resolve().parents[2] / "webui" / "templates"
    for p in root.glob("*.html"):
        for form in re.findall(r"<form\b[^>]*>.*?</form>", p.read_text(), re.S | re.I):
            head = form[:form.index(">")].lower()
            if re.search(r"method\s*=\s*[\"']?post", head):
                assert 'name="csrf_token"' in form or "csrf_field()" in form, (p.name, form[:120])


# ------------------------------------------------------------------ 4. sizes


def test_request_and_field_size_limits(client, themed):
    from webui import create_app

    r = client.post("/precedents.json", data={"file": (__import__("io").BytesIO(b"x" * (17 * 1024 * 1024)), "big.txt")},
                    content_type="multipart/form-data")
    assert r.status_code == 413 and "limit" in r.get_json()["error"]["message"]
    r = client.post("/precedents.json", json={"text": "word " * 70_000})
    assert r.status_code == 400 and "limit" in r.get_json()["error"]["message"]
    c = create_app({"TESTING": True, "LIBRARY": themed}).test_client()
    t = c.get("/themes.json").get_json()["themes"][0]["id"]
    r = c.post(f"/themes/{t}/rename", json={"label": "x" * 1_000_000})
    assert r.status_code == 400 and r.get_json()["error"]["status"] == 400
    assert c.get(f"/themes/{t}.json").get_json()["label"] != "x" * 1_000_000
    pack = c.post("/collections.json", json={"name": "p"}).get_json()["id"]
    r = c.post(f"/collections/{pack}/items.json", json={"item_type": "document", "item_id": 1, "note": "n" * 100_000})
    assert r.status_code == 400
    r = c.post("/collections.json", json={"name": "p", "description": "d" * 100_000})
    assert r.status_code == 400


def test_long_query_is_cut_with_a_notice(client):
    q = ("MARAC minutes " + "lorem ipsum dolor sit amet " * 4000)[:100_000]
    r = client.get("/search.json", query_string={"q": q})
    assert r.status_code == 200
    data = r.get_json()
    assert len(data["query"]) <= 2000 and "100,000" in data["notice"]
    html = client.get("/search", query_string={"q": q}).get_data(as_text=True)
    assert "only its first" in html and len(html) < 200_000  # the page does not repeat the whole query


# ------------------------------------------------------------------ 6. ids, numbers and dates


def test_ids_numbers_and_dates_are_4xx_never_500(themed):
    from webui import create_app

    c = create_app({"TESTING": True, "LIBRARY": themed}).test_client()
    t = c.get("/themes.json").get_json()["themes"][0]["id"]
    pack = c.post("/collections.json", json={"name": "p"}).get_json()["id"]
    for url in (f"/documents/{HUGE}", f"/documents/{HUGE}.json", f"/cases/{HUGE}", f"/cases/{HUGE}.json",
                f"/collections/{HUGE}", f"/collections/{HUGE}.json", f"/themes/{HUGE}.json",
                f"/collections/{HUGE}/export.md", f"/documents/{2**63}.json"):
        r = c.get(url, headers={"Accept": "application/json"})
        assert r.status_code == 404, (url, r.status_code)
        assert r.get_json()["error"]["status"] == 404
    assert c.get(f"/documents/{2**63 - 1}.json").status_code == 404
    bad_posts = [
        (f"/themes/{t}/split", {"k": "abc"}), (f"/themes/{t}/split", {"k": 1e23}), (f"/themes/{t}/split", {"k": 1000}),
        (f"/themes/{t}/merge", {"other": HUGE}), (f"/themes/{t}/merge", {"other": "-3"}),
        (f"/collections/{pack}/items.json", {"item_type": "finding", "item_id": 1e23}),
        (f"/collections/{pack}/items.json", {"item_type": "finding", "item_id": 2.5}),
        (f"/collections/{pack}/items.json", {"item_type": "finding", "item_id": True}),
        (f"/collections/{pack}/items.json", {"item_type": "finding", "item_id": HUGE}),
        (f"/collections/{pack}/remove.json", {"entry_id": HUGE}), (f"/collections/{pack}/remove.json", {"item_id": 1e23}),
        ("/collections.json", {"name": "n", "item_type": "finding", "item_id": 1e23}),
    ]
    for url, body in bad_posts:
        r = c.post(url, json=body)
        assert r.status_code == 400, (url, body, r.status_code)
        assert set(r.get_json()["error"]) == {"status", "message"}
    for body in ([1, 2], "text", 3):
        r = c.post(f"/themes/{t}/rename", json=body)
        assert r.status_code == 400, body
    for q in ("date_from=2020-13-45", "date_to=2021-02-29", "date_from=notadate", "date_from=0000-00",
              "theme=abc", f"theme={HUGE}", "k=abc"):
        r = c.get("/search.json?q=MARAC&" + q)
        assert r.status_code == 400, q
    assert c.get("/search.json?q=MARAC&date_from=2020-02-29&date_to=2024").status_code == 200


def test_get_routes_survive_junk_parameters(themed):
    from webui import create_app

    c = create_app({"TESTING": True, "LIBRARY": themed}).test_client()
    junk = [HUGE, "-1", "abc", "1e23", "%00", "2020-13-45", "x" * 5000]
    rules = [r for r in c.application.url_map.iter_rules() if "GET" in (r.methods or ()) and r.endpoint != "static"]
    for rule in rules:
        for v in junk:
            url = rule.rule
            for arg in rule.arguments:  # int converters get a 25-digit id, others the junk itself
                url = re.sub(r"<int:%s>" % arg, HUGE, url)
                url = re.sub(r"<(?:[^>:]*:)?%s>" % arg, v, url)
            qs = {k: v for k in ("q", "k", "limit", "offset", "as_of", "due_from", "date_from", "level", "passage",
                                 "item_id", "theme", "overdue", "type", "explain", "sort", "owner")}
            r = c.get(url, query_string=qs, headers={"Accept": "application/json"})
            assert r.status_code < 500, (url, v, r.status_code)


def test_cli_refuses_bad_ids_and_dates_without_a_traceback(runner, themed):
    lib = str(themed.path)
    for args in (["show", HUGE], ["show", "0"], ["show", "1.5"], ["themes", "show", HUGE], ["themes", "split", HUGE],
                 ["themes", "merge", "1", HUGE], ["themes", "rename", HUGE, "x"],
                 ["packs", "add", "a pack", "--finding", HUGE], ["packs", "remove", "a pack", "--document", HUGE],
                 ["search", "MARAC", "--date-from", "notadate"], ["search", "MARAC", "--date-to", "2020-13-45"],
                 ["search", "MARAC", "--theme", "abc"], ["serve", "--port", "99999"]):
        r = runner.invoke(cli, args + ["--library", lib])
        assert r.exit_code == 2, (args, r.exit_code, r.output)
        assert "Traceback" not in r.output and isinstance(r.exception, (SystemExit, type(None))), args
        assert "Invalid value" in r.output, (args, r.output)
    r = runner.invoke(cli, ["search", "MARAC " * 2000, "--json", "--library", lib])
    assert r.exit_code == 0 and len(json.loads(r.stdout)["query"]) <= 2000 and "only its first" in r.stderr


# ------------------------------------------------------------------ 7. folders


def test_folder_links_loops_and_unreadable_entries(tmp_path, library, monkeypatch, runner):
    from index.ingest.pipeline import ingest

    root = tmp_path / "in"
    (root / "a").mkdir(parents=True)
    (root / "a" / "one.txt").write_text("Concern: MARAC minutes were not shared with the police.\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "two.txt").write_text("Concern: the ligature points were not removed after the audit.\n")
    (root / "linked").symlink_to(elsewhere, target_is_directory=True)  # a symlinked folder: read
    (root / "a" / "loop").symlink_to(root, target_is_directory=True)  # a loop: read once
    (root / "again").symlink_to(root / "a", target_is_directory=True)  # the same folder twice
    (root / "broken.txt").symlink_to(tmp_path / "missing.txt")
    (root / "locked").mkdir()
    (root / "locked" / "three.txt").write_text("Concern: never read.\n")
    os.mkfifo(root / "pipe")
    real_scandir = os.scandir

    def scandir(path=".", *a):
        if Path(path) == root / "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path, *a)

    monkeypatch.setattr(os, "scandir", scandir)
    report = ingest(library, [root])
    summary = report.summary()
    assert summary["added"] == 2, summary
    reasons = {Path(f["path"]).name: f["reason"] for f in summary["failed"]}
    assert "broken symbolic link" in reasons["broken.txt"] and "missing.txt" in reasons["broken.txt"]
    assert "Permission denied" in reasons["locked"]
    assert "named pipe" in reasons["pipe"]
    assert sorted(reasons) == ["broken.txt", "locked", "pipe"], reasons
    assert any("already read" in w["warning"] for w in summary["warnings"])
    r = runner.invoke(cli, ["ingest", str(root), "--library", str(library.path)])
    assert r.exit_code == 1 and "broken symbolic link" in r.output and "Permission denied" in r.output
    s = ingest(library, [root / "pipe", root / "a" / "one.txt"]).summary()  # named directly: not opened
    assert [Path(f["path"]).name for f in s["failed"]] == ["pipe"] and s["already_present"] == 1


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_really_unreadable_folder(tmp_path, library):
    from index.ingest.pipeline import ingest

    (tmp_path / "in" / "locked").mkdir(parents=True)
    (tmp_path / "in" / "ok.txt").write_text("Concern: MARAC minutes were not shared with the police.\n")
    os.chmod(tmp_path / "in" / "locked", 0)
    try:
        s = ingest(library, [tmp_path / "in"]).summary()
    finally:
        os.chmod(tmp_path / "in" / "locked", 0o755)
    assert s["added"] == 1 and any("locked" in f["path"] and f["reason"] for f in s["failed"])


def test_long_query_words_are_bounded_and_drafts_run_one_at_a_time(client, app):
    from werkzeug.exceptions import ServiceUnavailable

    from webui.guard import heavy_work
    from search.request import MAX_QUERY_WORDS

    data = client.get("/search.json", query_string={"q": "minutes " * 500}).get_json()
    assert len(data["query"].split()) == MAX_QUERY_WORDS and "500 words" in data["notice"]
    assert "notice" not in client.get("/search.json?q=MARAC+minutes").get_json()
    with app.test_request_context("/precedents.json", method="POST"):
        with heavy_work("draft"):
            with pytest.raises(ServiceUnavailable):
                with heavy_work("draft"):
                    pass
        with heavy_work("draft"):  # released after use
            pass
    r = client.post("/precedents.json", json={"text": "Concern: MARAC minutes were not shared. " * 5})
    assert r.status_code == 200
