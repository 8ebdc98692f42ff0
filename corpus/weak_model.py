"""A small logistic regression over named weak signals, in pure Python (no SciPy).

Used where a decision combines many weak signals and a hand-labelled set can fit their
weights (which recipient wrote a letter, which report a letter answers). The data sets are
tiny (tens of groups, a few hundred rows), so plain gradient descent with an L2 penalty is
enough, and the fitted weights are written into the calling module as constants.
"""
from __future__ import annotations

import math
from typing import Sequence


def logistic(f: dict[str, float], weights: dict[str, float], bias: float) -> float:
    z = bias + sum(w * f.get(k, 0.0) for k, w in weights.items())
    if z < -30:
        return 0.0
    return 1 / (1 + math.exp(-z))


def fit_logistic(rows: Sequence[tuple[dict[str, float], float]], features: Sequence[str], l2: float = 1.0,
                 steps: int = 3000, lr: float = 0.1, pos_weight: float = 1.0) -> tuple[dict[str, float], float]:
    """(weights, bias) minimising log-loss + l2/2·|w|² over (features, label) rows.
    ``pos_weight`` counts each positive row that many times (rare positives)."""
    w = dict.fromkeys(features, 0.0)
    b = 0.0
    m = max(1.0, sum(pos_weight if y else 1.0 for _, y in rows))
    for _ in range(steps):
        gw = dict.fromkeys(features, 0.0)
        gb = 0.0
        for f, y in rows:
            c = pos_weight if y else 1.0
            d = c * (logistic(f, w, b) - y)
            for k in features:
                gw[k] += d * f.get(k, 0.0)
            gb += d
        for k in features:
            w[k] -= lr * (gw[k] / m + l2 * w[k] / m)
        b -= lr * gb / m
    return {k: round(v, 4) for k, v in w.items()}, round(b, 4)
