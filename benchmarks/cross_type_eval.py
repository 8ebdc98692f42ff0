"""Cross-type recall: a concern phrased in one review type's language should find the same
failure in the others (PFD report ↔ response ↔ DHR action plan ↔ inspection ↔ minutes).

The judged query set is :data:`QUERIES` below (also written out as
``benchmarks/cross_type_qrels.tsv`` by ``--qrels-out``). Each query is a plain-language
concern written *without* the words the documents use; each carries a judgement rule: a
document is relevant when its text matches every one of the rule's patterns (patterns
were written by reading the documents; they name the failure in the documents' own
words). :data:`PARAPHRASES` are paraphrases of a seed document's own concern: that seed
is the one relevant document, and the seed's concern should come back as a *close* hit.

Build the library once (real model): seeds + some Ofsted inspections + a PFD sample,

    precedent ingest ../shared/corpus/seeds OFSTED_PDFS PFD_SAMPLE.csv --library DIR

then ``python -m benchmarks.cross_type_eval --library DIR``. Prints MAP, nDCG@10 and
recall@20 per mode (plain BM25 beside the product's keyword, dense and hybrid), recall@20
within each document type, and for each paraphrase the rank and strength of the seed's hit.
"""
from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

# (query, [patterns that must all match the document's text])
QUERIES: list[tuple[str, list[str]]] = [
    ("notes of the multi-agency domestic abuse risk meeting were never written down",
     [r"\bMARAC", r"minut|recorded|record"]),
    ("agencies did not tell each other what they knew before a dangerous prisoner was let out",
     [r"releas", r"prison", r"shar\w* (?:of )?information|information (?:was not |is not |being )?shar"]),
    ("senior armed police commanders need better selection, training and accreditation",
     [r"firearms|armed", r"commander|\bSFC|\bTFC", r"train|accredit"]),
    ("young people in care are not taught what makes a relationship safe or harmful",
     [r"(?:children|young people) in care|looked after", r"relationship"]),
    ("officers overlooked the children living in the house when attending violence between partners",
     [r"domestic", r"child", r"safeguard"]),
    ("managing people convicted of sexual offences in the community after they are released",
     [r"sex(?:ual)? offender|\bMAPPA|\bViSOR|\bARMS\b"]),
    ("the checklist used to grade danger from an abusive partner was not revisited",
     [r"\bDASH\b|risk assessment", r"domestic"]),
    ("social workers have too many cases and children are not seen often enough",
     [r"caseload", r"social work"]),
    ("children who run away from home are not spoken to properly when they come back",
     [r"missing", r"return (?:home )?interview"]),
    ("a patient with psychiatric illness left hospital without any arranged follow up",
     [r"discharg", r"mental health", r"follow[- ]?up"]),
    ("controlling and coercive behaviour by a partner was not recognised by staff",
     [r"coerci", r"train"]),
    ("the electronic record systems of different services cannot see each other's information",
     [r"\bIT\b|system", r"information", r"agenc"]),
]

# (paraphrase of a seed document's concern, the seed's file-name prefix)
PARAPHRASES: list[tuple[str, str]] = [
    ("what the mental health service said at the domestic abuse risk conference was not written into the notes", "000_"),
    ("nobody coordinated the release of the prisoner and the agencies kept the critical information to themselves", "001_"),
    ("forces should run a round-the-clock rota so strategic and tactical firearms commanders are always available", "002_"),
    ("children looked after by the council should learn what a safe and a risky relationship looks like", "003_"),
    ("the board heard the lessons learned about managing a registered sex offender", "004_"),
]


def judge(lib) -> dict[str, set[int]]:
    """{query: ids of the documents its rule holds for}."""
    texts = {r[0]: r[1] or "" for r in lib.store.conn.execute("SELECT id, text FROM documents")}
    out = {}
    for q, pats in QUERIES:
        rx = [re.compile(p, re.I) for p in pats]
        out[q] = {d for d, t in texts.items() if all(r.search(t) for r in rx)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--library", required=True)
    ap.add_argument("--depth", type=int, default=None, help="candidates per list (default: the product's)")
    ap.add_argument("--qrels-out", default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from index.library import open_library
    from search import evaluate as ev
    from search.ranking import ranker
    from search.query import run_search

    lib = open_library(args.library, create=False)
    depth = args.depth or ranker.POOL
    types = dict(lib.store.conn.execute("SELECT id, type FROM documents").fetchall())
    sources = dict(lib.store.conn.execute("SELECT id, source FROM documents").fetchall())
    qrels = judge(lib)
    if args.qrels_out:
        with open(args.qrels_out, "w", encoding="utf-8") as f:
            f.write("query\trelevant\n")
            for q, ds in qrels.items():
                f.writelines(f"{q}\t{Path(sources[d]).name if '#' not in sources[d] else sources[d].split('/')[-1]}\n"
                             for d in sorted(ds))
    result: dict = {"documents": len(types), "queries": [], "summary": {}, "per_type_recall@20": {}}
    for mode in ("bm25", "keyword", "dense", "hybrid"):
        aps, nd, r20 = [], [], []
        per_type: dict[str, list[float]] = {}
        for q, rel in qrels.items():
            if not rel:
                continue
            ranking = ev.rank_documents(lib, q, mode, depth)
            keys = [str(d) for d in ranking]
            relk = {str(d) for d in rel}
            aps.append(ev.average_precision(keys, relk))
            nd.append(ev.ndcg_at(keys, relk, 10))
            r20.append(ev.recall_at(keys, relk, 20))
            for t in {types[d] for d in rel}:
                rt = {str(d) for d in rel if types[d] == t}
                per_type.setdefault(t, []).append(ev.recall_at([k for k in keys if types[int(k)] == t], rt, 20))
        n = len(aps) or 1
        result["summary"][mode] = {"MAP": round(sum(aps) / n, 4), "nDCG@10": round(sum(nd) / n, 4),
                                   "R@20": round(sum(r20) / n, 4)}
        result["per_type_recall@20"][mode] = {t: round(sum(v) / len(v), 4) for t, v in sorted(per_type.items())}
    for q, rel in qrels.items():
        result["queries"].append({"query": q, "relevant": len(rel),
                                  "types": sorted({types[d] for d in rel})})
    para = []
    for q, prefix in PARAPHRASES:
        data = run_search(lib, q, k=10)
        rank, hit = next(((i, r) for i, r in enumerate(data["results"], 1)
                          if Path(r["document"]["source"]).name.startswith(prefix)), (None, None))
        para.append({"query": q, "seed": prefix, "rank": rank, "strength": hit and hit["strength"],
                     "close": data["close"], "signals": hit and hit["signals"]})
    result["paraphrases"] = para
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(f"{len(result['queries'])} judged queries over {len(types)} documents (candidates per list: {depth})\n")
    print(f"{'mode':<9}{'MAP':>8}{'nDCG@10':>9}{'R@20':>8}   recall@20 within each type")
    for mode, s in result["summary"].items():
        pt = ", ".join(f"{t} {v:.2f}" for t, v in result["per_type_recall@20"][mode].items())
        print(f"{mode:<9}{s['MAP']:>8.4f}{s['nDCG@10']:>9.4f}{s['R@20']:>8.4f}   {pt}")
    print("\nqueries: relevant documents (types)")
    for e in result["queries"]:
        print(f"  {e['relevant']:>3}  {e['query'][:70]}  ({', '.join(e['types'])})")
    print("\nparaphrases of a seed's concern: rank of the seed's hit, its strength")
    for p in para:
        print(f"  {p['seed']}  rank {p['rank']}  {p['strength']}  {p['signals']}  — {p['query'][:60]}")


if __name__ == "__main__":
    main()
