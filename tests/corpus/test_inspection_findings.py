"""Inspection findings: one per matter, whole, no page furniture, with section and page.

Texts are written for these tests in the layouts seen in Ofsted children's services reports
and HMICFRS papers; they do not copy any report."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from corpus.extract import extract
from corpus.extract.inspection import extract_inspection
from corpus.records import Block, Document

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "corpus"

HEAD = "Inspection of Exampleshire local authority children’s services"
NEXT = "The experiences and progress of children who need help and protection: good"


def _ofsted(body: str) -> list:
    return [f for f in extract_inspection(f"{HEAD}\n{body}\n{NEXT}\n1. Children receive help.\n")[0]]


def test_square_bullets_one_per_matter_with_section() -> None:
    f = _ofsted("What needs to improve?\n◼ The timeliness of visits to children.\n◼ Sufficiency of homes for children in care.")
    assert [x.text for x in f] == ["The timeliness of visits to children.", "Sufficiency of homes for children in care."]
    assert {x.section for x in f} == {"What needs to improve"}
    assert f[0].addressees == ["Exampleshire"]


def test_dash_sub_points_stay_with_their_parent() -> None:
    f = _ofsted("What needs to improve?\n◼ Support for care leavers, including:\n− advice on housing\n− access to health records.\n"
                "◼ The quality of plans.")
    assert len(f) == 2
    assert "advice on housing" in f[0].text and "health records" in f[0].text


def test_page_number_and_running_header_between_items_are_skipped() -> None:
    f = _ofsted("What needs to improve?\n◼ The quality of written plans for children in\n7\n" + HEAD +
                "\nneed of help.\n◼ Management oversight.\n8\n◼ Life-story work for children in care.")
    assert [x.text for x in f] == ["The quality of written plans for children in need of help.", "Management oversight.",
                                   "Life-story work for children in care."]


def test_last_item_without_full_stop_does_not_run_into_next_section() -> None:
    f = _ofsted("What needs to improve?\n◼ Pathway planning for children aged 16 and 17.\n◼ Clarity about the roles of chairs")
    assert len(f) == 2 and f[1].text == "Clarity about the roles of chairs"


@pytest.mark.parametrize("heading", ["What needs to improve", "What needs to improve?1",
                                     "What needs to improve in this local authority?"])
def test_heading_variants(heading: str) -> None:
    assert len(_ofsted(f"{heading}\n◼ The response to homeless 16- and 17-year-olds.\n◼ Supervision records.")) == 2


def test_dash_list_when_the_list_opens_with_dashes() -> None:
    f = _ofsted("What needs to improve?\n- The response to contacts out of hours.\n- The quality of supervision.")
    assert [x.text for x in f] == ["The response to contacts out of hours.", "The quality of supervision."]


def test_numbered_list_is_not_taken_for_the_judgement_paragraphs() -> None:
    f = _ofsted("What needs to improve?\n1. The timeliness of assessments.\n2. The stability of the workforce.")
    assert [x.text for x in f] == ["The timeliness of assessments.", "The stability of the workforce."]


def test_unmarked_lines_one_per_sentence_end() -> None:
    """A text copy with the bullet glyphs lost: each line that ends a sentence closes an item."""
    f = _ofsted("What needs to improve?\nThe quality of return home interviews for children\nwho go missing.\n"
                "The consistency of supervision.")
    assert [x.text for x in f] == ["The quality of return home interviews for children who go missing.",
                                   "The consistency of supervision."]


def test_outstanding_report_without_the_section_gives_nothing() -> None:
    assert _ofsted("Services for children are outstanding.") == []


def test_page_comes_from_the_block() -> None:
    doc = Document(title="t", source="x.pdf", type="inspection", blocks=[
        Block(text=f"{HEAD}\nOverall effectiveness Good\nSummary of what leaders do.", page=1),
        Block(text="What needs to improve?\n◼ The quality of plans.\n◼ Management oversight.", section="What needs to improve", page=2),
        Block(text=f"{NEXT}\n1. Children receive help.", page=2)])
    f = extract(doc).findings
    assert [(x.page, x.section) for x in f] == [(2, "What needs to improve")] * 2


def test_hmicfrs_findings_carry_their_own_section_not_a_label() -> None:
    text = ("Recommendations for chief constables:\n\nRecommendation 1\n\nBy 31 July 2025, chief constables should review rotas.\n\n"
            "1.) Cause of concern: Leadership\n\nRecommendation:\n\nThe force should strengthen its oversight.\n\n"
            "Areas for improvement\n\nFirst point of contact\n\nThe force should record advice given.\n\n"
            "The force should improve cells by:\n\n- Keeping floors clean.\n- Checking alarms daily.\n")
    f, _ = extract_inspection(text)
    assert [(x.kind, x.section) for x in f] == [
        ("recommendation", "Recommendations for chief constables"), ("cause_of_concern", "Causes of concern"),
        ("area_for_improvement", "Areas for improvement"), ("area_for_improvement", "Areas for improvement")]
    assert "Checking alarms daily" in f[-1].text


def test_recommendation_without_a_heading_still_has_a_section() -> None:
    f, _ = extract_inspection("Recommendation 1\n\nThe force should publish its data.\n")
    assert f[0].section == "Recommendations"


@pytest.mark.slow
@pytest.mark.parametrize("gold", ["inspections_heldout.json", "inspections_heldout2.json"])
def test_heldout_gold_scores(gold: str) -> None:
    if not (SHARED / "pdf" / "ofsted").is_dir():
        pytest.skip("shared corpus not present")
    from benchmarks import inspections_eval

    r = inspections_eval.score(SHARED, ROOT / "benchmarks" / "gold" / gold)
    assert r["exact"] >= 0.9 and r["within_one"] == 1.0
    assert r["findings_with_debris"] == 0 and r["findings_without_section_or_page"] == 0
    assert r["bad_inputs_refused_clearly"] == r["bad_inputs"]
    assert json.loads((ROOT / "benchmarks" / "gold" / gold).read_text())["about"]["recipe"]


# ------------------------------------------------------------------ HMICFRS layouts (rules added after the held-out scoring)
def test_bare_cause_of_concern_heading_keeps_statement_and_bulleted_recommendation() -> None:
    f, a = extract_inspection(
        "Cause of concern\n\nThe force does not answer emergency calls quickly enough.\n\nRecommendations\n\n"
        "Within six months, the force should:\n\n• make sure it has enough call handlers;\n• monitor answer times daily.\n\n"
        "Area for improvement 1\n\nThe force should improve how it records crime.\n")
    assert [x.kind for x in f] == ["cause_of_concern", "area_for_improvement"]
    assert f[0].text.startswith("The force does not answer emergency calls quickly enough. Recommendation: Within six months")
    assert "monitor answer times daily" in f[0].text and "records crime" not in f[0].text
    assert f[1].section == "Areas for improvement"  # not the "Recommendations" heading of the cause above
    assert a and a[0].due_text == "Within six months"


def test_cause_title_full_stop_not_doubled() -> None:
    f, _ = extract_inspection("Cause of concern 1: Crime is not recorded accurately.\n\nRecommendation: The force should audit it.\n")
    assert f[0].text == "Crime is not recorded accurately. Recommendation: The force should audit it."


@pytest.mark.parametrize("furniture", ["14", "Page 12 of 40"])
def test_page_number_inside_a_recommendation_is_dropped(furniture: str) -> None:
    f, _ = extract_inspection(f"Recommendation 3\n\nBy 31 March 2026, chief constables should make sure\n\n{furniture}\n\n"
                              "that officers are trained in first aid.\n\nRecommendation 4\n\nThe college should publish guidance.\n")
    assert [x.text for x in f] == ["By 31 March 2026, chief constables should make sure that officers are trained in first aid.",
                                   "The college should publish guidance."]


def test_numbered_afi_section_split_and_page_break_joined() -> None:
    f, _ = extract_inspection("Areas for improvement\n\n1. The force should improve how it records crime.\n\n"
                              "2. The force should make sure victims are updated\n\n3. The force should review\n\n7\n\n"
                              "its vetting backlog.\n\nNext chapter\n")
    assert [x.text for x in f] == ["The force should improve how it records crime.", "The force should make sure victims are updated",
                                   "The force should review its vetting backlog."]


# ------------------------------------------------------------------ rules from the layout perturbation check
def test_item_opening_like_a_judgement_heading_is_still_an_item() -> None:
    f = _ofsted("What needs to improve?\nThe scrutiny by senior leaders of governance.\n"
                "The impact of leaders and managers on driving progress.\nThe timeliness of permanence.")
    assert len(f) == 3 and f[1].text.startswith("The impact of leaders and managers")


def test_framework_reference_after_the_full_stop_ends_an_unmarked_item() -> None:
    f = _ofsted("What needs to improve?\nThe uptake of return home interviews. (Outcome three)\n"
                "The workloads of personal advisers. (Enabler two)")
    assert [x.text for x in f] == ["The uptake of return home interviews. (Outcome three)",
                                   "The workloads of personal advisers. (Enabler two)"]


def test_one_dash_for_both_levels_lower_case_points_are_sub_points() -> None:
    f = _ofsted("What needs to improve?\n- Practice with disabled children to demonstrate:\n- an understanding of their daily lives;\n"
                "- the ambition for them to achieve.\n- The quality of written records.")
    assert len(f) == 2 and "the ambition for them" in f[0].text and f[1].text == "The quality of written records."


@pytest.mark.slow
def test_perturbed_layouts_keep_the_findings() -> None:
    if not (SHARED / "pdf" / "ofsted").is_dir():
        pytest.skip("shared corpus not present")
    from benchmarks import inspections_eval

    r = inspections_eval.perturb(SHARED)["variants"]
    for k, v in r.items():
        ok, n = map(int, v.split("/"))
        assert n >= 70 and ok >= n - 2, (k, v)


def test_square_bullet_areas_without_should_under_their_own_heading() -> None:
    t = ("Focused visit to Anyshire children's services\n\nAreas for priority action\n\n◼ The response to children at risk, "
         "including:\n− the timeliness of strategy meetings\n− the quality of assessments.\n\nAreas for improvement\n\n"
         "◼ The quality of supervision.\n◼ The recording of management decisions.\n\nFindings\n\nManagers should be thanked.\n")
    f, _ = extract_inspection(t)
    assert [(x.section, x.text[:30]) for x in f] == [
        ("Areas for priority action", "The response to children at ri"), ("Areas for improvement", "The quality of supervision."),
        ("Areas for improvement", "The recording of management de")]
    assert "quality of assessments" in f[0].text
