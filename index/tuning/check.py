"""The held-back check: does the tuned model find each pair's partner better than the base?

For each kind of pair, the held-back slice (documents never trained on) is a small retrieval
task: every anchor is a query, every distinct positive in the slice a candidate; recall@10 is
the share of anchors whose own partner ranks in the top 10, MRR the mean reciprocal rank.
The overall figure is recall@10 averaged over the pairs of every kind. The tuned model is kept
only if its overall recall@10 is higher than the base model's on the same slice."""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from index.tuning.pairs import KINDS, Pair

K = 10


def slice_scores(encode: Callable[[Sequence[str]], np.ndarray], held: dict[str, list[Pair]], k: int = K) -> dict:
    """{kind: {pairs, recall@10, mrr}, "overall": {...}} for one model."""
    out: dict[str, dict] = {}
    total, hits, rr = 0, 0.0, 0.0
    for kind in KINDS:
        pairs = held.get(kind, [])
        if len(pairs) < 2:
            continue
        candidates = sorted({p.positive for p in pairs})
        index = {t: i for i, t in enumerate(candidates)}
        a = np.asarray(encode([p.anchor for p in pairs]), dtype=np.float32)
        c = np.asarray(encode(candidates), dtype=np.float32)
        sims = a @ c.T
        right = np.array([index[p.positive] for p in pairs])
        own = sims[np.arange(len(pairs)), right]
        ranks = (sims > own[:, None]).sum(axis=1)  # 0 = first
        r10 = float((ranks < k).mean())
        mrr = float((1.0 / (ranks + 1)).mean())
        out[kind] = {"pairs": len(pairs), "candidates": len(candidates), f"recall@{k}": round(r10, 4),
                     "mrr": round(mrr, 4)}
        total += len(pairs)
        hits += r10 * len(pairs)
        rr += mrr * len(pairs)
    out["overall"] = {"pairs": total, f"recall@{k}": round(hits / total, 4) if total else 0.0,
                      "mrr": round(rr / total, 4) if total else 0.0}
    return out


def better(tuned: dict, base: dict, k: int = K) -> bool:
    """Keep the tuned model only if it finds more partners on the held-back slice."""
    key = f"recall@{k}"
    return tuned["overall"]["pairs"] > 0 and tuned["overall"][key] > base["overall"][key]
