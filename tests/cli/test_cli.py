import json

from precedent import cli


def test_ingest_search_documents_show(runner, docs_dir, tmp_path):
    lib = str(tmp_path / "lib")
    r = runner.invoke(cli, ["ingest", str(docs_dir), "--library", lib, "--json"])
    assert r.exit_code == 1, r.output  # two unreadable inputs, after the rest were added
    summary = json.loads(r.stdout)
    assert summary["added"] == 2 and summary["failed_count"] == 2
    assert all(f["reason"] for f in summary["failed"])

    r = runner.invoke(cli, ["search", "MARAC minutes", "--k", "2", "--json", "--library", lib])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["query"] == "MARAC minutes" and len({r["document"]["id"] for r in data["results"]}) == 2  # 2 cases

    r = runner.invoke(cli, ["documents", "--json", "--library", lib])
    docs = json.loads(r.stdout)["documents"]
    assert {d["source"].rsplit("/", 1)[-1] for d in docs} == {"letter.txt", "minutes.md"}

    r = runner.invoke(cli, ["show", str(docs[0]["id"]), "--json", "--library", lib])
    assert json.loads(r.stdout)["id"] == docs[0]["id"]

    r = runner.invoke(cli, ["search", "MARAC", "--library", lib])
    assert r.exit_code == 0 and "1." in r.output


def test_missing_library_is_a_clear_error(runner, tmp_path):
    r = runner.invoke(cli, ["documents", "--library", str(tmp_path / "nope")])
    assert r.exit_code != 0 and "no library" in r.output
