"""Issue 10 item 4 / issue 15 item 3: each recipient tracked on its own, organisation pages
count the response letters the library holds, pending vs overdue, roles and fragments are not
organisations, titles say who (real documents from ../shared/corpus)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from corpus.orgs.keys import normalise_org
from corpus.records import report_title, tidy_person_name
from search.ledger.commitments import commitment_record

csv.field_size_limit(1 << 30)


def _rows(path: Path) -> tuple[list[str], list[dict]]:
    with open(path, newline="", encoding="utf-8") as f:
        r = csv.DictReader(f)
        return list(r.fieldnames or []), list(r)


@pytest.fixture(scope="module")
def real_lib(tmp_path_factory, shared):
    """Seeds 000 and 001 as bare text, their parent report 2021-0387, the five-recipient
    report 2024-0619 with three of its four letters (not the hospital trust's), and a report
    whose 56 days are not yet up."""
    import os

    os.environ["PRECEDENT_MODEL"] = "fake-hashing-384"
    from index.ingest.pipeline import ingest
    from index.library import open_library

    tmp = tmp_path_factory.mktemp("orgs")
    src = tmp / "in"
    src.mkdir()
    corpus = shared / "corpus"
    header, rows = _rows(corpus / "pfd" / "reports.csv")
    keep = [r for r in rows if r["id"] in ("2021-0387", "2024-0619", "2024-0620")]
    with open(src / "reports.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(keep)
    rh, letters = _rows(corpus / "pfd" / "responses.csv")
    chosen = [r for r in letters if r["parent_id"] == "2024-0619" and "Bristol" not in r["respondent"]]
    assert len(chosen) == 3
    with open(src / "responses.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=rh)
        w.writeheader()
        w.writerows(chosen)
    for seed in sorted((corpus / "seeds").glob("00[01]_*.txt")):
        (src / seed.name).write_text(seed.read_text(encoding="utf-8"), encoding="utf-8")
    lib = open_library(tmp / "lib", model="fake-hashing-384")
    ingest(lib, [src])
    yield lib
    lib.close()


def _report_id(lib, ref: str) -> int:
    return lib.store.conn.execute("SELECT id FROM documents WHERE reference=? AND type='pfd_report'", (ref,)).fetchone()[0]


def test_seed_letters_from_west_midlands_police_counted_on_its_page(real_lib):
    from search.ledger.organisations import get_organisation

    o = get_organisation(real_lib, "west-midlands-police", as_of="2024-08-01")
    titles = [r["title"] for r in o["responses"]]
    assert o["counts"]["responses"] == len(titles) >= 2, titles  # seed 000 (linked) and seed 001 (unlinked)
    assert all(t.startswith("West Midlands Police — response to") for t in titles)
    assert "West Midlands Police — response to the report on Trevor Alton Smith" in titles
    # its report shows the letter itself, not the tracker's word
    rep = next(r for r in o["reports"] if r["reference"] == "2021-0387")
    assert rep["status"] == "responded" and rep["response"]["title"].startswith("West Midlands Police")
    # the other recipient of that report did not write this letter
    cop = get_organisation(real_lib, "college-of-policing", as_of="2024-08-01")
    assert cop["counts"]["responses"] == 0
    assert next(r for r in cop["reports"] if r["reference"] == "2021-0387")["response"] is None


def test_each_recipient_of_a_five_recipient_report_on_its_own_page(real_lib):
    from search.ledger.organisations import get_organisation
    from search.responses.recipients import report_tracking

    rid = _report_id(real_lib, "2024-0619")
    t = report_tracking(real_lib, rid, as_of="2025-06-01")
    assert len(t["recipients"]) == 5
    status = {r["key"]: r["status"] for r in t["recipients"] if r["response"] is not None or r["key"]}
    assert status["royal-college-of-pathologists"] == "responded"
    assert status["royal-college-of-obstetricians-and-gynaecologists"] == "responded"
    assert status["university-hospital-bristol-and-weston-nhs-foundation-trust"] in ("overdue", "responded_per_tracker")
    for key in ("royal-college-of-pathologists", "royal-college-of-obstetricians-and-gynaecologists", "nhs-england",
                "university-hospital-bristol-and-weston-nhs-foundation-trust"):
        o = get_organisation(real_lib, key, as_of="2025-06-01")
        row = next(r for r in o["reports"] if r["id"] == rid)
        if key == "university-hospital-bristol-and-weston-nhs-foundation-trust":
            assert row["response"] is None and o["counts"]["responses"] == 0
        else:
            assert row["status"] == "responded" and row["response"] is not None
            assert o["counts"]["responses"] >= 1
            assert row["response"]["document_id"] in {r["id"] for r in o["responses"]}


def test_report_inside_its_56_days_is_pending(real_lib):
    from search.ledger.organisations import get_organisation
    from search.responses.recipients import report_tracking

    rid = _report_id(real_lib, "2024-0619")  # dated 2024-11-12
    t = report_tracking(real_lib, rid, as_of="2024-12-20")
    waiting = [r for r in t["recipients"] if r["response"] is None]
    assert waiting and all(r["status"] == "pending" and not r["overdue"] for r in waiting)
    o = get_organisation(real_lib, "university-hospitals-bristol-and-weston-nhs-foundation-trust", as_of="2024-12-20")
    assert o["counts"]["responses_overdue"] == 0
    o = get_organisation(real_lib, "university-hospitals-bristol-and-weston-nhs-foundation-trust", as_of="2025-06-01")
    assert o["counts"]["responses_overdue"] == 1 or o["reports"][0]["status"] == "responded_per_tracker"


def test_organisation_page_and_twin_list_the_letters(real_lib):
    from webui import create_app

    c = create_app({"TESTING": True, "LIBRARY": real_lib}).test_client()
    page = c.get("/organisations/west-midlands-police?as_of=2024-08-01")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "letter linked:" in html and "Response letters in the library" in html
    data = c.get("/organisations/west-midlands-police.json?as_of=2024-08-01").get_json()
    assert data["counts"]["responses"] == len(data["responses"]) >= 2


def test_roles_and_fragments_are_not_organisations():
    for s in ("And Chief Officers for", "Senior Coroner", "Lead Nurse for Safeguarding", "Director of Public Health",
              "the Trust", "Mr Derek Winter, HM Coroner for Sunderland (for record-keeping purposes)"):
        assert normalise_org(s).key is None, s
    assert normalise_org("Leads1) Birmingham Children's Social Care 2) West Midlands Police").key != "leads1"
    assert normalise_org("Director of Highways and Operations Oxfordshire County Council").name == "Oxfordshire County Council"
    assert normalise_org("Chief Midwife").name == "NHS England"  # a national role alone: its body
    assert normalise_org("Chief Midwife, Leeds Teaching Hospitals NHS Trust").name == "Leeds Teaching Hospitals NHS Trust"
    assert normalise_org("President, RCPCH").name == "Royal College of Paediatrics and Child Health"
    assert normalise_org("Commissioner of London Fire Brigade").name == "London Fire Brigade"
    assert normalise_org("Peter Clarke, Her Majesty's Chief Inspector of Prisons").name == "HM Inspectorate of Prisons"


def test_owner_that_is_a_fragment_falls_back_to_the_documents_organisation():
    row = {"id": 1, "document_id": 2, "text": "We will train all staff.", "owner": "And Chief Officers for", "due": None,
           "due_text": None, "status": None, "finding_id": None, "document_title": "x", "document_type": "pfd_response",
           "kind": "commitment", "document_meta": json.dumps({"respondent": "Chief Constable of West Midlands Police"})}
    rec = commitment_record(row, "2024-01-01")
    assert [o["key"] for o in rec["organisations"]] == ["west-midlands-police"]
    row["owner"] = "Birmingham City Council"
    assert [o["key"] for o in commitment_record(row, "2024-01-01")["organisations"]] == ["birmingham-city-council"]


def test_titles_have_no_dangling_words():
    assert tidy_person_name("Brian Alban Frost The") == "Brian Alban Frost"
    assert tidy_person_name("Claire Copeland Aged") == "Claire Copeland"
    assert tidy_person_name("Wiktoria Was") == "Wiktoria"
    assert report_title("Kim Morris The", "2019-0261") == "Kim Morris — PFD report 2019-0261"
    assert report_title(None, None, "2020-01-02") == "PFD report (2020-01-02)"


def test_no_report_title_in_the_dataset_ends_in_a_function_word(shared):
    import re

    from corpus.readers.sniff import read_path

    docs = read_path(shared / "corpus" / "pfd" / "reports.csv").documents
    assert len(docs) > 5000
    bad = [d.title for d in docs if re.search(r"\b(?:The|A|An|Of|And|To|For|In|On|At|By|Was|Aged|Who)\s+—", d.title)]
    assert bad == []


def test_respondent_model_hears_the_chief_constable(shared):
    from corpus.extract.speaker import probability, recipient_features, speaking_for

    text = next((shared / "corpus" / "seeds").glob("000_*.txt")).read_text(encoding="utf-8")
    recipients = ["The Chief Constable of West Midlands Police", "The College of Policing"]
    who, p = speaking_for(text, recipients)
    assert who == recipients[0]
    f = recipient_features(text, recipients)
    assert probability(f[0]) > 2 * probability(f[1])
    assert f[0]["subject"] > f[1]["subject"]  # "WMP has recruited ...": the force acts


def test_cli_organisation_lists_the_letters(real_lib):
    from click.testing import CliRunner

    from precedent import cli

    out = CliRunner().invoke(cli, ["organisation", "west-midlands-police", "--library", str(real_lib.path),
                                   "--as-of", "2024-08-01", "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["counts"]["responses"] == len(data["responses"]) >= 2
    text = CliRunner().invoke(cli, ["organisation", "west-midlands-police", "--library", str(real_lib.path),
                                    "--as-of", "2024-08-01"]).output
    assert "response letters" in text and "letter #" in text
    assert CliRunner().invoke(cli, ["organisation", "no-such-body", "--library", str(real_lib.path)]).exit_code != 0
    rows = CliRunner().invoke(cli, ["organisations", "--library", str(real_lib.path), "--as-of", "2024-08-01",
                                    "--json"]).output
    wmp = next(o for o in json.loads(rows)["organisations"] if o["key"] == "west-midlands-police")
    assert wmp["responses"] >= 2
