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

The objective a configuration is chosen by: the mean over sets of (nDCG@10 + AP@20) / 2, each
divided by the whole-report BM25's.

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
    "doc_bm25": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7],
    "doc_dense": [0.0, 0.1, 0.2, 0.3],
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
    from search import evaluate as ev
    from search.ranking import learned as lr
    from search.ranking import ranker, whole

    keys = ev.document_keys(lib)
    base = ranker.with_weights(doc_bm25=0.0, doc_dense=0.0)
    wide = ranker.with_weights(doc_bm25=1.0)  # reads BM25F (the fields are re-read per grid value below)
    out = []
    for q in queries:
        lists = ranker.retrieve(lib, q.text, "hybrid", depth, base)
        hits, documents = ranker.fused_documents(lib, lists, "hybrid", base)
        if hits:
            documents = ranker.learned_documents(lib, q.text, lists, documents)
        # the candidates and signals the product reads (BM25F with the shipped fields, then re-read
        # for the grid's other field weights over the same documents)
        every, passage, bm, cosine = ranker.document_signals(lib, q.text, lists, documents, wide)
        idf = lr.query_idf(lib, q.text)
        bms = {f: whole.bm25f(lib, q.text, list(bm), idf, f) for f in GRID["fields"]}
        out.append({
            "query": q, "keys": keys, "docs": every, "passage": passage, "cosine": cosine, "bm": bms,
            "runs": {
                "bm25 (whole report)": [d for d, _ in whole.plain_document_bm25(lib, q.text, 1000)],
                "bm25 (passages)": ev.baseline_documents(lib, q.text, ev.DEPTH),
                "keyword": ev.rank_documents(lib, q.text, "keyword", depth),
                "dense": ev.rank_documents(lib, q.text, "dense", depth),
                "old product": [d for d, _ in documents],
            }})
    return out


def configs():
    from search.ranking import ranker

    seen = set()
    for b, dn, how, f in itertools.product(*GRID.values()):
        if b + dn > 1.0 or (b == 0 and f != GRID["fields"][0]):
            continue
        key = (b, dn, how, f)
        if key not in seen:
            seen.add(key)
            yield key, ranker.with_weights(doc_bm25=b, doc_dense=dn, doc_fusion=how)


def order(g: dict, key, w) -> list[int]:
    from search.ranking import ranker

    return [d for d, _ in ranker.fuse_documents(g["docs"], g["passage"], g["bm"][key[3]], g["cosine"], w)]


def mean(rows, m):
    return sum(r[m] for r in rows) / len(rows) if rows else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dev-library", required=True)
    ap.add_argument("--cat-library", required=True)
    ap.add_argument("--cross-library", required=True)
    ap.add_argument("--depth", type=int, default=None, help="candidates per list (default: the product's pool)")
    ap.add_argument("--json", default=None)
    args = ap.parse_args()

    from benchmarks.ranking_cv import category_set, cross_set, dev_set
    from search.ranking import ranker

    depth = args.depth or ranker.POOL
    t0 = time.time()
    data = {}
    for name, (lib, queries) in {"dev": dev_set(args.dev_library), "categories": category_set(args.cat_library),
                                 "cross": cross_set(args.cross_library)}.items():
        data[name] = collect(lib, queries, depth)
        print(f"{name}: {len(queries)} queries over {lib.store.count('documents')} documents,"
              f" {time.time() - t0:.0f}s", file=sys.stderr)
    names = list(data)
    grid = list(configs())
    table = {s: [[metrics(order(g, key, w), g["keys"], g["query"].relevant) for g in data[s]] for key, w in grid]
             for s in names}
    base = {s: {run: [metrics(g["runs"][run], g["keys"], g["query"].relevant) for g in data[s]]
                for run in data[s][0]["runs"]} for s in names}

    def objective(i, among):
        out = 0.0
        for s in among:
            b = base[s]["bm25 (whole report)"]
            out += 0.5 * (mean(table[s][i], "nDCG@10") / max(mean(b, "nDCG@10"), 1e-9)
                          + mean(table[s][i], "AP@20") / max(mean(b, "AP@20"), 1e-9))
        return out / len(among)

    def label(key):
        return f"doc_bm25={key[0]} doc_dense={key[1]} doc_fusion={key[2]} fields={key[3]}"

    result: dict = {"depth": depth, "sets": {}, "chosen": {}}
    loso_rows: dict[str, list] = {}
    for s in names:
        others = [o for o in names if o != s]
        best = max(range(len(grid)), key=lambda i: objective(i, others))
        loso_rows[s] = table[s][best]
        result["chosen"][s] = label(grid[best][0])
    full = max(range(len(grid)), key=lambda i: objective(i, names))
    result["ships"] = label(grid[full][0])
    for s in names:
        rows = {run: v for run, v in base[s].items()}
        rows["new, other sets"] = loso_rows[s]
        rows["new, all sets (NOT held out)"] = table[s][full]
        result["sets"][s] = {run: {m: round(mean(v, m), 4) for m in METRICS} for run, v in rows.items()}
        result["sets"][s]["queries"] = len(data[s])
        result.setdefault("per_query", {})[s] = [
            {"query": g["query"].name[:60], **{run: round(v[j]["nDCG@10"], 3) for run, v in rows.items()}}
            for j, g in enumerate(data[s])]
    for s in names:
        t = result["sets"][s]
        b = t["bm25 (whole report)"]
        print(f"\n{s} ({t['queries']} queries; new, other sets: {result['chosen'][s]})")
        print(f"  {'ranking':<32}" + "".join(f"{m:>9}" for m in METRICS) + "  nDCG/bm25  AP20/bm25")
        for run, r in t.items():
            if run == "queries":
                continue
            print(f"  {run:<32}" + "".join(f"{r[m]:>9.4f}" for m in METRICS)
                  + f"{r['nDCG@10'] / max(b['nDCG@10'], 1e-9):>11.3f}{r['AP@20'] / max(b['AP@20'], 1e-9):>11.3f}")
    print(f"\nships (best on all sets, NOT held out): {result['ships']}  objective {objective(full, names):.3f}")
    print(f"{time.time() - t0:.0f}s", file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
