"""Issue 10, session 6: actions from free-form responses and their pairing to the report's concerns."""
from __future__ import annotations

import json

from corpus.extract.common import mask
from corpus.extract.letters import actions_of_linked, extract_letter
from corpus.extract.respond import answer_sentences, free_actions, tense_of
from index.responses.answering import action_context, pair_actions, settle_response

NUMBERED = """Dear Coroner,

Thank you for your report. Our response is set out below.

1. The patient's repositioning schedule was not adhered to on 22 occasions on the ward.

In response, a weekly audit of repositioning is now being conducted on the ward, with feedback to staff.

2. The wound care plan was not completed at any stage.

The wound assessment chart has been updated and staff are being trained in its use.

Wider learning

The case has been shared at the Care Quality Meeting to disseminate learning.

Yours sincerely,
Chief Executive
"""


def test_a_numbered_points_answer_is_read_and_answers_that_point():
    findings, actions = extract_letter(mask(NUMBERED))
    assert [f.label for f in findings] == ["Concern 1", "Concern 2"]
    assert findings[0].text.startswith("The patient's repositioning schedule")
    assert "weekly audit" not in findings[0].text  # the answer is not the restated point
    by_text = {a.text[:30]: a.finding_indexes for a in actions}
    audit = next(a for a in actions if "weekly audit" in a.text)
    chart = next(a for a in actions if "assessment chart has been updated" in a.text)
    shared = next(a for a in actions if "Care Quality Meeting" in a.text)
    assert audit.finding_indexes == [findings[0].index], by_text
    assert chart.finding_indexes == [findings[1].index]
    assert shared.finding_indexes == []  # under its own heading, after the last point: the report as a whole
    assert not any(a.text.startswith("The patient's repositioning") for a in actions)


def test_perfect_and_simple_past_of_the_respondent_are_done_but_knowing_and_saying_are_not():
    assert tense_of("The practice issues have been addressed with the practitioner and lessons disseminated.") == "done"
    assert tense_of("A laminated quick reference guide has been produced for the wards.") == "done"
    assert tense_of("In November 2023 the service launched a new set of forms to record concerns.") == "done"
    assert tense_of("Specifically, two new sections were added to the driver handbook.") == "done"
    assert tense_of("We have been told that the family were not informed.") is None
    assert tense_of("Monitoring of the service had not identified any emerging risk since then.") is None


def test_advice_to_others_possibility_noting_and_purpose_are_not_actions():
    text = ("We recommend that all hospital switchboards have a master copy of specialist contact details.\n\n"
            "This may require careful negotiation in cases where multiple conditions are being managed.\n\n"
            "I note that your Report has also been sent to the Trust and the Hospital.\n\n"
            "These actions aim to enhance patient safety and improve pressure ulcer prevention.\n\n"
            "Guidelines have already been shared with all Directorates to make sure staff are aware.\n")
    got = [a.text for a in free_actions(text, "George Eliot Hospital NHS Trust")]
    assert got == ["Guidelines have already been shared with all Directorates to make sure staff are aware."]


def test_a_letter_stating_no_action_still_answers_the_report():
    text = ("Thank you for your report on the death of the child. Our condolences are with the family.\n\n"
            "Ultrasound is operator dependent and there is a considerable learning curve.\n\n"
            "In conclusion, we recognise that the diagnosis can be challenging both clinically and radiologically.\n")
    assert free_actions(text, None) == []
    got = answer_sentences(text, None)
    assert got and got[0].tense == "response" and "In conclusion" in got[0].text
    acts = actions_of_linked(mask(text))
    assert acts and all(a.kind == "response" for a in acts)
    assert not any("condolences" in a.text or "Thank you" in a.text for a in acts)


def test_a_heading_above_an_action_pairs_it_with_the_concern_it_names():
    letter = ("Contacting specialist centres\n\nA switchboard list has been produced for the wards.\n\n"
              "Transfer responsibility\n\nA daily huddle has been set up with the operations team.\n")
    s1 = letter.index("A switchboard")
    s2 = letter.index("A daily huddle")
    assert action_context(letter, s1, s1 + 50).startswith("Contacting specialist centres")
    concerns = [(1, "Staff may not know when to contact specialist centres"),
                (2, "It is unclear who is responsible for the transfer of patients")]
    acts = [(10, "A switchboard list has been produced for the wards.", []),
            (11, "A daily huddle has been set up with the operations team.", [])]
    ctx = {10: action_context(letter, s1, s1 + 50), 11: action_context(letter, s2, s2 + 56)}
    assert pair_actions(concerns, [], acts, contexts=ctx) == {10: [1], 11: [2]}
    assert pair_actions(concerns, [], acts, contexts=ctx, context_weight=0.0) == {}  # the sentences alone name neither


def test_a_linked_letter_with_no_stored_action_gets_actions_paired_at_link_time(library):
    from index import rows

    c = library.store.conn
    report_text = "Matters of concern: staff did not escalate concerns about nutrition when the resident was not eating."
    rep = rows.insert_document(c, content_hash="r1", title="Jane Doe — PFD report 2024-0001", type="pfd_report",
                               date="2024-01-01", reference="2024-0001", source="r.txt", text=report_text,
                               blocks=[], meta={"recipients": ["Care Home Ltd"]})
    rows.insert_finding(c, rep, 0, "concern", "Concern 1", report_text, [], None, None, 0, len(report_text))
    letter = ("The care home has introduced a nutrition escalation form for staff, and training on escalating "
              "concerns about eating has been delivered to all carers.\n\nWe will audit the forms in March 2025.\n")
    resp = rows.insert_document(c, content_hash="l1", title="letter", type="other", date="2024-03-01", reference=None,
                                source="l.txt", text=letter, blocks=[], meta={})
    out = settle_response(c, resp, rep)
    acts = c.execute("SELECT id, kind, text, owner FROM actions WHERE document_id=?", (resp,)).fetchall()
    assert len(acts) >= 2 and out["actions"] == len(acts)
    paired = c.execute("SELECT COUNT(*) FROM action_findings af JOIN actions a ON a.id=af.action_id "
                       "WHERE a.document_id=?", (resp,)).fetchone()[0]
    assert paired >= 1
    assert c.execute("SELECT type FROM documents WHERE id=?", (resp,)).fetchone()[0] == "pfd_response"
    assert json.loads(c.execute("SELECT meta FROM documents WHERE id=?", (resp,)).fetchone()[0]) is not None
    settle_response(c, resp, rep)  # settling again adds nothing
    assert c.execute("SELECT COUNT(*) FROM actions WHERE document_id=?", (resp,)).fetchone()[0] == len(acts)


def test_an_action_no_concern_claims_answers_the_concern_the_letter_restated_above_it():
    concerns = [(1, "The diagnosis of retrocaecal appendicitis was not considered by the doctors"),
                (2, "Ultrasound scanning is not available out of hours in the emergency department")]
    letter = ("Thank you for your report.\n\nOf the matters of concern, one is for us: the ultrasound scanning out of "
              "hours in the emergency department is not available.\n\nThe College will share the learning with its members.\n")
    para2 = letter.index("Of the matters")
    at = letter.index("The College")
    acts = [(10, "The College will share the learning with its members.", [])]
    paras = [(0, "Thank you for your report."), (para2, letter[para2:at].strip()), (at, acts[0][1])]
    assert pair_actions(concerns, [], acts) == {}
    assert pair_actions(concerns, [], acts, restated=paras, positions={10: at}) == {10: [2]}
    assert pair_actions(concerns, [], acts, restated=paras, positions={10: 0}) == {}  # above the restatement: not it
