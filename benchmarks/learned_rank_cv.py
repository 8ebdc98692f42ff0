"""Fit and check the learned document ranker (search.ranking.learned) without reporting on
what it was fitted on.

The three labelled sets of ranking_cv.py (dev themes, tracker categories, judged
cross-type queries), each over its own real-model library. For every query the product's
hybrid lists are retrieved once (at ``--depth``) and every candidate document gets its
feature row. Reported per set, MAP and nDCG@10 of:

* plain BM25 (the baseline) and the hand-weighted hybrid fusion (before);
* the learned ranker fitted on the *other two* sets (leave one set out: held out);
* the learned ranker fitted on every *other query* of all three sets (leave one query
  out: held out);
* the learned ranker fitted on everything (what ships; NOT held out).

``--write`` saves the all-sets fit as search/ranking/rank_params.json (with these figures in it);
with ``--paraphrase-library`` (libraries holding the seeds) it is refused unless every seed
paraphrase of cross_type_eval.py ranks its own document first (the issue's constraint; the
paraphrases are never fitted on).

    python -m benchmarks.learned_rank_cv --dev-library DIR --cat-library DIR --cross-library DIR \
        [--l2 100 30] [--paraphrase-library DIR ...] [--write]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np


def collect(lib, queries, depth: int, w=None) -> list[dict]:
    """Per query: candidate documents, feature rows, labels, and the baseline orders."""
    from search import evaluate as ev
    from search.ranking import learned as lr
    from search.ranking import ranker

    w = w or ranker.WEIGHTS
    keys = ev.document_keys(lib)
    out = []
    for q in queries:
        lists = ranker.retrieve(lib, q.text, "hybrid", depth, w)
        _, documents = ranker.fused_documents(lib, lists, "hybrid", w)
        docs, x = lr.features(lib, q.text, lists.p_dense, lists.p_kw, lists.vector, dict(documents),
                              lr.query_idf(lib, q.text))
        y = np.array([1.0 if keys.get(d, set()) & q.relevant else 0.0 for d in docs])
        out.append({"query": q, "docs": docs, "x": x, "y": y, "keys": keys,
                    "bm25": ev.baseline_documents(lib, q.text, depth),
                    "hybrid": [d for d, _ in documents]})
    return out


def paraphrase_groups(library: str, pool: int, w=None) -> list[dict]:
    """The seed paraphrases of cross_type_eval.py over ``library`` (it must hold the seeds),
    at the product's pool: feature rows, and which row is the seed's own document."""
    from benchmarks import cross_type_eval as cx
    from index.library import open_library
    from search.ranking import learned as lr
    from search.ranking import ranker

    w = w or ranker.WEIGHTS
    lib = open_library(library, create=False)
    sources = dict(lib.store.conn.execute("SELECT id, source FROM documents").fetchall())
    out = []
    for q, prefix in cx.PARAPHRASES:
        lists = ranker.retrieve(lib, q, "hybrid", pool, w)
        _, documents = ranker.fused_documents(lib, lists, "hybrid", w)
        docs, x = lr.features(lib, q, lists.p_dense, lists.p_kw, lists.vector, dict(documents), lr.query_idf(lib, q))
        seed = [i for i, d in enumerate(docs) if Path(sources[d]).name.startswith(prefix)]
        if seed:
            out.append({"library": library, "seed": prefix, "x": x, "row": seed[0]})
    return out


def seed_ranks(groups: list[dict], params) -> list[int]:
    """Rank of each paraphrase's seed document under ``params`` (1: first)."""
    from search.ranking import learned as lr

    ranks = []
    for g in groups:
        s = lr.score(g["x"], params)
        ranks.append(int((s > s[g["row"]]).sum()) + 1)
    return ranks


def metrics(order: list[int], g: dict) -> dict:
    from search import evaluate as ev

    ranking = ev.judged_ranking(order, g["keys"], g["query"].relevant)
    return {"AP": ev.average_precision(ranking, g["query"].relevant),
            "nDCG@10": ev.ndcg_at(ranking, g["query"].relevant, 10)}


def learned_order(g: dict, params) -> list[int]:
    from search.ranking import learned as lr

    s = lr.score(g["x"], params)
    return [g["docs"][i] for i in sorted(range(len(g["docs"])), key=lambda i: (-s[i], i))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dev-library", required=True)
    ap.add_argument("--cat-library", required=True)
    ap.add_argument("--cross-library", required=True)
    ap.add_argument("--depth", type=int, default=1000)
    ap.add_argument("--l2", type=float, nargs="+", default=[1.0], help="regularisation strengths to report")
    ap.add_argument("--ship-l2", type=float, default=None, help="l2 of the fit --write saves (default: the first)")
    ap.add_argument("--write", action="store_true", help="save the all-sets fit as search/ranking/rank_params.json")
    ap.add_argument("--json", default=None)
    ap.add_argument("--set", nargs="*", default=[], metavar="NAME=VALUE",
                    help="ranker Weights to retrieve and fuse with (e.g. expand=0); --write is then refused")
    ap.add_argument("--paraphrase-library", nargs="*", default=[],
                    help="libraries holding the seeds: each fit's rank of every seed paraphrase's own document is"
                         " printed, and --write refuses a fit that does not put them all first")
    ap.add_argument("--cache", default=None, help="pickle of the collected features (reused when present)")
    args = ap.parse_args()

    import pickle

    from benchmarks.ranking_cv import category_set, cross_set, dev_set
    from search.ranking import learned as lr

    from search.ranking import ranker

    changes = {k: type(getattr(ranker.WEIGHTS, k))(v) for k, v in (a.split("=", 1) for a in args.set)}
    if changes and args.write:
        ap.error("--write fits on the shipped Weights only (change them in search/ranking/ranker.py first)")
    w = ranker.with_weights(**changes)
    t0 = time.time()
    if args.cache and Path(args.cache).exists():
        data = pickle.loads(Path(args.cache).read_bytes())
    else:
        data = {}
        for name, (lib, queries) in {"dev": dev_set(args.dev_library), "categories": category_set(args.cat_library),
                                     "cross": cross_set(args.cross_library)}.items():
            data[name] = collect(lib, queries, args.depth, w)
            print(f"{name}: {len(queries)} queries, {time.time() - t0:.0f}s", file=sys.stderr)
        if args.cache:
            for gs in data.values():
                for g in gs:
                    g["keys"] = {d: ks for d, ks in g["keys"].items() if d in set(g["docs"]) | set(g["bm25"])}
            Path(args.cache).write_bytes(pickle.dumps(data))
    names = list(data)
    para = [g for lib in args.paraphrase_library for g in paraphrase_groups(lib, ranker.POOL, w)]
    everything = [(n, i) for n in names for i in range(len(data[n]))]
    result: dict = {"depth": args.depth, "features": list(lr.FEATURES), "sets": {}, "per_query": {}}
    for l2 in args.l2:
        loso = {s: lr.fit([(g["x"], g["y"]) for o in names if o != s for g in data[o]], l2=l2) for s in names}
        full = lr.fit([(g["x"], g["y"]) for o in names for g in data[o]], l2=l2)
        for s in names:
            rows: dict[str, list] = {"bm25": [], "hybrid (hand-weighted)": [], "learned, other sets": [],
                                     "learned, leave-one-query-out": [], "learned, all sets (NOT held out)": []}
            for i, g in enumerate(data[s]):
                loqo = lr.fit([(h["x"], h["y"]) for (o, j) in everything if (o, j) != (s, i) for h in [data[o][j]]], l2=l2)
                rows["bm25"].append(metrics(g["bm25"], g))
                rows["hybrid (hand-weighted)"].append(metrics(g["hybrid"], g))
                rows["learned, other sets"].append(metrics(learned_order(g, loso[s]), g))
                rows["learned, leave-one-query-out"].append(metrics(learned_order(g, loqo), g))
                rows["learned, all sets (NOT held out)"].append(metrics(learned_order(g, full), g))
            table = {k: {m: round(sum(r[m] for r in v) / len(v), 4) for m in ("AP", "nDCG@10")} for k, v in rows.items()}
            result["sets"].setdefault(str(l2), {})[s] = table
            result["per_query"].setdefault(str(l2), {})[s] = [
                {"query": g["query"].name[:50], **{k: round(v[i]["AP"], 4) for k, v in rows.items()}}
                for i, g in enumerate(data[s])]
        if para:
            result.setdefault("seed_ranks", {})[str(l2)] = seed_ranks(para, full)
        result.setdefault("coef", {})[str(l2)] = dict(zip(lr.FEATURES, [round(float(c), 4) for c in full.coef]))
    for l2, sets in result["sets"].items():
        print(f"\nl2 = {l2}   coefficients (all sets): {result['coef'][l2]}")
        ratios = {}
        for s, table in sets.items():
            b = table["bm25"]["AP"]
            print(f"  {s} ({len(data[s])} queries)")
            for k, r in table.items():
                print(f"    {k:<36}{r['AP']:>8.4f}{r['nDCG@10']:>9.4f}{r['AP'] / b:>7.3f}")
                ratios.setdefault(k, []).append(r["AP"] / b)
        print("  mean MAP/bm25 over sets: " + ", ".join(f"{k} {sum(v) / len(v):.3f}" for k, v in ratios.items()))
        if para:
            print(f"  seed paraphrases, rank of the seed's document (all-sets fit): {result['seed_ranks'][l2]}")
    print(f"{time.time() - t0:.0f}s", file=sys.stderr)
    if args.write:
        l2 = args.ship_l2 if args.ship_l2 is not None else args.l2[0]
        full = lr.fit([(g["x"], g["y"]) for o in names for g in data[o]], l2=l2,
                      version=time.strftime("%Y-%m-%d") + f"-pairwise-l2={l2}")
        if para and max(seed_ranks(para, full)) > 1:
            sys.exit(f"not written: with l2={l2} a seed paraphrase's own document is not first {seed_ranks(para, full)}")
        lr.PARAMS.write_text(full.to_json(
            fitted_on={s: len(data[s]) for s in names}, depth=args.depth, l2=l2,
            held_out=result["sets"].get(str(l2)), how="benchmarks/learned_rank_cv.py") + "\n", encoding="utf-8")
        print(f"wrote {lr.PARAMS}", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
