"""What a ledger row is: asked of a body, promised by it, its answer, or not an action.

``claim_of(text, document_type, extractor_kind, due=None, status=None, owner=None) -> (claim, p)``
with ``claim`` one of ``CLAIMS``:

* ``asked_of``   a recommendation or a coroner's concern addressed to a body ("By 31 July 2024,
                 chief constables should …", an action plan's "Recommendation" column);
* ``promised``   a commitment a body made or an action it reports having taken ("We will …",
                 "We have introduced …", an action plan's row with its lead and target date);
* ``answer``     what a letter says without committing ("The Trust has undertaken a substantial
                 amount of work …", an explanation of how things stand);
* ``not_action`` neither: an aim or heading ("Aim: To ensure that …"), framing, a fragment.

Many weak sentence features (``claim_features``: modal verbs, who the subject is, tense, a
deadline, the document's type and the extractor's reading) are combined by one L2-regularised
logistic model per claim (one against the rest); the most probable claim wins and its
probability is returned with it, so a page can say how sure the label is. The weights are
fitted on the development half of the hand-labelled ledger sample by
``python -m benchmarks.ledger_eval --fit`` and written below; nothing here is tuned on the held-out half.
"""
from __future__ import annotations

import re

from corpus.weak_model import logistic

__all__ = ["CLAIMS", "CLAIM_FEATURES", "claim_features", "claim_of"]

CLAIMS = ("asked_of", "promised", "answer", "not_action")

_SHOULD = re.compile(r"\b(?:should|must|ought to|are asked to|is asked to|recommend(?:s|ed)?|needs? to|"
                     r"is required to|are required to)\b", re.I)
_WILL = re.compile(r"\b(?:will|shall|intends? to|plans? to|are planning|aims? to|going to|commit(?:s|ted)? to|"
                   r"propose to|expect to|would like to)\b", re.I)
_FIRST = re.compile(r"\b(?:we|our|us|I|my)\b")
_FIRST_START = re.compile(r"^\W*(?:we|our|I|my|as a (?:trust|force|service|council|board))\b", re.I)
_BODY_SUBJECT = re.compile(r"^\W*(?:the\s+)?(?:[A-Z][\w&'-]*\s+){0,6}(?:trust|force|police|council|board|service|"
                           r"department|agency|constables?|commissioners?|nhs|icb|government|executive|"
                           r"authority|authorities|partnership|team|forces|services|organisations?|providers?|"
                           r"hospital|college|office|ministry)\b", re.I)
_DONE = re.compile(r"\b(?:ha(?:ve|s|d)\s+(?:now\s+|also\s+|since\s+|already\s+|recently\s+)?(?:been\s+)?\w+(?:ed|en|t)\b|"
                   r"came into force|was (?:introduced|implemented|launched|completed|updated|agreed|issued)|"
                   r"were (?:introduced|implemented|launched|completed|updated|agreed|issued))", re.I)
_PRESENT = re.compile(r"\b(?:is|are|remains?|continues? to)\b", re.I)
_DEADLINE = re.compile(r"\b(?:by|before|no later than|within)\s+(?:the\s+end\s+of\s+)?(?:\d{1,2}\s+)?"
                       r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|q[1-4]|spring|summer|autumn|winter|"
                       r"\d{4}|\d+\s+(?:days|weeks|months))", re.I)
_IMMEDIATE = re.compile(r"\bwith immediate effect\b", re.I)
_IMPERATIVE = re.compile(r"^\W*(?:\d+[.)]?\s*)?(?:review|ensure|develop|establish|provide|consider|implement|"
                         r"undertake|identify|introduce|raise|share|agree|update|create|deliver|audit|monitor|"
                         r"set up|produce|explore|improve|complete|write|circulate|arrange|amend|revise|"
                         r"disseminate|embed|promote|include|remind|reinforce|publish|issue|strengthen|"
                         r"make sure|carry out|work with|seek|add|appoint|commission|scope|evaluate|clarify|"
                         r"confirm)\b", re.I)
_AIM = re.compile(r"^\W*(?:aim|aims|objective|objectives|outcome|purpose|intended outcome|goal)\s*[:\-]|"
                  r"^\W*to (?:ensure|improve|reduce|provide|develop|support|increase|make)\b", re.I)
_FRAMING = re.compile(r"\b(?:thank|condolence|sympath|sorry|regret|writing in response|write in response|"
                      r"response to (?:your|the) (?:regulation|report|letter)|dated \d|please do not hesitate|"
                      r"yours sincerely|kind regards)\b", re.I)
_CONCERN = re.compile(r"\b(?:concern|concerns|risk of future deaths|recommendation)\b", re.I)
_NAMES_OTHER = re.compile(r"\b(?:by|with|from|to)\s+(?:the\s+)?(?:[A-Z]{2,}|[A-Z][a-z]+\s+(?:[A-Z][a-z]+\s*)+)")
_HEDGE = re.compile(r"\b(?:may|might|could|would|can)\b", re.I)
_FIRST_ACTS = re.compile(r"\b(?:we|I)\s+(?:(?:have|had|are|were|also|now|recently|then|further|jointly)\s+)*"
                         r"(?:\w+ed|undertook|made|took|spoke|met|built|began|wrote|set|put|gave|\w+ing)\b", re.I)
_CHANGE = re.compile(r"\b(?:new|now|introduc\w*|implement\w*|launch\w*|develop\w*|draft\w*|expand\w*|install\w*|"
                     r"revis\w*|updat\w*|creat\w*|establish\w*|commission\w*|appoint\w*|propos\w*|review)\b", re.I)
_EXPLAIN = re.compile(r"^\W*(?:as|this|these|it|there (?:is|are|was|were) no|i (?:understand|note)|all|although|whilst|"
                      r"while|from a|with regard|in (?:his|her|their) case|in conclusion|in summary|to conclude|overall)\b",
                      re.I)
# the writer's view, not a deed: "we recognise that …", "I note …", "we accept …"
_STANCE = re.compile(r"\b(?:we|I)\s+(?:\w+\s+)?(?:recognise|recognize|acknowledge|note|understand|believe|accept|agree|"
                     r"appreciate|feel|think|hope|trust|regret|share|welcome|are (?:aware|confident|satisfied|sorry))\b",
                     re.I)
_OTHERS = re.compile(r"\b(?:by|with) (?:the )?(?:partners|other (?:agencies|organisations|bodies)|local (?:areas|systems))\b|"
                     r"\bdetermined locally\b", re.I)
_CONTINUE = re.compile(r"\bcontinue(?:s)? to\b", re.I)
_FORMING = re.compile(r"\b(?:in forming|in preparing|in writing) (?:our|this|my) (?:response|reply|letter)\b", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")

CLAIM_FEATURES = (
    "doc_letter", "doc_plan", "doc_inspection", "doc_minutes", "doc_other",
    "ext_response", "ext_commitment", "ext_action_required", "ext_action_taken",
    "should", "will", "first_person", "first_start", "body_subject", "body_should", "first_will",
    "done", "present", "deadline", "due", "immediate", "status", "imperative", "aim", "framing", "concern",
    "names_other", "hedge", "short", "long", "owner_cell",
    "first_acts", "change", "explain", "others", "continue", "forming", "old_year", "stance",
)


def claim_features(text: str, document_type: str | None, extractor_kind: str | None, due: str | None = None,
                   status: str | None = None, owner: str | None = None,
                   document_date: str | None = None) -> dict[str, float]:
    """The named weak signals of one row (each 0 or 1). ``document_date`` (the document's own
    date) tells a recent action from an old one told as background ("In May 2022, an audit …")."""
    t = " ".join((text or "").split())
    first = t[:200]
    words = len(t.split())
    doc = {"pfd_response": "doc_letter", "action_plan": "doc_plan", "inspection": "doc_inspection",
           "minutes": "doc_minutes"}.get(document_type or "", "doc_other")
    f = {doc: 1.0}
    if extractor_kind:
        f["ext_" + extractor_kind] = 1.0
    should = bool(_SHOULD.search(first))
    will = bool(_WILL.search(first))
    body = bool(_BODY_SUBJECT.search(first))
    first_p = bool(_FIRST.search(first))
    f.update({
        "should": float(should),
        "will": float(will),
        "first_person": float(first_p),
        "first_start": float(bool(_FIRST_START.search(t))),
        "body_subject": float(body),
        "body_should": float(body and should),
        "first_will": float(first_p and will),
        "done": float(bool(_DONE.search(first))),
        "present": float(bool(_PRESENT.search(first)) and not should and not will),
        "deadline": float(bool(_DEADLINE.search(t))),
        "due": float(bool(due)),
        "immediate": float(bool(_IMMEDIATE.search(t))),
        "status": float(bool(status)),
        "imperative": float(bool(_IMPERATIVE.search(t))),
        "aim": float(bool(_AIM.search(t))),
        "framing": float(bool(_FRAMING.search(t))),
        "concern": float(bool(_CONCERN.search(first))),
        "names_other": float(bool(_NAMES_OTHER.search(first))),
        "hedge": float(bool(_HEDGE.search(first))),
        "short": float(words < 8),
        "long": float(words > 60),
        "owner_cell": float(bool(owner) and document_type in ("action_plan", "minutes")),
        "first_acts": float(bool(_FIRST_ACTS.search(first))),
        "change": float(bool(_CHANGE.search(first))),
        "explain": float(bool(_EXPLAIN.search(t))),
        "others": float(bool(_OTHERS.search(first))),
        "continue": float(bool(_CONTINUE.search(first))),
        "forming": float(bool(_FORMING.search(t))),
        "stance": float(bool(_STANCE.search(first))),
        "old_year": float(bool(document_date) and any(int(y) <= int(document_date[:4]) - 2
                                                       for y in _YEAR.findall(first))),
    })
    return f


# fitted by ``python -m benchmarks.ledger_eval --fit`` on benchmarks/gold/ledger_dev.json (development labels)
# plus 28 rows of the shared letters labelled in benchmarks/gold/responses.json (22 promised), none of a held-out letter or row
# fitted on 45 development rows, l2 = 0.3 (leave-one-out kind right: l2=0.1: 75.6%, l2=0.3: 75.6%, l2=1.0: 71.1%, l2=3.0: 64.4%, l2=10.0: 62.2%)
WEIGHTS: dict[str, tuple[dict[str, float], float]] = {
    'asked_of': ({'doc_letter': -1.2745, 'doc_plan': -0.841, 'doc_inspection': 1.2524, 'doc_minutes': 0.8631, 'ext_response': -0.213, 'ext_commitment': -0.6429, 'ext_action_required': 1.2745, 'ext_action_taken': -0.4186, 'should': 1.1648, 'will': -0.5876, 'first_person': -0.355, 'first_start': -0.2722, 'body_subject': -0.0088, 'body_should': 0.3365, 'first_will': -0.2459, 'done': -0.0073, 'present': -0.5187, 'deadline': 0.5814, 'due': -0.2596, 'immediate': 0.3345, 'status': -1.2596, 'imperative': -0.273, 'aim': -0.0439, 'framing': -0.0303, 'concern': -0.0303, 'names_other': -0.1715, 'hedge': 0.171, 'short': 0.7245, 'long': -0.1738, 'owner_cell': 0.0221, 'first_acts': -0.0895, 'change': -0.6839, 'explain': -0.1495, 'others': -0.0324, 'continue': -0.0993, 'forming': -0.0074, 'old_year': -0.0901, 'stance': -0.0214}, -1.8328),
    'promised': ({'doc_letter': 0.5149, 'doc_plan': 1.2611, 'doc_inspection': -1.1579, 'doc_minutes': -0.618, 'ext_response': -0.5841, 'ext_commitment': 1.5722, 'ext_action_required': -0.5149, 'ext_action_taken': -0.4732, 'should': -0.0938, 'will': -0.1771, 'first_person': 0.9815, 'first_start': -1.1745, 'body_subject': -0.5721, 'body_should': -0.1508, 'first_will': -0.1146, 'done': 0.0486, 'present': 0.9141, 'deadline': -0.7691, 'due': 0.492, 'immediate': -0.2381, 'status': 0.7879, 'imperative': 0.4317, 'aim': 0.0953, 'framing': 0.1334, 'concern': 0.1334, 'names_other': -0.4908, 'hedge': 0.5423, 'short': -0.43, 'long': -0.8705, 'owner_cell': 0.643, 'first_acts': 1.4558, 'change': 1.2784, 'explain': -2.5774, 'others': -1.1341, 'continue': -0.2923, 'forming': -1.5471, 'old_year': -1.2028, 'stance': -0.2492}, -0.5602),
    'answer': ({'doc_letter': 0.7121, 'doc_plan': -0.3375, 'doc_inspection': -0.2581, 'doc_minutes': -0.1165, 'ext_response': 1.1377, 'ext_commitment': -0.9626, 'ext_action_required': -0.7121, 'ext_action_taken': 0.537, 'should': -0.8378, 'will': 0.667, 'first_person': -0.8872, 'first_start': 1.2257, 'body_subject': 0.61, 'body_should': -0.1294, 'first_will': 0.2519, 'done': -0.0598, 'present': -0.7036, 'deadline': -0.0532, 'due': -0.3907, 'immediate': -0.0755, 'status': 0.1995, 'imperative': -0.1184, 'aim': -0.0405, 'framing': -0.0702, 'concern': -0.0702, 'names_other': 0.4729, 'hedge': -0.6596, 'short': -0.1541, 'long': 1.1564, 'owner_cell': -0.454, 'first_acts': -1.5023, 'change': -1.2342, 'explain': 2.5928, 'others': 1.1889, 'continue': 0.3491, 'forming': 1.5403, 'old_year': 1.3331, 'stance': 0.1651}, -1.8816),
}


def claim_of(text: str, document_type: str | None, extractor_kind: str | None, due: str | None = None,
             status: str | None = None, owner: str | None = None,
             document_date: str | None = None) -> tuple[str, float]:
    """(the most probable claim, its probability normalised over the claims the model knows)."""
    f = claim_features(text, document_type, extractor_kind, due, status, owner, document_date)
    if not WEIGHTS:
        raise RuntimeError("corpus.extract.claims has no fitted weights")
    ps = {c: logistic(f, *WEIGHTS[c]) for c in CLAIMS if c in WEIGHTS}
    total = sum(ps.values()) or 1.0
    best = max(ps, key=lambda c: ps[c])
    return best, round(ps[best] / total, 3)
