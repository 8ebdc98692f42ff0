"""`precedent ingest` replacing an edited file, `ingest --sync` and `precedent remove SOURCE|ID`."""
import json

from precedent import cli

REPORT = """REGULATION 28 REPORT TO PREVENT FUTURE DEATHS

CORONER'S CONCERNS

The MATTERS OF CONCERN are as follows:

1. The {word} risk assessment was not reviewed after the second incident.

2. Nobody told the GP about the discharge from the ward.
"""


def _folder(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    (d / "report.txt").write_text(REPORT.format(word="zebrafish"))
    (d / "minutes.txt").write_text("Minutes of the board. Item 2: the board will commission training for all staff.")
    (d / "third.txt").write_text("Inspection report: the care home failed to record falls in the log book.")
    return d


def _docs(runner, lib):
    r = runner.invoke(cli, ["documents", "--json", "--library", lib])
    return {d["source"].rsplit("/", 1)[-1]: d["id"] for d in json.loads(r.stdout)["documents"]}


def _hits(runner, lib, word):
    r = runner.invoke(cli, ["search", word, "--mode", "keyword", "--json", "--library", lib])
    return sorted({h["document"]["id"] for h in json.loads(r.stdout)["results"]})


def test_edited_file_is_replaced_and_the_summary_says_so(runner, tmp_path):
    d, lib = _folder(tmp_path), str(tmp_path / "lib")
    assert runner.invoke(cli, ["ingest", str(d), "--library", lib]).exit_code == 0
    old = _docs(runner, lib)["report.txt"]
    runner.invoke(cli, ["packs", "new", "falls", "--library", lib])
    runner.invoke(cli, ["packs", "add", "falls", "--document", str(old), "--library", lib])
    (d / "report.txt").write_text(REPORT.format(word="kingfisher"))
    r = runner.invoke(cli, ["ingest", str(d), "--library", lib])
    assert r.exit_code == 0, r.output
    assert "added 1 documents" in r.output and "replaced 1" in r.output
    assert f"replaced: [doc {old}]" in r.output and "pack 'falls': document" in r.output
    new = _docs(runner, lib)["report.txt"]
    assert new != old and len(_docs(runner, lib)) == 3
    assert _hits(runner, lib, "kingfisher") == [new] and _hits(runner, lib, "zebrafish") == []
    r = runner.invoke(cli, ["show", str(old), "--library", lib])
    assert r.exit_code == 1 and f"replaced by its new version, document {new}" in r.output
    r = runner.invoke(cli, ["packs", "show", "falls", "--json", "--library", lib])
    pack = json.loads(r.stdout)
    assert [(i["item_id"], i["changed"]) for i in pack["items"]] == [(new, "changed")] and not pack["missing"]


def test_remove_by_id_and_by_source(runner, tmp_path):
    d, lib = _folder(tmp_path), str(tmp_path / "lib")
    runner.invoke(cli, ["ingest", str(d), "--library", lib])
    ids = _docs(runner, lib)
    before = _hits(runner, lib, "training")
    r = runner.invoke(cli, ["remove", str(ids["report.txt"]), "--library", lib], input="n\n")
    assert r.exit_code != 0 and len(_docs(runner, lib)) == 3  # not confirmed: nothing removed
    r = runner.invoke(cli, ["remove", str(ids["report.txt"]), "--library", lib], input="y\n")
    assert r.exit_code == 0, r.output
    assert f"removed: [doc {ids['report.txt']}]" in r.output and "removed 1 document" in r.output
    r = runner.invoke(cli, ["remove", str(d / "third.txt"), "--yes", "--json", "--library", lib])
    assert [x["id"] for x in json.loads(r.stdout)["removed"]] == [ids["third.txt"]]
    assert set(_docs(runner, lib)) == {"minutes.txt"}
    r = runner.invoke(cli, ["show", str(ids["third.txt"]), "--library", lib])
    assert r.exit_code == 1 and f"no document {ids['third.txt']}: it was removed" in r.output
    assert _hits(runner, lib, "zebrafish") == [] and _hits(runner, lib, "training") == before


def test_remove_of_an_unknown_source_is_refused_and_removes_nothing(runner, tmp_path):
    d, lib = _folder(tmp_path), str(tmp_path / "lib")
    runner.invoke(cli, ["ingest", str(d), "--library", lib])
    ids = _docs(runner, lib)
    r = runner.invoke(cli, ["remove", str(ids["report.txt"]), str(tmp_path / "nope.pdf"), "--yes", "--library", lib])
    assert r.exit_code == 2 and "no document matches" in r.output and "nope.pdf" in r.output
    assert len(_docs(runner, lib)) == 3


def test_ingest_sync_removes_the_documents_of_deleted_files(runner, tmp_path):
    d, lib = _folder(tmp_path), str(tmp_path / "lib")
    runner.invoke(cli, ["ingest", str(d), "--library", lib])
    gone = _docs(runner, lib)["third.txt"]
    (d / "third.txt").unlink()
    r = runner.invoke(cli, ["ingest", "--sync", str(d), "--library", lib, "--json"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert s["removed"] == 1 and [x["id"] for x in s["removed_documents"]] == [gone]
    assert set(_docs(runner, lib)) == {"report.txt", "minutes.txt"}
    r = runner.invoke(cli, ["ingest", "--sync", str(d / "report.txt"), "--library", lib])
    assert r.exit_code == 2 and "--sync needs a folder" in r.output
