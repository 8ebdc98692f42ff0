"""QA pass 30 (issue 10, items 4 and 5): who said it and the ledger, checked against what the
letters say. Each test failed before its fix."""
from __future__ import annotations

import hashlib

import pytest

from index import rows


def _h(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


# A free-form letter from Transport for London that names the Metropolitan Police Service more
# often than itself: the extractor's letter-level guess made the police the owner of every action.
TFL_ACTS = [
    ("We have had discussions with LBH regarding our joint approach to improve the A4.", "Metropolitan Police Service"),
    ("Subject to confirmation that the scheme is deliverable, TfL will monitor the new crossings for 48 months.",
     "Metropolitan Police Service"),
    # the sentence's subject is another body: it stays that body's
    ("The Metropolitan Police Service will carry out speed enforcement at the junction from January.",
     "Metropolitan Police Service"),
    ("We will install temporary warning signs at the junction.", None),
]


def build(lib) -> dict:
    report = ("Sent to: Transport for London; London Borough of Hounslow\n\nCONCERNS\n\n"
              "Pedestrians cross the A4 without a controlled crossing.")
    letter = "Dear coroner, thank you for your report. " + " ".join(t for t, _ in TFL_ACTS)
    with lib.store.transaction() as t:
        rows.insert_document(t, id=1, content_hash=_h(report), title="Terence Gillard — PFD report 2025-0264",
                             type="pfd_report", date="2024-11-05", reference="2025-0264", source="test/1.txt",
                             text=report, blocks=[[0, len(report), None, 1]],
                             meta={"recipients": ["Transport for London (TFL)", "London Borough of Hounslow (LBH)"]})
        rows.insert_document(t, id=2, content_hash=_h(letter),
                             title="Transport for London — response to the report on Terence Gillard",
                             type="pfd_response", date=None, reference=None, source="test/2.txt", text=letter,
                             blocks=[[0, len(letter), None, 1]],
                             meta={"respondent": "Transport for London", "respondent_from": "report recipients"})
        for d, text in ((1, report), (2, letter)):
            rows.insert_passages(t, d, [(text, None, 1, 0, len(text))])
        rows.insert_finding(t, 1, 0, "concern", "Concern 1", "Pedestrians cross the A4 without a controlled crossing.",
                            [], None, 1, 0, 10, id=1)
        for i, (text, owner) in enumerate(TFL_ACTS):
            rows.insert_action(t, 2, i, "commitment", text, owner, None, None, None, None, 1, 0, len(text),
                               finding_ids=[1], id=i + 1)
        t.execute("INSERT INTO links(response_id, report_id, confidence, evidence) VALUES (2, 1, 0.98, '{}')")
        # what linking does once the respondent is known: each action's owner is settled and stored
        from index.responses.answering import settle_owners

        assert settle_owners(t, 2) == 3  # the extractor's letter-level guess gives way, bar the named body
    return {"report": 1, "response": 2}


@pytest.fixture
def lib(library):
    build(library)
    return library


@pytest.fixture
def client(lib):
    from webui import create_app

    return create_app({"TESTING": True, "LIBRARY": lib}).test_client()


def test_an_action_is_the_respondents_unless_its_own_sentence_names_another_body(lib):
    from search.responses.unlinked import response_view

    owners = [a["owner"] for a in response_view(lib, 2)["actions"]]
    assert owners == ["Transport for London", "Transport for London", "Metropolitan Police Service",
                      "Transport for London"]


def test_ledger_and_organisation_pages_credit_the_respondent(lib, client):
    from search.ledger.commitments import list_commitments

    led = list_commitments(lib, as_of="2026-11-29")
    by_id = {c["id"]: c for c in led["commitments"]}
    assert by_id[1]["owner"] == "Transport for London"
    assert [o["key"] for o in by_id[1]["organisations"]] == ["transport-for-london"]
    assert list_commitments(lib, owner="Metropolitan Police Service", as_of="2026-11-29")["total"] == 1
    tfl = client.get("/organisations/transport-for-london.json").get_json()
    met = client.get("/organisations/metropolitan-police-service.json").get_json()
    count = lambda d: len(d.get("commitments") or [])  # noqa: E731
    assert count(tfl) == 3 and count(met) == 1
    import csv
    import io

    table = list(csv.DictReader(io.StringIO(client.get("/commitments.csv").get_data(as_text=True))))
    assert [r["owner"] for r in table].count("Transport for London") == 3


def test_report_page_and_case_show_the_respondent_as_owner(lib, client):
    doc = client.get("/documents/1.json").get_json()
    owners = [a["owner"] for f in doc["findings"] for a in f["actions"]]
    assert owners.count("Transport for London") == 3
    case = client.get("/cases/1.json").get_json()
    assert [a["owner"] for a in case["actions"]].count("Transport for London") == 3


# ---- the ledger without noise: preambles, thanks, hopes and preparation are not commitments

@pytest.mark.parametrize("sentence", [
    "This response has been developed following input from members of the Patient Safety Committee and Senior "
    "Officers of the College.",
    "Following review of the Regulation 28 Report it's recognised that there are key themes identified here which "
    "the College has provided clarity on over the past few years.",
    "In order to respond to the Matters of Concern set out in your report, I have sought the assistance of the "
    "Clinical Chair and the Chief Medical Officer.",
    "In response to your concerns, we outline below the actions the Society intends to advocate for to enhance road "
    "safety:",
    "In memory of the deceased, we hope these initiatives will contribute to preventing future tragedies on our roads.",
    "We appreciate your report's emphasis on proactive education, and we are dedicated to working with other "
    "stakeholders to improve safety standards.",
])
def test_framing_sentences_are_not_actions(sentence):
    from corpus.extract.respond import free_actions

    assert free_actions(sentence, "Royal Society for the Prevention of Accidents") == []


def test_a_timing_on_the_line_after_a_plan_item_belongs_to_that_item():
    """A two-column table read as text: "Engage with …:" then "Q4 2024" on the next line. The items
    were lost and "Q2 2025 We appreciate …" was logged as a commitment due in June 2025."""
    from corpus.extract.respond import free_actions

    text = ("Your report highlights the issue of aquaplaning.\n\n"
            "Engage with the Department for Transport and DVSA regarding coroner's findings:\n\n"
            "Q4 2024\nCreate and share digital education materials on aquaplaning awareness through social media\n\n"
            "Q2 2025\nWe appreciate your report's emphasis on proactive education.\n")
    acts = free_actions(text, "Royal Society for the Prevention of Accidents")
    got = [(a.text.split()[0], a.due) for a in acts]
    assert got == [("Engage", "2024-12-31"), ("Create", "2025-06-30")]
    assert all(text[a.start:a.end].strip() for a in acts)



def test_the_ledger_logs_answers_without_their_preamble_and_a_repeated_promise_once(library):
    """"With regard to concerns raised on MARAC, our response is detailed below." opened a logged
    answer (the issue's own example); a promise lifted from an answer was logged twice; an answer
    that is all framing was logged as a commitment."""
    from search.ledger.commitments import list_commitments

    answer1 = ("With regard to concerns raised on MARAC, our response is detailed below. Since April 2019 the force "
               "has recruited and trained a team of six dedicated minute takers.")
    answer2 = ("The issue will be addressed by the partners who manage the role. West Midlands Police will work with "
               "our MAPPA partners to ensure the role is understood by all staff.")
    promise = "West Midlands Police will work with our MAPPA partners to ensure the role is understood by all staff."
    framing = "Thank you for your report. Our response to each of your concerns is set out below."
    letter = " ".join([answer1, answer2, framing])
    with library.store.transaction() as t:
        rows.insert_document(t, id=1, content_hash=_h(letter), title="West Midlands Police — response to a PFD report",
                             type="pfd_response", date="2022-01-17", reference=None, source="test/1.txt", text=letter,
                             blocks=[[0, len(letter), None, 1]], meta={"respondent": "West Midlands Police"})
        rows.insert_passages(t, 1, [(letter, None, 1, 0, len(letter))])
        for i, (kind, text) in enumerate([("response", answer1), ("response", answer2), ("commitment", promise),
                                          ("response", framing)]):
            rows.insert_action(t, 1, i, kind, text, "West Midlands Police", None, None, None, None, 1, 0, len(text),
                               id=i + 1)
    led = list_commitments(library, as_of="2026-11-29")
    texts = [c["text"] for c in led["commitments"]]
    assert led["total"] == 3 and len(texts) == 3, texts
    assert texts[0].startswith("Since April 2019") and "detailed below" not in " ".join(texts)
    assert sum(promise in t for t in texts) == 1 and promise in texts  # the promise keeps its own row
    assert "The issue will be addressed by the partners who manage the role." in texts  # the rest of the answer


@pytest.mark.parametrize("sentence", [
    "This Government takes road safety very seriously, and we are committed to reducing the numbers of those killed "
    "and injured on our roads.",
    "This government is committed to tackling suicide as one of this country's leading causes of death for younger "
    "people.",
    "In higher education, we have taken the issues of mental health and suicide prevention extremely seriously.",
    "On reflection, we consider that one hospital Trust changing the reference range in isolation will not address "
    "the broader issue.",
    "In the circumstances outlined in your report we believe that an assessment of the risk should have been made at "
    "discharge.",
    "We are aware that you have written to the Royal College, and we would suggest that their guidance is reviewed "
    "and amended.",
    "We are aiming for these proposed improvement works to be implemented in three years, we have set out above the "
    "progress we have made.",
    "The regulator is responsible for protecting the interests of students and we have included actions it is taking "
    "as part of our response.",
])
def test_assurances_opinions_and_suggestions_are_not_commitments(sentence):
    from corpus.extract.respond import free_actions, strip_framing

    assert free_actions(sentence, "Department for Transport") == []
    assert strip_framing(sentence) is None  # and the ledger drops them from libraries read before


# ---- the unlinked-letter view shows its best candidates

def _ambiguous_letter(lib):
    rep = ("REGULATION 28: REPORT TO PREVENT FUTURE DEATHS\n\nTHIS REPORT IS BEING SENT TO: Northshire County Council\n\n"
           "On 3 March 2024 I commenced an investigation into the death of Jonathan Pemberton-Clarke. "
           "MATTERS OF CONCERN\n\n1. The road had no pedestrian crossing near the school.")
    letter = ("Dear Coroner,\n\nThank you for your Regulation 28 report following the inquest into the death of "
              "Jonathan Pemberton-Clarke. We will install a controlled pedestrian crossing near the school by March "
              "2025.\n\nYours sincerely,\n\nDirector of Highways, Northshire County Council")
    with lib.store.transaction() as t:
        for did, ref, date in ((1, "2024-0101", "2024-06-01"), (2, "2024-0102", "2024-06-02")):
            text = rep + ("" if did == 1 else " ")
            rows.insert_document(t, id=did, content_hash=_h(text), title=f"Jonathan Pemberton-Clarke — PFD report {ref}",
                                 type="pfd_report", date=date, reference=ref, source=f"test/{did}.txt", text=text,
                                 blocks=[[0, len(text), None, 1]],
                                 meta={"recipients": ["Northshire County Council"],
                                       "deceased_name": "Jonathan Pemberton-Clarke"})
            rows.insert_passages(t, did, [(text, None, 1, 0, len(text))])
        rows.insert_document(t, id=3, content_hash=_h(letter), title="Northshire County Council — response to a PFD report",
                             type="pfd_response", date=None, reference=None, source="test/3.txt", text=letter,
                             blocks=[[0, len(letter), None, 1]], meta={"respondent": "Northshire County Council"})
        rows.insert_passages(t, 3, [(letter, None, 1, 0, len(letter))])


def test_unlinked_letters_are_shown_with_their_best_candidates(library):
    from webui import create_app

    _ambiguous_letter(library)
    c = create_app({"TESTING": True, "LIBRARY": library}).test_client()
    data = c.get("/responses/unlinked.json").get_json()
    item = next(r for r in data["responses"] if r["id"] == 3)
    assert {x["id"] for x in item["candidates"]} == {1, 2}
    assert item["reason"]
    html = c.get("/responses/unlinked").get_data(as_text=True)
    assert 'href="/documents/1"' in html and 'href="/documents/2"' in html


def test_a_responses_page_says_who_responded_and_what_they_did(lib, client):
    """The response's own page (and /documents/ID.json) showed neither its respondent nor its
    actions: every action answered the report's concern, so none was "other"; only
    `precedent show --json` had them."""
    data = client.get("/documents/2.json").get_json()
    assert data["respondent"] == "Transport for London"
    assert [a["owner"] for a in data["actions"]][:2] == ["Transport for London", "Transport for London"]
    assert all(a["answers"] == [1] for a in data["actions"])
    html = client.get("/documents/2").get_data(as_text=True)
    assert "Respondent" in html and "Transport for London" in html
    assert "TfL will monitor the new crossings for 48 months" in html.split("Full text")[0]
    assert 'href="/documents/1#f1"' in html  # the concern it answers


@pytest.mark.parametrize("sentence", [
    "We have therefore written to both the Royal College of Pathologists and the Royal College of Obstetricians asking "
    "them to consider your report.",
    "The Trust has since introduced a second check of every discharge summary.",
    "We have subsequently updated the escalation policy for all wards.",
])
def test_a_done_action_with_an_adverb_after_have_is_an_action(sentence):
    from corpus.extract.respond import free_actions

    acts = free_actions(sentence, "University Hospitals Bristol and Weston NHS Foundation Trust")
    assert [a.tense for a in acts] == ["done"]


# ---- owners are real bodies: an action plan's lead cell names bodies beside roles and teams

@pytest.mark.parametrize("cell,bodies", [
    ("Chief Executive and Chief Officers for; Leads1) Birmingham Children's Social Care 2) National Probation Service "
     "Wales; 3) National Probation Service - Midlands 4) West Midlands Police 5) Birmingham Cross City CCG 6) West "
     "Mercia Police 7) Birmingham Women's Hospital NHS Foundation Trust",
     {"National Probation Service", "West Midlands Police", "West Mercia Police", "Birmingham Cross City CCG",
      "Birmingham Women's NHS Foundation Trust"}),  # one trust, written with "Hospital" here and without it elsewhere
    ("Public Protection ACO Wales Probation Trust", {"Wales Probation Trust"}),
    ("Wales Probation Trust and SWMPT Senior Management Team", {"Wales Probation Trust"}),
    ("Superintendent Sandwell LPU and offender management 'silver' lead and DCI", set()),
    ("West Midlands Police", {"West Midlands Police"}),
    ("Corporate Parent Board", {"Corporate Parent Board"}),
    ("Police and Crime Commissioner for the West Midlands", None),  # one body, kept as one
])
def test_owner_cells_count_the_bodies_they_name(cell, bodies):
    from search.ledger.commitments import owner_orgs

    got = {o["name"] for o in owner_orgs(cell)}
    if bodies is None:
        assert len(got) == 1
    else:
        assert bodies <= got and not any("Officers for" in g or "SWMPT Senior" in g or "ACO" in g or "DCI" in g
                                          for g in got), got


def test_a_force_named_as_police_or_constabulary_is_one_organisation():
    from corpus.orgs.keys import normalise_org

    assert normalise_org("West Mercia Constabulary").key == normalise_org("West Mercia Police").key
    assert normalise_org("Chief Constable, Northshire Constabulary").key == normalise_org("Northshire Police").key
    assert normalise_org("West Mercia Constabulary").name == "West Mercia Constabulary"  # written as the text has it
    assert normalise_org("HM Inspectorate of Constabulary").key != normalise_org("HM Police").key


def test_an_answer_loses_framing_at_its_end_too():
    from corpus.extract.respond import strip_framing

    text = ("Since April 2019 the force has recruited six dedicated minute takers. With regard to the specific concerns "
            "raised by H.M Coroner our responses are as follows:")
    assert strip_framing(text) == "Since April 2019 the force has recruited six dedicated minute takers."


def test_precedent_show_text_says_who_responded_and_what_they_did(lib):
    from click.testing import CliRunner

    from precedent import cli

    out = CliRunner().invoke(cli, ["show", "2", "--library", str(lib.path)])
    assert out.exit_code == 0, out.output
    head = out.output.split("Dear coroner")[0]
    assert "Respondent: Transport for London" in head
    assert "Responds to: [doc 1] Terence Gillard — PFD report 2025-0264" in head
    assert "TfL will monitor the new crossings for 48 months" in head and "answers Concern 1" in head


def test_a_promise_that_leads_into_a_list_is_logged_with_its_list(library):
    """"We will ensure that all offenders subject to notification requirements:" was logged cut
    off at its colon; the list that completes it follows in the letter."""
    from search.ledger.commitments import list_commitments

    lead = "We will ensure that all offenders subject to notification requirements:"
    letter = ("Dear Coroner,\n\n" + lead + "\n\n- Register as required.\n- Are visited at their registered address.\n\n"
              "The vast majority of offenders are managed by one agency.")
    start = letter.index(lead)
    with library.store.transaction() as t:
        rows.insert_document(t, id=1, content_hash=_h(letter), title="West Midlands Police — response to a PFD report",
                             type="pfd_response", date="2024-05-08", reference=None, source="test/1.txt", text=letter,
                             blocks=[[0, len(letter), None, 1]], meta={"respondent": "West Midlands Police"})
        rows.insert_passages(t, 1, [(letter, None, 1, 0, len(letter))])
        rows.insert_action(t, 1, 0, "commitment", lead, "West Midlands Police", None, None, None, None, 1, start,
                           start + len(lead), id=1)
    (rec,) = list_commitments(library, as_of="2026-11-29")["commitments"]
    assert rec["text"] == lead + " Register as required; Are visited at their registered address."
    from search.responses.unlinked import response_view

    assert response_view(library, 1)["actions"][0]["text"] == rec["text"]  # precedent show --json agrees


def test_report_pages_and_show_json_show_answers_without_their_preamble(library):
    """The ledger dropped "… our response is detailed below." but the report page, the search
    cards and `precedent show --json` still opened the answer with it."""
    from search.query import finding_actions
    from search.responses.unlinked import response_view

    report = "CONCERNS\n\nThe MARAC minutes were not shared."
    answer = ("With regard to concerns raised on MARAC, our response is detailed below. Since April 2019 the force "
              "has recruited six dedicated minute takers.")
    with library.store.transaction() as t:
        rows.insert_document(t, id=1, content_hash=_h(report), title="Jane Doe — PFD report 2019-0100", type="pfd_report",
                             date="2019-03-01", reference="2019-0100", source="test/1.txt", text=report,
                             blocks=[[0, len(report), None, 1]], meta={"recipients": ["West Midlands Police"]})
        rows.insert_document(t, id=2, content_hash=_h(answer), title="West Midlands Police — response to a PFD report",
                             type="pfd_response", date=None, reference=None, source="test/2.txt", text=answer,
                             blocks=[[0, len(answer), None, 1]], meta={"respondent": "West Midlands Police"})
        rows.insert_finding(t, 1, 0, "concern", "Concern 1", "The MARAC minutes were not shared.", [], None, 1, 0, 10,
                            id=1)
        rows.insert_action(t, 2, 0, "response", answer, "West Midlands Police", None, None, None, None, 1, 0,
                           len(answer), finding_ids=[1], id=1)
        t.execute("INSERT INTO links(response_id, report_id, confidence, evidence) VALUES (2, 1, 1.0, '{}')")
    assert finding_actions(library, [1])[1][0]["text"].startswith("Since April 2019")
    assert response_view(library, 2)["actions"][0]["text"].startswith("Since April 2019")
    from webui import create_app

    case = create_app({"TESTING": True, "LIBRARY": library}).test_client().get("/cases/1.json").get_json()
    assert case["actions"] and all(a["text"].startswith("Since April 2019") for a in case["actions"])
    story_acts = [a for c in case["story"]["outcome"].get("concerns", []) for a in c.get("actions", [])]
    assert all(a["text"].startswith("Since April 2019") for a in story_acts)
