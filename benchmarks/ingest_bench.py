"""Benchmark (not a test): build a library from a corpus folder with the real model and
print what it cost.

    .venv/bin/python benchmarks/ingest_bench.py [CORPUS_DIR] [--library DIR] [--sample N]

Prints documents/passages indexed, wall time, ingest throughput in passages/s beside the
raw encode() throughput of the same model on a sample of the same passages in the same
run (their ratio is the pipeline's overhead), library size on disk, peak memory, and
query latency p50/p95 over 100 varied queries."""
from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.ingest import ingest  # noqa: E402
from index.library import open_library  # noqa: E402
from search.query import run_search  # noqa: E402

QUERIES = [
    "information shared at a MARAC meeting was not minuted",
    "risk assessment not completed before discharge",
    "no information sharing between prison and mental health services on release",
    "staff were not trained in the use of the ligature cutter",
    "delay in ambulance response",
    "GP was not told of the hospital discharge",
    "MAPPA level 2 management of a sex offender",
    "observations not carried out on a patient in police custody",
    "lack of professional curiosity by social workers",
    "domestic abuse DASH risk checklist not completed",
    "CAMHS waiting list for a child at risk of suicide",
    "falls risk assessment in a care home",
    "missed opportunity to safeguard a vulnerable adult",
    "medication errors in prison healthcare",
    "agencies worked in silos",
]


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", default=str(ROOT.parent / "shared" / "corpus"))
    ap.add_argument("--library", default=None, help="library dir (default: a fresh temp dir)")
    ap.add_argument("--sample", type=int, default=400, help="passages for the raw encode() figure")
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--queries-only", action="store_true", help="only time queries on an existing --library")
    args = ap.parse_args()

    lib_dir = Path(args.library) if args.library else Path(tempfile.mkdtemp(prefix="precedent-bench-"))
    lib = open_library(lib_dir, model="all-MiniLM-L6-v2")
    lib.embedder.encode(["warm up"])
    out: dict = {}
    if not args.queries_only:
        t0 = time.perf_counter()
        report = ingest(lib, [args.corpus]).summary()
        wall = time.perf_counter() - t0
        rows = lib.store.conn.execute("SELECT text FROM passages ORDER BY random() LIMIT ?", (args.sample,)).fetchall()
        sample = [r[0] for r in rows]
        t1 = time.perf_counter()
        lib.embedder.encode(sample)
        raw = len(sample) / (time.perf_counter() - t1)
        out.update({
            "added": report["added"],
            "failed": report["failed_count"],
            "texts_encoded": report["texts_encoded"],
            "wall_seconds": round(wall, 1),
            "ingest_passages_per_s": round(report["passages"] / wall, 2) if wall else None,
            "ingest_texts_encoded_per_s": round(report["texts_encoded"] / wall, 2) if wall else None,
            "raw_encode_passages_per_s": round(raw, 2),
            "overhead_ratio_raw_over_ingest_passages": round(raw / (report["passages"] / wall), 2)
            if report["passages"] else None,
            "overhead_ratio_raw_over_ingest_texts": round(raw / (report["texts_encoded"] / wall), 2)
            if report["texts_encoded"] else None,
        })
        for f in report["failed"]:
            print(f"failed: {f['path']}: {f['reason']}", file=sys.stderr)
        print(json.dumps(out, indent=2), file=sys.stderr, flush=True)  # kept even if queries fail

    rnd = random.Random(7)
    extra = [r[0] for r in lib.store.conn.execute("SELECT text FROM passages ORDER BY random() LIMIT 200")]
    queries = list(QUERIES)
    while len(queries) < 100 and extra:
        words = extra.pop().split()
        start = rnd.randrange(max(1, len(words) - 12))
        queries.append(" ".join(words[start : start + rnd.randint(4, 12)]))
    lat = []
    for q in queries[:100]:
        t = time.perf_counter()
        run_search(lib, q, k=10)  # the product's query: findings, passages, facets, diversity
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    out.update({
        "documents": lib.store.count("documents"),
        "passages": lib.store.count("passages"),
        "findings": lib.store.count("findings"),
        "actions": lib.store.count("actions"),
        "library_mb": round(du(lib_dir) / 1e6, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "query_ms_p50": round(statistics.median(lat), 1),
        "query_ms_p95": round(lat[int(len(lat) * 0.95) - 1], 1),
        "queries": len(lat),
    })
    print(json.dumps(out, indent=2))
    lib.close()
    if not args.library and not args.keep:
        shutil.rmtree(lib_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
