"""A small learned document ranker over many weak signals (learning to rank).

The ranker's hand-weighted fusion (search.ranking.ranker: dense and keyword scores, each divided
by its best, summed) reads two numbers per passage. Many more say something about whether
a whole document is about the query, each weakly: its best and second passage by either
list, the sum of its keyword scores, the rank of the document in each list, how close its
concerns (findings) are to the query as the model reads them — the best one and their
mean, a "document vector" — how much of the query's rare vocabulary its concerns use, and
how often the whole document uses the query's words. A linear model over those, fitted pairwise (a relevant document should
outscore an irrelevant one of the same query) on labelled query sets by
benchmarks/learned_rank_cv.py, weighs them; its parameters are a versioned JSON file
(search/ranking/rank_params.json) and :func:`score` is a pure function of them, so the product and
the evaluation rank alike.

Every feature is read per query from the lists the ranker already has, plus the candidate
documents' findings (text and stored vectors) and the text of the ``WHOLE_TOP`` best: the
cost grows with the candidates, not the library (~10 ms CPU at the product's pool). Scores are made comparable across queries the way the fusion does it (each
keyword score divided by the query's best) and cosines are kept raw (they mean the same in
every query)."""
from __future__ import annotations

import json
import logging
import math
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from index import retrieval
from index.termstats import document_frequencies

from search.ranking.text import prefix_pattern, stem, term_stems

log = logging.getLogger(__name__)

PARAMS = Path(__file__).with_name("rank_params.json")
FEATURES = (
    "fused",          # the hand-weighted fusion's document score / the query's best
    "cos1",           # best passage cosine (dense list; below the list: its lowest)
    "cos2",           # second best passage cosine
    "cos_gap",        # cos1 minus the query's best passage cosine
    "kw1",            # best passage keyword score / the query's best
    "kw2",            # second best / the query's best
    "kw_sum",         # the document's keyword scores summed / the query's best such sum
    "dense_rank",     # 1 / log2(1 + the document's rank by cos1)
    "kw_rank",        # 1 / log2(1 + the document's rank by kw1)
    "fcos1",          # best cosine of the document's findings (concerns; none: cos1)
    "fcos_mean",      # cosine of the mean of its finding vectors (a concern-level document vector)
    "f_cover",        # IDF-weighted share of the query's words its findings use
    "doc_logtf",      # the whole document: sum over the query's words of log(1 + occurrences)
)                     # (read for the WHOLE_TOP documents best by "fused"; the others: the lowest of those)
WHOLE_TOP = 40
# Tried and left out (benchmarks/learned_rank_cv.py, issue-11 report): the share of each
# list's first 20 passages a document holds, whole-document BM25 (b 0.3; k1 20) and a "no
# findings" flag favour long documents (or, the flag, ones the training sets barely have):
# with them a paraphrase of one seed concern no longer puts that seed first. Whole-document
# counts are read for the first WHOLE_TOP documents only: reading every candidate's text
# cost ~11 ms CPU a query.


@dataclass(frozen=True)
class Params:
    version: str
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray

    def to_json(self, **about) -> str:
        return json.dumps({"version": self.version, "features": list(self.features),
                           "mean": [round(float(x), 6) for x in self.mean],
                           "scale": [round(float(x), 6) for x in self.scale],
                           "coef": [round(float(x), 6) for x in self.coef], **about}, indent=1)


def load(path: str | Path = PARAMS) -> Params | None:
    """The fitted parameters, or None (no file, or a file for other features: the ranker
    then keeps its hand-weighted document scores)."""
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        log.warning("learned ranker parameters missing (%s): documents keep their hand-weighted scores", path)
        return None
    except (OSError, ValueError) as e:
        log.warning("learned ranker parameters unreadable (%s): %s", path, e)
        return None
    if tuple(d.get("features", ())) != FEATURES:
        log.warning("learned ranker parameters %s are for other features; not used", path)
        return None
    return Params(str(d["version"]), FEATURES, np.asarray(d["mean"], float), np.asarray(d["scale"], float),
                  np.asarray(d["coef"], float))


def score(x: np.ndarray, p: Params) -> np.ndarray:
    """One score per row of the feature matrix ``x``: a pure function of ``p``."""
    if len(x) == 0:
        return np.zeros(0)
    return ((x - p.mean) / p.scale) @ p.coef


def _findings(lib, docs: list[int], q) -> tuple[dict[int, str], dict[int, tuple[float, float]]]:
    """({document: its findings' text}, {document: (best finding cosine, cosine of the mean
    finding vector)}) for ``docs`` (the second only for findings with a stored vector)."""
    texts: dict[int, list[str]] = {}
    owner, vecs = [], []
    for d, text, vec in retrieval.findings_of_documents(lib.store, docs):
        texts.setdefault(d, []).append(text or "")
        if vec is not None and q is not None and len(vec) == len(q):
            owner.append(d)
            vecs.append(vec)
    cos: dict[int, tuple[float, float]] = {}
    if vecs:
        m = np.vstack(vecs)
        own = np.asarray(owner)
        starts = np.flatnonzero(np.r_[True, own[1:] != own[:-1]])
        best = np.maximum.reduceat(m @ q, starts)
        means = np.add.reduceat(m, starts, axis=0)  # the mean's direction: the sum's
        norms = np.linalg.norm(means, axis=1)
        norms[norms == 0] = 1.0
        centre = (means @ q) / norms
        cos = {int(own[a]): (float(b), float(c)) for a, b, c in zip(starts, best, centre)}
    return {d: " ".join(t) for d, t in texts.items()}, cos


def _per_doc(ranked: list[tuple[int, float]], doc_of: dict[int, int]) -> dict[int, list[float]]:
    out: dict[int, list[float]] = {}
    for pid, s in ranked:
        d = doc_of.get(pid)
        if d is not None:
            out.setdefault(d, []).append(s)
    return out


@lru_cache(maxsize=256)
def _lower_prefixes(wanted: frozenset) -> re.Pattern:
    """search.ranking.text's prefix pattern, case-sensitive (for lower-cased text: faster)."""
    return re.compile(prefix_pattern(wanted).pattern)


def _counts(text: str, wanted: set[str]) -> dict[str, int]:
    """{stem: occurrences in ``text``} for the ``wanted`` stems: search.ranking.text.stem_counts'
    counts, read with one regex pass and each distinct word stemmed once."""
    out: dict[str, int] = {}
    for word, n in Counter(_lower_prefixes(frozenset(wanted)).findall(text.lower())).items():
        st = stem(word)
        if st in wanted:
            out[st] = out.get(st, 0) + n
    return out


def _whole(lib, docs: list[int], wanted: set[str]) -> dict[int, dict[str, int]]:
    """{document: {query stem: occurrences in all its passages}}."""
    return {d: _counts(text, wanted) for d, text in retrieval.document_texts(lib.store, docs).items()}


def features(lib, query: str, p_dense: list, p_kw: list, vector, fused: dict[int, float],
             idf: dict[str, float]) -> tuple[list[int], np.ndarray]:
    """(candidate documents, their feature matrix, one row each in FEATURES order).
    ``p_dense``/``p_kw``: the passage lists [(id, score)] best first; ``fused``: the
    hand-weighted fusion's document scores; ``idf``: {query stem: IDF}."""
    doc_of = retrieval.passage_documents(lib.store, sorted({i for i, _ in p_dense} | {i for i, _ in p_kw}))
    dense, kw = _per_doc(p_dense, doc_of), _per_doc(p_kw, doc_of)
    docs = sorted(set(fused) | set(dense) | set(kw))
    if not docs:
        return [], np.zeros((0, len(FEATURES)))
    fmax = max(fused.values(), default=0.0) or 1.0
    top_cos = p_dense[0][1] if p_dense else 0.0
    low_cos = p_dense[-1][1] if p_dense else 0.0
    kmax = max((s for _, s in p_kw), default=0.0) or 1.0
    ksums = {d: sum(v) for d, v in kw.items()}
    ksum_max = max(ksums.values(), default=0.0) or 1.0
    by_cos = sorted(dense, key=lambda d: -dense[d][0])
    by_kw = sorted(kw, key=lambda d: -kw[d][0])
    dense_rank = {d: 1 / math.log2(2 + i) for i, d in enumerate(by_cos)}
    kw_rank = {d: 1 / math.log2(2 + i) for i, d in enumerate(by_kw)}
    q = np.asarray(vector, dtype=np.float32) if vector is not None else None
    found, fcos = _findings(lib, docs, q)
    wanted = set(idf)
    idf_total = sum(idf.values()) or 1.0
    first = sorted(docs, key=lambda d: -fused.get(d, 0.0))[:WHOLE_TOP]
    logtf = {d: sum(math.log1p(c) for c in tf.values()) for d, tf in _whole(lib, first, wanted).items()} \
        if wanted else {}
    logtf_low = min(logtf.values(), default=0.0)
    rows = []
    for d in docs:
        c = dense.get(d, [])
        k = kw.get(d, [])
        cos1 = c[0] if c else low_cos
        cos2 = c[1] if len(c) > 1 else low_cos
        fl = found.get(d)
        fcos1, fcos_mean = fcos.get(d, (cos1, cos1))
        if fl and wanted:
            have = _counts(fl, wanted)
            f_cover = sum(idf[s] for s in have) / idf_total
        else:
            f_cover = 0.0
        rows.append((
            fused.get(d, 0.0) / fmax, cos1, cos2, cos1 - top_cos,
            (k[0] if k else 0.0) / kmax, (k[1] if len(k) > 1 else 0.0) / kmax, ksums.get(d, 0.0) / ksum_max,
            dense_rank.get(d, 0.0), kw_rank.get(d, 0.0),
            fcos1, fcos_mean, f_cover, logtf.get(d, logtf_low),
        ))
    return docs, np.asarray(rows, dtype=float)


def query_idf(lib, query: str) -> dict[str, float]:
    """{query stem: IDF in the library's passages}; a word no passage holds weighs most."""
    stems = term_stems(query)
    if not stems:
        return {}
    n, df = document_frequencies(lib.store, stems)
    return {s: math.log(1 + (n - df.get(s, 0) + 0.5) / (df.get(s, 0) + 0.5)) for s in stems}


# ----------------------------------------------------------------------------- fitting
def fit(groups: list[tuple[np.ndarray, np.ndarray]], l2: float = 1.0, pairs: int = 2000,
        version: str = "unversioned", seed: int = 0) -> Params:
    """Pairwise logistic regression (RankNet with a linear scorer): for every query
    (``(X, y)``, y 1 for relevant rows), a relevant row should outscore an irrelevant one;
    up to ``pairs`` (relevant, irrelevant) pairs per query, drawn at random (``seed``), and
    each query weighs the same whatever its number of pairs. ``l2`` pulls the standardised
    coefficients towards 0. Solved with scipy's L-BFGS."""
    from scipy.optimize import minimize

    rng = np.random.default_rng(seed)
    allx = np.vstack([x for x, _ in groups])
    mean = allx.mean(axis=0)
    scale = allx.std(axis=0)
    scale[scale < 1e-9] = 1.0
    diffs, weights = [], []
    for x, y in groups:
        z = (x - mean) / scale
        pos, neg = np.nonzero(y > 0)[0], np.nonzero(y <= 0)[0]
        if not len(pos) or not len(neg):
            continue
        if len(pos) * len(neg) <= pairs:
            a, b = np.repeat(pos, len(neg)), np.tile(neg, len(pos))
        else:
            a, b = rng.choice(pos, pairs), rng.choice(neg, pairs)
        diffs.append(z[a] - z[b])
        weights.append(np.full(len(a), 1.0 / len(a)))
    D = np.vstack(diffs)
    W = np.concatenate(weights) / len(diffs)
    reg = l2 / max(len(diffs), 1)

    def loss(c):
        m = D @ c
        value = float(W @ np.logaddexp(0.0, -m)) + 0.5 * reg * float(c @ c)
        grad = -(D.T @ (W / (1.0 + np.exp(np.clip(m, -30, 30))))) + reg * c
        return value, grad

    coef = minimize(loss, np.zeros(D.shape[1]), jac=True, method="L-BFGS-B").x
    return Params(version, FEATURES, mean, scale, coef)
