"""When no letter is held (issue 26): a report's recipients show the response the published
record (the tracker's reply URLs) lists for them, with its URL; a concern with no action in the
library says what is known instead of "No action recorded"; only http(s) URLs are ever linked."""
import json

import pytest

from tests.support.ledger_data import client, lib  # noqa: F401  (fixtures)

URLS = ["https://www.judiciary.uk/wp-content/uploads/2023/08/2023-0200-Response-from-Stockport-NHS-Foundation-Trust_Redacted.pdf",
        "javascript:alert(1)",
        "https://www.judiciary.uk/wp-content/uploads/2023/08/2023-0200R.pdf"]


@pytest.fixture
def published(lib):
    with lib.store.transaction() as t:
        t.execute("INSERT INTO annotations(reference, source, data) VALUES (?,?,?)",
                  ("2023-0200", "reports-analysed.csv", json.dumps({"status": "partial", "replies": 1, "reply_urls": URLS})))
    return lib


def test_the_file_name_names_the_respondent():
    from search.responses.recipients import published_from

    assert published_from(URLS[0]) == "Stockport NHS Foundation Trust"
    assert published_from("https://x.org/2022-0034-Response-by-the-Gwynedd-Council-1.pdf") == "Gwynedd Council"
    assert published_from(URLS[2]) is None


def test_a_published_response_goes_to_its_recipient_and_only_http_urls_count(published):
    from search.responses import report_tracking

    t = report_tracking(published, 3, as_of="2024-01-01")
    by_name = {r["name"]: r for r in t["recipients"]}
    stockport = by_name["Stockport NHS Foundation Trust"]
    assert stockport["published"] == URLS[0] and stockport["status"] == "responded_per_tracker"
    assert not stockport["overdue"]
    england = by_name["The Chief Executive, NHS England"]
    assert england["published"] is None and england["status"] == "unknown"   # tracker "partial": not known
    assert t["tracker"]["published"] == [URLS[0], URLS[2]]
    assert t["tracker"]["published_unmatched"] == [URLS[2]]


def test_a_concern_without_action_says_what_is_known(published):
    from search.cases.story import case_story

    o = case_story(published, 3, as_of="2024-01-01")["outcome"]
    assert [p["url"] for p in o["published"]] == [URLS[0], URLS[2]]
    assert "published elsewhere, not held in this library" in o["summary"]
    assert o["no_action"].startswith("No action in this library; 2 responses published elsewhere")
    assert "Stockport" in o["no_action"]


def test_the_case_page_and_a_pack_link_the_published_response(published, client):
    page = client.get("/cases/3").get_data(as_text=True)
    assert f'href="{URLS[0]}"' in page and f'href="{URLS[2]}"' in page
    assert "javascript:alert" not in page
    p = client.post("/collections.json", json={"name": "Minutes", "item_type": "document", "item_id": 3}).get_json()
    pack = client.get(f"/collections/{p['id']}").get_data(as_text=True)
    assert "No action recorded" not in pack and "published elsewhere" in pack and f'href="{URLS[0]}"' in pack
    md = client.get(f"/collections/{p['id']}/export.md").get_data(as_text=True)
    assert URLS[0] in md and "No action recorded" not in md and "javascript" not in md
