"""How honest the ingest's time-left estimate is on a real run.

Ingests PATHS into a temporary library (the model of $PRECEDENT_MODEL, e.g. fake-hashing-384 for
a reader-bound run, or the real one), records each commit (time, passages committed), and then
replays the timeline through the product's estimator (``index.ingest.EtaEstimator``: the rate
over the recent half of the passages committed since every file was read) and through the previous one (the average rate since the
first commit), against the time the documents really took. Prints both estimates at each tenth
of the work once every file is read (the worker shows no estimate before), and the worst relative
error of each from then and the first tenth on.

    PRECEDENT_MODEL=fake-hashing-384 python -m benchmarks.eta_check ../shared/corpus
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args()

    from index.ingest import EtaEstimator, ingest
    from index.library import open_library

    commits: list[tuple[float, int]] = []
    t0 = time.monotonic()
    done_at = [None]
    steps: list[str] = []
    files = {"total": None, "counted": 0, "at": None}  # when the reader had read every file

    def progress(event, **kw):
        if event == "files":
            files["total"] = kw["total"]
        elif event == "counted":
            files["counted"] += 1
            if files["counted"] == files["total"]:
                files["at"] = time.monotonic() - t0
        elif event == "committed":
            commits.append((time.monotonic() - t0, kw["passages"]))
        elif event == "step":
            if done_at[0] is None:
                done_at[0] = time.monotonic() - t0  # the documents' part ends where the steps begin
            if kw["state"] != "running":
                steps.append(f"{kw['name']} {kw['state']} in {kw.get('seconds') or 0:.0f} s ({kw.get('detail')})")

    with tempfile.TemporaryDirectory() as tmp:
        lib = open_library(Path(tmp) / "lib")
        report = ingest(lib, [Path(p) for p in args.paths], progress=progress)
        lib.close()
    end = done_at[0] or commits[-1][0]
    total = commits[-1][1]
    print(f"{len(report.added)} documents, {total} passages in {len(commits)} commits; documents took {end:.0f} s"
          f" (then {time.monotonic() - t0 - end:.0f} s of steps after the last document: {'; '.join(steps)})")
    print(f"every file read and counted at {files['at'] or 0:.0f} s (the worker shows no estimate before)")
    est = EtaEstimator()
    restarted = False
    worst = {"recent half": 0.0, "since first commit": 0.0}
    next_tenth = 1
    print(f"{'work':>5} {'elapsed':>8} {'true left':>9} {'recent half':>12} {'since first':>12}")
    for t, p in commits:
        if not restarted and files["at"] is not None and t >= files["at"]:
            est.restart(files["at"])  # as the worker does
            restarted = True
        est.commit(t, p)
        if p >= total or p < total / 10 or (files["at"] is not None and t < files["at"]):
            continue
        truth = end - t
        new = est.eta(t, total)
        first_t, first_p = commits[0]
        old = (total - p) / ((p - first_p) / (t - first_t)) if t > first_t and p > first_p else None
        for name, v in (("recent half", new), ("since first commit", old)):
            if v is not None and truth > 0:
                worst[name] = max(worst[name], abs(v - truth) / truth)
        if p >= next_tenth * total / 10:
            print(f"{p / total:5.0%} {t:7.0f}s {truth:8.0f}s {new if new is not None else '-':>11}s"
                  f" {round(old) if old is not None else '-':>11}s")
            next_tenth = int(10 * p / total) + 1
    for name, w in worst.items():
        print(f"worst error from a tenth of the work (and every file read) on, {name}: {w:.0%}")


if __name__ == "__main__":
    main()
