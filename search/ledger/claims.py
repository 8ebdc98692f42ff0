"""Each ledger row's claim (asked of / promised / answer), its owner with the text that names
the owner, and why it is overdue.

``claim_fields(row, orgs) -> dict`` adds to a ledger record:

* ``claim``, ``claim_p``: ``asked_of``, ``promised``, ``answer`` or ``not_action`` and how sure
  (``corpus.extract.claims``: a learned model over the row's sentence);
* ``owner_role``: an addressee that is a role or group rather than one body ("chief constables",
  "the regional armed policing lead"), shown as the owner when no organisation is;
* ``owner_evidence``: ``{"from", "text"}``, where the owner was read: ``"sentence"`` (the row's own
  sentence names it: "The DVSA also continues …"), ``"owner cell"`` (an action plan's lead),
  ``"heading"`` (the agency heading the row sits under, when the lead is a post: "Head of
  Safeguarding"), ``"document"`` (the body the document is about, for "the force should …") or
  ``"writer"`` (a letter's writer, as the dataset or the letterhead names it);
* ``overdue`` and ``overdue_reason``: a promise is overdue when its due date has passed and it is
  not marked completed; an asked-of row only when the document itself set the deadline ("By 31
  October 2023, chief constables should …") and no completion is recorded; an answer never.
"""
from __future__ import annotations

import re
from typing import Any

from corpus.extract.claims import claim_of
from corpus.orgs import ROLE_WORD, bodies_named_in, known_bodies_named_in, known_org_counts, normalise_org, org_type

__all__ = ["claim_fields", "overdue_reason", "sentence_owner"]

DONE = {"completed", "complete", "closed", "done"}
_SUBJECT_END = re.compile(r"\b(?:will|shall|should|must|has|have|had|is|are|was|were|continues?|can|would|could|"
                          r"may|plans?|intends?|aims?|propose[sd]?|undert(?:ook|akes?)|ensures?)\b", re.I)
_GENERIC_BODY = re.compile(r"^\s*(?:the\s+)?(force|trust|council|board)\s*$", re.I)
_GENERIC_TYPE = {"force": "police", "trust": "nhs_trust", "council": "local_authority"}
_HEADING_MARKUP = re.compile(r"<[^>]+>|\*\*|^#+|\t+")


def sentence_owner(text: str, writer_key: str | None = None) -> Any:
    """The known body the row's sentence names as its subject (the words before its first verb),
    if it is not the writer: "The MHCLG Homelessness Advice and Support Team will …" -> MHCLG."""
    t = " ".join((text or "").split())
    m = _SUBJECT_END.search(t[:200])
    subject = t[: m.start()] if m else ""
    if not subject or re.match(r"^\W*(?:we|i|our|my|us)\b", subject, re.I):
        return None
    found = [b for b in known_bodies_named_in(subject) if b.key and b.key != writer_key]
    return found[0] if found else None


def _heading_body(before: str | None):
    """The body whose heading an action plan's row sits under: the nearest earlier line that is
    nothing but one body's name ("<b>Birmingham Women's NHS Foundation Trust</b>")."""
    for line in reversed((before or "").splitlines()):
        t = " ".join(_HEADING_MARKUP.sub(" ", line).split()).strip(" :-")
        if not t or len(t.split()) > 9:
            continue
        found = bodies_named_in(t)
        if len(found) == 1 and found[0].key and len(found[0].name.split()) >= len(t.split()) - 1:
            return found[0], t
    return None


def _document_body(doc_text: str | None, kind: str):
    """The body of ``kind`` (police, nhs_trust …) the document names most."""
    counts = known_org_counts(doc_text or "")
    best = [(n, name) for name, n in counts.items() if org_type(name) == kind]
    if not best:
        return None
    name = max(best)[1]
    o = normalise_org(name)
    return o if o.key else None


def _org(o) -> dict:
    return {"key": o.key, "name": o.name, "type": org_type(o.name)}


def overdue_reason(claim: str, due: str | None, status: str | None, due_text: str | None, as_of: str) -> str | None:
    """Why a row is overdue on ``as_of``, or None when it is not."""
    if not due or due >= as_of or (status or "").lower() in DONE:
        return None
    if claim == "promised":
        return f"promised by {due} and not marked completed"
    if claim == "asked_of" and due_text:
        return f"asked of it by {due}, a deadline the document set; no completion recorded"
    return None


def claim_fields(r: dict, orgs: list[dict], respondent: str | None, as_of: str,
                 doc_text: str | None = None) -> dict[str, Any]:
    """The fields above for one ledger record ``r`` whose owner cell named ``orgs``."""
    claim, p = claim_of(r["text"], r["document_type"], r["kind"], r.get("due"), r.get("status"), r.get("owner"),
                        r.get("document_date"))
    owner = r.get("owner") or ""
    evidence: dict[str, str] | None = None
    role = None
    writer = normalise_org(respondent) if respondent else None
    if r["document_type"] == "pfd_response" or (writer and writer.key):
        named = sentence_owner(r["text"], writer.key if writer else None)
        if named is not None:
            orgs, evidence = [_org(named)], {"from": "sentence", "text": r["text"]}
        elif orgs:
            evidence = {"from": "writer", "text": f"the letter's writer: {respondent or orgs[0]['name']}"}
    if evidence is None and r["document_type"] in ("action_plan", "minutes", "inspection", "other"):
        known = [o for o in orgs if o["key"] and normalise_org(o["name"]).key and " " in o["name"]]
        if known:
            orgs, evidence = known, {"from": "owner cell", "text": owner}
        else:
            g = _GENERIC_BODY.match(owner)
            heading = _heading_body(r.get("before")) if r["document_type"] == "action_plan" else None
            body = _document_body(doc_text, _GENERIC_TYPE[g.group(1).lower()]) if g else None
            if body is not None:
                orgs = [_org(body)]
                evidence = {"from": "document", "text": f"{owner!s} — the document is about {body.name}"}
            elif heading is not None and not _is_group(owner):
                orgs, evidence = [_org(heading[0])], {"from": "heading", "text": heading[1]}
            elif owner:
                orgs, role = [], owner.strip()
                evidence = {"from": "sentence" if owner.lower() in r["text"].lower() else "owner cell",
                            "text": r["text"] if owner.lower() in r["text"].lower() else owner}
    reason = overdue_reason(claim, r.get("due"), r.get("status"), r.get("due_text"), as_of)
    return {"claim": claim, "claim_p": p, "organisations": orgs, "owner_role": role, "owner_evidence": evidence,
            "overdue": reason is not None, "overdue_reason": reason}


def _is_group(owner: str) -> bool:
    """An addressee that is a class of bodies or posts ("chief constables", "all forces")."""
    words = re.findall(r"[A-Za-z]+", owner.lower())
    return bool(words) and (words[0] in ("all", "each", "every") or words[-1].endswith("s") and
                            bool(ROLE_WORD.fullmatch(words[-1][:-1]) or words[-1] in ("forces", "constables")))
