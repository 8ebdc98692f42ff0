"""No output names a path on the server: every page and JSON twin of the route table and every
CLI --json output give a document's file name or its http(s) URL (``search.sources``)."""
from __future__ import annotations

import json
import re

from precedent import cli
from webui import create_app
from webui.routes import ROUTES

REPORT = ("Regulation 28 Report to Prevent Future Deaths\n\nTHIS REPORT IS BEING SENT TO: Northshire NHS Trust\n\n"
          "CORONER'S CONCERNS\n\n1. The ligature points on the ward were not removed after the audit.\n\n"
          "2. Staff were not trained to use the ligature cutter.\n\nACTION SHOULD BE TAKEN\n")
LETTER = ("Dear Coroner,\n\nResponse to the Regulation 28 report concerning the death of a patient at the "
          "Riverside Unit.\n\nWe have removed the ligature points on every ward and trained all staff in the use "
          "of ligature cutters by March 2025.\n\nYours sincerely,\nChief Executive, Elsewhere Trust\n")
NOTES = "# Notes\n\nThis folder holds the files used for testing. See the licence.\n"


def nested_corpus(tmp_path):
    folder = tmp_path / "srv" / "private-area" / "corpus"
    (folder / "sub").mkdir(parents=True)
    (folder / "report.txt").write_text(REPORT, encoding="utf-8")
    (folder / "sub" / "letter.txt").write_text(LETTER, encoding="utf-8")
    (folder / "README.md").write_text(NOTES, encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    return folder


def _urls(client, lib):
    ids = {
        "doc_id": [d["id"] for d in lib.store.documents()],
        "theme_id": [r[0] for r in lib.store.conn.execute("SELECT id FROM themes")][:3] or [1],
        "key": [o["key"] for o in client.get("/organisations.json").get_json().get("organisations", [])][:3] or ["x"],
        "pack_id": [1], "name": ["x"],
        "follow_id": [client.post("/follows.json", json={"q": "ligature"}).get_json()["id"],
                      client.post("/follows.json", json={"organisation": "x"}).get_json().get("id", 1)],
    }
    for routes in ROUTES.values():
        for route in routes:
            for rule, _, methods in route.rules():
                if "GET" not in methods or "<ext>" in rule or "<any(" in rule:
                    continue
                names = re.findall(r"<(?:int:)?(\w+)>", rule)
                if not names:
                    yield rule
                    continue
                for value in ids[names[0]]:
                    yield re.sub(r"<(?:int:)?\w+>", str(value), rule)


def test_no_page_json_or_cli_output_names_the_folder(tmp_path, runner):
    folder = nested_corpus(tmp_path)
    lib_dir = tmp_path / "lib"
    r = runner.invoke(cli, ["ingest", str(folder), "--library", str(lib_dir), "--json"])
    assert r.exit_code == 1, r.output  # broken.pdf failed
    from index.library import open_library

    lib = open_library(lib_dir)
    client = create_app({"TESTING": True, "LIBRARY": lib}).test_client()
    secret = "private-area"
    seen, leaks = 0, []
    for url in ["/", "/search?q=ligature", "/search.json?q=ligature", "/status", "/status.json",
                *_urls(client, lib)]:
        resp = client.get(url)
        if resp.status_code >= 400:
            continue
        seen += 1
        if secret in resp.get_data(as_text=True):
            leaks.append(url)
    assert seen > 20
    doc_ids = [d["id"] for d in lib.store.documents()]
    lib.close()
    commands = [["documents"], ["search", "ligature"], ["unlinked"], ["commitments"], ["organisations"],
                ["themes"], *[["show", str(i)] for i in doc_ids]]
    for args in commands:
        r = runner.invoke(cli, [*args, "--json", "--library", str(lib_dir)])
        assert r.exit_code == 0, (args, r.output)
        json.loads(r.stdout)
        if secret in r.stdout:
            leaks.append(" ".join(args) + " --json")
        r = runner.invoke(cli, [*args, "--library", str(lib_dir)])
        if secret in r.stdout:
            leaks.append(" ".join(args))
    assert leaks == [], leaks
