"""QA pass 31: the trainer's journey (search -> case -> screen -> judge -> pack / CSV -> themes),
on the journey library (nine PFD reports, one response from West Midlands Police to 2021-0101)."""
import csv
import io
import json
import re

import numpy as np
import pytest

import tests.support.journey_data as journey_data


@pytest.fixture
def jlib(library, tmp_path):
    journey_data.build(library, tmp_path / "journey")
    return library


def _client(lib, **config):
    from webui import create_app

    return create_app({"TESTING": True, "LIBRARY": lib, **config}).test_client()


def _doc_id(lib, reference: str) -> int:
    return lib.store.conn.execute("SELECT id FROM documents WHERE reference=? AND type='pfd_report'",
                                  (reference,)).fetchone()[0]


def _response_id(lib) -> int:
    return lib.store.conn.execute("SELECT id FROM documents WHERE type='pfd_response'").fetchone()[0]


def _pack_with(lib, *doc_ids, notes=None):
    from search.packs import packs

    p = packs.create_pack(lib, "Case studies", "MARAC cases")
    for i, d in enumerate(doc_ids):
        packs.add_document(lib, p["id"], d, (notes or {}).get(d, ""))
    return packs.get_pack(lib, p["id"])


def test_pack_csv_keeps_reference_library_case_and_responses(jlib):
    """The CSV (no base URL configured) said neither the report's reference, nor which case in the
    library a row came from (its `case` is the position in the pack), nor which responses were
    received: the Markdown says all three."""
    from search.packs.export import to_csv, to_markdown

    rep = _doc_id(jlib, "2021-0101")
    other = _doc_id(jlib, "2021-0102")
    pack = _pack_with(jlib, other, rep)
    rows = list(csv.DictReader(io.StringIO(to_csv(pack))))
    mine = [r for r in rows if r["reference"] == "2021-0101"]
    assert mine, rows[0].keys()
    assert all(r["library_case"] == str(rep) for r in mine)
    assert all("West Midlands Police" in r["responses"] for r in mine)
    assert {r["library_case"] for r in rows if r["reference"] == "2021-0102"} == {str(other)}
    assert all(r["responses"] == "" for r in rows if r["reference"] == "2021-0102")
    md = to_markdown(pack)
    assert "2021-0101" in md and f"case {rep}" in md


@pytest.fixture
def slib(library, tmp_path):
    from tests.support.screen_data import build_screen_library

    return build_screen_library(library, tmp_path)


def test_next_shows_the_same_p_as_the_ranking(slib):
    """The screen page listed a document under "Judge next" with p = 0.18 and, in the ranking
    table below, with p = 0.73: `next` printed the model's raw probability, the ranking the
    probability after the sampled check's adjustment."""
    from search.screening import screens as S

    S.create_screen(slib, "restraint", "unsafe physical hold of a person")
    restraint = [d["id"] for d in slib.store.documents() if "restrain" in slib.store.document(d["id"])["text"]]
    other = [d["id"] for d in slib.store.documents() if d["id"] not in restraint]
    S.judge_many(slib, "restraint", [(restraint[0], "yes", ""), (restraint[1], "yes", ""),
                                     (other[0], "no", ""), (other[1], "no", "")])
    for _ in range(3):  # answer the sampled draws so the estimate is adjusted by them
        nxt = S.next_documents(slib, "restraint", n=4)["documents"]
        S.judge_many(slib, "restraint", [(d["id"], "yes" if d["id"] in restraint else "no", "") for d in nxt[:2]])
    nxt = S.next_documents(slib, "restraint", n=6)["documents"]
    shown = {d["id"]: d["p"] for d in S.show_screen(slib, "restraint")["documents"]}
    assert nxt
    for d in nxt:
        assert d["p"] == pytest.approx(shown[d["id"]], abs=1e-4), (d, shown[d["id"]])


def test_screen_counts_cases_not_only_documents(jlib, runner):
    """A report and the response letter to it are one case: the screen said "2 relevant found,
    N included" (documents) while the learning pack it made held one case fewer, so the
    trainer's count did not add up."""
    from precedent import cli
    from search.screening import screens as S

    rep, resp = _doc_id(jlib, "2021-0101"), _response_id(jlib)
    S.create_screen(jlib, "marac", "MARAC minutes not shared with the police")
    S.judge_many(jlib, "marac", [(rep, "yes", ""), (resp, "yes", "")])
    data = S.show_screen(jlib, "marac")
    assert data["relevant_found"] == 2 and data["relevant_found_cases"] == 1
    assert data["included_cases"] == len({d["case_id"] for d in data["documents"] if d["included"]})
    assert data["included_cases"] < data["included"]
    by_id = {d["id"]: d for d in data["documents"]}
    assert by_id[resp]["case_id"] == rep and by_id[rep]["case_id"] == rep
    # limit=0 (no documents listed) still counts the cases
    assert S.show_screen(jlib, "marac", limit=0)["included_cases"] == data["included_cases"]
    page = re.sub(r"<[^>]+>", "", _client(jlib).get("/screens/marac").get_data(as_text=True))
    assert f"in {data['included_cases']} case" in page and "relevant found (in 1 case)" in page
    out = runner.invoke(cli, ["screen", "show", "marac", "--library", str(jlib.path)])
    assert out.exit_code == 0 and f"{data['included_cases']} case" in out.output and "1 case" in out.output
    out = runner.invoke(cli, ["screen", "pack", "marac", "--library", str(jlib.path)])
    assert out.exit_code == 0 and f"{data['included_cases']} case" in out.output, out.output


def test_screen_pack_notes_say_which_document_and_do_not_overclaim(jlib):
    """A case in the pack made from a screen read "Note: predicted relevant (p=0.48)" and
    "Note: predicted relevant (p=0.02)": neither said which document (the report or the
    response to it) the note was about, and a 2% chance was called "predicted relevant"."""
    from search.packs import packs
    from search.screening import screens as S
    from search.packs.export import to_markdown

    rep, resp = _doc_id(jlib, "2021-0101"), _response_id(jlib)
    other = _doc_id(jlib, "2021-0104")
    S.create_screen(jlib, "marac", "MARAC minutes not shared with the police")
    S.judge_many(jlib, "marac", [(rep, "yes", "family raised it"), (other, "yes", "")])
    data = S.show_screen(jlib, "marac")
    resp_row = next(d for d in data["documents"] if d["id"] == resp)
    if not resp_row["included"]:
        pytest.skip("the response is not included on this model")
    out = S.add_to_pack(jlib, "marac")
    pack = packs.get_pack(jlib, out["collection_id"])
    case = next(c for c in pack["cases"] if c["document"]["id"] == rep)
    resp_title = jlib.store.conn.execute("SELECT title FROM documents WHERE id=?", (resp,)).fetchone()[0]
    assert any(resp_title in n and "not judged" in n for n in case["notes"]), case["notes"]
    assert any("judged relevant" in n and "family raised it" in n for n in case["notes"]), case["notes"]
    for c in pack["cases"]:
        for n in c["notes"]:
            assert "predicted relevant" not in n, n
    md = to_markdown(pack)
    assert "screen marac" in md


def test_empty_themes_say_why(library, tmp_path, runner):
    """After an ingest whose theme build found nothing recurring, /themes still said "ingest
    builds them once findings recur", as if no build had run: the trainer could not tell a
    library without recurring problems from one whose themes were never built."""
    from index.ingest.pipeline import ingest
    from index.themes.store import rebuild_themes
    from precedent import cli
    from tests.support.screen_data import report_text

    client = _client(library)
    never = client.get("/themes.json").get_json()
    assert never["themes"] == [] and "no concerns" in never["why_empty"]
    d = tmp_path / "one"
    d.mkdir()
    (d / "a.txt").write_text(report_text(1, "the ambulance took four hours to arrive"))
    ingest(library, [d])
    n = library.store.count("findings")
    assert n > 0
    rebuild_themes(library)
    data = client.get("/themes.json").get_json()
    assert data["themes"] == [] and f"{n} finding" in data["why_empty"] and "rebuild" in data["why_empty"]
    page = client.get("/themes").get_data(as_text=True)
    assert f"{n} finding" in page
    out = runner.invoke(cli, ["themes", "--library", str(library.path)])
    assert out.exit_code == 0 and f"{n} finding" in out.output


def test_screen_json_export_is_the_included_set(jlib):
    """"Export the included set: CSV · JSON": the JSON link opened the screen's page twin (the
    first 200 ranked documents, included or not), not the included set the CSV holds."""
    from search.screening import screens as S

    rep, resp = _doc_id(jlib, "2021-0101"), _response_id(jlib)
    S.create_screen(jlib, "marac", "MARAC minutes not shared with the police")
    S.judge_many(jlib, "marac", [(rep, "yes", ""), (_doc_id(jlib, "2021-0102"), "no", "")])
    c = _client(jlib)
    page = c.get("/screens/marac").get_data(as_text=True)
    assert 'href="/screens/marac/export.json"' in page
    data = c.get("/screens/marac/export.json").get_json()
    rows = list(csv.DictReader(io.StringIO(c.get("/screens/marac/export.csv").get_data(as_text=True))))
    assert [d["id"] for d in data["documents"]] == [int(r["id"]) for r in rows]
    assert all(d["included"] for d in data["documents"])
    assert len(data["documents"]) == data["included"] and data["included_cases"] <= data["included"]
    assert c.get("/screens/nope/export.json").status_code == 404


def test_screen_refuses_an_inverted_date_range_and_an_empty_pack(jlib, runner):
    """date_from 2030 with date_to 2010 made a screen of no documents (201), and `screen pack`
    on a screen that includes nothing made an empty learning pack and answered 200."""
    from precedent import cli
    from search.screening import screens as S

    c = _client(jlib)
    r = c.post("/screens.json", json={"name": "late", "query": "MARAC minutes", "date_from": "2030",
                                      "date_to": "2010"})
    assert r.status_code == 400 and "date_from" in r.get_json()["error"]["message"]
    out = runner.invoke(cli, ["screen", "new", "late", "--query", "MARAC minutes", "--date-from", "2022",
                              "--date-to", "2021-06", "--library", str(jlib.path)])
    assert out.exit_code != 0 and "Traceback" not in out.output
    # a month inside the year is a real range
    assert S.create_screen(jlib, "inside", "MARAC minutes", {"date_from": "2021-03", "date_to": "2021"})
    S.create_screen(jlib, "nobody", "MARAC minutes", {"area": "Nowhere at all"})
    before = c.get("/collections.json").get_json()["total"]
    r = c.post("/screens/nobody/pack.json", json={})
    assert r.status_code == 400 and "nothing" in r.get_json()["error"]["message"]
    assert c.get("/collections.json").get_json()["total"] == before


def test_screen_csv_names_each_rows_case(jlib):
    """The screen's CSV listed a response letter as a row with no reference and nothing tying
    it to the report it answers, so the trainer could not count cases in a spreadsheet."""
    from search.screening import screens as S

    rep, resp = _doc_id(jlib, "2021-0101"), _response_id(jlib)
    S.create_screen(jlib, "marac", "MARAC minutes not shared with the police")
    S.judge_many(jlib, "marac", [(rep, "yes", ""), (resp, "yes", "")])
    docs = [d for d in S.show_screen(jlib, "marac")["documents"] if d["included"]]
    rows = {int(r["id"]): r for r in csv.DictReader(io.StringIO(S.to_csv(docs)))}
    assert rows[resp]["case_id"] == str(rep) and rows[rep]["case_id"] == str(rep)


def test_screen_rows_link_the_case(jlib):
    """The screen's rows linked only the bare document; a response letter (no concerns of its
    own: "No concerns extracted") gave no way to the case it belongs to."""
    from search.screening import screens as S

    rep, resp = _doc_id(jlib, "2021-0101"), _response_id(jlib)
    S.create_screen(jlib, "marac", "MARAC minutes not shared with the police")
    nxt = S.next_documents(jlib, "marac", n=10)["documents"]
    assert {d["id"]: d["case_id"] for d in nxt}.get(resp, rep) == rep
    page = _client(jlib).get("/screens/marac?limit=0").get_data(as_text=True)
    row = re.search(rf'<tr data-id="{resp}">.*?</tr>', page, re.S).group(0)
    assert f'href="/cases/{rep}"' in row


def test_theme_label_told_apart_without_joining_phrases():
    """Two themes whose best phrase is the same ("Discharge letter") are told apart by the second
    group's own next phrase, never by joining two phrases with "and" ("Record keeping and Medical
    records" read as two themes in one, issue 27); acronyms stay upper case."""
    from index.themes.labels import phrase_labels

    a = [f"the discharge letter was not sent to the practice after case {w}" for w in
         "alpha beta gamma delta epsilon zeta".split()]
    b = [f"the discharge letter was not sent for patient {w}" for w in "one two three".split()] + \
        [f"the discharge letter was not sent and the ward round was missed for patient {w}" for w in
         "four five six".split()]
    other = [f"the ambulance took hours to arrive at {w}" for w in "north south east west up down".split()] + \
            [f"a fire alarm was silent in block {w}" for w in "a b c d e f g".split()]
    texts = a + b + other
    labels = phrase_labels(texts, [list(range(6)), list(range(6, 12))], documents=list(range(len(texts))))
    assert labels[0] == "Discharge letter"
    assert labels[1] == "Ward round", labels
    c = [t.replace("ward round", "MARAC referral") for t in b]
    labels = phrase_labels(a + c + other, [list(range(6)), list(range(6, 12))], documents=list(range(len(texts))))
    assert labels[1] == "MARAC referral", labels
    for lab in labels:
        assert " and " not in f" {lab.lower()} ", labels


def test_theme_edit_on_a_missing_theme_says_it_once(jlib):
    """Merging into or splitting a theme that does not exist answered "no theme no theme 99999"."""
    c = _client(jlib)
    tid = c.get("/themes.json").get_json()["themes"][0]["id"]
    for url, body in ((f"/themes/{tid}/merge", {"other": 99999}), ("/themes/99999/split", {"k": 2}),
                      ("/themes/99999/rename", {"label": "x y"})):
        r = c.post(url, json=body)
        assert r.status_code == 404, (url, r.status_code)
        msg = r.get_json()["error"]["message"]
        assert msg == "no theme 99999", msg


def test_cli_theme_edit_on_a_missing_theme_says_it_once(jlib, runner):
    from precedent import cli

    for args in (["themes", "rename", "99999", "x y"], ["themes", "split", "99999"]):
        out = runner.invoke(cli, args + ["--library", str(jlib.path)])
        assert out.exit_code == 1 and "no theme no theme" not in out.output and "no theme 99999" in out.output, out.output


def test_repacking_a_screen_drops_what_it_no_longer_includes(jlib):
    """Packing a screen again after more judging only ever added: a document judged not
    relevant since stayed in the pack with its old "not judged" note, so the pack counted more
    cases than the screen (137 against 135). Entries the trainer added by hand stay."""
    from search.packs import packs
    from search.screening import screens as S

    rep = _doc_id(jlib, "2021-0101")
    S.create_screen(jlib, "marac", "MARAC minutes not shared with the police")
    S.judge_many(jlib, "marac", [(rep, "yes", "")])
    first = S.add_to_pack(jlib, "marac")
    pid = first["collection_id"]
    unjudged = [d for d in S.show_screen(jlib, "marac")["documents"] if d["included"] and d["label"] is None]
    assert unjudged, "the model includes some unjudged documents"
    dropped = unjudged[0]["id"]
    hand = next(d["id"] for d in S.show_screen(jlib, "marac")["documents"] if not d["included"])
    packs.add_document(jlib, pid, hand, "my own pick")
    mine_too = unjudged[-1]["id"] if len(unjudged) > 1 else None
    if mine_too is not None and mine_too != dropped:
        packs.add_document(jlib, pid, mine_too, "my own pick too")
    S.judge_many(jlib, "marac", [(dropped, "no", "")])
    again = S.add_to_pack(jlib, "marac")
    assert again["collection_id"] == pid and again["removed"] >= 1
    items = {i["item_id"] for i in packs.get_pack(jlib, pid)["items"]}
    assert dropped not in items and hand in items and rep in items
    included = {d["id"] for d in S.show_screen(jlib, "marac")["documents"] if d["included"]}
    assert items == included | {hand}
    notes = {i["item_id"]: i["note"] for i in packs.get_pack(jlib, pid)["items"]}
    assert notes[hand] == "my own pick"
    if mine_too is not None and mine_too != dropped:
        assert notes[mine_too] == "my own pick too"  # the trainer's note is not overwritten by the screen's


def test_repacking_refreshes_a_screen_pack_made_before_notes_named_the_screen(jlib):
    """A pack "Screen: NAME" made by an earlier version holds notes "judged relevant" and
    "predicted relevant (p=0.41)": packing the screen again treats them as the screen's own."""
    from search.packs import packs
    from search.screening import screens as S

    rep = _doc_id(jlib, "2021-0101")
    S.create_screen(jlib, "marac", "MARAC minutes not shared with the police")
    S.judge_many(jlib, "marac", [(rep, "yes", "")])
    old = packs.create_pack(jlib, "Screen: marac", "MARAC")
    stale = _doc_id(jlib, "2021-0105")
    packs.add_document(jlib, old["id"], rep, "judged relevant")
    packs.add_document(jlib, old["id"], stale, "predicted relevant (p=0.41)")
    S.judge_many(jlib, "marac", [(stale, "no", "")])
    out = S.add_to_pack(jlib, "marac")
    assert out["collection_id"] == old["id"] and out["removed"] == 1
    notes = {i["item_id"]: i["note"] for i in packs.get_pack(jlib, old["id"])["items"]}
    assert stale not in notes and notes[rep].startswith("screen marac: judged relevant")


def test_a_theme_leads_to_a_screen_of_every_case(jlib):
    """A theme shows the findings that were grouped, not every case on the topic, and nothing
    led from it (or from anywhere but /screens) to "find every case": the trainer had to retype
    the topic. The theme page now links a new-screen form filled with the theme's name."""
    c = _client(jlib)
    t = c.get("/themes.json").get_json()["themes"][0]
    page = c.get(f"/themes/{t['id']}").get_data(as_text=True)
    m = re.search(r'href="(/screens\?query=[^"]+)"', page)
    assert m, "the theme page links a screen"
    form = c.get(m.group(1).replace("&amp;", "&")).get_data(as_text=True)
    from markupsafe import escape
    assert f'value="{escape(t["label"])}"' in form
    hostile = c.get('/screens?query="><script>alert(1)</script>').get_data(as_text=True)
    assert "<script>alert(1)" not in hostile and "&lt;script&gt;" in hostile


def test_screen_commands_reuse_the_description_vector(slib):
    """Every `precedent screen …` command embedded the screen's description again, loading the
    model (~5 s a command on the real library) just to judge one document. The vector is now
    kept beside the library, keyed by model, encoder and text."""
    from search.screening import screens as S
    from search.screening.features import features_for

    S.create_screen(slib, "restraint", "unsafe physical hold of a person")
    feats = features_for(slib)
    first = feats.description_signals(slib, "unsafe physical hold of a person")

    class Boom:
        dimension = first["_vector"].shape[0]

        def encode(self, texts):
            raise AssertionError("the description was embedded again")

    real = slib._embedder
    slib._embedder = Boom()
    try:
        again = feats.description_signals(slib, "unsafe physical hold of a person")
        assert np.allclose(again["_vector"], first["_vector"], atol=1e-6)
        with pytest.raises(AssertionError):
            feats.description_signals(slib, "a different description")
    finally:
        slib._embedder = real


def test_search_leads_to_a_screen_of_every_case(jlib):
    """Search shows the best matches; a trainer who wants every case on the topic goes on to a
    screen with the query filled in, without retyping it (escaped like any text)."""
    c = _client(jlib)
    q = 'risk assessment "MARAC" & <b>'
    page = c.get("/search", query_string={"q": q}).get_data(as_text=True)
    m = re.search(r'id="to-screen" href="(/screens\?query=[^"]+)"', page)
    assert m, "the search page links a screen"
    assert "<b>" not in m.group(1)
    form = c.get(m.group(1).replace("&amp;", "&")).get_data(as_text=True)
    from markupsafe import escape
    assert f'value="{escape(q)}"' in form


def test_a_pack_keeps_the_whole_account_while_the_case_page_summarises(library, tmp_path):
    """A learning pack is the trainer's case study: "what happened" was cut at 1,200 characters
    with "…" in every export. The pack now carries the whole account; the case page keeps its
    summary."""
    from index.ingest.pipeline import ingest
    from search.packs import export as pack_export
    from search.packs import packs
    from search.cases.story import ACCOUNT_MAX, case_story

    rows = journey_data.report_rows()
    story = " ".join(f"On day {k} the family told the ward staff that she was more withdrawn than before."
                     for k in range(1, 40))
    rows[0]["circumstances"] = story + " The last sentence of the account names the discharge meeting."
    folder = tmp_path / "long"
    folder.mkdir()
    with open(folder / "reports.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    ingest(library, [folder])
    doc = _doc_id(library, rows[0]["id"])
    page = case_story(library, doc)
    assert len(page["account"]["text"]) <= ACCOUNT_MAX + 2 and page["account"]["text"].endswith("…")
    pack = _pack_with(library, doc)
    whole = "The last sentence of the account names the discharge meeting."
    assert whole in pack_export.to_csv(pack) and whole in pack_export.to_markdown(pack)


def test_pack_list_counts_cases_as_the_pack_page_does(jlib, runner):
    """The pack list said "2 items" beside the pack page's "1 case": a response and the report it
    answers, or two concerns of one report, are one case. The list (page, JSON, CLI) now counts cases."""
    from precedent import cli

    report, response = _doc_id(jlib, "2021-0101"), _response_id(jlib)
    other = _doc_id(jlib, "2021-0102")
    pack = _pack_with(jlib, report, response, other)
    assert len(pack["cases"]) == 2 and pack["total"] == 3
    c = _client(jlib)
    listed = {p["id"]: p for p in c.get("/collections.json").get_json()["collections"]}[pack["id"]]
    assert listed["case_count"] == 2 and listed["item_count"] == 3
    page = c.get("/collections").get_data(as_text=True)
    assert re.search(r'class="cases">2 <span class="meta">\(3 items\)', page)
    r = runner.invoke(cli, ["packs", "list", "--library", str(jlib.path)])
    assert r.exit_code == 0 and "2 cases (3 items)" in r.stdout
