"""Theme pages, their JSON twins, edits over HTTP and the CLI, on a small fake library."""
import json

import pytest

from precedent import cli


@pytest.fixture
def themed(library, tmp_path):
    from index.ingest.pipeline import ingest
    from index.themes.store import rebuild_themes

    d = tmp_path / "reports"
    d.mkdir()
    topics = [
        "MARAC minutes were not shared with the police officers managing the case",
        "ligature points on the mental health ward were not removed after the audit",
        "the ambulance took four hours to arrive because of handover delays at the hospital",
    ]
    for i in range(9):
        t = topics[i % 3]
        (d / f"r{i}.txt").write_text(
            "Regulation 28 REPORT TO PREVENT FUTURE DEATHS\n\nTHIS REPORT IS BEING SENT TO: the Trust\n\n"
            f"CORONER'S CONCERNS\n\nThe MATTERS OF CONCERN are as follows:\n\n1. {t} in case {i}.\n\n"
            f"2. {topics[(i + 1) % 3]} as well, report {i}.\n\nACTION SHOULD BE TAKEN\n\n"
            f"Date: {10 + i} March 20{15 + i}\n")
    ingest(library, [d])
    rebuild_themes(library)
    return library


def test_theme_list_and_page_with_twins(themed):
    from webui import create_app

    client = create_app({"TESTING": True, "LIBRARY": themed}).test_client()
    data = client.get("/themes.json").get_json()
    assert data["themes"], "themes were built"
    t = data["themes"][0]
    assert {"id", "label", "parent", "size", "documents", "first_seen", "last_seen", "by_year", "finding_ids"} <= set(t)
    html = client.get("/themes").get_data(as_text=True)
    assert t["label"] in html.replace("&#39;", "'") and "<svg" in html
    one = client.get(f"/themes/{t['id']}.json").get_json()
    assert one["id"] == t["id"] and one["members"]
    assert client.get(f"/themes/{t['id']}").status_code == 200
    r = client.post(f"/themes/{t['id']}/rename", json={"label": "Information sharing"})
    assert r.status_code == 200 and r.get_json()["label"] == "Information sharing"
    assert client.get("/themes/99999.json").get_json()["error"]["status"] == 404
    assert client.post(f"/themes/{t['id']}/rename", json={}).status_code == 400


def test_themes_cli(themed, runner):
    lib = str(themed.path)
    r = runner.invoke(cli, ["themes", "--json", "--library", lib])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    tid = data["themes"][0]["id"]
    r = runner.invoke(cli, ["themes", "rename", str(tid), "Custom name", "--library", lib])
    assert r.exit_code == 0 and "Custom name" in r.output
    r = runner.invoke(cli, ["themes", "rebuild", "--json", "--library", lib])
    assert r.exit_code == 0, r.output
    again = json.loads(runner.invoke(cli, ["themes", "--json", "--library", lib]).stdout)
    assert any(t["label"] == "Custom name" for t in again["themes"])  # the edit survived the rebuild
    r = runner.invoke(cli, ["themes", "rebuild", "--if-missing", "--library", lib])
    assert r.exit_code == 0 and "already built" in r.output
    r = runner.invoke(cli, ["themes", "show", "424242", "--library", lib])
    assert r.exit_code != 0 and "no theme" in r.output
