"""What a PFD response letter says about the report it answers, and what a report offers
to be matched against. Pure functions, no database.

A response names the report only through its own words: the deceased ("the death of
Mr Jacob Billington", "Mrs Taylor", "the late X"), the report's date ("report dated
13 March 2024", "Regulation 28 report of 5 November"), the coroner ("Dear Mrs Hunt",
"HM Senior Coroner Louise Hunt"), sometimes the reference ("2024-0621"), and the
concerns it quotes back. ``extract_cues`` finds those cues (``ResponseCues``);
``make_report`` builds the ``ReportInfo`` they are weighed against; ``org_similarity``
compares two organisation names. Weighing and deciding: ``corpus.responses.match``.

Nothing here reads a file name, a source path or a dataset's parent id: the caller
passes text, and (optionally) the respondent (who wrote the response: its sender, not
its answer) and the letter's date.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field

from corpus.dates import MONTHS, find_dates

SHINGLE = 6  # words per quoted run

# ------------------------------------------------------------------ text helpers

_TITLES = r"(?:Mr|Mrs|Ms|Miss|Mx|Master|Dr)"
_NAME_TOKEN = r"[A-Z][A-Za-z'’\-]*[a-z][A-Za-z'’\-]*"
_NAME = rf"{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,4}}"

# Capitalised words that end or are not part of a person's name.
_NOT_NAME = {
    "the", "a", "an", "and", "of", "in", "on", "at", "to", "for", "by", "from", "with",
    "regulation", "report", "reports", "prevention", "future", "deaths", "death", "inquest",
    "coroner", "coroners", "court", "hospital", "trust", "nhs", "hm", "his", "her", "their",
    "senior", "area", "assistant", "which", "who", "whose", "was", "were", "is", "dated",
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday",
    "friday", "saturday", "sunday", "i", "we", "our", "this", "that", "following", "born",
    "aged", "age", "at", "prison", "hmp", "police", "council", "service", "services",
    "department", "ward", "unit", "road", "street", "house", "you", "your", "dear",
    "thank", "thanks", "yours", "sincerely", "faithfully", "response", "concern",
    "concerns", "pfd", "re", "ref", "reference", "she", "he", "it", "they", "sir", "madam",
    "deceased", "investigation", "family", "england", "wales", "uk", "royal",
}
# titles before a person's name, folded: dropped from a name's tokens
HONORIFICS = {"mr", "mrs", "ms", "miss", "mx", "master", "dr", "sir", "dame", "lord", "lady"}

_STOPWORDS = set("""
a about above after again against all also am an and any are as at be because been before
being below between both but by can could did do does doing down during each few for from
further had has have having he her here hers herself him himself his how i if in into is it
its itself just me more most my myself no nor not now of off on once only or other our ours
ourselves out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were
what when where which while who whom why will with would you your yours yourself
yourselves shall may might must upon within without whilst also however therefore
report reports regulation concern concerns coroner coroners future deaths death inquest
response respond responding thank letter dated prevention would like take action taken
""".split())


def fold(s: str) -> str:
    """Lower case, accents and apostrophes removed: "O’Neill" -> "oneill"."""
    if not s.isascii():
        s = re.sub(r"['’`]", "", s)
        s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")
    return s.lower().replace("'", "").replace("`", "")


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


def shingles(text: str, n: int = SHINGLE) -> set[tuple[str, ...]]:
    """Runs of ``n`` words with at least two telling words: what a quotation shares."""
    ws = words(text) if isinstance(text, str) else text
    telling = [len(w) >= 4 and w not in _STOPWORDS for w in ws]
    out = set()
    for i in range(len(ws) - n + 1):
        if sum(telling[i:i + n]) >= 2:
            out.add(tuple(ws[i:i + n]))
    return out


def content_terms(text) -> Counter:
    """Words that can tell one report from another (long, not stop words, not numbers)."""
    ws = words(text) if isinstance(text, str) else text
    return Counter(w for w in ws if len(w) >= 4 and w not in _STOPWORDS and not w.isdigit())


def edit1(a: str, b: str) -> bool:
    """True when a and b differ by at most one insertion, deletion or substitution."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1:] == b[i + 1:]
    return a[i:] == b[i + 1:]


def same_name_token(a: str, b: str) -> bool:
    """Two folded name tokens are one name: equal, or both of five letters or more and one edit
    apart ("terrence" / "terence")."""
    if a == b:
        return True
    return min(len(a), len(b)) >= 5 and edit1(a, b)  # "Terrence" / "Terence"


# ------------------------------------------------------------------ cues


@dataclass
class NameCue:
    tokens: list[str]  # folded, honorific removed: ["jacob", "billington"]
    form: str  # "death_of" | "late" | "titled" | "possessive"
    titled: bool = False

    @property
    def surname(self) -> str:
        return self.tokens[-1]


@dataclass
class DateCue:
    iso: str | None  # full date, or None for a day and month without a year
    kind: str  # "report" (the report's own date) | "other"
    day: int = 0
    month: int = 0
    text: str = ""


@dataclass
class ResponseCues:
    names: list[NameCue] = field(default_factory=list)
    dates: list[DateCue] = field(default_factory=list)
    coroners: list[str] = field(default_factory=list)  # folded surnames
    references: list[str] = field(default_factory=list)
    respondent: str | None = None
    letter_date: str | None = None
    terms: Counter = field(default_factory=Counter)
    shingles: set = field(default_factory=set)
    text: str = ""

    @property
    def report_dates(self) -> list[DateCue]:
        return [d for d in self.dates if d.kind == "report"]

    def summary(self) -> dict:
        return {
            "names": [" ".join(n.tokens) for n in self.names],
            "report_dates": [d.iso or f"{d.day:02d}-{d.month:02d}" for d in self.report_dates],
            "coroners": self.coroners,
            "references": self.references,
            "respondent": self.respondent,
        }


def _clean_name(raw: str) -> list[str]:
    """Folded name tokens: leading non-name words skipped, stops at the first after."""
    toks: list[str] = []
    for t in re.split(r"\s+", raw.strip()):
        t = re.sub(r"['’]s$", "", t)  # possessive
        f = fold(t).strip("-")
        if not f or f in _NOT_NAME:
            if toks:
                break
            continue
        if f in HONORIFICS:
            continue
        toks.append(f)
    return toks


_DEATH_OF = re.compile(
    rf"\b(?:death|deaths|passing|inquests?|investigation)(?:\s+by\s+suicide)?\s+"
    rf"(?:of|into|for|concerning|touching(?:\s+upon)?|regarding)\s+"
    rf"(?:the\s+late\s+)?(?:(?P<title>{_TITLES})\.?\s+)?(?P<name>{_NAME})"
)
# "Re: Jacob Billington, who died on ...", "Mr John Smith (deceased)", "Re: Ann Jones (date of death ...)"
_WHO_DIED = re.compile(rf"(?:(?P<title>{_TITLES})\.?\s+)?(?P<name>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{1,3}}),?\s+"
                       rf"(?:who\s+(?:sadly\s+|tragically\s+)?died|\(?deceased\)?|\((?:date\s+of\s+death|died|DOD)\b)")
_LATE = re.compile(rf"\bthe\s+late\s+(?:(?P<title>{_TITLES})\.?\s+)?(?P<name>{_NAME})")
_TITLED = re.compile(rf"(?<![A-Za-z])(?P<title>{_TITLES})\.?\s+(?P<name>{_NAME})")
_POSSESSIVE = re.compile(rf"\b(?P<name>{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{0,2}})['’]s\s+(?:death|family|families|loved|parents|mother|father|care|passing)\b")

_CORONER_TITLE = r"(?:HM|H\.M\.?|Her\s+Majesty['’]s|His\s+Majesty['’]s)?\s*(?:Senior\s+|Area\s+|Assistant\s+|Acting\s+Senior\s+)?Coroner"
_DEAR = re.compile(rf"\bDear\s+(?:(?:{_TITLES})\.?\s+)?(?P<name>{_NAME})")
_CORONER_AFTER = re.compile(rf"\b{_CORONER_TITLE}(?:\s+(?:for|of)\s+[A-Z][\w ,&\-]{{0,60}}?)?[,:]?\s+(?:(?:{_TITLES})\.?\s+)?(?P<name>{_NAME})")
_CORONER_BEFORE = re.compile(rf"(?:(?:{_TITLES})\.?\s+)?(?P<name>{_NAME})\s*[,(]\s*{_CORONER_TITLE}")
_REFERENCE = re.compile(r"(?<![\d/-])((?:19|20)\d\d)[-/](\d{4})(?![\d/-])")

# dates that are the report's own: "report dated X", "report of X", "Report ... dated X"
_REPORT_DATE_CONTEXT = re.compile(
    r"(?:report|regulation\s+28|reg\s*28|pfd)[^.\n]{0,120}?(?:dated|of|on|issued|sent|commissioned)(?:\s+the)?\s*$"
    r"|(?:dated|issued|commissioned)(?:\s+on)?(?:\s+the)?\s*$",
    re.I,
)
_DAY_MONTH = re.compile(
    r"\b(?P<day>[0-3]?\d)(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b(?!\.?,?\s*(?:19|20)\d\d)",
    re.I,
)


# "your e-mail dated 9 January 2025" (a follow-up), unless "... enclosing the Regulation 28 report"
_CORRESPONDENCE_BEFORE = re.compile(r"\b(?:e-?mail|letter|correspondence|message)\s+(?:request\s+)?(?:dated|of|on|received\s+on|sent\s+on)(?:\s+the)?\s*$", re.I)
_WITH_REPORT_AFTER = re.compile(r"[^.\n]{0,30}?\b(?:enclos|attach|with\s+(?:the|your|a)\s+(?:regulation|report|prevention))", re.I)
_LETTER_DATE = re.compile(r"^[ \t]*(?:Date[d]?\s*[:\-]?\s*)?(?P<d>[^\n]{6,40}?)[ \t]*$", re.M | re.I)


def letter_date_of(text: str) -> str | None:
    """The letter's own date: a date alone on a line ("17th January 2022",
    "Date: 8 May, 2024") in the letterhead, before the salutation."""
    head = text[:1500]
    m = re.search(r"\bDear\b", head)
    if m:
        head = head[:m.start()]
    for m in _LETTER_DATE.finditer(head):
        found = find_dates(m.group("d"))
        if found and found[0][0] <= 1 and found[0][1] >= len(m.group("d").rstrip(" .,")) - 1:
            return found[0][2]
    return None


def extract_cues(text: str, respondent: str | None = None, letter_date: str | None = None) -> ResponseCues:
    """The cues in a response's own text that can identify the report it answers."""
    cues = ResponseCues(respondent=respondent or None, letter_date=letter_date, text=text)
    flat = re.sub(r"[ \t]+", " ", text)

    # coroners first, so their names are not taken for the deceased
    coroners: list[str] = []
    for pat in (_DEAR, _CORONER_AFTER, _CORONER_BEFORE):
        for m in pat.finditer(flat):
            toks = _clean_name(m.group("name"))
            if toks and toks[-1] not in coroners and len(toks[-1]) > 1:
                coroners.append(toks[-1])
    cues.coroners = coroners[:4]
    coroner_spans = [m.span("name") for pat in (_DEAR, _CORONER_AFTER, _CORONER_BEFORE) for m in pat.finditer(flat)]

    seen: set[tuple[str, ...]] = set()

    def add(m: re.Match, form: str) -> None:
        if any(s <= m.start("name") < e for s, e in coroner_spans) and form == "titled":
            return
        toks = _clean_name(m.group("name"))
        if not toks or len(toks[-1]) < 2:
            return
        titled = bool(m.groupdict().get("title"))
        if form == "titled" and toks[-1] in coroners and len(toks) == 1:
            return
        key = tuple(toks)
        if key in seen:
            return
        seen.add(key)
        cues.names.append(NameCue(toks, form, titled))

    for m in _DEATH_OF.finditer(flat):
        add(m, "death_of")
    for m in _LATE.finditer(flat):
        add(m, "late")
    for m in _WHO_DIED.finditer(flat):
        add(m, "death_of")
    for m in _TITLED.finditer(flat):
        add(m, "titled")
    for m in _POSSESSIVE.finditer(flat):
        add(m, "possessive")

    cues.references = list(dict.fromkeys(f"{a}-{b}" for a, b in _REFERENCE.findall(flat)))

    full_spans = []
    for s, e, iso in find_dates(flat):
        before = flat[max(0, s - 160):s]
        kind = "report" if _REPORT_DATE_CONTEXT.search(before) else "other"
        if _CORRESPONDENCE_BEFORE.search(before):
            # an e-mail's or letter's date is the report's only when it came with the report
            kind = "report" if _WITH_REPORT_AFTER.match(flat[e:e + 80]) else "other"
        y, mo, d = (int(x) for x in iso.split("-"))
        cues.dates.append(DateCue(iso, kind, d, mo, flat[s:e]))
        full_spans.append((s, e))
    for m in _DAY_MONTH.finditer(flat):
        if any(s <= m.start() < e for s, e in full_spans):
            continue
        before = flat[max(0, m.start() - 160):m.start()]
        if not _REPORT_DATE_CONTEXT.search(before):
            continue
        month = MONTHS.get(m.group("month").lower().rstrip("."))
        day = int(m.group("day"))
        if month and 1 <= day <= 31:
            cues.dates.append(DateCue(None, "report", day, month, m.group(0)))
    if not cues.letter_date:
        cues.letter_date = letter_date_of(text)
    cues.terms = content_terms(text)
    cues.shingles = shingles(text)
    return cues


# ------------------------------------------------------------------ reports


@dataclass
class ReportInfo:
    """What linking needs to know about one PFD report."""

    id: object
    reference: str | None
    date: str | None
    title: str
    coroner: str | None
    recipients: list[str]
    text: str
    names: list[list[str]] = field(default_factory=list)  # deceased, folded tokens
    url: str | None = None
    concerns: list[str] = field(default_factory=list)  # the report's concerns, one per matter (when known)
    _terms: set[str] | None = field(default=None, repr=False)
    _dates: set[str] | None = field(default=None, repr=False)
    _shingles: set | None = field(default=None, repr=False)
    _words: list | None = field(default=None, repr=False)

    @property
    def words(self) -> list[str]:
        if self._words is None:
            self._words = words(self.text)
        return self._words

    @property
    def shingles(self) -> set:
        if self._shingles is None:
            self._shingles = shingles(self.words)
        return self._shingles

    @property
    def terms(self) -> set[str]:
        if self._terms is None:
            self._terms = set(content_terms(self.words))
        return self._terms

    @property
    def text_dates(self) -> set[str]:
        if self._dates is None:
            self._dates = {iso for _, _, iso in find_dates(self.text)}
        return self._dates


_SLUG_NOISE = {"prevention", "of", "future", "deaths", "death", "report", "pfd", "reg", "regulation", "28", "and", "the"}


def report_names(title: str, text: str = "", url: str | None = None) -> list[list[str]]:
    """The deceased's name(s) as folded tokens, from the title ("<Name> — PFD report
    <id>"), from "the death of <Name>" in the report, and from the judiciary URL slug."""
    names: list[list[str]] = []

    def add(toks: list[str]) -> None:
        toks = [t for t in toks if t and t not in HONORIFICS]
        if toks and toks not in names:
            names.append(toks)

    head = re.split(r"\s+[—–-]\s+|\s*\bPFD\b|\s*\bPrevention of Future Deaths?\b", title or "", maxsplit=1)[0]
    if head and not re.search(r"\d{4}", head):
        add(_clean_name(head))
    for m in list(_DEATH_OF.finditer(text[:4000]))[:2]:
        add(_clean_name(m.group("name")))
    if url:
        slug = url.rstrip("/").rsplit("/", 1)[-1]
        toks = [t for t in fold(slug).split("-") if t and not t.isdigit()]
        cut = []
        for t in toks:
            if t in _SLUG_NOISE:
                break
            cut.append(t)
        if 1 < len(cut) <= 5:
            add(cut)
    return names


def split_recipients(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        value = value.split(";")
    return [v.strip() for v in value if v and v.strip()]


def make_report(id, title: str, text: str, reference: str | None = None, date: str | None = None,
                meta: dict | None = None) -> ReportInfo:
    meta = meta or {}
    return ReportInfo(
        id=id, reference=reference, date=date, title=title or "", coroner=meta.get("coroner"),
        recipients=split_recipients(meta.get("recipients") or meta.get("receiver")), text=text or "",
        names=report_names(title, text or "", meta.get("url")), url=meta.get("url"),
    )


# ------------------------------------------------------------------ organisations

_ORG_NOISE = {
    "the", "of", "for", "and", "to", "in", "on", "at", "chief", "executive", "officer", "ceo",
    "director", "secretary", "state", "rt", "hon", "mp", "right", "honourable", "minister",
    "general", "head", "national", "clinical", "medical", "1", "2", "3", "4", "5", "uk",
}
_ORG_GENERIC = {
    "nhs", "trust", "foundation", "council", "county", "borough", "city", "department",
    "police", "service", "services", "hospital", "hospitals", "university", "group",
    "limited", "ltd", "plc", "care", "health", "board", "authority", "agency", "office",
    "partnership", "royal", "college", "england", "local", "integrated", "system",
}


def _org_tokens(name: str) -> list[str]:
    name = re.sub(r"\([^)]*\)", " ", name)
    return [w for w in words(name.replace("&", " and ")) if w not in _ORG_NOISE]


def _acronyms(name: str) -> set[str]:
    out = {fold(a) for a in re.findall(r"\(([A-Za-z&]{2,8})\)", name)}
    toks = [w for w in words(name.replace("&", " and ")) if w not in {"the", "of", "for", "and", "to", "in", "on"}]
    if len(toks) >= 2:
        out.add("".join(t[0] for t in toks))
    return out


def org_similarity(a: str, b: str) -> float:
    """How sure we are that two organisation names are the same body, 0..1.

    "NICE" ~ "National Institute for Health & Care Excellence"; "Chief Executive, NHS
    England" ~ "NHS England"; "Secretary of State for Justice" !~ "... for Health"."""
    if not a or not b:
        return 0.0
    ta, tb = _org_tokens(a), _org_tokens(b)
    aa, ab = _acronyms(a), _acronyms(b)
    if (set(ta) & ab) or (set(tb) & aa) or (aa & ab and min(len(x) for x in aa & ab) >= 3):
        return 1.0
    sa, sb = set(ta), set(tb)
    if not sa or not sb:
        return 0.0
    if sa == sb:
        return 1.0
    common = sa & sb
    if not common:
        return 0.0
    distinctive = common - _ORG_GENERIC
    cover = len(common) / min(len(sa), len(sb))
    if not distinctive:
        # only generic words in common ("NHS England" vs "NHS Foundation Trust"): weak
        return 0.5 * cover if (sa <= sb or sb <= sa) else 0.2 * cover
    return cover


_ROLE_WORDS = {"president", "chair", "chairman", "chairwoman", "chairperson", "registrar", "deputy",
               "vice", "interim", "acting"}


def recipient_in_text(recipient: str, text_words: set[str], text: str) -> bool:
    """The letter names this recipient (its distinctive words, a role such as "President of" aside, or its acronym)."""
    toks = [t for t in _org_tokens(recipient) if t not in _ORG_GENERIC and t not in _ROLE_WORDS]
    if toks and len(toks) >= 1 and all(t in text_words for t in toks) and sum(len(t) for t in toks) >= 6:
        return True
    if not toks:
        # a name of generic words only ("Chief Executive, NHS England"): the organisation's own words as
        # one capitalised phrase, its role ("Chief Executive, ") aside
        org = recipient.rsplit(",", 1)[-1]
        gen = [w for w in re.findall(r"[A-Za-z]+", org) if w.lower() in _ORG_GENERIC]
        if len(gen) >= 2 and re.search(r"\b" + r"\s+(?:of\s+|for\s+|and\s+|the\s+)*".join(
                re.escape(w[0].upper() + w[1:]) if w.islower() else re.escape(w) for w in gen) + r"\b", text):
            return True
    for ac in _acronyms(recipient):
        if len(ac) >= 3 and re.search(rf"\b{re.escape(ac.upper())}\b", text):
            return True
    # initials and the start of the last word: "RCPath", "RCPsych" (a mixed-case token of the letter)
    toks = [w for w in words(recipient.replace("&", " and ")) if w not in {"the", "of", "for", "and", "to", "in", "on"}
            and w not in _ROLE_WORDS]
    if len(toks) >= 3:
        mixed = {t.lower() for t in re.findall(r"\b[A-Z]{2,}[a-z]{2,}\b", text)}
        head = "".join(t[0] for t in toks[:-1])
        if any(head + toks[-1][:k] in mixed for k in range(3, 7)):
            return True
    return False


# ------------------------------------------------------------------ scoring
