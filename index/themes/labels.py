"""Theme labels a person would write, and the "content" of a finding.

``content_text(text)`` keeps what a concern says went wrong and drops what only tells
one case apart: names of people and places (capitalised words inside a sentence),
titles, dates, numbers and redaction markers. Keyword features and labels read it.

``phrase_labels(texts, groups, documents)`` names each group of findings by a short
phrase taken from its own members: candidate phrases are 2-4 consecutive words of the
members' content (they may hold "of", "in", "to", "for", "and", "with", "between",
"on", "by", "from", "at" inside, never at either end, and never a stopword or a generic
word such as "concern" at the ends). A candidate must read as a noun phrase about a
matter: none ends in a function word ("... concerning"), holds a tense verb or an -ly
adverb ("... and subsequently dies") or is a participle with its complement ("admitted
to hospital"). Each is scored by its smoothed log-odds in the group's findings against
the library's (at least twice as common in the group), times the share of the group's
documents that use it, so a phrase from one document (a name, one case's detail) cannot
win, times penalties read from the library itself (``word_roles``): words mostly written
after a pronoun, auxiliary, modal or "to" are verbs ("served with ...", "... to
reduce"), and a last word mostly followed by another word is a modifier or wants a
complement ("... and local", "lack"). Template wording is dropped: a phrase that 2% of
the library's documents use but no group holds at twice the library's rate. Longer phrases win
over shorter ones they contain when nearly as frequent. Variants count together (plurals
folded: ``phrase_key``). The label is the best phrase, never two phrases joined by "and" (a
candidate holds no "and"); with the library's encoder, the ``CHECK_TOP`` best are checked
against the whole group and the one nearest the members' mean vector wins. When no phrase
qualifies, the key clause of the most central member. A label never repeats a word, is never
a single word and never holds a redaction marker; two groups never share one, and a name is
never inside a sibling's (the second takes its own next phrase, then its name and its
commonest word after a dash, then a number). ``name_groups`` orders members most central
first and names them: the product's one naming path for groups of findings.
"""
from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from typing import Sequence

log = logging.getLogger(__name__)

MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december|"
          "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_REDACT = re.compile(r"\[\s*(?:redacted|name|x+)\s*\]|\bredact\w*\b|\bx{3,}\b|\*{2,}|█+", re.I)
_TITLE_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof|Professor|Sir|Dame|Lord|Lady|PC|DC|DS|Sgt)\.?\s+"
                         r"(?:[A-Z][\w'’-]*\s*){1,3}")
_DATE = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)?\s+(?:" + MONTHS + r")\w*\s*,?\s*(?:\d{2,4})?|\b(?:" + MONTHS +
                   r")\w*\s+\d{2,4}\b|\b\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b", re.I)
# capitalised words inside a sentence (not after . ! ? : ; or a line start): names, places
_PROPER = re.compile(r"(?<=[a-z0-9,’')\]]\s)(?:[A-Z][\w'’-]+)(?:\s+(?:of|and|the|upon|on)?\s*[A-Z][\w'’-]+)*")
_ACRONYM = re.compile(r"^[A-Z]{2,6}s?$")
_ACRONYM_IN = re.compile(r"\b[A-Z]{2,6}\b")


def content_text(text: str) -> str:
    """``text`` without redaction markers, people's and places' names, dates and numbers
    (acronyms such as CAMHS or MARAC are kept: they name services, not cases)."""
    t = _REDACT.sub(" ", text or "")
    t = _TITLE_NAME.sub(" ", t)
    t = _DATE.sub(" ", t)
    t = _PROPER.sub(lambda m: " ".join(w for w in m.group(0).split() if _ACRONYM.match(w)) or " ", t)
    t = re.sub(r"\d+", " ", t)
    return re.sub(r"\s+", " ", t).strip()


CHECK_TOP = 8     # phrases per group checked against the group's meaning when an encoder is given
COVERAGE = 2.0   # a specific theme's name must be used by many of its documents (share ** COVERAGE)
INNER = {"of", "in", "to", "for", "and", "with", "between", "on", "by", "from", "at"}
# words that may not start or end a label phrase: they name no failure on their own
EDGE_STOP = {
    "concern", "concerns", "concerned", "matter", "matters", "evidence", "heard", "inquest", "coroner", "death",
    "deaths", "died", "deceased", "future", "report", "action", "taken", "time", "way", "case", "given",
    "noted", "appears", "clear", "including", "particular", "regard", "relation", "respect", "number", "ensure",
    "need", "needs", "necessary", "able", "place", "currently", "court", "opinion", "statutory", "duty", "issue",
    "issues", "also", "whether", "however", "therefore", "thus", "although", "despite", "felt", "told", "gave",
    "said", "stated", "made", "make", "used", "use", "lines", "line", "day", "days", "week", "weeks", "year",
    "years", "month", "months", "hour", "hours", "mr", "mrs", "ms", "dr", "redacted", "certain",
    "various", "several", "specific", "specifically", "possible", "likely", "different", "following", "prior",
    "whilst", "within", "without", "upon", "further", "other", "others", "another", "same", "such", "many",
    "much", "well", "still", "even", "yet", "per", "via", "etc", "would", "could", "should", "may", "might",
    "must", "shall", "will", "can", "cannot", "did", "does", "done", "doing", "having", "become", "became",
    "took", "take", "taking", "went", "come", "came", "got", "get", "getting", "seen", "see", "known", "know",
    "think", "thought", "believe", "identified", "highlighted", "raised", "revealed", "occurred", "occur",
    "accepted", "acknowledged", "confirmed", "explained", "described", "found", "shown", "suggested",
    "prevent", "preventing", "prevented", "arising", "arise", "arose", "relevant", "appropriate", "needed",
    "subsequent", "available", "properly", "unplanned", "supportive", "witness", "witnesses",
    "conjunction", "similar", "circumstances", "potential", "set", "young", "approximately", "total", "numbers",
    "number", "periods", "period", "subsequently", "resultant", "true", "phase", "occasions", "occasion",
    "previous", "previously", "practical", "remained", "unable", "sufficiently", "identify", "areas", "area",
    "systems", "system", "works", "carry", "provided", "ensuring", "responsibility", "reports",
    "giving", "rise", "terms", "consider", "considered", "considering", "written", "avoid", "seeking", "contrary",
    "superseding", "recognising", "wider", "significance", "result", "appoint", "relied",
    "inter", "alia", "say", "says", "saying", "personal", "immediately", "timely", "promptly", "solely",
    "appropriately", "adequately", "effectively", "inconsistently", "correctly", "regularly", "routinely",
    "urgently", "personally", "directly", "fully", "quickly", "safely", "receive", "received", "unknown",
    "existence", "highlighted", "checked", "installed", "centred", "mistakes", "space",
    "regarding", "concerning", "speaking", "starting", "subject", "worthy", "global", "thorough", "essence",
}
_WORD = re.compile(r"[a-z][a-z'’-]*[a-z]|[a-z]")


def _stopwords() -> set[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return set(ENGLISH_STOP_WORDS)


def _phrases(text: str, stop: set[str], max_len: int = 4) -> set[str]:
    out: set[str] = set()
    for sent in re.split(r"[.;:!?()\[\]\n]|,\s", content_text(text[:2000]).lower()):
        words = _WORD.findall(sent.replace("’", "'"))
        words = [w[:-2] if w.endswith("'s") else w for w in words]
        words = [w if w.count("-") < 2 and len(w) <= 25 else "the" for w in words]   # a URL's slug is no word
        for i, w in enumerate(words):
            if w in stop or w in INNER or w in EDGE_STOP or len(w) < 3:
                continue
            for n in range(2, max_len + 1):
                if i + n > len(words):
                    break
                seg = words[i:i + n]
                last = seg[-1]
                if any(x in stop and x not in INNER for x in seg[1:-1]):
                    break
                if last in stop or last in INNER or last in EDGE_STOP or len(last) < 3:
                    continue
                if len(last) > 4 and last.endswith("ed") and not last.endswith("eed"):
                    continue   # "procedures and relied": a phrase ending on a past participle is no name
                if last.endswith("ing") and seg[-2] in INNER:
                    continue   # "solely on treating": a gerund waiting for its object
                if len(set(seg)) < len(seg):
                    continue
                if "and" in seg:
                    break      # a name never joins two phrases with "and"
                out.add(" ".join(seg))
    return out


def word_roles(texts: Sequence[str]) -> tuple[dict[str, float], dict[str, float]]:
    """How verb-like and how adjective-like each word is in ``texts`` (0..1, smoothed),
    read from the library itself, not a word list: a verb follows a subject pronoun, an
    auxiliary or a modal ("was served", "she dies", "should act"); a word that is nearly
    always followed by another content word modifies it ("local", "potentially")."""
    stop = _stopwords()
    seen, after_aux, before_content, before_of, after_to = Counter(), Counter(), Counter(), Counter(), Counter()
    after_det = Counter()
    for t in texts:
        words = _WORD.findall((t or "")[:3000].lower().replace("’", "'"))
        for k, w in enumerate(words):
            seen[w] += 1
            if k and words[k - 1] in _VERB_CUES:
                after_aux[w] += 1
            if k and (words[k - 1] == "to" or words[k - 1] in _VERB_CUES):
                after_to[w] += 1
            if k + 1 < len(words) and words[k + 1] not in stop and words[k + 1] not in INNER:
                before_content[w] += 1
            if k + 1 < len(words) and words[k + 1] in ("of", "to"):
                before_of[w] += 1
            if k and words[k - 1] in _NOUN_CUES:
                after_det[w] += 1
    verb = {w: after_aux[w] / (n + 3) for w, n in seen.items()}
    # "to" + a word mostly written after "to" or a modal: an infinitive ("to reduce"), not
    # "to hospital"; such pairs are keyed "to WORD" in the same dict
    for w, n in seen.items():
        verb[w] = max(verb[w], 0.8 * after_to[w] / (n + 3))
        if after_to[w] / (n + 3) >= 0.4:
            verb.setdefault("to " + w, 1.0)
    # a modifier ("local") or a head needing its complement ("lack" of, "in order" to)
    adj = {w: (before_content[w] + before_of[w]) / (n + 3) for w, n in seen.items()}
    # an -ing word written after "the", "of", "poor" ... is a noun ("the training", "of planning");
    # one written straight after a noun is a participle ("a summary stating"), no name's end
    for w, n in seen.items():
        if w.endswith("ing") and len(w) > 5:
            adj["ing:" + w] = after_det[w] / (n + 3)
    return verb, adj


# determiners and prepositions: what stands before a noun (or a gerund used as one)
_NOUN_CUES = {"the", "a", "an", "of", "for", "in", "on", "poor", "any", "no", "this", "their", "his", "her", "its",
              "inadequate", "lack", "effective", "better", "appropriate", "adequate"}
# subject pronouns, auxiliaries and modals: what stands before a verb and rarely before a noun
_VERB_CUES = {"he", "she", "they", "who", "was", "were", "had", "has", "have", "been", "would", "should",
              "could", "will", "must", "may", "might", "cannot", "can", "did", "does", "not", "also"}


def _form_ok(p: str) -> bool:
    """A candidate reads as a noun phrase: it ends on no function word and holds no
    tense verb or -ly adverb ("... was served with papers concerning", "subsequently dies")."""
    ws = p.split()
    if any(a in INNER and b in INNER for a, b in zip(ws, ws[1:])):
        return False   # "conviction on for possession"
    if len(ws[0]) > 4 and ws[0].endswith("ed") and not ws[0].endswith("eed") and ws[1] in INNER:
        return False   # a participle and its complement: "admitted to hospital", "posed by creams"
    return not (ws[-1] in TRAILING or any(w in NARRATIVE for w in ws)
                or any(len(w) > 5 and w.endswith("ly") and w not in NOT_ADVERB for w in ws))


def _stem(w: str) -> str:
    """A word's plural folded ("points" -> "point", "assessments" -> "assessment"), enough for
    counting a phrase's variants together."""
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "'s")):
        return w[:-1]
    return w


def phrase_key(p: str) -> str:
    """The key a phrase's variants share: each word's plural folded."""
    return " ".join(_stem(w) for w in p.split())


def phrase_labels(texts: Sequence[str], groups: list[list[int]], documents: Sequence | None = None,
                  sample_outside: int = 2000, per_group: int = 30, parents: Sequence | None = None,
                  coverage: float = 1.0, encode=None, centroids=None) -> list[str]:
    """One label per group of row indexes into ``texts`` (see the module docstring);
    each group is read from its first ``per_group`` members (pass them most central
    first), against a sample of the rows outside every group. ``parents`` (one key per
    group, or None) says which groups are siblings: a sibling's name is never inside
    another's ("Nursing staff" beside "Nursing staff on night shifts"). ``coverage`` weighs
    the share of the group's documents using a phrase (a power: 2 for a broad group, whose
    name must cover much of it rather than be rare elsewhere). With ``encode`` (texts ->
    vectors, the library's model) and ``centroids`` (one mean vector per group), the
    ``CHECK_TOP`` best phrases are checked against the whole group: the nearest in meaning wins."""
    stop = _stopwords() - INNER - {"first"}   # "first aid"
    docs = list(documents) if documents is not None else list(range(len(texts)))
    groups = [list(g)[:per_group] for g in groups]
    in_group = sorted({i for g in groups for i in g})
    # document frequency of each phrase over every row (rows outside all groups sampled)
    members = set(in_group)
    rest = [i for i in range(len(texts)) if i not in members]
    if len(rest) > sample_outside:
        step = len(rest) / sample_outside
        rest = [rest[int(k * step)] for k in range(sample_outside)]
    rows = in_group + rest
    names = _proper_nouns([texts[i] for i in rows])
    verb, adj = word_roles([texts[i] for i in rows])
    surface: dict[str, Counter] = defaultdict(Counter)   # key -> its written forms

    def keys_of(i: int, ps: set[str]) -> set[str]:
        out = set()
        for p in ps:
            k = phrase_key(p)
            surface[k][p] += 1
            out.add(k)
        return out

    phr: dict[int, set[str]] = {i: keys_of(i, {p for p in _phrases(texts[i], stop) if not names & set(p.split())
                                               and _form_ok(p)}) for i in rows}
    df: Counter = Counter()
    for i in rows:
        df.update(phr[i])
    n = len(rows)
    # template phrases: common to the library's documents yet distinctive of no group (a
    # document kind's stock wording); measured as the phrase's best lift over the groups
    ndoc_all = len({docs[i] for i in rows}) or 1
    dfdoc: dict[str, set] = defaultdict(set)
    for i in rows:
        for p in phr[i]:
            dfdoc[p].add(docs[i])
    best_lift: dict[str, float] = defaultdict(float)
    for g in groups:
        cnt = Counter(p for i in g for p in phr.get(i, ()))
        for p, k in cnt.items():
            if k >= 2:
                best_lift[p] = max(best_lift[p], (k / len(g)) / (df[p] / n))
    template = {p for p, ds in dfdoc.items() if len(ds) >= max(5, 0.02 * ndoc_all) and best_lift[p] < 2.0}

    def role_factor(p: str) -> float:
        ws = [w for w in p.split() if w not in INNER]
        f = 1.0 - verb.get(ws[0], 0.0)                     # "Served with ...", "Admitted to ..."
        f *= 1.0 - 0.8 * max((verb.get(w, 0.0) for w in ws[1:]), default=0.0)   # "... to act", "... dies"
        f *= 1.0 - 0.7 * max(adj.get(ws[-1], 0.0) - 0.5, 0.0) * 2   # "... local": a modifier waiting for its noun
        if ws[-1].endswith("ing") and len(ws[-1]) > 5:   # "... stating", "... explaining": a participle
            f *= min(1.0, 0.2 + 4 * adj.get("ing:" + ws[-1], 0.0))
        words = p.split()
        if any(a == "to" and verb.get("to " + b) for a, b in zip(words, words[1:])):
            f *= 0.1   # "secondary care to reduce": an infinitive clause, not a name
        return max(f, 0.05)

    def written(k: str) -> str:
        return surface[k].most_common(1)[0][0] if surface.get(k) else k

    out: list[str] = []
    taken: set[str] = set()
    taken_words: dict = defaultdict(list)   # parent -> content-word sets of its children's names

    def clash(label: str, parent) -> bool:
        if label.lower() in taken:
            return True
        if parent is None:
            return False
        ws = _content_words(label)
        return any(ws <= o or o <= ws for o in taken_words[parent])

    plans = []
    for gi, g in enumerate(groups):
        gdocs = defaultdict(set)
        grows: Counter = Counter()
        for i in g:
            for p in phr.get(i) or keys_of(i, {q for q in _phrases(texts[i], stop) if _form_ok(q)}):
                gdocs[p].add(docs[i])
                grows[p] += 1
        central = set().union(*(phr.get(i, set()) for i in g[:3])) if g else set()
        ndocs = len({docs[i] for i in g}) or 1
        scored = []
        for need in ((2, 1) if ndocs >= 2 else (1,)):   # a phrase from one document only if nothing recurs
            for p, ds in gdocs.items():
                if len(ds) < need or p in template:
                    continue
                share = len(ds) / ndocs
                # log-odds of the phrase in the group's rows against the library's (smoothed)
                lo = (math.log((grows[p] + 0.5) / (len(g) - grows[p] + 1.0))
                      - math.log((df[p] + 0.5) / (n - df[p] + 1.0)))
                if lo <= math.log(2):
                    continue   # no more common in the group than in the library: not what it is about
                # the most representative concerns' own phrase, checked against the rest (share)
                bonus = 1.25 if p in central else 1.0
                scored.append((share ** coverage * lo * role_factor(p) * bonus * (1 + 0.15 * (len(p.split()) - 2)), p))
            if scored:
                break
        scored.sort(reverse=True)
        # prefer a longer phrase that contains a better shorter one and is nearly as good
        best = None
        for s, p in scored[:40]:
            if best is None:
                best = (s, p)
                continue
            if f" {best[1]} " in f" {p} " and s >= 0.6 * best[0]:
                best = (s, p)
        acr = _acronyms([texts[i] for i in g])

        def show(k: str, acr=acr) -> str:
            return tidy_label(" ".join(w.upper() if w.lower() in acr else w for w in written(k).split()))

        ranked = ([show(best[1])] if best is not None else []) + [show(p) for _, p in scored[:40]]
        ranked = [x for x in dict.fromkeys(ranked) if x and not label_problems(x)]
        plans.append((g, scored, best, acr, ranked))
    if encode is not None and centroids is not None:
        # checked against the whole group: of the best phrases, the one whose meaning is nearest
        # the group's (its vector against the members' mean), the scorer breaking near-ties
        pool = sorted({x for *_, ranked in plans for x in ranked[:CHECK_TOP]})
        if pool:
            import numpy as np

            try:
                pv = np.asarray(encode(pool), dtype=np.float32)
            except Exception as e:  # noqa: BLE001 - an encoder that cannot run leaves the scorer's order
                log.warning("theme names not checked against their groups: %s", e)
                pool = []
        if pool:
            pv /= np.maximum(np.linalg.norm(pv, axis=1, keepdims=True), 1e-9)
            at = {x: k for k, x in enumerate(pool)}
            cents = np.asarray(centroids, dtype=np.float32)
            for k, (g, scored, best, acr, ranked) in enumerate(plans):
                top = ranked[:CHECK_TOP]
                if len(top) > 1:
                    c = cents[k] / max(float(np.linalg.norm(cents[k])), 1e-9)
                    sims = {x: float(pv[at[x]] @ c) - 0.02 * r for r, x in enumerate(top)}
                    plans[k] = (g, scored, best, acr, sorted(top, key=lambda x: -sims[x]) + ranked[CHECK_TOP:])
    for gi, (g, scored, best, acr, ranked) in enumerate(plans):
        parent = parents[gi] if parents is not None else None
        label = ranked[0] if ranked else ""
        if not label:
            label = tidy_label(key_clause([texts[i] for i in g]))
        if not label or label_problems(label):
            label = tidy_label(" ".join(_top_words([texts[i] for i in g], stop))) or "Findings without a common phrase"
        label = _what_went_wrong(label, [texts[i] for i in g], [docs[i] for i in g])
        if clash(label, parent):   # told apart: the group's next best phrase no theme (or sibling) uses
            for alt in ranked[1:]:
                if not clash(alt, parent):
                    label = alt
                    break
        if clash(label, parent):   # or its name with the group's own commonest word it lacks, after a dash
            own = [w for w in _top_words([texts[i] for i in g], stop, k=6, exact=False)
                   if _stem(w) not in {_stem(x) for x in label.lower().split()}]   # not "Officers – officer"
            for w in own:   # the qualifier tells it apart from the sibling it would repeat
                alt = f"{label} – {w.upper() if w in acr else w}"
                if alt.lower() not in taken:
                    label = alt
                    break
        if label.lower() in taken:  # nothing of its own left: number it, never a shared name
            k = 2
            while f"{label} ({k})".lower() in taken:
                k += 1
            label = f"{label} ({k})"
        taken.add(label.lower())
        if parent is not None:
            taken_words[parent].append(_content_words(label))
        out.append(label)
    return out


# words the members write before a thing to say what went wrong with it ("lack of a care plan")
FAILURE_CUES = ("lack of", "absence of", "delays in", "delay in", "poor", "inadequate", "insufficient", "missing",
                "inaccurate", "incorrect", "unclear", "limited", "no")


def _what_went_wrong(label: str, texts: Sequence[str], docs: Sequence) -> str:
    """``label`` with what went wrong in front when the members say it of that thing: the
    failure word most of the documents that write one put within two words before the
    label's first word ("Inadequate record keeping", "Lack of risk management plan"), worded as
    the commonest of them; the label itself when fewer than two documents, or a fifth of the
    group's, say one."""
    words = label.lower().split()
    if not words or words[0] in {c.split()[0] for c in FAILURE_CUES} or len(words) > 4:
        return label
    head = re.escape(_stem(words[0]))
    ndocs = len(set(docs)) or 1
    seen: dict[str, set] = defaultdict(set)
    for t, d in zip(texts, docs):
        low = " ".join(content_text(t).lower().split())
        for cue in FAILURE_CUES:
            if re.search(rf"\b{cue}\s+(?:(?:the|a|an|any|proper|clear|effective|adequate|timely)\s+)?(?:\w+\s+)?{head}", low):
                seen[cue].add(d)
    if not seen:
        return label
    cue = max(seen.items(), key=lambda kv: (len(kv[1]), -FAILURE_CUES.index(kv[0])))[0]
    ds = set().union(*seen.values())   # documents saying something went wrong with it, in any words
    if len(ds) < 2 or len(ds) < 0.2 * ndocs:
        return label
    rest = label if (words[0].upper() == label.split()[0] and len(words[0]) > 1) else label[0].lower() + label[1:]
    return tidy_label(f"{cue} {rest}")


def _content_words(label: str) -> set[str]:
    return {_stem(w) for w in re.findall(r"[a-z]+", label.lower())} - INNER - {"the", "a", "an"}


def name_groups(texts: Sequence[str], vectors, groups: list[list[int]], documents: Sequence | None = None,
                parents: Sequence | None = None, encode=None) -> list[str]:
    """The product's names for groups of findings: each group's members ordered most central
    first (cosine of their vectors to the group's mean) and named by ``phrase_labels``
    (with ``encode``, the best phrases checked against the group's mean vector)."""
    import numpy as np

    v = np.asarray(vectors, dtype=np.float32)
    nv = np.linalg.norm(v, axis=1, keepdims=True)
    nv[nv == 0] = 1.0
    v = v / nv
    ordered, cents = [], np.zeros((len(groups), v.shape[1] if v.ndim == 2 else 1), np.float32)
    for k, g in enumerate(groups):
        g = list(g)
        if not g:
            ordered.append(g)
            continue
        c = cents[k] = v[g].mean(axis=0)
        s = v[g] @ c
        ordered.append([i for _, i in sorted(zip(-s, g))])
    return phrase_labels(texts, ordered, documents, parents=parents, coverage=COVERAGE, encode=encode,
                         centroids=cents)


_LEAD_IN = re.compile(
    r"^(?:(?:during|at|in) the (?:course of the )?(?:inquest|investigation|evidence)\s*,?\s*|"
    r"(?:the |in )?evidence (?:was heard|heard|showed|revealed|given|confirmed|suggested|before the inquest)\s*(?:that)?\s*|"
    r"it was (?:also )?(?:confirmed|accepted|noted|heard|found|said|clear|apparent)\s*(?:in evidence)?\s*(?:that)?\s*|"
    r"i (?:was told|heard|am concerned|am not satisfied|find|found|note)\s*(?:that)?\s*|"
    r"(?:the )?(?:report|witness|court|jury) (?:states|stated|heard|found|was told)\s*(?:that)?\s*|"
    r"(?:there (?:was|is|were|are)|that|whilst|although|however|further|furthermore|also|firstly|secondly)\s*,?\s*)+",
    re.I)


def _proper_nouns(texts: Sequence[str]) -> set[str]:
    """Words (not acronyms) written with a capital in at least 90% of their uses, even at
    a sentence's start where ``content_text`` cannot tell: people's and places' names."""
    cap, low = Counter(), Counter()
    for t in texts:
        for w in re.findall(r"\b[A-Za-z][a-z]{2,}\b", t):
            (cap if w[0].isupper() else low)[w.lower()] += 1
    return {w for w, n in cap.items() if n >= 2 and n >= 9 * low[w]}


def _acronyms(texts: Sequence[str]) -> set[str]:
    """Words the texts write in capitals more often than not (CAMHS, GMC; not a heading's CARE)."""
    upper, lower = Counter(), Counter()
    for t in texts:
        upper.update(m.lower() for m in _ACRONYM_IN.findall(t))
        lower.update(w for w in re.findall(r"\b[a-z]{2,6}\b", t))
    return {w for w, n in upper.items() if n > lower[w]}


def _top_words(texts: Sequence[str], stop: set[str], k: int = 2, exact: bool = True) -> list[str]:
    names = _proper_nouns(texts)
    c = Counter(w for t in texts for w in set(_WORD.findall(content_text(t).lower()))
                if w not in stop and w not in INNER and w not in EDGE_STOP and len(w) > 2 and w not in names)
    top = [w for w, n in c.most_common(k) if n >= min(2, len(texts))]
    return top if len(top) == k or not exact else []


def key_clause(texts: Sequence[str], max_words: int = 8) -> str:
    """The opening clause of the first text that has one, without names, dates or a
    reporting lead-in ("Evidence was heard that ..."), ending on a content word."""
    stop = _stopwords() | INNER | EDGE_STOP
    for t in texts:
        for c in re.split(r"[.;:!?“”\"]|,\s", content_text(t)):
            words = _LEAD_IN.sub("", c.strip()).split()[:max_words]
            while words and words[-1].lower().strip("'’") in stop:
                words.pop()
            if len(words) >= 2:
                return " ".join(words)
    return ""


def _mid_label(phrase: str) -> str:
    """A phrase joined after "and": its first letter back in lower case unless its first word
    is an acronym (tidy_label capitalised it as a label of its own)."""
    first = phrase.split(" ", 1)[0] if phrase else ""
    if not first or _ACRONYM.match(first) or any(ch.isupper() for ch in first[1:]):
        return phrase
    return phrase[0].lower() + phrase[1:]


def tidy_label(label: str) -> str:
    """Capitalised, no repeated word, no redaction marker, no stray brackets or quotes."""
    words, seen = [], set()
    for w in _REDACT.sub(" ", re.sub(r"[()\[\]{}“”\"]", " ", label)).split():
        k = w.lower().strip(",.;:")
        if k in seen and k not in INNER:
            continue
        seen.add(k)
        words.append(w)
    s = " ".join(words).strip(" ,.;:-")
    if not s:
        return ""
    return s[0].upper() + s[1:]


def label_problems(label: str, common: set[str] | None = None) -> list[str]:
    """Why ``label`` would not do (empty list when it is fine): used by tests and the
    benchmark."""
    words = re.findall(r"[a-z']+", (label or "").lower())
    bad = []
    if not words:
        bad.append("empty")
    if len(words) == 1:
        bad.append("single word")
    if len(words) != len(set(w for w in words if w not in INNER)) + sum(w in INNER for w in words):
        bad.append("repeated word")
    if "redact" in (label or "").lower():
        bad.append("redaction marker")
    return bad


# words that end no name of a matter: prepositions and connectives beyond the stopwords
TRAILING = {"concerning", "regarding", "including", "containing", "surrounding", "affecting", "following", "involving", "towards", "toward", "despite",
            "during", "relating", "regards", "according", "near", "prior", "due", "post", "whereby", "per", "via", "whilst", "amongst", "among", "versus", "re", "than", "whom", "whose"}
# grammatical narrative verbs (tense and auxiliaries), not phrases of any document
NARRATIVE = {"is", "was", "were", "are", "be", "been", "being", "had", "has", "have", "did", "does", "dies",
             "died", "went", "became", "told", "said", "says", "took", "gave", "came", "made"}
NOT_ADVERB = {"family", "families", "supply", "assembly", "elderly", "early", "daily", "weekly", "monthly",
              "yearly", "hourly", "nightly", "anomaly", "reply", "july", "italy", "only", "friendly", "rally",
              "belly", "jelly", "bully", "ally", "likely", "fly", "poly", "holy", "ugly", "lonely"}


def label_form_problems(label: str) -> list[str]:
    """Why ``label`` does not read as a noun phrase naming a matter (for the benchmark):
    it ends in a function word ("... concerning"), starts with an -ed word ("Served with
    ...", "Admitted to ..."), or holds a narrative verb or an -ly adverb ("... and
    subsequently dies")."""
    words = re.findall(r"[a-z][a-z'-]*", (label or "").lower())
    if not words:
        return []
    bad = []
    if words[-1] in _stopwords() or words[-1] in INNER or words[-1] in TRAILING:
        bad.append("ends in a function word")
    if len(words[0]) > 4 and words[0].endswith("ed") and not words[0].endswith("eed"):
        bad.append("starts with an -ed word")
    if any(w in NARRATIVE or (len(w) > 5 and w.endswith("ly") and w not in NOT_ADVERB) for w in words):
        bad.append("narrative verb or adverb")
    return bad
