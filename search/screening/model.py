"""The screening model: a prior from the description, a class-balanced logistic regression
trained on the judgements so far, probabilities calibrated on held-out judgements, what to
ask next, and the estimates a person stops on.

Why this shape (continuous active learning, as e-discovery does it offline):
- Before any judgement the description is all there is: each document's closeness to it
  (best passage, best finding, mean vector, words), z-scored over the screen's documents
  and summed, is the prior. After, the prior stays in as one feature of the model, and the
  description itself is one extra "relevant" example, so a few judgements refine it rather
  than replace it.
- Until the person has judged both kinds, a handful of random unjudged documents stand in as
  weakly weighted "not relevant" examples (most documents are not relevant to most
  questions) so a model can be fitted from the first "yes".
- Scores become probabilities by a semi-supervised mixture: two normal distributions of
  model scores (relevant, not relevant) fitted by EM to *every* document of the screen, the
  judged ones held to their labels (with out-of-fold scores, since a model's own training
  documents score too well). Judged documents are chosen by score — rich in near misses,
  poor in easy negatives — so a calibration fitted on them alone (Platt scaling, kept as the
  other end of the reported range and as the fallback) overcounts the long tail.
- Estimated relevant among the unjudged = the sum of their probabilities (search.screening.screens
  takes the geometric mean of the mixture's and Platt's sums, ``Knobs.model_estimate``);
  estimated recall = relevant found / (relevant found + that sum). ``included`` = judged relevant, or unjudged
  with p at or above a cut: ``threshold``, lowered until the included set is expected to hold
  ``include_recall`` of the relevant documents.
- ``next`` mixes uncertain and random documents in among the likeliest, so the judgements
  cover more than the top of the ranking."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

import numpy as np
import scipy.sparse as sp

log = logging.getLogger(__name__)


@dataclass
class Knobs:
    """Tuned with benchmarks/screening_eval.py on the tuning topics only (see its docstring)."""
    prior_weights: dict[str, float] = field(default_factory=lambda: {
        "passage_best": 0.3, "finding_best": 0.2, "mean": 0.1, "words": 0.4})
    dense_scale: float = 1.0        # weight of the meaning features beside the word features
    words_scale: float = 1.0
    prior_scale: float = 1.0        # the description's prior as a feature
    C: float = 4.0                  # inverse regularisation of the relevance model
    pseudo_negatives: int = 50      # random unjudged documents standing in as "not relevant" ...
    pseudo_weight: float = 0.2      # ... at this weight, while fewer than MIN_EACH of either kind are judged
    description_weight: float = 1.0
    folds: int = 5
    explore: float = 0.0            # share of `next` that is uncertain or random rather than most likely (0: the
    #                                 likeliest only, as the stopping rule of search.screening.stopping assumes)
    threshold: float = 0.5          # calibrated p at which an unjudged document is included ...
    include_recall: float = 0.9     # ... or lower, until the included set is expected to hold this share
    max_slope: float = 50.0
    platt_ridge: float = 1e-3       # L2 on the Platt slope (standardised scores)
    platt_smooth: bool = True       # Platt's smoothed targets
    calibration: str = "mixture"    # "mixture" (EM over all scores) or "platt" (judged documents only)
    mixture_min_each: int = 2       # judgements of each kind before the mixture is trusted over Platt
    prior_offset: float = 0.0       # the description's prior as a fixed offset to every score (not learnt)
    meaning: str = "both"           # meaning features: "both" (passages | concerns), "passages", "concerns"
    sample_share: float = 0.0       # share of all proposals drawn at random to check the unjudged (0: none; the
    #                                 stopping rule needs no random draws)
    sample_uniform: float = 0.5     # share of each draw's chance spread evenly over the unjudged
    combine: str = "clip"           # the estimate: "clip" (model within the sample's interval), "sample", "model"
    model_estimate: str = "geometric"  # the model's relevant-unjudged: "geometric" mean of the mixture's and Platt's sums, or "mixture"
    ensemble: float = 0.0           # weight of a words-only and a meaning-only model beside the joint one (0: off)


MIN_EACH = 3  # judgements of each kind before the pseudo "not relevant" examples are dropped


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def _z(v: np.ndarray, universe: np.ndarray) -> np.ndarray:
    u = v[universe]
    mu = float(u.mean()) if len(u) else 0.0
    sd = float(u.std()) if len(u) else 1.0
    return ((v - mu) / (sd if sd > 1e-9 else 1.0)).astype(np.float32)


def prior_score(signals: dict[str, np.ndarray], universe: np.ndarray, knobs: Knobs) -> np.ndarray:
    """The description's prior: a weighted sum of its signals, each z-scored over the
    screen's documents (``universe``: row indices), then z-scored again."""
    total = sum(w * _z(signals[k], universe) for k, w in knobs.prior_weights.items())
    return _z(np.asarray(total, dtype=np.float32), universe)


@dataclass
class Design:
    """The rows a model sees: meaning | words | prior, scaled by the knobs."""
    dense: np.ndarray
    words: sp.csr_matrix
    prior: np.ndarray
    query_dense: np.ndarray
    query_words: sp.csr_matrix
    knobs: Knobs

    def rows(self, idx: np.ndarray) -> sp.csr_matrix:
        k = self.knobs
        return sp.hstack([sp.csr_matrix(self.dense[idx] * k.dense_scale), self.words[idx] * k.words_scale,
                          sp.csr_matrix(self.prior[idx, None] * k.prior_scale)], format="csr")

    def description_row(self) -> sp.csr_matrix:
        k = self.knobs
        top = np.float32(np.percentile(self.prior, 99)) if len(self.prior) else np.float32(0)
        return sp.hstack([sp.csr_matrix(self.query_dense[None, :] * k.dense_scale), self.query_words * k.words_scale,
                          sp.csr_matrix(np.array([[top * k.prior_scale]], dtype=np.float32))], format="csr")

    def score_all(self, model: "Model") -> np.ndarray:
        k = self.knobs
        w = model.coef_.ravel()
        nd = self.dense.shape[1]
        nw = self.words.shape[1]
        s = self.dense @ (w[:nd] * k.dense_scale).astype(np.float32)
        s = s + self.words @ (w[nd:nd + nw] * k.words_scale).astype(np.float32)
        s = s + self.prior * (w[nd + nw] * k.prior_scale + k.prior_offset)
        return np.asarray(s, dtype=np.float64) + float(model.intercept_[0])

    def offsets(self, rows: np.ndarray, description: bool = False) -> np.ndarray:
        """The fixed part of each training row's score: the prior times ``prior_offset``."""
        o = self.prior[rows].astype(np.float64) * self.knobs.prior_offset
        if description:
            top = float(np.percentile(self.prior, 99)) if len(self.prior) else 0.0
            return np.array([top * self.knobs.prior_offset])
        return o


class Model:
    """A linear model over the design's columns: ``score = X @ coef + intercept``."""

    def __init__(self, coef: np.ndarray, intercept: float):
        self.coef_ = coef[None, :]
        self.intercept_ = np.array([intercept])


def _train_set(design: Design, rows: np.ndarray, labels: np.ndarray, pseudo: np.ndarray, knobs: Knobs):
    """(X, y, sample weights) of the judged rows, the description and the pseudo negatives,
    with classes balanced: a screen of 5 "yes" and 35 "no" should not learn that "no" is the answer."""
    x = [design.rows(rows), design.description_row()]
    y = [labels, np.array([1])]
    w = [np.ones(len(rows)), np.array([knobs.description_weight])]
    if len(pseudo):
        x.append(design.rows(pseudo))
        y.append(np.zeros(len(pseudo), dtype=int))
        w.append(np.full(len(pseudo), knobs.pseudo_weight))
    X, Y, W = sp.vstack(x, format="csr"), np.concatenate(y).astype(float), np.concatenate(w)
    pos, neg = W[Y == 1].sum(), W[Y == 0].sum()
    W = np.where(Y == 1, W * (pos + neg) / (2 * pos), W * (pos + neg) / (2 * max(neg, 1e-9)))
    O = np.concatenate([design.offsets(rows), design.offsets(rows[:0], description=True),
                        design.offsets(pseudo)]) if knobs.prior_offset else np.zeros(len(Y))
    return X, Y, W, O


def _fit_kernel(K: np.ndarray, y: np.ndarray, w: np.ndarray, C: float,
                o: np.ndarray | None = None) -> tuple[np.ndarray, float]:
    """L2-regularised, weighted logistic regression solved in the span of the training rows
    (w = X^T alpha): the same optimum as the primal problem, but over as many parameters as
    there are judgements rather than as there are words, so a refit takes milliseconds."""
    n = len(y)
    sign = 2 * y - 1
    o = np.zeros(n) if o is None else o

    def loss(a, b):
        Ka = K @ a
        return float(np.sum(w * np.logaddexp(0.0, -sign * (Ka + b + o)))) + 0.5 / C * float(a @ Ka)

    a, b = np.zeros(n), 0.0
    cur = loss(a, b)
    ridge = 1e-8 * (np.trace(K) / max(n, 1) + 1.0)
    for _ in range(50):  # damped Newton: a few milliseconds for a few hundred judgements
        Ka = K @ a
        p = _sigmoid(Ka + b + o)
        g = w * (p - y)
        d = w * p * (1 - p)
        grad = np.concatenate([K @ g + Ka / C, [g.sum()]])
        KD = K * d[None, :]
        H = np.empty((n + 1, n + 1))
        H[:n, :n] = KD @ K + K / C + ridge * np.eye(n)
        H[:n, n] = H[n, :n] = K @ d
        H[n, n] = d.sum() + 1e-9
        try:
            step = np.linalg.solve(H, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(H, grad, rcond=None)[0]
        t = 1.0
        while t > 1e-4:
            na, nb = a - t * step[:n], b - t * step[n]
            new = loss(na, nb)
            if new <= cur:
                break
            t *= 0.5
        else:
            break
        a, b = na, nb
        done = cur - new < 1e-9 * max(abs(cur), 1.0)
        cur = new
        if done:
            break
    return a, float(b)


def _fit(design: Design, rows: np.ndarray, labels: np.ndarray, pseudo: np.ndarray, knobs: Knobs) -> Model:
    X, Y, W, O = _train_set(design, rows, labels, pseudo, knobs)
    K = (X @ X.T).toarray()
    alpha, b = _fit_kernel(K, Y, W, knobs.C, O)
    return Model(np.asarray(X.T @ alpha).ravel(), b)


@dataclass
class Ranking:
    p: np.ndarray                  # calibrated probability per row (every row of the library)
    score: np.ndarray              # model score per row
    method: str
    calibration: dict
    p_alternative: np.ndarray | None = None  # the other calibration's probabilities, for a range


def rank(design: Design, universe: np.ndarray, judged_rows: np.ndarray, labels: np.ndarray,
         knobs: Knobs, seed: int = 0) -> Ranking:
    """Every document's probability of being relevant, given the judgements so far.

    The fits solve small dense systems (one row per judgement): a BLAS spreading each over every
    core spends longer waking threads than solving, and on a busy machine a refit at 230
    judgements took 21 s that way against well under a second on one thread, so it runs on one."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        return _rank(design, universe, judged_rows, labels, knobs, seed)


def _rank(design: Design, universe: np.ndarray, judged_rows: np.ndarray, labels: np.ndarray,
          knobs: Knobs, seed: int = 0) -> Ranking:
    rng = np.random.default_rng(seed)
    n_pos, n_neg = int(labels.sum()), int(len(labels) - labels.sum())
    if len(labels) == 0:
        # the prior alone: a steep guess that about the top 5% are relevant
        s = design.prior.astype(np.float64)
        cut = np.percentile(s[universe], 95) if len(universe) else 0.0
        return Ranking(_sigmoid(2.0 * (s - cut)), s,
                       "description only (no judgements yet): a guess, not an estimate",
                       {"judged": 0})
    unjudged = np.setdiff1d(universe, judged_rows, assume_unique=False)
    pseudo = np.empty(0, dtype=np.int64)
    if min(n_pos, n_neg) < MIN_EACH and len(unjudged):
        pseudo = rng.choice(unjudged, size=min(knobs.pseudo_negatives, len(unjudged)), replace=False)
    if knobs.ensemble > 0 and min(n_pos, n_neg) >= 1:
        score, calib = _ensemble(design, universe, judged_rows, labels, pseudo, knobs, seed)
    else:
        model = _fit(design, judged_rows, labels, pseudo, knobs)
        score = design.score_all(model)
        calib = _calibrate(design, judged_rows, labels, pseudo, knobs, rng)
    if calib is None:
        return Ranking(_sigmoid(score), score, "model probabilities, uncalibrated (fewer than 2 judgements of each kind)",
                       {"judged": int(len(labels)), "relevant": n_pos})
    a, b, check = calib
    oof = check.pop("_oof")
    p = _sigmoid(a * score + b)
    if knobs.calibration == "mixture" and min(n_pos, n_neg) >= knobs.mixture_min_each:
        p_mix, info = mixture(score, universe, judged_rows, labels, oof, p)
        if p_mix is not None:
            check.update(info)
            return Ranking(p_mix, score,
                           "score mixture: two normal distributions of model scores (relevant, not relevant) fitted "
                           "by EM to every document's score, the judged ones held to their labels (out-of-fold "
                           f"scores, {check['folds']}-fold); estimated relevant = the unjudged documents' "
                           "posterior probabilities, summed (the range beside it also uses Platt scaling on the "
                           "judged documents' out-of-fold scores)", check, p_alternative=p)
    return Ranking(p, score,
                   f"calibrated probabilities (Platt scaling on {knobs.folds}-fold out-of-fold scores of the "
                   f"{len(labels)} judged documents), summed over the unjudged", check)


def _ensemble(design: Design, universe: np.ndarray, judged_rows: np.ndarray, labels: np.ndarray,
              pseudo: np.ndarray, knobs: Knobs, seed: int):
    """(score, calibration) of an ensemble: the joint model over meaning | words | prior, and
    (at weight ``knobs.ensemble`` each) one over words | prior and one over meaning | prior.
    Each member's score is z-scored over the screen's documents and the weighted mean is the
    ensemble's score; its out-of-fold scores come from the members' out-of-fold scores
    (same folds), z-scored with the same constants, so the calibration sees what it ranks."""
    members = [(1.0, knobs), (knobs.ensemble, replace(knobs, dense_scale=0.0)),
               (knobs.ensemble, replace(knobs, words_scale=0.0))]
    total = sum(w for w, _ in members)
    score = np.zeros(len(design.prior))
    oof, calib = None, None
    for w, k in members:
        d = replace(design, knobs=k)
        s = d.score_all(_fit(d, judged_rows, labels, pseudo, k))
        u = s[universe] if len(universe) else s
        mu, sd = float(u.mean()), float(u.std()) or 1.0
        score += w / total * (s - mu) / sd
        c = _calibrate(d, judged_rows, labels, pseudo, k, np.random.default_rng(seed))
        if c is None:
            calib = None
            continue
        part = w / total * (c[2]["_oof"] - mu) / sd
        if oof is None:
            oof, calib = part, c
        else:
            oof = oof + part
    if calib is None or oof is None:
        return score, None
    check = calib[2]
    a, b = platt(oof, labels, knobs.platt_ridge, knobs.platt_smooth)
    if a <= 0:
        base = float(labels.mean())
        a, b = 1e-6, float(np.log(base / (1 - base))) if 0 < base < 1 else 0.0
    a = min(a, knobs.max_slope)
    p_oof = _sigmoid(a * oof + b)
    check.update({"predicted_relevant_out_of_fold": round(float(p_oof.sum()), 2), "slope": round(a, 4),
                  "intercept": round(b, 4), "_oof": oof, "ensemble": knobs.ensemble})
    return score, (a, b, check)


def mixture(score: np.ndarray, universe: np.ndarray, judged_rows: np.ndarray, labels: np.ndarray, oof: np.ndarray,
            p0: np.ndarray, iterations: int = 200):
    """Semi-supervised EM over the screen's documents: the model scores come from two normal
    distributions, one for relevant documents and one for the rest; judged documents belong
    to their label's, unjudged ones to each in proportion. Unlike a calibration fitted on the
    judged documents alone (chosen by score, so rich in near misses and poor in easy
    negatives), every document's score counts, so the long tail of low scores is seen as it is.
    Returns (posterior P(relevant) per row, info) or (None, {}) when it cannot be fitted."""
    x = score.astype(np.float64).copy()
    in_u = np.zeros(len(x), dtype=bool)
    in_u[universe] = True
    fixed = np.full(len(x), np.nan)
    jr = judged_rows[in_u[judged_rows]]
    jl = labels[in_u[judged_rows]]
    x[judged_rows] = oof  # a model's own training documents score too well: use held-out scores
    fixed[jr] = jl
    u = universe
    free = np.isnan(fixed[u])
    if free.sum() == 0 or jl.sum() < 2 or (len(jl) - jl.sum()) < 2:
        return None, {}
    r = np.where(free, p0[u], fixed[u])
    xu = x[u]
    floor = 1e-3 * (xu.var() + 1e-9)
    for _ in range(iterations):
        pi = float(np.clip(r.mean(), 1e-4, 1 - 1e-4))
        w1, w0 = r.sum(), (1 - r).sum()
        m1, m0 = float((r * xu).sum() / w1), float(((1 - r) * xu).sum() / w0)
        v1 = float((r * (xu - m1) ** 2).sum() / w1) + floor
        v0 = float(((1 - r) * (xu - m0) ** 2).sum() / w0) + floor
        l1 = np.log(pi) - 0.5 * np.log(v1) - 0.5 * (xu - m1) ** 2 / v1
        l0 = np.log(1 - pi) - 0.5 * np.log(v0) - 0.5 * (xu - m0) ** 2 / v0
        post = _sigmoid(l1 - l0)
        new = np.where(free, post, fixed[u])
        if np.abs(new - r).max() < 1e-6:
            r = new
            break
        r = new
    if m1 <= m0:  # the "relevant" component scored lower: the fit is meaningless
        return None, {}
    out = np.zeros(len(x))
    # every row's posterior from its own score (judged rows too, for display)
    l1 = np.log(pi) - 0.5 * np.log(v1) - 0.5 * (score - m1) ** 2 / v1
    l0 = np.log(1 - pi) - 0.5 * np.log(v0) - 0.5 * (score - m0) ** 2 / v0
    out[:] = _sigmoid(l1 - l0)
    # two normals of unequal spread give a posterior that rises again far out in the wider
    # one's tail; a higher score must never mean a lower probability, so cap each row's
    # posterior by every higher-scored row's
    order = np.argsort(score, kind="stable")
    out[order] = np.minimum.accumulate(out[order][::-1])[::-1]
    return out, {"mixture": {"share_relevant": round(pi, 4), "mean_relevant": round(m1, 3), "mean_other": round(m0, 3),
                             "sd_relevant": round(v1 ** 0.5, 3), "sd_other": round(v0 ** 0.5, 3)}}


def _calibrate(design: Design, rows: np.ndarray, labels: np.ndarray, pseudo: np.ndarray, knobs: Knobs,
               rng: np.random.Generator):
    """(slope, intercept, check) mapping a score to P(relevant), fitted on out-of-fold
    scores; None when there are too few judgements of either kind."""
    pos, neg = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    k = min(knobs.folds, len(pos), len(neg))
    if k < 2:
        return None
    fold = np.empty(len(labels), dtype=int)
    for idx in (pos, neg):  # stratified folds
        order = rng.permutation(idx)
        fold[order] = np.arange(len(order)) % k
    # one kernel over judged + description + pseudo rows; each fold fits on a block of it
    X, Y, _, O = _train_set(design, rows, labels, pseudo, knobs)
    K = (X @ X.T).toarray()
    extra = np.arange(len(rows), len(Y))
    base_w = np.concatenate([np.ones(len(rows)), [knobs.description_weight],
                             np.full(len(Y) - len(rows) - 1, knobs.pseudo_weight)])
    oof = np.empty(len(labels))
    for f in range(k):
        tr = np.concatenate([np.flatnonzero(fold != f), extra])
        te = np.flatnonzero(fold == f)
        y, w = Y[tr], base_w[tr]
        pw, nw = w[y == 1].sum(), w[y == 0].sum()
        w = np.where(y == 1, w * (pw + nw) / (2 * pw), w * (pw + nw) / (2 * max(nw, 1e-9)))
        alpha, b = _fit_kernel(K[np.ix_(tr, tr)], y, w, knobs.C, O[tr])
        oof[te] = K[np.ix_(te, tr)] @ alpha + b + O[te]
    a, b = platt(oof, labels, knobs.platt_ridge, knobs.platt_smooth)
    if a <= 0:  # the scores do not separate the judgements at all: no information in them yet
        base = float(labels.mean())
        a, b = 1e-6, float(np.log(base / (1 - base))) if 0 < base < 1 else 0.0
    a = min(a, knobs.max_slope)
    p_oof = _sigmoid(a * oof + b)
    check = {"judged": int(len(labels)), "relevant": int(labels.sum()),
             "predicted_relevant_out_of_fold": round(float(p_oof.sum()), 2), "folds": int(k),
             "slope": round(a, 4), "intercept": round(b, 4), "_oof": oof}
    return a, b, check


def platt(scores: np.ndarray, labels: np.ndarray, ridge: float = 1e-3, smooth: bool = True) -> tuple[float, float]:
    """Platt's own recipe: fit P(relevant | score) = sigmoid(a * score + b) to *smoothed*
    targets ((N+ + 1) / (N+ + 2) for the relevant, 1 / (N- + 2) for the rest), which keeps the
    slope finite when the judged documents are perfectly separated without pulling it
    towards zero as a penalty would. Newton's method on two parameters."""
    n_pos, n_neg = int(labels.sum()), int(len(labels) - labels.sum())
    t = np.where(labels == 1, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0)) if smooth else labels.astype(float)
    mu, sd = float(scores.mean()), float(scores.std()) or 1.0
    z = (scores - mu) / sd
    a, b = 0.0, float(np.log((n_pos + 1.0) / (n_neg + 1.0)))
    for _ in range(100):
        p = _sigmoid(a * z + b)
        g = np.array([np.sum((p - t) * z) + ridge * a, np.sum(p - t)])
        w = p * (1 - p)
        H = np.array([[np.sum(w * z * z) + ridge, np.sum(w * z)], [np.sum(w * z), np.sum(w) + 1e-9]])
        try:
            step = np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            break
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-8:
            break
    return a / sd, b - a * mu / sd


def propose(p: np.ndarray, candidates: np.ndarray, n: int, knobs: Knobs, seed: int = 0,
            explore: bool = True, random: bool = True) -> list[tuple[int, str]]:
    """[(row, why)] to judge next: mostly the likeliest ("likely"), with a share of the most
    uncertain ("uncertain": p nearest the inclusion threshold) and random ones ("sample")."""
    if n <= 0 or not len(candidates):
        return []
    order = candidates[np.argsort(-p[candidates], kind="stable")]
    n_explore = int(round(n * knobs.explore)) if explore and len(candidates) > n else 0
    chosen: list[tuple[int, str]] = [(int(r), "likely") for r in order[: n - n_explore]]
    taken = {r for r, _ in chosen}
    if n_explore:
        n_unc = (n_explore + 1) // 2 if random else n_explore
        rest = np.array([r for r in order if r not in taken], dtype=np.int64)
        unc = rest[np.argsort(np.abs(p[rest] - knobs.threshold), kind="stable")][:n_unc]
        chosen += [(int(r), "uncertain") for r in unc]
        taken |= {int(r) for r in unc}
        rest = np.array([r for r in rest if r not in taken], dtype=np.int64)
        if len(rest):
            rng = np.random.default_rng(seed)
            pick = rng.choice(rest, size=min(n_explore - n_unc, len(rest)), replace=False)
            chosen += [(int(r), "sample") for r in pick]
    return chosen


def estimates(p: np.ndarray, universe: np.ndarray, judged_rows: np.ndarray, labels: np.ndarray,
              knobs: Knobs, p_alternative: np.ndarray | None = None) -> dict:
    """judged, relevant found, estimated relevant among the unjudged, estimated recall of the
    judging so far, and what ``included`` holds (judged relevant, or unjudged with p at or
    above the threshold) with its own estimated recall."""
    judged_set = set(int(r) for r in judged_rows)
    unjudged = np.array([r for r in universe if int(r) not in judged_set], dtype=np.int64)
    found = int(labels.sum())
    est = float(p[unjudged].sum()) if len(unjudged) else 0.0
    cut = inclusion_cut(p, unjudged, found, knobs)
    inc_unjudged = unjudged[p[unjudged] >= cut] if len(unjudged) else unjudged
    est_inc = float(p[inc_unjudged].sum()) if len(inc_unjudged) else 0.0
    total = found + est
    rng_ = None
    if p_alternative is not None and len(unjudged) and len(labels):
        alt = float(p_alternative[unjudged].sum())
        lo, hi = sorted((est, alt))
        rng_ = [round(found / (found + hi), 3) if found + hi > 0 else None,
                round(found / (found + lo), 3) if found + lo > 0 else None]
    return {
        "judged": int(len(labels)),
        "relevant_found": found,
        "estimated_relevant": round(est, 1),
        "estimated_recall": round(found / total, 3) if total > 0 and len(labels) else None,
        "estimated_recall_range": rng_,
        "included": found + int(len(inc_unjudged)),
        "estimated_included_recall": round((found + est_inc) / total, 3) if total > 0 and len(labels) else None,
        "unjudged": int(len(unjudged)),
        "inclusion_p": round(float(cut), 6),
    }


def inclusion_cut(p: np.ndarray, unjudged: np.ndarray, found: int, knobs: Knobs) -> float:
    """The probability at or above which an unjudged document is included: the threshold,
    lowered (when ``knobs.include_recall`` is set) until the included documents are expected
    to hold that share of all the relevant ones."""
    cut = knobs.threshold
    if knobs.include_recall <= 0 or not len(unjudged):
        return cut
    ps = np.sort(p[unjudged])[::-1]
    total = found + float(ps.sum())
    if total <= 0:
        return cut
    need = knobs.include_recall * total - found
    if need <= 0:
        return cut
    k = int(np.searchsorted(np.cumsum(ps), need))
    k = min(k, len(ps) - 1)
    return float(min(cut, ps[k]))
