"""Score a frozen held-out query set (issue 24) once: graded judgements, nDCG@10 and AP@20 for
plain BM25 over the whole report, the product's keyword, dense and hybrid rankings, and the
search page's own order, with 95% bootstrap intervals; the no-match sets; close precision.

The metrics and every choice below were fixed before any score on a held-out set was printed:

* **plain BM25 over the whole report** (``bm25doc``): ``precedent eval``'s ``bm25-report``
  (``search.ranking.plain_document_bm25``): Okapi BM25, k1 = 1.2, b = 0.75 (Robertson's defaults,
  not tuned), over each document's whole text, Porter stems of its words (the stemmer FTS5's
  ``porter`` tokenizer uses), IDF ``log(1 + (N - df + 0.5) / (df + 0.5))`` over documents.
* ``bm25``: the older baseline ``precedent eval`` prints (FTS5 BM25 over passages, a document
  the sum of its two best), kept for continuity.
* ``keyword`` / ``dense`` / ``hybrid``: ``search.evaluate.rank_documents`` (the order the search
  page lists cases). ``page``: the documents of ``search.query.run_search`` in the order the page
  shows them (first appearance), read page by page; its hits' strength gives close precision.
* **nDCG@10**: gains ``2**grade - 1`` (grades 0/1/2), log2 discount, ideal from every judged
  document of the query. **AP@20**: relevant = grade >= 1; sum of precision@i at relevant ranks
  i <= 20, divided by min(R, 20), R the query's judged relevant documents.
* A document counts once, at its best rank (the CSV row and the PDF of one report share a
  reference). A document is judged for a query if any of its names (``document_keys``) is in the
  qrels; its grade is the highest such.
* **Unjudged documents are not zeros**: if any system's top 20 holds a document the qrels do not
  grade, no score is printed; the documents to judge are written, blind (shuffled per query, no
  system names, ranks or scores), with ``--pool-out``. ``--allow-unjudged`` scores them as 0 and
  says how many there were.
* Intervals: 10,000 paired bootstrap resamples of the queries (seed 20261208), percentile 2.5–97.5,
  for each system's mean and for each system's ratio to ``bm25doc``.
* **Close precision**: over every query, every result the page labels "close" (all pages): the
  share whose document is graded >= 1 (and the share graded 2). **No-match sets**: per string,
  the page's total and its close count.

    python -m benchmarks.heldout_score --library DIR --set benchmarks/heldout/2026-12-07 \\
        [--tuned-library DIR2] [--pool-out FILE] [--allow-unjudged] [--json OUT]
"""
from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter
from pathlib import Path

DEPTH = 30          # the pool depth issue 24 asks for
SCORED = 20         # the deepest rank a metric reads (AP@20)
SEED = 20261208
RESAMPLES = 10_000


# ----------------------------------------------------------------------------- metrics
def ndcg_at(grades: list[int], judged: list[int], k: int = 10) -> float:
    """nDCG@k of a ranking's grades (unjudged as 0) against the query's judged grades."""
    dcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))
    ideal = sorted(judged, reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def ap_at(grades: list[int], judged: list[int], k: int = SCORED) -> float:
    """AP@k, relevant = grade >= 1, normalised by min(R, k)."""
    r = sum(1 for g in judged if g >= 1)
    if not r:
        return 0.0
    hits, total = 0, 0.0
    for i, g in enumerate(grades[:k], 1):
        if g >= 1:
            hits += 1
            total += hits / i
    return total / min(r, k)


def bootstrap(per_query: dict[str, list[float]], base: str | None, seed: int = SEED, n: int = RESAMPLES) -> dict:
    """Mean and 95% percentile interval per system, and of each system's ratio to ``base``,
    resampling queries (paired across systems)."""
    systems = list(per_query)
    m = len(next(iter(per_query.values()))) if per_query else 0
    rng = random.Random(seed)
    means: dict[str, list[float]] = {s: [] for s in systems}
    ratios: dict[str, list[float]] = {s: [] for s in systems}
    for _ in range(n if m else 0):
        idx = [rng.randrange(m) for _ in range(m)]
        for s in systems:
            means[s].append(sum(per_query[s][i] for i in idx) / m)
        if base:
            b = means[base][-1]
            for s in systems:
                ratios[s].append(means[s][-1] / b if b else float("nan"))

    def interval(xs: list[float]) -> list[float]:
        xs = sorted(x for x in xs if not math.isnan(x))
        if not xs:
            return [float("nan"), float("nan")]
        return [round(xs[int(0.025 * (len(xs) - 1))], 4), round(xs[int(0.975 * (len(xs) - 1))], 4)]

    out = {}
    for s in systems:
        mean = sum(per_query[s]) / m if m else float("nan")
        row = {"mean": round(mean, 4), "ci95": interval(means[s])}
        if base:
            bm = sum(per_query[base]) / m if m else 0
            row["ratio"] = round(mean / bm, 4) if bm else None
            row["ratio_ci95"] = interval(ratios[s])
        out[s] = row
    return out


# ----------------------------------------------------------------------------- running
def page_documents(lib, text: str, depth: int = DEPTH) -> tuple[list[int], dict[int, str], int]:
    """The page's documents in the order shown (first appearance), each's best strength, and the total."""
    from search.query import run_search

    order: list[int] = []
    strength: dict[int, str] = {}
    rank = {"close": 0, "related": 1, "weak": 2}
    page, total = 1, 0
    while True:
        out = run_search(lib, text, k=100, mode="hybrid", page=page)
        total = out["total"]
        for r in out["results"]:
            d = r["document"]["id"]
            if d not in strength:
                order.append(d)
                strength[d] = r["strength"]
            elif rank.get(r["strength"], 3) < rank.get(strength[d], 3):
                strength[d] = r["strength"]
        if not out["paging"].get("next") or len(order) >= max(depth, 200):
            return order, strength, total
        page += 1


def grade_of(doc: int, names: dict[int, set[str]], qrels: dict[str, int]) -> int | None:
    found = [qrels[k] for k in names.get(doc, ()) if k in qrels]
    return max(found) if found else None


def dedupe(docs: list[int], names: dict[int, set[str]], qrels: dict[str, int]) -> list[int]:
    """Each judged name once, at its best rank."""
    out, used = [], set()
    for d in docs:
        key = sorted(names.get(d, set()) & qrels.keys())
        k = key[0] if key else f"#doc:{d}"
        if k not in used:
            used.add(k)
            out.append(d)
    return out


def load_set(folder: Path) -> tuple[list[dict], dict[str, dict[str, int]], list[str], list[str]]:
    queries, qrels = [], {}
    for qf in sorted(folder.glob("queries_*.json")):
        part = qf.stem.split("_", 1)[1]
        qs = json.loads(qf.read_text(encoding="utf-8"))
        for q in qs:
            q["set"] = part
        queries += qs
        qrels.update(json.loads((folder / f"qrels_{part}.json").read_text(encoding="utf-8")))
    oof, mash = [], []
    for f in sorted(folder.glob("out_of_field_*.json")):
        oof += [x["text"] if isinstance(x, dict) else x for x in json.loads(f.read_text(encoding="utf-8"))]
    for f in sorted(folder.glob("keyboard_mash_*.json")):
        mash += [x["text"] if isinstance(x, dict) else x for x in json.loads(f.read_text(encoding="utf-8"))]
    return queries, qrels, oof, mash


def run_systems(lib, queries: list[dict], suffix: str = "",
                systems=("bm25doc", "bm25", "keyword", "dense", "hybrid", "page")) -> dict:
    from search import evaluate as ev

    runs: dict[str, dict[str, list[int]]] = {}
    extra: dict[str, dict] = {}
    for q in queries:
        for s in systems:
            if s == "bm25doc":
                docs = ev.rank_documents(lib, q["text"], ev.WHOLE_REPORT, depth=1000)
            elif s == "page":
                docs, strength, total = page_documents(lib, q["text"])
                extra[q["id"]] = {"strength": strength, "total": total}
            else:
                docs = ev.rank_documents(lib, q["text"], s, depth=200 if s != ev.BASELINE else 1000)
            runs.setdefault(s + suffix, {})[q["id"]] = docs
    return {"runs": runs, "page": extra}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--library", required=True, type=Path)
    ap.add_argument("--tuned-library", type=Path, help="the same corpus embedded by the tuned encoder: adds dense/page '-tuned'")
    ap.add_argument("--set", required=True, type=Path, help="a frozen folder: queries_*.json, qrels_*.json, no-match sets")
    ap.add_argument("--pool-out", type=Path, help="write the unjudged documents of every system's top 30, blind")
    ap.add_argument("--allow-unjudged", action="store_true", help="score unjudged documents as 0 (said in the output)")
    ap.add_argument("--json", type=Path, help="write the whole result here")
    a = ap.parse_args(argv)
    from benchmarks.heldout_pool import judging_record
    from index.library import LibraryError, open_library
    from search import evaluate as ev
    from search.query import run_search

    queries, qrels, oof, mash = load_set(a.set)
    libs = [(a.library, "")] + ([(a.tuned_library, "-tuned")] if a.tuned_library else [])
    runs: dict[str, dict[str, list[int]]] = {}
    page: dict[str, dict] = {}
    names: dict[int, set[str]] = {}
    nomatch: dict[str, dict] = {}
    for path, suffix in libs:
        try:
            lib = open_library(path, create=False)
        except LibraryError as e:
            sys.exit(str(e))
        try:
            lib_names = ev.document_keys(lib)
            if names and lib_names != names:
                sys.exit("the tuned library does not hold the same documents under the same ids")
            names = lib_names
            systems = ("bm25doc", "bm25", "keyword", "dense", "hybrid", "page") if not suffix else ("dense", "page")
            got = run_systems(lib, queries, suffix, systems)
            runs.update(got["runs"])
            page[suffix] = got["page"]
            for kind, strings in (("out_of_field", oof), ("keyboard_mash", mash)):
                rows = []
                for s in strings:
                    out = run_search(lib, s, k=10)
                    rows.append({"text": s, "total": out["total"], "close": out["close"]})
                nomatch[kind + suffix] = {
                    "strings": len(rows), "with_results": sum(1 for r in rows if r["total"]),
                    "with_close": sum(1 for r in rows if r["close"]), "results": sum(r["total"] for r in rows),
                    "rows": rows}
            # unjudged documents in any system's top DEPTH
            unjudged: dict[str, set[int]] = {}
            for s, per_q in runs.items():
                if not s.endswith(suffix) or (not suffix and s.endswith("-tuned")):
                    continue
                for q in queries:
                    for d in dedupe(per_q[q["id"]], names, qrels.get(q["id"], {}))[:DEPTH]:
                        if grade_of(d, names, qrels.get(q["id"], {})) is None:
                            unjudged.setdefault(q["id"], set()).add(d)
            if a.pool_out and unjudged:
                from benchmarks.heldout_pool import stable_key
                pooled = []
                for q in queries:
                    ids = sorted(unjudged.get(q["id"], ()))
                    random.Random(q["id"]).shuffle(ids)
                    if ids:
                        pooled.append({k: q[k] for k in ("id", "kind", "text")} | {"pooled": len(ids), "documents": [
                            judging_record(lib, d, 0) for d in ids]})
                out_path = a.pool_out.with_name(a.pool_out.stem + (suffix or "") + a.pool_out.suffix)
                out_path.write_text(json.dumps({"library": str(path), "depth": DEPTH, "queries": pooled},
                                               ensure_ascii=False, indent=1), encoding="utf-8")
                print(f"{sum(len(v) for v in unjudged.values())} unjudged documents in the top {DEPTH} "
                      f"({len(unjudged)} queries) -> {out_path}")
        finally:
            lib.close()

    # refuse to score over unjudged documents in the scored depth
    unjudged_top = Counter()
    for s, per_q in runs.items():
        for q in queries:
            for d in dedupe(per_q[q["id"]], names, qrels.get(q["id"], {}))[:SCORED]:
                if grade_of(d, names, qrels.get(q["id"], {})) is None:
                    unjudged_top[s] += 1
    if unjudged_top and not a.allow_unjudged:
        print("unjudged documents in the top 20 (no score printed; judge them first): "
              + ", ".join(f"{s} {n}" for s, n in sorted(unjudged_top.items())))
        sys.exit(3)

    result: dict = {"queries": len(queries), "documents": len(names), "unjudged_top20_scored_as_0": dict(unjudged_top),
                    "sets": {}, "no_match": {k: {x: v[x] for x in v if x != "rows"} for k, v in nomatch.items()}}
    groups = {"all": queries}
    for q in queries:
        groups.setdefault(q["set"], []).append(q)
        groups.setdefault("kind:" + q.get("kind", "?"), []).append(q)
    for g, qs in groups.items():
        per_metric = {}
        for metric, fn in (("nDCG@10", ndcg_at), ("AP@20", ap_at)):
            per_q = {}
            for s, per in runs.items():
                vals = []
                for q in qs:
                    qr = qrels.get(q["id"], {})
                    docs = dedupe(per[q["id"]], names, qr)
                    grades = [grade_of(d, names, qr) or 0 for d in docs]
                    vals.append(fn(grades, list(qr.values())))
                per_q[s] = vals
            per_metric[metric] = bootstrap(per_q, "bm25doc")
        result["sets"][g] = {"queries": len(qs), **per_metric}
    # close precision on the page's own labels
    for suffix, extra in page.items():
        close = graded = two = unj = 0
        for q in queries:
            qr = qrels.get(q["id"], {})
            for d, st in extra.get(q["id"], {}).get("strength", {}).items():
                if st != "close":
                    continue
                close += 1
                g = grade_of(d, names, qr)
                if g is None:
                    unj += 1
                elif g >= 1:
                    graded += 1
                    two += g == 2
        result["close" + suffix] = {"close_documents": close, "graded_ge1": graded, "graded_2": two,
                                    "unjudged": unj, "precision_ge1": round(graded / close, 4) if close else None}
    if a.json:
        a.json.write_text(json.dumps(result, indent=1), encoding="utf-8")
    print(format_result(result))


def format_result(result: dict) -> str:
    """The result as a table a person reads: per set and metric, each system's mean [95% CI] and ratio to bm25doc."""
    lines = [f"{result['queries']} queries over {result['documents']} documents"]
    if any(result["unjudged_top20_scored_as_0"].values()):
        lines.append(f"unjudged in the top 20, scored as 0: {result['unjudged_top20_scored_as_0']}")
    for g, row in result["sets"].items():
        lines.append(f"\n[{g}] {row['queries']} queries")
        for metric in ("nDCG@10", "AP@20"):
            for s, v in row[metric].items():
                lines.append(f"  {metric:<8} {s:<14} {v['mean']:.4f} [{v['ci95'][0]:.4f}, {v['ci95'][1]:.4f}]"
                             f"   x{v['ratio']} [{v['ratio_ci95'][0]}, {v['ratio_ci95'][1]}] of bm25doc")
    for k, v in result["no_match"].items():
        lines.append(f"{k}: {v['with_results']} of {v['strings']} strings get results ({v['results']} in all), "
                     f"{v['with_close']} get a close hit")
    for k, v in result.items():
        if k.startswith("close"):
            lines.append(f"{k}: {v}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
