"""Pool the documents to judge for a frozen held-out query set (issue 24).

For each query, the union of the top ``--depth`` documents of four systems: plain BM25 (the
baseline ``precedent eval`` reports as ``bm25``: FTS5 over passages, a document scoring the sum of
its two best) and the product's keyword, dense and hybrid document rankings (the order the search
page lists cases), all through ``search.evaluate.rank_documents``. The pool is written in a
shuffled order (seeded by the query id) with NO system names, ranks or scores, so the judge cannot
tell which system found what. Each document carries its library id, the key a judgement names it
by (its URL, else its reference, else its source file name: see ``judgement_key``),
title, type, date, its extracted findings and its text.

    python -m benchmarks.heldout_pool_i24b --library /tmp/i24-lib \\
        --queries benchmarks/heldout/2026-12-07/queries_i24b.json --depth 10 --out /tmp/pool.json

The output holds corpus text: keep it out of git (the judgements, not the pool, are committed).
This script prints no score: the held-out sets are scored once, at the end, by a later session.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

SYSTEMS = ("bm25", "keyword", "dense", "hybrid")


def judgement_key(doc: dict) -> str:
    """The name a judgement gives a document, stable across a rebuild of the library and unique:
    its URL (a PFD-toolkit row's judiciary.uk page: references repeat in that dataset, some rows have
    none), else its reference, else its source file name. ``search.evaluate.document_keys`` holds all
    three, so a qrels file keyed this way scores with ``precedent eval``'s matching."""
    return (doc.get("meta") or {}).get("url") or doc.get("reference") or Path(doc["source"]).name


def pool_query(lib, text: str, depth: int) -> set[int]:
    """The ids of the documents any system ranks in its top ``depth`` for ``text``."""
    from search import evaluate as ev

    found: set[int] = set()
    for mode in SYSTEMS:
        found.update(ev.rank_documents(lib, text, mode)[:depth])
    return found


def pooled_document(lib, doc_id: int) -> dict:
    from search.documents import get_document

    d = get_document(lib, doc_id)
    return {
        "id": doc_id,
        "key": judgement_key(d),
        "reference": d.get("reference"),
        "url": (d.get("meta") or {}).get("url"),
        "title": d.get("title"),
        "type": d.get("type"),
        "date": d.get("date"),
        "findings": [f.get("text") for f in d.get("findings", [])],
        "text": d.get("text") or "",
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--library", required=True, help="an existing library (read, never written)")
    ap.add_argument("--queries", required=True, help='JSON list of {"id", "kind", "text"}')
    ap.add_argument("--depth", type=int, default=10, help="documents taken from each system (default 10)")
    ap.add_argument("--out", required=True, help="where to write the pool (JSON)")
    args = ap.parse_args(argv)
    if args.depth < 1:
        ap.error("--depth must be at least 1")

    from index.library import LibraryError, open_library

    try:
        queries = json.loads(Path(args.queries).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        sys.exit(f"{args.queries}: {e}")
    if not isinstance(queries, list) or not all(isinstance(q, dict) and q.get("id") and q.get("text") for q in queries):
        sys.exit(f"{args.queries}: expected a JSON list of objects with id and text")
    try:
        lib = open_library(args.library, create=False)
    except LibraryError as e:
        sys.exit(str(e))
    out = {"library": str(args.library), "depth": args.depth, "systems": len(SYSTEMS), "queries": []}
    try:
        for q in queries:
            ids = sorted(pool_query(lib, q["text"], args.depth))
            random.Random(q["id"]).shuffle(ids)
            docs = [pooled_document(lib, i) for i in ids]
            out["queries"].append({"id": q["id"], "kind": q.get("kind"), "text": q["text"], "documents": docs})
            print(f"{q['id']}: {len(docs)} documents pooled", file=sys.stderr)
    finally:
        lib.close()
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {args.out}: {len(out['queries'])} queries, "
          f"{sum(len(q['documents']) for q in out['queries'])} pooled documents", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
