"""Tune the ranker's weights without tuning on the figures reported.

Two labelled query sets, each over its own library (built with the real model):

* ``dev``: the eight theme definitions of ``eval/themes-dev-labels.json`` over the 237
  labelled suicide reports (``precedent eval --themes ... --library DIR`` builds it);
* ``categories``: the judiciary's report categories from the tracker over a seeded sample
  of categorised reports (``benchmarks/category_eval.py`` defines the queries; build the
  library with ``--build`` here or reuse one).

With ``--cross-library``, a third: the judged cross-type queries of ``cross_type_eval.py``
over seeds + Ofsted inspections + a PFD sample; each set is then held out in turn (weights
chosen on the other two).

Every configuration of a small grid over :class:`search.ranking.ranker.Weights` is scored on
every query (retrieval is cached, so only fusion, fold and document scoring are redone).
Reported, never from the set the weights were chosen on:

* cross-set: weights chosen on the other set(s), MAP / nDCG@10 reported on this one;
* leave-one-query-out within a set: each query scored with the weights best on the others.

Beside them: plain BM25 (the baseline) and the keyword, dense and hybrid modes with the
shipped weights. ``--json FILE`` keeps everything.

    python -m benchmarks.ranking_cv --dev-library DIR --cat-library DIR [--cross-library DIR] [--depth 1000]
"""
from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

from benchmarks.common import shared_root

GRID = {  # kept small: the machine is shared. Session 3's wider grid never chose the rank fold,
    # a finding list or coordination on either set, so those stay at their shipped values.
    "dense": [0.3, 0.5],
    "doc_second": [0.5, 1.0],
    "expand": [0.0, 0.3, 0.5],
    "feedback_findings": [5, 10],
    "feedback_terms": [10, 20],
    "feedback_temperature": [0.0, 0.05, 0.1],
}


def configs():
    from search.ranking import ranker

    keys = list(GRID)
    seen = set()
    for values in itertools.product(*(GRID[k] for k in keys)):
        d = dict(zip(keys, values))
        if not d["expand"]:  # no expansion: its settings do not matter
            d.update(feedback_findings=GRID["feedback_findings"][0], feedback_terms=GRID["feedback_terms"][0],
                     feedback_temperature=GRID["feedback_temperature"][0])
        key = tuple(sorted(d.items()))
        if key not in seen:
            seen.add(key)
            yield ranker.with_weights(**d, learned=False)  # the hand weights alone (learned_rank_cv.py fits the rest)


def name(w) -> str:
    return (f"dense={w.dense} doc_second={w.doc_second} expand={w.expand}"
            f" feedback_findings={w.feedback_findings} feedback_terms={w.feedback_terms}"
            f" feedback_temperature={w.feedback_temperature}")


def cached_retrieve():
    from search.ranking import ranker

    original = ranker.retrieve
    memo: dict = {}

    def retrieve(lib, query, mode, pool, w=ranker.WEIGHTS):
        key = (str(lib.path), query, mode, pool, w.coordination, w.expand, w.feedback_findings, w.feedback_terms,
               w.feedback_cosine, w.feedback_min_findings, w.feedback_temperature)
        if key not in memo:
            memo[key] = original(lib, query, mode, pool, w)
        return memo[key]

    ranker.retrieve = retrieve


def dev_set(library: str):
    from index.library import open_library
    from search import evaluate as ev

    shared = shared_root()
    queries, _ = ev.load_theme_labels(shared / "eval/themes-dev.csv", shared / "eval/themes-dev-labels.json")
    return open_library(library, create=False), queries


def category_set(library: str, min_relevant: int = 3):
    from benchmarks.category_eval import category_judgements
    from index.library import open_library
    from search import evaluate as ev

    lib = open_library(library, create=False)
    keys = ev.document_keys(lib)
    held = {k for ks in keys.values() for k in ks}
    shared = shared_root()
    qrels, _ = category_judgements(shared / "corpus/pfd/reports.csv", shared / "corpus/pfd/reports-analysed.csv")
    queries = [ev.Query(q, q, us & held) for q, us in sorted(qrels.items()) if len(us & held) >= min_relevant]
    return lib, queries


def cross_set(library: str):
    """The judged cross-type queries of cross_type_eval.py (relevant: documents by source)."""
    from benchmarks import cross_type_eval as cx
    from index.library import open_library
    from search import evaluate as ev

    lib = open_library(library, create=False)
    sources = dict(lib.store.conn.execute("SELECT id, source FROM documents").fetchall())
    return lib, [ev.Query(q, q, {sources[d] for d in rel}) for q, rel in cx.judge(lib).items() if rel]


def score(lib, queries, mode: str, depth: int, w=None) -> list[dict]:
    from search import evaluate as ev

    keys = ev.document_keys(lib)
    out = []
    for q in queries:
        ranking = ev.judged_ranking(ev.rank_documents(lib, q.text, mode, depth, w), keys, q.relevant)
        out.append({"AP": ev.average_precision(ranking, q.relevant), "nDCG@10": ev.ndcg_at(ranking, q.relevant, 10)})
    return out


def mean(rows: list[dict], m: str) -> float:
    return sum(r[m] for r in rows) / len(rows) if rows else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dev-library", required=True)
    ap.add_argument("--cat-library", required=True)
    ap.add_argument("--cross-library", default=None,
                    help="also the judged cross-type set (cross_type_eval.py): each set is then held out in turn")
    ap.add_argument("--depth", type=int, default=1000)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()

    from search.ranking import ranker

    cached_retrieve()
    sets = {"dev": dev_set(args.dev_library), "categories": category_set(args.cat_library)}
    if args.cross_library:
        sets["cross"] = cross_set(args.cross_library)
    t0 = time.time()
    base: dict[str, dict] = {}
    for s, (lib, queries) in sets.items():
        base[s] = {mode: score(lib, queries, mode, args.depth) for mode in ("bm25", "keyword", "dense", "hybrid")}
        print(f"{s}: {len(queries)} queries over {lib.store.count('documents')} documents", file=sys.stderr)
    grid = list(configs())
    table: dict[str, list[list[dict]]] = {s: [] for s in sets}
    for i, w in enumerate(grid):
        for s, (lib, queries) in sets.items():
            table[s].append(score(lib, queries, "hybrid", args.depth, w))
        if i % 8 == 0:
            print(f"  {i}/{len(grid)} configurations, {time.time() - t0:.0f}s", file=sys.stderr)
    result: dict = {"depth": args.depth, "shipped": name(ranker.WEIGHTS), "sets": {}}
    per_query: dict[str, list[dict]] = {}
    names = list(sets)

    def ratio(i, among):  # mean over sets of MAP / plain BM25's MAP
        return sum(mean(table[s][i], "AP") / max(mean(base[s]["bm25"], "AP"), 1e-9) for s in among) / len(among)

    for s in names:
        others = [o for o in names if o != s]
        other = "+".join(others)
        rows = {m: {"MAP": round(mean(v, "AP"), 4), "nDCG@10": round(mean(v, "nDCG@10"), 4)} for m, v in base[s].items()}
        # cross-set: the configuration best on the other set(s)
        best_other = max(range(len(grid)), key=lambda i: ratio(i, others))
        rows["hybrid, tuned on " + other] = {"MAP": round(mean(table[s][best_other], "AP"), 4),
                                             "nDCG@10": round(mean(table[s][best_other], "nDCG@10"), 4),
                                             "weights": name(grid[best_other])}
        # leave one query out within the set
        n = len(sets[s][1])
        loo = []
        for qi in range(n):
            best = max(range(len(grid)), key=lambda i: sum(r["AP"] for j, r in enumerate(table[s][i]) if j != qi))
            loo.append(table[s][best][qi])
        rows["hybrid, leave-one-query-out"] = {"MAP": round(mean(loo, "AP"), 4), "nDCG@10": round(mean(loo, "nDCG@10"), 4)}
        per_query[s] = [{"query": q.text[:60], "bm25": round(base[s]["bm25"][j]["AP"], 4),
                         "hybrid": round(base[s]["hybrid"][j]["AP"], 4),
                         "tuned on " + other: round(table[s][best_other][j]["AP"], 4), "LOO": round(loo[j]["AP"], 4)}
                        for j, q in enumerate(sets[s][1])]
        best_here = max(range(len(grid)), key=lambda i: mean(table[s][i], "AP"))
        rows["hybrid, best on this set (NOT held out)"] = {"MAP": round(mean(table[s][best_here], "AP"), 4),
                                                          "weights": name(grid[best_here])}
        result["sets"][s] = rows
    # the configuration best on every set together (what to ship), by mean ratio to BM25
    best_both = max(range(len(grid)), key=lambda i: ratio(i, names))
    result["best_on_both"] = {"weights": name(grid[best_both]), "mean MAP/bm25": round(ratio(best_both, names), 4)}
    result["per_config"] = [{"weights": name(w), **{s: round(mean(table[s][i], "AP"), 4) for s in names}}
                            for i, w in enumerate(grid)]
    for s, rows in result["sets"].items():
        b = rows["bm25"]["MAP"]
        print(f"\n{s} ({len(sets[s][1])} queries)")
        print(f"{'ranking':<42}{'MAP':>8}{'nDCG@10':>9}{'/bm25':>7}")
        for label, r in rows.items():
            print(f"{label:<42}{r['MAP']:>8.4f}{r.get('nDCG@10', float('nan')):>9.4f}{r['MAP'] / b:>7.3f}"
                  + (f"   [{r['weights']}]" if "weights" in r else ""))
    result["per_query_AP"] = per_query
    for s, rows in per_query.items():
        print(f"\n{s}: AP per query")
        for r in rows:
            print("  " + "  ".join(f"{k} {v}" for k, v in r.items()))
    print(f"\nbest on all sets together: {result['best_on_both']}")
    print(f"{time.time() - t0:.0f}s")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
