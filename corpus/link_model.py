"""Which candidate report does a letter answer? A small learned model over the linker's
weak signals.

``corpus.response_match.score_report`` measures, per candidate report, the evidence a letter gives
(reference, deceased's name incl. partial and misspelt forms, report and other dates, coroner,
recipient, quoted concerns, content similarity, rare shared words, dates before the report or
years after it, and how closely the letter's paragraphs speak to the report's concerns).
``link_features`` turns one candidate's evidence, and how far it stands ahead of the other
candidates (in points and in concern similarity), into features; ``link_probability`` is a logistic regression
over them. ``choose`` links the most probable candidate when its probability reaches
``P_LINK`` and no other candidate comes close.

The weights were fitted on the 23 hand-labelled letters (benchmarks/gold/responses.json), on the
same letters with their true report removed and on documents that answer no report (Ofsted
inspections), by ``benchmarks/understanding_eval.py --fit``, which also prints
leave-one-report-out figures (fit on the letters of 12 reports, decide for the 13th's letters).
"""
from __future__ import annotations

import math

from .weak_model import fit_logistic, logistic

LINK_FEATURES = ("reference", "name", "dates", "coroner", "recipient", "quoted", "content", "rare", "before", "era",
                 "identity", "margin", "strength", "concern_best", "concern_cover", "concern_lead", "cover_lead")
# fitted by benchmarks/understanding_eval.py --fit (L2=1, positives weighted 3x) on the 23 hand-labelled
# letters in a library of 313 reports, each letter also with its true report removed (no link is right),
# and on 29 Ofsted inspections (never among the benchmark's --distractors) as documents that answer no
# report. No gold letter quotes a reference, so "reference" stays unlearned (0):
# ``corpus.response_match.decide`` links a quoted reference by its own rule.
LINK_WEIGHTS = {"reference": 0.0, "name": 1.1718, "dates": 0.1942, "coroner": 0.0, "recipient": 1.0396,
                "quoted": 0.7186, "content": 0.5122, "rare": 0.5459, "before": 0.0, "era": -0.6998,
                "identity": 1.4057, "margin": 2.5116, "strength": 0.5134, "concern_best": 0.3754,
                "concern_cover": 0.3452, "concern_lead": 0.8338, "cover_lead": 0.6126}
LINK_BIAS = -4.0919
P_LINK = 0.5  # the best candidate needs this probability
P_GAP = 0.25  # and this much more than the next one
TOP = 8  # candidates scored by the model (by points)


def link_features(score, others_best: float, others_concern: tuple[float, float] = (0.0, 0.0)) -> dict[str, float]:
    """Features of one candidate ``Score``; ``others_best`` = the best points of the other
    candidates, ``others_concern`` their best (concern_best, concern_cover)."""
    p = score.parts or {}
    cb, cc = p.get("concern_best", 0.0), p.get("concern_cover", 0.0)
    return {
        "reference": p.get("reference", 0.0),
        "name": p.get("name", 0.0) / 4,
        "dates": p.get("dates", 0.0) / 3,
        "coroner": p.get("coroner", 0.0),
        "recipient": p.get("recipient", 0.0),
        "quoted": p.get("quoted", 0.0),
        "content": p.get("content", 0.0),
        "rare": p.get("rare", 0.0),
        "before": p.get("before", 0.0),
        "era": p.get("era", 0.0),
        "identity": 1.0 if score.identity else 0.0,
        "margin": max(-1.0, min(1.0, (score.points - others_best) / 8)),
        "strength": 1 - math.exp(-max(0.0, score.points) / 4),
        # the letter's paragraphs against the report's concerns, and the lead over the other candidates
        "concern_best": cb,
        "concern_cover": cc,
        "concern_lead": max(-1.0, min(1.0, cb - others_concern[0])),
        "cover_lead": max(-1.0, min(1.0, cc - others_concern[1])),
    }


def candidate_features(ranked) -> list[dict[str, float]]:
    """Features of the ``TOP`` best candidates (``ranked`` by points, best first)."""
    top = list(ranked[:TOP])
    out = []
    for i, s in enumerate(top):
        others = [o for j, o in enumerate(top) if j != i]
        oc = (max(((o.parts or {}).get("concern_best", 0.0) for o in others), default=0.0),
              max(((o.parts or {}).get("concern_cover", 0.0) for o in others), default=0.0))
        out.append(link_features(s, max((o.points for o in others), default=0.0), oc))
    return out


def link_probability(f: dict[str, float], weights: dict[str, float] | None = None, bias: float | None = None) -> float:
    return logistic(f, LINK_WEIGHTS if weights is None else weights, LINK_BIAS if bias is None else bias)


def choose(ranked, weights: dict[str, float] | None = None, bias: float | None = None,
           p_link: float = P_LINK, p_gap: float = P_GAP) -> tuple[int | None, float, list[float]]:
    """(index in ``ranked`` of the report to link or None, its probability, all probabilities)."""
    feats = candidate_features(ranked)
    probs = [link_probability(f, weights, bias) for f in feats]
    if not probs:
        return None, 0.0, []
    order = sorted(range(len(probs)), key=lambda k: -probs[k])
    best = order[0]
    second = probs[order[1]] if len(order) > 1 else 0.0
    if probs[best] >= p_link and probs[best] - second >= p_gap:
        return best, round(probs[best], 3), probs
    return None, round(probs[best], 3), probs


def fit(groups: list[tuple[list[dict[str, float]], int | None]], l2: float = 1.0) -> tuple[dict[str, float], float]:
    """(weights, bias) from (candidate features, index of the right candidate or None) groups.
    A group whose right report is None (a letter with its report removed, a document that
    answers nothing) teaches the model what no link looks like."""
    rows = [(f, 1.0 if k == right else 0.0) for feats, right in groups for k, f in enumerate(feats)]
    return fit_logistic(rows, LINK_FEATURES, l2=l2, pos_weight=3.0)
