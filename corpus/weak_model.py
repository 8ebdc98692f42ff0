"""Small models over named weak signals (predicting in pure Python, fitting in the benchmarks).

Used where a decision combines many weak signals and a hand-labelled set can fit their
weights (which recipient wrote a letter, which report a letter answers). The data sets are
tiny (tens of groups, a few hundred rows); the fitted weights are written into the calling
module as constants. ``fit_logistic`` is scikit-learn's L2 logistic regression; ``fit_choice``
(a conditional logit, which scikit-learn has no estimator for) is plain gradient descent with
an L2 penalty in numpy.
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
                 pos_weight: float = 1.0) -> tuple[dict[str, float], float]:
    """(weights, bias) minimising the weighted mean log-loss + l2/2·|w|²/m over (features, label)
    rows, m the rows' total weight; ``pos_weight`` counts each positive row that many times (rare
    positives). The bias is not penalised. Rows of one label only cannot be fitted (ValueError)."""
    import numpy as np  # fitting only (benchmarks); predicting stays pure Python
    from sklearn.linear_model import LogisticRegression

    feats = list(features)
    if not rows:
        return dict.fromkeys(feats, 0.0), 0.0
    x = np.array([[float(f.get(k, 0.0)) for k in feats] for f, _ in rows])
    y = np.array([1.0 if v > 0 else 0.0 for _, v in rows])
    c = np.where(y > 0, pos_weight, 1.0)
    # scikit-learn minimises C·Σ c·log-loss + |w|²/2: the objective above times m, with C = 1/l2
    model = LogisticRegression(C=1.0 / l2, tol=1e-10, max_iter=10_000).fit(x, y, sample_weight=c)
    return {k: round(float(v), 4) for k, v in zip(feats, model.coef_[0])}, round(float(model.intercept_[0]), 4)


def softmax_with_none(zs: Sequence[float]) -> list[float]:
    """Probabilities of each option whose utility is in ``zs``, beside a "none of them" option of
    utility 0 (so a weak best candidate still leaves most of the mass on "none")."""
    if not zs:
        return []
    top = max(0.0, max(zs))
    ex = [math.exp(z - top) for z in zs]
    total = sum(ex) + math.exp(-top)
    return [x / total for x in ex]


def fit_choice(groups: Sequence[tuple[Sequence[dict[str, float]], int | None]], features: Sequence[str],
               l2: float = 1.0, steps: int = 3000, lr: float = 0.2) -> tuple[dict[str, float], float]:
    """(weights, bias) of a conditional logit: in each group (the candidates of one letter, and the
    right one's index or None) the right option is picked among the candidates plus "none" (utility
    0); each candidate's utility is bias + weights·features. Minimises the mean log-loss + l2/2·|w|²/n."""
    import numpy as np  # fitting only

    feats = list(features)
    groups = list(groups)
    if not groups:
        return dict.fromkeys(feats, 0.0), 0.0
    width = max(1, max(len(c) for c, _ in groups))
    x = np.zeros((len(groups), width, len(feats)))
    mask = np.zeros((len(groups), width), dtype=bool)
    y = np.zeros((len(groups), width + 1))
    for g, (cands, right) in enumerate(groups):
        for k, f in enumerate(cands):
            x[g, k] = [float(f.get(n, 0.0)) for n in feats]
            mask[g, k] = True
        y[g, width if right is None or right >= len(cands) else right] = 1.0
    n = len(groups)
    w = np.zeros(len(feats))
    b = 0.0
    for _ in range(steps):
        z = np.where(mask, np.clip(x @ w + b, -30, 30), -np.inf)
        z = np.concatenate([z, np.zeros((n, 1))], axis=1)
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        d = (p - y)[:, :width] * mask
        w -= lr * (np.einsum("gk,gkf->f", d, x) / n + l2 * w / n)
        b -= lr * float(d.sum()) / n
    return {k: round(float(v), 4) for k, v in zip(feats, w)}, round(b, 4)
