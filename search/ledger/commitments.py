"""The commitments ledger: every action the library holds (responses, actions required,
commitments, updates), with its owner, due date and status, and whether it is overdue.

``list_commitments(lib, owner=None, status=None, overdue=None, as_of=None, due_from=None,
due_to=None, q=None, kind=None, limit=None, offset=0) -> dict``

* each row's ``claim``: ``asked_of`` (a recommendation addressed to a body), ``promised`` (a
  commitment or an action it reports) or ``answer`` (a letter's words that commit to nothing),
  with the owner's evidence (``search.ledger.claims``); rows that are no action are set aside.
* overdue = a promise whose due date is before ``as_of`` (default today) and not completed, or
  an asked-of row past a deadline its document set; ``overdue_reason`` says which.
* due dates are the extractor's; where it kept only the text ("by the end of Q3 2023") the
  date is parsed here with ``corpus.dates.parse_due``. "With immediate effect" stays undated.
* ``owner`` matches organisations by normalised name (``corpus.orgs.keys``): "WMP" finds
  "West Midlands Police"; an owner that names no organisation matches by words.
* ``status``: a stored status (completed, ongoing, not_started, red, amber, green), "open"
  (anything not completed) or "none" (not stated).
* ``q``: every word must appear in the action, its owner, the finding it answers or the
  document's title (case-insensitive).
"""
from __future__ import annotations

import csv
import io
import re
from typing import Any, Iterable

from corpus.dates import parse_due
from corpus.extract import with_its_list
from corpus.orgs import bodies_named_in, is_body_name, known_bodies_named_in
from corpus.orgs import normalise_org, org_type
from index.ledger import action_rows, finding_texts
from index.library import Library
from index.rows import document_meta

from search.as_of import as_of_date, check_date
from search.ledger.claims import claim_fields

COLUMNS = ["id", "claim", "text", "owner", "due", "due_text", "status", "overdue", "overdue_reason", "document_id",
           "finding_id", "document_title", "document_type", "kind"]
CSV_COLUMNS = COLUMNS + ["claim_p", "organisations", "organisation_keys", "organisation_types", "owner_role",
                         "owner_evidence_from", "owner_evidence", "finding_text", "document_date",
                         "document_date_precision", "updated", "page", "link"]
DONE = {"completed", "complete", "closed", "done"}


def split_owners(owner: str | None) -> list[str]:
    """An owner cell may name several: "the National Armed Policing Portfolio; the CoP"."""
    if not owner:
        return []
    # a numbered list in one cell ("Leads1) Birmingham Children's Social Care 2) National Probation
    # Service Wales; 3) …"): one part a number
    parts = re.split(r";|\n|(?:(?<=\s)|(?<=[a-z]))\(?\d{1,2}\)\s*", owner)
    return [p.strip(" ,.-") for p in parts if p.strip(" ,.-")]


_TEAM_END = re.compile(r"\b(?:team|teams|group|unit|panel|directorate|lead|leads)\s*$", re.I)


def _one_body(part: str, org) -> bool:
    """The cell is one body's name, not a role, rank or team beside one ("Public Protection ACO
    Wales Probation Trust", "Wales Probation Trust and SWMPT Senior Management Team")."""
    from corpus.orgs import ROLE_ABBREV, ROLE_WORD

    if not (org.key and is_body_name(org.name, part)) or _TEAM_END.search(org.name):
        return False
    # a role the name reader took off ("The Chief Executive of X" -> "X") is fine; one left inside is not
    return not any(ROLE_WORD.fullmatch(t) or t.lower() in ROLE_ABBREV for t in re.findall(r"[A-Za-z&']+", org.name))


def owner_orgs(owner: str | None) -> list[dict]:
    """[{key, name, type}] for each organisation an owner cell names (deduplicated). An action
    plan's lead cell often names a role or team beside its body ("Head of Protecting Vulnerable
    People. Warwickshire Police and West Mercia Police", "HOS, IASS"): the bodies named in it
    count; a cell naming none counts only if it reads as a body itself."""
    out, seen = [], set()
    for part in split_owners(owner):
        org = normalise_org(part)
        # a cell that reads as one body may still name others the library knows ("Head of Public
        # Protection West Midlands Police Head Workforce Development, …, Birmingham City Council")
        orgs = [org, *known_bodies_named_in(part)] if _one_body(part, org) else bodies_named_in(part)
        for o in orgs:
            if o.key and o.key not in seen:
                seen.add(o.key)
                out.append({"key": o.key, "name": o.name, "type": org_type(o.name)})
    return out


def is_overdue(due: str | None, status: str | None, as_of: str) -> bool:
    return bool(due) and due < as_of and (status or "").lower() not in DONE


def _rows(lib: Library) -> Iterable[dict]:
    for r in action_rows(lib):
        after = r.pop("after", None)
        if after:
            r["text"] = with_its_list(r["text"], after)
        yield r


def _matches_owner(wanted: str, row_orgs: list[dict], owner_text: str | None) -> bool:
    w = normalise_org(wanted)
    if w.key and any(o["key"] == w.key for o in row_orgs):
        return True
    # a part of a longer owner cell ("Wales Probation Trust and SWMPT Senior Management Team")
    hay = " " + re.sub(r"[^a-z0-9]+", " ", (owner_text or "").lower().replace("&", " and ")) + " "
    needle = re.sub(r"[^a-z0-9]+", " ", wanted.lower().replace("&", " and ")).strip()
    needle = re.sub(r"^the ", "", needle)
    if needle and f" {needle} " in hay:
        return True
    if w.key:
        keyed = " " + " ".join(o["key"].replace("-", " ") for o in row_orgs) + " "
        return f" {w.key.replace('-', ' ')} " in keyed
    return False


_AIM = re.compile(r"^\W*(?:aims?|objectives?)\s*:\s*[^.]*\.\s+(?=\S)", re.I)


def commitment_record(r: dict, as_of: str, finding_text: str | None = None) -> dict[str, Any]:
    due = r["due"] or (parse_due(r["due_text"]) if r.get("due_text") else None)
    dmeta = document_meta(r, "document_meta")
    before, doc_text = r.pop("before", None), r.pop("doc_text", None)
    # an action plan's "Aim: To ensure …" line states the purpose, not an action: the action follows it
    text = _AIM.sub("", r["text"]) if r["document_type"] in ("action_plan", "minutes") else r["text"]
    owner = r["owner"]  # a response's: its respondent's unless its sentence names another (settled when stored)
    resp = normalise_org(dmeta.get("respondent")) if dmeta.get("respondent") else None
    if resp and resp.key and owner and normalise_org(owner).key == resp.key:
        # the respondent is one organisation, named as such ("Royal College of Radiologists" is not
        # "Royal College", "University Hospital of Coventry and Warwickshire NHS Trust" not two bodies)
        orgs = [{"key": resp.key, "name": resp.name, "type": org_type(resp.name)}]
    else:
        orgs = owner_orgs(owner)
    if not orgs and resp and resp.key:
        # an owner that is a job title or a fragment ("And Chief Officers for"): the respondent
        orgs = [{"key": resp.key, "name": resp.name, "type": org_type(resp.name)}]
    if not orgs:
        # … or the organisation of the document it comes from
        orgs = owner_orgs(dmeta.get("organisation"))
    claim = claim_fields({**r, "text": text, "due": due, "before": before}, orgs, dmeta.get("respondent"), as_of,
                         doc_text)
    return {
        "id": r["id"],
        "text": text,
        "owner": owner,
        "due": due,
        "due_text": r["due_text"],
        "status": r["status"],
        "overdue": claim["overdue"],
        "overdue_reason": claim["overdue_reason"],
        "claim": claim["claim"],
        "claim_p": claim["claim_p"],
        "document_id": r["document_id"],
        "finding_id": r["finding_id"],
        "document_title": r["document_title"],
        "document_type": r["document_type"],
        "document_date": r.get("document_date"),
        # a letter with no date of its own is dated by its file's upload month: published by then
        "document_date_precision": ("published_by" if dmeta.get("date_approx") else
                                    "day" if len(r.get("document_date") or "") >= 10 else
                                    "month" if r.get("document_date") else None),
        "kind": r["kind"],
        "updated": r.get("updated"),
        "page": r.get("page"),
        "organisations": claim["organisations"],
        "owner_role": claim["owner_role"],
        "owner_evidence": claim["owner_evidence"],
        "finding_text": finding_text,
        "link": f"/documents/{r['document_id']}",
    }


def all_commitments(lib: Library, as_of: str | None = None, include_set_aside: bool = False) -> list[dict]:
    """Every action as a ledger record (no filters). Rows read as no action at all (claim
    ``not_action``: quoted wording, an aim) are set aside unless ``include_set_aside``."""
    as_of = as_of_date(as_of)
    rows = list(_rows(lib))
    ftexts = finding_texts(lib, sorted({r["finding_id"] for r in rows if r["finding_id"]}))
    recs = without_noise([commitment_record(r, as_of, ftexts.get(r["finding_id"])) for r in rows])
    return recs if include_set_aside else [r for r in recs if r["claim"] != "not_action"]


def without_noise(records: list[dict]) -> list[dict]:
    """The ledger logs what was done: a letter's action loses the framing it opens or ends with
    ("With regard to concerns raised on MARAC, our response is detailed below.", thanks,
    condolences, a concern restated) and goes when it is nothing else. Nothing is logged twice:
    an action repeated word for word in one document is one row, and a promise lifted from the
    answer it is part of keeps its own row while the answer keeps the rest of its sentences
    (the answer goes when nothing else is left)."""
    from corpus.extract import strip_framing

    kept = []
    for rec in records:
        if rec["document_type"] in ("pfd_response", "other"):
            text = strip_framing(rec["text"])
            if not text:
                continue
            rec["text"] = text
        kept.append(rec)
    by_doc: dict[int, list[dict]] = {}
    for rec in kept:
        by_doc.setdefault(rec["document_id"], []).append(rec)
    gone: set[int] = set()
    for recs in by_doc.values():
        if len(recs) < 2:
            continue
        for i, rec in enumerate(recs):
            mine = _flat(rec["text"])
            for j, host in enumerate(recs):
                if j == i or id(host) in gone or id(rec) in gone or not mine:
                    continue
                theirs = _flat(host["text"])
                if theirs == mine and j < i:
                    gone.add(id(rec))  # the same action twice: one row
                elif mine in theirs and len(theirs) > len(mine):
                    rest = _without_sentence(host["text"], rec["text"])
                    rest = strip_framing(rest) if rest else None
                    if rest:
                        host["text"] = rest
                    else:
                        gone.add(id(host))
    return [r for r in kept if id(r) not in gone]


def _flat(text: str | None) -> str:
    return " ".join((text or "").split()).lower()


def _without_sentence(host: str, part: str) -> str:
    """``host`` without the whole sentences that make up ``part`` (matched ignoring spacing)."""
    from corpus.extract import split_sentences

    want = _flat(part)
    sents = split_sentences(host)
    keep = [s for _, _, s in sents if _flat(s) not in want]
    return " ".join(" ".join(s.split()) for s in keep).strip()


def list_commitments(
    lib: Library,
    owner: str | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    as_of: str | None = None,
    due_from: str | None = None,
    due_to: str | None = None,
    q: str | None = None,
    kind: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    claim: str | None = None,
    org: str | None = None,
) -> dict[str, Any]:
    """The ledger, filtered; ``{"as_of", "filters", "commitments", "total", "summary", "title"}``.
    ``claim``: ``asked_of``, ``promised`` or ``answer`` (default: all three, each row labelled);
    ``org``: an organisation key, the rows its organisation page counts (``row_keys``), exactly."""
    as_of = as_of_date(as_of)
    due_from = check_date(due_from, "due_from")
    due_to = check_date(due_to, "due_to")
    status_l = (status or "").strip().lower().replace(" ", "_") or None
    words = [w for w in re.findall(r"\w+", (q or "").lower()) if w]
    records = all_commitments(lib, as_of)
    _check_choice("status", status_l, STATUSES, {(r["status"] or "").lower() for r in records})
    _check_choice("kind", kind, KINDS, {r["kind"] for r in records})
    claim = (claim or "").strip().lower().replace("-", "_").replace(" ", "_") or None
    if claim and claim not in CLAIM_CHOICES:
        raise ValueError(f"claim must be one of {', '.join(CLAIM_CHOICES)} (not {claim!r})")
    owners = [owner] if owner else []
    if owner and re.fullmatch(r"[A-Z][A-Za-z]{1,9}", owner.strip()) and sum(ch.isupper() for ch in owner) >= 2:
        from index.acronyms import expansions  # "UHCW": also the name the library's letters define it as

        owners += [e for a, e in expansions(lib.store, owner.strip()).items() if a == owner.strip()]
    out = []
    for rec in records:
        if kind and rec["kind"] != kind:
            continue
        if claim and rec["claim"] != claim:
            continue
        if org and org not in row_keys(rec):
            continue
        st = (rec["status"] or "").lower()
        if status_l == "open":
            if st in DONE:
                continue
        elif status_l in DONE:
            if st not in DONE:
                continue
        elif status_l in ("none", "unknown", "not_stated"):
            if st:
                continue
        elif status_l and st != status_l:
            continue
        if overdue is not None and rec["overdue"] != bool(overdue):
            continue
        if due_from and not (rec["due"] and rec["due"] >= due_from):
            continue
        if due_to and not (rec["due"] and rec["due"] <= due_to):
            continue
        if owners and not any(_matches_owner(o, rec["organisations"], rec["owner"]) for o in owners):
            continue
        if words:
            hay = " ".join(x or "" for x in (rec["text"], rec["owner"], rec["finding_text"], rec["document_title"],
                                             rec["due_text"])).lower()
            if not all(w in hay for w in words):
                continue
        out.append(rec)
    # overdue first (oldest due first), then dated ones by due date, then undated
    out.sort(key=lambda r: (not r["overdue"], r["due"] is None, r["due"] or "", r["document_id"], r["id"]))
    total = len(out)
    summary = summarise(out)
    page = out[offset : offset + limit] if limit is not None else out[offset:]
    return {
        "as_of": as_of,
        "filters": {"owner": owner, "status": status, "overdue": overdue, "due_from": due_from, "due_to": due_to,
                    "q": q, "kind": kind, "claim": claim, "org": org},
        "title": ledger_title(claim, org, records),
        "total": total,
        "summary": summary,
        "commitments": page,
        "limit": limit,
        "offset": offset,
    }


CLAIM_CHOICES = ("asked_of", "promised", "answer")
CLAIM_TITLES = {"asked_of": "Asked of", "promised": "Promised by", "answer": "Answers from"}


def row_keys(rec: dict) -> list[str]:
    """The organisation keys a ledger row counts for (its owners); the organisation pages count
    rows by these, and ``list_commitments(org=…)`` filters by them, so the two always agree."""
    return [o["key"] for o in rec["organisations"] if o.get("key")]


def ledger_title(claim: str | None, org: str | None, records: list[dict]) -> str:
    """What the page shows: "Promised by West Midlands Police", "Asked of …", or the whole ledger."""
    name = None
    if org:
        name = next((o["name"] for r in records for o in r["organisations"] if o.get("key") == org), org)
    if claim:
        return f"{CLAIM_TITLES[claim]} {name}" if name else \
            {"asked_of": "Asked of organisations", "promised": "Promised by organisations",
             "answer": "Answers in letters"}[claim]
    return f"Everything asked of, promised by or answered by {name}" if name else \
        "Ledger: asked of, promised by and answered by organisations"


STATUSES = ("open", "completed", "ongoing", "not_started", "red", "amber", "green", "none")
KINDS = ("response", "commitment", "action_required", "action_taken")


def _check_choice(name: str, value: str | None, known: tuple[str, ...], stored: set) -> None:
    """A filter value the ledger cannot hold is an error naming the choices, not an empty
    ledger that reads as "nothing found" (``status=done`` is read as completed)."""
    if not value or value in known or value in stored or (name == "status" and value in DONE | {"unknown", "not_stated"}):
        return
    choices = list(known) + sorted(x for x in stored if x and x not in known and x not in DONE)
    raise ValueError(f"{name} must be one of {', '.join(choices)} (not {value!r})")


def summarise(records: list[dict]) -> dict[str, Any]:
    """Counts over a list of ledger records: with a due date, completed, overdue, and
    overdue per organisation type (an action owned by two organisations counts for each type)."""
    by_type: dict[str, int] = {}
    for r in records:
        if not r["overdue"]:
            continue
        # an owner that is a role, not a body ("chief constables") still has a kind
        types = {o["type"] for o in r["organisations"]} or {org_type(r["owner"]) if r["owner"] else "unknown"}
        for t in types:
            by_type[t] = by_type.get(t, 0) + 1
    by_claim = {c: sum(1 for r in records if r.get("claim") == c) for c in CLAIM_CHOICES}
    overdue_by_claim = {c: sum(1 for r in records if r.get("claim") == c and r["overdue"]) for c in CLAIM_CHOICES}
    return {
        "total": len(records),
        "by_claim": by_claim,
        "overdue_by_claim": overdue_by_claim,
        "with_due_date": sum(1 for r in records if r["due"]),
        "completed": sum(1 for r in records if (r["status"] or "").lower() in DONE),
        "overdue": sum(1 for r in records if r["overdue"]),
        "overdue_by_org_type": dict(sorted(by_type.items(), key=lambda kv: (-kv[1], kv[0]))),
    }


def to_csv(records: list[dict]) -> str:
    """The ledger as CSV (one row per action; organisations joined with "; ")."""
    from search.csv_cells import safe_cell

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in records:
        row = []
        for c in CSV_COLUMNS:
            if c == "organisations":
                v = "; ".join(o["name"] for o in r["organisations"])
            elif c == "organisation_keys":
                v = "; ".join(row_keys(r))
            elif c in ("owner_evidence_from", "owner_evidence"):
                v = (r.get("owner_evidence") or {}).get("from" if c == "owner_evidence_from" else "text")
            elif c == "organisation_types":
                v = "; ".join(sorted({o["type"] for o in r["organisations"]}))
            else:
                v = r.get(c)
            if isinstance(v, bool):
                v = "yes" if v else "no"
            row.append("" if v is None else v)
        w.writerow([safe_cell(v) for v in row])  # formula-leading cells neutralised (search.csv_cells)
    return buf.getvalue()
