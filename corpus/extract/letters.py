"""Responses to PFD reports (and other letters answering concerns).

Two layouts are common:
* quoted pairs — "Concern: …" then "Response: …" (optionally grouped under headings such as
  "Recommendation one: MARAC Information", which are findings answered by the text under them);
* a numbered list of the concerns near the top ("1. Management of release …"), answered
  later under headings that repeat (or paraphrase, or misspell) each concern's title.
Commitments ("we will …", "will ensure …") inside a response become extra actions so that
"what did they promise, by when" can be searched."""
from __future__ import annotations

import re

from corpus.records import Action, Finding
from corpus.extract.respond import answer_sentences, free_actions, same_words
from corpus.extract.common import COMMITMENT, Para, owner_will, due_of, letter_owner, paragraphs, sentences, similarity

_NUMWORD = r"(?:\d{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_WORDS = {w: i for i, w in enumerate("one two three four five six seven eight nine ten eleven twelve".split(), 1)}
_HEAD = re.compile(
    rf"^(?:\d{{1,2}}[.)]\s*)?(?P<kind>Recommendation|Concern|Matter of concern|Area of concern|Coroner'?s concern|Issue)\s*"
    rf"(?P<num>{_NUMWORD})?\s*[:.\-–]\s*(?P<body>.*)$",
    re.I,
)
_RESP = re.compile(r"^(?:Our |Trust |Organisation(?:al)? )?(?:Response|Reply|Action(?:s)? taken|Actions? (?:proposed|planned))\s*\d*\s*[:\-–]\s*", re.I)
_SIGNOFF = re.compile(
    r"^(?:Yours (?:sincerely|faithfully)|Kind regards|Best regards|Signed|If (?:you|WMP|we|I)\b.{0,80}\b(?:further|any)\b.{0,40}"
    r"(?:assistance|questions|queries|information))",
    re.I,
)
_NUMBERED = re.compile(r"^(?:[-•*]\s*)?\(?(?P<n>\d{1,2})[.)]\s*\)?\s*(?P<body>\S.*)$")
_ROLE_LINE = re.compile(r"^(?:[A-Z][a-z]+\s){0,4}(?:Constable|Executive|Director|Officer|Coroner|Chair|Governor|Manager)$")


def extract_letter(text: str, start_index: int = 0, owner: str | None = None) -> tuple[list[Finding], list[Action]]:
    """Findings and responses of a response letter (``text`` is the masked doc text).
    ``owner`` (e.g. the dataset's respondent) wins over what the letter suggests."""
    paras = paragraphs(text)
    owner = owner or letter_owner(text)
    findings, actions = _pairs(paras, owner, start_index)
    numbered = not findings
    if numbered:
        findings, actions = _numbered(paras, owner, start_index)
    if not any(a.kind == "response" for a in actions):
        # free-form letter, or answers we cannot tie to a concern by layout: every sentence
        # saying what was done, is being done or will be done (paired to concerns at link time).
        # A numbered point may be the concern restated or the letter's own answer ("3. The policy
        # has been updated …"): its sentences count when they say something was done
        quoted = [] if numbered else findings
        actions = _free(text, quoted, actions, owner, _sections(paras, findings), _after_signoff(paras))
    elif not numbered and findings:
        # concerns answered in turn under their headings: what the letter says it did before the
        # first of them ("these guidelines have been finalised and agreed …") counts too
        first = min(f.start or 0 for f in findings)
        actions = _free(text, findings, actions, owner, (), [(first, len(text) + 1)])
    return findings, actions


def actions_of_linked(text: str, owner: str | None = None) -> list[Action]:
    """The actions of a letter once it is linked as a response (``text`` masked): what
    ``extract_letter`` finds, and when it finds nothing the sentences where the letter answers
    the report (``respond.answer_sentences``, kind "response") — a response never gives nothing."""
    _, actions = extract_letter(text, owner=owner)
    if actions:
        return [Action(kind=a.kind, text=a.text, owner=a.owner, due=a.due, due_text=a.due_text, status=a.status,
                       start=a.start, end=a.end) for a in actions]  # its own findings are not stored: no indexes
    return [Action(kind="response", text=fa.text, owner=fa.owner, start=fa.start, end=fa.end)
            for fa in answer_sentences(text, owner)]


def _after_signoff(paras: list[Para]) -> list[tuple[int, int]]:
    """What follows the sign-off in the letter's second half (enclosures, a privacy notice)."""
    if not paras:
        return []
    half = paras[len(paras) // 2].start
    at = next((p for p in paras if p.start >= half and _SIGNOFF.match(p.text)), None)
    return [(at.start, paras[-1].end + 1)] if at else []


def _sections(paras: list[Para], findings: list[Finding]) -> list[tuple[int, int, int]]:
    """(start, end, finding index) of the text a letter's numbered point governs: from its own
    paragraph to the next point, or, after the last point, to the first heading line (a short
    capitalised line with no sentence end: "Wider Learning and Improvement") or the sign-off.
    An action in that stretch answers that point (the letter's own numbering)."""
    heads = sorted((f.start or 0, f.index) for f in findings if f.label and f.label.startswith("Concern"))
    if not heads:
        return []
    out = []
    for k, (s, idx) in enumerate(heads):
        if k + 1 < len(heads):
            e = heads[k + 1][0]
        else:
            later = [p for p in paras if p.start > s]
            e = next((p.start for p in later[1:] if _answer_heading(p.text) or _SIGNOFF.match(p.text)),
                     later[-1].end if later else s)
        out.append((s, e, idx))
    return out


def _free(text: str, findings: list[Finding], actions: list[Action], owner: str | None,
          sections: list[tuple[int, int, int]] = (), skip: list[tuple[int, int]] = ()) -> list[Action]:
    """Free-form actions outside the letter's restated concerns and ``skip`` (what follows its
    sign-off), merged with ``actions``; one inside the stretch a numbered point governs
    (``sections``) answers that point."""
    spans = [(f.start or 0, f.end or 0) for f in findings] + list(skip)
    have = [set(re.findall(r"[a-z]{4,}", a.text.lower())) for a in actions]
    out = list(actions)
    for fa in free_actions(text, owner):
        if any(s <= fa.start < e for s, e in spans):
            continue  # a concern quoted back is not an action
        w = set(re.findall(r"[a-z]{4,}", fa.text.lower()))
        if any(same_words(w, h) for h in have):
            continue
        have.append(w)
        under = [i for s, e, i in sections if s <= fa.start < e]
        out.append(Action(kind="commitment" if fa.tense == "will" else "action_taken", text=fa.text, owner=fa.owner,
                          due=fa.due, due_text=fa.due_text, status=fa.status, finding_indexes=under[:1],
                          start=fa.start, end=fa.end))
    return out


def _label(kind: str, num: str | None, position: int) -> str:
    kind = kind.strip().capitalize()
    if kind.lower().startswith("coroner"):
        kind = "Concern"
    if num:
        n = _WORDS.get(num.lower(), None) or int(num)
        return f"{kind} {n}"
    return f"{kind} {position}"


def _pairs(paras: list[Para], owner: str | None, base: int) -> tuple[list[Finding], list[Action]]:
    """'Concern: … / Response: …' pairs and headed findings answered by the text below them."""
    heads = [i for i, p in enumerate(paras) if _HEAD.match(p.text) and not _RESP.match(p.text)]
    if not heads or not any(_RESP.match(p.text) for p in paras) and not _headed_titles(paras, heads):
        return [], []
    findings: list[Finding] = []
    actions: list[Action] = []
    counters: dict[str, int] = {}
    end_all = _signoff_index(paras, heads[-1])
    for h_pos, i in enumerate(heads):
        stop = heads[h_pos + 1] if h_pos + 1 < len(heads) else end_all
        m = _HEAD.match(paras[i].text)
        assert m
        kind_word = m.group("kind")
        fkind = "recommendation" if kind_word.lower().startswith("recommendation") else "concern"
        counters[fkind] = counters.get(fkind, 0) + 1
        resp_at = next((j for j in range(i + 1, stop) if _RESP.match(paras[j].text)), None)
        body_end = resp_at if resp_at is not None else (i + 1 if _short_title(m.group("body")) else i + 1)
        ftext = " ".join([m.group("body")] + [paras[j].text for j in range(i + 1, body_end)]).strip()
        idx = base + len(findings)
        findings.append(Finding(index=idx, kind=fkind, text=ftext or paras[i].text,
                                label=_label(kind_word, m.group("num"), counters[fkind]),
                                start=paras[i].start, end=paras[body_end - 1].end))
        r0 = resp_at if resp_at is not None else body_end
        if r0 >= stop:
            continue
        rparas = _trim_tail(paras[r0:stop])
        if not rparas:
            continue
        rtext = " ".join(p.text for p in rparas)
        rtext = _RESP.sub("", rtext, count=1).strip()
        actions.append(Action(kind="response", text=rtext, owner=owner, finding_indexes=[idx],
                              start=rparas[0].start, end=rparas[-1].end))
        actions.extend(_commitments(rparas, owner, idx))
    return findings, actions


def _headed_titles(paras: list[Para], heads: list[int]) -> bool:
    """Numbered headings ('Recommendation one: X') count even without 'Response:' lines."""
    return sum(1 for i in heads if _HEAD.match(paras[i].text).group("num")) >= 1  # type: ignore[union-attr]


def _short_title(body: str) -> bool:
    return len(body.split()) <= 12 and not body.rstrip().endswith(".")


def _signoff_index(paras: list[Para], after: int) -> int:
    for j in range(after + 1, len(paras)):
        if _SIGNOFF.match(paras[j].text):
            return j
    return len(paras)


def _trim_tail(ps: list[Para]) -> list[Para]:
    """Drop a trailing signature line ('Chief Constable') from the last response."""
    out = list(ps)
    while out and (_ROLE_LINE.match(out[-1].text) or _SIGNOFF.match(out[-1].text)):
        out.pop()
    return out


def _commitments(rparas: list[Para], owner: str | None, idx: int) -> list[Action]:
    """Sentences that promise something, as separate actions linked to the same finding."""
    out: list[Action] = []
    third = owner_will(owner)
    for p in rparas:
        for s, e, sent in sentences(p.text):
            if COMMITMENT.search(sent) or third.search(sent):
                due = _due_in(sent)
                out.append(Action(kind="commitment", text=sent, owner=owner, due=due[0], due_text=due[1],
                                  finding_indexes=[idx], start=p.start, end=p.end))
    return out


_BY_DATE = re.compile(
    r"\b(?:by|before|no later than|within|until|from)\s+(?:the\s+)?(?:end\s+of\s+)?"
    r"((?:\d{1,2}(?:st|nd|rd|th)?\s+)?(?:January|February|March|April|May|June|July|August|September|October|"
    r"November|December)\s+\d{4}|\d{1,2}/\d{1,2}/\d{2,4}|Q[1-4]\s*\d{4}|(?:19|20)\d\d)",
    re.I,
)


def _due_in(sentence: str) -> tuple[str | None, str | None]:
    """A deadline stated in a sentence ('by March 2025'), as (iso, as written)."""
    m = _BY_DATE.search(sentence)
    if not m or m.group(0).lower().startswith(("from", "until")):
        return None, None
    return due_of(m.group(0)), m.group(0)


def _numbered(paras: list[Para], owner: str | None, base: int) -> tuple[list[Finding], list[Action]]:
    """A numbered list of concerns, answered later under headings matching their titles."""
    items = _first_sequence(paras)
    if not items:
        return [], []
    findings: list[Finding] = []
    titles: list[str] = []
    for k, (i, j) in enumerate(items):
        m = _NUMBERED.match(paras[i].text)
        assert m
        body = " ".join([m.group("body")] + [paras[x].text for x in range(i + 1, j)])
        findings.append(Finding(index=base + k, kind="concern", text=body.strip(), label=f"Concern {k + 1}",
                                start=paras[i].start, end=paras[j - 1].end))
        titles.append(re.split(r"(?<=[a-z0-9)])[.:](?:\s|$)", m.group("body"), maxsplit=1)[0][:200])
    after = items[-1][1]
    end_all = _signoff_index(paras, after - 1)
    cands = [i for i in range(after, end_all) if _answer_heading(paras[i].text)]
    match = _assign(titles, [paras[i].text for i in cands])
    if len(titles) >= 2 and 2 * len(match) < len(titles):
        match = {}  # one heading like one point is chance: the points are the letter's own answers
    actions: list[Action] = []
    starts = sorted((cands[c], f) for f, c in match.items())
    for pos, (pi, f) in enumerate(starts):
        stop = starts[pos + 1][0] if pos + 1 < len(starts) else end_all
        rparas = _trim_tail(paras[pi + 1 : stop])
        if not rparas:
            continue
        idx = base + f
        actions.append(Action(kind="response", text=" ".join(p.text for p in rparas), owner=owner,
                              finding_indexes=[idx], start=rparas[0].start, end=rparas[-1].end))
        actions.extend(_commitments(rparas, owner, idx))
    return findings, actions


def _answer_heading(text: str) -> bool:
    """A heading repeating a concern's title: one line, capitalised, no sentence end."""
    return bool(text) and text[0].isupper() and len(text.split()) <= 30 and not re.search(r"[.,;:]$", text)


def _first_sequence(paras: list[Para]) -> list[tuple[int, int]]:
    """(first para, end para) of each item of the first list numbered 1, 2, 3 …"""
    starts: list[int] = []
    for i, p in enumerate(paras):
        m = _NUMBERED.match(p.text)
        if not m:
            continue
        n = int(m.group("n"))
        if n == len(starts) + 1:
            starts.append(i)
        elif starts and n == 1:
            break
    if not starts:
        return []
    out = []
    for k, i in enumerate(starts):
        j = i + 1  # the point's own paragraph; the paragraphs after it answer it
        while j < len(paras) and paras[j].text[:1].islower() and (k + 1 == len(starts) or j < starts[k + 1]):
            j += 1  # … and a paragraph continuing its sentence
        out.append((i, j))
    return out


def _assign(titles: list[str], heads: list[str], threshold: float = 0.5) -> dict[int, int]:
    """Greedy best-first matching of concern titles to answering headings."""
    scored = sorted(((similarity(t, h), f, c) for f, t in enumerate(titles) for c, h in enumerate(heads)), reverse=True)
    out: dict[int, int] = {}
    used: set[int] = set()
    for score, f, c in scored:
        if score < threshold:
            break
        if f in out or c in used:
            continue
        out[f] = c
        used.add(c)
    return out
