"""Which PFD report does a response answer? Pure functions, no database.

A response names the report only through its own words: the deceased ("the death of
Mr Jacob Billington", "Mrs Taylor", "the late X"), the report's date ("report dated
13 March 2024", "Regulation 28 report of 5 November"), the coroner ("Dear Mrs Hunt",
"HM Senior Coroner Louise Hunt"), sometimes the reference ("2024-0621"), and the
concerns it quotes back. ``extract_cues`` finds those cues; ``score_report`` weighs them
against one candidate report; ``decide`` picks a report only when the best candidate
is both strong and clearly ahead of the runner-up. A wrong link misleads users, so when
in doubt the response stays unlinked (``LinkDecision.report is None`` with a reason).

Nothing here reads a file name, a source path or a dataset's parent id: the caller
passes text, and (optionally) the respondent (who wrote the response: its sender, not
its answer) and the letter's date.

``ReportIndex`` shortlists candidates in memory (names, references, dates, rare words)
for scripts and tests; ``index.linking`` does the same against the SQLite store.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

from .dates import MONTHS, find_dates

# ------------------------------------------------------------------ tunables

THRESHOLD = 0.6  # minimum confidence for a link
MIN_MARGIN = 2.0  # points the best candidate must lead the runner-up by
W_REFERENCE = 8.0
W_FULL_NAME = 4.0
W_SURNAME = 2.5
W_FIRST_NAME = 0.7
W_NAME_CONFLICT = -3.0
W_REPORT_DATE = 3.0
W_REPORT_DATE_NEAR = 1.5
W_PARTIAL_DATE = 2.0
W_REPORT_DATE_WRONG = -2.0
W_OTHER_DATE = 1.0  # per date also written in the report (death, inquest), max 2
W_CORONER = 1.5
W_CORONER_WRONG = -1.0
W_RECIPIENT = 1.5
W_RECIPIENT_TEXT = 1.0
W_RECIPIENT_WRONG = -0.5
W_RARE = 1.0  # per very rare word (in at most RARE_DF reports) shared with the report, max 3
RARE_DF = 5
W_ERA = -1.5  # the response talks of dates years after this report
W_BEFORE = -3.0  # the letter is dated before the report
W_CONTENT = 3.0  # times the idf-weighted share of the response's rare words in the report
W_QUOTE = 1.5  # quoted passages: some shared 6-word runs
W_QUOTE_LONG = 3.5  # many: the response restates the report's concerns
QUOTE_SOME, QUOTE_MANY = 4, 12  # shared runs needed
SHINGLE = 6

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
_HONORIFICS = {"mr", "mrs", "ms", "miss", "mx", "master", "dr", "sir", "dame", "lord", "lady"}

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


def _edit1(a: str, b: str) -> bool:
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


def _same_name_token(a: str, b: str) -> bool:
    if a == b:
        return True
    return min(len(a), len(b)) >= 5 and _edit1(a, b)  # "Terrence" / "Terence"


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
        if f in _HONORIFICS:
            continue
        toks.append(f)
    return toks


_DEATH_OF = re.compile(
    rf"\b(?:death|deaths|passing|inquests?|investigation)(?:\s+by\s+suicide)?\s+"
    rf"(?:of|into|for|concerning|touching(?:\s+upon)?|regarding)\s+"
    rf"(?:the\s+late\s+)?(?:(?P<title>{_TITLES})\.?\s+)?(?P<name>{_NAME})"
)
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
    for m in _TITLED.finditer(flat):
        add(m, "titled")
    for m in _POSSESSIVE.finditer(flat):
        add(m, "possessive")

    cues.references = list(dict.fromkeys(f"{a}-{b}" for a, b in _REFERENCE.findall(flat)))

    full_spans = []
    for s, e, iso in find_dates(flat):
        before = flat[max(0, s - 160):s]
        kind = "report" if _REPORT_DATE_CONTEXT.search(before) else "other"
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
        toks = [t for t in toks if t and t not in _HONORIFICS]
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


def _recipient_in_text(recipient: str, text_words: set[str], text: str) -> bool:
    toks = [t for t in _org_tokens(recipient) if t not in _ORG_GENERIC]
    if toks and len(toks) >= 1 and all(t in text_words for t in toks) and sum(len(t) for t in toks) >= 6:
        return True
    for ac in _acronyms(recipient):
        if len(ac) >= 3 and re.search(rf"\b{re.escape(ac.upper())}\b", text):
            return True
    return False


# ------------------------------------------------------------------ scoring


class TermStats:
    """How many reports use a word (``df``) out of ``n``: what makes a word telling.
    Without stats every word weighs the same and no word counts as rare."""

    n: int = 0

    def df(self, term: str) -> int | None:
        return None

    def idf(self, term: str) -> float:
        df = self.df(term)
        if df is None or not self.n:
            return 1.0
        return math.log((self.n + 1) / (df + 1))


@dataclass
class Score:
    report: ReportInfo
    points: float
    evidence: dict
    identity: bool  # at least one cue that singles out a case (reference, name, quoted text)
    parts: dict = field(default_factory=dict)  # points per kind of evidence (features of the link model)


def _coroner_surname(coroner: str | None) -> str | None:
    if not coroner:
        return None
    toks = [t for t in words(coroner) if len(t) > 1 and t not in _HONORIFICS and t not in {"kc", "qc", "hm"}]
    return toks[-1] if toks else None


def _days(a: str, b: str) -> int | None:
    try:
        return abs((date.fromisoformat(a) - date.fromisoformat(b)).days)
    except (TypeError, ValueError):
        return None


def _name_evidence(cues: ResponseCues, report: ReportInfo) -> tuple[float, str | None]:
    best, how = 0.0, None
    conflict = False
    for n in cues.names:
        for rn in report.names:
            if not _same_name_token(n.surname, rn[-1]):
                # a two-token name whose first name is the report's first name is
                # still no match ("Mr Jacob Smith" vs "Jacob Billington")
                continue
            if len(n.tokens) >= 2:
                firsts = n.tokens[:-1]
                rfirsts = rn[:-1]
                if rfirsts and (_same_name_token(firsts[0], rfirsts[0])
                                or (len(firsts[0]) == 1 and rfirsts[0].startswith(firsts[0]))):
                    if W_FULL_NAME > best:
                        best, how = W_FULL_NAME, "full name: " + " ".join(n.tokens)
                elif rfirsts and not any(_same_name_token(f, r) for f in firsts for r in rfirsts):
                    conflict = True
                elif not rfirsts and W_SURNAME > best:
                    best, how = W_SURNAME, "surname: " + n.surname
            elif n.titled or n.form in ("death_of", "late", "possessive"):
                if W_SURNAME > best:
                    best, how = W_SURNAME, "surname: " + n.surname
        if n.form == "possessive" and len(n.tokens) == 1:
            if any(len(rn) >= 2 and _same_name_token(n.tokens[0], rn[0]) for rn in report.names):
                if W_FIRST_NAME > best:
                    best, how = W_FIRST_NAME, "first name: " + n.tokens[0]
    if conflict and best < W_FULL_NAME:
        return W_NAME_CONFLICT + best, "different first name, same surname"
    return best, how


def _date_evidence(cues: ResponseCues, report: ReportInfo) -> tuple[float, list[str]]:
    pts, why = 0.0, []
    rd = cues.report_dates
    if report.date and rd:
        best = None
        for d in rd:
            if d.iso:
                gap = _days(d.iso, report.date)
                if gap is not None and (best is None or gap < best[0]):
                    best = (gap, d)
            else:
                ry, rm, rdd = (int(x) for x in report.date.split("-"))
                try:
                    cand = [date(y, d.month, d.day) for y in (ry - 1, ry, ry + 1)]
                except ValueError:
                    continue
                gap = min(abs((c - date(ry, rm, rdd)).days) for c in cand)
                if best is None or gap < best[0]:
                    best = (gap, d)
        if best is not None:
            gap, d = best
            if gap <= 1:
                pts += W_REPORT_DATE if d.iso else W_PARTIAL_DATE
                why.append(f"report date {d.text!r} = {report.date}")
            elif gap <= 14:
                pts += W_REPORT_DATE_NEAR
                why.append(f"report date {d.text!r} ~ {report.date} ({gap} days)")
            elif gap > 60 and not any(d.iso and d.iso in report.text_dates for d in rd):
                pts += W_REPORT_DATE_WRONG
                why.append(f"report date {d.text!r} != {report.date}")
    # other dates (death, inquest) the response shares with the report
    shared = {d.iso for d in cues.dates if d.iso and d.iso in report.text_dates and d.iso != report.date}
    if shared:
        pts += min(2, len(shared)) * W_OTHER_DATE
        why.append("dates also in report: " + ", ".join(sorted(shared)[:3]))
    return pts, why


def telling_terms(cues: ResponseCues, stats: TermStats | None = None, top: int = 30) -> list[tuple[float, str]]:
    """The response's ``top`` most telling words, (weight, word), best first."""
    stats = stats or TermStats()
    weighted = sorted(((1 + math.log(c)) * stats.idf(t), t) for t, c in cues.terms.items())
    return [x for x in weighted[::-1] if x[0] > 0][:top]


def content_similarity(cues: ResponseCues, report: ReportInfo, stats: TermStats | None = None,
                       top: int = 30) -> float:
    """Share (0..1), weighted by rarity, of the response's most telling words that the
    report also uses."""
    weighted = telling_terms(cues, stats, top)
    total = sum(w for w, _ in weighted)
    if not total:
        return 0.0
    return sum(w for w, t in weighted if t in report.terms) / total


def rare_shared(cues: ResponseCues, report: ReportInfo, stats: TermStats | None) -> list[str]:
    """Words of the response used by at most RARE_DF reports, this one among them
    ("Iffley", a drug's name, a road): a sign the two are about the same case."""
    if stats is None:
        return []
    out = []
    for t in cues.terms:
        if len(t) >= 5 and t in report.terms:
            df = stats.df(t)
            if df is not None and df <= RARE_DF:
                out.append(t)
    return sorted(out)


def score_report(cues: ResponseCues, report: ReportInfo, stats: TermStats | None = None) -> Score:
    """Points for one candidate report, with the evidence behind them."""
    pts, ev = 0.0, {}
    parts: dict[str, float] = {}
    identity = False
    if report.reference and report.reference in cues.references:
        pts += W_REFERENCE
        parts["reference"] = 1.0
        ev["reference"] = report.reference
        identity = True
    npts, how = _name_evidence(cues, report)
    if how:
        pts += npts
        ev["name"] = how
        parts["name"] = npts
        identity = identity or npts >= W_SURNAME
    dpts, why = _date_evidence(cues, report)
    if why:
        pts += dpts
        ev["dates"] = why
        parts["dates"] = dpts
    cs = _coroner_surname(report.coroner)
    if cs and cues.coroners:
        if any(_same_name_token(cs, c) for c in cues.coroners):
            pts += W_CORONER
            parts["coroner"] = 1.0
            ev["coroner"] = report.coroner
        elif not any(c in report.terms or c in report.words for c in cues.coroners):
            pts += W_CORONER_WRONG
            parts["coroner"] = -1.0
            ev["coroner_mismatch"] = f"{cues.coroners[0]} vs {report.coroner}"
    if report.recipients:
        if cues.respondent:
            sim = max(org_similarity(cues.respondent, r) for r in report.recipients)
            if sim >= 0.75:
                pts += W_RECIPIENT
                parts["recipient"] = 1.0
                ev["recipient"] = cues.respondent
            elif sim < 0.3:
                pts += W_RECIPIENT_WRONG
                parts["recipient"] = -1.0
                ev["recipient_mismatch"] = cues.respondent
        else:
            tw = set(words(cues.text[:3000]))
            hit = next((r for r in report.recipients if _recipient_in_text(r, tw, cues.text[:3000])), None)
            if hit:
                pts += W_RECIPIENT_TEXT
                parts["recipient"] = 0.7
                ev["recipient"] = f"named in text: {hit}"
    quoted = len(cues.shingles & report.shingles) if cues.shingles else 0
    if quoted >= QUOTE_MANY:
        pts += W_QUOTE_LONG
        parts["quoted"] = 1.0
        ev["quoted"] = quoted
        identity = True
    elif quoted >= QUOTE_SOME:
        pts += W_QUOTE
        parts["quoted"] = 0.5
        ev["quoted"] = quoted
    sim = content_similarity(cues, report, stats)
    if sim:
        pts += W_CONTENT * sim
        parts["content"] = sim
        ev["content"] = round(sim, 3)
    rare = rare_shared(cues, report, stats)
    if rare:
        pts += W_RARE * min(3, len(rare))
        parts["rare"] = min(3, len(rare)) / 3
        ev["rare_words"] = rare[:6]
        # rare words of its own case, written by one of the report's recipients
        if len(rare) >= 2 and "recipient" in ev:
            identity = True
    # time: a response is written after its report, usually within months
    if report.date:
        if cues.letter_date and cues.letter_date < report.date:
            pts += W_BEFORE
            parts["before"] = 1.0
            ev["before_report"] = cues.letter_date
        later = [d.iso for d in cues.dates if d.iso and d.iso[:4].isdigit()
                 and int(d.iso[:4]) >= int(report.date[:4]) + 3]
        if later:
            pts += W_ERA
            parts["era"] = 1.0
            ev["era"] = f"mentions {max(later)}, report {report.date}"
    return Score(report, round(pts, 3), ev, identity, parts)


@dataclass
class LinkDecision:
    report: ReportInfo | None
    confidence: float
    evidence: dict
    reason: str  # "linked" | why not
    ranked: list[Score] = field(default_factory=list)


def confidence_of(points: float, runner_up: float) -> float:
    if points <= 0:
        return 0.0
    base = 1 - math.exp(-points / 4)
    margin = max(0.0, points - runner_up)
    return round(base * min(1.0, 0.5 + margin / 8), 3)


def decide(cues: ResponseCues, candidates: Iterable[ReportInfo], stats: TermStats | None = None,
           threshold: float = THRESHOLD, use_model: bool = True) -> LinkDecision:
    """The report this response answers, or None (with the reason) when unsure."""
    scores = [score_report(cues, r, stats) for r in candidates]
    # the same report twice (a dataset's duplicate rows) is one candidate
    best_by_key: dict = {}
    for s in scores:
        key = s.report.reference or ("id", s.report.id)
        if key not in best_by_key or s.points > best_by_key[key].points:
            best_by_key[key] = s
    ranked = sorted(best_by_key.values(), key=lambda s: -s.points)
    if not ranked:
        return LinkDecision(None, 0.0, {}, "no candidate reports", [])
    best = ranked[0]
    runner = ranked[1].points if len(ranked) > 1 else 0.0
    conf = confidence_of(best.points, max(runner, 0.0))
    ev = dict(best.evidence, points=best.points, runner_up=round(runner, 3))
    if use_model:
        # the learned model (corpus.link_model) decides; a quoted reference, which the gold
        # letters never show, still links by the rule below
        from .link_model import choose

        k, p, _ = choose(ranked)
        if k is not None:
            pick = ranked[k]
            others = max((s.points for s in ranked if s is not pick), default=0.0)
            mev = dict(pick.evidence, points=pick.points, runner_up=round(others, 3), model_probability=p)
            if p >= threshold or "reference" in pick.evidence:
                return LinkDecision(pick.report, p, mev, "linked", ranked)
        if "reference" not in best.evidence:
            why = f"model probability {p} below {max(threshold, 0.5)} or too close to the next report"
            if not best.identity:
                why = "no name, reference or other identifying cue matches; " + why
            elif best.points - runner < MIN_MARGIN:
                why = f"ambiguous: {best.report.reference} vs {ranked[1].report.reference}; " + why
            return LinkDecision(None, p, dict(ev, model_probability=p), why, ranked)
    if not best.identity:
        return LinkDecision(None, conf, ev, "no name, reference or other identifying cue matches", ranked)
    if best.points - runner < MIN_MARGIN:
        return LinkDecision(None, conf, ev, f"ambiguous: {best.report.reference} vs {ranked[1].report.reference}", ranked)
    if conf < threshold:
        return LinkDecision(None, conf, ev, f"confidence {conf} below {threshold}", ranked)
    return LinkDecision(best.report, conf, ev, "linked", ranked)


# ------------------------------------------------------------------ in-memory shortlist


class ReportIndex(TermStats):
    """Reports in memory, findable by surname, reference, date and rare words."""

    def __init__(self, reports: Iterable[ReportInfo]):
        self.reports = list(reports)
        self.by_surname: dict[str, list[int]] = defaultdict(list)
        self.by_reference: dict[str, list[int]] = defaultdict(list)
        self.by_date: dict[str, list[int]] = defaultdict(list)
        self.postings: dict[str, list[int]] = defaultdict(list)
        for i, r in enumerate(self.reports):
            for n in r.names:
                if i not in self.by_surname[n[-1]]:
                    self.by_surname[n[-1]].append(i)
            if r.reference:
                self.by_reference[r.reference].append(i)
            if r.date:
                self.by_date[r.date].append(i)
            for t in r.terms:
                self.postings[t].append(i)
        self.n = max(1, len(self.reports))

    def df(self, term: str) -> int:
        return len(self.postings.get(term, ()))

    def candidates(self, cues: ResponseCues, content_top: int = 15) -> list[ReportInfo]:
        found: dict[int, None] = {}
        for n in cues.names:
            for key, ids in self.by_surname.items():
                if _same_name_token(key, n.surname):
                    found.update(dict.fromkeys(ids))
        for ref in cues.references:
            found.update(dict.fromkeys(self.by_reference.get(ref, ())))
        for d in cues.report_dates:
            if d.iso:
                base = date.fromisoformat(d.iso)
                for k in range(-3, 4):
                    day = date.fromordinal(base.toordinal() + k).isoformat()
                    found.update(dict.fromkeys(self.by_date.get(day, ())))
        # rare words: the reports sharing most of the response's telling words
        weighted = telling_terms(cues, self, 30)
        acc: Counter = Counter()
        for w, t in weighted:
            for i in self.postings.get(t, ()):
                acc[i] += w
        found.update(dict.fromkeys(i for i, _ in acc.most_common(content_top)))
        return [self.reports[i] for i in found]

    def link(self, cues: ResponseCues, threshold: float = THRESHOLD, exclude=None) -> LinkDecision:
        """``exclude``: a reference to leave out (to test a response whose report is missing)."""
        cands = [r for r in self.candidates(cues) if exclude is None or r.reference != exclude]
        return decide(cues, cands, self, threshold)
