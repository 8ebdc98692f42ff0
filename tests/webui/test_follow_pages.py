"""The follow pages: following from a form or JSON, the list and a follow's page with JSON twins,
the Atom feed, checking and stopping; bad input is a 4xx in the one JSON error shape."""
from xml.etree import ElementTree as ET

from tests.support.ledger_data import client, lib  # noqa: F401  (fixtures)


def test_follow_a_search_and_an_organisation_from_the_pages(client):
    r = client.post("/follows", data={"q": "MARAC meeting not minuted"})
    assert r.status_code == 303 and r.headers["Location"] == "/follows/1"
    page = client.get("/follows/1")
    assert page.status_code == 200 and b"Following: MARAC meeting not minuted" in page.data
    assert b'id="no-items"' in page.data
    r = client.post("/follows.json", json={"organisation": "NHS England"})
    assert r.status_code == 201 and r.get_json()["kind"] == "organisation" and r.get_json()["target"] == "nhs-england"
    listed = client.get("/follows.json").get_json()
    assert listed["total"] == 2 and {f["kind"] for f in listed["follows"]} == {"search", "organisation"}
    assert b"MARAC meeting not minuted" in client.get("/follows").data
    twin = client.get("/follows/1.json").get_json()
    assert twin["id"] == 1 and twin["items"] == [] and twin["feed"] == "/follows/1.atom"
    feed = client.get("/follows/1.atom")
    assert feed.status_code == 200 and feed.mimetype == "application/atom+xml"
    assert ET.fromstring(feed.data).tag == "{http://www.w3.org/2005/Atom}feed"
    checked = client.post("/follows/1/check", json={})
    assert checked.status_code == 200 and checked.get_json()["new"] == 0
    gone = client.post("/follows/1/delete", data={})
    assert gone.status_code == 303
    assert client.get("/follows/1.json").status_code == 404


def test_the_search_and_organisation_pages_offer_to_follow(client):
    assert b'id="follow-search"' in client.get("/search?q=MARAC").data
    assert b'id="follow-search"' not in client.get("/search").data
    assert b'id="follow-organisation"' in client.get("/organisations/nhs-england").data


def test_bad_follow_requests_are_4xx_in_the_json_shape(client):
    for method, url, body, status in (
        ("post", "/follows.json", {"q": "   "}, 400),
        ("post", "/follows.json", {"q": ["a", "list"]}, 400),
        ("post", "/follows.json", {"organisation": "No Such Body"}, 404),
        ("post", "/follows.json", {"q": "x", "date_from": "2024-99-99"}, 400),
        ("get", "/follows/999.json", None, 404),
        ("get", "/follows/999.atom", None, 404),
        ("post", "/follows/999/check", {}, 404),
        ("post", "/follows/999/delete", {}, 404),
        ("get", "/follows/99999999999999999999999.json", None, 404),
    ):
        r = getattr(client, method)(url, json=body) if body is not None else getattr(client, method)(url)
        assert r.status_code == status, (url, body, r.status_code)
        if url.endswith(".json") or body is not None:
            assert r.get_json()["error"]["status"] == status
