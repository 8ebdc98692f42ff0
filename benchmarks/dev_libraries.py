"""Build the development libraries the ranking benchmarks read (real model), into DIR:

* ``DIR/categories``: a seeded sample of categorised PFD reports (benchmarks/category_eval.py's
  sample: ``--sample`` 500, seed 5), for ``--cat-library``;
* ``DIR/cross``: the seeds, the first ``--ofsted`` Ofsted inspection PDFs (by name) and a seeded
  sample of ``--pfd`` PFD reports, for ``--cross-library`` (cross_type_eval.py's judged queries
  read any library holding the seeds).

The dev-themes library is ``precedent eval --themes ... --library DIR/dev``'s. Each library is
skipped when it already holds documents.

    python -m benchmarks.dev_libraries DIR [--sample 500] [--ofsted 20] [--pfd 300]
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import shared_root


def categories(out: Path, sample: int, seed: int) -> None:
    from benchmarks.category_eval import category_judgements
    from index.library import open_library
    from search import evaluate as ev

    shared = shared_root()
    lib = open_library(out)
    if lib.store.count("documents"):
        return
    qrels, by_url = category_judgements(shared / "corpus/pfd/reports.csv", shared / "corpus/pfd/reports-analysed.csv")
    judged = sorted({u for us in qrels.values() for u in us})
    chosen = set(random.Random(seed).sample(judged, min(sample, len(judged))))
    t0 = time.time()
    ev.build_theme_library(lib, shared / "corpus/pfd/reports.csv", [by_url[u] for u in sorted(chosen)])
    print(f"categories: {lib.store.count('documents')} documents in {time.time() - t0:.0f}s", file=sys.stderr)


def cross(out: Path, ofsted: int, pfd: int, seed: int) -> None:
    from index.ingest import ingest
    from index.library import open_library

    shared = shared_root()
    lib = open_library(out)
    if lib.store.count("documents"):
        return
    pdfs = sorted((shared / "corpus/pdf/ofsted").glob("*.pdf"))[:ofsted]
    csv.field_size_limit(1 << 30)
    with open(shared / "corpus/pfd/reports.csv", newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        fields, rows = reader.fieldnames, list(reader)
    picked = random.Random(seed).sample(rows, min(pfd, len(rows)))
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="precedent-cross-") as tmp:
        sample = Path(tmp) / "pfd-sample.csv"
        with open(sample, "w", newline="", encoding="utf-8") as g:
            w = csv.DictWriter(g, fieldnames=fields)
            w.writeheader()
            w.writerows(picked)
        ingest(lib, [shared / "corpus/seeds", *pdfs, sample])
    print(f"cross: {lib.store.count('documents')} documents in {time.time() - t0:.0f}s", file=sys.stderr)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir")
    ap.add_argument("--sample", type=int, default=500)
    ap.add_argument("--ofsted", type=int, default=20)
    ap.add_argument("--pfd", type=int, default=300)
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()
    root = Path(args.dir)
    root.mkdir(parents=True, exist_ok=True)
    categories(root / "categories", args.sample, args.seed)
    cross(root / "cross", args.ofsted, args.pfd, args.seed)


if __name__ == "__main__":
    main()
