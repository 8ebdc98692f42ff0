"""Extraction and classification pinned on the real seed documents, real PFD report rows
and real Ofsted PDFs (read from the shared corpus, never copied; skipped when absent)."""
from __future__ import annotations

import csv
import glob
import html
import os
import re
from pathlib import Path

import pytest

from corpus.extract import classify, extract
from corpus.extract.common import mask
from corpus.records import ACTION_KINDS, ACTION_STATUSES, DOCUMENT_TYPES, FINDING_KINDS, Block, Document

SHARED = Path(os.environ.get("PRECEDENT_SHARED", Path(__file__).resolve().parents[2].parent / "shared"))
SEEDS = SHARED / "corpus" / "seeds"
REPORTS = SHARED / "corpus" / "pfd" / "reports.csv"
OFSTED = SHARED / "corpus" / "pdf" / "ofsted"

needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason="shared corpus not available")


def _strip(raw: str) -> str:
    """What a reader does to a text file: tags out (<p>/<br>/<li> become line breaks)."""
    raw = re.sub(r"<(?:p|br|li)\b[^>]*>", "\n", raw, flags=re.I)
    raw = re.sub(r"</?[a-zA-Z][^>]*>", "", raw)
    return html.unescape(raw)


def seed(n: int, strip: bool = True) -> Document:
    path = next(SEEDS.glob(f"{n:03d}_*.txt"))
    raw = path.read_text(encoding="utf-8")
    return Document(title=path.stem, source="seed", blocks=[Block(_strip(raw) if strip else raw)])


def _check_invariants(doc: Document, ex) -> None:  # type: ignore[no-untyped-def]
    assert ex.type in DOCUMENT_TYPES
    text = doc.text
    for i, f in enumerate(ex.findings):
        assert f.index == i and f.kind in FINDING_KINDS and f.text
        assert f.start is not None and f.end is not None and 0 <= f.start < f.end <= len(text)
        assert not text[f.start].isspace()
    for a in ex.actions:
        assert a.kind in ACTION_KINDS and a.text
        assert a.status is None or a.status in ACTION_STATUSES
        assert all(0 <= i < len(ex.findings) for i in a.finding_indexes)


# ------------------------------------------------------------------ classification
@needs_seeds
@pytest.mark.parametrize("n, kind", [(0, "pfd_response"), (1, "pfd_response"), (2, "inspection"),
                                     (3, "action_plan"), (4, "minutes")])
def test_classify_seeds(n: int, kind: str) -> None:
    assert classify(seed(n)) == kind
    assert classify(seed(n, strip=False)) == kind  # raw markup left in


def test_classify_pfd_report_from_pdf_style_text() -> None:
    text = ("REGULATION 28 REPORT TO PREVENT FUTURE DEATHS\nTHIS REPORT IS BEING SENT TO: Chief Executive\n"
            "1 CORONER\nI am X, Senior Coroner\n2 CORONER'S LEGAL POWERS\n3 INVESTIGATION and INQUEST\n"
            "4 CIRCUMSTANCES OF THE DEATH\nHe died.\n5 CORONER'S CONCERNS\nThe MATTERS OF CONCERN are as follows.\n"
            "1. Staff were not trained.\n2. Records were lost.\n6 ACTION SHOULD BE TAKEN\nIn my opinion action …\n"
            "7 YOUR RESPONSE\nYou are under a duty to respond.\n")
    doc = Document(title="t", source="x.pdf", blocks=[Block(text)])
    ex = extract(doc)
    assert ex.type == "pfd_report"
    assert [f.text for f in ex.findings] == ["Staff were not trained.", "Records were lost."]


def test_classify_other() -> None:
    assert classify(Document(title="t", source="x", blocks=[Block("A shopping list: eggs, milk.")])) == "other"


# ------------------------------------------------------------------ seed 000: Concern/Response pairs
@needs_seeds
def test_seed0_concern_response_pairs() -> None:
    doc = seed(0)
    ex = extract(doc)
    _check_invariants(doc, ex)
    assert ex.type == "pfd_response"
    assert [f.label for f in ex.findings] == ["Recommendation 1", "Concern 1", "Concern 2", "Concern 3", "Concern 4",
                                              "Concern 5", "Recommendation 2"]
    assert [f.kind for f in ex.findings] == ["recommendation"] + ["concern"] * 5 + ["recommendation"]
    assert ex.findings[0].text == "MARAC Information"
    assert ex.findings[1].text.startswith("It was likely that the mental health agency")
    assert doc.text[ex.findings[1].start:].startswith("Concern: It was likely")
    responses = [a for a in ex.actions if a.kind == "response"]
    assert len(responses) == 7 and len(ex.actions) == 8
    assert [a.finding_indexes for a in responses] == [[i] for i in range(7)]
    assert responses[1].text.startswith("All MARAC agencies are encouraged")
    assert responses[6].text.startswith("With regard to concerns raised on D13")
    assert not responses[6].text.endswith("Chief Constable")  # signature trimmed
    commitment = [a for a in ex.actions if a.kind == "commitment"]
    assert len(commitment) == 1 and commitment[0].finding_indexes == [2]
    assert {a.owner for a in ex.actions} == {"West Midlands Police"}


# ------------------------------------------------------------------ seed 001: numbered concerns + headings
@needs_seeds
def test_seed1_numbered_concerns_answered_under_headings() -> None:
    doc = seed(1)
    ex = extract(doc)
    _check_invariants(doc, ex)
    assert ex.type == "pfd_response"
    assert [f.label for f in ex.findings] == ["Concern 1", "Concern 2", "Concern 3", "Concern 4"]
    assert ex.findings[1].text.startswith("Systmone. Details of the perpetrator")
    assert ex.findings[3].text.startswith("West Midlands MAPPA has a prison discharge coordinator role.")
    responses = [a for a in ex.actions if a.kind == "response"]
    assert [a.finding_indexes for a in responses] == [[0], [1], [2], [3]]  # "Systemone" matches "Systmone"
    assert responses[1].text.startswith("As Systemone is an IT system")
    assert responses[3].text.startswith("The issue will be addressed by the partners")
    assert "further assistance" not in responses[3].text
    commitments = [a for a in ex.actions if a.kind == "commitment"]
    assert len(commitments) == 7
    assert [len([c for c in commitments if c.finding_indexes == [i]]) for i in range(4)] == [5, 0, 1, 1]
    assert "West Midlands Police will attend all Level 2 and 3 meetings." in [c.text for c in commitments]
    assert {a.owner for a in ex.actions} == {"West Midlands Police"}


# ------------------------------------------------------------------ seed 002: inspection update
@needs_seeds
def test_seed2_inspection_recommendations_causes_afis() -> None:
    doc = seed(2)
    ex = extract(doc)
    _check_invariants(doc, ex)
    assert ex.type == "inspection"
    kinds = [f.kind for f in ex.findings]
    assert kinds.count("recommendation") == 15  # 12 firearms + 3 homicide prevention
    assert kinds.count("cause_of_concern") == 4
    assert kinds.count("area_for_improvement") == 16  # the paper itself says "a further 16"
    assert len(ex.findings) == 35 and len(ex.actions) == 19
    recs = [f for f in ex.findings if f.kind == "recommendation"]
    assert [f.label for f in recs[:12]] == [f"Recommendation {i}" for i in range(1, 13)]
    assert recs[0].addressees == ["the College of Policing"]
    assert recs[1].addressees == ["chief constables"]
    assert recs[10].addressees == ["the National Armed Policing Portfolio", "the CoP"]
    by_finding = {a.finding_indexes[0]: a for a in ex.actions}
    a1 = by_finding[recs[0].index]
    assert (a1.kind, a1.due, a1.due_text, a1.owner) == ("action_required", "2024-07-31", "By 31 July 2024",
                                                        "the College of Policing")
    a8 = by_finding[recs[7].index]
    assert (a8.due, a8.due_text) == (None, "With immediate effect")
    assert sum(1 for a in ex.actions if a.due_text == "With immediate effect") == 3
    assert sum(1 for a in ex.actions if a.due) == 12
    assert by_finding[recs[12].index].due == "2023-12-01"
    causes = [f for f in ex.findings if f.kind == "cause_of_concern"]
    assert [c.label for c in causes] == [f"Cause of concern {i}" for i in range(1, 5)]
    assert causes[0].text.startswith("Leadership. Recommendation: The force should strengthen its oversight")
    assert by_finding[causes[3].index].owner == "West Midlands Police"
    afis = [f for f in ex.findings if f.kind == "area_for_improvement"]
    assert afis[1].text.startswith("The force should strengthen its approach to always maintain the dignity")
    assert "Taking steps to avoid detainees remaining naked" in afis[1].text
    assert afis[4].text == "Bail conditions should be appropriate and reasonable for the detainee to adhere to."
    assert afis[4].addressees == []  # "Bail conditions" is not someone who acts
    assert afis[0].addressees == []
    assert afis[3].addressees == ["The force"]
    assert all(not a.status for a in ex.actions)


def test_deadline_and_addressee_parsing() -> None:
    from corpus.extract.inspection import deadline_and_who, split_addressees
    assert deadline_and_who("By 31 March 2025, the Home Office should publish guidance.") == \
        ("By 31 March 2025", "2025-03-31", "the Home Office")
    assert deadline_and_who("With immediate effect, all forces should stop.") == \
        ("With immediate effect", None, "all forces")
    assert split_addressees("chief constables in England and Wales") == ["chief constables in England and Wales"]
    assert split_addressees("each chief constable, through their boards,") == ["chief constable"]


# ------------------------------------------------------------------ seed 003: action-plan tables
@needs_seeds
@pytest.mark.parametrize("strip", [True, False])
def test_seed3_action_plan_tables(strip: bool) -> None:
    doc = seed(3, strip=strip)
    ex = extract(doc)
    _check_invariants(doc, ex)
    assert ex.type == "action_plan"
    assert len(ex.findings) == 29  # 8 joint + 2 + 3 + 5 + 6 + 1 + 4 agency recommendations
    assert len(ex.actions) == 38
    assert all(f.kind == "recommendation" for f in ex.findings)
    assert [f.label for f in ex.findings[:8]] == [f"Recommendation {i}" for i in range(1, 9)]
    r1 = ex.findings[0]
    assert r1.text.startswith("Raise the awareness of all Children in Care")
    assert r1.addressees == ["Birmingham City Council, Corporate Parent Board"]
    assert ex.findings[5].addressees == ["National Probation Service Wales", "National Probation Service Midlands",
                                         "Staffordshire and West Midlands Community Rehabilitation Company"]
    # Recommendation 8 continues over a page break
    assert ex.findings[7].text.endswith("fallen below expected professional standards.")
    acts = [a for a in ex.actions if a.finding_indexes == [0]]
    assert [a.text[:3] for a in acts] == ["1.1", "1.2", "1.3"]
    assert [a.due for a in acts] == ["2016-04-30", "2016-06-30", "2016-07-31"]
    assert [a.due_text for a in acts] == ["30/04/16", "30/06/16", "31/07/16"]
    assert {a.owner for a in acts} == {"Corporate Parent Board"}
    assert {a.status for a in acts} == {"completed"}
    assert {a.updated for a in acts} == {"2017-07-25"}
    assert all(a.kind == "action_required" for a in ex.actions)
    assert sum(1 for a in ex.actions if a.owner) == 38
    assert sum(1 for a in ex.actions if a.due) == 38
    assert sum(1 for a in ex.actions if a.status == "completed") == 38
    # a lead cell continued after the page break is one lead
    r4 = [a for a in ex.actions if a.finding_indexes == [3]]
    assert len(r4) == 2 and r4[0].owner == "West Midlands Chair of MAPP A SMB to liaise with Wales Chair of MAPPA SMB"
    assert r4[0].updated == "2016-09-06"
    # agency plans: the agency heading row addresses the recommendations under it
    agency = ex.findings[8:]
    assert agency[0].addressees[0] == "Birmingham Children Social Care"
    assert agency[2].addressees == ["Birmingham Women's NHS Foundation Trust"]
    assert agency[3].text == "Ensure consistency in practice in accordance with Trust guidelines for domestic abuse."
    assert agency[-1].addressees == ["West Mercia Constabulary"]
    bwh3 = [a for a in ex.actions if a.finding_indexes == [agency[4].index]]
    assert [a.text for a in bwh3] == ["Review the Trust Domestic Abuse Guidelines.",
                                      "Re-audit of the Maternity Liaison/ Cause for Concern form by retrospective case notes audit."]
    assert bwh3[0].due == "2014-09-30" and bwh3[0].due_text == "30th September 2014"
    wmp6 = [a for a in ex.actions if a.finding_indexes == [agency[15].index]]
    assert [a.text[:3] for a in wmp6] == ["i) ", "ii)"]
    review = [a for a in ex.actions if a.due_text == "Review by 31st July 2014"]
    assert len(review) == 1 and review[0].due == "2014-07-31"
    mercia = [a for a in ex.actions if a.finding_indexes == [agency[-4].index]][0]
    assert (mercia.owner, mercia.due, mercia.updated) == ("West Mercia Constabulary", "2015-01-31", "2015-06-24")


def test_table_header_roles_by_meaning() -> None:
    from corpus.extract.tables import header_roles
    assert header_roles(["Recommendation", "Lead agency", "Actions", "Owner", "Deadline", "Update", "RAG"]) == \
        ["recommendation", "agency", "action", "lead", "target", "taken", "rag"]
    assert header_roles(["The recommendation was accepted by the board and will be tracked", "x", "y", "z"]) is None


def test_small_table_statuses() -> None:
    text = ("Recommendation\tAction\tLead\tTarget date\tProgress update\tRAG\n"
            "1. Improve training\tDeliver course\tHead of L&D\tMarch 2024\tUpdate 3 April 2024: half done\tAmber\n"
            "2. Audit records\tRun audit\tAudit lead\t30/06/2024\tNot started\t\n")
    doc = Document(title="t", source="x", blocks=[Block(text)])
    ex = extract(doc)
    assert ex.type == "action_plan"
    assert [f.label for f in ex.findings] == ["Recommendation 1", "Recommendation 2"]
    assert [(a.owner, a.due, a.status, a.updated) for a in ex.actions] == [
        ("Head of L&D", "2024-03-31", "amber", "2024-04-03"), ("Audit lead", "2024-06-30", "not_started", None)]


# ------------------------------------------------------------------ seed 004: minutes
@needs_seeds
def test_seed4_minutes_actions_and_lessons() -> None:
    doc = seed(4)
    ex = extract(doc)
    _check_invariants(doc, ex)
    assert ex.type == "minutes"
    assert len(ex.findings) == 19 and {f.kind for f in ex.findings} == {"lesson_learned"}
    assert ex.findings[0].text.startswith("It was discussed that two initial reviews")
    assert ex.findings[10].text.endswith("through VISA – this is monitored by regular dip sampling by supervisors.")
    assert len(ex.actions) == 2
    bold, vagrancy = ex.actions
    assert bold.text.startswith("There is a meeting with the coroner on 27/01/2020")
    assert bold.owner == "West Midlands Police"
    assert vagrancy.text == "month by month data to be provided." and vagrancy.owner == "Chief Constable"


def test_minutes_action_lines_with_owner_and_due() -> None:
    text = ("Minutes of the meeting of the Board\nPresent:\nA Person\nApologies: none\n"
            "001/24 Item 1 - Finance\nThis was presented by Jo Bloggs.\n"
            "ACTION – ACC Smith to circulate the revised policy by 31 March 2024.\n")
    ex = extract(Document(title="t", source="x", blocks=[Block(text)]))
    assert ex.type == "minutes"
    assert [(a.owner, a.due) for a in ex.actions] == [("ACC Smith", "2024-03-31")]


# ------------------------------------------------------------------ PFD report rows
def _row_doc(r: dict[str, str]) -> Document:
    return Document(
        title=r["id"], source="reports.csv", reference=r["id"], type="pfd_report",
        blocks=[Block(r["investigation"], "Investigation and inquest"),
                Block(r["circumstances"], "Circumstances of the death"),
                Block(r["concerns"], "Coroner's concerns")],
        meta={"recipients": [x.strip() for x in r["receiver"].split(";") if x.strip()]},
    )


@pytest.fixture(scope="module")
def report_rows() -> dict[str, dict[str, str]]:
    if not REPORTS.is_file():
        pytest.skip("reports.csv not available")
    csv.field_size_limit(10**9)
    with REPORTS.open(newline="", encoding="utf-8") as fh:
        return {r["id"]: r for r in csv.DictReader(fh)}


@pytest.mark.parametrize("ref, n", [
    ("2015-0371", 5),   # "1)" … "5)"
    ("2014-0348", 8),   # "1." … "8."
    ("2022-0246", 4),   # boilerplate, then "1.\t" … "4.\t"
    ("2023-0453", 1),   # unnumbered: one finding
    ("2014-0192", 2),   # "1. (i) … (v)" then "(2)": sub-items stay inside concern 1
    ("2017-0361", 3),   # "(1)" … "(3)"
])
def test_pfd_concern_counts(report_rows, ref: str, n: int) -> None:  # type: ignore[no-untyped-def]
    doc = _row_doc(report_rows[ref])
    ex = extract(doc)
    _check_invariants(doc, ex)
    assert ex.type == "pfd_report"
    assert len(ex.findings) == n
    assert [f.label for f in ex.findings] == [f"Concern {i}" for i in range(1, n + 1)]
    assert all(f.kind == "concern" and f.section == "Coroner's concerns" for f in ex.findings)
    assert ex.findings[0].addressees == doc.meta["recipients"]


def test_pfd_boilerplate_dropped(report_rows) -> None:  # type: ignore[no-untyped-def]
    ex = extract(_row_doc(report_rows["2022-0246"]))
    assert ex.findings[0].text.startswith("The Inquest heard that when Mr Bacon became unwell")
    ex = extract(_row_doc(report_rows["2023-0453"]))
    assert ex.findings[0].text.startswith("Evidence heard from a Patient Safety Officer")
    assert ex.findings[0].text.endswith("will lead to future loss of life.")
    assert extract(_row_doc(report_rows["2014-0192"])).findings[1].text.startswith("Regarding the Trust’s Level 3")


def test_pfd_all_rows_extract(report_rows) -> None:  # type: ignore[no-untyped-def]
    """Every row of the real CSV extracts (speed is measured by benchmarks.ingest_bench, not here)."""
    docs = [_row_doc(r) for r in report_rows.values()]
    results = [extract(d) for d in docs]
    with_findings = sum(1 for r in results if r.findings)
    assert with_findings >= len(docs) - 10  # only rows with empty concerns have none
    # classification from text alone (type left "other") also sees reports
    sample = docs[::100]
    for d in sample:
        d.type = "other"
    assert sum(classify(d) == "pfd_report" for d in sample) == len(sample)


# ------------------------------------------------------------------ Ofsted PDFs
def _pdf_doc(name: str) -> Document:
    pypdf = pytest.importorskip("pypdf")
    path = OFSTED / name
    if not path.is_file():
        pytest.skip("Ofsted PDFs not available")
    reader = pypdf.PdfReader(str(path))
    blocks = [Block(p.extract_text() or "", page=i + 1) for i, p in enumerate(reader.pages)]
    return Document(title=name, source=str(path), blocks=blocks)


@pytest.mark.parametrize("name, la, n, first, last", [
    ("barnet-children-s-services-inspection-23-july-2024.pdf", "Barnet", 4,
     "Return home interviews informing safety plans for children who go missing.",
     "Management oversight of the local authority designated officer (LADO)."),
    ("bradford-children-s-services-inspection-31-january-2023.pdf", "City of Bradford Metropolitan Borough Council", 14,
     "Council and corporate senior leaders should ensure that they fully and effectively discharge their role as "
     "corporate parents, and ensure that children’s social care is provided with the resources and support required "
     "in a timely way to expedite sustainable improvements.",
     "The quality and effectiveness of supervision to staff at all levels by managers and leaders."),
])
def test_ofsted_what_needs_to_improve(name: str, la: str, n: int, first: str, last: str) -> None:
    doc = _pdf_doc(name)
    ex = extract(doc)
    _check_invariants(doc, ex)
    assert ex.type == "inspection"
    assert len(ex.findings) == n
    assert [f.label for f in ex.findings] == [f"What needs to improve {i}" for i in range(1, n + 1)]
    assert {f.kind for f in ex.findings} == {"area_for_improvement"}
    assert ex.findings[0].text == first and ex.findings[-1].text == last
    assert ex.findings[0].addressees == [la]
    assert ex.findings[0].page == 2


# ------------------------------------------------------------------ robustness
def test_mask_keeps_offsets() -> None:
    raw = "<p><b>Recommendation 1.</b> Do&amp;this</p> **bold**"
    m = mask(raw)
    assert len(m) == len(raw)
    assert m.index("Recommendation") == raw.index("Recommendation")
    assert "<" not in m and "*" not in m and "&amp;" not in m


def test_empty_document() -> None:
    ex = extract(Document(title="t", source="x", blocks=[]))
    assert ex.type == "other" and ex.findings == [] and ex.actions == []


# ------------------------------------------------------------------ with the project's own reader
@needs_seeds
def test_seeds_through_project_reader() -> None:
    """The reader joins <p> parts with spaces, drops trailing tabs and bold: same structure."""
    readers = pytest.importorskip("corpus.readers.sniff")
    got = {}
    for n in range(5):
        doc = readers.read_path(next(SEEDS.glob(f"{n:03d}_*.txt"))).documents[0]
        ex = extract(doc)
        _check_invariants(doc, ex)
        got[n] = (ex.type, len(ex.findings), len(ex.actions))
    assert got[0] == ("pfd_response", 7, 8)
    assert got[1] == ("pfd_response", 4, 11)
    assert got[2] == ("inspection", 35, 19)
    assert got[3][:2] == ("action_plan", 29) and got[3][2] >= 36
    assert got[4][0] == "minutes" and got[4][2] >= 1  # "ACTION – …" survives; bold-only actions may not


@pytest.mark.parametrize("tail", [
    "\n\nACTION SHOULD BE TAKEN\n\nIn my opinion action should be taken to prevent future deaths.",
    " 6 ACTION COULD BE TAKEN In my opinion action could be taken to prevent future deaths.",
    " 7 YOUR RESPONSE You are under a duty to respond to this report within 56 days.",
])
def test_a_concerns_cell_that_runs_into_the_next_template_section_is_cut_there(tail: str) -> None:
    concerns = ("1. The referral form was not shared with the school nurse.\n\n"
                "2. No one reviewed the care plan after the second admission." + tail)
    doc = Document(title="t", source="reports.csv#row=1", type="pfd_report",
                   blocks=[Block("Mr A died at home.", section="Circumstances of the death"),
                           Block(concerns, section="Coroner's concerns")])
    found = [f for f in extract(doc).findings if f.kind == "concern"]
    assert len(found) == 2
    assert found[-1].text.rstrip().endswith("second admission.")
    assert not any(re.search(r"ACTION|RESPONSE|duty to respond", f.text) for f in found)


def test_the_concerns_heading_does_not_swallow_the_first_number() -> None:
    text = ("CORONER'S CONCERNS\n\n1. The officers restrained him face down and did not monitor his breathing.\n\n"
            "2. Ligature points on the ward were not removed.")
    doc = Document(title="draft", source="draft.txt", blocks=[Block(text, section="CORONER'S CONCERNS")])
    found = [f.text for f in extract(doc).findings if f.kind == "concern"]
    assert found == ["The officers restrained him face down and did not monitor his breathing.",
                     "Ligature points on the ward were not removed."]
