import csv
import io

import pytest

from tests.support.ledger_data import client, lib  # noqa: F401  (shared fixtures)
from search.ledger.commitments import is_overdue, list_commitments, to_csv

AS_OF = "2024-01-01"



def test_overdue_list_pinned_as_of_a_date(lib):
    data = list_commitments(lib, overdue=True, as_of=AS_OF)
    assert data["as_of"] == AS_OF
    got = [(c["id"], c["owner"], c["due"], c["status"]) for c in data["commitments"]]
    assert got == [
        (1, "NHS England", "2019-06-30", None),
        (4, "Birmingham City Council", "2023-09-30", None),  # "by the end of Q3 2023", parsed at query time
        (3, "the CoP", "2023-10-31", "ongoing"),
    ]
    assert data["summary"]["overdue_by_org_type"] == {"local_authority": 1, "nhs_national": 1, "police": 1}
    # earlier, fewer are overdue; completed ones never are
    assert [c["id"] for c in list_commitments(lib, overdue=True, as_of="2023-10-15")["commitments"]] == [1, 4]
    assert not is_overdue("2014-04-30", "completed", AS_OF)


def test_record_shape_and_undated_immediate_effect(lib):
    data = list_commitments(lib, as_of=AS_OF)
    assert data["total"] == 5
    c = {x["id"]: x for x in data["commitments"]}
    assert set(c[1]) >= {"id", "text", "owner", "due", "due_text", "status", "overdue", "document_id", "finding_id",
                         "document_title", "document_type", "kind"}
    assert c[5]["due"] is None and c[5]["due_text"] == "With immediate effect" and not c[5]["overdue"]
    assert c[1]["finding_id"] == 1 and c[1]["document_type"] == "pfd_response"
    assert data["summary"]["with_due_date"] == 4


def test_filters(lib):
    ids = lambda **kw: sorted(c["id"] for c in list_commitments(lib, as_of=AS_OF, **kw)["commitments"])  # noqa: E731
    assert ids(owner="West Midlands Police") == [2, 5]  # "WMP" too
    assert ids(owner="WMP") == [2, 5]
    assert ids(owner="College of Policing") == [3]
    assert ids(owner="Chief Executive, NHS England") == [1]
    assert ids(status="completed") == [2]
    assert ids(status="open") == [1, 3, 4, 5]
    assert ids(status="none") == [1, 4]
    assert ids(overdue=False) == [2, 5]
    assert ids(due_from="2023-01-01", due_to="2023-12-31") == [3, 4]
    assert ids(q="minute takers") == [1]
    assert ids(q="MASH audit") == [4]
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        list_commitments(lib, as_of="01/01/2024")


def test_csv_export_parses(lib):
    text = to_csv(list_commitments(lib, as_of=AS_OF)["commitments"])
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 5
    r = next(r for r in rows if r["id"] == "3")
    assert r["owner"] == "the CoP" and r["organisations"] == "College of Policing" and r["overdue"] == "yes"


def test_pages_and_twins(client):
    r = client.get(f"/commitments?as_of={AS_OF}&overdue=yes")
    assert r.status_code == 200 and "overdue" in r.get_data(as_text=True)
    data = client.get(f"/commitments.json?as_of={AS_OF}&owner=WMP").get_json()
    assert set(data) >= {"as_of", "commitments", "total", "summary", "filters"}
    assert data["total"] == 2 and data["as_of"] == AS_OF
    r = client.get(f"/commitments.csv?as_of={AS_OF}")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert len(list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))) == 5
    r = client.get("/commitments.json?as_of=yesterday")
    assert r.status_code == 400 and r.get_json()["error"]["status"] == 400
    assert client.get("/commitments.json?overdue=maybe").status_code == 400


def test_page_escapes_action_text(lib, client):
    lib.store.conn.execute("UPDATE actions SET text='<script>alert(1)</script> fix' WHERE id=2")
    html = client.get(f"/commitments?as_of={AS_OF}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_cli(lib, runner):
    import json

    from precedent import cli

    r = runner.invoke(cli, ["commitments", "--library", str(lib.path), "--overdue", "--as-of", AS_OF, "--json"])
    assert r.exit_code == 0, r.output
    assert [c["id"] for c in json.loads(r.output)["commitments"]] == [1, 4, 3]
    r = runner.invoke(cli, ["commitments", "--library", str(lib.path), "--owner", "WMP", "--csv", "--as-of", AS_OF])
    assert r.exit_code == 0 and len(r.output.strip().splitlines()) == 3
    r = runner.invoke(cli, ["commitments", "--library", str(lib.path), "--as-of", "bad"])
    assert r.exit_code == 2


@pytest.mark.slow
def test_seed_commitments_and_overdue_pinned(library, shared):
    """The real extractor on the five seed documents (fake embedder): owners, due dates and
    statuses as the seeds write them, and what is overdue on 1 January 2024."""
    from index.ingest.pipeline import ingest

    assert ingest(library, [shared / "corpus" / "seeds"]).summary()["failed_count"] == 0
    data = list_commitments(library, as_of=AS_OF)
    recs = data["commitments"]
    overdue = [(c["owner"], c["due"], c["due_text"]) for c in recs if c["overdue"]]
    assert sorted(overdue) == sorted([
        ("chief constables", "2023-10-31", "By 31 October 2023"),
        ("the regional armed policing lead", "2023-10-31", "By 31 October 2023"),
        ("the Home Office", "2023-12-01", "By 1 December 2023"),
        ("chief constables", "2023-12-01", "By 1 December 2023"),
        ("chief constables", "2023-12-31", "By 31 December 2023"),
        ("chief constables", "2023-12-31", "By 31 December 2023"),
        ("the CoP", "2023-12-31", "By 31 December 2023"),
        ("the National Armed Policing Portfolio; the CoP", "2023-12-31", "By 31 December 2023"),
    ])
    assert data["summary"]["overdue_by_org_type"] == {"police": 7, "government": 1}
    assert all(c["document_type"] == "inspection" for c in recs if c["overdue"])
    # inspection deadlines: "By 31 July 2024" is not yet due; "With immediate effect" has no date
    insp = [c for c in recs if c["document_type"] == "inspection"]
    assert {c["due"] for c in insp if c["due_text"] == "By 31 July 2024"} == {"2024-07-31"}
    immediate = [c for c in insp if c["due_text"] == "With immediate effect"]
    assert len(immediate) == 3 and all(c["due"] is None and not c["overdue"] for c in immediate)
    # the DHR action plan: every row dated and COMPLETED, so nothing there is overdue
    plan = [c for c in recs if c["document_type"] == "action_plan"]
    assert len(plan) >= 11 and all(c["status"] == "completed" and c["due"] for c in plan)
    assert {"2016-06-30", "2014-07-31", "2015-01-31"} <= {c["due"] for c in plan}  # 30/06/16, Review by 31st July 2014, 31.01.15
    assert any(c["due_text"] == "Review by 31st July 2014" and c["due"] == "2014-07-31" for c in plan)
    # the Chief Constable's responses: owned by West Midlands Police, found as "WMP"
    wmp = list_commitments(library, owner="WMP", as_of=AS_OF)["commitments"]
    assert sum(1 for c in wmp if c["document_type"] == "pfd_response" and c["kind"] == "commitment") >= 5
    assert list_commitments(library, owner="College of Policing", as_of=AS_OF, overdue=True)["total"] == 2
