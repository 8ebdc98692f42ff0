"""Which bodies an action plan's owner (lead) cell names. A lead cell often writes a role, rank,
team or function beside its organisation ("Head of Protecting Vulnerable People. Warwickshire
Police and West Mercia Police", "Public Protection ACO Wales Probation Trust", "HOS, IASS"):
the ledger and organisation pages count the bodies, not the roles around them."""
from __future__ import annotations

import re

from corpus.orgs.keys import ALIAS, FUNCTION_WORDS, ROLE_ABBREV, ROLE_WORD, OrgName, basic_key, normalise_org, org_type, \
    slug, to_ascii
from corpus.orgs.mentions import mentions, short_name

_HEAD_WORDS = (r"Police|Constabulary|Trust|Council|Service|Services|Board|Company|Partnership|Agency|Authority|"
               r"Commission|College|Office|Department|Ministry|Hospital|Hospitals|CCG|ICB|Limited|Ltd|Prison")
_HEAD_RE = re.compile(rf"\b(?:{_HEAD_WORDS})\b")
_KNOWN_ANYWHERE: re.Pattern | None = None


def _phrase_before(s: str, end: int) -> str:
    """The body name ending at ``end`` (just after a body word): up to nine capitalised words
    before it (joined by "and", "of", "&"; never across another body word or punctuation), from
    after the last role or rank in it ("Public Protection ACO Wales Probation Trust" -> "Wales
    Probation Trust"), less leading functions ("Public Protection")."""
    toks = re.findall(r"[\w'&-]+|[^\w\s]", s[:end])
    words: list[str] = [toks[-1]] if toks else []
    stop = None
    for t in reversed(toks[:-1]):
        if len(words) >= 9 or _HEAD_RE.fullmatch(t) or not (t[:1].isupper() or t.lower() in ("and", "of", "&")):
            stop = t
            break
        words.insert(0, t)
    # the words before the first "and" end the body named just before ("National Probation Service
    # Wales and Staffordshire and West Midlands Community Rehabilitation Company": "Wales" is the
    # Probation Service's; "Community Safety Partnership, Birmingham and Crime Board"): two bodies,
    # not one name made of both
    if "and" in words[:-1] and stop is not None and _HEAD_RE.fullmatch(stop):
        words = words[words.index("and") + 1:]
    elif stop == "," and joined_at_and(s[:end], " ".join(words)):
        return ""  # "…, Birmingham and Crime Board": neither "Crime Board" nor the whole is a body's name
    cut = max((i + 1 for i, w in enumerate(words[:-1]) if ROLE_WORD.fullmatch(w) or w.lower() in ROLE_ABBREV),
              default=0)
    words = words[cut:]
    while words and (words[0].lower() in ("and", "of", "&") or words[0].lower() in FUNCTION_WORDS
                     or words[0].lower() in ("protection", "vulnerable", "premises", "approved")):
        words.pop(0)
    return " ".join(words)


def bodies_named_in(text: str | None) -> list[OrgName]:
    """The organisations an action plan's owner cell names, wherever in it ("Head of Protecting
    Vulnerable People. Warwickshire Police and West Mercia Police" -> both forces): known names
    and acronyms, and capitalised phrases ending in a body word (Police, Trust, Council …).
    Roles, teams and functions around them are left out."""
    global _KNOWN_ANYWHERE
    s = to_ascii(text or "")
    if not s.strip():
        return []
    if _KNOWN_ANYWHERE is None:
        names = sorted((k for k in ALIAS if " " in k or len(k) > 5), key=len, reverse=True)
        _KNOWN_ANYWHERE = re.compile(r"(?:^|\s)(" + "|".join(re.escape(n) for n in names) + r")(?=\s|$)")
    found: dict[str, OrgName] = {}
    for m in _KNOWN_ANYWHERE.finditer(basic_key(s)):
        canon = ALIAS[m.group(1)]
        found.setdefault(slug(canon), OrgName(slug(canon), canon))
    for tok in re.findall(r"\b[A-Z][A-Z&]{1,7}\b", s):  # a known acronym in capitals ("WMP", "NPS")
        key = basic_key(tok)
        if key in ALIAS and " " not in key:
            canon = ALIAS[key]
            found.setdefault(slug(canon), OrgName(slug(canon), canon))
    for m in _HEAD_RE.finditer(s):
        if re.match(r"\s+(?:[A-Z]|&)", s[m.end():]):
            continue  # "Senior Service Manager", "University Hospitals Birmingham …": the name goes on
        phrase = _phrase_before(s, m.end())
        if len(phrase.split()) < 2:
            continue
        org = normalise_org(phrase)
        if org.key and not any(org.key in k or k in org.key for k in found):
            found[org.key] = org
    return list(found.values())


_AND_JOINED = re.compile(r"([A-Z][\w'-]*)\s+(?:and|&)\s+(\S.*)")


def joined_at_and(cell: str | None, name: str | None) -> bool:
    """``name`` is written in ``cell`` just after a comma that follows a body's name, as one word
    joined by "and" to what follows ("Community Safety Partnership, Birmingham and Crime Board"):
    the word is the place of the body before the comma when that body is named by its function
    only, and "and" joins it to the tail (one or two words) of another body's name, so "Birmingham
    and Crime Board" names no body (nor does "Crime Board"). A known organisation's own name, or
    one after a named body ("Birmingham City Council, Brighton & Hove City Council"), is one name."""
    s, n = to_ascii(cell or ""), to_ascii(name or "").strip()
    m = _AND_JOINED.fullmatch(n)
    if not m or basic_key(n) in ALIAS or len(m.group(2).split()) > 2:
        return False  # "Sandwell and West Birmingham Hospitals NHS Trust": a name of its own after "and"
    for hit in re.finditer(r",\s*" + re.escape(n) + r"(?![\w'-])", s):
        before = re.findall(r"[\w'&-]+|[^\w\s]", s[:hit.start()])
        if not before or not _HEAD_RE.fullmatch(before[-1]):
            continue
        # the body before the comma is named by its function only ("Community Safety Partnership"):
        # the word after the comma is its place, not the start of another body's name
        words = []
        for t in reversed(before[:-1]):
            if not t[:1].isupper():
                break
            words.append(t)
        if words and all(w.lower() in FUNCTION_WORDS for w in words):
            return True
    return False


def is_body_name(name: str | None, cell: str | None = None) -> bool:
    """One body's name: a known organisation, or a name ending in a body word ("Corporate Parent
    Board") in which no other name ends ("Warwickshire Police and West Mercia Police" is two).
    Given the ``cell`` it was read from, a name that cell joins across a body's end is none
    (``joined_at_and``)."""
    n = (name or "").strip()
    if not n or joined_at_and(cell, n):
        return False
    if basic_key(n) in ALIAS or (re.fullmatch(r"[A-Z&]{2,8}", n) and n.lower() not in ROLE_ABBREV):
        return True  # a known name, or an acronym that is no rank or job ("GP", "IASS")
    ends = [m for m in _HEAD_RE.finditer(n) if not re.match(r"\s+(?:[A-Z]|&)", n[m.end():])]
    if len(ends) > 1 or len(n.split()) > 10:
        return False
    return bool(ends) and ends[0].end() == len(n) or org_type(n) != "other"  # "Police and Crime Commissioner for X"


def known_bodies_named_in(text: str | None) -> list[OrgName]:
    """``bodies_named_in`` kept to the organisations the library knows by name (no phrase merely
    ending in a body word, such as "NHS Foundation Trust" cut from a longer name)."""
    known = {slug(v) for v in ALIAS.values()}
    return [b for b in bodies_named_in(text) if b.key in known]


def action_owner(owner: str | None, text: str | None, respondent: str | None,
                 respondent_from: str | None = None) -> str | None:
    """Who took a response letter's action: the respondent, unless the action's own sentence
    names another body as its subject ("The Metropolitan Police Service will …"). When the
    respondent was found only after extraction (``respondent_from`` is not the dataset's: a
    bare letter linked to a report), an owner the sentence does not name is the extractor's
    guess for the whole letter (the body it names most, often the one it writes about) and gives
    way to the respondent. Either way the respondent's own spellings ("Salford Royal Hospital")
    read as its name, and an action with no owner is the respondent's. Without a respondent,
    the owner as stored."""
    if not respondent:
        return owner
    resp = normalise_org(respondent)
    resp_name = resp.name if resp.key else respondent
    if not owner or ";" in owner or "\n" in owner:
        return owner or resp_name
    own = normalise_org(owner)
    if own.key and resp.key and (own.key == resp.key or own.key.startswith(resp.key + "-")
                                 or resp.key.startswith(own.key + "-")):
        return resp_name
    # the respondent's name by a part of it ("The College will …", "General Practitioners" cut from
    # "Royal College of General Practitioners"): the respondent speaking of itself
    own_words = set(re.findall(r"[a-z0-9]+", owner.lower())) - {"the"}
    if own_words and own_words <= set(re.findall(r"[a-z0-9]+", resp_name.lower().replace("&", " and "))):
        return resp_name
    head = " ".join((text or "").split()[:10])
    at_owner = _first_named(owner, head)
    at_resp = _first_named(resp_name, head)
    if at_resp is not None and (at_owner is None or at_resp < at_owner):
        return resp_name  # "UHCW has agreements with George Eliot Hospital …": the respondent is the subject
    if respondent_from in (None, "", "dataset"):
        return owner  # known when the letter was read: the extractor's owner is its own reading
    if head and (mentions(owner, head) or short_name(head, owner)):
        return owner
    return resp_name


def _first_named(name: str, head: str) -> int | None:
    """Where ``head`` (a sentence's first words) first names ``name``: by its words or acronym, or
    by a short form of its capitals ("UHCW")."""
    if not head:
        return None
    spans = [s for s, _ in mentions(name, head)]
    caps = "".join(c for c in name if c.isupper() or c.isdigit()).lower()
    spans += [m.start() for m in re.finditer(r"\b[A-Z][A-Za-z0-9]{1,7}\b", head)
              if len(m.group(0)) >= 3 and caps[:1] == m.group(0)[0].lower() and short_name(m.group(0), name)]
    return min(spans) if spans else None
