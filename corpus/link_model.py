"""Which candidate report does a letter answer? A small learned model over the linker's
weak signals.

``corpus.response_match.score_report`` measures, per candidate report, the evidence a letter gives
(reference, deceased's name incl. partial and misspelt forms, report and other dates, coroner,
recipient, quoted concerns, content similarity, rare shared words, dates before the report or
years after it). ``link_features`` turns one candidate's evidence, and how far it stands
ahead of the other candidates, into features; ``link_probability`` is a logistic regression
over them. ``choose`` links the most probable candidate when its probability reaches
``P_LINK`` and no other candidate comes close.

The weights were fitted on the 23 hand-labelled letters (benchmarks/gold/responses.json) by
``benchmarks/understanding_eval.py --fit``, which also prints leave-one-report-out figures
(fit on the letters of 12 reports, decide for the 13th's letters).
"""
from __future__ import annotations

import math

from .weak_model import fit_logistic, logistic

LINK_FEATURES = ("reference", "name", "dates", "coroner", "recipient", "quoted", "content", "rare", "before", "era",
                 "identity", "margin", "strength")
# fitted by benchmarks/understanding_eval.py --fit (L2=1, positives weighted 3x, 23 letters in a
# library of 313 reports). No gold letter quotes a reference, so "reference" stays unlearned (0):
# ``corpus.response_match.decide`` links a quoted reference by its own rule.
LINK_WEIGHTS = {"reference": 0.0, "name": 0.5334, "dates": 0.0582, "coroner": 0.0, "recipient": 0.9007,
                "quoted": 0.3727, "content": 0.3316, "rare": 0.814, "before": 0.0, "era": -0.1222,
                "identity": 1.0391, "margin": 2.988, "strength": 0.4934}
LINK_BIAS = -1.9199
P_LINK = 0.5  # the best candidate needs this probability
P_GAP = 0.25  # and this much more than the next one
TOP = 8  # candidates scored by the model (by points)


def link_features(score, others_best: float) -> dict[str, float]:
    """Features of one candidate ``Score``; ``others_best`` = the best points of the other
    candidates."""
    p = score.parts or {}
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
    }


def candidate_features(ranked) -> list[dict[str, float]]:
    """Features of the ``TOP`` best candidates (``ranked`` by points, best first)."""
    top = list(ranked[:TOP])
    out = []
    for i, s in enumerate(top):
        others = [o.points for j, o in enumerate(top) if j != i]
        out.append(link_features(s, max(others) if others else 0.0))
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
    """(weights, bias) from (candidate features, index of the right candidate or None) groups."""
    rows = [(f, 1.0 if k == right else 0.0) for feats, right in groups for k, f in enumerate(feats)]
    return fit_logistic(rows, LINK_FEATURES, l2=l2, pos_weight=3.0)
