"""How honest the ingest's time-left estimate is on a real run.

Ingests PATHS into a temporary library (the model of $PRECEDENT_MODEL: unset, the real one; the
fake-hashing-384 model for a reader-bound run), records what the worker hears (each file counted,
each document's type, each commit: time, passages, findings; each step after the last document
starting and ending), and then replays that timeline through the product's worker
(``index.ingest.IngestWorker`` with a fake clock: the estimate ``/status.json`` shows, which counts
the documents left *and* the steps after them) against the time the whole ingest really took.
Beside it, the previous estimate (the documents' part only, the recent half's rate) and the
average rate since the first commit. Prints the estimates at each tenth of the work and when each
step starts, and the worst and median relative error of each from the first tenth of the work on
(the worker shows no estimate before every file is read).

    python -m benchmarks.eta_check ../shared/corpus/pfd/reports.csv [more paths]
    python -m benchmarks.eta_check --sample 300 --pdfs 8 --seed 11   # a sample, as kill_resume draws it
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.common import corpus_dir, loadavg


def record(paths: list[Path]) -> dict:
    """Ingest ``paths`` into a temporary library; every progress event with its time."""
    from index.ingest import ingest
    from index.library import open_library

    events: list[tuple[float, str, dict]] = []
    t0 = time.monotonic()

    def progress(event, **kw):
        events.append((time.monotonic() - t0, event, kw))

    with tempfile.TemporaryDirectory() as tmp:
        lib = open_library(Path(tmp) / "lib")
        report = ingest(lib, paths, progress=progress)
        lib.close()
    return {"events": events, "end": time.monotonic() - t0, "added": len(report.added)}


def replay(run: dict, every: float = 2.0) -> list[dict]:
    """The timeline through a worker with a fake clock: every ``every`` seconds, what /status.json
    would say (``eta_s``), the old documents-only estimate and the average since the first commit,
    beside the truth (the ingest's end less now); ``step`` names a step that has just started."""
    from index.ingest import EtaEstimator, IngestWorker

    w = IngestWorker(lib=None, paths=[])
    now = [0.0]
    w.clock = lambda: now[0]
    w.replay()
    old = EtaEstimator()
    first = None
    rows = []
    end = run["end"]
    started = None

    def look(t: float) -> None:
        now[0] = t
        st = w.status()
        if st["eta_s"] is None:
            return
        p, total = st["passages_done"], st["passages_total"]
        since = None
        if first and t > first[0] and p > first[1]:
            since = max(total - p, 0) / ((p - first[1]) / (t - first[0]))
        rows.append({"t": t, "share": p / total if total else 1.0, "truth": end - t, "eta": st["eta_s"],
                     "documents_only": old.eta(t, total), "since_first": since, "step": started})

    steps = {st["name"] for st in w.status()["steps"]}
    grid = every
    for t, event, kw in run["events"]:
        while grid < t:
            look(grid)
            grid += every
        now[0] = t
        if event == "step" and kw.get("name") not in steps:
            continue
        counting = w.status()["counting"] if event == "counted" else False
        w.progress(event, **kw)
        if counting and not w.status()["counting"]:  # the last file counted, as the worker restarts
            old.restart(t)
        if event == "committed":
            old.commit(t, kw["passages"])
            first = first or (t, kw["passages"])
        if event == "step" and kw["state"] == "running":
            started = kw["name"]
            look(t)
            started = None
    while grid < end:
        look(grid)
        grid += every
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*")
    ap.add_argument("--sample", type=int, default=0, help="a sample of this many shared reports (with PDFs and letters)")
    ap.add_argument("--pdfs", type=int, default=8)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--shared", default=None)
    ap.add_argument("--save", help="write the recorded run (every progress event) to this JSON file")
    ap.add_argument("--replay", help="replay a run saved with --save instead of ingesting")
    ap.add_argument("--floor", type=float, default=0.1,
                    help="relative errors count while at least this share of the whole run is left (default 0.1)")
    args = ap.parse_args()
    if args.replay:
        run = json.loads(Path(args.replay).read_text())
        load = run.get("load", "?")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            paths = [Path(p) for p in args.paths]
            if args.sample:
                from benchmarks.kill_resume import sample_input

                paths.append(sample_input(corpus_dir(args.shared), args.sample, args.pdfs, args.seed, Path(tmp) / "in"))
            if not paths:
                ap.error("give PATHS or --sample N")
            load = loadavg()
            run = record(paths)
        run["load"] = f"{load} -> {loadavg()}"
        if args.save:
            Path(args.save).write_text(json.dumps(run, default=str))
    ev = run["events"]
    steps = [(t, kw) for t, e, kw in ev if e == "step" and kw["state"] != "running"]
    docs_end = min((t for t, e, kw in ev if e == "step"), default=run["end"])
    commits = [kw for _, e, kw in ev if e == "committed"]
    read_at = None
    total_files = next((kw["total"] for _, e, kw in ev if e == "files"), 0)
    n = 0
    for t, e, kw in ev:
        if e == "counted":
            n += 1
            if n == total_files:
                read_at = t
                break
    print(f"load {run['load']}; {run['added']} documents, {commits[-1]['passages'] if commits else 0} passages "
          f"in {len(commits)} commits; documents took {docs_end:.0f} s, then {run['end'] - docs_end:.0f} s of steps ("
          + "; ".join(f"{kw['name']} {kw.get('seconds') or 0:.0f} s: {kw.get('detail')}" for _, kw in steps) + ")")
    print(f"every file read and counted at {read_at or 0:.0f} s (no estimate before)")
    rows = replay(run)  # every 2 s of the run
    print(f"{'work':>5} {'elapsed':>8} {'true left':>9} {'status eta':>10} {'docs only':>9} {'since first':>11}")
    names = ("status eta (documents and steps)", "documents only (before)", "average since the first commit")
    errors: dict[str, list[float]] = {n: [] for n in names}
    seconds: dict[str, list[float]] = {n: [] for n in names}
    floor = args.floor * run["end"]
    next_tenth = 1
    for r in rows:
        if r["share"] < 0.1 or r["truth"] <= 0:
            continue
        for name, key in zip(names, ("eta", "documents_only", "since_first")):
            if r[key] is not None:
                seconds[name].append(abs(r[key] - r["truth"]))
                if r["truth"] >= floor:  # near the end a second off is a large share of nothing
                    errors[name].append(abs(r[key] - r["truth"]) / r["truth"])
        if r["step"] or r["share"] >= next_tenth / 10:
            fmt = lambda v: "-" if v is None else f"{v:.0f}s"  # noqa: E731
            print(f"{r['share']:5.0%} {r['t']:7.0f}s {r['truth']:8.0f}s {fmt(r['eta']):>10} {fmt(r['documents_only']):>9}"
                  f" {fmt(r['since_first']):>11}" + (f"  ({r['step']} starts)" if r["step"] else ""))
            if not r["step"]:
                next_tenth = int(10 * r["share"]) + 1
    for name, errs in errors.items():
        if errs:
            print(f"{name}: worst error {max(errs):.0%}, median {statistics.median(errs):.0%} over {len(errs)} "
                  f"estimates (every 2 s) from a tenth of the work on while {args.floor:.0%} of the run ({floor:.0f} s)"
                  f" or more was left; to the end: worst {max(seconds[name]):.0f} s off, median"
                  f" {statistics.median(seconds[name]):.0f} s")


if __name__ == "__main__":
    main()
