import csv
import io

import pytest

import ledger_data
from search.commitments import is_overdue, list_commitments, to_csv

AS_OF = "2024-01-01"


@pytest.fixture
def lib(library):
    ledger_data.build(library)
    return library


@pytest.fixture
def client(lib):
    from webui import create_app

    return create_app({"TESTING": True, "LIBRARY": lib}).test_client()


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
