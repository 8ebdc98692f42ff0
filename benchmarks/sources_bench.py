"""Benchmark (not a test): what replacing and removing documents costs in a library of N
reports written as text files (index/ingest/sources.py).

    PRECEDENT_MODEL=fake-hashing-384 .venv/bin/python -m benchmarks.sources_bench [--reports 1000] [--json]

Builds a library from the first N reports of the shared reports CSV (one text file each),
then times: a re-ingest of the unchanged folder; a re-ingest after one file was edited (the
new version replaces the old: one document re-read and embedded, the old one's rows deleted,
both FAISS indexes rebuilt from the store); `remove_documents` of one document (rows and
FAISS rebuild); an `ingest --sync` after one file was deleted. Each also checks the FAISS
indexes hold exactly the store's rows afterwards."""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from benchmarks.common import corpus_dir, csv_rows
from index.ingest import documents_for, ingest, remove_documents
from index.library import open_library


def _check(lib) -> bool:
    return lib.passages.ntotal == lib.store.count("passages") and lib.findings.ntotal == lib.store.count("findings")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=1000)
    ap.add_argument("--corpus", default=None)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    _, rows = csv_rows(corpus_dir(a.corpus) / "pfd" / "reports.csv")
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "reports"
        folder.mkdir()
        for i, r in enumerate(rows[: a.reports]):
            text = "\n\n".join(r.get(k) or "" for k in ("investigation", "circumstances", "concerns"))
            (folder / f"r{i:05d}.txt").write_text(f"REGULATION 28 REPORT TO PREVENT FUTURE DEATHS\n\n{text}\n")
        lib = open_library(Path(tmp) / "lib")
        t = time.perf_counter()
        s = ingest(lib, [folder]).summary()
        out["build_s"] = round(time.perf_counter() - t, 2)
        out["documents"], out["passages"] = lib.store.count("documents"), lib.store.count("passages")

        def timed(name: str, fn) -> dict:
            t0 = time.perf_counter()
            res = fn()
            out[f"{name}_s"] = round(time.perf_counter() - t0, 3)
            out[f"{name}_faiss_matches_store"] = _check(lib)
            return res

        timed("reingest_unchanged", lambda: ingest(lib, [folder]))
        f = folder / "r00003.txt"
        f.write_text(f.read_text() + "\n\nA further concern: the discharge letter never reached the GP.\n")
        s = timed("reingest_one_edited", lambda: ingest(lib, [folder]).summary())
        out["replaced"] = s["replaced"]
        one = documents_for(lib, [str(folder / "r00007.txt")])[0]
        timed("remove_one", lambda: remove_documents(lib, one))
        (folder / "r00011.txt").unlink()
        s = timed("sync_one_deleted", lambda: ingest(lib, [folder], sync=True).summary())
        out["removed_by_sync"] = s["removed"]
        out["documents_after"] = lib.store.count("documents")
        lib.close()
    if a.json:
        print(json.dumps(out, indent=2))
    else:
        for k, v in out.items():
            print(f"{k:36} {v}")


if __name__ == "__main__":
    main()
