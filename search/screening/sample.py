"""A sampled check of a screen's unjudged documents, and the included set it supports.

The model's probabilities say how many relevant documents remain unjudged only as well as
the model is calibrated, and with a few dozen judgements chosen by score it often is not
(it overestimates recall when it separates a topic poorly). So ``next`` also *draws* a share
of its proposals at random from every unjudged document of the screen, with known chances
(``draw_weights``: half in proportion to the model's probability, half uniform, so every
unjudged document can be drawn), and records each draw. Once the person has judged a drawn
document its label is an unbiased look at the remainder, whatever the model got wrong:

- A draw t made when the unjudged pool was U_t, picking document i with chance q_i, gives
  ``y_i / q_i`` as an unbiased estimate of the relevant documents in U_t (Hansen–Hurwitz;
  draws are with replacement). Relevant documents judged since the draw (seq after it) were
  in U_t and are no longer unjudged, so ``y_i / q_i - K_t`` estimates the relevant documents
  unjudged *now* (K_t: relevant judged since draw t, the draw's own document included).
- The difference estimator adds the model: ``sum of p over U_t + (y_i - p_i) / q_i - K_t``,
  also unbiased, with less variance when the probabilities are roughly right.
- Their mean over draws, and its standard error from the spread of the draws' estimates,
  give a 95% interval. With few relevant documents drawn that interval cannot be trusted,
  so the upper end is then the conservative bound the uniform half of the design allows: a
  draw hits a relevant document with chance at least ``uniform * R / |U_t|``, so after h hits
  R is at most the Poisson 95% upper bound of h divided by ``uniform * sum(1 / |U_t|)``.
  Early on that bound is wide: the honest answer is "we do not know yet".

``combine`` puts the model's estimate and the sample's together (the model's, moved into the
sample's interval when it lies outside it), ``recalibrate`` shifts the unjudged documents'
probabilities (in log-odds, keeping their order) so they sum to that estimate, and
``inclusion`` includes unjudged documents in probability order until the expected recall of
the included set reaches the target, reporting its expected precision."""
from __future__ import annotations

import math

import numpy as np
from scipy.stats import t as student_t

# Poisson 95% one-sided upper bounds on the mean after h = 0, 1, 2, ... events
POISSON_UPPER = (3.0, 4.74, 6.30, 7.75, 9.15, 10.51, 11.84, 13.15, 14.43, 15.71)
MIN_HITS = 5  # relevant documents drawn before the normal interval is trusted


def draw_weights(p: np.ndarray, uniform: float) -> np.ndarray:
    """The chance of each unjudged document (given their probabilities ``p``) being picked by
    one draw: ``uniform`` of it spread evenly, the rest in proportion to p."""
    n = len(p)
    if n == 0:
        return np.zeros(0)
    total = float(p.sum())
    if total <= 0:
        return np.full(n, 1.0 / n)
    return (1.0 - uniform) * p / total + uniform / n


def draw(rng: np.random.Generator, candidates: np.ndarray, p: np.ndarray, k: int, uniform: float) -> list[dict]:
    """k draws with replacement from the unjudged ``candidates`` (rows; ``p`` their
    probabilities): [{row, q, p, pool, pool_p}]."""
    if k <= 0 or not len(candidates):
        return []
    q = draw_weights(p, uniform)
    picks = rng.choice(len(candidates), size=k, replace=True, p=q / q.sum())
    return [{"row": int(candidates[i]), "q": float(q[i]), "p": float(p[i]), "pool": int(len(candidates)),
             "pool_p": float(p.sum())} for i in picks]


def sampled_remaining(draws: list[dict], labels_by_doc: dict[int, int], seq_by_doc: dict[int, int],
                      uniform: float) -> dict | None:
    """The draws' estimate of how many relevant documents are unjudged now.

    ``draws``: [{document_id, q, p, pool, pool_p, judged_seq}]; ``labels_by_doc`` and
    ``seq_by_doc``: the judgements of documents in the screen. Draws whose document is not
    judged yet are left out (a person skipping drawn documents for a reason would bias it).
    None when no drawn document is judged."""
    done = [d for d in draws if d["document_id"] in labels_by_doc]
    if not done:
        return None
    rel_seqs = np.array(sorted(s for doc, s in seq_by_doc.items() if labels_by_doc.get(doc) == 1))
    ht, diff, inv_pool = [], [], 0.0
    hits = 0
    for d in done:
        y = labels_by_doc[d["document_id"]]
        hits += y
        k_t = int(len(rel_seqs) - np.searchsorted(rel_seqs, d["judged_seq"], side="right"))
        ht.append(y / d["q"] - k_t)
        diff.append(d["pool_p"] + (y - d["p"]) / d["q"] - k_t)
        inv_pool += 1.0 / max(d["pool"], 1)
    k = len(done)
    out = {"draws": k, "relevant_drawn": hits, "pending": len(draws) - k}
    for name, z in (("ht", np.array(ht)), ("difference", np.array(diff))):
        mean = float(z.mean())
        se = float(z.std(ddof=1) / math.sqrt(k)) if k > 1 else float("inf")
        out[name] = {"estimate": max(mean, 0.0), "se": se}
    # the interval: normal when enough relevant documents were drawn, else the bound the
    # uniform half of the design guarantees
    est, se = out["difference"]["estimate"], out["difference"]["se"]
    safe_upper = POISSON_UPPER[min(hits, len(POISSON_UPPER) - 1)] / (uniform * inv_pool) if uniform > 0 else math.inf
    if hits >= MIN_HITS and math.isfinite(se):
        z = float(student_t.ppf(0.975, k - 1))  # few draws: a t quantile, wider than 1.96
        lo, hi = max(0.0, est - z * se), min(est + z * se, safe_upper)
    else:
        lo, hi = 0.0, safe_upper
    out["interval"] = [lo, max(hi, lo)]
    return out


def combine(model_estimate: float, sample: dict | None, how: str = "clip") -> tuple[float, list[float] | None, str]:
    """(estimated relevant unjudged, its interval or None, how it was got) from the model's
    estimate and the sample's. ``how``: "clip" (the model's, moved into the sample's
    interval), "sample" (the difference estimate), "model" (the model's alone)."""
    if sample is None or how == "model":
        return model_estimate, None, "model"
    lo, hi = sample["interval"]
    if how == "sample":
        return min(max(sample["difference"]["estimate"], lo), hi), [lo, hi], "sample"
    if model_estimate < lo:
        return lo, [lo, hi], "model, raised to the sampled check's lower bound"
    if model_estimate > hi:
        return hi, [lo, hi], "model, lowered to the sampled check's upper bound"
    return model_estimate, [lo, hi], "model, inside the sampled check's interval"


def recalibrate(p: np.ndarray, target: float, iterations: int = 60) -> np.ndarray:
    """p shifted in log-odds by one constant (order kept) so that it sums to ``target``."""
    if not len(p):
        return p
    target = min(max(target, 0.0), float(len(p)))
    logit = np.log(np.clip(p, 1e-9, 1 - 1e-9)) - np.log1p(-np.clip(p, 1e-9, 1 - 1e-9))
    lo, hi = -40.0, 40.0
    for _ in range(iterations):
        mid = (lo + hi) / 2
        if (1.0 / (1.0 + np.exp(-(logit + mid)))).sum() < target:
            lo = mid
        else:
            hi = mid
    return 1.0 / (1.0 + np.exp(-(logit + (lo + hi) / 2)))


def inclusion(p_unjudged: np.ndarray, found: int, target_recall: float, threshold: float) -> tuple[float, int, float]:
    """(cut, unjudged documents included, expected relevant among them): unjudged documents in
    probability order until the included set (with the ``found`` judged relevant) is expected
    to hold ``target_recall`` of all relevant documents; never leaving out one with p at or
    above ``threshold``."""
    if not len(p_unjudged):
        return 1.0, 0, 0.0
    ps = np.sort(p_unjudged)[::-1]
    cum = np.cumsum(ps)
    total = found + float(cum[-1])
    need = target_recall * total - found
    k = 0 if need <= 0 else int(min(np.searchsorted(cum, need) + 1, len(ps)))
    k = max(k, int((ps >= threshold).sum()))
    if k == 0:
        return float(ps[0]) + 1e-12, 0, 0.0
    return float(ps[k - 1]), k, float(cum[k - 1])
