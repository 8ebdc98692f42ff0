"""Search as users see it: concerns with actions, filters, facets, diversity."""
from search.query import run_search


def test_hit_is_the_concern_with_its_response(filled_library):
    data = run_search(filled_library, "MARAC meeting not minuted", k=5)
    top = data["results"][0]
    assert top["finding"]["kind"] == "concern"
    assert "minuted" in top["finding"]["text"]
    assert top["actions"] and "minute takers" in top["actions"][0]["text"]
    assert top["actions"][0]["document_id"] == top["document"]["id"]
    marked = [top["finding"]["text"][s:e] for s, e in top["finding"]["highlights"]]
    assert "MARAC" in marked


def test_filters_and_facets(filled_library):
    data = run_search(filled_library, "training staff", k=10)
    types = {f["value"]: f["count"] for f in data["facets"]["type"]}
    assert sum(types.values()) == data["total"] and len(types) >= 1
    only = next(iter(types))
    filtered = run_search(filled_library, "training staff", k=10, filters={"type": only})
    assert filtered["results"] and all(r["document"]["type"] == only for r in filtered["results"])
    assert filtered["total"] == types[only]
    none = run_search(filled_library, "training staff", k=10, filters={"date_from": "2999"})
    assert none["results"] == [] and none["total"] == 0


def test_one_document_cannot_fill_the_page_and_duplicates_collapse(library, tmp_path):
    from index.ingest.pipeline import ingest

    d = tmp_path / "d"
    d.mkdir()
    big = "\n\n".join(f"Concern: referral number {i} about the missing MASH referral was never followed up by the team."
                      for i in range(12))
    (d / "big.txt").write_text("Regulation 28 Report to Prevent Future Deaths\n\n" + big)
    same = "The MASH referral was never followed up and the child was not seen by anyone for weeks afterwards."
    (d / "a.txt").write_text(same + " Report A.")
    (d / "b.txt").write_text(same + " Report B.")
    ingest(library, [d])
    data = run_search(library, "MASH referral never followed up", k=10, per_document=2)
    per_doc = {}
    for r in data["results"]:
        per_doc[r["document"]["id"]] = per_doc.get(r["document"]["id"], 0) + 1
    assert max(per_doc.values()) <= 2
    assert any(r["similar_count"] == 1 for r in data["results"])  # A and B collapse into one hit
    # hits of one document sit together
    ids = [r["document"]["id"] for r in data["results"]]
    assert ids == sorted(ids, key=ids.index)


def test_document_json_has_findings_with_actions(client):
    hit = client.get("/search.json?q=MARAC").get_json()["results"][0]
    doc = client.get(f"/documents/{hit['document']['id']}.json").get_json()
    assert doc["findings"] and doc["findings"][0]["actions"]
    assert {"responds_to", "responses"} <= set(doc)
    page = client.get(f"/documents/{hit['document']['id']}").get_data(as_text=True)
    assert "Findings and actions" in page and f'id="f{doc["findings"][0]["id"]}"' in page


def test_search_page_shows_facets_and_actions(client):
    html = client.get("/search?q=MARAC+minuted").get_data(as_text=True)
    assert 'class="facets"' in html and 'class="actions"' in html
    assert client.get("/search.json?q=x&date_from=notadate").status_code == 400


def test_recipient_facet_merges_spellings_and_filters(library, tmp_path):
    from index.ingest.pipeline import ingest

    d = tmp_path / "r"
    d.mkdir()
    for i, to in enumerate(["The Chief Executive, NHS England", "NHS England & NHS Improvement", "Chief Executive"]):
        (d / f"r{i}.txt").write_text(
            "REGULATION 28 REPORT TO PREVENT FUTURE DEATHS\n\nTHIS REPORT IS BEING SENT TO:\n\n"
            f"1. {to}\n\nCORONER\n\nI am the coroner.\n\nCORONER'S CONCERNS\n\n"
            f"1. The discharge letter never reached the GP in case {i}.\n\nDate: 1 May 2022\n")
    ingest(library, [d])
    data = run_search(library, "discharge letter never reached the GP", k=10)
    facet = {f["value"]: f["count"] for f in data["facets"]["recipient"]}
    assert list(facet) == ["NHS England"] and facet["NHS England"] >= 2
    hits = run_search(library, "discharge letter never reached the GP", k=10,
                      filters={"recipient": "Chief Executive, NHS England"})["results"]
    assert hits and all("NHS England" in " ".join(h["document"]["recipients"]) for h in hits)


def test_report_concern_shows_the_linked_responses_actions(library, tmp_path):
    from index.ingest.pipeline import ingest

    d = tmp_path / "d"
    d.mkdir()
    (d / "report.txt").write_text(
        "REGULATION 28 REPORT TO PREVENT FUTURE DEATHS\n\nTHIS REPORT IS BEING SENT TO:\n\n1. Westshire Police\n\n"
        "CORONER\n\nI am Jane Doe, Senior Coroner.\n\nINVESTIGATION and INQUEST\n\nOn 1 March 2023 I commenced an "
        "investigation into the death of John Quentin Example.\n\nCORONER'S CONCERNS\n\nThe MATTERS OF CONCERN are:\n\n"
        "1. Call handlers did not grade the emergency call about the domestic abuse victim as urgent.\n\n"
        "Date: 10 January 2024\n")
    (d / "reply.txt").write_text(
        "Dear Mrs Doe,\n\nRegulation 28 Report to Prevent Future Deaths dated 10 January 2024 following the inquest "
        "into the death of Mr John Quentin Example.\n\nConcern: Call handlers did not grade the emergency call about "
        "the domestic abuse victim as urgent.\n\nResponse: We have retrained all call handlers and we will audit "
        "call grading monthly from April 2024.\n\nYours sincerely\n\nChief Constable, Westshire Police\n")
    ingest(library, [d])
    assert library.store.count("links") == 1
    hits = run_search(library, "emergency call not graded urgent", k=10)["results"]
    report_hit = next(h for h in hits if h["document"]["type"] == "pfd_report" and h["finding"])
    assert report_hit["actions"], report_hit
    assert report_hit["actions"][0]["document_id"] != report_hit["document"]["id"]
    assert "retrained" in report_hit["actions"][0]["text"]


def test_a_year_as_date_to_keeps_that_whole_year(filled_library):
    from search.query import _passes

    doc = {"id": 1, "date": "2019-05-01"}
    assert _passes({}, doc, {"date_to": "2019"}) and _passes({}, doc, {"date_to": "2019-05"})
    assert not _passes({}, doc, {"date_to": "2018"}) and not _passes({}, doc, {"date_to": "2019-04"})
    assert _passes({}, doc, {"date_from": "2019"}) and not _passes({}, doc, {"date_from": "2019-06"})


def test_a_page_past_the_end_points_back_to_the_last_page():
    from search.query import page_bounds

    b = page_bounds(total=25, page=999, per_page=10)
    assert b["pages"] == 3 and b["previous"] == 3 and b["next"] is None and b["first"] == 0


def test_results_never_show_a_path_on_the_server(client, docs_dir):
    data = client.get("/search.json?q=MARAC+meeting").get_json()
    assert data["results"]
    for r in data["results"]:
        src = r["document"]["source"]
        assert src and not src.startswith("/") and str(docs_dir) not in src, src  # a file name or an http(s) URL
