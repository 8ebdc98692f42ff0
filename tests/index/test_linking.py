"""Linking responses to the PFD reports they answer, from the response's own text."""
from __future__ import annotations

import csv
import importlib.util
import json

import pytest

from corpus.responses.cues import extract_cues, make_report, org_similarity, report_names
from corpus.responses.match import ReportIndex, decide, score_report

LETTER = """Date: 8 May, 2024

Dear Mrs Hunt,

Prevention of Future Deaths report dated 13 March 2024

I write in response to the Prevention of Future Deaths report dated the 13 March 2024
which followed on from the inquest concerning the death of Mr Jacob Billington.
Jacob's family have our condolences. Mr Billington was released from HMP Swansea.
"""


def report(id, name, ref, date, coroner="L. Hunt", recipients=("West Midlands Police",), extra=""):
    text = (f"On 1 June 2023 I commenced an investigation into the death of {name}. "
            f"The investigation concluded at the end of the inquest. {extra}")
    return make_report(id, f"{name} — PFD report {ref}", text, ref, date,
                       {"coroner": coroner, "recipients": list(recipients)})


# ------------------------------------------------------------------ cues


def test_cues_from_a_letter():
    cues = extract_cues(LETTER)
    assert ["jacob", "billington"] in [n.tokens for n in cues.names]
    assert [d.iso for d in cues.report_dates] == ["2024-03-13", "2024-03-13"]
    assert cues.coroners == ["hunt"]
    assert "hunt" not in [n.surname for n in cues.names]  # the coroner is not the deceased
    assert cues.letter_date == "2024-05-08"


@pytest.mark.parametrize("text, tokens", [
    ("regarding the sad death of Imogen Heap. I would like", ["imogen", "heap"]),
    ("following the Inquest into the tragic death by suicide of Alexander Rogers, and", ["alexander", "rogers"]),
    ("the inquest of Terence William Gillard which took place", ["terence", "william", "gillard"]),
    ("which followed the inquest for Mr Darren Hope.", ["darren", "hope"]),
    ("our thoughts are with the family of the late Mrs Audrey Lambert.", ["audrey", "lambert"]),
    ("the circumstances of Mr Boyd’s death", ["boyd"]),
    ("I am saddened by Daniel Pinkney’s death and", ["daniel", "pinkney"]),
])
def test_name_forms(text, tokens):
    assert tokens in [n.tokens for n in extract_cues(text).names]


def test_dates_references_and_coroner_forms():
    cues = extract_cues("Your Regulation 28: Prevention of Future Deaths report of 5 November to the Home "
                        "Secretary (ref 2024-0599). HM Senior Coroner Alison Mutch heard that on 3 July 2023 ...")
    partial = [d for d in cues.report_dates if d.iso is None]
    assert (partial[0].day, partial[0].month) == (5, 11)
    assert cues.references == ["2024-0599"]
    assert "mutch" in cues.coroners
    other = [d.iso for d in cues.dates if d.kind == "other"]
    assert "2023-07-03" in other


def test_report_names_from_title_text_and_url():
    names = report_names("Trevor Alton Smith — PFD report 2021-0387",
                         "On 25 March 2019 I commenced an investigation into the death of Trevor Alton Smith.",
                         "https://www.judiciary.uk/prevention-of-future-death-reports/trevor-smith-prevention-of-future-deaths-report/")
    assert ["trevor", "alton", "smith"] in names and ["trevor", "smith"] in names


@pytest.mark.parametrize("a, b, same", [
    ("National Institute for Health & Care Excellence (NICE)", "NICE", True),
    ("National Institute for Health and Care Excellence", "National Institute for Health & Care Excellence (NICE)", True),
    ("NHS England", "Chief Executive, NHS England", True),
    ("Department for Transport (DFT)", "Department of Transport", True),
    ("Secretary of State for Justice", "Secretary of State for Health and Social Care", False),
    ("NHS England", "Salford Royal Hospital Foundation Trust", False),
])
def test_org_similarity(a, b, same):
    assert (org_similarity(a, b) >= 0.75) is same


# ------------------------------------------------------------------ scoring


def test_same_surname_the_date_decides():
    right = report(1, "Jacob Billington", "2024-0100", "2024-03-13")
    other = report(2, "Mary Billington", "2023-0050", "2023-01-10", coroner="M. Leeming")
    cues = extract_cues("Dear Mrs Hunt, thank you for your report dated 13 March 2024 following the "
                        "inquest into the death of Mr Billington.")
    s1, s2 = score_report(cues, right), score_report(cues, other)
    assert s1.points > s2.points
    d = decide(cues, [other, right])
    assert d.report is right
    assert d.confidence >= 0.5  # the link model's THRESHOLD (0.6 was the hand rule's; 0.538 since round 2's refit)
    assert "report date" in " ".join(d.evidence["dates"]) and d.evidence["coroner"] == "L. Hunt"


def test_same_full_name_without_date_is_ambiguous():
    a = report(1, "John Smith", "2020-0001", "2020-02-01")
    b = report(2, "John Smith", "2022-0002", "2022-05-01")
    d = decide(extract_cues("We were saddened by the death of Mr John Smith."), [a, b])
    assert d.report is None and d.reason.startswith("ambiguous")


def test_response_naming_nobody_stays_unlinked():
    a = report(1, "Jacob Billington", "2024-0100", "2024-03-13")
    d = decide(extract_cues("Thank you for your letter. We have reviewed our training and policies."), [a])
    assert d.report is None
    assert "identifying" in d.reason


def test_other_person_with_the_same_surname_is_not_linked():
    """Seed 001's situation: the report for Jacob Billington is not in the library, a
    report for Steven Billington (another coroner, years earlier) is."""
    steven = report(1, "Steven Thomas Billington", "2016-0247", "2016-07-12", coroner="M. Leeming",
                    recipients=["Home Secretary"])
    d = decide(extract_cues(LETTER), [steven])
    assert d.report is None
    assert score_report(extract_cues(LETTER), steven).points < 0


def test_reference_in_text_links():
    a = report(1, "Ann Jones", "2024-0621", "2024-06-01")
    b = report(2, "Ann Jones", "2023-0111", "2023-06-01")
    d = decide(extract_cues("Re: your report 2024-0621 into the death of Ann Jones."), [a, b])
    assert d.report is a and d.evidence["reference"] == "2024-0621"


def test_quoted_concerns_identify_a_report_without_names():
    concerns = ("There was no consideration of whether secondary investigations could be undertaken during "
                "the waiting time for example CT scan which would likely be required by a clinician to make a "
                "diagnosis. No evidence was provided that the deceased's mental capacity to decide to leave the "
                "hospital was assessed given the history of suspected head injury.")
    a = report(1, "Anne Taylor", "2024-0614", "2024-11-08", recipients=["Salford Royal Hospital Foundation Trust"],
               extra=concerns)
    b = report(2, "Bob Brown", "2024-0001", "2024-01-08", recipients=["NHS England"],
               extra="The ambulance arrived late and the call handler script was unclear.")
    cues = extract_cues("Your concerns were as follows: " + concerns, respondent="Salford Royal Hospital Foundation Trust")
    d = decide(cues, [a, b])
    assert d.report is a and d.evidence["quoted"] >= 12 and "recipient" in d.evidence


def test_report_index_shortlists_and_links():
    reports = [report(i, f"Person{chr(65 + i)} Surname{chr(65 + i)}", f"2020-{i:04d}", f"2020-01-{i + 1:02d}")
               for i in range(20)]
    reports.append(report(99, "Jacob Billington", "2024-0100", "2024-03-13"))
    idx = ReportIndex(reports)
    cues = extract_cues(LETTER)
    assert reports[-1] in idx.candidates(cues)
    d = idx.link(cues)
    assert d.report is reports[-1]
    assert idx.link(cues, exclude="2024-0100").report is None


# ------------------------------------------------------------------ the library

REPORT_COLS = ["url", "id", "date", "coroner", "area", "receiver", "investigation", "circumstances", "concerns"]
RESPONSE_COLS = ["parent_id", "parent_url", "response_url", "respondent", "response"]


def _report_row(ref, name, date, coroner, receiver, concern):
    slug = name.lower().replace(" ", "-")
    return {"url": f"https://www.judiciary.uk/prevention-of-future-death-reports/{slug}-prevention-of-future-deaths-report/",
            "id": ref, "date": date, "coroner": coroner, "area": "Birmingham and Solihull", "receiver": receiver,
            "investigation": f"On 2 January 2023 I commenced an investigation into the death of {name}. "
                             f"The investigation concluded at the end of the inquest.",
            "circumstances": f"{name} died at home on 1 January 2023.",
            "concerns": concern}


def _write_csv(path, cols, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)
    return path


HAVE_READERS = importlib.util.find_spec("corpus.readers.sniff") is not None


@pytest.fixture
def ingest_fn():
    if not HAVE_READERS:
        pytest.skip("corpus.readers.sniff not available: ingest cannot read CSV files")
    from index.ingest.pipeline import ingest

    return ingest


def test_library_links_retries_and_lists(library, tmp_path, ingest_fn):
    from index.responses.linking import link_new_documents, reports_for, responses_for, unlinked_responses

    d = tmp_path / "in"
    d.mkdir()
    reports = [
        _report_row("2024-0100", "Jacob Billington", "2024-03-13", "L. Hunt", "West Midlands Police; HMPPS",
                    "1. Management of release and lack of interagency working between the prison and the CMHT."),
        _report_row("2016-0247", "Steven Billington", "2016-07-12", "M. Leeming", "Home Secretary",
                    "1. Clothes maidens placed near gas fires are a fire risk."),
        _report_row("2022-0300", "Amelia Stone", "2022-09-01", "J. Pollard", "Stockport NHS Foundation Trust",
                    "1. The Emergency Department staffing levels were inadequate."),
    ]
    responses = [
        {"parent_id": "", "parent_url": "", "response_url": "", "respondent": "West Midlands Police", "response": LETTER},
        {"parent_id": "", "parent_url": "", "response_url": "", "respondent": "Stockport NHS Foundation Trust",
         "response": "Dear Mr Pollard, thank you for your report dated 1 September 2022 concerning the death of "
                     "Miss Amelia Stone. We have recruited more Emergency Department staff."},
        {"parent_id": "", "parent_url": "", "response_url": "", "respondent": "Some Council",
         "response": "Thank you for your letter. We have reviewed our policies and will train staff."},
    ]
    # the responses first: their reports are not in the library yet
    ingest_fn(library, [_write_csv(d / "responses.csv", RESPONSE_COLS, responses)])
    conn = library.store.conn
    assert conn.execute("SELECT COUNT(*) FROM links").fetchone()[0] == 0
    assert len(unlinked_responses(library)) == 3

    # the reports arrive: unlinked responses are tried again
    ingest_fn(library, [_write_csv(d / "reports.csv", REPORT_COLS, reports)])
    ids = {r["reference"]: r["id"] for r in library.store.documents() if r["type"] == "pfd_report"}
    by_text = {r["text"][:40]: r["id"] for r in map(dict, conn.execute(
        "SELECT id, text FROM documents WHERE type='pfd_response'"))}
    jacob_resp = next(v for k, v in by_text.items() if k.startswith("Date: 8 May"))
    stone_resp = next(v for k, v in by_text.items() if k.startswith("Dear Mr Pollard"))
    [r] = reports_for(library, jacob_resp)
    assert r["reference"] == "2024-0100" and r["confidence"] >= 0.6
    assert "name" in r["evidence"] and "dates" in r["evidence"]
    assert [x["id"] for x in responses_for(library, ids["2022-0300"])] == [stone_resp]
    assert responses_for(library, ids["2016-0247"]) == []
    left = unlinked_responses(library, explain=True)
    assert len(left) == 1 and left[0]["respondent"] == "Some Council" and left[0]["reason"]

    # a dataset response with an explicit parent id: linked as the dataset says
    ingest_fn(library, [_write_csv(d / "responses2.csv", RESPONSE_COLS, [
        {"parent_id": "2016-0247", "parent_url": "", "response_url": "", "respondent": "Home Office",
         "response": "We have considered the concerns about clothes maidens and will publish safety advice."}])])
    [r] = responses_for(library, ids["2016-0247"])
    assert r["confidence"] == 1.0 and r["evidence"] == {"dataset parent id": "2016-0247"}

    # calling again changes nothing (links are keyed by response and report)
    before = conn.execute("SELECT COUNT(*) FROM links").fetchone()[0]
    out = link_new_documents(library, [jacob_resp])
    assert conn.execute("SELECT COUNT(*) FROM links").fetchone()[0] == before
    assert out["checked"] == 1


def test_link_new_documents_without_readers(library):
    """The store path on documents inserted with the same SQL as index.ingest.pipeline."""
    from index.responses.linking import link_new_documents, reports_for

    from tests.support.ledger_data import insert_text_document as insert

    with library.store.transaction() as c:
        rep = insert(c, "Jacob Billington — PFD report 2024-0100", "pfd_report",
                     "On 2 January 2023 I commenced an investigation into the death of Jacob Billington.",
                     "2024-0100", "2024-03-13", {"coroner": "L. Hunt", "recipients": ["West Midlands Police"]})
        insert(c, "Steven Billington — PFD report 2016-0247", "pfd_report",
               "On 25 March 2015 I commenced an investigation into the death of Steven Thomas Billington.",
               "2016-0247", "2016-07-12", {"coroner": "M. Leeming", "recipients": ["Home Secretary"]})
        resp = insert(c, "A response", "pfd_response", LETTER, meta={"respondent": "West Midlands Police"})
    out = link_new_documents(library, [resp])
    assert [l["report_id"] for l in out["linked"]] == [rep]
    [r] = reports_for(library, resp)
    assert r["id"] == rep and json.dumps(r["evidence"])


# ------------------------------------------------------------------ the real data


@pytest.mark.slow
def test_real_responses_link_precisely(shared):
    from benchmarks import linking_eval

    out = linking_eval.evaluate(str(shared))
    assert out["responses"] == 23
    assert out["precision"] >= 0.9
    assert out["recall"] >= 0.8  # measured 0.957 (22/23) at the default threshold
    assert len(out["held_out_wrong_links"]) <= 1  # measured 0: with its report gone, a response stays unlinked
    seeds = {s["seed"]: s for s in out["seeds"]}
    assert seeds["000"]["linked"] == "2021-0387"  # Trevor Alton Smith
    assert seeds["001"]["linked"] is None  # Jacob Billington: no report in reports.csv
