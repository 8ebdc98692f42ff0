"""Pool documents for judging a held-out query set (issue 24): for each query, the union of
the top ``--depth`` documents of four systems — plain BM25 (``precedent eval``'s baseline:
FTS5 BM25 over the passages, a document scoring the sum of its two best) and the product's
keyword, dense and hybrid document rankings (``search.ranking.rank_documents``, the order the
search page lists cases, with the page's pool of candidates).

The pool is written for a judge who must not know which system found what: each query's
documents in a shuffled order (seeded by the query id, so a rerun gives the same file), with
no system names, ranks or scores. Each document carries its stable key (what a qrels file
names it by: its reference, else its URL, else its source file name — all names
``search.evaluate.document_keys`` accepts), its library id, reference, title, type, date,
recipients, its extracted findings (concerns) and its text to read. Documents sharing a key
(the CSV row and the PDF of one report) are pooled once.

The pool holds document text: write it outside the repository (the shared corpus is never
committed); the judgements (``qrels``) name documents by key only. This script prints no
score of any system: a held-out set is scored once, at the end.

    python -m benchmarks.heldout_pool --library DIR --queries FILE --depth 10 --out FILE
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

SYSTEMS = ("bm25", "keyword", "dense", "hybrid")  # search.evaluate's modes: the baseline and the product's three
PAGE_POOL = 100  # candidates per list the search page ranks (search.ranking.ranker.POOL)
BM25_PASSAGES = 1000  # passages the baseline reads before summing each document's two best


def stable_key(doc: dict) -> str:
    """The name a judgement gives a document, one that survives a rebuild of the library:
    its reference (a PFD report), else its URL, else its source file name."""
    url = (doc.get("meta") or {}).get("url")
    return doc.get("reference") or url or Path(doc["source"] or "").name or f"#doc:{doc['id']}"


def system_top(lib, text: str, system: str, depth: int) -> list[int]:
    """The top ``depth`` document ids of one system for one query."""
    from search import evaluate as ev

    pool = BM25_PASSAGES if system == ev.BASELINE else PAGE_POOL
    return ev.rank_documents(lib, text, system, depth=pool)[:depth]


def judging_record(lib, doc_id: int, text_chars: int) -> dict:
    """What the judge reads of one document."""
    from search.documents import get_document

    d = get_document(lib, doc_id)
    meta = d.get("meta") or {}
    return {
        "id": doc_id,
        "key": stable_key(d),
        "reference": d.get("reference"),
        "title": d.get("title"),
        "type": d.get("type"),
        "date": d.get("date"),
        "recipients": meta.get("recipients"),
        "findings": [" ".join((f.get("text") or "").split()) for f in d.get("findings", [])],
        "text": d["text"] if text_chars <= 0 else d["text"][:text_chars],
        "chars": len(d["text"]),
    }


def pool_query(lib, query: dict, depth: int, text_chars: int, keys_of: dict[int, str]) -> dict:
    seen: dict[str, int] = {}
    for system in SYSTEMS:
        for doc_id in system_top(lib, query["text"], system, depth):
            seen.setdefault(keys_of[doc_id], doc_id)  # one entry per key: its first-found document
    order = sorted(seen)  # a fixed order before the seeded shuffle, so no system's ranking shows
    random.Random(query["id"]).shuffle(order)
    return {**query, "pooled": len(order), "documents": [judging_record(lib, seen[k], text_chars) for k in order]}


def load_queries(path: Path) -> list[dict]:
    """[{"id", "kind", "text"}]; a file without them, or with a repeated id, is refused."""
    try:
        queries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        sys.exit(f"{path}: cannot read the queries: {e}")
    if not isinstance(queries, list) or not all(isinstance(q, dict) and q.get("id") and q.get("text") for q in queries):
        sys.exit(f"{path}: expected a JSON list of {{\"id\", \"kind\", \"text\"}}")
    ids = [q["id"] for q in queries]
    if len(set(ids)) != len(ids):
        sys.exit(f"{path}: repeated query ids")
    return queries


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--library", required=True, type=Path, help="the library to pool from (opened, never written to by this script)")
    ap.add_argument("--queries", required=True, type=Path, help="JSON list of {id, kind, text}")
    ap.add_argument("--depth", type=int, default=10, help="documents per system per query (issue 24 asks 30)")
    ap.add_argument("--text-chars", type=int, default=0, help="keep only the first N characters of each text (0: all)")
    ap.add_argument("--out", required=True, type=Path, help="the pool (JSON, holds document text: keep it out of git)")
    a = ap.parse_args(argv)
    if a.depth < 1:
        ap.error("--depth must be at least 1")
    from index.library import LibraryError, open_library
    from search import evaluate as ev

    queries = load_queries(a.queries)
    try:
        lib = open_library(a.library, create=False)
    except LibraryError as e:
        sys.exit(str(e))
    try:
        keys_of = {d["id"]: stable_key(d) for d in lib.store.documents()}
        names = ev.document_keys(lib)
        unread = [k for i, k in keys_of.items() if k not in names.get(i, set()) and not k.startswith("#doc:")]
        if unread:
            sys.exit(f"stable keys search.evaluate cannot read back: {unread[:5]}")
        pooled = [pool_query(lib, q, a.depth, a.text_chars, keys_of) for q in queries]
    finally:
        lib.close()
    out = {"library": str(a.library), "documents": len(keys_of), "depth": a.depth, "systems": len(SYSTEMS),
           "queries": pooled}
    a.out.write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    sizes = [q["pooled"] for q in pooled]
    print(f"{len(pooled)} queries pooled from {len(keys_of)} documents at depth {a.depth} x {len(SYSTEMS)} systems: "
          f"{sum(sizes)} documents to judge ({min(sizes, default=0)}-{max(sizes, default=0)} per query) -> {a.out}")


if __name__ == "__main__":
    main()
