"""Follow-up (search.follow): a followed search or organisation lists what is new since the last
check — never what was there when it was followed — and its Atom feed is well formed."""
from xml.etree import ElementTree as ET

import pytest

from tests.support.ledger_data import insert_text_document, lib  # noqa: F401  (fixture)

ATOM = "{http://www.w3.org/2005/Atom}"

REPORT = """REGULATION 28: REPORT TO PREVENT FUTURE DEATHS — {title}

THIS REPORT IS BEING SENT TO:
{recipients}

4 CIRCUMSTANCES OF THE DEATH
{title} died after information shared at a MARAC meeting was not minuted.

5 CORONER'S CONCERNS
The MATTERS OF CONCERN are as follows:
1. Information shared at the MARAC meeting was not minuted and the minutes were never shared with the agencies
who attended the meeting.

Dated {date}
"""


def _add_report(lib, title, date, recipients, tmp_path) -> int:
    """A PFD report about MARAC minutes, ingested as a text file; returns its id."""
    from index.ingest.pipeline import ingest

    path = tmp_path / f"{abs(hash(title))}.txt"
    path.write_text(REPORT.format(title=title, date=date,
                                  recipients="\n".join(f"{n}. {r}" for n, r in enumerate(recipients, 1))),
                    encoding="utf-8")
    before = {d["id"] for d in lib.store.documents()}
    ingest(lib, [path])
    (doc,) = {d["id"] for d in lib.store.documents()} - before
    return doc


def test_a_followed_search_lists_only_documents_that_arrive_after(lib, tmp_path):
    from search.follow import check_follows, follow_search, get_follow

    f = follow_search(lib, "MARAC meeting not minuted")
    assert f["new"] == 0 and f["items"] == []          # reports 1 and 3 match, but were there already
    assert check_follows(lib, f["id"])["new"] == 0
    doc = _add_report(lib, "Peter Jones", "6 April 2024", ["Chief Constable, West Midlands Police"], tmp_path)
    first = check_follows(lib, f["id"])
    assert [i["document_id"] for i in first["follows"][0]["new"]] == [doc]
    assert first["follows"][0]["new"][0]["what"] == "new_document"
    assert check_follows(lib, f["id"])["new"] == 0      # listed once: the check is remembered
    page = get_follow(lib, f["id"])
    assert page["new"] == 1 and page["items"][0]["link"] == f"/cases/{doc}"


def test_a_page_read_stores_items_without_moving_the_last_check(lib, tmp_path):
    from search.follow import check_follows, follow_search

    f = follow_search(lib, "MARAC meeting not minuted")
    doc = _add_report(lib, "Peter Jones", "6 April 2024", [], tmp_path)
    assert check_follows(lib, f["id"], record_only=True)["new"] == 1
    # the CLI's check still lists it: a page or feed read does not count as the last check
    assert [i["document_id"] for i in check_follows(lib, f["id"])["follows"][0]["new"]] == [doc]
    assert check_follows(lib, f["id"])["new"] == 0


def test_following_twice_is_one_follow_and_bad_input_is_refused(lib):
    from search.follow import FollowError, follow_organisation, follow_search, get_follow, unfollow
    from search.request import ParamError

    a = follow_search(lib, "  MARAC meeting not minuted ")
    assert follow_search(lib, "MARAC meeting not minuted")["id"] == a["id"]
    assert follow_search(lib, "MARAC meeting not minuted", {"type": "pfd_report"})["id"] != a["id"]
    with pytest.raises(FollowError):
        follow_search(lib, "   ")
    with pytest.raises(ParamError):
        follow_search(lib, "MARAC", {"date_from": "2024-13-45"})
    with pytest.raises(FollowError) as e:
        follow_organisation(lib, "No Such Body At All")
    assert e.value.status == 404
    unfollow(lib, a["id"])
    with pytest.raises(FollowError):
        get_follow(lib, a["id"])
    with pytest.raises(FollowError):
        unfollow(lib, a["id"])


def test_an_organisation_lists_new_reports_and_what_became_overdue(lib, tmp_path):
    from search.follow import check_follows, follow_organisation

    # as of 2019-05-01: NHS England's commitment (due 2019-06-30) is not overdue, nor is the
    # response to report 3 (2023)
    f = follow_organisation(lib, "NHS England", as_of="2019-05-01")
    assert f["label"] == "NHS England" and f["new"] == 0
    assert check_follows(lib, f["id"], as_of="2019-05-01")["new"] == 0
    later = check_follows(lib, f["id"], as_of="2024-01-01")["follows"][0]["new"]
    kinds = {(i["what"], i["document_id"]) for i in later}
    assert ("commitment_overdue", 2) in kinds            # due 2019-06-30, not completed
    assert ("response_overdue", 3) in kinds              # report 3 (2023-06-01): no response after 56 days
    assert ("response_overdue", 1) not in kinds          # report 1 was answered
    doc = _add_report(lib, "Ann Lee", "1 May 2024", ["Chief Executive, NHS England"], tmp_path)
    again = check_follows(lib, f["id"], as_of="2024-01-01")["follows"][0]["new"]
    assert ("new_report", doc) in {(i["what"], i["document_id"]) for i in again}
    assert not {("commitment_overdue", 2)} & {(i["what"], i["document_id"]) for i in again}  # an event happens once


def test_the_atom_feed_is_well_formed_and_links_only_with_a_base_url(lib, tmp_path):
    from search.follow import check_follows, follow_search, get_follow, to_atom

    f = follow_search(lib, "MARAC meeting not minuted")
    _add_report(lib, "<b>Peter</b> & Jones", "6 April 2024", [], tmp_path)
    check_follows(lib, f["id"])
    data = get_follow(lib, f["id"])
    for base, links in (("", 0), ("javascript:alert(1)", 0), ("https://library.example.org/", 3)):
        feed = ET.fromstring(to_atom(data, base).split("\n", 1)[1])
        assert feed.tag == ATOM + "feed"
        for name in ("id", "title", "updated", "author"):
            assert feed.find(ATOM + name) is not None, name
        entries = feed.findall(ATOM + "entry")
        assert len(entries) == 1
        e = entries[0]
        for name in ("id", "title", "updated", "content"):
            assert e.find(ATOM + name) is not None, name
        assert "Peter & Jones" in e.find(ATOM + "title").text  # "&" escaped by the writer, read back
        hrefs = [x.get("href") for x in feed.iter(ATOM + "link")]
        assert len(hrefs) == links
        assert all(h.startswith("https://library.example.org/") for h in hrefs)
        assert "/tmp" not in to_atom(data, base) and str(lib.path) not in to_atom(data, base)
