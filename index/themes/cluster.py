"""Recurring themes across reviews: the pure core. No SQLite here; see
``index.themes.store`` for persistence, stable ids and edits.

``fit_themes(texts, vectors, documents=..., dates=...) -> ThemeModel`` works like
BERTopic's ``fit(docs, embeddings)``: it takes findings' texts and their precomputed
(L2-normalised) sentence vectors and returns two levels of themes:

* **specific themes** (level 2): average-linkage clustering cut at a cosine *distance
  threshold* (the data decides how many; a size cap stops a generic group absorbing
  specific ones; a kNN graph bounds memory for large inputs) over each finding's
  *content*: its vector minus what it shares with the other findings of its document
  (``content_vectors``), mixed with keyword features (TF-IDF + LSA) of its text without
  names, places, dates or redaction markers, counting only words several documents use.
  A theme must recur (``min_size`` findings, ``min_documents`` documents); a finding close
  to a second theme joins it too (``second_themes``).
* **top-level themes** (level 1): the specific themes grouped for browsing by
  ``index.themes.tree.top_groups`` (15-40 groups, none over 8% of the documents, a
  "Miscellaneous concerns" bucket for what fits none).

Labels come from ``index.themes.labels.phrase_labels`` (a phrase frequent in the theme, rare
elsewhere); top terms from class-based TF-IDF; a centroid and radius in embedding space
(for assigning new findings at ingest) and member scores (for choosing exemplars).

``match_themes(old, new, threshold=0.5)`` pairs old and new member sets by Jaccard
overlap (Hungarian assignment), which is how ids stay stable across rebuilds.
``split_members(vectors, k)`` re-clusters one theme's members into k parts.

Average linkage over all pairs (scipy's ``linkage``, under sklearn) holds the GIL for the
whole merge loop: 2.3 s for 8,000 rows, about 14 s for 20,000, during which no other thread of
the process runs — a server's /status.json did not answer for 20 s while an ingest built the
themes. ``cluster`` therefore runs inputs of ``OFFLOAD_ROWS`` rows or more in a child process
(spawned, so it inherits no threads or locks; the same function, so the same result) and falls
back to this process, with a warning, when no child can be started.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

log = logging.getLogger(__name__)

# ---- tunables (chosen on the dev labels and the whole PFD corpus; see benchmarks/themes_eval.py)
EMBED_WEIGHT = 0.6          # share of the sentence vector in the mixed cosine
FINE_THRESHOLD = 0.85       # average-linkage cosine distance for specific themes
BROAD_THRESHOLD = 0.6       # ... for broad themes (over specific themes' centroids)
MIN_SIZE = 3                # findings in a theme
MIN_DOCUMENTS = 2           # distinct documents in a theme ("recurring")
LSA_DIM = 128
KNN = 30                    # neighbours in the connectivity graph for large inputs
DENSE_LIMIT = 20000         # up to this, exact average linkage over all pairs (n² memory)
OFFLOAD_ROWS = 2000         # from this many rows, clustering runs in a child process (the GIL: see above)
MAX_SHARE = 0.02            # a specific theme holds at most this share of the findings ...
MIN_CAP = 40                # ... or this many, whichever is larger
BROAD_MAX_SHARE = 0.15      # a broad theme holds at most this share of the findings
CONTEXT_ALPHA = 0.5         # share of the other findings of the same document taken out of a vector
SECOND_THEME = 0.9          # a finding also joins a theme this close (x its own) and within its median
CENTRE_FROM = 100            # centre vectors on the library's mean from this many findings
MIX_COS = 0.7               # ... or, left out by the cut, its two nearest themes within this x their radius
MISC_LABEL = "Miscellaneous concerns"   # the top-level bucket for specific themes that fit no group
TOP_READ = 200              # a top-level theme's name is read from this many of its most central findings
KEYWORD_VOCAB = 30000        # most frequent uni/bigrams kept for keyword features
REPORT_MIN_DF = 2           # keyword features: words used by at least this many documents

BOILERPLATE = {
    "coroner", "coroners", "death", "deaths", "died", "die", "dying", "inquest", "inquests",
    "future", "risk future", "future deaths", "deaths occur", "evidence", "heard", "hear",
    "concern", "concerns", "concerned", "matter", "matters", "matters concern", "deceased",
    "mr", "mrs", "ms", "miss", "dr", "court", "report", "action", "taken", "action taken",
    "opinion", "statutory", "duty", "circumstances", "occur", "prevent", "unless", "given",
    "noted", "note", "appears", "appear", "clear", "including", "time", "way", "case",
    "did", "does", "told", "gave", "investigation", "witness", "witnesses", "stated",
    "accepted", "particular", "course", "following", "regard", "relation", "respect",
    "number", "ensure", "need", "needs", "necessary", "able", "place", "currently",
    "inquest heard", "heard evidence", "evidence heard", "evidence given", "gave evidence",
    "created", "concerned that", "risk", "risks", "giving", "rise", "giving rise", "follows",
    "concern follows", "matters giving", "concern giving", "revealed", "revealed matters", "brief", "summary",
}
# common to almost every finding: kept, but ranked below the words that tell themes apart
GENERIC_TERMS = {
    "patient", "patients", "care", "staff", "trust", "health", "service", "services", "team", "information",
    "failure", "lack", "redacted", "process", "properly", "different", "support", "appropriate", "available",
    "used", "use", "specifically", "having", "potential", "using", "local", "national", "issue", "issues",
}
_EXTRA_STOP = {
    "would", "could", "should", "may", "might", "must", "shall", "also", "however", "whilst",
    "within", "upon", "therefore", "thus", "although", "us", "one", "two", "three", "yet",
    "still", "even", "made", "make", "many", "much", "well", "whether", "another", "per",
}


@dataclass
class Theme:
    key: int                     # index in ThemeModel.themes (not a stable id)
    level: int                   # 1 broad, 2 specific
    members: list[int]           # row indexes into the fitted texts
    label: str = ""
    top_terms: list[str] = field(default_factory=list)
    parent: int | None = None    # key of the broad theme
    children: list[int] = field(default_factory=list)
    centroid: np.ndarray | None = None   # unit vector in embedding space
    radius: float = 0.0                  # cosine distance covering most members
    scores: list[float] = field(default_factory=list)  # cosine of each member to centroid


@dataclass
class ThemeModel:
    themes: list[Theme]
    labels: np.ndarray           # specific theme key per row, -1 = unassigned
    documents: list              # document key per row (for "recurring")
    params: dict

    def specific(self) -> list[Theme]:
        return [t for t in self.themes if t.level == 2]

    def broad(self) -> list[Theme]:
        return [t for t in self.themes if t.level == 1]


# ---- text features --------------------------------------------------------------------------
_TOKEN = r"(?u)\b[a-zA-Z][a-zA-Z]+\b"


def _stopwords() -> list[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return sorted(set(ENGLISH_STOP_WORDS) | _EXTRA_STOP)


def _clean(t: str) -> str:
    # possessives ("Gareth's") and digits carry no theme
    return re.sub(r"[’']s\b", "", t or "")


def keyword_features(texts: Sequence[str], dim: int = LSA_DIM, documents: Sequence | None = None) -> np.ndarray:
    """TF-IDF (uni+bigrams, sublinear) of each text's content (``content_text``: no names,
    places, dates, numbers or redaction markers) reduced by LSA to ``dim``, unit rows;
    with ``documents``, only words used by ``REPORT_MIN_DF`` documents count (a word
    repeated across one report's concerns is that case's, not a failure's). Zeros when
    the texts share too few words to reduce."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    from index.themes.labels import content_text

    n = len(texts)
    try:
        tf = TfidfVectorizer(ngram_range=(1, 2), min_df=2, max_df=0.5, sublinear_tf=True, stop_words=_stopwords(),
                             max_features=KEYWORD_VOCAB,
                             token_pattern=_TOKEN, preprocessor=lambda s: _clean(content_text(s)).lower())
        m = tf.fit_transform(texts)
    except ValueError:  # empty vocabulary
        return np.zeros((n, 1), np.float32)
    if documents is not None and REPORT_MIN_DF > 1 and m.shape[1]:
        m = _in_documents(m.tocsc(), documents, REPORT_MIN_DF).tocsr()
        if m.shape[1] < 3:
            return np.zeros((n, 1), np.float32)
    k = min(dim, m.shape[1] - 1, n - 1)
    if k < 2:
        return np.zeros((n, 1), np.float32)
    from threadpoolctl import threadpool_limits

    # one BLAS thread: on a busy 2-core machine the threaded QR steps wait for each other (6x slower)
    with threadpool_limits(limits=1, user_api="blas"):
        z = TruncatedSVD(n_components=k, n_iter=5, random_state=0).fit_transform(m)
    return unit(z)


def _in_documents(m, documents: Sequence, k: int):
    """Columns of a CSC matrix whose rows span at least ``k`` distinct documents."""
    from scipy import sparse

    codes = np.unique(np.asarray([str(d) for d in documents]), return_inverse=True)[1]
    onehot = sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(codes.max() + 1, len(codes)))
    used = m.copy()
    used.data[:] = 1
    per_doc = (onehot @ used).tocsc()   # documents x terms
    per_doc.data[:] = 1
    keep = np.flatnonzero(np.asarray(per_doc.sum(axis=0)).ravel() >= k)
    return m[:, keep]


def content_vectors(vectors: np.ndarray, documents: Sequence, alpha: float = CONTEXT_ALPHA) -> np.ndarray:
    """Each finding's vector, centred on the library's mean, minus ``alpha`` x the mean of
    the other findings of its document: what a concern adds to its own case (the failure)
    rather than what all of that case's concerns share (names, setting, circumstances)."""
    x = unit(vectors).astype(np.float64)
    if len(x) >= CENTRE_FROM:  # a small library's mean is its one subject, not the model's bias
        x -= x.mean(axis=0)
    if alpha and len(x):
        codes = np.unique(np.asarray([str(d) for d in documents]), return_inverse=True)[1]
        sums = np.zeros((codes.max() + 1, x.shape[1]))
        np.add.at(sums, codes, x)
        cnt = np.bincount(codes).astype(np.float64)
        others = cnt[codes] - 1
        multi = others > 0
        x[multi] -= alpha * (sums[codes[multi]] - x[multi]) / others[multi, None]
    return unit(x)


def second_themes(groups: list[list[int]], x: np.ndarray, ratio: float = SECOND_THEME) -> list[list[int]]:
    """Let a finding that raises two failures belong to two themes: a member joins a second
    theme when its cosine to that theme's centroid is at least ``ratio`` x its cosine to
    its own theme and within the radius holding 90% of that theme's members; a finding the tree
    cut left out joins its two nearest themes when it is about as close to both
    as an even mix of their members would be (``MIX_COS`` x the radius)."""
    if len(groups) < 2:
        return groups
    cents = unit(np.vstack([x[g].mean(axis=0) for g in groups]))
    own = {i: k for k, g in enumerate(groups) for i in g}
    sims = x @ cents.T
    med = np.array([np.quantile(sims[g, k], 0.1) for k, g in enumerate(groups)])  # 90% of members closer
    out = [list(g) for g in groups]
    for i in range(len(x)):
        top = np.argsort(-sims[i])[:2]
        if i in own:   # already in one theme: a second one nearly as close
            k0 = own[i]
            k = next((int(k) for k in top if k != k0), None)
            if k is not None and sims[i, k] >= med[k] and sims[i, k] >= ratio * sims[i, k0]:
                out[k].append(i)
        else:          # left out by the tree cut (often because it raises two failures): both, if typical
            # a mix of two failures sits about 1/sqrt(2) as close to each as a pure member
            near = [int(k) for k in top if sims[i, k] >= MIX_COS * med[k]]
            if len(near) == 2 and sims[i, near[1]] >= ratio * sims[i, near[0]]:
                for k in near:
                    out[k].append(i)
    return out


def unit(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (float32; a zero row stays zero)."""
    x = np.asarray(x, dtype=np.float32)
    n = np.linalg.norm(x, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return x / n


def mixed_features(vectors: np.ndarray, keywords: np.ndarray, w: float = EMBED_WEIGHT) -> np.ndarray:
    """Rows whose dot products are ``w*cos(vectors) + (1-w)*cos(keywords)``."""
    return np.hstack([np.sqrt(w) * unit(vectors), np.sqrt(1 - w) * unit(keywords)]).astype(np.float32)


# ---- clustering -----------------------------------------------------------------------------
def cluster(x: np.ndarray, threshold: float, knn: int = KNN, dense_limit: int = DENSE_LIMIT,
            max_size: int | None = None, weights: np.ndarray | None = None) -> np.ndarray:
    """Average-linkage agglomerative clustering of rows of ``x`` (unit-ish) cut at cosine
    distance ``threshold``; for more than ``dense_limit`` rows the merges follow a kNN graph.

    With ``max_size`` the tree is cut top-down: a subtree within ``threshold`` holding at
    most ``max_size`` rows is one cluster, else its halves are examined.

    From ``OFFLOAD_ROWS`` rows the work runs in a child process (see the module docstring)."""
    args = (x, threshold, knn, dense_limit, max_size, weights)
    if len(x) >= OFFLOAD_ROWS:
        import concurrent.futures as cf
        import multiprocessing as mp
        import pickle

        try:
            with cf.ProcessPoolExecutor(max_workers=1, mp_context=mp.get_context("spawn")) as pool:
                return pool.submit(cluster_here, *args).result()
        except (OSError, cf.process.BrokenProcessPool, pickle.PicklingError) as e:
            log.warning("clustering %d rows in this process (no child process: %s); other threads wait", len(x), e)
    return cluster_here(*args)


def cluster_here(x: np.ndarray, threshold: float, knn: int = KNN, dense_limit: int = DENSE_LIMIT,
                 max_size: int | None = None, weights: np.ndarray | None = None) -> np.ndarray:
    """``cluster`` in this process, whatever the size."""
    from sklearn.cluster import AgglomerativeClustering

    n = len(x)
    if n <= 1:
        return np.zeros(n, dtype=int)
    conn = None
    if n > dense_limit:
        from sklearn.neighbors import kneighbors_graph

        conn = kneighbors_graph(x, n_neighbors=min(knn, n - 1), metric="cosine", include_self=False)
        conn = conn.maximum(conn.T)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if max_size is None:
            ac = AgglomerativeClustering(n_clusters=None, distance_threshold=threshold, metric="cosine",
                                         linkage="average", connectivity=conn)
            return ac.fit_predict(x)
        ac = AgglomerativeClustering(n_clusters=1, metric="cosine", linkage="average", connectivity=conn,
                                     compute_full_tree=True, compute_distances=True).fit(x)
    children, dist = ac.children_, ac.distances_
    sizes = np.ones(n + len(children), dtype=np.int64)
    if weights is not None:
        sizes[:n] = np.asarray(weights, dtype=np.int64)
    for i, (a, b) in enumerate(children):
        sizes[n + i] = sizes[a] + sizes[b]
    labels = np.empty(n, dtype=int)
    roots = [n + len(children) - 1]
    # sklearn completes a disconnected kNN tree itself, so one root suffices
    nxt = 0
    stack = roots
    while stack:
        node = stack.pop()
        if node < n or (dist[node - n] <= threshold and sizes[node] <= max_size):
            leaves, todo = [], [node]
            while todo:
                v = todo.pop()
                if v < n:
                    leaves.append(v)
                else:
                    todo.extend(children[v - n])
            labels[leaves] = nxt
            nxt += 1
        else:
            stack.extend(children[node - n])
    return labels


def split_members(vectors: np.ndarray, k: int = 2, texts: Sequence[str] | None = None) -> np.ndarray:
    """Part (0..k-1) of each member when one theme is split into ``k`` (deterministic)."""
    from sklearn.cluster import AgglomerativeClustering

    n = len(vectors)
    if n < k:
        raise ValueError(f"cannot split {n} findings into {k} themes")
    x = unit(vectors)
    if texts is not None and len(texts) == n and n > 3:
        x = mixed_features(x, keyword_features(list(texts), dim=min(LSA_DIM, n - 1)))
    lab = AgglomerativeClustering(n_clusters=k, metric="cosine", linkage="average").fit_predict(x)
    sizes = np.bincount(lab, minlength=k)
    if sizes.min() * 10 < n and n >= 4 * k:   # average linkage peeled off an outlier: use Ward
        lab = AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(x)
    # parts ordered by first member, so the same input always gives the same numbering
    order = {old: new for new, old in enumerate(dict.fromkeys(lab.tolist()))}
    return np.array([order[v] for v in lab])


# ---- labels ---------------------------------------------------------------------------------
def label_themes(texts: Sequence[str], groups: list[list[int]], documents: Sequence | None = None,
                 n_terms: int = 10, with_labels: bool = True) -> list[tuple[str, list[str]]]:
    """(label, top terms) per group of row indexes, by class-based TF-IDF: term frequency
    in the group x log(1 + average group length / term frequency overall), boilerplate
    x0.1, and x the share of the group's documents using the term (a term from one
    document, like a person's name, is dropped)."""
    from sklearn.feature_extraction.text import CountVectorizer

    if not groups:
        return []
    docs = list(documents) if documents is not None else list(range(len(texts)))
    try:
        cv = CountVectorizer(ngram_range=(1, 2), stop_words=_stopwords(), token_pattern=_TOKEN,
                             preprocessor=lambda s: _clean(s).lower(), min_df=2)
        m = cv.fit_transform(texts).tocsr()
    except ValueError:
        return [("", []) for _ in groups]
    vocab = np.array(cv.get_feature_names_out())
    binm = m.copy()
    binm.data[:] = 1
    from scipy import sparse

    # groups x vocabulary, sparse: a dense one is gigabytes for hundreds of themes
    gi_rows = np.concatenate([np.full(len(g), k) for k, g in enumerate(groups)])
    gi_cols = np.concatenate([np.asarray(g, dtype=np.int64) for g in groups])
    ind = sparse.csr_matrix((np.ones(len(gi_rows)), (gi_rows, gi_cols)), shape=(len(groups), m.shape[0]))
    cls = (ind @ m).tocsr().astype(np.float64)
    # also count words outside every group, so the idf reflects the whole library
    overall = np.asarray(m.sum(axis=0)).ravel().astype(np.float64)
    avg = max(float(cls.sum(axis=1).mean()), 1.0)
    idf = np.log1p(avg / np.maximum(overall, 1.0))
    weight = np.ones(len(vocab))
    for i, term in enumerate(vocab):
        words = term.split()
        if term in BOILERPLATE or all(w in BOILERPLATE for w in words):
            weight[i] = 0.1
        elif any(w in BOILERPLATE for w in words):
            weight[i] = 0.5
        elif term in GENERIC_TERMS:
            weight[i] = 0.4
        if len(words) > 1 and weight[i] >= 0.4:
            weight[i] *= 1.5  # keyphrases read better than lone words
    out = []
    for gi, g in enumerate(groups):
        row = cls[gi].toarray().ravel()
        tf = row / max(row.sum(), 1.0)
        score = tf * idf * weight
        gdocs = [docs[i] for i in g]
        ndocs = len(set(gdocs))
        # share of the group's documents using each candidate term
        cand = np.argsort(-score)[: 60]
        sub = binm[g][:, cand]
        codes = np.unique(np.asarray([str(d) for d in gdocs]), return_inverse=True)[1]
        onehot = sparse.csr_matrix((np.ones(len(g)), (codes, np.arange(len(g)))), shape=(ndocs, len(g)))
        used = onehot @ sub   # documents x candidates
        used.data[:] = 1
        counts = np.asarray(used.sum(axis=0)).ravel()
        share = {t: (counts[j] / ndocs if ndocs else 0.0) for j, t in enumerate(cand)}
        ranked = []
        for t in cand:
            if score[t] <= 0:
                continue
            if ndocs >= 2 and share[t] * ndocs < 2:
                continue  # used by one document only
            ranked.append((score[t] * (0.5 + share[t]), t))
        ranked.sort(reverse=True)
        terms = [vocab[t] for _, t in ranked]
        out.append(terms[:n_terms])
    if not with_labels:
        return [("", terms) for terms in out]
    from index.themes.labels import COVERAGE, phrase_labels

    return list(zip(phrase_labels(texts, groups, docs, coverage=COVERAGE), out))


# ---- fitting --------------------------------------------------------------------------------
def _centroid(v: np.ndarray) -> np.ndarray:
    c = v.mean(axis=0)
    n = np.linalg.norm(c)
    return (c / n if n else c).astype(np.float32)


def _radius(scores: np.ndarray) -> float:
    """Cosine distance from the centroid that covers 90% of members, plus a margin."""
    d = 1.0 - scores
    return float(min(1.0, np.quantile(d, 0.9) * 1.05 + 0.02)) if len(d) else 0.0


def theme_geometry(members: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(centroid, scores, radius) of a theme from its members' unit vectors: the unit mean,
    each member's cosine to it, and the distance that covers most members (``_radius``)."""
    c = _centroid(members)
    s = members @ c
    return c, s, _radius(s)


def fit_themes(
    texts: Sequence[str],
    vectors: np.ndarray,
    documents: Sequence | None = None,
    dates: Sequence | None = None,  # accepted for symmetry; statistics are computed by the store
    *,
    embed_weight: float = EMBED_WEIGHT,
    fine_threshold: float = FINE_THRESHOLD,
    broad_threshold: float = BROAD_THRESHOLD,
    min_size: int = MIN_SIZE,
    min_documents: int = MIN_DOCUMENTS,
    max_share: float | None = None,
    context_alpha: float = CONTEXT_ALPHA,
    second_theme: float | None = SECOND_THEME,
    encode=None,
) -> ThemeModel:
    """Themes of ``texts`` (findings) from their unit ``vectors``; ``documents`` gives
    each finding's document (any hashable) so that a theme must recur across documents;
    ``encode`` (texts -> vectors, the library's model) lets names be checked against themes."""
    texts = list(texts)
    n = len(texts)
    vectors = np.asarray(vectors, dtype=np.float32).reshape(n, -1) if n else np.zeros((0, 1), np.float32)
    docs = list(documents) if documents is not None else list(range(n))
    params = dict(embed_weight=embed_weight, fine_threshold=fine_threshold, broad_threshold=broad_threshold,
                  context_alpha=context_alpha, second_theme=second_theme,
                  max_share=MAX_SHARE if max_share is None else max_share,
                  min_size=min_size, min_documents=min_documents)
    labels = np.full(n, -1, dtype=int)
    if n < min_size:
        return ThemeModel([], labels, docs, params)
    emb = unit(vectors)
    ctx = content_vectors(emb, docs, context_alpha)
    kw = keyword_features(texts, documents=docs) if embed_weight < 1 else None
    x = mixed_features(ctx, kw, embed_weight) if kw is not None else ctx
    xb = mixed_features(emb, kw, embed_weight) if kw is not None else emb  # broad: the subject, context included
    cap = max(MIN_CAP, int(MAX_SHARE * n)) if max_share is None else max(MIN_CAP, int(max_share * n))
    raw = cluster(x, fine_threshold, max_size=cap)
    from index.themes.labels import content_text

    # a finding with no words of its own ("(3)", a stray heading) belongs to no theme
    empty = np.array([len(re.findall(r"[A-Za-z]{3,}", content_text(t))) < 3 for t in texts], dtype=bool)
    groups: list[list[int]] = []
    for c in np.unique(raw):
        idx = np.flatnonzero((raw == c) & ~empty)
        if len(idx) >= min_size and len({docs[i] for i in idx}) >= min_documents:
            groups.append(idx.tolist())
    groups.sort(key=lambda g: g[0])
    for k, g in enumerate(groups):
        labels[g] = k
    if second_theme:
        groups = [sorted(i for i in g if not empty[i]) for g in second_themes(groups, x, second_theme)]
    themes: list[Theme] = []
    for g in groups:
        themes.append(Theme(key=len(themes), level=2, members=g))
    # top level: the specific themes grouped for browsing, none over TOP_SHARE of the documents
    # (index.themes.tree); what fits no group is the miscellaneous bucket, named as such
    if len(themes) >= 2:
        from index.themes.tree import top_groups

        cx = np.vstack([_centroid(xb[t.members]) for t in themes])
        top = top_groups(cx, [{docs[i] for i in t.members} for t in themes], len(set(map(str, docs))))
        for c in sorted(set(top.tolist()), key=lambda c: (c < 0, c)):
            kids = [themes[i].key for i in np.flatnonzero(top == c)]
            b = Theme(key=len(themes), level=1, members=sorted({m for k in kids for m in themes[k].members}),
                      children=kids, label=MISC_LABEL if c < 0 else "")
            for k in kids:
                themes[k].parent = b.key
            themes.append(b)
    for t in themes:
        t.centroid, s, t.radius = theme_geometry(emb[t.members])
        t.scores = s.astype(float).tolist()
    # labels read the most central members first; siblings are told apart; with the library's
    # encoder, the best phrases are checked against each theme's meaning
    from index.themes.labels import COVERAGE, phrase_labels

    by_score = [[m for _, m in sorted(zip(t.scores, t.members), key=lambda p: -p[0])] for t in themes]
    spec = [t for t in themes if t.level == 2]
    names = phrase_labels(texts, [by_score[t.key] for t in spec], docs, parents=[t.parent for t in spec],
                          coverage=COVERAGE, encode=encode, centroids=[t.centroid for t in spec])
    tops = [t for t in themes if t.level == 1 and not t.label]
    names += phrase_labels(texts, [by_score[t.key] for t in tops], docs, per_group=TOP_READ, coverage=COVERAGE,
                           encode=encode, centroids=[t.centroid for t in tops])
    terms = label_themes(texts, by_score, docs, with_labels=False)
    for t, lab in zip(spec + tops, names):
        t.label = lab
    for t, (_, tt) in zip(themes, terms):
        t.top_terms = tt
    return ThemeModel(themes, labels, docs, params)


# ---- stable identity ------------------------------------------------------------------------
def jaccard(a: Iterable, b: Iterable) -> float:
    a, b = set(a), set(b)
    return len(a & b) / len(a | b) if (a or b) else 0.0


def match_themes(old: dict, new: dict, threshold: float = 0.5) -> dict:
    """{new_key: old_key} pairing member sets one-to-one (Hungarian on Jaccard) where the
    overlap is at least ``threshold``. ``old``/``new`` map a key to a set of member ids."""
    from scipy.optimize import linear_sum_assignment

    ok, nk = list(old), list(new)
    if not ok or not nk:
        return {}
    # sparse overlap through an inverted index: most pairs share nothing
    owner: dict = {}
    for i, k in enumerate(ok):
        for m in old[k]:
            owner.setdefault(m, []).append(i)
    sim = np.zeros((len(nk), len(ok)))
    for j, k in enumerate(nk):
        inter: dict[int, int] = {}
        for m in new[k]:
            for i in owner.get(m, ()):
                inter[i] = inter.get(i, 0) + 1
        for i, c in inter.items():
            sim[j, i] = c / (len(new[k]) + len(old[ok[i]]) - c)
    rows, cols = linear_sum_assignment(-sim)
    return {nk[r]: ok[c] for r, c in zip(rows, cols) if sim[r, c] >= threshold}
