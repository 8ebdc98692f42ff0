"""The population of the frozen screening test sets (issue 25): a seeded random draw of PFD
reports from the PFD-toolkit CSV (``corpus/pfd/reports.csv``), printed compactly so a person can
read every report and label it for every topic.

How the draw is made (reproducible, independent of the CSV's row order): every row with a URL,
sorted by URL, then ``random.Random(SEED).sample(rows, SIZE)``; the population's order is the
sample's order. A report is named by its URL (``search.evaluate.report_key``: the reference
``id`` is not unique in the CSV and some rows lack one); its reference is shown beside it.

    python -m benchmarks.screening_population                    # print all, compact
    python -m benchmarks.screening_population --start 0 --stop 25
    python -m benchmarks.screening_population --full 17          # one report (by position) in full
    python -m benchmarks.screening_population --write-population FILE   # population.json

This script only draws and prints. It runs no search or screening code and scores nothing.
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import sys
from pathlib import Path

from benchmarks.common import corpus_dir

SEED = 20261208
SIZE = 400


def trim(text: str, n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[:n].rstrip() + " [...]"


def load_rows(csv_path: Path) -> list[dict]:
    with open(csv_path, newline="", encoding="utf-8-sig") as f:
        rows = [r for r in csv.DictReader(f) if (r.get("url") or "").strip()]
    return sorted(rows, key=lambda r: r["url"].strip())


def draw(csv_path: Path, seed: int = SEED, size: int = SIZE) -> list[dict]:
    rows = load_rows(csv_path)
    return random.Random(seed).sample(rows, size)


def compact(i: int, r: dict) -> str:
    return "\n".join([
        f"=== #{i}  ref {r.get('id') or '-'}  {r.get('date')}  {r.get('area')}",
        f"url: {r['url'].strip()}",
        f"INV: {trim(r.get('investigation'), 600)}",
        f"CIRC: {trim(r.get('circumstances'), 900)}",
        f"CONC: {trim(r.get('concerns'), 600)}",
    ])


def full(i: int, r: dict) -> str:
    return "\n".join([f"=== #{i}  ref {r.get('id') or '-'}  {r.get('date')}  {r.get('area')}",
                      f"url: {r['url'].strip()}", f"to: {r.get('receiver')}",
                      f"INV: {r.get('investigation')}", f"CIRC: {r.get('circumstances')}",
                      f"CONC: {r.get('concerns')}"])


def population_record(csv_path: Path, rows: list[dict], seed: int, size: int) -> dict:
    return {
        "source": "corpus/pfd/reports.csv (PFD-toolkit export, shared corpus)",
        "source_sha256": hashlib.sha256(csv_path.read_bytes()).hexdigest(),
        "source_rows_with_url": len(load_rows(csv_path)),
        "seed": seed,
        "size": size,
        "how_drawn": ("rows with a URL sorted by URL; random.Random(seed).sample(rows, size) "
                      "(Python 3.11); order = sample order; benchmarks/screening_population.py"),
        "key": "report URL (search.evaluate.report_key); reference shown beside it, not unique in the CSV",
        "reports": [{"key": r["url"].strip(), "reference": r.get("id") or "", "date": r.get("date") or "",
                     "area": r.get("area") or ""} for r in rows],
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", help="shared folder (default $PRECEDENT_SHARED or ../shared)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--size", type=int, default=SIZE)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--stop", type=int)
    ap.add_argument("--full", type=int, nargs="*", help="print these positions in full")
    ap.add_argument("--write-population", metavar="FILE")
    a = ap.parse_args(argv)
    csv_path = corpus_dir(a.shared) / "pfd" / "reports.csv"
    if not csv_path.is_file():
        sys.exit(f"no reports CSV at {csv_path}")
    rows = draw(csv_path, a.seed, a.size)
    if a.write_population:
        Path(a.write_population).write_text(
            json.dumps(population_record(csv_path, rows, a.seed, a.size), indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8")
        print(f"wrote {a.write_population}: {len(rows)} reports, seed {a.seed}")
        return
    if a.full:
        for i in a.full:
            print(full(i, rows[i]), end="\n\n")
        return
    for i in range(a.start, a.stop if a.stop is not None else len(rows)):
        print(compact(i, rows[i]), end="\n\n")


if __name__ == "__main__":
    main()
