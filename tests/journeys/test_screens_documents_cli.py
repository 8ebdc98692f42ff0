"""Problems found by the second QA pass (screens, documents list, CLI as a first-time user):
each test failed before its fix."""
from __future__ import annotations

import json
import re

import pytest

from precedent import cli
from tests.support.screen_data import build_screen_library, ids_by_topic


@pytest.fixture
def screen_lib(library, tmp_path):
    return build_screen_library(library, tmp_path)


@pytest.fixture
def web(screen_lib):
    from webui import create_app

    return create_app({"TESTING": True, "LIBRARY": screen_lib}).test_client()


def test_documents_past_the_last_page_says_so_and_links_the_last_page(web):
    total = web.get("/documents.json").get_json()["total"]
    html = web.get(f"/documents?offset={total + 500}&limit=10").get_data(as_text=True)
    assert f"{total + 501}–" not in html  # was "1000–178 of 178" over an empty table
    assert 'id="past-end"' in html
    last = ((total - 1) // 10) * 10
    assert f'id="last-page" href="?&amp;offset={last}&amp;limit=10"' in html
    assert 'id="prev"' not in html


def test_screen_page_counts_whole_documents_and_explains_its_figures(screen_lib, web):
    restraint, other = ids_by_topic(screen_lib)
    web.post("/screens.json", json={"name": "s1", "query": "restraint by officers"})
    web.post("/screens/s1/judge.json", json={"document_id": restraint[0], "label": "yes"})
    web.post("/screens/s1/judge.json", json={"document_id": other[0], "label": "no"})
    data = web.get("/screens/s1.json").get_json()
    html = web.get("/screens/s1").get_data(as_text=True)
    progress = html[html.index('id="progress"'):html.index('id="next"')]
    # "about 15.2 more", "between 0.0 and 175.0": documents are counted whole on the page
    assert f"about <b>{round(data['estimated_relevant'])}</b> more relevant" in progress
    assert not re.search(r"between \d+\.\d and", progress)
    # the page says what recall, included, p and the badges mean
    assert 'id="explain"' in progress
    for term in ("estimated recall of your judging</b>:", "you can stop</b>:", "included</b>:", "<b>p</b>:", "<i>sample</i>"):
        assert term in progress


def test_screen_cli_next_json_matches_the_page_twin_and_text_has_a_legend(screen_lib, tmp_path):
    from click.testing import CliRunner

    runner = CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames else CliRunner()
    lib = str(screen_lib.path)
    assert runner.invoke(cli, ["screen", "new", "c1", "--query", "restraint by officers", "--library", lib]).exit_code == 0
    r = runner.invoke(cli, ["screen", "next", "c1", "--n", "3", "--json", "--library", lib])
    cli_docs = json.loads(r.stdout)["documents"]
    assert {"type", "date"} <= set(cli_docs[0])  # the page's next.json has them; the CLI dropped them
    r = runner.invoke(cli, ["screen", "next", "c1", "--n", "3", "--library", lib])
    assert r.exit_code == 0 and "judge with: precedent screen judge c1 ID yes|no" in r.stderr
    assert "judge with" not in r.stdout  # the rows stay clean for scripts
    restraint, _ = ids_by_topic(screen_lib)
    r = runner.invoke(cli, ["screen", "judge", "c1", str(restraint[0]), "yes", "--library", lib])
    assert re.search(r"about \d+ more relevant estimated", r.stdout), r.stdout
    assert "1 documents" not in r.stdout
    r = runner.invoke(cli, ["screen", "pack", "c1", "--library", lib])
    assert r.exit_code == 0 and "learning pack" in r.stdout and "collection" not in r.stdout
    h = runner.invoke(cli, ["screen", "--help"]).stdout
    assert "precedent screen judge" in h and "Estimated recall" in h
    assert "letters, digits" in runner.invoke(cli, ["screen", "new", "--help"]).stdout


# ---- themes: `themes show --json` is the page's twin; the text view names documents and related themes

from tests.webui.test_theme_pages import themed  # noqa: E402,F401


def test_theme_show_json_matches_the_page_and_text_names_documents(themed, runner):
    from webui import create_app

    client = create_app({"TESTING": True, "LIBRARY": themed}).test_client()
    lib = str(themed.path)
    themes = client.get("/themes.json").get_json()["themes"]
    t = next((x for x in themes if x["children"] or x["parent"]), themes[0])
    page = client.get(f"/themes/{t['id']}.json").get_json()
    r = runner.invoke(cli, ["themes", "show", str(t["id"]), "--json", "--library", lib])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == page  # parent_theme / child_themes were page-only
    assert "child_themes" in page and "parent_theme" in page
    labels = [c["label"] for c in page["child_themes"]] + ([page["parent_theme"]["label"]] if page["parent_theme"] else [])
    assert all(labels)
    r = runner.invoke(cli, ["themes", "show", str(t["id"]), "--library", lib])
    m = page["members"][0]
    assert f"doc {m['document_id']}:" in r.output and "[?]" not in r.output
    assert all(label in r.output for label in labels)


# ---- CLI documents: the page's filters and paging, the same JSON as /documents.json

def test_cli_documents_filters_like_the_page(screen_lib, web, runner):
    lib = str(screen_lib.path)
    page = web.get("/documents.json?date_from=2020&limit=3&offset=1").get_json()
    r = runner.invoke(cli, ["documents", "--date-from", "2020", "--limit", "3", "--offset", "1", "--json",
                            "--library", lib])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert [d["id"] for d in data["documents"]] == [d["id"] for d in page["documents"]]
    assert data["total"] == page["total"] < len(json.loads(runner.invoke(
        cli, ["documents", "--json", "--library", lib]).stdout)["documents"])
    r = runner.invoke(cli, ["documents", "--type", "bogus", "--library", lib])
    assert r.exit_code == 2 and "type must be one of" in r.output and "Traceback" not in r.output
    assert "--date-from 2020" in runner.invoke(cli, ["documents", "--help"]).output


def test_top_level_help_starts_a_first_time_user_and_lists_packs_once(runner, screen_lib):
    out = runner.invoke(cli, ["--help"]).output
    assert "precedent search" in out and "precedent ingest" in out  # examples, not only a command list
    commands = out.split("Commands:")[1]
    assert "packs" in commands and "collections" not in commands  # the old alias was listed as a second group
    r = runner.invoke(cli, ["collections", "list", "--library", str(screen_lib.path)])
    assert r.exit_code == 0, r.output  # the old name still works


def test_draft_page_says_what_it_does_and_does_not_repeat_a_document_title(web, monkeypatch):
    """A paragraph's hits listed the same report three times in a row, title and all."""
    import search.draft as bd

    def hit(doc_id, title, text, strength="related"):
        return {"strength": strength, "document": {"id": doc_id, "title": title, "type": "pfd_report", "date": None},
                "finding": None, "passage": {"text": text}, "actions": []}

    fake = {"title": "Pasted text", "concerns": [{"label": "Paragraph 1", "kind": "paragraph", "text": "x", "close": 0,
                                                  "results": [hit(7, "Kyle <Goater>", "a"), hit(7, "Kyle <Goater>", "b"),
                                                              hit(9, "Alex Shaw", "c")]}]}
    monkeypatch.setattr(bd, "precedents_for_text", lambda lib, text, k=5, **kw: fake)
    assert 'id="how"' in web.get("/precedents").get_data(as_text=True)
    html = web.post("/precedents", data={"text": "restraint"}).get_data(as_text=True)
    assert html.count("Kyle &lt;Goater&gt;</a>") == 1 and html.count("Alex Shaw</a>") == 1
    assert 'class="same-doc meta" href="/documents/7"' in html


def test_screen_filters_that_no_document_can_pass_are_refused(screen_lib, web, runner):
    """type=bogus, date_from=2019-13 and a recipient nobody has made empty (or wrong) screens."""
    for bad, words in [({"type": "bogus"}, "type must be one of"), ({"date_from": "2019-13"}, "no month 13")]:
        r = web.post("/screens.json", json={"name": "f1", "query": "restraint", **bad})
        assert r.status_code == 400 and words in r.get_json()["error"]["message"], (bad, r.get_json())
    assert web.get("/screens.json").get_json()["total"] == 0
    # a recipient nobody has: an empty screen that says why, not "every document has been judged"
    assert web.post("/screens.json", json={"name": "e1", "query": "restraint", "recipient": "nobodyatall"}).status_code == 201
    html = web.get("/screens/e1").get_data(as_text=True)
    assert 'id="empty-screen"' in html and "recipient=nobodyatall" in html and "has been judged" not in html
    r = web.post("/screens.json", json={"name": "f1", "query": "  "})
    assert r.status_code == 400 and "--query" not in r.get_json()["error"]["message"]  # the page has no --query
    r = runner.invoke(cli, ["screen", "new", "f2", "--query", "x", "--type", "report", "--library", str(screen_lib.path)])
    assert r.exit_code != 0 and "type must be one of" in r.output
    assert web.post("/screens.json", json={"name": "f3", "query": "restraint", "date_from": "2019"}).status_code == 201


def test_judging_a_document_the_screen_filters_leave_out_is_refused(screen_lib, web):
    """It answered "recorded 1" and the judgement was never counted (judged stayed 0)."""
    late = web.post("/screens.json", json={"name": "late", "query": "restraint", "date_from": "2021"}).get_json()
    inside = {d["id"] for d in web.get("/screens/late.json?limit=0").get_json()["documents"]} or \
        {d["id"] for d in late.get("documents", [])}
    all_ids = {d["id"] for d in web.get("/documents.json?limit=1000").get_json()["documents"]}
    early = web.get("/documents.json?date_to=2018&limit=1").get_json()["documents"][0]["id"]
    assert early in all_ids and early not in inside
    r = web.post("/screens/late/judge.json", json={"document_id": early, "label": "yes"})
    assert r.status_code == 400 and "not in this screen" in r.get_json()["error"]["message"]
    assert web.get("/screens/late.json").get_json()["judged"] == 0
    ok = web.get("/documents.json?date_from=2021&limit=1").get_json()["documents"][0]["id"]
    assert web.post("/screens/late/judge.json", json={"document_id": ok, "label": "yes"}).get_json()["judged"] == 1


def test_screens_list_reads_well_empty_and_full(web):
    html = web.get("/screens").get_data(as_text=True)
    assert 'id="no-screens"' in html and '<table id="screens">' not in html  # was a header row over nothing
    web.post("/screens.json", json={"name": "s1", "query": "restraint"})
    html = web.get("/screens").get_data(as_text=True)
    assert '<table id="screens">' in html and not re.search(r">\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00<", html)
    assert re.search(r">\d{4}-\d\d-\d\d \d\d:\d\d UTC</time>", html)


def test_theme_level_outside_1_or_2_is_a_400(themed):
    from webui import create_app

    client = create_app({"TESTING": True, "LIBRARY": themed}).test_client()
    for bad in ("3", "abc"):
        r = client.get(f"/themes.json?level={bad}")
        assert r.status_code == 400 and "level must be 1" in r.get_json()["error"]["message"]
    assert client.get("/themes.json?level=1").status_code == 200


def test_cli_search_json_links_each_result_to_its_case_like_the_page(screen_lib, web, runner):
    page = web.get("/search.json?q=restraint").get_json()
    r = runner.invoke(cli, ["search", "restraint", "--json", "--library", str(screen_lib.path)])
    data = json.loads(r.stdout)
    assert [x.get("case_url") for x in data["results"]] == [x["case_url"] for x in page["results"]]
    assert data["results"] and data["results"][0]["case_url"].startswith("/cases/")


@pytest.mark.parametrize("command", [["ingest"], ["search"], ["precedents"], ["commitments"], ["screen", "judge"],
                                     ["documents"]])
def test_main_commands_show_an_example_in_their_help(runner, command):
    out = runner.invoke(cli, [*command, "--help"]).output
    assert "e.g." in out and f"precedent {command[0]}" in out


def test_cli_search_with_no_results_says_which_filters_to_loosen(screen_lib, runner):
    lib = str(screen_lib.path)
    r = runner.invoke(cli, ["search", "restraint", "--type", "minutes", "--library", lib])
    assert r.exit_code == 0 and "--type minutes" in r.output and "try without" in r.output
    r = runner.invoke(cli, ["search", "restraint", "--page", "500", "--library", lib])
    assert "no results on page 500" in r.output and "in all" in r.output


def test_screen_csv_export_neutralises_formulas_in_notes(screen_lib, web):
    restraint, _ = ids_by_topic(screen_lib)
    web.post("/screens.json", json={"name": "x1", "query": "restraint by officers"})
    web.post("/screens/x1/judge.json", json={"document_id": restraint[0], "label": "yes",
                                             "note": '=HYPERLINK("http://evil.example","click")'})
    text = web.get("/screens/x1/export.csv").get_data(as_text=True)
    assert ',"\'=HYPERLINK(' in text and ',"=HYPERLINK(' not in text and ",=HYPERLINK(" not in text


def test_screen_page_types_read_as_words_and_the_bar_has_a_caption(screen_lib, web):
    web.post("/screens.json", json={"name": "t1", "query": "restraint by officers"})
    html = web.get("/screens/t1").get_data(as_text=True)
    proposals = html[html.index('id="proposals"'):]
    assert "pfd_report" not in proposals.split('<table id="ranking"')[0] and "pfd report" in proposals
    assert 'id="judged-share">0 of ' in html


def test_theme_merge_form_names_the_themes_instead_of_asking_for_an_id(themed):
    """The form asked for a "theme id to merge in", and no page shows theme ids."""
    from webui import create_app

    client = create_app({"TESTING": True, "LIBRARY": themed}).test_client()
    themes = client.get("/themes.json").get_json()["themes"]
    t = themes[0]
    peers = [x for x in themes if x["id"] != t["id"] and x["level"] == t["level"]]
    html = client.get(f"/themes/{t['id']}").get_data(as_text=True)
    assert "theme id to merge in" not in html and '<select name="other"' in html
    if peers:
        assert f'<option value="{peers[0]["id"]}">' in html
    assert f'<option value="{t["id"]}">' not in html  # not itself
    assert "Split into" in html


def test_empty_lists_say_so_instead_of_a_bare_table_header(library, tmp_path):
    """A new library showed "theme findings documents …", "pack items updated" and the
    organisations header over nothing, and the status page said "1 documents, 1 passages"."""
    from index.ingest.pipeline import ingest
    from webui import create_app

    d = tmp_path / "in"
    d.mkdir()
    (d / "a.txt").write_text("hello")
    ingest(library, [d])
    client = create_app({"TESTING": True, "LIBRARY": library}).test_client()
    themes = client.get("/themes").get_data(as_text=True)
    assert 'id="no-themes"' in themes and "<th>theme</th>" not in themes
    packs = client.get("/collections").get_data(as_text=True)
    assert 'id="no-packs"' in packs and '<table id="collections">' not in packs
    orgs = client.get("/organisations").get_data(as_text=True)
    assert 'id="no-organisations"' in orgs and '<table id="organisations">' not in orgs
    orgs = client.get("/organisations?q=a%26b%23c").get_data(as_text=True)
    assert "these filters" in orgs and 'href="/organisations.json?q=a%26b%23c&amp;type="' in orgs
    status = client.get("/status").get_data(as_text=True)
    assert "1 document, 1 passage," in status


def test_cli_precedents_text_marks_strength_and_folds_a_repeated_document(screen_lib, runner, tmp_path, monkeypatch):
    import search.draft as bd

    def hit(doc_id, title, text, strength):
        return {"strength": strength, "document": {"id": doc_id, "title": title, "date": None},
                "finding": None, "passage": {"text": text}}

    fake = {"title": "d", "concerns": [{"label": "Concern 1", "kind": "concern", "text": "x", "close": 0, "results": [
        hit(7, "Kyle Goater", "a", "related"), hit(7, "Kyle Goater", "b", "weak"), hit(9, "Alex Shaw", "c", "weak")]}]}
    monkeypatch.setattr(bd, "precedents", lambda lib, doc, k=5, **kw: fake)
    draft = tmp_path / "d.txt"
    draft.write_text("a draft with enough words to be read as one paragraph of a report here")
    r = runner.invoke(cli, ["precedents", str(draft), "--library", str(screen_lib.path)])
    assert r.exit_code == 0, r.output
    assert r.output.count("Kyle Goater") == 1 and "- weak: same document: b" in r.output
    assert "- related: Kyle Goater [doc 7]" in r.output and "no close precedent" in r.output


def test_new_screen_form_offers_the_document_types(web):
    html = web.get("/screens").get_data(as_text=True)
    form = html[html.index('id="new-screen"'):html.index("</form>", html.index('id="new-screen"'))]
    assert '<select name="type"' in form and '<option value="pfd_report">pfd report</option>' in form
