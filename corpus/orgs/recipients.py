"""A receiver cell that lists several bodies with commas ("The family of X, Health and Safety
Executive, College of Policing, INQUEST, Secretary of State for Justice") vs one recipient
written with commas ("Mr S Bain, Chief Executive, East Kent Hospitals University NHS Trust",
"Director, Adults and Community Wellbeing, North Lincolnshire Council", an address).

Each comma part gets a score from weak signals (ends with an organisation noun, is a known
body or an office-holder, is an acronym, names a family; vs looks like a person's name, a bare
job title, a place or an address line, or a fragment). The cell is split only when every part
scores as a recipient on its own; otherwise it is kept whole.
"""
from __future__ import annotations

import re
from functools import lru_cache

from corpus.orgs.keys import CANON, PERSONISH, basic_key, normalise_org, org_type

# the head noun of an organisation's name (its last word)
_ORG_HEAD = re.compile(
    r"\b(?:trust|council|police|constabulary|commission|executive|agency|service|services|group|home|homes|"
    r"solicitors|ltd|limited|plc|llp|board|authority|department|ministry|office|college|society|association|"
    r"institute|clinic|hospital|hospitals|practice|surgery|centre|center|government|inspectorate|ombudsman|"
    r"university|school|academy|partnership|network|foundation|charity|union|federation|committee|branch|"
    r"agency|bureau|hospice|ccg|icb|nhs|prison|hmp|yoi|probation|england|wales|rail|highways|company|"
    r"corporation|council|registry|panel|forum|alliance|court|tribunal|regulator|health|care)\.?$", re.I)
# an office that is itself a recipient: "Secretary of State for Justice", "Chief Coroner"
_OFFICE = re.compile(
    r"^(?:the\s+)?(?:rt\.?\s+hon\.?\s+)?(?:(?:home|foreign|health)\s+secretary|secretary\s+of\s+state\b|minister\b|"
    r"prime\s+minister|lord\s+chancellor|chancellor\s+of\b|attorney\s+general|chief\s+coroner|"
    r"chief\s+medical\s+officer\s+for\b|(?:hm\s+)?chief\s+inspector\s+of\b|children['’]?s\s+commissioner|"
    r"(?:police\s+and\s+crime|information|victims['’]?)\s+commissioner)", re.I)
# a job title followed by the body it heads: "Chief Constable of Sussex Police"
_ROLE_OF = re.compile(r"^(?:the\s+)?(?:[a-z]+\s+){0,3}?(?:executive|constable|officer|director|chair(?:man|woman)?|"
                      r"president|governor|head|manager|commissioner|registrar)\s+(?:of|for|at)\s+(?:the\s+)?\S", re.I)
_FAMILY = re.compile(r"^(?:the\s+)?(?:family|families|parents?|next\s+of\s+kin)\s+of\b|['’]s?\s+family$", re.I)
_ACRONYM = re.compile(r"^(?:the\s+)?[A-Z][A-Z&]{2,9}$")
# a unit inside a body: "Highways Department", "Directorate of Legal Services", "Adult Social Care"
_SUBUNIT = re.compile(r"^(?:the\s+)?(?:(?:department|directorate|division|unit|team|section|branch|office)\s+(?:of|for)\b.*|"
                      r".*\b(?:department|directorate|division|unit|team|section|branch|private\s+office|"
                      r"(?<!nhs )(?<!ambulance )(?<!rescue )(?<!prison )(?<!probation )(?<!health )\b[\w&'’-]+\s+services|"
                      r"(?:adult|social|children['’]?s)\s+care)(?:\s*\([^)]*\))?)$", re.I)
_LEGAL_ONLY = re.compile(r"^(?:\(?uk\)?|gb|group|holdings)\s+(?:ltd|limited|plc|llp)\.?$", re.I)
_CANON_KEYS = {basic_key(c): c for c in CANON} | {a: c for c, al in CANON.items() for a in al}

_HONORIFIC = re.compile(r"^(?:the\s+)?(?:rt\.?\s*hon\.?(?:ourable)?|right\s+hon|mr|mrs|ms|miss|mx|dr|prof(?:essor)?|"
                        r"sir|dame|lord|lady|baroness|baron|cllr|councillor|rev(?:erend)?|commander|captain)\b\.?",
                        re.I)
_REDACTED = re.compile(r"^\W*(?:\[?redacted\]?|\*+|x{3,})?\W*$", re.I)
_ROLE = re.compile(
    r"\b(?:chief|executive|director|officer|manager|head|chair(?:man|woman|person)?|president|secretary|governor|"
    r"principal|partner|lead|commissioner|coroner|constable|superintendent|inspector|sergeant|engineer|"
    r"consultant|nurse|matron|registrar|clerk|ceo|coo|cfo|md|chancellor|master|owner|proprietor|"
    r"minister|dean|adviser|advisor|guardian)s?\b", re.I)
_ADDRESS = re.compile(
    r"\d|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b|\b(?:road|street|st|drive|lane|avenue|square|house|floor|way|close|"
    r"crescent|terrace|gardens|hill|po\s+box|building|buildings|quay|wharf|parade|walk|row|mews|court\s+road|"
    r"business\s+(?:centre|park)|industrial\s+estate|trading\s+estate)\.?$",
    re.I)
_FRAGMENT = re.compile(r"^(?:and|or|of|for|to|with|by|in|on|at|as|via|fao|cc)\b|\b(?:and|or|of|for|to|the)$", re.I)
_LOWER_START = re.compile(r"^[a-z]")  # "and Skills", "of State for ...": a piece of a longer name


def _known(seg: str) -> bool:
    """The part is a known body's own name or alias ("CQC", "Chief Coroner"), not a post
    that maps to one ("Chief Medical Officer")."""
    return basic_key(re.sub(r"\s*\([^)]*\)\s*$", "", seg)) in _CANON_KEYS


def _post_of_body(s: str) -> bool:
    """"Chief Constable of Sussex Police", "Chief Executive of Stockport CCG": a post and the
    body it heads, which is a recipient; "Head of Legal Services" names no body."""
    if not _ROLE_OF.match(s):
        return False
    body = re.split(r"\s(?:of|for|at)\s+(?:the\s+)?", s, maxsplit=1, flags=re.I)[-1]
    body = re.sub(r"\s*\([^)]*\)\s*$", "", body)  # "... Group (CCG)"
    return _known(body) or (bool(_ORG_HEAD.search(body)) and org_type(body) != "other")


_PERSON_INSIDE = re.compile(r"\b(?:MP|QC|KC)\b|[:–-]\s*(?:the\s+)?(?:rt\.?\s*hon|right\s+hon|mr|mrs|ms|dr|sir|dame|lord)\b",
                            re.I)
# a department named by its field ("Highways Authority", "Legal & Governance Service",
# "Equality Rights and Decency Group"): part of the body beside it
_FIELD_FIRST = re.compile(r"^(?:the\s+)?(?:highways?|legal|traffic|quality|equality|operations|operational|planning|"
                          r"governance|safety|divisional|corporate|compliance|licensing|finance|estates|facilities|"
                          r"complaints|safeguarding|commissioning|control|dog|medico-legal)\b", re.I)
_LEGAL_SUFFIX = re.compile(r"\s+(?:ltd|limited|plc|llp)\.?$", re.I)
_GOVT = re.compile(r"\b(?:government|assembly|parliament|senedd|ministry|department)\b", re.I)
_GENERIC = re.compile(r"^(?:the\s+)?(?:nhs\s+)?(?:foundation\s+)?(?:trust|council|authority|board|service|group)$", re.I)


def part_score(seg: str) -> int:
    """> 0 when a comma part reads as a recipient on its own, <= 0 when it reads as part of
    one (a name, a title, a place, an address line)."""
    s = " ".join(seg.split()).strip(" .")
    if not s or _REDACTED.match(s):
        return -3
    score = 0
    office = bool(_OFFICE.match(s)) or _post_of_body(s)
    if office:
        score += 3
    if _FAMILY.search(s):
        score += 3
    if _known(s):
        score += 3
    if _ORG_HEAD.search(s) and len(s.split()) >= 2:
        score += 2
    if _ACRONYM.match(s):
        score += 2
    if org_type(s) != "other":
        score += 1
    if (_HONORIFIC.match(s) and not office) or _PERSON_INSIDE.search(s):
        score -= 4  # "Mr S Bain"; "Home Office: The Rt Hon Kit Malthouse MP"
    if _ROLE.search(s) and not office and not _FAMILY.search(s):
        score -= 3  # "Chief Executive", "Principal Traffic Engineer"
    if _ADDRESS.search(s) or _LEGAL_ONLY.match(s) or _GENERIC.match(s):
        score -= 3
    if _FRAGMENT.search(s) or (_LOWER_START.match(s) and not _FAMILY.match(s)):
        score -= 3
    if len(s.split()) == 1 and not _ACRONYM.match(s):
        score -= 2  # a place ("Cumbria", "London") or one word of a longer name
    elif PERSONISH.match(s) and not _ORG_HEAD.search(s) and not _known(s):
        score -= 2  # "Lisa Rodrigues" (one word never gets here)
    return score


def _titled(seg: str) -> bool:
    """A post rather than a body: "Secretary of State for Health", "Chief Constable of Kent Police"."""
    s = " ".join(seg.split()).strip(" .")
    return bool(_OFFICE.match(s) or _ROLE_OF.match(s))


def _own_body(seg: str) -> str | None:
    """The known body a post belongs to ("Secretary of State for Health" -> Department of
    Health and Social Care), when the post names one."""
    org = normalise_org(seg)
    return org.key if org.key and org.name in CANON else None


def _merge_posts(segs: list[str]) -> list[str]:
    """A post followed by the body (or department) it sits in is one recipient: "Secretary of
    State for Health, Department of Health", "Director of Adult Social Services, Adult Social
    Care, Leeds City Council". It stays apart when the post names a known body of its own and
    the next part is another body ("Secretary of State for Justice, Care Quality Commission")."""
    out: list[str] = []
    open_post = False  # the last item is a post still looking for its body
    for seg in segs:
        if out and open_post and not _titled(seg):
            own = _own_body(out[-1].split(",")[0])
            if own is None or own == normalise_org(seg).key or org_type(seg) == "government" or _GOVT.search(seg):
                # "Minister for Health, Welsh Assembly Government": the office sits in that government
                out[-1] = out[-1] + ", " + seg
                open_post = org_type(seg) == "other" and not _known(seg)  # a department: the body may follow
                continue
        out.append(seg)
        open_post = _titled(seg)
    return out


def _subunit(seg: str) -> bool:
    if _known(seg) or _titled(seg) or _ROLE.search(seg) or _HONORIFIC.match(seg):
        return False
    return bool(_SUBUNIT.match(seg) or _FIELD_FIRST.match(seg))


def _merge_units(items: list[str]) -> list[str]:
    """A unit and the body it is part of are one recipient: "Highways Department, Birmingham
    City Council", "Staffordshire Police, Collision Investigation Unit"."""
    out: list[str] = []
    pending: str | None = None  # a unit waiting for its body
    for it in items:
        if _subunit(it):
            if out and not _subunit(out[-1]) and pending is None and not _titled(it):
                out[-1] = out[-1] + ", " + it
            else:
                pending = it if pending is None else pending + ", " + it
            continue
        if pending is not None:
            it, pending = pending + ", " + it, None
        out.append(it)
    if pending is not None:
        if out:
            out[-1] = out[-1] + ", " + pending
        else:
            out.append(pending)
    return out


def _continues(prev: str, seg: str) -> bool:
    """"Secretary of State for Housing, Communities and Local Government": the part after an
    office "... for X" that is the rest of its list of subjects."""
    return (bool(re.search(r"\b(?:for|of)\s+[\w'’ ]+$", prev, re.I)) and bool(re.search(r"\s(?:and|&)\s", seg))
            and not _titled(seg)
            and len(seg.split()) <= 5 and not re.match(r"(?:the|an?)\s", seg, re.I) and not _known(seg))


def _same_body(a: str, b: str) -> bool:
    a, b = a.strip(), b.strip()
    if basic_key(_LEGAL_SUFFIX.sub("", a)) == basic_key(_LEGAL_SUFFIX.sub("", b)):
        return True
    ka, kb = _CANON_KEYS.get(basic_key(a)), _CANON_KEYS.get(basic_key(b))
    return ka is not None and ka == kb


def split_comma_list(part: str) -> list[str]:
    """["A", "B", "C"] when every comma part of ``part`` is a recipient on its own (a post and
    the body it sits in counting as one), else [part]."""
    if "," not in part:
        return [part]
    return list(_split_commas(part))


@lru_cache(maxsize=16384)
def _split_commas(part: str) -> tuple[str, ...]:
    """``split_comma_list``, remembered: tracking re-splits every stored recipient on each
    organisation page, and the same cells recur across reports."""
    return tuple(_split(part))


def _split(part: str) -> list[str]:
    segs = [" ".join(s.split()).strip(" .") for s in part.split(",")]
    segs = [s for s in segs if s]  # ", , Chief Executive": empty slots of removed names
    joined: list[str] = []
    for seg in segs:
        if joined and _continues(joined[-1], seg):
            joined[-1] = joined[-1] + ", " + seg
        else:
            joined.append(seg)
    if len(joined) < 2 or not all(part_score(s) > 0 or _subunit(s) for s in joined):
        return [part]
    items = _merge_units(_merge_posts(joined))
    # "NHS Professionals, NHS Professionals Ltd", "HM Prison Service, NOMS": one body written twice
    dedup: list[str] = []
    for it in items:
        if dedup and any(_same_body(it, prev) for prev in [dedup[-1], *dedup[-1].split(",")]):
            dedup[-1] = dedup[-1] + ", " + it
        else:
            dedup.append(it)
    items = dedup
    # "NOMS, Safer Custody Group, National Offender Management Service": a body named again
    # further on means the parts between are its units, not a list of recipients
    if any(_same_body(a, b) for i, a in enumerate(items) for b in items[i + 2:]):
        return [part]
    return items if len(items) > 1 else [part]
