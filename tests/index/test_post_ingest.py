"""Post-commit steps are idempotent and resumable (issue 16 item 3, issue 13): an ingest
killed right after its documents commit loses no links and no theme work; the next
ingest, or `precedent relink`, finishes them for every document that lacks them."""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from precedent import cli

ROOT = Path(__file__).resolve().parents[2]
csv.field_size_limit(1 << 30)


@pytest.fixture
def pfd_pair(shared, tmp_path) -> Path:
    """A folder with the shared responses.csv and the reports they answer (a small reports.csv)."""
    with open(shared / "corpus/pfd/responses.csv", encoding="utf-8", newline="") as f:
        responses = list(csv.DictReader(f))
    parents = {r["parent_id"] for r in responses}
    with open(shared / "corpus/pfd/reports.csv", encoding="utf-8", newline="") as f:
        rd = csv.DictReader(f)
        fields = rd.fieldnames
        rows = [r for r in rd if r["id"] in parents]
    assert rows and responses
    d = tmp_path / "pfd"
    d.mkdir()
    with open(d / "reports.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    (d / "responses.csv").write_bytes((shared / "corpus/pfd/responses.csv").read_bytes())
    return d


def _links(lib) -> set[tuple[int, int]]:
    return {(r[0], r[1]) for r in lib.store.conn.execute("SELECT response_id, report_id FROM links")}


def _link_pairs_by_title(lib) -> set[tuple[str, str]]:
    return {(r[0], r[1]) for r in lib.store.conn.execute(
        "SELECT a.source, b.source FROM links l JOIN documents a ON a.id=l.response_id "
        "JOIN documents b ON b.id=l.report_id")}


def _open(path):
    from index.library import open_library

    return open_library(path, model="fake-hashing-384")


def test_simulated_kill_after_commit_links_come_back(pfd_pair, tmp_path, monkeypatch):
    from index.ingest import finish as post_ingest
    from index.ingest.pipeline import ingest

    ref = _open(tmp_path / "reference")
    ingest(ref, [pfd_pair])
    expected = _link_pairs_by_title(ref)
    assert len(expected) >= 10, "the uninterrupted ingest links the responses"
    ref.close()

    lib = _open(tmp_path / "killed")

    def killed(*a, **k):
        raise KeyboardInterrupt("killed right after the commit")

    monkeypatch.setattr(post_ingest, "finish_pending", killed)
    with pytest.raises(KeyboardInterrupt):
        ingest(lib, [pfd_pair])
    monkeypatch.undo()
    n_docs = lib.store.count("documents")
    assert n_docs > 0 and _links(lib) == set()          # committed, but no links
    assert len(post_ingest.pending(lib, "link")) == n_docs

    again = ingest(lib, [pfd_pair])                     # the next ingest adds nothing ...
    assert not again.added
    assert _link_pairs_by_title(lib) == expected        # ... but finishes the links
    assert post_ingest.pending(lib, "link") == [] and post_ingest.pending(lib, "themes") == []
    # idempotent: nothing pending, nothing redone, nothing lost
    out = post_ingest.finish_pending(lib)
    assert all(s["documents"] == 0 for s in out["steps"].values())
    assert _link_pairs_by_title(lib) == expected
    lib.close()


def test_killed_process_then_relink_command(pfd_pair, tmp_path, runner):
    """A real process death (os._exit, no clean-up) right after the responses commit."""
    libdir = tmp_path / "lib"
    code = (
        "import os, sys;"
        "import index.ingest.finish as p; p.finish_pending = lambda *a, **k: os._exit(137);"
        "from precedent import cli; cli(sys.argv[1:])"
    )
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))  # this checkout's code
    env = {**os.environ, "PRECEDENT_MODEL": "fake-hashing-384", "PYTHONPATH": path}
    r = subprocess.run([sys.executable, "-c", code, "ingest", str(pfd_pair), "--library", str(libdir),
                        "--json"], env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 137, r.stderr[-2000:]
    lib = _open(libdir)
    assert lib.store.count("documents") > 0 and _links(lib) == set()
    lib.close()

    r = runner.invoke(cli, ["relink", "--json", "--library", str(libdir)])
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["steps"]["link"]["linked"] >= 10 and out["links"] >= 10
    lib = _open(libdir)
    n = len(_links(lib))
    lib.close()
    r = runner.invoke(cli, ["relink", "--all", "--library", str(libdir)])   # nothing left to do
    assert r.exit_code == 0 and "link: 0 documents" in r.output
    assert f"{n} links in the library" in r.output


def test_failing_step_is_retried_next_run(library, tmp_path, monkeypatch):
    from index.ingest import finish as post_ingest
    from index.ingest.pipeline import ingest

    d = _topic_folder(tmp_path / "a", 12)

    def broken(lib, ids):
        raise RuntimeError("disk full")

    monkeypatch.setitem(post_ingest.RUNNERS, "themes", broken)
    rep = ingest(library, [d])
    assert any(w["source"] == "themes" and "retried" in w["warning"] for w in rep.warnings)
    assert post_ingest.pending(library, "themes") and not post_ingest.pending(library, "link")
    monkeypatch.undo()
    out = post_ingest.finish_pending(library)
    assert out["steps"]["themes"]["action"] == "built" and out["warnings"] == []
    assert post_ingest.pending(library, "themes") == []


TOPICS = [
    "MARAC minutes were not shared with the police officers managing the domestic abuse case",
    "ligature points on the mental health ward were not removed after the ligature audit",
    "the ambulance took four hours to arrive because of handover delays at the emergency department",
]


def _topic_folder(d: Path, n: int, start: int = 0) -> Path:
    d.mkdir(parents=True)
    for i in range(start, start + n):
        t = TOPICS[i % 3]
        (d / f"r{i}.txt").write_text(
            "Regulation 28 REPORT TO PREVENT FUTURE DEATHS\n\nTHIS REPORT IS BEING SENT TO: the Trust\n\n"
            f"CORONER'S CONCERNS\n\nThe MATTERS OF CONCERN are as follows:\n\n1. {t} (report {i}).\n\n"
            f"ACTION SHOULD BE TAKEN\n\nDate: {10 + i % 18} March 20{15 + i % 9}\n")
    return d


def test_ingest_alone_gives_labelled_themes(tmp_path, runner):
    lib = str(tmp_path / "lib")
    r = runner.invoke(cli, ["ingest", str(_topic_folder(tmp_path / "a", 9)), "--library", lib])
    assert r.exit_code == 0, r.output
    data = json.loads(runner.invoke(cli, ["themes", "--json", "--library", lib]).stdout)
    assert data["themes"], "ingest alone builds themes"
    for t in data["themes"]:
        assert {"id", "label", "finding_ids"} <= set(t) and t["label"] and t["finding_ids"]
    # a few more of the same: assigned to the existing themes, no rebuild
    r = runner.invoke(cli, ["ingest", str(_topic_folder(tmp_path / "b", 1, start=100)), "--library", lib])
    assert r.exit_code == 0
    after = json.loads(runner.invoke(cli, ["themes", "--json", "--library", lib]).stdout)
    assert sum(len(t["finding_ids"]) for t in after["themes"] if t["level"] == 2) == \
        sum(len(t["finding_ids"]) for t in data["themes"] if t["level"] == 2) + 1


def test_growth_rebuilds_and_keeps_edits(library, tmp_path):
    from index.ingest import finish as post_ingest
    from index import themes as ts
    from index.ingest.pipeline import ingest

    ingest(library, [_topic_folder(tmp_path / "a", 9)])
    first = ts.list_themes(library, level=2)["themes"]
    assert first
    tid = first[0]["id"]
    ts.rename_theme(library, tid, "Renamed by a person")
    built = ts.built_findings(library)
    ingest(library, [_topic_folder(tmp_path / "b", 6, start=50)])   # > GROW_FRACTION new
    assert ts.built_findings(library) > built                          # rebuilt
    assert ts.get_theme(library, tid)["label"] == "Renamed by a person"
    assert post_ingest.pending(library, "themes") == []
