"""A folder's README, notes or licence is recognised as not a review document: ingested and
listed with its type, kept off the home page's counts and recent documents."""
from __future__ import annotations

from corpus.extract import NOT_REVIEW, extract
from corpus.records import Block, Document
from index.ingest import ingest
from search.browse import browse_documents, library_overview
from webui import create_app

CORPUS_README = """# Real documents for development and tests

Everything here is real, public material. Use it to develop and test; do not copy it into the project's git.

| path | what | count |
| --- | --- | --- |
| `seeds/000_*.txt` | Chief Constable's response to a Regulation 28 (PFD) report: concerns quoted one by one, each followed by "Response:" | 1 |
| `pfd/reports.csv` | Coroners' Prevention of Future Deaths reports in the column format of the public dataset | ~5,300 |
| `pdf/ofsted/*.pdf` | Ofsted inspections of local authority children's services (with "What needs to improve" recommendations) | 84 |

Sources: the seed documents; the public PFD-toolkit project's data; a public scrape of Ofsted inspection reports.

Notes for builders:
- Reports and responses arrive separately in real life; a response names the deceased, the report date and the coroner.
- Some PDFs have no usable text layer.
"""
LICENCE = ("MIT License\n\nCopyright (c) 2024 The Authors\n\nPermission is hereby granted, free of charge, to any "
           "person obtaining a copy of this software, to deal in the Software without restriction.\n\n"
           "THE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND.\n")
REPORT = ("Regulation 28 Report to Prevent Future Deaths\n\nTHIS REPORT IS BEING SENT TO: Northshire NHS Trust\n\n"
          "CORONER'S CONCERNS\n\n1. The ligature points on the ward were not removed after the audit.\n\n"
          "2. Staff were not trained to use the ligature cutter.\n\nACTION SHOULD BE TAKEN\n")


def doc(text, name="README.md"):
    return Document(title=name, source=f"/data/{name}", blocks=[Block(p) for p in text.split("\n\n")])


def test_a_corpus_readme_and_a_licence_are_not_review_documents_but_reviews_still_are():
    assert extract(doc(CORPUS_README)).type == NOT_REVIEW  # was "inspection": it describes Ofsted inspections
    assert extract(doc(LICENCE, "LICENSE")).type == NOT_REVIEW
    assert extract(doc(REPORT, "report.md")).type == "pfd_report"
    # a review that mentions files and datasets still has its findings, so stays what it is
    plan = REPORT + "\n\nThe dataset `reports.csv` in the repository folder lists the columns.\n"
    assert extract(doc(plan, "plan.md")).type == "pfd_report"


def test_home_page_keeps_them_off_its_counts_and_recent_documents(library, tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "README.md").write_text(CORPUS_README, encoding="utf-8")
    (folder / "LICENSE").write_text(LICENCE, encoding="utf-8")
    (folder / "report.txt").write_text(REPORT, encoding="utf-8")
    report = ingest(library, [folder])
    assert report.failed == [] and len(report.added) == 3
    home = library_overview(library)
    assert home["counts"]["by_type"] == {"pfd_report": 1} and home["counts"]["documents"] == 1
    assert home["counts"]["not_review"] == 2
    assert [d["type"] for d in home["recent"]] == ["pfd_report"]
    listed = browse_documents(library)
    assert sorted(d["type"] for d in listed["documents"]) == [NOT_REVIEW, NOT_REVIEW, "pfd_report"]
    assert browse_documents(library, type=NOT_REVIEW)["total"] == 2
    client = create_app({"TESTING": True, "LIBRARY": library}).test_client()
    html = client.get("/").get_data(as_text=True)
    assert "2 files that are not review documents" in html and "Real documents for development" not in html
    assert client.get("/.json").get_json()["counts"]["documents"] == 1
