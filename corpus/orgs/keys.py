"""Organisation names as reviews and PFD reports write them, reduced to one key each.

"NHS England", "NHS England & NHS Improvement", "Chief Executive, NHS England" and
"Mr Simon Stevens, Chief Executive, NHS England" are one organisation; so are "WMP",
"Chief Constable - West Midlands Police" and "West Midlands Police (WMP)". Secretaries of
state and ministers are mapped to their department ("The Secretary of State for Health and
Social Care" -> Department of Health and Social Care).

Pure functions, no I/O:

``normalise_org(name) -> OrgName(key, name)``  ``key`` is a URL-safe slug
    ("nhs-england") or ``None`` when the text names only a person or a job title
    ("The Chief Executive"); ``name`` is the display name.
``org_type(name) -> str``  one of ``ORG_TYPES``.
``split_orgs(text) -> list[str]``  a numbered or ``;``-separated list of recipients, split.

Rules, not a model: a recipient is cut into segments (commas, dashes, colons), job
titles, honorifics and "The" are stripped from each, and the segment that looks most like an
organisation wins (a known name or acronym > a name with an organisation word such as
"Trust", "Council", "Police" > anything else); ties go to the last segment, because
recipients are usually written "Person, Title, Organisation". A person written with a personal
title (Mr, Ms, Dr, Sir, Rt Hon …) or a person's letters (MP, QPM) is never an organisation: the
body written after their name is ("The Chief Constable Mr G York QPM Sussex Police" -> Sussex
Police), or none ("CEO Ms Jo Farrar").
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple


ORG_TYPES = (
    "police",
    "nhs_trust",
    "nhs_national",
    "local_authority",
    "government",
    "regulator",
    "prison_probation",
    "care_provider",
    "other",
)


class OrgName(NamedTuple):
    key: str | None  # slug, e.g. "nhs-england"; None = no organisation named
    name: str  # display name


# ---------------------------------------------------------------- known names
# Known organisations: canonical display name -> aliases (acronyms, old names, common misspellings).
# Aliases are compared after ``basic_key`` (lower case, "&" -> "and", no "the", no punctuation).
CANON: dict[str, list[str]] = {
    "NHS England": ["nhs england and nhs improvement", "nhs england and improvement", "nhse", "nhsei",
                    "nhs england and nhsi", "nhs commissioning board", "nhs england national medical director",
                    "nhs england and nhs improvement england"],
    "NHS Improvement": ["nhsi"],
    # one trust, written with and without "Hospital" in the same action plan
    "Birmingham Women's NHS Foundation Trust": ["birmingham women's hospital nhs foundation trust",
                                                 "birmingham womens hospital nhs foundation trust"],
    "Department of Health and Social Care": ["dhsc", "department of health", "department for health",
                                             "department of health and social care dhsc", "doh",
                                             "department of health and social services"],
    "Home Office": ["home department", "home office uk", "uk home office"],
    "Ministry of Justice": ["moj", "ministry for justice", "department of justice"],
    "Department for Transport": ["department of transport", "dft", "department for transport dft"],
    "Department for Education": ["department of education", "dfe"],
    "Department for Work and Pensions": ["department of work and pensions", "dwp"],
    "Ministry of Defence": ["mod", "ministry for defence"],
    "Department for Levelling Up, Housing and Communities": [
        "dluhc", "department for communities and local government", "dclg",
        "ministry of housing communities and local government", "mhclg"],
    "Department for Business and Trade": ["department for business energy and industrial strategy", "beis",
                                          "department of business energy and industrial strategy",
                                          "department for business innovation and skills", "bis"],
    "Department for Environment, Food and Rural Affairs": ["defra", "department for environment food and rural affairs"],
    "Department for Digital, Culture, Media and Sport": ["dcms", "department for culture media and sport"],
    "Welsh Government": ["welsh assembly government", "llywodraeth cymru"],
    "Chief Coroner": ["chief coroner of england and wales", "chief coroner for england and wales",
                      "office of chief coroner", "chief coroners office"],
    "West Midlands Police": ["wmp", "west midlands police force"],
    "Metropolitan Police Service": ["metropolitan police", "mps", "met police", "metropolitan police commissioner",
                                    "commissioner of police of metropolis", "commissioner of metropolis",
                                    "commissioner of police for metropolis"],
    "College of Policing": ["cop", "college of policing cop"],
    "National Police Chiefs' Council": ["npcc", "national police chiefs council"],
    "National Institute for Health and Care Excellence": [
        "nice", "national institute for clinical excellence", "national institute for health and clinical excellence",
        "national institute of health and care excellence", "national institute for health care excellence",
        "national institute for health and care excellence nice"],
    "HM Prison and Probation Service": [
        "hmpps", "her majestys prison and probation service", "his majestys prison and probation service",
        "hm prisons and probation service", "national offender management service", "noms",
        "hm prison service", "hmps", "her majestys prison service", "prison service",
        "hm prison and probation services"],
    "Medicines and Healthcare products Regulatory Agency": [
        "mhra", "medicines and healthcare regulatory agency", "medicines and healthcare products regulatory authority",
        "medicines and health products regulatory agency", "medicines and healthcare product regulatory agency"],
    "Care Quality Commission": ["cqc", "care quality commission cqc"],
    "General Medical Council": ["gmc"],
    "Nursing and Midwifery Council": ["nmc"],
    "Health and Safety Executive": ["hse"],
    "General Pharmaceutical Council": ["gphc"],
    "Health and Care Professions Council": ["hcpc"],
    "Ofsted": ["office for standards in education", "ofsted office for standards in education children's services and skills"],
    "Public Health England": ["phe"],
    "UK Health Security Agency": ["ukhsa"],
    "Health Education England": ["hee"],
    "NHS Digital": [],
    "NHS Resolution": ["nhs litigation authority"],
    "Healthcare Safety Investigation Branch": ["hsib", "health services safety investigations body", "hssib"],
    "Betsi Cadwaladr University Health Board": ["bcuhb", "betsi cadwaladr university local health board",
                                                "betsi cadwaladr health board"],
    "North West Ambulance Service NHS Trust": ["nwas", "north west ambulance service"],
    "South East Coast Ambulance Service NHS Foundation Trust": ["secamb", "south east coast ambulance service"],
    "West Midlands Ambulance Service University NHS Foundation Trust": ["wmas", "west midlands ambulance service"],
    "National Highways": ["highways england", "highways agency"],
    "Disclosure and Barring Service": ["dbs"],
    "Driver and Vehicle Licensing Agency": ["dvla"],
    "Crown Prosecution Service": ["cps", "director of public prosecutions"],
    "Independent Office for Police Conduct": ["iopc", "independent police complaints commission", "ipcc"],
    "Royal College of Psychiatrists": ["rcpsych"],
    "Royal College of General Practitioners": ["rcgp"],
    "Royal College of Nursing": ["rcn"],
    "Royal College of Obstetricians and Gynaecologists": ["rcog"],
    "Royal College of Emergency Medicine": ["rcem"],
    "British Transport Police": ["btp"],
    "Maritime and Coastguard Agency": ["mca"],
    "Office for Product Safety and Standards": ["opss"],
    "National Fire Chiefs Council": ["nfcc"],
    "Driver and Vehicle Standards Agency": ["dvsa", "driver vehicle standards agency"],
    "Local Government Association": ["lga"],
    "Association of Directors of Adult Social Services": ["adass"],
    "Care Inspectorate Wales": ["ciw"],
    "Healthcare Inspectorate Wales": ["hiw"],
    "HM Inspectorate of Constabulary and Fire & Rescue Services": [
        "hmicfrs", "hmic", "her majestys inspectorate of constabulary", "his majestys inspectorate of constabulary and fire and rescue services",
        "her majestys inspectorate of constabulary and fire and rescue services"],
    "HM Inspectorate of Prisons": ["hmip", "her majestys inspectorate of prisons", "his majestys inspectorate of prisons",
                                   "hm chief inspector of prisons", "her majestys chief inspector of prisons",
                                   "his majestys chief inspector of prisons", "chief inspector of prisons", "hm inspector of prisons"],
    "HM Inspectorate of Probation": ["her majestys inspectorate of probation", "his majestys inspectorate of probation"],
    "Prisons and Probation Ombudsman": ["ppo"],
    "Transport for London": ["tfl"],
    "Network Rail": ["network rail infrastructure limited", "network rail infrastructure ltd"],
    "National Probation Service": ["nps"],
    "Youth Justice Board": ["yjb"],
    "Royal College of Paediatrics and Child Health": ["rcpch"],
    "Royal College of Pathologists": ["rcpath"],
    "Royal College of Physicians": [],
    "Royal College of Surgeons of England": ["royal college of surgeons", "rcseng"],
    "Royal College of Anaesthetists": ["rcoa"],
    "Royal College of Midwives": [],
    "Royal Pharmaceutical Society": [],
    "Royal Society for the Prevention of Accidents": ["rospa", "royal society for prevention of accidents"],
    "Association of Chief Police Officers": ["acpo"],
    "Office of the Police and Crime Commissioner": [],
    "British Medical Association": ["bma"],
    "Academy of Medical Royal Colleges": ["aomrc"],
    "Faculty of Intensive Care Medicine": ["ficm"],
    "Intensive Care Society": [],
    "Social Work England": [],
    "Environment Agency": [],
    "Food Standards Agency": [],
    "Civil Aviation Authority": [],
    "Office of Rail and Road": [],
    "Coventry and Warwickshire Partnership NHS Trust": ["coventry and warwickshire partnership trust", "cwpt"],
}

# Bodies that are part of a department (its executive agencies and services), as letters write them: a
# letter from the department often speaks through them ("The Probation Service manages …"). Data only;
# matched case-sensitively, "and" and "&" alike (``corpus.extract.respondent.recipient_spans``).
PARTS: dict[str, list[str]] = {
    "Ministry of Justice": ["HM Prison and Probation Service", "His Majesty's Prison and Probation Service",
                            "Her Majesty's Prison and Probation Service", "HMPPS", "Probation Service",
                            "HM Prison Service", "HM Courts and Tribunals Service", "HMCTS", "Legal Aid Agency",
                            "Youth Custody Service", "Office of the Public Guardian"],
    "Department for Transport": ["Driver and Vehicle Standards Agency", "Driver Vehicle Standards Agency", "DVSA",
                                 "Driver and Vehicle Licensing Agency", "DVLA", "Maritime and Coastguard Agency",
                                 "Vehicle Certification Agency", "Active Travel England"],
    "Home Office": ["Border Force", "HM Passport Office", "UK Visas and Immigration", "UKVI", "Immigration Enforcement"],
    "Department of Health and Social Care": ["UK Health Security Agency", "UKHSA",
                                             "Medicines and Healthcare products Regulatory Agency", "MHRA",
                                             "Office for Health Improvement and Disparities", "OHID"],
    "Department for Levelling Up, Housing and Communities": ["Planning Inspectorate", "Homes England"],
    "Department for Education": ["Education and Skills Funding Agency", "ESFA", "Standards and Testing Agency",
                                 "Teaching Regulation Agency"],
    "Department for Work and Pensions": ["Jobcentre Plus", "Child Maintenance Service", "Health Assessment Advisory Service"],
}

# Secretaries of state and ministers answer for their department.
_MINISTERS: list[tuple[re.Pattern, str]] = [
    (re.compile(p, re.I), dept)
    for p, dept in [
        (r"secretary of state for (?:the )?(?:department of )?health|minister (?:of state )?for (?:health|care|social care|"
         r"mental health|patient safety|public health|primary care)|health secretary|chief medical officer for england|"
         r"department of health", "Department of Health and Social Care"),
        (r"home secretary|secretary of state for (?:the )?home (?:department|office)|minister (?:of state )?for "
         r"(?:policing|crime|safeguarding|security)", "Home Office"),
        (r"lord chancellor|secretary of state for justice|minister (?:of|for) justice|justice secretary|"
         r"minister (?:of state )?for prisons", "Ministry of Justice"),
        (r"secretary of state for transport|transport secretary|minister (?:of state )?for (?:roads|rail|transport)|"
         r"department (?:of|for) transport", "Department for Transport"),
        (r"secretary of state for education|education secretary|minister (?:of state )?for (?:children|schools|education)",
         "Department for Education"),
        (r"secretary of state for work and pensions", "Department for Work and Pensions"),
        (r"secretary of state for defence", "Ministry of Defence"),
        (r"secretary of state for (?:levelling up|housing|communities)", "Department for Levelling Up, Housing and Communities"),
        (r"secretary of state for business", "Department for Business and Trade"),
        (r"secretary of state for (?:environment|the environment)", "Department for Environment, Food and Rural Affairs"),
        (r"secretary of state for (?:digital|culture)", "Department for Digital, Culture, Media and Sport"),
    ]
]

# national roles written alone, without their body: the body they belong to. Used only when
# nothing else in the text names an organisation ("Chief Midwife" alone -> NHS England, but
# "Chief Midwife, Leeds Teaching Hospitals" -> the hospitals)
_ROLE_BODIES: list[tuple[re.Pattern, str]] = [
    (re.compile(p, re.I), body)
    for p, body in [
        (r"^(?:the\s+)?(?:(?:england['’]?s\s+|national\s+|deputy\s+)?chief\s+midwife(?:ry\s+officer)?(?:\s+for\s+england)?|"
         r"(?:[a-z\- ]+\s+)?regional\s+(?:chief\s+)?midwife|chief\s+nursing\s+officer\s+for\s+england|"
         r"national\s+medical\s+director|national\s+clinical\s+director(?:\s+for\s+[\w ]+)?)$", "NHS England"),
        (r"^(?:the\s+)?chief\s+medical\s+officer(?:\s+for\s+england)?$", "Department of Health and Social Care"),
        (r"^(?:the\s+)?(?:hm\s+|his\s+honour\s+judge\s+)?chief\s+coroner\b.*$", "Chief Coroner"),
        (r"^(?:the\s+)?(?:hm\s+)?chief\s+inspector\s+of\s+(?:prisons)$", "HM Inspectorate of Prisons"),
    ]
]

_TITLES = [
    # longest first within a family so "chief executive officer" beats "chief executive"
    r"(?:interim |acting |deputy |assistant |joint )*(?:chief executive officer|chief executive|ceo|c\.e\.o\.?)",
    r"(?:interim |acting |deputy |assistant |temporary )*chief constable",
    r"(?:interim |acting |deputy |assistant |executive |group |associate |national )*(?:medical director|clinical director|"
    r"nursing director|director of nursing|nurse director|director general|director-general|managing director|"
    r"executive director|regional director|operations director|director|chief officer|chief operating officer|"
    r"chief nurse|chief medical officer|chief fire officer|chief inspector|chief pharmacist|head|general manager|"
    r"registered manager|home manager|service manager|regional manager|practice manager|manager|chair(?:man|woman|person)?|"
    r"president|governor|principal|vice[- ]chancellor|chancellor|secretary|clerk|commissioner|coroner|partner|"
    r"senior partner|lead|officer|support officer|caldicott guardian|owner|proprietor|company secretary|"
    r"detective (?:chief )?(?:inspector|superintendent|sergeant)|(?:chief )?superintendent|inspector|sergeant|"
    r"senior probation officer|probation officer|social worker|team manager|consultant)",
    r"(?:the )?force",
]
_TITLE_RE = re.compile(r"^(?:the\s+)?(?:" + "|".join(_TITLES) + r")\b\s*(?:of|at|for|to|with|,|-|–|:)?\s*(?:the\s+)?", re.I)
_HONORIFIC = re.compile(
    r"^(?:the\s+)?(?:rt\.?\s*hon\.?(?:ourable)?|right\s+hon(?:ourable|\.)?|mr|mrs|ms|miss|mx|dr|prof(?:essor)?|sir|dame|"
    r"lord|lady|baroness|baron|councillor|cllr|rev(?:erend)?|captain|commissioner)\b\.?\s+", re.I)
_POSTNOMINALS = re.compile(r"\b(?:MP|QPM|KC|QC|OBE|CBE|MBE|DBE|FFPH|FRCP|FRCS|MRCP|PhD|KBE|CB|DL|JP|TD)\b\.?")

# words that make a segment look like an organisation (rank 2) vs a strong one (rank 3)
_STRONG_ORG = re.compile(
    r"\b(?:nhs|trust|council|police|constabulary|department|ministry|commission|agency|office|board|authority|"
    r"borough|government|service|services|hmp|hmyoi|yoi|prison|probation|hospital|hospitals|university|college|"
    r"executive|ombudsman|inspectorate|ccg|icb|partnership|healthcare|limited|ltd|plc|llp|group|association|society|"
    r"institute|foundation|company|corporation|network|rail|highways|surgery|practice|centre|center|clinic|"
    r"home|homes|care|school|academy|federation|fire|rescue|ambulance|county|city|unit|charity|organisation|"
    r"federation|union|church|diocese|league|bureau|register|registry|panel|committee|forum|alliance|body)\b", re.I)
# top-level bodies beat their parts: "Birmingham City Council, Corporate Parent Board"
_TOP_ORG = re.compile(
    r"\b(?:nhs|trust|council|police|constabulary|department|ministry|commission|agency|authority|borough|"
    r"government|hmp|hmyoi|prison|probation|university|hospital|hospitals|limited|ltd|plc|llp|college|"
    r"office|ombudsman|inspectorate|ccg|icb|health board)\b", re.I)
# a person's name as a recipient cell writes it ("Lisa Rodrigues", "J. Smith"): up to four capitalised words
PERSONISH = re.compile(r"^(?:[A-Z][a-z'’\-]+|[A-Z]\.?)(?:\s+(?:[A-Z][a-z'’\-]+|[A-Z]\.?)){0,3}$")
_BARE_TITLE = re.compile(r"^(?:" + "|".join(_TITLES) + r")$", re.I)


def to_ascii(s: str) -> str:
    """``s`` in NFKC with curly quotes and dashes made plain ASCII (and Word's bullet glyph a space)."""
    s = unicodedata.normalize("NFKC", s)
    return s.replace("’", "'").replace("‘", "'").replace("–", "-").replace("—", "-").replace("\uf0b7", " ")


def basic_key(s: str) -> str:
    """The form names are compared in: lower case, "&" -> "and", no "the", no punctuation, body
    words singular ("Hospitals" -> "hospital"), "NHS FT" spelled out."""
    s = to_ascii(s).lower()
    s = s.replace("&", " and ").replace("'s ", "s ").replace("'", "")
    s = re.sub(r"[^a-z0-9]+", " ", s)
    words = [_SINGULAR.get(w, w) for w in s.split() if w != "the"]
    return re.sub(r"\bnhs ft\b", "nhs foundation trust", " ".join(words))


# spelling variants of one body: "Teaching Hospital(s) NHS Foundation Trust", "Children's
# Service(s)", "NHS FT". Only body words, so "Royal Colleges" and named places are untouched.
_SINGULAR = {w + "s": w for w in ("hospital", "service", "trust", "council", "partnership", "board", "prison",
                                  "department", "authority", "commissioner", "ambulance", "practice", "surgery",
                                  "centre", "clinic", "agency")}
_SINGULAR["surgeries"] = "surgery"


# every known name and alias, as a ``basic_key``, -> its canonical display name (a key of ``CANON``)
ALIAS: dict[str, str] = {}
for _canon, _aliases in CANON.items():
    ALIAS[basic_key(_canon)] = _canon
    for _a in _aliases:
        ALIAS[basic_key(_a)] = _canon


def slug(s: str) -> str:
    """The URL-safe key of a name: its ``basic_key`` with hyphens ("nhs-england")."""
    return basic_key(s).replace(" ", "-")


def _clean(raw: str) -> str:
    s = to_ascii(raw or "")
    s = re.sub(r"\[\s*redacted\s*\]", " ", s, flags=re.I)
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"^(?:\(?[0-9]{1,2}[.)]?|\(?[a-h][.)]|[•*\-])\s+", "", s)  # "1.", "(b)", bullets
    s = re.sub(r"\s+\d{1,2}\.?$", "", s)  # trailing page-number noise: "... Trust 1"
    s = re.sub(r"\s*\b(?:for the attention of|fao|f\.a\.o\.|c/o)\b.*$", "", s, flags=re.I)
    # an address after the name: cut at the first segment that starts with a number
    s = re.sub(r",?\s+\d+[a-z]?\s+[A-Z][a-z]+\s+(?:Road|Street|Lane|Drive|Avenue|Way|Place|Square|House|Park)\b.*$", "", s)
    return s.strip(" ,.;:-")


def _strip_person(seg: str) -> str:
    seg = _POSTNOMINALS.sub(" ", seg)
    seg = re.sub(r"\s+", " ", seg).strip(" ,.-")
    for _ in range(3):
        new = _HONORIFIC.sub("", seg)
        if new == seg:
            break
        seg = new
    return seg


# a personal title before a person's name ("Mr", "Dr", "Rt Hon"), and the letters after one ("MP", "QPM")
_PERSONAL = re.compile(r"^(?:the\s+)?(?:(?:rt\.?\s*hon\.?(?:ourable)?|right\s+hon(?:ourable|\.)?)\s+)?"
                       r"(?:(?:mr|mrs|ms|miss|mx|dr|prof(?:essor)?|sir|dame)\b\.?\s+)+|"
                       r"^(?:the\s+)?(?:rt\.?\s*hon\.?(?:ourable)?|right\s+hon(?:ourable|\.)?)\s+", re.I)
_PERSON_LETTERS = re.compile(r"\b(?:MP|QPM|KC|QC|OBE|CBE|MBE|DBE|KBE)\b")
_INITIAL = re.compile(r"[A-Z]\.?(?:[A-Z]\.?)?")
_NAME_WORD = re.compile(r"[A-Z][a-z'\-]+(?:-[A-Z][a-z'\-]+)?|Mc[A-Z][a-z]+|Mac[A-Z][a-z]+|O'[A-Z][a-z]+")
_FIRM_AFTER_NAME = re.compile(r"^(?:&\s+|and\s+)?(?:co|company|sons|partners|ltd|limited|plc|llp|solicitors|associates)\.?$",
                              re.I)


def _body_after_person(seg: str) -> str | None:
    """What follows a person written with a personal title, when ``seg`` (its job title already
    off) starts with one: "Mr G York Sussex Police" -> "Sussex Police", "Mr John Adler University
    Hospitals of Leicester NHS Trust" -> "University Hospitals of Leicester NHS Trust", "Ms Jo
    Farrar" -> "" (a person, no body). None when ``seg`` does not start with a personal title, or
    when what follows the name is only a firm's ending ("Sir Robert McAlpine Ltd": a firm named
    after a person, left whole). The name is initials and a surname, or a first name and a
    surname (or a surname alone, when the body follows it)."""
    m = _PERSONAL.match(seg)
    if not m:
        return None
    toks = seg[m.end():].split()
    i = 0
    while i < len(toks) and _INITIAL.fullmatch(toks[i]):
        i += 1
    if i < len(toks) and not _NAME_WORD.fullmatch(toks[i]):
        return None if i == 0 else " ".join(toks[i:])  # "Dr of ..." : no name after the title
    ends = [i + 1] if i else [2, 1, 3]  # "G York" | "John Adler", "Smith", "John Paul Smith"
    rests = [" ".join(toks[e:]) for e in ends if e <= len(toks)]
    if any(_FIRM_AFTER_NAME.match(r) for r in rests if r):
        return None
    # a job title may sit between the name and the body ("Mr John Saxby Chief Executive Pennine Care Trust")
    titled = [r for r in rests if r and _TITLE_RE.match(r) and _strip_titles(r)]
    if titled:  # the title marks where the name ends: "Ms Heather Bresch Chief Executive Mylan Pharmaceuticals"
        return _strip_titles(titled[0])
    for rest in rests:  # a known body (or a minister's department) first, then anything naming a body
        if rest and (basic_key(rest) in ALIAS or _rank(rest)[1]):
            return rest
    for rest in rests:
        if rest and not _not_a_body(rest, False) and (
                (_TOP_ORG.search(rest) or _STRONG_ORG.search(rest)) and len(rest.split()) >= 2
                or re.fullmatch(r"[A-Z][A-Za-z&]{1,8}", rest) and sum(c.isupper() for c in rest) >= 2
                and not _NAME_WORD.fullmatch(rest) and rest.lower() not in ROLE_ABBREV):
            # only body words left ("Dr Brighton Sussex University NHS Hospital Trust" -> "University NHS
            # Hospital Trust"): the words taken for a name were the body's own; leave the text as it is
            generic = all(_STRONG_ORG.fullmatch(w) or _TOP_ORG.fullmatch(w) or w.lower() in FUNCTION_WORDS
                          for w in basic_key(rest).split())
            return None if generic else rest  # "SaTH", "UNMH": an acronym, not a surname ("McManus")
    return ""


_MID_TITLE = re.compile(
    r"\s(?:chief executive officer|chief executive|ceo|medical director|chief constable|chief nurse|"
    r"chief medical officer|managing director|chair(?:man|person)?|director of nursing)\b\s*(?:of|at|for|,|-)?\s*(?:the\s+)?",
    re.I)


def _strip_titles(seg: str) -> str:
    m = _MID_TITLE.search(seg)
    if m and m.end() < len(seg) and _TOP_ORG.search(seg[m.end():]):
        seg = seg[m.end():].lstrip(" /")  # "Ms Anna Dugdale Chief Executive Norfolk & Norwich University Hospital"
    for _ in range(3):
        m = _TITLE_RE.match(seg)
        if not m or m.end() == 0:
            break
        seg = seg[m.end():].strip(" ,.-:/")
    # what an honorific-like title left: "(Commissioner) of London Fire Brigade"
    return re.sub(r"^(?:of|at|for|and)\s+(?:the\s+)?", "", seg, flags=re.I)


def _candidates(s: str) -> list[str]:
    s = re.sub(r"[\"“”]", "", s)
    s = re.sub(r"\(([A-Za-z&]{2,10})\)", r" ", s)  # "(WMP)", "(BCUHB)": acronyms of what precedes
    s = re.sub(r"\(([^)]*)\)", r", \1", s)
    parts = [p.strip(" .-") for p in re.split(r"\s*[,:;]\s*|\s+[-|/]\s+|\s+-(?=\s)|\s{2,}", s)]
    # "1 , Chief Executive, West Suffolk NHS Foundation Trust 2 , Chief Executive, …": a list
    # numbered "N ," leaves each number glued to the name before it, as a footnote or page digit does
    parts = [re.sub(r"(?<=[A-Za-z)])\s+\d{1,2}$", "", p) for p in parts]
    while parts and parts[0].isdigit():  # the list number before the first name
        parts = parts[1:]
    parts = [p for p in parts if p]
    for i, p in enumerate(parts[1:], 1):
        if p[:1].isdigit() or re.search(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$", p):
            # "182 Bishopsgate", "3rd Floor", "LS1 4PL": an address follows the name
            return parts[:i]
    return parts


def _rank(seg: str) -> tuple[int, str | None]:
    """(rank, canonical name if known) of one segment, already stripped."""
    key = basic_key(seg)
    if not key:
        return -1, None
    if key in ALIAS:
        return 4, ALIAS[key]
    for pat, dept in _MINISTERS:
        if pat.search(seg):
            return 4, dept
    if _BARE_TITLE.match(seg.strip()):
        return -1, None
    if _TOP_ORG.search(seg):
        return 3, None
    if _STRONG_ORG.search(seg):
        return 2, None
    if seg.isupper() and 2 <= len(seg) <= 8:  # an unknown acronym
        return (-1 if seg.strip().lower() in ROLE_ABBREV else 2), None
    return 1, None


# a segment naming a role, not a body ("Chief Midwife", "Southwest Regional Midwife", "Lead
# Nurse for Safeguarding", "Senior Coroner"): checked only on segments without an organisation word
ROLE_WORD = re.compile(
    r"\b(?:midwife|midwives|nurse|nurses|officers?|coroners?|directors?|leads?|managers?|president|head|consultants?|"
    r"pharmacists?|doctors?|surgeons?|clinicians?|practitioners?|physicians?|paediatricians?|psychiatrists?|"
    r"chair(?:man|woman|person)?|secretary|chief|inspector|superintendent|sergeant|constable|"
    r"governor|registrar|matron|guardian|solicitor|counsel|advocate|worker|workers|adviser|advisor|"
    r"representative|deputy|purposes|attention)\b", re.I)
# a fragment of a sentence or list, not a name: starts with a joining word or ends with a preposition
_FRAGMENT = re.compile(r"^(?:and|or|of|for|to|with|by|in|on|at|as|from|who|which|that|also|cc)\b|"
                       r"\b(?:and|or|of|for|to|with|by|in|on|at|the|from)$|\d\)|^\W", re.I)
# one generic word is not a body: "the Trust", "Council", "the Department"
_GENERIC = re.compile(r"^(?:trust|council|department|ministry|police|service|services|board|authority|agency|"
                      r"government|hospital|organisation|company|team|unit|practice|surgery|home|office|"
                      r"commission|partnership|foundation|centre|group|committee|panel)$", re.I)
# service departments written before the body they belong to ("Director of Highways and
# Operations Oxfordshire County Council" -> Oxfordshire County Council)
_PART_OF = re.compile(
    r"^(?:[A-Z][\w'’-]*\s+|and\s+|&\s+|of\s+)*?(?:Highways|Operations|Services|Social|Care|Children['’]?s?|Adults?|"
    r"Legal|Health|Public|Transport|Environment|Planning|Education|Communities|Housing|Safeguarding|Finance|"
    r"Resources|Governance|Quality|Nursing|Medicine|Strategy|Commissioning)\s+(?:and\s+|&\s+)?"
    r"(?=(?:[A-Z][\w'’-]+\s+){1,3}(?:County\s+|City\s+|Borough\s+|District\s+|Metropolitan\s+Borough\s+)?"
    r"(?:Council|Police|Constabulary)$)")


# words naming a function of a body, not a body ("Public Health", "Adult Social Services")
FUNCTION_WORDS = set(
    "public health adult adults social care services service childrens children nursing legal operations highways "
    "safeguarding education housing quality governance strategy finance mental clinical medical patient safety "
    "commissioning transformation primary community communities people wellbeing and of for the "
    # functions of a body written as an action plan's lead ("Learning and Development", "Workforce Development")
    "learning development workforce training organisational organizational human resources communications "
    "assurance risk compliance improvement".split())
# ranks and job titles written as abbreviations ("DCI", "HR", "L&D"): a person or a function, not a body
ROLE_ABBREV = set("dci di ds dc dcs dsu dsupt pc ps sio hr smt slt ceo coo cfo cmo cno md gm l&d lnd od ld aco acos acc "
                  "dcc hos".split())


def _not_a_body(cand: str, titled: bool) -> bool:
    """A job title, role, function or fragment written where an organisation was expected."""
    c = cand.strip()
    key = basic_key(c)
    if _FRAGMENT.search(c) or _GENERIC.match(key or "x"):
        return True
    if key and all(w in FUNCTION_WORDS for w in key.split()):
        return True  # "Public Health", "Adult Social Services": a function, not a body
    if ROLE_WORD.search(c) and not _STRONG_ORG.search(c) and not re.search(r"\b[A-Z]{3,}\b", c) \
            and not re.search(r"\binstitut", c, re.I):
        return True
    return False


def _display(seg: str) -> str:
    seg = re.sub(r"^the\s+", "", seg.strip(), flags=re.I)
    seg = re.sub(r"\s+", " ", seg).strip(" ,.;:-")
    if seg.islower():
        seg = seg.title()
    return seg[:1].upper() + seg[1:]


# who a recipient is reached through is not who it is: "X and his solicitors and counsel",
# "X via their legal representative (at Y)"
_THROUGH = re.compile(r"\s*,?\s+(?:(?:and|&)\s+(?:his|her|their|its)\s+(?:solicitors?|counsel|legal)|"
                      r"via\s+(?:his|her|their|its|the)\s+(?:legal|solicitors?|counsel|representatives?))\b.*$", re.I | re.S)


@lru_cache(maxsize=65536)
def normalise_org(name: str | None) -> OrgName:
    """The organisation a recipient / owner / respondent string names."""
    s = _clean(_THROUGH.sub("", name or ""))
    if not s:
        return OrgName(None, "")
    # a minister or secretary of state anywhere in the text: their department
    whole_key = basic_key(s)
    if whole_key in ALIAS:
        canon = ALIAS[whole_key]
        return OrgName(slug(canon), canon)
    best: tuple[int, int, str, str | None] | None = None
    # a redacted name leaves no name to read after a personal title ("Dr [REDACTED] Sma Medical Practice")
    redacted = bool(re.search(r"\[\s*redacted\s*\]", name or "", re.I))
    segs = _candidates(s)
    is_title = [bool(_BARE_TITLE.match(_strip_person(g))) or
                (bool(ROLE_WORD.search(g)) and _not_a_body(_strip_titles(_strip_person(g)) or g, False)
                 and _rank(_strip_titles(_strip_person(g)) or g)[1] is None) for g in segs]
    for i, seg in enumerate(segs):
        person = _strip_person(seg)
        honorific = person != re.sub(r"\s+", " ", _POSTNOMINALS.sub(" ", seg)).strip(" ,.-")
        stripped = _strip_titles(person)
        # a person written with a personal title, after a job title or not, then (maybe) their body:
        # "The Chief Constable Mr G York QPM Sussex Police" -> "Sussex Police"; "CEO Ms Jo Farrar" -> no body
        plain = re.sub(r"\s+", " ", _POSTNOMINALS.sub(" ", seg)).strip(" ,.-")
        body = None if redacted else _body_after_person(plain)
        if body is None and not redacted:
            body = _body_after_person(_strip_titles(plain))
        if body is not None:
            stripped, honorific = body, not body  # the body named after the person, or a person alone
        elif _PERSON_LETTERS.search(seg) and PERSONISH.match(stripped) and not _STRONG_ORG.search(stripped):
            stripped, honorific = "", True  # "Theresa May MP": a person
        tries = [(stripped, False)] if stripped else []
        if seg != stripped:
            tries.append((seg, True))
        for cand, titled in tries:
            if titled is False and stripped != person:
                for _ in range(3):  # "Highways and Operations Oxfordshire County Council"
                    part = _PART_OF.sub("", cand)
                    if part == cand or not part:
                        break
                    cand = part
            r, canon = _rank(cand)
            if canon is None and r >= 1 and _not_a_body(cand, titled):
                r = 0
            if canon is None:
                if titled:
                    r = min(r, 0)  # text that still starts with a title or a name is weak
                elif r == 1 and PERSONISH.match(cand) and (honorific or any(is_title[i + 1:])):
                    r = 0  # "Mr Stephen Conroy", "Alwen Williams, Chief Executive, ..."
            item = (r, i, cand, canon)
            if best is None or (r, i) > (best[0], best[1]):
                best = item
    if best is None or best[0] < 1:
        # "Chief Executive", "Mr D Ridley", "Medical Director": no organisation named
        tail = _strip_titles(_strip_person(s))
        r, canon = _rank(tail) if tail else (-1, None)
        canon = canon or _known_inside(s)
        if not canon:
            plain = _strip_person(s)
            canon = next((body for pat, body in _ROLE_BODIES if pat.match(plain)), None)
        if canon:
            return OrgName(slug(canon), canon)
        return OrgName(None, _display(s))
    r, _, cand, canon = best
    if canon:
        return OrgName(slug(canon), canon)
    # "Chief Executive of NHS England" inside a longer segment: look for a known name
    known = _known_inside(cand)
    if known:
        return OrgName(slug(known), known)
    return OrgName(_force_key(cand), _display(cand))


def _force_key(cand: str) -> str:
    """A territorial force is written "<area> Police" or "<area> Constabulary" (West Mercia):
    one key for both."""
    m = re.fullmatch(r"(.+?)\s+constabulary", cand.strip(), re.I)
    if m and not re.search(r"\binspectorate\b|\bof$", m.group(1), re.I):
        police = m.group(1) + " police"
        return slug(ALIAS.get(basic_key(police), police))
    return slug(cand)


_KNOWN_INSIDE: re.Pattern | None = None


def _known_inside(seg: str) -> str | None:
    """A known organisation named inside a longer phrase ("Professor Sir Bruce Keogh National
    Medical Director NHS England"), if the phrase ends with it."""
    global _KNOWN_INSIDE
    if _KNOWN_INSIDE is None:
        names = sorted((k for k in ALIAS if len(k) > 5 or " " in k), key=len, reverse=True)
        _KNOWN_INSIDE = re.compile(r"(?:^|\s)(" + "|".join(re.escape(n) for n in names) + r")$")
    m = _KNOWN_INSIDE.search(basic_key(seg))
    return ALIAS[m.group(1)] if m else None


def split_orgs(text: str | None) -> list[str]:
    """Recipients written as one string: "1. Chief Constable of Sussex Police 2. CEO Sussex
    Partnership NHS Foundation Trust" or "A; B" -> ["Chief Constable of Sussex Police", ...]."""
    if not text:
        return []
    t = " " + to_ascii(text) + " "
    if re.match(r"\s*1\s+,\s", t) and re.search(r"\s2\s+,\s", t):
        # "1 , Chief Executive, A 2 , Chief Executive, B 1": numbered "N ," (a trailing digit is a footnote)
        t = re.sub(r"\s\d{1,2}\s+,\s", " ; ", t)
        t = re.sub(r"(?<=[A-Za-z).])\s\d{1,2}\s*$", " ", t)
    parts = re.split(r";|\s(?:\(?\d{1,2}[.)]|\d{1,2}(?=\s+[A-Z]))\s+|^\(?\d{1,2}[.)]?\s+", t)
    out = []
    for p in parts:
        p = p.strip(" ,.")
        if p:
            out.append(p)
    return out


# ---------------------------------------------------------------- organisation type

_TYPE_RULES: list[tuple[str, re.Pattern]] = [
    ("prison_probation", re.compile(
        r"\b(?:hmp|hmyoi|yoi|prison|prisons|probation|offender management|community rehabilitation company|"
        r"approved premises|young offender|secure training centre|immigration removal centre)\b", re.I)),
    # an inspectorate or regulator of police or prisons is a regulator, not police ("HM Inspectorate of
    # Constabulary", "Independent Office for Police Conduct"): its rule is read first
    ("regulator", re.compile(
        r"\b(?:care quality commission|medicines and healthcare products regulatory agency|general medical council|"
        r"nursing and midwifery council|health and safety executive|general pharmaceutical council|"
        r"health and care professions council|ofsted|ofcom|ofgem|ofwat|ofqual|inspectorate|regulator|regulatory|"
        r"general dental council|general optical council|financial conduct authority|office for product safety|"
        r"civil aviation authority|office of rail and road|social work england|ombudsman|"
        r"independent office for police conduct|food standards agency|charity commission|"
        r"professional standards authority|gambling commission|security industry authority|"
        r"environment agency|care inspectorate|healthcare safety investigation|safety investigations)\b", re.I)),
    ("police", re.compile(
        r"\b(?:police|constabulary|chief constables?|policing|armed policing|police force|police and crime commissioner|pcc|opcc|"
        r"national crime agency)\b", re.I)),
    ("nhs_national", re.compile(
        r"^(?:nhs england|nhs improvement|nhs digital|nhs resolution|nhs wales|nhs scotland|nhs blood|"
        r"nhs business services|nhs 111|nhs providers|nhs confederation|nhs employers|nhs supply chain|"
        r"public health england|public health wales|uk health security agency|health education england|"
        r"national institute for health and care excellence|nhs professionals|nhs counter fraud)\b", re.I)),
    ("local_authority", re.compile(
        # a national council ("Advisory Council on the Misuse of Drugs", "Sentencing Council") is no local authority
        r"\b(?:(?<!advisory )(?<!research )(?<!sentencing )(?<!chiefs )(?<!chiefs' )council(?! on\b)|borough|"
        r"county council|city council|district council|london borough|"
        r"metropolitan borough|unitary authority|local authority|combined authority|greater london authority|"
        r"fire and rescue service|fire and rescue authority)\b", re.I)),
    ("government", re.compile(
        r"\b(?:department|ministry|home office|secretary of state|minister|government|cabinet office|"
        r"treasury|chief coroner|national highways|driver and vehicle|disclosure and barring|"
        r"crown prosecution|uk visas|border force|hm courts|dvla|dvsa|parliament|coastguard|"
        r"maritime and coastguard|youth justice board|office for|advisory council|advisory committee|"
        r"research council|sentencing council)\b", re.I)),
    ("nhs_trust", re.compile(
        r"\b(?:nhs|health board|clinical commissioning group|ccg|integrated care board|integrated care system|icb|"
        r"ambulance service|hospitals?|health and care trust|mental health trust|partnership trust|"
        r"healthcare trust|foundation trust|commissioning support unit|health service|"
        r"health and (?:social )?care partnership|integrated care|ysbyty|health\b.*\btrust)\b", re.I)),
    ("care_provider", re.compile(
        r"\b(?:care home|nursing home|residential home|care ltd|care limited|care services|home care|homecare|"
        r"healthcare ltd|healthcare limited|hospice|surgery|medical centre|medical practice|health centre|"
        r"group practice|primary care|pharmacy|care group|supported living|care uk|priory|"
        r"domiciliary|gp practice|dental practice|care provider|care agency|housing association|nursing)\b", re.I)),
]


def org_type(name: str | None) -> str:
    """police, nhs_trust, nhs_national, local_authority, government, regulator,
    prison_probation, care_provider or other, from a (raw or canonical) name."""
    org = normalise_org(name)
    text = org.name if org.key else _clean(name or "")
    if not text:
        return "other"
    for t, pat in _TYPE_RULES:
        if pat.search(text):
            return t
    return "other"


def org_type_evidence(name: str | None) -> str:
    """Why ``org_type`` gives its type: the words of the name the curated rule matched ("the name
    says 'Constabulary'"), or that no rule matched."""
    org = normalise_org(name)
    text = org.name if org.key else _clean(name or "")
    for t, pat in _TYPE_RULES:
        m = pat.search(text or "")
        if m:
            return f"the name says “{m.group(0)}” ({t.replace('_', ' ')})"
    return "no word of the name is on the list of organisation types"


def org_aliases(name: str | None) -> list[str]:
    """Other names of a known organisation (acronyms, old names), as lower-case keys; [] if unknown."""
    if not name:
        return []
    for canon, aliases in CANON.items():
        if basic_key(canon) == basic_key(name):
            return list(aliases)
    return []

