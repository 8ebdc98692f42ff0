"""Problems found by walking the three users' journeys on a realistic library (QA pass):
each test failed before its fix."""
from __future__ import annotations

import pytest

from corpus.extract.respond import due_in


@pytest.mark.parametrize("sentence", [
    # a letter's own date is not a deadline
    "In the short term and further to our update to you dated 31 October 2024, it is our intention to place "
    "temporary customer information signage at this junction.",
    # a day already past
    "In addition to the above, as of 25th November 2024, the hospital has become an early adopter of the tool.",
    # a period that has ended
    "CAS3 supported over 6,000 people last year (April 2023-March 2024) and the service is expanding.",
])
def test_a_month_that_dates_something_else_is_not_a_deadline(sentence):
    assert due_in(sentence)[0] is None


@pytest.mark.parametrize("sentence,due", [
    ("These traffic surveys are planned to take place in early January 2025 so that the data can be used.", "2025-01-31"),
    ("We will complete the audit by March 2025.", "2025-03-31"),
    ("Engage with partners: Q4 2024", "2024-12-31"),
    ("The new policy will be launched in the autumn, no later than October 2025.", "2025-10-31"),
])
def test_stated_deadlines_are_still_read(sentence, due):
    assert due_in(sentence)[0] == due


# ---- commitments ledger: a status or kind it cannot hold is a 400 naming the choices, not an empty ledger

from tests.support.ledger_data import client, lib  # noqa: E402,F401  (shared ledger fixtures)


def test_unknown_status_is_refused_with_the_choices(lib):
    from search.ledger.commitments import list_commitments

    with pytest.raises(ValueError, match="status must be one of open, completed"):
        list_commitments(lib, status="bogus", as_of="2024-01-01")
    with pytest.raises(ValueError, match="kind must be one of"):
        list_commitments(lib, kind="xyz", as_of="2024-01-01")
    # "done" and "not stated" are read as their stored forms
    done = list_commitments(lib, status="done", as_of="2024-01-01")
    assert [c["id"] for c in done["commitments"]] == [2]
    assert list_commitments(lib, status="not stated", as_of="2024-01-01")["total"] == 2


def test_ledger_page_refuses_unknown_status_and_labels_none_as_not_stated(client):
    r = client.get("/commitments.json?status=bogus")
    assert r.status_code == 400 and "status must be one of" in r.get_json()["error"]["message"]
    assert client.get("/commitments.csv?kind=nope").status_code == 400
    html = client.get("/commitments").get_data(as_text=True)
    assert '<option value="none">not stated</option>' in html


def test_organisation_warning_names_the_report_it_is_about(lib, client):
    """"Now: <concern>" said nothing of which report raised it; the page now links it."""
    from search.ledger.organisations import get_organisation

    w = get_organisation(lib, "nhs-england", as_of="2024-01-01")["warned_before"]
    assert len(w) == 1 and w[0]["document"]["id"] == w[0]["finding"]["document_id"] == 3
    html = client.get("/organisations/nhs-england?as_of=2024-01-01").get_data(as_text=True)
    warn = html[html.index("Warned before"):html.index("Responses overdue")]
    assert f'Now, in <a href="/cases/3">{w[0]["document"]["title"]}</a>' in warn
    j = client.get("/organisations/nhs-england.json?as_of=2024-01-01").get_json()
    assert j["warned_before"][0]["document"]["id"] == 3


def test_document_text_does_not_repeat_a_heading_its_block_opens_with():
    """The full text showed "Systemone" twice: once as the block's label, once as its first line."""
    from webui.views import render_blocks

    text = "Systemone\nAs Systemone is an IT system used by healthcare professionals.\nSecond part on page 2."
    blocks = [{"section": "Systemone", "page": None, "start": 0, "end": 73},
              {"section": "Concerns", "page": 2, "start": 73, "end": len(text)}]
    out = render_blocks({"text": text, "passages": [], "blocks": blocks}, None)
    assert out[0]["head"] == "" and out[0]["segments"][0][0].startswith("Systemone")
    assert out[1]["head"] == "Concerns · page 2"  # a heading not in the text is still shown


BULLETED = ("• University Hospitals Birmingham NHS Foundation Trust • Secretary of State for Health • "
            "Birmingham and Solihull Integrated Care Service 1")
THREE = ["University Hospitals Birmingham NHS Foundation Trust", "Secretary of State for Health",
         "Birmingham and Solihull Integrated Care Service"]


def test_bulleted_receiver_cell_is_three_recipients():
    """A report sent to three bodies listed with bullets counted only for the first body the
    whole cell normalised to (DHSC), with the cell shown as one of DHSC's spellings."""
    from corpus.readers.datasets import split_recipients
    from search.responses.recipients import recipient_names

    assert split_recipients(BULLETED) == THREE  # at ingest
    assert recipient_names([BULLETED]) == THREE  # and in libraries built before
    assert split_recipients("Chief Executive, NHS England; West Midlands Police") == [
        "Chief Executive, NHS England", "West Midlands Police"]
    assert recipient_names(["Ward 7 Manager"]) == ["Ward 7 Manager"]
    # a numbered list in one cell (129 of the corpus's 5,292 reports) is split at ingest too, so
    # the search's recipient facet and filter see each body
    assert split_recipients("1. [REDACTED], Home Secretary 2. [REDACTED], Secretary of State for Health and Social "
                             "Care") == ["[REDACTED], Home Secretary",
                                         "[REDACTED], Secretary of State for Health and Social Care"]


def test_year_facet_filters_the_search(client):
    """The year facet linked to ?year=2019, which the search ignored (same total, every year)."""
    all_ = client.get("/search.json?q=MARAC&mode=keyword").get_json()
    years = {r["document"]["date"][:4] for r in all_["results"] if r["document"]["date"]}
    assert {"2019", "2023"} <= years
    one = client.get("/search.json?q=MARAC&mode=keyword&year=2019").get_json()
    assert one["total"] < all_["total"]
    assert {r["document"]["date"][:4] for r in one["results"]} == {"2019"}
    assert (one["filters"]["date_from"], one["filters"]["date_to"]) == ("2019", "2019-12-31")
    # "to 2019" keeps what is dated in 2019 (compared as text, "2019-03-01" > "2019" dropped it)
    upto = client.get("/search.json?q=MARAC&mode=keyword&date_from=2019&date_to=2019").get_json()
    assert upto["total"] == one["total"] and upto["filters"]["date_to"] == "2019-12-31"
    assert client.get("/search.json?q=MARAC&year=19").status_code == 400
    html = client.get("/search?q=MARAC&mode=keyword").get_data(as_text=True)
    assert "date_from=2019&amp;date_to=2019" in html  # the facet link says what it filters
    page = client.get("/search?q=MARAC&mode=keyword&year=2019").get_data(as_text=True)
    assert page.count('class="result') >= 1 and "year=2019" not in page


def test_a_page_past_the_last_says_so(client):
    """?page=999 said 'Results 0–0 of 3', 'Nothing matches' and offered page 998."""
    html = client.get("/search?q=MARAC&mode=keyword&page=999").get_data(as_text=True)
    assert "Nothing matches" not in html and "0–0" not in html
    assert "past the last page" in html and "page=1" in html and "page=998" not in html


def test_end_of_period():
    from search.request import end_of_period

    assert end_of_period("2015") == "2015-12-31"
    assert end_of_period("2016-02") == "2016-02-29" and end_of_period("2015-02") == "2015-02-28"
    assert end_of_period("2015-06-30") == "2015-06-30"


def test_cli_search_date_to_a_year_keeps_that_year(lib, runner):
    import json

    from precedent import cli

    out = runner.invoke(cli, ["search", "MARAC", "--mode", "keyword", "--date-from", "2019", "--date-to", "2019",
                               "--library", str(lib.path), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["total"] >= 1 and {r["document"]["date"][:4] for r in data["results"]} == {"2019"}


def test_documents_filter_with_no_title_match_points_to_the_text_search(client):
    """/documents?q=MARAC said only "No documents match" although MARAC is all over the text."""
    html = client.get("/documents?q=MARAC%20%3Cb%3E").get_data(as_text=True)
    assert "No documents match" in html
    assert 'href="/search?q=MARAC+%3Cb%3E"' in html and "MARAC &lt;b&gt;" in html


def test_status_page_without_an_ingest_does_not_read_as_an_empty_library(client):
    """It said "Documents committed 0 of 0 · Passages embedded 0 of about 0" beside a full library."""
    html = client.get("/status").get_data(as_text=True)
    assert "0 of 0" not in html and "of about 0" not in html
    assert 'id="last-ingest">none in this server' in html
    assert client.get("/status.json").get_json()["library"]["documents"] >= 1


def test_theme_page_names_its_broader_and_specific_themes(client, monkeypatch):
    """A theme said "within theme 103" and listed its specific themes as bare numbers."""
    import webui.themes as tp

    fake = {"id": 5, "label": "Mental health", "parent": 7, "children": [3], "size": 2, "documents": 2,
            "first_seen": "2019-01-01", "last_seen": "2020-01-01", "by_year": {"2019": 1, "2020": 1},
            "finding_ids": [], "members": [], "top_terms": [], "exemplars": [], "top_recipients": [],
            "actions": {}, "action_items": [], "edits": [], "level": 1}
    monkeypatch.setattr(tp, "get_theme", lambda lib, tid: dict(fake) if tid == 5 else None)
    monkeypatch.setattr(tp, "list_themes", lambda lib, level=None: {"themes": [
        {"id": 7, "label": "Care & <treatment>"}, {"id": 3, "label": "Crisis teams"}, {"id": 5, "label": "x"}]})
    html = client.get("/themes/5").get_data(as_text=True)
    assert 'within <a href="/themes/7">Care &amp; &lt;treatment&gt;</a>' in html
    assert '<a href="/themes/3">Crisis teams</a>' in html
    assert "1 documents" not in html
    j = client.get("/themes/5.json").get_json()
    assert j["parent_theme"] == {"id": 7, "label": "Care & <treatment>"} and j["child_themes"][0]["label"] == "Crisis teams"


def test_cli_packs_add_counts_in_words_and_says_when_already_there(lib, runner):
    """It said "now has 1 items in 1 cases", and the same again for a case already in the pack."""
    from precedent import cli

    base = ["--library", str(lib.path)]
    assert runner.invoke(cli, ["packs", "new", "Minutes", *base]).exit_code == 0
    r = runner.invoke(cli, ["packs", "add", "Minutes", "--document", "1", *base])
    assert r.exit_code == 0 and "1 item in 1 case" in r.output and "already" not in r.output
    r = runner.invoke(cli, ["packs", "add", "Minutes", "--document", "1", *base])
    assert r.exit_code == 0 and "--document 1 was already in it" in r.output and "1 item in 1 case" in r.output


def test_organisations_unknown_sort_is_refused(client):
    r = client.get("/organisations.json?sort=bogus")
    assert r.status_code == 400 and "sort must be one of reports" in r.get_json()["error"]["message"]
    names = [o["name"] for o in client.get("/organisations.json?sort=name").get_json()["organisations"]]
    assert names == sorted(names, key=str.lower)


def test_ledger_does_not_say_an_action_answers_itself(lib, client):
    """An inspection's 'action required' is its recommendation: the ledger showed the same text
    twice ('By 31 October 2023, chief constables should …' / 'answers: By 31 October 2023, …')."""
    c = lib.store.conn
    row = c.execute("SELECT a.id, a.text, af.finding_id FROM actions a JOIN action_findings af ON af.action_id = a.id"
                    " LIMIT 1").fetchone()
    other = c.execute("SELECT text FROM findings WHERE id = ?", (row["finding_id"],)).fetchone()["text"]
    html = client.get("/commitments?limit=500").get_data(as_text=True)
    assert html.count("answers:") >= 1  # an action answering another text still says so
    with c:
        c.execute("UPDATE findings SET text = ? WHERE id = ?", (row["text"] + "  ", row["finding_id"]))
    html2 = client.get("/commitments?limit=500").get_data(as_text=True)
    assert html2.count("answers:") == html.count("answers:") - 1, other


def test_warned_before_on_a_result_links_the_earlier_concern_once_per_document(client):
    """Each hit of a document repeated the same warnings, each linking the earlier report's top,
    not the concern that was raised before."""
    data = client.get("/search.json?q=MARAC+minutes+not+shared&mode=keyword").get_json()
    hits = [r for r in data["results"] if r.get("warned_before")]
    assert hits, "a later report warned before by an earlier one"
    w = hits[0]["warned_before"][0]
    html = client.get("/search?q=MARAC+minutes+not+shared&mode=keyword").get_data(as_text=True)
    link = f'href="/documents/{w["document"]["id"]}#f{w["finding"]["id"]}"'
    assert link in html
    doc_ids = {r["document"]["id"] for r in hits}
    assert html.count(link) <= len(doc_ids)  # once per document group, not once per hit


@pytest.mark.parametrize("arg", ["type=bogus", "strength=strongest", "has_response=maybe"])
def test_search_filter_no_document_can_match_is_a_400(client, arg):
    """They gave 'Nothing matches … with these filters', as if the library had no such case."""
    r = client.get(f"/search.json?q=MARAC&{arg}")
    assert r.status_code == 400 and "must be one of" in r.get_json()["error"]["message"]
    ok = client.get("/search.json?q=MARAC&mode=keyword&type=pfd_report&strength=related&has_response=yes")
    assert ok.status_code == 200


def test_cli_search_unknown_type_is_a_usage_error(lib, runner):
    from precedent import cli

    r = runner.invoke(cli, ["search", "MARAC", "--type", "report", "--library", str(lib.path)])
    assert r.exit_code == 2 and "must be one of pfd_report" in r.output


def test_home_links_the_status_page_not_its_json(client):
    html = client.get("/").get_data(as_text=True)
    assert '<a href="/status">ingest status</a>' in html
    assert client.get("/.json").get_json()["status_url"] == "/status.json"


@pytest.mark.parametrize("raw,area", [
    ("West Yorkshire\n(Western)", "West Yorkshire (Western)"), ("West Sussex. 2", "West Sussex"),
    ("South Wales Central.", "South Wales Central"), ("Greater \nManchester South", "Greater Manchester South"),
    ("Surrey", "Surrey"),
])
def test_coroner_area_is_one_spelling(raw, area):
    """The documents page's area menu listed 'West Sussex. 2', 'South Wales Central.' and an area
    with a line break in it beside the clean spellings."""
    from corpus.readers.datasets import clean_area

    assert clean_area(raw) == area


def test_documents_area_menu_lists_each_area_once(lib, client):
    c = lib.store.conn
    with c:
        c.execute("UPDATE documents SET meta = json_set(COALESCE(meta, '{}'), '$.area', 'Birmingham. 2') WHERE id = 3")
    areas = client.get("/documents.json").get_json()["areas"]
    assert areas.count("Birmingham") == 1 and "Birmingham. 2" not in areas


def test_owner_cell_naming_several_bodies_counts_for_each_known_one():
    """West Midlands Police's page counted 21 commitments while its 'commitments ledger' link
    (owner=West Midlands Police) listed 23: two owner cells named it inside a longer cell."""
    from search.ledger.commitments import owner_orgs

    keys = [o["key"] for o in owner_orgs("Head of Public Protection West Midlands Police Head Workforce Development, "
                                         "People Directorate, Birmingham City Council")]
    assert set(keys) == {"west-midlands-police", "birmingham-city-council"}
    assert [o["key"] for o in owner_orgs("NHS England")] == ["nhs-england"]
    assert [o["key"] for o in owner_orgs("Transport for London (TFL)")] == ["transport-for-london"]
