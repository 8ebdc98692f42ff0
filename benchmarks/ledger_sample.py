"""Draw the ledger sample of issue 26 (run once, before the ledger was changed).

``python -m benchmarks.ledger_sample --library /work/libs/full-base --n 90 --seed 26 --out POOL.json``

Every row the commitments ledger lists on a whole-corpus library (``search.ledger.all_commitments``),
a seeded random sample of ``n`` of them, each with what the ledger said then (kind, owner,
organisations, due date) and the document it comes from under a key that survives a rebuild
(``document_key``: a letter's URL, a report's reference, else the source file's name). The rows
were then labelled by hand by reading their sources and split, by ``random.Random(seed + 1)``,
into a development half and a held-out half (``benchmarks/ledger_eval.py`` scores either).
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path


def document_key(doc: dict) -> str:
    url = (doc.get("meta") or {}).get("url")
    if url:
        return url
    if doc.get("reference") and doc.get("type") == "pfd_report":
        return doc["reference"]
    return Path(doc["source"]).name


def main(argv: list[str] | None = None) -> None:
    from index.library import open_library
    from search.ledger import list_commitments

    ap = argparse.ArgumentParser()
    ap.add_argument("--library", required=True)
    ap.add_argument("--n", type=int, default=90)
    ap.add_argument("--seed", type=int, default=26)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    lib = open_library(a.library)
    rows = list_commitments(lib, as_of="2026-12-08")["commitments"]
    docs = {d["id"]: d for d in lib.store.documents()}
    rows.sort(key=lambda r: r["id"])
    pick = random.Random(a.seed).sample(rows, min(a.n, len(rows)))
    out = []
    for r in pick:
        d = docs[r["document_id"]]
        out.append({"document_key": document_key(d), "document_type": r["document_type"],
                    "document_title": r["document_title"], "text": r["text"],
                    "was": {"kind": r["kind"], "owner": r["owner"], "organisations": [o["name"] for o in r["organisations"]],
                            "due": r["due"], "due_text": r["due_text"], "status": r["status"], "overdue": r["overdue"]}})
    Path(a.out).write_text(json.dumps({"library_rows": len(rows), "seed": a.seed, "rows": out}, indent=1,
                                      ensure_ascii=False))
    print(f"{len(out)} of {len(rows)} ledger rows -> {a.out}")


if __name__ == "__main__":
    main()
