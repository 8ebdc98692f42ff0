"""How promptly /status.json answers while an ingest's theme build runs in the same server.

Builds themes (``index.themes.fit_themes``, what the ingest's ``themes`` step runs) over N
findings — the concerns of the shared corpus's PFD reports, cut into sentences, with the hashing
embedder's vectors — on a background thread, while the main thread asks a test client of a small
library for /status.json every 50 ms; prints the slowest and 95th-percentile answer (from when it was due) and the
build's time, with clustering in a child process (the product: ``cluster.OFFLOAD_ROWS``) and,
for comparison, in the server's own process.

    python -m benchmarks.status_latency [--n 8000] [--shared DIR]
"""
from __future__ import annotations

import argparse
import re
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.common import corpus_dir, csv_rows, pct


def findings(n: int, shared: str | None) -> tuple[list[str], list[int]]:
    _, rows = csv_rows(corpus_dir(shared) / "pfd" / "reports.csv")
    texts, docs = [], []
    for d, row in enumerate(rows):
        for s in re.split(r"(?<=[.;])\s+(?=[A-Z0-9(])", row.get("concerns") or ""):
            if len(s.split()) >= 8:
                texts.append(s)
                docs.append(d)
                if len(texts) >= n:
                    return texts, docs
    return texts, docs


def probe(client, build) -> dict:
    done, out = threading.Event(), {}

    def run():
        t = time.perf_counter()
        build()
        out["build_s"] = time.perf_counter() - t
        done.set()

    th = threading.Thread(target=run)
    th.start()
    waits = []
    due = time.perf_counter()
    while not done.is_set():
        assert client.get("/status.json").status_code == 200
        end = time.perf_counter()
        waits.append(end - due)  # from when it was asked for: a thread holding the GIL delays the wake-up too
        time.sleep(0.05)
        due = end + 0.05
    th.join()
    return {"requests": len(waits), "max_s": max(waits), "p95_s": pct(waits, 95), "build_s": out["build_s"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=8000, help="findings to build themes over")
    ap.add_argument("--shared", default=None)
    args = ap.parse_args()

    from index.encoders.embed import HashingEmbedder
    from index.library import open_library
    from index.themes import cluster as core
    from webui import create_app

    texts, docs = findings(args.n, args.shared)
    vecs = HashingEmbedder().encode(texts)
    with tempfile.TemporaryDirectory() as tmp:
        lib = open_library(Path(tmp) / "lib", model="fake-hashing-384")
        client = create_app({"TESTING": True, "LIBRARY": lib}).test_client()
        print(f"themes over {len(texts)} findings; /status.json asked every 50 ms meanwhile")
        offload = core.OFFLOAD_ROWS
        for label, rows in (("clustering in a child process", offload), ("clustering in the server process", 10 ** 9)):
            core.OFFLOAD_ROWS = rows
            r = probe(client, lambda: core.fit_themes(texts, vecs, documents=docs))
            print(f"{label:34s} slowest answer {r['max_s']:6.2f} s, p95 {r['p95_s']:5.2f} s over {r['requests']}"
                  f" requests; build {r['build_s']:.1f} s")
        core.OFFLOAD_ROWS = offload
        lib.close()


if __name__ == "__main__":
    main()
