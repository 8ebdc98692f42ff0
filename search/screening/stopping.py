"""When a screen may stop: a statistical stopping rule with a guarantee on recall.

The rule is Callaghan & Müller-Hansen's (2020), "Statistical stopping criteria for automated
screening in systematic reviews", *Systematic Reviews* 9:273 (doi:10.1186/s13643-020-01521-4;
the "buscar" rule, implemented in Python by ``buscarpy``; written again here over
``scipy.stats.hypergeom``, no new dependency). The reviewer judges the documents the model
ranks most likely first. Take the last ``n`` judged documents, for every ``n``, as an urn: if
those ``n`` had been drawn at random from the urn's documents plus every unjudged one, how
likely would it be to see as few relevant ones as were seen, were recall still below the
target?

- ``r`` relevant found in all; ``k_n`` of them among the last ``n`` judged; ``M_n`` = the last
  ``n`` + the unjudged documents.
- Recall below the target ``t`` means at least ``floor(r / t) + 1`` relevant documents in all,
  so at least ``K_n = floor(r / t) + 1 - (r - k_n)`` in the urn (``k_n + m`` when ``m`` more
  remain unjudged).
- ``p_n = P(X <= k_n)`` for ``X ~ Hypergeometric(M_n, K_n, n)``; the rule takes the smallest
  over ``n`` and rejects "recall < t" when it is below ``1 - confidence``.

The last judged documents were the *most* likely by the model at the time, so they are richer
in relevant documents than a random draw from what is left would be; the test is then
conservative, which is the paper's argument for using the ranked order instead of a separate
random sample (no random draws are needed). Its guarantee holds as long as the ranking is
no worse than random over the remainder. Measured on our topics by
``benchmarks/screening_eval.py --stop``.

The same test read the other way gives a one-sided bound: the largest number ``m`` of relevant
documents still unjudged that it cannot reject, so "at 95% confidence recall is at least
r / (r + m)". Everything here is a pure function of the judgement sequence."""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy.stats import hypergeom

TARGET_RECALL = 0.95
CONFIDENCE = 0.95
CITATION = ("Callaghan & Müller-Hansen 2020, Statistical stopping criteria for automated screening in systematic "
            "reviews, Systematic Reviews 9:273")


def _urns(labels: Sequence[int], n_docs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(n, k_n, M_n) of the urns that matter: the last n judged documents plus the unjudged ones.

    Of the urns holding the same k relevant documents the widest has the smallest p (one more
    non-relevant document in the urn and in the sample only lowers P(X <= k)), so only the
    widest for each k is kept: r + 1 urns instead of one per judgement, the same minimum."""
    y = np.asarray(labels, dtype=np.int64)[::-1]
    n = np.arange(1, len(y) + 1)
    k = np.cumsum(y)
    widest = np.append(y[1:] == 1, True)  # the next document back is relevant, or there is none
    unseen = n_docs - len(y)
    return n[widest], k[widest], n[widest] + unseen


def p_value_remaining(labels: Sequence[int], n_docs: int, m: int) -> float:
    """The smallest p over the urns for "at least ``m`` relevant documents are unjudged"
    (``labels``: 1/0 in the order judged; ``n_docs``: documents in the screen, judged or not)."""
    if not len(labels) or m <= 0:
        return 1.0
    n, k, M = _urns(labels, n_docs)
    K = k + int(m)
    possible = K <= M  # an urn that cannot hold that many rejects it outright
    if not possible.any():
        return 0.0
    p = np.where(possible, hypergeom.cdf(k, M, np.minimum(K, M), n), 0.0)
    return float(np.nanmin(p))


def missing_for(found: int, target: float) -> int:
    """The fewest relevant documents that could still be unjudged with recall below ``target``."""
    return int(math.floor(found / target)) + 1 - int(found)


def p_value(labels: Sequence[int], n_docs: int, target: float = TARGET_RECALL) -> float:
    """The p-value of "recall is below ``target``" (Callaghan & Müller-Hansen's H0)."""
    return p_value_remaining(labels, n_docs, missing_for(int(np.sum(labels)), target))


def upper_remaining(labels: Sequence[int], n_docs: int, confidence: float = CONFIDENCE) -> int:
    """The largest number of relevant documents still unjudged that the test cannot rule out
    at ``confidence`` (every unjudged document, when it rules nothing out)."""
    unseen = n_docs - len(labels)
    if unseen <= 0:
        return 0
    alpha = 1.0 - confidence
    if p_value_remaining(labels, n_docs, unseen) >= alpha:
        return unseen
    lo, hi = 0, unseen  # p(lo) >= alpha (or lo == 0), p(hi) < alpha; p falls as m grows
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if p_value_remaining(labels, n_docs, mid) < alpha:
            hi = mid
        else:
            lo = mid
    return lo


def judged_needed(labels: Sequence[int], n_docs: int, remaining_relevant: float,
                  target: float = TARGET_RECALL, confidence: float = CONFIDENCE) -> int | None:
    """How many more judgements the rule is expected to need: the ``remaining_relevant`` (the
    model's estimate, rounded) judged next, then non-relevant ones until the test rejects.
    None when even judging everything would not be enough (it always is: then everything is
    judged and recall is 1)."""
    unseen = n_docs - len(labels)
    if unseen <= 0:
        return 0
    alpha = 1.0 - confidence
    hits = int(min(max(round(remaining_relevant), 0), unseen))
    base = list(labels) + [1] * hits

    def ok(extra: int) -> bool:
        seq = base + [0] * extra
        if len(seq) >= n_docs:
            return True
        return p_value(seq, n_docs, target) < alpha

    if ok(0):
        return hits
    lo, hi = 0, unseen - hits  # ok(hi) is True (everything judged)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hits + hi


def stop_decision(labels: Sequence[int], n_docs: int, remaining_estimate: float | None,
                  target: float = TARGET_RECALL, confidence: float = CONFIDENCE) -> dict:
    """``{"recommended", "target_recall", "confidence", "recall_lower_bound", "p_value",
    "judged_needed_estimate", "reason", "method"}`` for one screen's judgement sequence."""
    if not 0 < target <= 1 or not 0 < confidence < 1:
        raise ValueError("target recall must be in (0, 1] and confidence in (0, 1)")
    labels = [int(x) for x in labels]
    found, judged = sum(labels), len(labels)
    unseen = max(n_docs - judged, 0)
    out = {"target_recall": target, "confidence": confidence, "judged": judged, "relevant_found": found,
           "unjudged": unseen, "method": (
               "hypergeometric test on the last judged documents (" + CITATION + "): the documents judged most "
               "recently, proposed as the most likely, are treated as a sample of everything not judged before them; "
               "stop when recall below the target is rejected")}
    if n_docs <= 0:
        out.update(recommended=False, recall_lower_bound=None, p_value=1.0, upper_remaining=0,
                   judged_needed_estimate=None, reason="the screen holds no document: there is nothing to judge")
        return out
    if unseen == 0:
        out.update(recommended=judged > 0, recall_lower_bound=1.0 if judged else None, p_value=0.0,
                   upper_remaining=0, judged_needed_estimate=0,
                   reason="every document in the screen has been judged: recall of the judging is 100%")
        return out
    if found == 0:
        out.update(recommended=False, recall_lower_bound=None, p_value=1.0, upper_remaining=unseen,
                   judged_needed_estimate=None,
                   reason="no relevant document found yet: nothing can be said about recall until some are")
        return out
    p = p_value(labels, n_docs, target)
    upper = upper_remaining(labels, n_docs, confidence)
    lower_bound = found / (found + upper)
    needed = judged_needed(labels, n_docs, remaining_estimate or 0.0, target, confidence)
    recommended = p < 1.0 - confidence
    if recommended:
        reason = (f"You can stop: at {confidence:.0%} confidence you have found at least {target:.0%} of the relevant "
                  f"documents (p = {p:.3g}; at most {upper} relevant unjudged, so recall is at least {lower_bound:.0%})")
    else:
        reason = (f"Keep judging: recall below {target:.0%} cannot yet be ruled out at {confidence:.0%} confidence "
                  f"(p = {p:.3g}; up to {upper} relevant documents may be unjudged, so recall is at least "
                  f"{lower_bound:.0%})")
        if needed is not None:
            reason += f"; about {needed} more judgement{'' if needed == 1 else 's'} expected before it can say so"
    out.update(recommended=bool(recommended), recall_lower_bound=round(lower_bound, 4), p_value=round(p, 6),
               upper_remaining=int(upper), judged_needed_estimate=0 if recommended else needed, reason=reason)
    return out
