"""Session-4 polish of issue 10: response dates, approximate dates on the case timeline,
organisation spelling variants, background sentences that are not actions."""
from __future__ import annotations

import csv

from corpus.readers.datasets import letter_date_line, upload_month
from corpus.readers.sniff import read_path
from search.cases.story import approx_date_label


def _write(p, header, rows):
    with open(p, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def test_letter_date_line_only_on_its_own_line():
    assert letter_date_line("NHS England\nWellington House\n\n12 March 2024\n\nDear Coroner") == "2024-03-12"
    assert letter_date_line("Our ref: AB/1\nDate: 03/04/2024\n\nDear Sir") == "2024-04-03"
    assert letter_date_line("Monday, 5th February 2024\nDear Madam") == "2024-02-05"
    # a date inside a sentence is another date (the report's, the death's)
    assert letter_date_line("I write in response to your report dated 8 November 2024.") is None
    # a date line far below the letterhead is not the letter's
    assert letter_date_line("x" * 900 + "\n12 March 2024\n") is None


def test_upload_month():
    assert upload_month("https://www.judiciary.uk/wp-content/uploads/2025/06/2025-0264-Response.pdf") == "2025-06-01"
    assert upload_month("https://example.org/files/2025/06/x.pdf") is None
    assert upload_month("https://x/wp-content/uploads/2025/13/x.pdf") is None
    assert upload_month("") is None


def test_response_dates_from_text_then_upload_month(tmp_path):
    p = tmp_path / "responses.csv"
    _write(p, ["parent_id", "parent_url", "response_url", "respondent", "response"], [
        ["2025-0264", "https://x/r/", "https://x/wp-content/uploads/2025/06/2025-0264-Response-from-TfL.pdf", "TfL",
         "Thank you for your report dated 1 April 2025.\n\nWe will review the junction."],
        ["2025-0264", "https://x/r/", "https://x/wp-content/uploads/2025/06/2025-0264-Response-from-DfT.pdf", "DfT",
         "Department for Transport\n\n14 May 2025\n\nDear Coroner,\n\nWe will consult."],
        ["2025-0264", "https://x/r/", "https://x/other/Response.pdf", "X", "Thank you."],
    ])
    a, b, c = read_path(p).documents
    assert a.date == "2025-06-01" and a.meta["date_approx"] is True
    assert b.date == "2025-05-14" and "date_approx" not in b.meta
    assert c.date is None and "date_approx" not in c.meta


def test_approx_label():
    assert approx_date_label("2025-06-01") == "about June 2025"
    assert approx_date_label(None) is None
    assert approx_date_label("2025") == "2025"


# ---------------------------------------------------------------- background is not an action

from corpus.extract.respond import free_actions  # noqa: E402


def _texts(text, owner):
    return [" ".join(a.text.split()) for a in free_actions(text, owner)]


def test_background_sentences_are_not_actions():
    letter = (
        "As the town has grown, the mix of housing alongside the B12 has changed from farms to offices. "
        "It also provides an opportunity for residents to raise any concerns for our consideration. "
        "This ensures that lessons are shared across the region. "
        "They deliver training to hostel staff on housing pathways. "
        "In preparing this response, my officials have made enquiries with the regulator. "
        "We will consult on a new crossing design by March 2026. "
        "We have reviewed the collision data for the junction.")
    got = _texts(letter, "Northshire Highways Agency")
    assert any(t.startswith("We will consult") for t in got)
    assert any(t.startswith("We have reviewed") for t in got)
    for bad in ("As the town", "It also provides", "This ensures", "They deliver", "In preparing"):
        assert not any(t.startswith(bad) for t in got), bad


def test_plain_present_kept_when_the_respondent_acts_or_something_changed():
    letter = ("NRA provides mandatory refresher training to all hostel staff. "
              "All reports received are discussed by the safety working group. "
              "The Service now provides advice in the evenings as well.")
    got = _texts(letter, "Northshire Recovery Alliance")
    assert len(got) == 3, got
    # a body that is not the respondent, described in the plain present: background
    assert _texts("CRX3 provides transitional housing for up to 84 nights.", "Northshire Recovery Alliance") == []


# ---------------------------------------------------------------- action-table cells

from corpus.extract.tables import name_only  # noqa: E402


def test_a_cell_naming_a_team_is_not_an_action():
    assert name_only("Professional Standards Department (in conjunction with Operational Command & Control Supervisors)")
    assert name_only("Learning & Development Department")
    assert name_only("Head of Safeguarding")
    for action in ("Review the Trust Domestic Abuse Guidelines.", "Audit of cases looking at vulnerability issues.",
                   "Establish a Safeguarding Board", "Implement New Triage Tool", "Safeguarding Team will audit"):
        assert not name_only(action), action


# ---------------------------------------------------------------- organisation spellings

from corpus.orgs.keys import normalise_org  # noqa: E402


def test_body_word_plurals_and_ft_merge():
    same = [("Blackpool Teaching Hospital NHS Foundation Trust", "Blackpool Teaching Hospitals NHS Foundation Trust"),
            ("East Midlands Ambulance Service", "East Midlands Ambulance Services"),
            ("Derbyshire Healthcare NHS FT", "Derbyshire Healthcare NHS Foundation Trust"),
            ("The Canal & River Trust", "Canal and River Trust")]
    for a, b in same:
        assert normalise_org(a).key == normalise_org(b).key, (a, b)
    # different bodies stay apart: not every word is folded
    assert normalise_org("Royal College of Surgeons").key != normalise_org("Royal College of Physicians").key
    assert normalise_org("Coventry City Council").key != normalise_org("Coventry and Warwickshire Partnership NHS Trust").key
    assert normalise_org("Barnet Council").key != normalise_org("Barnet Hospital").key


# ---------------------------------------------------------------- the case timeline

def test_case_timeline_shows_an_upload_month_as_published_by(tmp_path, shared):
    import os

    os.environ["PRECEDENT_MODEL"] = "fake-hashing-384"
    from index.ingest.pipeline import ingest
    from index.library import open_library
    from search.cases.cases import get_case

    csv.field_size_limit(1 << 30)
    corpus = shared / "corpus" / "pfd"
    src = tmp_path / "in"
    src.mkdir()
    with open(corpus / "reports.csv", newline="", encoding="utf-8") as f:
        r = csv.DictReader(f)
        header, rows = r.fieldnames, [x for x in r if x["id"] == "2025-0264"]
    _write(src / "reports.csv", header, [[x[h] for h in header] for x in rows])
    with open(corpus / "responses.csv", newline="", encoding="utf-8") as f:
        r = csv.DictReader(f)
        rh, letters = r.fieldnames, [x for x in r if x["parent_id"] == "2025-0264"][:1]
    _write(src / "responses.csv", rh, [[x[h] for h in rh] for x in letters])
    lib = open_library(tmp_path / "lib", model="fake-hashing-384")
    try:
        ingest(lib, [src])
        rid = lib.store.conn.execute("SELECT id FROM documents WHERE type='pfd_report'").fetchone()[0]
        case = get_case(lib, rid)
        resp = [t for t in case["timeline"] if t["event"] == "response"]
        assert resp and resp[0]["date"] == "2025-06-01" and resp[0]["date_label"] == "published by the end of June 2025"
        assert resp[0]["date_precision"] == "published_by"
        report = [t for t in case["timeline"] if t["event"] == "case"][0]
        assert report["date_label"] == report["date"] and report["date_precision"] == "day"  # exact, shown as it is
    finally:
        lib.close()
