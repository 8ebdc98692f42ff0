import json

from index.ingest.pipeline import ingest
from precedent import cli


def test_unlinked_responses_are_listed_not_guessed(library, tmp_path, runner):
    d = tmp_path / "d"
    d.mkdir()
    (d / "reply.txt").write_text(
        "Dear Coroner,\n\nRegulation 28 Report to Prevent Future Deaths\n\nThank you for your report. "
        "We have reviewed our procedures and we will ensure staff are trained by March 2025.\n\nYours sincerely\n")
    ingest(library, [d])
    assert library.store.conn.execute("SELECT type FROM documents").fetchone()[0] == "pfd_response"
    from webui import create_app

    client = create_app({"TESTING": True, "LIBRARY": library}).test_client()
    data = client.get("/responses/unlinked.json").get_json()
    assert data["total"] == 1 and data["responses"][0]["title"]
    assert client.get("/responses/unlinked").status_code == 200
    r = runner.invoke(cli, ["unlinked", "--json", "--library", str(library.path)])
    assert r.exit_code == 0 and json.loads(r.stdout)["total"] == 1
