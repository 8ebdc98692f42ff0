"""A second labelled set for ranking: the judiciary's report categories (issue 5).

The dev labels (``eval/themes-dev.csv``) are eight long definitions over 237 suicide
reports, so a ranker tuned on them could be tuned to them. The Preventable Deaths
Tracker's ``reports-analysed.csv`` gives every report the judiciary's own category
("Road (Highways Safety) related deaths", "Child Death (from 2015)", …): short queries of
the kind people type, over every kind of report. This script turns that into a qrels file
(query = the category without its date note, relevant = the report's URL; "Other" and the
Wales list are left out: they say where, not what) and scores keyword, dense and hybrid
with ``precedent eval``'s own code.

    python -m benchmarks.category_eval [--shared DIR] [--sample N] [--seed S]
        [--library DIR] [--qrels-out FILE] [--json]

Without --library a library of a seeded sample of N categorised reports (default 500)
is built in a temporary directory with the real model (about 4 minutes for 500). With
--library, the library is used as it is (for instance the full corpus library: every
categorised report it holds is judged, the rest count as not relevant)."""
from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import shared_root

_DATE_NOTE = re.compile(r"\s*\((?:from|\d{4})[^)]*\)")
_NOT_A_TOPIC = ("other", "wales")


def category_query(raw: str) -> str | None:
    """The category as a query: date notes dropped; None for categories that name no topic."""
    q = _DATE_NOTE.sub("", raw).strip()
    if not q or q.lower().startswith(_NOT_A_TOPIC):
        return None
    return q


def category_judgements(reports_csv: Path, tracker_csv: Path) -> tuple[dict[str, set[str]], dict[str, dict]]:
    """({query: report URLs}, {URL: reports.csv row}) for reports in both files, matched on
    URL (trailing slash ignored)."""
    with open(reports_csv, newline="", encoding="utf-8-sig") as f:
        rows = {r["url"].strip().rstrip("/"): r for r in csv.DictReader(f) if r.get("url")}
    qrels: dict[str, set[str]] = {}
    with open(tracker_csv, newline="", encoding="utf-8-sig") as f:
        for t in csv.DictReader(f):
            row = rows.get((t.get("report_url") or "").strip().rstrip("/"))
            if row is None:
                continue
            for part in (t.get("category") or "").split("|"):
                q = category_query(part)
                if q:
                    qrels.setdefault(q, set()).add(row["url"].strip())
    by_url = {r["url"].strip(): r for r in rows.values()}
    return qrels, by_url


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", default=None)
    ap.add_argument("--sample", type=int, default=500, help="categorised reports in the built library")
    ap.add_argument("--seed", type=int, default=5)
    ap.add_argument("--library", default=None, help="use this library as it is instead of building a sample")
    ap.add_argument("--depth", type=int, default=1000)
    ap.add_argument("--qrels-out", default=None, help="also write the judgements as a qrels TSV")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from index.library import open_library
    from search import evaluate as ev

    shared = shared_root(args.shared)
    qrels, by_url = category_judgements(shared / "corpus/pfd/reports.csv", shared / "corpus/pfd/reports-analysed.csv")
    tmp = None
    t0 = time.time()
    if args.library:
        lib = open_library(args.library, create=False)
    else:
        judged = sorted({u for us in qrels.values() for u in us})
        sample = set(random.Random(args.seed).sample(judged, min(args.sample, len(judged))))
        qrels = {q: us & sample for q, us in qrels.items()}
        tmp = tempfile.TemporaryDirectory(prefix="precedent-categories-")
        lib = open_library(Path(tmp.name) / "library")
        labelled = [by_url[u] for u in sorted(sample)]
        print(f"building a library of {len(labelled)} categorised reports …", file=sys.stderr)
        built = ev.build_theme_library(lib, shared / "corpus/pfd/reports.csv", labelled)
        print(f"  {built['added']} documents, {built['passages']} passages in {built['seconds']:.0f}s", file=sys.stderr)
    queries = [ev.Query(q, q, us) for q, us in sorted(qrels.items(), key=lambda kv: -len(kv[1])) if us]
    if args.qrels_out:
        with open(args.qrels_out, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, delimiter="\t")
            w.writerow(["query", "relevant"])
            for q in queries:
                w.writerows([q.text, u] for u in sorted(q.relevant))
    result = ev.evaluate(lib, queries, depth=args.depth)
    result["seconds"] = round(time.time() - t0, 1)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(ev.format_table(result, verbose=True))
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
