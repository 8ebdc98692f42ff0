"""Benchmark (not a test): concurrent searches against a real server on 127.0.0.1.

    .venv/bin/python -m benchmarks.load_bench --library LIBRARY [--clients 8] [--searches 150]
    .venv/bin/python -m benchmarks.load_bench --scale-from SEED --passages 30000 [--work DIR] ...

Starts ``precedent serve`` (waitress, its default 4 threads) on a free port, then N client
threads each send M varied searches (``/search.json``: domain questions, phrases cut from the
library's own passages, filters by type and date, hybrid / keyword / dense modes, k 5–50)
over keep-alive connections. Prints errors (any answer but 200 with results, or a timeout),
latency p50 / p95 / max, throughput, the server's resident memory (sampled every 0.25 s:
start, peak, end) and the machine's load average and core count, which the figures depend on.

``--long Q`` adds a second phase: Q searches of 100,000 characters (runs of the library's own
passages, so thousands of distinct words) are sent at once, and the
N clients run ``--long-searches`` ordinary searches beside them; its p95 shows whether long
queries stall everyone (the server cuts a query to 2,000 characters).

Bounded: N x M requests, each with a ``--timeout`` (default 60 s), the whole run stopped
after ``--max-seconds`` (default 1,200 s). ``--scale-from`` builds a library of ``--passages``
passages from a small real-model library with ``scale_bench.build_library`` (texts copied,
vectors perturbed; nothing embedded), kept in ``--work`` for the next run."""
from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from benchmarks.common import ROOT, free_port, pct, peak_rss_mb, rss_mb
from benchmarks.scale_bench import QUERIES, build_library

TYPES = ["pfd_report", "pfd_response", "action_plan", "inspection", "minutes"]


def phrases_from(library: Path, n: int, rng: random.Random) -> list[str]:
    """Runs of 3–10 words cut from random passages of the library (read-only)."""
    con = sqlite3.connect(f"file:{library / 'precedent.sqlite'}?mode=ro", uri=True)
    try:
        top = con.execute("SELECT MAX(id) FROM passages").fetchone()[0] or 0
        out = []
        for _ in range(n * 3):
            if len(out) >= n or not top:
                break
            row = con.execute("SELECT text FROM passages WHERE id >= ? LIMIT 1", (rng.randint(1, top),)).fetchone()
            words = [w.strip(".,;:()\"'") for w in (row[0] if row else "").split()]
            words = [w for w in words if w]
            if len(words) >= 4:
                s = rng.randrange(0, max(1, len(words) - 10))
                out.append(" ".join(words[s:s + rng.randint(3, 10)]))
        return out
    finally:
        con.close()


def make_requests(library: Path, count: int, seed: int) -> list[str]:
    """``count`` varied /search.json paths."""
    rng = random.Random(seed)
    pool = list(QUERIES) + phrases_from(library, 300, rng)
    out = []
    for _ in range(count):
        q = rng.choice(pool)
        r = rng.random()
        if r < 0.08:
            q = f'"{" ".join(q.split()[:2])}" {q}'  # a quoted phrase
        params = {"q": q, "k": str(rng.choice([5, 10, 10, 10, 20, 50]))}
        r = rng.random()
        if r < 0.12:
            params["mode"] = "keyword"
        elif r < 0.24:
            params["mode"] = "dense"
        if rng.random() < 0.15:
            params["type"] = rng.choice(TYPES)
        if rng.random() < 0.15:
            params["date_from"] = str(rng.randint(2013, 2024))
        out.append("/search.json?" + urllib.parse.urlencode(params))
    return out


class Server:
    def __init__(self, library: Path, port: int, threads: int, log: Path):
        self.port = port
        self.log = open(log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "precedent.py"), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--threads", str(threads), "--library", str(library)],
            stdout=self.log, stderr=subprocess.STDOUT, env=dict(os.environ, PYTHONUNBUFFERED="1"), cwd=str(ROOT))
        self.rss: list[float] = []
        self._stop = threading.Event()

    def wait_ready(self, seconds: float) -> float:
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                c.request("GET", "/search.json?q=warm+up")
                c.getresponse().read()
                return time.perf_counter() - t0
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"server did not answer within {seconds:.0f} s")

    def sample(self) -> None:
        def run():
            while not self._stop.is_set():
                try:
                    self.rss.append(rss_mb(self.proc.pid))
                except OSError:
                    return
                self._stop.wait(0.25)
        threading.Thread(target=run, daemon=True).start()

    def stop(self) -> None:
        self._stop.set()
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def run_clients(port: int, paths: list[str], clients: int, timeout: float, deadline: float) -> dict:
    """Each client takes every ``clients``-th path, in order, on its own keep-alive connection."""
    times: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        for path in paths[i::clients]:
            if time.time() > deadline:
                with lock:
                    errors["not sent (time limit)"] = errors.get("not sent (time limit)", 0) + 1
                continue
            t = time.perf_counter()
            try:
                conn.request("GET", path)
                r = conn.getresponse()
                body = r.read()
                ok = r.status == 200 and b'"results"' in body
                key = None if ok else f"HTTP {r.status}"
            except (OSError, http.client.HTTPException) as e:
                key = type(e).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            dt = time.perf_counter() - t
            with lock:
                if key is None:
                    times.append(dt)
                else:
                    errors[key] = errors.get(key, 0) + 1
        conn.close()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"requests": len(paths), "ok": len(times), "errors": sum(errors.values()), "error_kinds": errors,
            "p50_ms": round(pct(times, 50) * 1000), "p95_ms": round(pct(times, 95) * 1000),
            "max_ms": round(max(times) * 1000) if times else None, "wall_s": round(wall, 1),
            "searches_per_s": round(len(times) / wall, 2) if wall else None}


def long_text(library: Path, rng: random.Random, chars: int = 100_000) -> str:
    """``chars`` characters of the library's own passages: many distinct words, the costly
    case for keyword ranking (a repeated phrase would be cheap)."""
    con = sqlite3.connect(f"file:{library / 'precedent.sqlite'}?mode=ro", uri=True)
    try:
        top = con.execute("SELECT MAX(id) FROM passages").fetchone()[0] or 1
        parts, size = [], 0
        while size < chars:
            row = con.execute("SELECT text FROM passages WHERE id >= ? LIMIT 1", (rng.randint(1, top),)).fetchone()
            text = " ".join((row[0] if row else "no passage").split())
            parts.append(text)
            size += len(text) + 1
        return " ".join(parts)[:chars]
    finally:
        con.close()


def long_queries(port: int, library: Path, n: int, timeout: float, seed: int) -> dict:
    rng = random.Random(seed)
    texts = [long_text(library, rng) for _ in range(n)]
    times, errors = [], []

    def one(q: str) -> None:
        t = time.perf_counter()
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            c.request("GET", "/search.json?" + urllib.parse.urlencode({"q": q}))
            r = c.getresponse()
            body = r.read()
            if r.status != 200:
                errors.append(f"HTTP {r.status}")
            elif b'"notice"' not in body:
                errors.append("no notice")
            times.append(time.perf_counter() - t)
        except (OSError, http.client.HTTPException) as e:
            errors.append(type(e).__name__)

    ts = [threading.Thread(target=one, args=(q,)) for q in texts]
    for t in ts:
        t.start()
    return {"threads": ts, "times": times, "errors": errors}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--library", type=Path, help="an existing library to serve")
    ap.add_argument("--scale-from", type=Path, help="a small real-model library to copy up to --passages")
    ap.add_argument("--passages", type=int, default=30_000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/precedent-load-bench"))
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--searches", type=int, default=150, help="per client")
    ap.add_argument("--threads", type=int, default=4, help="server threads (precedent serve's default)")
    ap.add_argument("--long", type=int, default=0, help="100,000-character queries sent at once in a second phase")
    ap.add_argument("--long-searches", type=int, default=25, help="ordinary searches per client beside them")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--max-seconds", type=float, default=1200)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    if bool(args.library) == bool(args.scale_from):
        ap.error("give --library DIR or --scale-from SEED")
    args.clients = max(1, min(args.clients, 64))
    args.searches = max(1, min(args.searches, 10_000))

    library, built = args.library, None
    if args.scale_from:
        library = args.work / f"library-{args.passages}"
        if not (library / "precedent.sqlite").exists():
            import numpy as np

            print(f"building {library} from {args.scale_from} …", file=sys.stderr)
            built = build_library(library, args.scale_from, args.passages, np.random.default_rng(args.seed))
    con = sqlite3.connect(f"file:{library / 'precedent.sqlite'}?mode=ro", uri=True)
    size = {t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("documents", "passages", "findings")}
    con.close()

    paths = make_requests(library, args.clients * args.searches, args.seed)
    port = free_port()
    server = Server(library, port, args.threads, Path(f"/tmp/load-bench-{port}.log"))
    out: dict = {"library": str(library), **size, "clients": args.clients, "searches_per_client": args.searches,
                 "server_threads": args.threads, "cores": os.cpu_count()}
    if built:
        out["built"] = built
    try:
        out["startup_s"] = round(server.wait_ready(600), 1)
        server.sample()
        out["load_before"] = [round(x, 2) for x in os.getloadavg()]
        out["rss_start_mb"] = round(rss_mb(server.proc.pid))
        deadline = time.time() + args.max_seconds
        out["searches"] = run_clients(port, paths, args.clients, args.timeout, deadline)
        out["load_after"] = [round(x, 2) for x in os.getloadavg()]
        if args.long:
            extra = make_requests(library, args.clients * args.long_searches, args.seed + 1)
            lq = long_queries(port, library, args.long, args.timeout, args.seed)
            beside = run_clients(port, extra, args.clients, args.timeout, time.time() + args.max_seconds)
            for t in lq["threads"]:
                t.join()
            out["with_long_queries"] = {"long_queries": args.long, "long_max_ms": round(max(lq["times"]) * 1000)
                                        if lq["times"] else None, "long_errors": lq["errors"], "searches": beside}
        out["rss_peak_mb"] = round(max(server.rss + [peak_rss_mb(server.proc.pid)]))
        out["rss_end_mb"] = round(rss_mb(server.proc.pid))
    finally:
        server.stop()
    s = out["searches"]
    print(f"library: {size['documents']:,} documents, {size['passages']:,} passages, {size['findings']:,} findings")
    print(f"{args.clients} clients x {args.searches} searches on {args.threads} server threads, "
          f"{os.cpu_count()} cores, load average before {out['load_before']} after {out['load_after']}")
    print(f"errors {s['errors']} {s['error_kinds'] or ''}; p50 {s['p50_ms']} ms, p95 {s['p95_ms']} ms, "
          f"max {s['max_ms']} ms; {s['searches_per_s']} searches/s over {s['wall_s']} s")
    if "with_long_queries" in out:
        w = out["with_long_queries"]
        print(f"with {w['long_queries']} queries of 100,000 characters at once: longest {w['long_max_ms']} ms "
              f"(errors {w['long_errors'] or 0}); ordinary searches beside them p95 {w['searches']['p95_ms']} ms, "
              f"max {w['searches']['max_ms']} ms, errors {w['searches']['errors']}")
    print(f"server RSS: start {out['rss_start_mb']} MB, peak {out['rss_peak_mb']} MB, end {out['rss_end_mb']} MB")
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))
    sys.exit(1 if s["errors"] else 0)


if __name__ == "__main__":
    main()
