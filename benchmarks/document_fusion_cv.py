"""Choose the ranker's document fusion (search.ranking.ranker: passage signal, whole-document
BM25F, best dense cosine; ``Weights.doc_bm25``, ``doc_dense``, ``doc_fusion``) by leaving one
query set out, and report it beside the baselines on the same libraries in one run.

The three labelled sets of ranking_cv.py (dev themes, tracker categories, judged cross-type
queries), each over its own real-model library (benchmarks/dev_libraries.py builds the last
two; ``precedent eval --themes ... --library DIR`` the first). All of them are development
data: they chose the weights. Nothing under benchmarks/heldout/ is read.

For every query the product's lists are retrieved once (at ``--depth``, the product's pool by
default) and its signals read once; each configuration of a small grid is then a pure function
of them (search.ranking.ranker.fuse_documents). Reported per set, MAP, nDCG@10 and AP@20 of:

* ``bm25 (whole report)``: plain BM25 over each document's whole text, over every document
  (search.ranking.whole.plain_document_bm25) — the baseline the issue measures against;
* ``bm25 (passages)``: ``precedent eval``'s baseline (FTS5 over passages, a document the sum of
  its two best);
* ``keyword``, ``dense``: the product's single-list modes;
* ``old product``: hybrid with the learned document model alone (doc_bm25 = doc_dense = 0);
* ``new, other sets``: the configuration best on the other two sets (leave one set out: the
  figure to quote);
* ``new, all sets (NOT held out)``: the configuration best on all three (what ships).

The objective a configuration is chosen by: per set, (nDCG@10 + AP@20) / 2, each divided by the
whole-report BM25's; over sets, the mean (the default) or the worst (``--objective maximin``).
On the three dev sets (2026-12-08) the mean's choices did better on the set left out than the
maximin's on every set (nDCG@10 / whole-report BM25: dev 0.97 vs 0.90, categories 1.14 vs 1.13,
cross 1.15 vs 1.10), so the mean chooses what ships.

    python -m benchmarks.document_fusion_cv --dev-library D --cat-library C --cross-library X [--depth 100] [--json F]
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

GRID = {
    "passage": ["learned"],  # the passage signal: the learned document model's scores ("hand": the hand fusion's)
    "doc_bm25": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7],
    "doc_dense": [0.0, 0.1, 0.2],
    "doc_fusion": ["score", "rank"],
    "fields": [(3.0, 2.0, 1.0), (1.0, 1.0, 1.0), (0.0, 0.0, 1.0)],
}
METRICS = ("MAP", "nDCG@10", "AP@20")


def ap_at(ranking, relevant, k: int = 20) -> float:
    """Average precision over the first ``k``: precision at each relevant rank, summed, divided
    by min(relevant, k)."""
    if not relevant:
        return 0.0
    hits, total = 0, 0.0
    for i, key in enumerate(ranking[:k], 1):
        if key in relevant:
            hits += 1
            total += hits / i
    return total / min(len(relevant), k)


def metrics(order: list[int], keys, relevant) -> dict:
    from search import evaluate as ev

    r = ev.judged_ranking(order, keys, relevant)
    return {"MAP": ev.average_precision(r, relevant), "nDCG@10": ev.ndcg_at(r, relevant, 10),
            "AP@20": ap_at(r, relevant, 20)}


def collect(lib, queries, depth: int) -> list[dict]:
    """Per query: the lists' document signals, the learned model's feature rows (to refit it without
    the held-out set), BM25F for every candidate with each field weighting, and the baselines' orders."""
    import numpy as np

    from search import evaluate as ev
    from search.ranking import learned as lr
    from search.ranking import ranker, whole

    keys = ev.document_keys(lib)
    w = ranker.with_weights(doc_bm25=0.0, doc_dense=0.0, learned=False)
    out = []
    for q in queries:
        lists = ranker.retrieve(lib, q.text, "hybrid", depth, w)
        _, documents = ranker.fused_documents(lib, lists, "hybrid", w)
        idf = lr.query_idf(lib, q.text)
        ldocs, x = lr.features(lib, q.text, lists.p_dense, lists.p_kw, lists.vector, dict(documents), idf)
        y = np.array([1.0 if keys.get(d, set()) & q.relevant else 0.0 for d in ldocs])
        every, _, _, cosine = ranker.document_signals(lib, q.text, lists, documents, w)
        doc_of = retrieval_documents(lib, [i for i, _ in lists.p_kw])
        out.append({
            "query": q, "keys": keys, "fused": dict(documents), "ldocs": ldocs, "x": x, "y": y, "cosine": cosine,
            "kw_order": [doc_of[i] for i, _ in lists.p_kw if i in doc_of],
            "bm": {f: whole.bm25f(lib, q.text, every, idf, f) for f in GRID["fields"]},
            "runs": {
                "bm25 (whole report)": [d for d, _ in whole.plain_document_bm25(lib, q.text, 1000)],
                "bm25 (passages)": ev.baseline_documents(lib, q.text, ev.DEPTH),
                "keyword": ev.rank_documents(lib, q.text, "keyword", depth),
                "dense": ev.rank_documents(lib, q.text, "dense", depth),
                "old product (shipped fit: NOT held out)": ev.rank_documents(
                    lib, q.text, "hybrid", depth, ranker.with_weights(doc_bm25=0.0, doc_dense=0.0)),
            }})
    return out


def retrieval_documents(lib, pids):
    from index import retrieval

    return retrieval.passage_documents(lib.store, pids)


def configs():
    from search.ranking import ranker

    for signal, b, dn, how, f in itertools.product(*GRID.values()):
        if b + dn > 1.0 or (b == 0 and f != GRID["fields"][0]) or (b == dn == 0 and how != "score"):
            continue
        yield (signal, b, dn, how, f), ranker.with_weights(doc_bm25=b, doc_dense=dn, doc_fusion=how, doc_fields=f)


def passage_signal(g: dict, kind: str, params) -> dict[int, float]:
    """The passage signal: the learned model's scores under ``params`` or the hand-weighted fusion's
    (remembered per query and model)."""
    from search.ranking import learned as lr

    if kind == "hand" or params is None:
        return g["fused"]
    memo = g.setdefault("memo", {})
    if id(params) not in memo:
        s = lr.score(g["x"], params)
        memo[id(params)] = (params, {d: float(v) for d, v in zip(g["ldocs"], s) if d in g["fused"]})
    return memo[id(params)][1]


def order(g: dict, key, w, params) -> list[int]:
    from search.ranking import ranker

    passage = passage_signal(g, key[0], params)
    by_passage = sorted(passage, key=lambda d: (-passage[d], d))
    read = ranker.whole_candidates(by_passage, g["kw_order"], w.doc_top)
    bm = {d: g["bm"][key[4]][d] for d in read if d in g["bm"][key[4]]} if w.doc_bm25 > 0 else {}
    docs = list(dict.fromkeys(by_passage + read))
    return [d for d, _ in ranker.fuse_documents(docs, passage, bm, g["cosine"], w)]


def combine(values: list[float], how: str) -> float:
    """The objective over sets: their mean, or their worst ("maximin": no set may lose)."""
    return min(values) if how == "maximin" else sum(values) / len(values)


def mean(rows, m):
    return sum(r[m] for r in rows) / len(rows) if rows else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dev-library", required=True)
    ap.add_argument("--cat-library", required=True)
    ap.add_argument("--cross-library", required=True)
    ap.add_argument("--depth", type=int, default=None, help="candidates per list (default: the product's pool)")
    ap.add_argument("--l2", type=float, default=None, help="the learned model's regularisation (default: the shipped)")
    ap.add_argument("--objective", choices=("mean", "maximin"), default="mean",
                    help="choose weights by the mean over the training sets of the ratio to whole-report BM25 (default),"
                         " or by the worst set's (on the three dev sets its choices generalised worse to the set left out)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()

    from benchmarks.ranking_cv import category_set, cross_set, dev_set
    from search.ranking import learned as lr
    from search.ranking import ranker

    depth = args.depth or ranker.POOL
    shipped = json.loads(lr.PARAMS.read_text())
    l2 = args.l2 if args.l2 is not None else float(shipped.get("l2", 1.0))
    t0 = time.time()
    data = {}
    for name, (lib, queries) in {"dev": dev_set(args.dev_library), "categories": category_set(args.cat_library),
                                 "cross": cross_set(args.cross_library)}.items():
        data[name] = collect(lib, queries, depth)
        print(f"{name}: {len(queries)} queries over {lib.store.count('documents')} documents,"
              f" {time.time() - t0:.0f}s", file=sys.stderr)
    names = list(data)

    def fit(among):
        return lr.fit([(g["x"], g["y"]) for s in among for g in data[s]], l2=l2) if among else None

    grid = list(configs())
    base = {s: {run: [metrics(g["runs"][run], g["keys"], g["query"].relevant) for g in data[s]]
                for run in data[s][0]["runs"]} for s in names}

    def scores(s, i, params):
        key, w = grid[i]
        return [metrics(order(g, key, w, params), g["keys"], g["query"].relevant) for g in data[s]]

    def ratio(s, rows):
        b = base[s]["bm25 (whole report)"]
        return 0.5 * (mean(rows, "nDCG@10") / max(mean(b, "nDCG@10"), 1e-9)
                      + mean(rows, "AP@20") / max(mean(b, "AP@20"), 1e-9))

    def label(key):
        return (f"passage={key[0]} doc_bm25={key[1]} doc_dense={key[2]} doc_fusion={key[3]} fields={key[4]}")

    result: dict = {"depth": depth, "l2": l2, "sets": {}, "chosen": {}, "grid": {k: [str(v) for v in vs] for k, vs in GRID.items()}}
    rows_by_set: dict[str, dict] = {}
    # the weights for every set are chosen on the other two, each scored with a learned model fitted
    # without it and without the held-out set (so the held-out set's labels choose nothing)
    for s in names:
        others = [o for o in names if o != s]
        inner = {o: fit([x for x in names if x not in (s, o)]) for o in others}
        table = {o: [scores(o, i, inner[o]) for i in range(len(grid))] for o in others}
        best = max(range(len(grid)), key=lambda i: combine([ratio(o, table[o][i]) for o in others], args.objective))
        params = fit(others)
        rows = dict(base[s])
        old = next(i for i, (k, _) in enumerate(grid) if k[0] == "learned" and k[1] == k[2] == 0)
        rows["old product, other sets"] = scores(s, old, params)
        rows["new, other sets"] = scores(s, best, params)
        rows_by_set[s] = rows
        result["chosen"][s] = label(grid[best][0])
        print(f"  {s} held out: {label(grid[best][0])}, {time.time() - t0:.0f}s", file=sys.stderr)
    # what ships: the weights best on all three sets, each scored with the learned model fitted on
    # the other two (the learned model itself ships fitted on all three: rank_params.json)
    loso = {s: fit([o for o in names if o != s]) for s in names}
    table = {s: [scores(s, i, loso[s]) for i in range(len(grid))] for s in names}
    ships = max(range(len(grid)), key=lambda i: combine([ratio(s, table[s][i]) for s in names], args.objective))
    result["ships"] = label(grid[ships][0])
    result["objective"] = args.objective
    result["ships_objective"] = round(combine([ratio(s, table[s][ships]) for s in names], args.objective), 4)
    result["per_config"] = [{"config": label(k), **{s: round(ratio(s, table[s][i]), 4) for s in names}}
                            for i, (k, _) in enumerate(grid)]
    for s in names:
        rows = rows_by_set[s]
        rows["new, all sets (NOT held out)"] = table[s][ships]
        result["sets"][s] = {run: {m: round(mean(v, m), 4) for m in METRICS} for run, v in rows.items()}
        result["sets"][s]["queries"] = len(data[s])
        result.setdefault("per_query", {})[s] = [
            {"query": g["query"].name[:60], **{run: round(v[j]["nDCG@10"], 3) for run, v in rows.items()}}
            for j, g in enumerate(data[s])]
    for s in names:
        t = result["sets"][s]
        b = t["bm25 (whole report)"]
        print(f"\n{s} ({t['queries']} queries; new, other sets: {result['chosen'][s]})")
        print(f"  {'ranking':<42}" + "".join(f"{m:>9}" for m in METRICS) + "  nDCG/bm25  AP20/bm25")
        for run, r in t.items():
            if run == "queries":
                continue
            print(f"  {run:<42}" + "".join(f"{r[m]:>9.4f}" for m in METRICS)
                  + f"{r['nDCG@10'] / max(b['nDCG@10'], 1e-9):>11.3f}{r['AP@20'] / max(b['AP@20'], 1e-9):>11.3f}")
    print(f"\nships (best on all sets, NOT held out): {result['ships']}  objective {result['ships_objective']}")
    print(f"{time.time() - t0:.0f}s", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
