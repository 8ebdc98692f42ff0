import pytest

from tests.support.ledger_data import client, lib  # noqa: F401  (shared fixtures)
from search.cases.cases import get_case
from search.ledger.organisations import get_organisation, list_organisations
from search.responses.recipients import report_tracking, response_due
from search.responses.warned_before import warned_before

AS_OF = "2024-01-01"



def test_56_day_due_date():
    assert response_due("2024-03-13") == "2024-05-08"
    assert response_due("2023-12-31") == "2024-02-25"
    assert response_due(None) is None and response_due("not a date") is None


def test_report_recipients_responses_and_overdue(lib):
    t = report_tracking(lib, 1, as_of=AS_OF)
    assert t["response_due"] == "2019-04-26"
    rec = {r["key"]: r for r in t["recipients"]}
    assert rec["nhs-england"]["status"] == "responded"  # "NHS England & NHS Improvement" answered
    assert rec["nhs-england"]["response"]["document_id"] == 2
    assert rec["west-midlands-police"]["status"] == "unknown"  # tracker: partial
    t = report_tracking(lib, 3, as_of=AS_OF)
    assert [(r["key"], r["status"], r["overdue"]) for r in t["recipients"]] == [
        ("nhs-england", "overdue", True), ("stockport-nhs-foundation-trust", "overdue", True)]
    assert t["overdue"]
    t = report_tracking(lib, 3, as_of="2023-07-01")  # before the 56 days are up
    assert {r["status"] for r in t["recipients"]} == {"pending"} and not t["overdue"]
    t = report_tracking(lib, 6, as_of=AS_OF)  # tracker says completed
    assert t["recipients"][0]["status"] == "responded_per_tracker" and not t["overdue"]
    assert report_tracking(lib, 4) is None  # not a PFD report


def test_organisations_counts(lib):
    data = list_organisations(lib, as_of=AS_OF)
    rows = {o["key"]: o for o in data["organisations"]}
    assert set(data) >= {"as_of", "total", "organisations", "by_type"}
    assert rows["nhs-england"] == {
        "key": "nhs-england", "name": "NHS England", "type": "nhs_national", "reports": 2, "responses": 1,
        "responses_overdue": 1, "commitments": 1, "commitments_overdue": 1, "asked_of": 0, "asked_of_overdue": 0,
        "answers": 0}
    assert rows["west-midlands-police"]["commitments"] == 2 and rows["west-midlands-police"]["reports"] == 1
    assert rows["stockport-nhs-foundation-trust"]["responses_overdue"] == 1
    assert data["by_type"]["police"]["commitments"] == 3  # WMP 2 + College of Policing 1
    assert [o["key"] for o in list_organisations(lib, as_of=AS_OF, q="stockport")["organisations"]] == [
        "stockport-nhs-foundation-trust"]


def test_organisation_page_data(lib):
    o = get_organisation(lib, "nhs-england", as_of=AS_OF)
    assert set(o) >= {"key", "name", "type", "counts", "reports", "responses", "responses_overdue", "commitments",
                      "commitments_overdue", "warned_before", "spellings"}
    assert [r["id"] for r in o["reports"]] == [3, 1]
    assert [r["id"] for r in o["responses_overdue"]] == [3]
    assert "NHS England & NHS Improvement" in o["spellings"]
    w = o["warned_before"]
    assert len(w) == 1 and w[0]["earlier"]["document"]["id"] == 1
    assert "in 2019" in w[0]["earlier"]["summary"] and "minute takers" in w[0]["earlier"]["summary"]
    assert get_organisation(lib, "no-such-org") is None


def test_warned_before(lib):
    hits = warned_before(lib, 2, k=3)
    assert len(hits) == 1
    h = hits[0]
    assert h["finding"]["id"] == 1 and h["document"]["date"] == "2019-03-01"
    assert h["organisations"] == [{"key": "nhs-england", "name": "NHS England"}]
    assert [a["id"] for a in h["actions"]] == [1] and h["tracker_status"] == "partial"
    assert set(h) >= {"score", "finding", "document", "organisations", "actions", "summary", "link"}
    assert warned_before(lib, 1) == []  # nothing earlier
    assert warned_before(lib, 2, org="stockport-nhs-foundation-trust") == []  # not warned before
    assert warned_before(lib, 999) == []


def test_case_page_data(lib):
    c = get_case(lib, 4, as_of=AS_OF)
    assert c["references"] == ["BDHR/2013-14/02"]
    assert [(d["id"], d["role"]) for d in c["documents"]] == [(4, "case"), (5, "mentions")]
    assert c["documents"][1]["matched"] == "BDHR/2013-14/02"
    assert [a["id"] for a in c["actions"]] == [2, 3, 4, 5]
    dates = [t["date"] for t in c["timeline"]]
    assert dates == sorted(dates)
    # a response's case is its report's
    c = get_case(lib, 2, as_of=AS_OF)
    assert c["id"] == 1 and [(d["id"], d["role"]) for d in c["documents"]] == [(1, "case"), (2, "response")]
    assert c["tracking"]["response_due"] == "2019-04-26"
    assert get_case(lib, 999) is None


def test_pages_and_twins(client):
    for url, keys in [
        ("/organisations", None), ("/organisations.json", {"as_of", "total", "organisations", "by_type"}),
        ("/organisations/nhs-england", None),
        ("/organisations/nhs-england.json", {"key", "name", "counts", "reports", "responses_overdue",
                                             "commitments_overdue", "warned_before"}),
        ("/cases/4", None), ("/cases/4.json", {"id", "title", "documents", "findings", "actions", "timeline"}),
        ("/cases/1", None),
    ]:
        r = client.get(url + f"?as_of={AS_OF}")
        assert r.status_code == 200, url
        if keys:
            assert set(r.get_json()) >= keys, url
    html = client.get("/cases/1").get_data(as_text=True)
    assert "Stockport" not in html and "Response from NHS England" in html
    for url in ("/organisations/nobody.json", "/cases/999.json"):
        r = client.get(url)
        assert r.status_code == 404
        assert set(r.get_json()["error"]) == {"status", "message"}
    assert client.get("/organisations.json?type=aliens").status_code == 400
    assert client.get("/cases/999").status_code == 404
