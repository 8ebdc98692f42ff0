"""Benchmark (not a test): does an ingest killed with SIGKILL and resumed end where a clean one does?

    python -m benchmarks.kill_resume [--reports 150] [--pdfs 8] [--kills 5] [--queries 20] [--seed 28] [--json]

A seeded sample of ``--reports`` rows of the shared ``pfd/reports.csv`` goes into a temporary CSV,
beside copies of a seeded sample of ``--pdfs`` of the shared PDFs (``corpus/pdf``) and the shared
response letters (``pfd/responses.csv``: half as a responses CSV naming their report, half as
plain text letters the linker must place; the reports they answer are put in the sample), so
linking runs after every resume (``--no-responses`` leaves them out).
Library A is built from it by one ``precedent ingest`` (a subprocess, the real model: the default
encoder). Library B gets the same ingest, killed with SIGKILL ``--kills`` times and restarted on the
same library each time, then left to finish. Kill k < K comes when the run's progress bar (stderr)
passes k/K of the documents — those already in the library are passed over quickly,
the rest read, encoded and committed in batches, so a kill lands mid-batch; the last kill comes
when the run reports its first step after the last document (linking, themes). The ingest runs with a
reader process (``PRECEDENT_INGEST_PROCESSES=1``); after each kill the reader must be gone within
5 seconds.

Compared: every stored vector by text hash (how many differ, max abs difference, hashes in one
only), the row counts (documents, passages, findings, actions, links, vectors, themes and their
members, finishing steps done), every link between a response and a report (both by URL or
file, how it was made and its confidence) and the top 10
documents (by URL) of ``--queries`` fixed questions (``search.ranking.rank_documents``, hybrid);
where a top 10 differs, its Jaccard overlap and how many ranks agree. Prints the load average
too: the machine may be shared."""
from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchmarks.common import ROOT, corpus_dir, csv_rows, loadavg, process_gone, child_pids
from index.library import open_library
from index.ledger import responses_by_report
from index.retrieval import all_vectors
from search.evaluate import document_keys
from search.ranking import rank_documents

QUESTIONS = [
    "failure to share information between agencies before the death",
    "risk assessment not completed before discharge from hospital",
    "delay in ambulance response to a cardiac arrest",
    "ligature points on a mental health ward",
    "observations not carried out in police custody",
    "prisoner at risk of suicide not placed on ACCT",
    "GP not told of the hospital discharge",
    "sepsis not recognised in the emergency department",
    "falls in a care home without a falls risk assessment",
    "medication errors and prescribing of opioids",
    "child at risk waiting for CAMHS",
    "road safety on a dangerous junction",
    "lack of beds in an inpatient mental health unit",
    "missed opportunities to safeguard a vulnerable adult",
    "staff not trained in the use of equipment",
    "deaths from drug overdose after release from prison",
    "no escalation of a deteriorating patient (NEWS score)",
    "domestic abuse and multi-agency risk assessment",
    "choking risk and care plans for people with learning disabilities",
    "pressure on 111 and out of hours services",
]
TABLES = ("documents", "passages", "findings", "actions", "links", "vectors", "themes", "theme_members", "post_ingest_done")


def sample_input(corpus: Path, n: int, pdfs: int, seed: int, into: Path, responses: bool = True) -> Path:
    """A folder holding a CSV of ``n`` rows of the shared reports and copies of ``pdfs`` of the
    shared PDFs (reports, responses, inspections), all drawn with ``seed``; with ``responses``, the
    shared response letters too (``sample_responses``) and the reports they answer among the ``n``."""
    into.mkdir(parents=True, exist_ok=True)
    parents = sample_responses(corpus, into) if responses else []
    sample_csv(corpus, n, seed, into, parents)
    every = sorted((corpus / "pdf").rglob("*.pdf"))
    for i, p in enumerate(random.Random(seed).sample(every, min(pdfs, len(every)))):
        shutil.copyfile(p, into / f"{i:02d}_{p.name}")
    return into


def sample_responses(corpus: Path, into: Path) -> list[str]:
    """Every shared response letter (``pfd/responses.csv``), so linking runs after each resume: the
    first half as a responses CSV (their report named by ``parent_id``), the rest as plain text
    letters, whose report only the linker can find. Returns the references of the reports they answer."""
    header, rows = csv_rows(corpus / "pfd" / "responses.csv")
    half = (len(rows) + 1) // 2
    with open(into / "responses.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(rows[:half])
    letters = into / "letters"
    letters.mkdir(exist_ok=True)
    for i, r in enumerate(rows[half:]):
        (letters / f"response_{i:02d}.txt").write_text(r["response"], encoding="utf-8")
    return sorted({r["parent_id"] for r in rows if r.get("parent_id")})


def sample_csv(corpus: Path, n: int, seed: int, into: Path, include=()) -> Path:
    """A CSV of ``n`` rows of the shared reports, drawn with ``seed``, the reports whose ``id`` is in
    ``include`` among them."""
    header, rows = csv_rows(corpus / "pfd" / "reports.csv")
    wanted = [i for i, r in enumerate(rows) if r.get("id") in set(include)][:n]
    rest = [i for i in range(len(rows)) if i not in set(wanted)]
    picked = sorted(wanted + random.Random(seed).sample(rest, min(n - len(wanted), len(rest))))
    path = into / "reports.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=header)
        w.writeheader()
        w.writerows(rows[i] for i in picked)
    return path


def ingest_cmd(library: Path, source: Path) -> list[str]:
    return [sys.executable, str(ROOT / "precedent.py"), "ingest", str(source), "--library", str(library)]


def ingest_env(model: str) -> dict:
    env = dict(os.environ, PRECEDENT_MODEL=model, PRECEDENT_INGEST_PROCESSES="1",
               PYTHONUNBUFFERED="1", TQDM_MININTERVAL="0", TQDM_MINITERS="1")  # every step of the bar
    return env


def clean_build(library: Path, source: Path, env: dict) -> tuple[float, dict]:
    t = time.perf_counter()
    summary = finished(library, source, env)
    return time.perf_counter() - t, summary


def finished(library: Path, source: Path, env: dict) -> dict:
    """One whole ingest: its summary (``--json``; exit 1 is a file that could not be read, listed
    in ``failed``); anything else raises with the end of what it said."""
    r = subprocess.run(ingest_cmd(library, source) + ["--json"], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, errors="replace")
    try:
        summary = json.loads(r.stdout)
    except ValueError:
        summary = None
    if r.returncode not in (0, 1) or summary is None or (r.returncode == 1 and not summary.get("failed_count")):
        tail = [x for x in r.stderr.replace("\r", "\n").splitlines() if x.strip() and " [" not in x][-8:]
        raise RuntimeError(f"ingest into {library} exited {r.returncode}: " + " | ".join(tail))
    return summary


class Watched:
    """An ingest subprocess whose progress bar (stderr) is followed by a thread: ``position`` is the
    documents it has gone through (those already in the library included), ``finishing`` whether it
    has begun the steps after the last document (linking, themes)."""

    BAR = re.compile(r"(\d+)/\d+ \[")

    def __init__(self, cmd: list[str], env: dict):
        self.proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        self.position = 0
        self.finishing = False
        self.tail: list[str] = []
        threading.Thread(target=self._follow, daemon=True).start()

    def _follow(self) -> None:
        buf = b""
        while chunk := self.proc.stderr.read1(4096):
            *lines, buf = re.split(rb"[\r\n]", buf + chunk)
            for line in lines:
                text = line.decode("utf-8", "replace")
                if m := self.BAR.search(text):
                    self.position = int(m.group(1))
                elif text.strip():
                    self.finishing = self.finishing or text.endswith("documents …")
                    self.tail = (self.tail + [text])[-5:]


def killed_build(library: Path, source: Path, env: dict, total: int, kills: int,
                 limit_s: float = 1800) -> tuple[list[dict], float, dict]:
    """Build ``library`` with ``kills`` SIGKILLs, restarting each time; then let it finish.
    Returns (one record per kill, the wall time of the final run, its summary)."""
    done: list[dict] = []
    for k in range(1, kills + 1):
        target = -(-total * k // kills)
        run = Watched(ingest_cmd(library, source), env)
        t0 = time.perf_counter()
        readers: set[int] = set()
        while run.proc.poll() is None and time.perf_counter() - t0 < limit_s:
            readers |= child_pids(run.proc.pid)
            if (run.finishing if k == kills else run.position >= target):
                break
            time.sleep(0.02)
        readers |= child_pids(run.proc.pid)
        record = {"kill": k, "target": "finishing" if k == kills else target, "position": run.position}
        if run.proc.poll() is not None:  # it finished before the kill point
            done.append({**record, "killed": False, "exit": run.proc.returncode, "tail": run.tail})
            return done, 0.0, {}
        os.kill(run.proc.pid, signal.SIGKILL)
        run.proc.wait(timeout=30)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and not all(process_gone(p) for p in readers):
            time.sleep(0.1)
        done.append({**record, "killed": True, "after_s": round(time.perf_counter() - t0, 1),
                     "committed": committed_documents(library), "children": len(readers),
                     "children_alive": sum(not process_gone(p) for p in readers)})
    t = time.perf_counter()
    summary = finished(library, source, env)
    return done, time.perf_counter() - t, summary


def committed_documents(library: Path) -> int:
    lib = open_library(library, create=False)
    try:
        return lib.store.count("documents")
    finally:
        lib.close()


def snapshot(library: Path, questions: list[str]) -> dict:
    """What two builds are compared on: vectors by text hash, row counts, each question's top 10 (URLs)."""
    lib = open_library(library, create=False)
    try:
        keys = {i: min(ks, key=lambda k: (not k.startswith("http"), k)) for i, ks in document_keys(lib).items()}
        links = sorted((keys[report], keys[r["id"]], r["via"], round(float(r["confidence"]), 4))
                       for report, rs in responses_by_report(lib).items() for r in rs)
        return {"vectors": all_vectors(lib.store), "counts": {t: lib.store.count(t) for t in TABLES},
                "links": links, "top": {q: [keys[d] for d, _ in rank_documents(lib, q)[:10]] for q in questions}}
    finally:
        lib.close()


def compare(a: dict, b: dict) -> dict:
    common = a["vectors"].keys() & b["vectors"].keys()
    diffs = [float(abs(a["vectors"][h] - b["vectors"][h]).max()) for h in common]
    top = {}
    for q, ta in a["top"].items():
        tb = b["top"][q]
        if ta != tb:
            top[q] = {"jaccard": round(len(set(ta) & set(tb)) / max(1, len(set(ta) | set(tb))), 3),
                      "same_rank": sum(x == y for x, y in zip(ta, tb))}
    return {"vectors_compared": len(common), "vectors_only_clean": len(a["vectors"].keys() - common),
            "vectors_only_killed": len(b["vectors"].keys() - common),
            "vectors_differing": sum(d > 0 for d in diffs), "max_abs_diff": max(diffs, default=0.0),
            "links_clean": len(a["links"]), "links_killed": len(b["links"]), "links_equal": a["links"] == b["links"],
            "links_only_clean": len(set(a["links"]) - set(b["links"])),
            "links_only_killed": len(set(b["links"]) - set(a["links"])),
            "counts_clean": a["counts"], "counts_killed": b["counts"], "counts_equal": a["counts"] == b["counts"],
            "top10_equal": len(a["top"]) - len(top), "queries": len(a["top"]), "top10_differing": top}


def run(reports: int = 150, kills: int = 5, queries: int = 20, seed: int = 28, shared: str | None = None, pdfs: int = 8,
        model: str = "all-MiniLM-L6-v2", work: Path | None = None, responses: bool = True) -> dict:
    """The whole check; returns its figures (``compare``'s, the kills, the timings, the load)."""
    with tempfile.TemporaryDirectory(prefix="kill_resume_", dir=work) as tmp:
        tmp = Path(tmp)
        source = sample_input(corpus_dir(shared), reports, pdfs, seed, tmp / "input", responses)
        env = ingest_env(model)
        out = {"reports": reports, "pdfs": pdfs, "seed": seed, "responses": responses, "load_before": loadavg()}
        wall, summary = clean_build(tmp / "A", source, env)
        out.update({"clean_wall_s": round(wall, 1), "failed_files": sorted(Path(f["path"]).name for f in summary["failed"])})
        a = snapshot(tmp / "A", QUESTIONS[:queries])
        kill_log, final_s, last = killed_build(tmp / "B", source, env, a["counts"]["documents"], kills)
        out.update({"kills": kill_log, "final_run_s": round(final_s, 1), "load_after": loadavg(),
                    "failed_files_killed": sorted(Path(f["path"]).name for f in last.get("failed", []))})
        out.update(compare(a, snapshot(tmp / "B", QUESTIONS[:queries])))
        return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reports", type=int, default=150)
    ap.add_argument("--kills", type=int, default=5)
    ap.add_argument("--queries", type=int, default=20, help=f"at most {len(QUESTIONS)}")
    ap.add_argument("--pdfs", type=int, default=8, help="shared PDFs beside the CSV (read in the reader process)")
    ap.add_argument("--no-responses", dest="responses", action="store_false",
                    help="leave out the shared response letters (then no linking is compared)")
    ap.add_argument("--seed", type=int, default=28)
    ap.add_argument("--shared", default=None)
    ap.add_argument("--model", default="all-MiniLM-L6-v2")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not 1 <= args.queries <= len(QUESTIONS) or args.kills < 1 or args.reports < 1:
        ap.error(f"--queries takes 1..{len(QUESTIONS)}; --kills and --reports at least 1")
    out = run(args.reports, args.kills, args.queries, args.seed, args.shared, args.pdfs, args.model,
              responses=args.responses)
    if args.json:
        print(json.dumps(out, indent=1))
        return
    print(f"load {out['load_before']} -> {out['load_after']}; {out['reports']} reports and {out['pdfs']} PDFs"
          f"{' and the shared response letters' if out['responses'] else ''} (seed {out['seed']})")
    print(f"clean build {out['clean_wall_s']} s; final resumed run {out['final_run_s']} s; files that could not be"
          f" read: clean {out['failed_files']}, resumed {out['failed_files_killed']}")
    for k in out["kills"]:
        print(f"  kill {k['kill']} at {k['target']} (bar at {k['position']}): "
              + (f"killed after {k['after_s']} s with {k['committed']} documents committed; child processes "
                 f"{k['children']}, alive 5 s later {k['children_alive']}" if k["killed"]
                 else f"finished first (exit {k['exit']}; {k['tail']})"))
    print(f"counts equal {out['counts_equal']}: clean {out['counts_clean']} killed {out['counts_killed']}")
    print(f"links equal {out['links_equal']}: clean {out['links_clean']}, killed {out['links_killed']}; only clean "
          f"{out['links_only_clean']}, only killed {out['links_only_killed']}")
    print(f"vectors: {out['vectors_compared']} compared, {out['vectors_differing']} differ, max abs diff "
          f"{out['max_abs_diff']:.3g}; only clean {out['vectors_only_clean']}, only killed {out['vectors_only_killed']}")
    print(f"top 10 equal for {out['top10_equal']}/{out['queries']} queries")
    for q, d in out["top10_differing"].items():
        print(f"  {q!r}: jaccard {d['jaccard']}, same rank {d['same_rank']}/10")


if __name__ == "__main__":
    main()
