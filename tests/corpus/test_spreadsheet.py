import json

import pytest

from corpus.readers.spreadsheet import parse_columns, read_mapped_table
from precedent import cli

ROWS = [
    ["Ref", "Recommendation", "Update", "Lead", "Target", "RAG"],
    ["DHR-1", "GPs should ask about domestic abuse", "Training delivered to 40 practices", "ICB", "31/03/2024", "Green"],
    ["DHR-1", "MARAC minutes must be shared", "", "Police", "By 30 June 2024", "Not started"],
    ["DHR-2", "Housing to join the MASH", "Housing officer seconded", "Council", "Q3 2023", "Completed"],
]


def _write_csv(path):
    import csv

    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(ROWS)


def test_rows_sharing_a_reference_form_one_document(tmp_path):
    p = tmp_path / "plan.csv"
    _write_csv(p)
    cols = parse_columns("finding=Recommendation,action=Update,owner=Lead,date=Target,status=RAG,reference=Ref")
    docs = read_mapped_table(p, cols).documents
    assert [d.reference for d in docs] == ["DHR-1", "DHR-2"]
    d1 = docs[0]
    assert [f.text for f in d1.extraction.findings] == ["GPs should ask about domestic abuse", "MARAC minutes must be shared"]
    a = d1.extraction.actions
    assert [(x.owner, x.due, x.status) for x in a] == [("ICB", "2024-03-31", "green"), ("Police", "2024-06-30", "not_started")]
    assert a[1].kind == "action_required" and a[1].finding_indexes == [1]
    for f in d1.extraction.findings:  # offsets point into the document text
        assert d1.text[f.start:f.end] == f.text
    assert docs[1].extraction.actions[0].due == "2023-09-30"


def test_bad_column_spec_and_missing_column(tmp_path):
    with pytest.raises(ValueError):
        parse_columns("action=Update")
    with pytest.raises(ValueError):
        parse_columns("finding=Rec,colour=RAG")
    p = tmp_path / "plan.csv"
    _write_csv(p)
    from corpus.records import ReadError

    with pytest.raises(ReadError, match="not in the table"):
        read_mapped_table(p, {"finding": "Nope"})


def test_cli_imports_xlsx_with_columns(runner, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    for r in ROWS:
        wb.active.append(r)
    p = tmp_path / "plan.xlsx"
    wb.save(p)
    lib = str(tmp_path / "lib")
    r = runner.invoke(cli, ["ingest", str(p), "--library", lib, "--json",
                            "--columns", "finding=Recommendation,action=Update,owner=Lead,date=Target,status=RAG,reference=Ref"])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert s["added"] == 2 and s["findings"] == 3 and s["actions"] == 3
    r = runner.invoke(cli, ["search", "MARAC minutes shared", "--json", "--library", lib])
    top = json.loads(r.stdout)["results"][0]
    assert top["finding"]["text"] == "MARAC minutes must be shared"
    assert top["actions"][0]["status"] == "not_started" and top["actions"][0]["owner"] == "Police"
    r = runner.invoke(cli, ["ingest", str(p), "--library", lib, "--columns", "action=Update"])
    assert r.exit_code != 0 and "finding" in r.output
