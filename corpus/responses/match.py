"""Which PFD report does a response answer? Pure functions, no database.

``score_report`` weighs a response's cues (``corpus.responses.cues.extract_cues``) against
one candidate report; ``decide`` picks a report only when the best candidate is both strong
and clearly ahead of the runner-up. A wrong link misleads users, so when in doubt the
response stays unlinked (``LinkDecision.report is None`` with a reason).

``ReportIndex`` shortlists candidates in memory (names, references, dates, rare words)
for scripts and tests; ``index.responses.linking`` does the same against the SQLite store.
"""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable

from corpus.responses.cues import (
    HONORIFICS,
    ReportInfo,
    ResponseCues,
    content_terms,
    edit1,
    org_similarity,
    recipient_in_text,
    same_name_token,
    words,
)

# ------------------------------------------------------------------ tunables

THRESHOLD = 0.5  # link probability the model (corpus.responses.link_model) needs: chosen leave-one-report-out on the dev letters
RULE_THRESHOLD = 0.6  # confidence the hand-weighted rule needs (``use_model=False``)
MIN_MARGIN = 2.0  # points the best candidate must lead the runner-up by
W_REFERENCE = 8.0
W_FULL_NAME = 4.0
W_SURNAME = 2.5
W_FIRST_NAME = 0.7
W_BARE_NAME = 2.5  # the report's deceased in full, but in no context that says who died
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


class WordRarity:
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
    toks = [t for t in words(coroner) if len(t) > 1 and t not in HONORIFICS and t not in {"kc", "qc", "hm"}]
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
            if not same_name_token(n.surname, rn[-1]):
                # a misspelt short surname counts when the first name is the report's too
                # ("Imogen Hep" for Imogen Heap); otherwise a two-token name whose first name
                # is the report's first name is still no match ("Mr Jacob Smith" vs "Jacob Billington")
                if (len(n.tokens) >= 2 and len(rn) >= 2 and len(n.tokens[0]) >= 3 and n.tokens[0] == rn[0]
                        and min(len(n.surname), len(rn[-1])) >= 3 and edit1(n.surname, rn[-1])):
                    if W_FULL_NAME > best:
                        best, how = W_FULL_NAME, "full name (misspelt): " + " ".join(n.tokens)
                continue
            if len(n.tokens) >= 2:
                firsts = n.tokens[:-1]
                rfirsts = rn[:-1]
                if rfirsts and (same_name_token(firsts[0], rfirsts[0])
                                or (len(firsts[0]) == 1 and rfirsts[0].startswith(firsts[0]))):
                    if W_FULL_NAME > best:
                        best, how = W_FULL_NAME, "full name: " + " ".join(n.tokens)
                elif rfirsts and not any(same_name_token(f, r) for f in firsts for r in rfirsts):
                    conflict = True
                elif not rfirsts and W_SURNAME > best:
                    best, how = W_SURNAME, "surname: " + n.surname
            elif n.titled or n.form in ("death_of", "late", "possessive"):
                if W_SURNAME > best:
                    best, how = W_SURNAME, "surname: " + n.surname
        if n.form == "possessive" and len(n.tokens) == 1:
            if any(len(rn) >= 2 and same_name_token(n.tokens[0], rn[0]) for rn in report.names):
                if W_FIRST_NAME > best:
                    best, how = W_FIRST_NAME, "first name: " + n.tokens[0]
    if best < W_FULL_NAME:
        # the report's deceased written out in full anywhere in the letter ("that Janet Brown Townend:"),
        # in no pattern the cues know ("death of", a title, a possessive)
        grams = _letter_ngrams(cues)
        for rn in report.names:
            toks = tuple(t for t in rn if t)
            if 2 <= len(toks) <= 4 and min(len(t) for t in toks) >= 2 and sum(map(len, toks)) >= 8 and toks in grams:
                return max(best, W_BARE_NAME), "full name in text: " + " ".join(toks)
    if conflict and best < W_FULL_NAME:
        return W_NAME_CONFLICT + best, "different first name, same surname"
    return best, how


def _letter_ngrams(cues: ResponseCues) -> set[tuple[str, ...]]:
    """Runs of 2 to 4 folded words of the letter (cached on the cues)."""
    cache = cues.__dict__.setdefault("_cache", {})
    if "ngrams" not in cache:
        ws = words(cues.text or "")
        cache["ngrams"] = {tuple(ws[i:i + n]) for n in (2, 3, 4) for i in range(len(ws) - n + 1)}
    return cache["ngrams"]


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


def telling_terms(cues: ResponseCues, stats: WordRarity | None = None, top: int = 30) -> list[tuple[float, str]]:
    """The response's ``top`` most telling words, (weight, word), best first."""
    stats = stats or WordRarity()
    weighted = sorted(((1 + math.log(c)) * stats.idf(t), t) for t, c in cues.terms.items())
    return [x for x in weighted[::-1] if x[0] > 0][:top]


def content_similarity(cues: ResponseCues, report: ReportInfo, stats: WordRarity | None = None,
                       top: int = 30) -> float:
    """Share (0..1), weighted by rarity, of the response's most telling words that the
    report also uses."""
    weighted = telling_terms(cues, stats, top)
    total = sum(w for w, _ in weighted)
    if not total:
        return 0.0
    return sum(w for w, t in weighted if t in report.terms) / total


def _paragraphs(text: str) -> list[Counter]:
    """The letter's paragraphs (blank-line separated; long ones cut into ~120-word windows) as
    content-term bags; tiny ones (headings, sign-offs) dropped."""
    out = []
    for p in re.split(r"\n\s*\n", text or ""):
        ws = words(p)
        for k in range(0, max(1, len(ws)), 120):
            bag = content_terms(ws[k:k + 150])
            if sum(bag.values()) >= 6:
                out.append(bag)
    return out[:80]


def _unit(bag: Counter, stats: WordRarity) -> dict[str, float]:
    v = {t: (1 + math.log(c)) * stats.idf(t) for t, c in bag.items()}
    norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
    return {t: x / norm for t, x in v.items()}


def concern_similarity(cues: ResponseCues, report: ReportInfo, stats: WordRarity | None = None) -> tuple[float, float]:
    """How closely the letter's paragraphs speak to the report's concerns: (best, coverage) =
    the highest TF-IDF cosine of any concern with any paragraph, and the mean over the concerns
    of each one's best paragraph. (0, 0) when the report's concerns are not known."""
    if not report.concerns:
        return 0.0, 0.0
    stats = stats or WordRarity()
    key = ("_para_vecs", id(stats))
    cache = cues.__dict__.setdefault("_cache", {})
    if key not in cache:
        cache[key] = [_unit(b, stats) for b in _paragraphs(cues.text)]
    paras = cache[key]
    if not paras:
        return 0.0, 0.0
    bests = []
    for c in report.concerns[:20]:
        cv = _unit(content_terms(c), stats)
        if not cv:
            continue
        bests.append(max(sum(x * p.get(t, 0.0) for t, x in cv.items()) for p in paras))
    if not bests:
        return 0.0, 0.0
    return round(max(bests), 4), round(sum(bests) / len(bests), 4)


def text_cosine(cues: ResponseCues, report: ReportInfo, stats: WordRarity | None = None) -> float:
    """TF-IDF cosine of the whole letter with the whole report (content words, rarity-weighted):
    how much the two speak of the same things, whoever is named."""
    stats = stats or WordRarity()
    cache = cues.__dict__.setdefault("_cache", {})
    key = ("_letter_vec", id(stats))
    if key not in cache:
        cache[key] = _unit(cues.terms, stats)
    lv = cache[key]
    vecs = stats.__dict__.setdefault("_report_vecs", {})  # per rarity table (one letter's), per report
    rv = vecs.get(id(report))
    if rv is None or rv[0] is not report:
        rv = vecs[id(report)] = (report, _unit(Counter(content_terms(report.words)), stats))
    rv = rv[1]
    if not lv or not rv:
        return 0.0
    small, big = (rv, lv) if len(lv) > len(rv) else (lv, rv)
    return round(sum(x * big.get(t, 0.0) for t, x in small.items()), 4)


def rare_shared(cues: ResponseCues, report: ReportInfo, stats: WordRarity | None) -> list[str]:
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


def score_report(cues: ResponseCues, report: ReportInfo, stats: WordRarity | None = None) -> Score:
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
        identity = identity or (npts >= W_SURNAME and not how.startswith("full name in text"))
    dpts, why = _date_evidence(cues, report)
    if why:
        pts += dpts
        ev["dates"] = why
        parts["dates"] = dpts
    cs = _coroner_surname(report.coroner)
    if cs and cues.coroners:
        if any(same_name_token(cs, c) for c in cues.coroners):
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
            hit = next((r for r in report.recipients if recipient_in_text(r, tw, cues.text[:3000])), None)
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
    best, cover = concern_similarity(cues, report, stats)
    if best:  # a feature of the link model only (no points: the hand rule predates it)
        parts["concern_best"] = best
        parts["concern_cover"] = cover
        ev["concerns_answered"] = round(cover, 3)
    tc = text_cosine(cues, report, stats)
    if tc:  # a feature of the link model only
        parts["text_cos"] = tc
    parts["letter_terms"] = len(cues.terms)  # how much text the content measures rest on
    rare = rare_shared(cues, report, stats)
    if rare:
        pts += W_RARE * min(3, len(rare))
        parts["rare"] = min(3, len(rare)) / 3
        ev["rare_words"] = rare[:6]
        # rare words of its own case, written by one of the report's recipients
        if len(rare) >= 2 and "recipient" in ev:
            identity = True
    named = {t for rn in report.names for t in rn}
    if (ev.get("name", "").startswith("full name in text") and "recipient" not in ev
            and not [w for w in rare if w not in named]):
        # a name in passing corroborates, it never stands alone: without the report's recipient or
        # its rare words beside it, it is no evidence ("... joined the grounds team")
        pts -= parts.pop("name")
        del ev["name"]
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
    also: list[tuple[ReportInfo, float, dict]] = field(default_factory=list)  # more reports it answers together


def confidence_of(points: float, runner_up: float) -> float:
    if points <= 0:
        return 0.0
    base = 1 - math.exp(-points / 4)
    margin = max(0.0, points - runner_up)
    return round(base * min(1.0, 0.5 + margin / 8), 3)


def decide(cues: ResponseCues, candidates: Iterable[ReportInfo], stats: WordRarity | None = None,
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
        # the learned model (corpus.responses.link_model) decides; a quoted reference, which the gold
        # letters never show, still links by the rule below
        from corpus.responses.link_model import choose, linked_together

        k, p, _ = choose(ranked)
        together = linked_together(ranked) if "reference" not in best.evidence else []
        if together and min(q for _, q in together) >= threshold:
            (k0, p0), rest = together[0], together[1:]
            names = [ranked[m].report.reference or str(ranked[m].report.id) for m, _ in together]
            mev = dict(ranked[k0].evidence, points=ranked[k0].points, model_probability=p0, answered_together=names)
            also = [(ranked[m].report, q, dict(ranked[m].evidence, points=ranked[m].points, model_probability=q,
                                               answered_together=names)) for m, q in rest]
            return LinkDecision(ranked[k0].report, p0, mev, "linked", ranked, also)
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
    need = RULE_THRESHOLD if threshold == THRESHOLD else threshold
    if conf < need:
        return LinkDecision(None, conf, ev, f"confidence {conf} below {need}", ranked)
    return LinkDecision(best.report, conf, ev, "linked", ranked)


# ------------------------------------------------------------------ in-memory shortlist


class ReportIndex(WordRarity):
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
                if same_name_token(key, n.surname):
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
