"""Findings and actions out of review documents, and the document's type.

Public API
----------
``classify(doc) -> str``       one of ``DOCUMENT_TYPES`` from text and layout (classify.py);
                               ``not_review`` / ``notes_score``: a README, notes or licence
                               (``NOT_REVIEW``), decided once nothing was extracted.
``extract(doc) -> Extraction`` the type plus ``Finding``s (concerns, recommendations, causes of
                               concern, areas for improvement, lessons, key findings) and
                               ``Action``s (responses, actions required, commitments) linked
                               to the findings they answer through ``finding_indexes``.
A response letter read alone: is it a response and what was done (respond.py: ``response_score``,
``free_actions``, ``strip_framing`` …); who is writing (respondent.py: the rules,
``choose_respondent``, ``respondent_from_text``; speaker.py: the learned model, ``speaking_for``,
``unlinked_respondent``). Organisation names themselves are ``corpus.orgs``.

Approach
--------
Rules, not models: the genres are few and formulaic, the output must point back at exact
text, and ~5,000 PFD reports must go through in seconds. Every parser reads
``common.mask(doc.text)`` — the canonical text with leftover markup (``<p>``, ``<b>``,
``&amp;``, markdown ``**``) overwritten in place by filler characters — so offsets found
there are offsets into ``doc.text`` whatever the reader stripped or kept, and whatever the
block split. Each type has its parser (one module each):

* ``pfd_report``   pfd.py — numbered (outermost level) coroner's concerns, boilerplate dropped.
* ``pfd_response`` letters.py — "Concern:/Response:" pairs, headed findings, or a numbered list
  of concerns answered under matching (fuzzy-titled) headings; "we will …" commitments.
* ``action_plan``  tables.py — tab-separated rows, columns found by header meaning, rows
  rebuilt across page breaks, sub-actions aligned positionally with leads and dates.
* ``inspection``   inspection.py — "Recommendation N" with deadline and addressee, causes of
  concern, AFI sections, Ofsted "What needs to improve".
* ``minutes``      minutes.py — bold / "ACTION –" actions with owners, lessons learned.
* ``other``        the inspection and letter rules, which only fire on explicit labels.

Known limits: bold-only actions in minutes are found only if the reader keeps ``**``/``<b>``;
a letter that answers concerns without headings, pairs or numbering yields findings only.
"""
from __future__ import annotations

from corpus.records import Action, Document, Extraction, Finding
from corpus.extract.classify import NOT_REVIEW, classify, not_review, notes_score, scores
from corpus.extract.common import mask, paragraphs
from corpus.extract.inspection import deadline_and_who, extract_inspection, split_addressees
from corpus.extract.letters import actions_of_linked, extract_letter
from corpus.extract.minutes import extract_minutes
from corpus.extract.respond import (
    CANDIDATE_MIN,
    RESPONSE_MIN,
    answer_sentences,
    due_in,
    free_actions,
    imperative_with_timing,
    response_score,
    split_sentences,
    strip_framing,
    with_its_list,
    tense_of,
)
from corpus.extract.respondent import choose_respondent, phrase_start, recipient_spans, respondent_from_text
from corpus.extract.pfd import extract_pfd_concerns, recipients_from_text
from corpus.extract.speaker import fit, probability, recipient_features, speaking_for, unlinked_respondent
from corpus.extract.tables import extract_tables, header_roles, name_only

__all__ = [
    "CANDIDATE_MIN", "RESPONSE_MIN",
    "NOT_REVIEW", "actions_of_linked", "answer_sentences", "choose_respondent", "classify", "deadline_and_who", "due_in", "extract",
    "extract_inspection", "extract_letter", "extract_pfd_concerns", "fit", "free_actions", "header_roles",
    "imperative_with_timing", "mask", "name_only", "paragraphs", "phrase_start", "probability", "recipient_features",
    "recipient_spans", "respondent_from_text", "response_score", "scores", "speaking_for", "split_addressees",
    "split_sentences", "strip_framing", "with_its_list", "tense_of", "unlinked_respondent", "not_review", "notes_score",
]


def extract(doc: Document) -> Extraction:
    """The type (a reader's own type wins unless it is "other") and what the text holds."""
    kind = doc.type if doc.type and doc.type != "other" else classify(doc)
    raw = doc.text
    text = mask(raw)
    findings: list[Finding]
    actions: list[Action]
    if kind == "pfd_report" and not doc.meta.get("recipients"):
        found = recipients_from_text(raw)
        if found:  # stored with the document, and used as the concerns' addressees
            doc.meta["recipients"] = found
    if kind == "pfd_report":
        findings, actions = extract_pfd_concerns(doc, text), []
    elif kind == "pfd_response":
        findings, actions = extract_letter(text, owner=doc.meta.get("respondent"))
    elif kind == "action_plan":
        findings, actions = extract_tables(text)
        if not findings:
            findings, actions = extract_inspection(text)
    elif kind == "inspection":
        findings, actions = extract_inspection(text)
    elif kind == "minutes":
        findings, actions = extract_minutes(raw, text)
    else:
        findings, actions = extract_inspection(text)
        if not findings:
            findings, actions = extract_letter(text, owner=doc.meta.get("respondent"))
            if not findings and response_score(raw) < RESPONSE_MIN:
                actions = []  # commitments alone do not make an unknown document a letter
    if not_review(doc, findings, actions):  # a README, notes, a licence: listed, not shown as a review
        kind = NOT_REVIEW
    _locate(doc, findings, actions)
    return Extraction(type=kind, findings=findings, actions=actions)


def _locate(doc: Document, findings: list[Finding], actions: list[Action]) -> None:
    """Fill section/page from the block each item starts in, and renumber findings 0..n-1."""
    spans = doc.block_spans()
    remap = {}
    for i, f in enumerate(findings):
        remap[f.index] = i
        f.index = i
        blk = _block_at(spans, f.start)
        if blk is not None:
            f.section = f.section or blk.section
            f.page = f.page if f.page is not None else blk.page
    for a in actions:
        a.finding_indexes = [remap.get(i, i) for i in a.finding_indexes]
        blk = _block_at(spans, a.start)
        if blk is not None and a.page is None:
            a.page = blk.page


def _block_at(spans, pos):  # type: ignore[no-untyped-def]
    if pos is None:
        return None
    for s, e, b in spans:
        if s <= pos <= e:
            return b
    return None
