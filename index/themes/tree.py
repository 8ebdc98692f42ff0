"""The top level of the theme tree a person browses (issue 27): the specific themes grouped
into ``TOP_MIN``–``TOP_MAX`` top-level themes, none holding more than ``TOP_SHARE`` of the
documents, and a miscellaneous bucket for what fits none, rather than a catch-all.

``top_groups(centroids, theme_docs, n_documents)`` -> one group number per specific theme
(``-1``: the miscellaneous bucket). Pure: no SQLite.

How: Ward linkage over the specific themes' centroids (Ward keeps groups of like size, where
average linkage peels single themes off a growing catch-all), cut from the top: the group
holding the most documents is split at its tree node while it holds more than the cap or
while there are fewer than ``TOP_TARGET`` groups. A group is a theme's documents' union, so
the cap is on what a person sees ("N documents"), not on findings. Groups left with a single
specific theme join the nearest group that stays under the cap (cosine of centroids at least
``JOIN_COS``), else the miscellaneous bucket; with more than ``TOP_MAX`` groups the smallest
go there too. The bucket is itself kept under the cap: the groups nearest to a real group
leave it first.
"""
from __future__ import annotations

import heapq

import numpy as np

TOP_SHARE = 0.08      # a top-level theme holds at most this share of the documents (target 10%: room for growth)
TOP_TARGET = 24       # split the largest group until there are this many
TOP_MIN = 15
TOP_MAX = 40
MIN_CHILDREN = 2      # a top-level theme with fewer specific themes is no theme of its own
JOIN_COS = 0.5        # a lone theme joins the nearest group when at least this close


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return x / n


def top_groups(centroids: np.ndarray, theme_docs: list[set], n_documents: int, *, share: float = TOP_SHARE,
               target: int = TOP_TARGET, top_max: int = TOP_MAX) -> np.ndarray:
    """Group number per specific theme (rows of ``centroids``), ``-1`` for the miscellaneous
    bucket; ``theme_docs[k]`` is the set of documents of theme ``k``."""
    k = len(centroids)
    out = np.full(k, -1, dtype=int)
    if k == 0:
        return out
    cap = max(1, int(share * max(n_documents, 1)))
    if k < 2 * MIN_CHILDREN:
        out[:] = 0
        return out
    from sklearn.cluster import AgglomerativeClustering

    x = _unit(np.asarray(centroids, dtype=np.float64))
    children = AgglomerativeClustering(n_clusters=1, linkage="ward", compute_full_tree=True).fit(x).children_
    node_docs: list[set] = [set(d) for d in theme_docs]
    for a, b in children:   # children are numbered after their parts: one pass bottom-up
        node_docs.append(node_docs[a] | node_docs[b])

    def docs_of(node: int) -> set:
        return node_docs[node]

    def leaves(node: int) -> list[int]:
        todo, got = [node], []
        while todo:
            v = todo.pop()
            if v < k:
                got.append(v)
            else:
                todo.extend(int(c) for c in children[v - k])
        return got

    root = k + len(children) - 1
    heap = [(-len(docs_of(root)), root)]
    done: list[int] = []     # single specific themes: never cut here, whatever their size
    while heap:
        size, node = heap[0]
        over = -size > cap
        if not over and (len(heap) + len(done) >= target):
            break
        heapq.heappop(heap)
        if node < k:
            done.append(node)
            continue
        for c in children[node - k]:
            heapq.heappush(heap, (-len(docs_of(int(c))), int(c)))
    groups = sorted((leaves(node) for node in done + [n for _, n in heap]), key=lambda g: min(g))
    real = [g for g in groups if len(g) >= MIN_CHILDREN]
    lone = [t for g in groups if len(g) < MIN_CHILDREN for t in g]
    real.sort(key=lambda g: -len(set().union(*(theme_docs[t] for t in g))))
    # more groups than a person can scan: the smallest become miscellaneous
    while len(real) > top_max - 1:   # the bucket counts as one of the top_max
        lone += real.pop()
    cents = _unit(np.vstack([x[g].mean(axis=0) for g in real])) if real else np.zeros((0, x.shape[1]))
    gdocs = [set().union(*(theme_docs[t] for t in g)) for g in real]
    misc: list[int] = []
    for t in sorted(lone, key=lambda t: -len(theme_docs[t])):
        j = _nearest_with_room(cents, gdocs, x[t], theme_docs[t], cap, JOIN_COS)
        if j is None:
            misc.append(t)
        else:
            real[j].append(t)
            gdocs[j] |= theme_docs[t]
    # the bucket is no catch-all either: over the cap, its themes nearest a group with room leave first
    while misc and len(set().union(*(theme_docs[t] for t in misc))) > cap:
        best = None
        for t in misc:
            j = _nearest_with_room(cents, gdocs, x[t], theme_docs[t], cap, -1.0)
            if j is not None:
                s = float(cents[j] @ x[t])
                if best is None or s > best[0]:
                    best = (s, t, j)
        if best is None:
            break
        _, t, j = best
        misc.remove(t)
        real[j].append(t)
        gdocs[j] |= theme_docs[t]
    for j, g in enumerate(real):
        out[g] = j
    return out


def _nearest_with_room(cents: np.ndarray, gdocs: list[set], v: np.ndarray, docs: set, cap: int,
                       floor: float) -> int | None:
    """The group nearest ``v`` (cosine at least ``floor``) that stays within ``cap`` documents
    with ``docs`` added."""
    if not len(cents):
        return None
    sims = cents @ v
    for j in np.argsort(-sims):
        if sims[j] < floor:
            return None
        if len(gdocs[j] | docs) <= cap:
            return int(j)
    return None
