"""Who said it, session 6 (issue 10): the respondent of a response letter among a report's recipients,
its name without debris, the response's title and the organisation page that counts it. The letters
here are written for the tests (no known letter's text)."""
from __future__ import annotations

import hashlib
import json

import pytest

from corpus.extract.respondent import choose_respondent, phrase_start
from corpus.extract.speaker import recipient_features, speaking_for
from corpus.readers.datasets import split_recipients
from corpus.orgs.keys import normalise_org, split_orgs
from corpus.orgs.mentions import acronyms, mentions
from index.responses.answering import response_title

NUMBERED = ("1 , Chief Executive, Riverside NHS Foundation Trust 2 , Chief Executive, Riverside and Vale "
            "Integrated Care Board 1")


# ---- names without debris

def test_a_list_numbered_n_comma_is_split_and_loses_its_footnote_digits():
    want = ["Chief Executive, Riverside NHS Foundation Trust", "Chief Executive, Riverside and Vale Integrated Care Board"]
    assert split_orgs(NUMBERED) == want
    assert split_recipients(NUMBERED, ";") == want
    # a list numbered "1." is split as before
    assert split_orgs("1. Chief Constable of Sussex Police 2. CEO Sussex Partnership NHS Foundation Trust") == [
        "Chief Constable of Sussex Police", "CEO Sussex Partnership NHS Foundation Trust"]


@pytest.mark.parametrize("raw", [NUMBERED, "Riverside NHS Foundation Trust 2", "Chief Executive, Riverside NHS Foundation Trust 2 , x"])
def test_no_organisation_name_carries_a_glued_page_or_footnote_digit(raw):
    org = normalise_org(raw)
    assert org.name == "Riverside NHS Foundation Trust" and org.key == "riverside-nhs-foundation-trust"
    assert response_title(raw, "Jo Bloggs") == "Riverside NHS Foundation Trust — response to the report on Jo Bloggs"


def test_a_name_keeps_a_number_that_is_part_of_it():
    assert normalise_org("Steps2Recovery").name == "Steps2Recovery"


# ---- mentions: acronyms the letter defines, initials, context before the whole name

def test_initials_without_the_legal_form_words():
    assert "uhcw" in acronyms("University Hospital of Coventry and Warwickshire NHS Trust")
    assert "geh" in acronyms("George Eliot Hospital NHS Trust")


def test_an_acronym_the_letter_defines_stands_for_the_recipient_and_the_definition_is_one_mention():
    text = ("The Millbrook General Hospital (MGH) has reviewed the report. MGH will publish new guidance. "
            "Patients are transferred to the Eastgate Renal Centre.")
    spans = mentions("Millbrook General NHS Trust", text)
    assert [text[s:e] for s, e in spans] == ["Millbrook General", "MGH"]


def test_what_comes_before_a_name_is_read_before_its_first_word():
    text = "We are aware that you have written to the Royal College of Pathologists about this."
    s = text.index("Pathologists")
    assert text[phrase_start(text, s):s] == "Royal College of "


# ---- the respondent model: who writes, not who is mentioned

RECIPIENTS = ["NHS England", "The Chief Executive of Millbrook General Hospital NHS Trust",
              "The Chief Executive of Eastgate University Hospitals NHS Trust", "National Kidney Society"]


def test_the_writer_is_the_trust_acting_not_the_trust_it_receives_guidance_from():
    text = ("Following the inquest, Eastgate University Hospitals (EUH) were preparing guidelines to assist "
            "Millbrook General Hospital (MGH) should the Trust admit a similar patient. The Trust has now received "
            "the guidelines from the renal team at EUH. MGH will review every such patient on admission and will "
            "contact the specialist centre. Patients would be transferred to EUH. The guidelines provided by "
            "EUH will be placed on the Trust intranet. A consultant from EUH will visit twice a week, which "
            "will make transfers easier for MGH staff.")
    feats = recipient_features(text, RECIPIENTS)
    assert feats[2]["object"] > feats[1]["object"]  # EUH is where guidance comes from and patients go
    assert feats[1]["subject"] > 0 and feats[1]["selftype"] == feats[2]["selftype"] > 0  # "the Trust" fits both
    assert speaking_for(text, RECIPIENTS)[0] == RECIPIENTS[1]


def test_a_joint_letter_is_named_for_the_body_it_names_first():
    text = ("Following your request, the Renal Care Association (RCA) and the National Kidney Society (NKS) have "
            "collaborated and produced the following recommendations. We recommend that every hospital keeps "
            "the contact details of its specialist centre. The RCA and NKS will share these recommendations.")
    recs = ["NHS England", "Renal Care Association", "National Kidney Society"]
    feats = recipient_features(text, recs)
    assert feats[1]["earliest"] == 1.0 and feats[2]["earliest"] == 0.0
    assert speaking_for(text, recs)[0] == "Renal Care Association"


def test_a_sentence_initial_self_reference_counts():
    gov = ("The highway authority, Transport for London (TfL), is responsible for the junction. My officials have "
           "been in contact with TfL. The Department does not consent to such schemes.")
    recs = ["London Borough of Hounslow (LBH)", "Transport for London (TFL)", "Department for Transport (DFT)"]
    assert choose_respondent(gov, recs)[0] == "Department for Transport"
    assert speaking_for(gov, recs)[0] == "Department for Transport (DFT)"


# ---- through the library: the response's title and the organisation page

def _h(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


@pytest.fixture
def lib(library):
    from index import rows

    report = ("Sent to: NHS England; Millbrook Hospital NHS Trust; Eastgate University Hospitals NHS Trust\n\n"
              "CONCERNS\n\nThere is no agreed way for a non-specialist hospital to contact a renal centre.")
    letter = ("Thank you for your report. Millbrook Hospital (MH) has agreed guidelines with the renal team at "
              "Eastgate University Hospitals (EUH). The guidelines from EUH are clear. MH will display the "
              "contact numbers of the renal centre on every ward, and the Trust will audit their use.")
    with library.store.transaction() as t:
        rows.insert_document(t, id=1, content_hash=_h(report), title="Jo Bloggs — PFD report 2024-9001",
                             type="pfd_report", date="2024-11-12", reference="2024-9001", source="t/1.txt",
                             text=report, blocks=[[0, len(report), None, 1]],
                             meta={"recipients": ["NHS England", "The Chief Executive of Millbrook Hospital NHS Trust",
                                                  "The Chief Executive of Eastgate University Hospitals NHS Trust"]})
        rows.insert_document(t, id=2, content_hash=_h(letter), title="letter", type="pfd_response", date=None,
                             reference=None, source="t/2.txt", text=letter, blocks=[[0, len(letter), None, 1]],
                             meta={})
        for d, text in ((1, report), (2, letter)):
            rows.insert_passages(t, d, [(text, None, 1, 0, len(text))])
        t.execute("INSERT INTO links(response_id, report_id, confidence, evidence) VALUES (2, 1, 0.9, '{}')")
    from index.responses.answering import settle_response

    with library.store.transaction() as c:
        settle_response(c, 2, 1)
    return library


def test_the_settled_response_is_titled_and_counted_for_the_body_that_wrote_it(lib):
    from search.ledger.organisations import get_organisation

    row = lib.store.conn.execute("SELECT title, meta FROM documents WHERE id=2").fetchone()
    assert row["title"] == "Millbrook Hospital NHS Trust — response to the report on Jo Bloggs"
    assert json.loads(row["meta"])["respondent"] == "Millbrook Hospital NHS Trust"
    mine = get_organisation(lib, "millbrook-hospital-nhs-trust", as_of="2026-11-29")
    other = get_organisation(lib, "eastgate-university-hospitals-nhs-trust", as_of="2026-11-29")
    assert [r["id"] for r in mine["responses"]] == [2] and mine["counts"]["responses"] == 1
    assert other is not None and not other["responses"]  # a recipient too, but it did not write


def test_a_department_speaks_through_the_bodies_that_are_part_of_it():
    from corpus.extract.respondent import recipient_spans

    text = ("Thank you for your report about accommodation for people leaving custody. The Probation Service "
            "manages approved premises across England. HM Prison and Probation Service has recruited more "
            "accommodation officers, and the Department will publish a strategy with the housing department.")
    recs = ["Secretary of State for Housing, Communities and Local Government", "Secretary of State for Justice"]
    spans = recipient_spans(recs[1], text)
    assert {text[s:e] for s, e in spans} >= {"Probation Service", "HM Prison and Probation Service"}
    assert not recipient_spans(recs[0], "The probation officer visited.")  # a part is matched as its name is written
    feats = recipient_features(text, recs)
    assert feats[1]["subject"] > feats[0]["subject"]
    assert speaking_for(text, recs)[0] == recs[1]
