"""QA round 2 (helper qa40): issue 10 end to end, as a user meets it. Each test failed before its fix."""
from __future__ import annotations

from corpus.orgs.cells import action_owner
from search.ledger.commitments import commitment_record

RCPCH = "Royal College of Paediatricians and Child Health"
UHCW = "University Hospital of Coventry and Warwickshire NHS Trust"


def _row(text, owner, respondent, how="report recipients", kind="commitment"):
    return {"id": 1, "document_id": 2, "seq": 0, "kind": kind, "text": text, "owner": owner, "due": None,
            "due_text": None, "updated": None, "status": None, "page": None, "finding_id": None,
            "document_title": "t", "document_type": "pfd_response", "document_date": None,
            "document_meta": {"respondent": respondent, "respondent_from": how}}


def test_an_owner_that_is_part_of_the_respondents_name_is_the_respondent():
    # "The College will …" in the RCPCH letter; "The Royal College of General Practitioners remains
    # committed …" read as "General Practitioners": both are the respondent speaking of itself
    assert action_owner("College", "The College will be sharing information with our members.", RCPCH,
                        "report recipients") == RCPCH
    rcgp = "Royal College of General Practitioners"
    assert action_owner("General Practitioners", f"The {rcgp} remains committed to supporting education.",
                        rcgp, "report recipients") == rcgp


def test_the_respondent_as_subject_wins_over_a_body_named_after_it():
    text = ("UHCW has Service Level Agreements with George Eliot Hospital and with South Warwickshire "
            "Foundation Trust that UHCW will provide onsite Renal Consultant review upon request.")
    assert action_owner("George Eliot Hospital", text, UHCW, "report recipients") == UHCW
    # another body as the subject still owns its action
    other = "The Metropolitan Police Service will review its guidance with the Trust."
    assert action_owner("Metropolitan Police Service", other, UHCW, "report recipients") == "Metropolitan Police Service"


def test_a_respondents_commitment_counts_for_that_organisation_not_a_fragment_of_its_name():
    for who in ("Royal College of Radiologists", RCPCH, UHCW):
        rec = commitment_record(_row("We will publish new guidance in 2025.", None, who), "2026-01-01")
        assert [o["key"] for o in rec["organisations"]] == [rec["organisations"][0]["key"]]
        assert rec["organisations"][0]["name"] == who, rec["organisations"]


def test_an_action_paired_to_another_reports_concern_is_not_spread_over_this_reports_concerns(library):
    """A letter answering two reports (the East Riding letter): its actions paired to report B's concern
    were listed under every concern of report A too (the old 'free-form reply answers them all'
    fallback took the letter's first five actions, paired or not). Only the actions paired to nothing
    (the report as a whole) answer every concern."""
    from index.rows import insert_action, insert_finding
    from tests.support.ledger_data import insert_text_document as insert
    from search.query import finding_actions

    with library.store.transaction() as c:
        a = insert(c, "Report A", "pfd_report", "report a text", "2024-0001", "2024-01-01")
        b = insert(c, "Report B", "pfd_report", "report b text", "2024-0002", "2024-01-01")
        a1 = insert_finding(c, a, 0, "concern", "Concern 1", "Carers spent too little time.", [], None, None, 0, 5)
        a2 = insert_finding(c, a, 1, "concern", "Concern 2", "Carers did not escalate.", [], None, None, 5, 9)
        b1 = insert_finding(c, b, 0, "concern", "Concern 1", "The referral was not followed up.", [], None, None, 0, 5)
        letter = insert(c, "letter", "pfd_response", "council letter", None, None,
                        {"respondent": "East Riding of Yorkshire Council", "respondent_from": "report recipients"})
        x = insert_action(c, letter, 0, "action_taken", "Referrals are now followed up within a day.", None, None,
                          None, None, None, None, 0, 5, finding_ids=[b1])
        y = insert_action(c, letter, 1, "action_taken", "The service has launched a safeguarding audit.", None, None,
                          None, None, None, None, 5, 9)
        for rep in (a, b):
            c.execute("INSERT INTO links(response_id, report_id, confidence, evidence) VALUES (?,?,0.97,'{}')",
                      (letter, rep))
    acts = finding_actions(library, [a1, a2, b1])
    for f in (a1, a2):
        assert [r["id"] for r in acts[f]] == [y]
    ids_b = [r["id"] for r in acts[b1]]
    assert x in ids_b and len(ids_b) == len(set(ids_b))


def _two_reports_one_letter(library, text_b="report b text"):
    from index.rows import insert_action, insert_finding
    from tests.support.ledger_data import insert_text_document as insert

    with library.store.transaction() as c:
        a = insert(c, "Report A", "pfd_report", "report a text", "2024-0001", "2024-01-01")
        b = insert(c, "Report B", "pfd_report", text_b, "2024-0002", "2024-01-01")
        a1 = insert_finding(c, a, 0, "concern", "Concern 1", "Carers spent too little time.", [], None, None, 0, 5)
        b1 = insert_finding(c, b, 0, "concern", "Concern 1", "The referral was not followed up.", [], None, None, 0, 5)
        letter = insert(c, "letter", "pfd_response", "council letter", None, None,
                        {"respondent": "East Riding of Yorkshire Council", "respondent_from": "report recipients"})
        acts = [insert_action(c, letter, i, "action_taken", t, None, None, None, None, None, None, 0, 5, finding_ids=f)
                for i, (t, f) in enumerate([("Referrals are now followed up within a day.", [b1]),
                                            ("Visits now last at least thirty minutes.", [a1]),
                                            ("A new model was introduced for both services.", [a1, b1]),
                                            ("The service has launched a safeguarding audit.", [])])]
        for rep in (a, b):
            c.execute("INSERT INTO links(response_id, report_id, confidence, evidence) VALUES (?,?,0.97,'{}')",
                      (letter, rep))
    return a, b, a1, b1, letter, acts


def test_a_case_lists_the_letters_actions_for_its_own_report_only(library):
    from search.cases.cases import get_case

    a, b, a1, b1, letter, (x_b, y_a, z_ab, w_all) = _two_reports_one_letter(library)
    case_a = get_case(library, a, as_of="2026-01-01")
    assert {r["id"]: r["finding_id"] for r in case_a["actions"]} == {y_a: a1, z_ab: a1, w_all: None}
    case_b = get_case(library, b, as_of="2026-01-01")
    assert {r["id"]: r["finding_id"] for r in case_b["actions"]} == {x_b: b1, z_ab: b1, w_all: None}


LONG = ("The SLA and guideline set up a clear framework to ensure good communication between the Trusts, including "
        "timely investigation and treatment of every renal patient admitted under another specialty, with named "
        "consultants on both sites and a shared escalation route that is available at any hour of the day or night. "
        "Additionally, processes to document communication between renal teams have been agreed, audited monthly "
        "and reported to both boards, so that any missed contact is seen within a week and acted upon promptly.")


def test_pages_never_cut_a_commitment_mid_sentence(library):
    """The ledger, organisation and response pages cut an action at 300/400 characters ('… renal teams
    have ...'), which the JSON twin holds whole: a cut, if any, falls at a sentence's end."""
    import re

    from webui import create_app

    a, b, a1, b1, letter, acts = _two_reports_one_letter(library)
    with library.store.transaction() as c:
        c.execute("UPDATE actions SET text=? WHERE id=?", (LONG, acts[1]))
    client = create_app({"TESTING": True, "LIBRARY": library}).test_client()
    for url in ("/commitments", f"/documents/{letter}", "/organisations/east-riding-of-yorkshire-council",
                f"/documents/{a}"):
        page = client.get(url)
        assert page.status_code == 200, url
        html = page.get_data(as_text=True)
        shown = re.search(r"The SLA and guideline[^<]*", html)
        assert shown, url
        s = shown.group(0).rstrip()
        assert s.endswith((".", "[…]")) and "..." not in s, (url, s[-60:])


def test_a_letter_answering_two_reports_says_which_reports_concern_an_action_answers(library):
    from webui import create_app

    a, b, a1, b1, letter, acts = _two_reports_one_letter(library)
    client = create_app({"TESTING": True, "LIBRARY": library}).test_client()
    data = client.get(f"/documents/{letter}.json").get_json()
    z = next(x for x in data["actions"] if x["id"] == acts[2])
    assert {d["report"] for d in z["answers_detail"]} == {"2024-0001", "2024-0002"}
    html = client.get(f"/documents/{letter}").get_data(as_text=True)
    assert "Concern 1</a> of 2024-0001" in html and "Concern 1</a> of 2024-0002" in html


def test_an_organisation_page_does_not_call_a_letters_answer_a_commitment(library):
    """A letter stating no action keeps up to two sentences of its answer (kind "response", 10a's
    never-nothing fallback): "In conclusion, we recognise that the diagnosis … can be challenging" was
    listed and counted under "Commitments made" on the Royal College of Radiologists' page. Answers
    are counted and listed apart; the ledger still lists them, marked as answers."""
    from webui import create_app

    a, b, a1, b1, letter, acts = _two_reports_one_letter(library)
    answer = "In conclusion, we recognise that the diagnosis can be challenging both clinically and radiologically."
    from index.rows import insert_action

    with library.store.transaction() as c:
        ans = insert_action(c, letter, 9, "response", answer, None, None, None, None, None, None, 0, 5,
                            finding_ids=[a1])
    client = create_app({"TESTING": True, "LIBRARY": library}).test_client()
    org = client.get("/organisations/east-riding-of-yorkshire-council.json").get_json()
    assert ans not in [c["id"] for c in org["commitments"]]
    assert [c["id"] for c in org["answers"]] == [ans]
    assert org["counts"]["commitments"] == 4 and org["counts"]["answers"] == 1
    html = client.get("/organisations/east-riding-of-yorkshire-council").get_data(as_text=True)
    made = html.split("Promised by it")[1]
    assert "In conclusion, we recognise" in made.split("Answers in its letters")[1]
    assert "In conclusion, we recognise" not in made.split("Answers in its letters")[0]
    listing = client.get("/organisations.json").get_json()["organisations"]
    assert next(o for o in listing if o["key"] == "east-riding-of-yorkshire-council")["commitments"] == 4
    led = client.get("/commitments.json").get_json()
    assert ans in [c["id"] for c in led["commitments"]]  # the ledger keeps it, marked by its kind
    assert "pfd response · answer ·" in client.get("/commitments").get_data(as_text=True)


def test_a_response_page_shows_an_answer_as_an_answer_not_an_action_with_status(library):
    from index.rows import insert_action
    from webui import create_app

    a, b, a1, b1, letter, acts = _two_reports_one_letter(library)
    answer = "In conclusion, we recognise that the diagnosis can be challenging both clinically and radiologically."
    with library.store.transaction() as c:
        insert_action(c, letter, 9, "response", answer, None, None, None, None, None, None, 0, 5)
    html = create_app({"TESTING": True, "LIBRARY": library}).test_client().get(f"/documents/{letter}").get_data(
        as_text=True)
    assert "Actions in this response (4)" in html and "and 1 answer with no action stated" in html
    item = html.split("In conclusion, we recognise")[1].split("</li>")[0]
    assert "the letter's answer" in item and "status:" not in item


def test_cli_show_marks_an_answer_as_the_letters_answer(library):
    from click.testing import CliRunner

    from index.rows import insert_action
    from precedent import cli

    a, b, a1, b1, letter, acts = _two_reports_one_letter(library)
    with library.store.transaction() as c:
        insert_action(c, letter, 9, "response", "In conclusion, we recognise the difficulty.", None, None, None, None,
                      None, None, 0, 5)
    out = CliRunner().invoke(cli, ["show", str(letter), "--library", str(library.path)]).output
    line = out.split("In conclusion, we recognise the difficulty.")[1].splitlines()[1]
    assert "the letter's answer" in line and "status" not in line


def test_a_case_outcome_counts_its_own_reports_actions_not_answers(library):
    from index.rows import insert_action
    from search.cases.cases import get_case
    from search.cases.story import outcome

    a, b, a1, b1, letter, acts = _two_reports_one_letter(library)
    with library.store.transaction() as c:
        insert_action(c, letter, 9, "response", "In conclusion, we recognise the difficulty.", None, None, None, None,
                      None, None, 0, 5)
    row = library.store.document(a)
    o = outcome(library, row, None, "2026-01-01")
    assert o["commitments"] == 3  # y_a, z_ab and the one answering the report as a whole; not x_b, not the answer
    assert get_case(library, a, as_of="2026-01-01") is not None


def test_warned_before_promises_of_a_multi_report_letter_are_its_own_reports(library):
    from search.responses.warned_before import promised_actions

    a, b, a1, b1, letter, (x_b, y_a, z_ab, w_all) = _two_reports_one_letter(library)
    got = [r["id"] for r in promised_actions(library, 10**6, a, set(), limit=10)]
    assert x_b not in got and {y_a, z_ab, w_all} <= set(got)


def test_a_case_shows_the_reports_concerns_once_not_again_as_a_letter_restates_them(library):
    """Case 2024-0596 listed 13 'Concerns and recommendations': its 6, the CQC letter's restatement of
    the same 6, and one more. A letter's concerns restate the report's; the case shows the report's."""
    from index.rows import insert_finding
    from search.cases.cases import get_case

    a, b, a1, b1, letter, acts = _two_reports_one_letter(library)
    with library.store.transaction() as c:
        insert_finding(c, letter, 0, "concern", "Concern 1", "Carers spent too little time.", [], None, None, 0, 5)
    case = get_case(library, a, as_of="2026-01-01")
    assert [f["id"] for f in case["findings"]] == [a1]


def test_a_case_page_and_its_outcome_count_the_same_actions(library):
    """Case 2024-0596 said "11 of 17 actions done" above "Actions (24)": the seven more were the
    two-report letter's actions for 2024-0595, a report that only mentions the same death."""
    from search.cases.cases import get_case
    from search.cases.story import outcome

    # report B names report A's reference: it is a "mentions" member of A's case
    a, b, a1, b1, letter, acts = _two_reports_one_letter(library, "report b text; see also report 2024-0001")
    case = get_case(library, a, as_of="2026-01-01")
    assert any(d["id"] == b and d["role"] == "mentions" for d in case["documents"])
    o = outcome(library, library.store.document(a), None, "2026-01-01")
    assert len([x for x in case["actions"] if x["claim"] == "promised"]) == o["commitments"] == 3
