"""Benchmark (not a test): query latency, memory and ANN recall at 10k, 100k and 1M passages.

    /tmp/venvtest/bin/python -m benchmarks.scale_bench --seed LIBRARY [--sizes 10000,100000,1000000]
        [--work DIR] [--queries 100] [--http-requests 100] [--json OUT] [--keep]

A library of N passages is made from the real passages of ``--seed`` (any library built
with the real model): each seed document and its passages are copied with distinct ids
until there are N passages, the text unchanged (so FTS5 sees real term statistics, each
term N/seed times as often) and each vector a perturbed copy of a real one:
``normalise(0.8 x_i + 0.2 x_j + e)`` with x_j another real passage and e Gaussian noise
(norm ~0.25), so copies stay in the real embedding cone but do not collapse onto each
other (which would make the ANN graph and its recall unrealistic). Rows are written with
the same SQL as index/ingest/pipeline.py; nothing is re-embedded. The seed documents' findings are
copied the same way, and term counts are refreshed as an ingest of a large library does. Each size runs in its own
process so its memory is its own.

Per size it prints: the FAISS index kind chosen by index/vectors.py and its build time;
recall@10 of that index against exact search (real queries, and held-out perturbed
passage vectors); in-process latency p50/p95 of the product query (``run_search``: findings
and passages, actions, facets, themes — what /search.json answers) and of search() in
hybrid, dense and keyword mode (query encoding with the real model included) and of the parts (encode, FAISS,
FTS5); the same over HTTP against ``precedent serve`` started on a free port; and the
resident memory (RSS) of the bench process and of the server."""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import numpy as np

from benchmarks.common import QUERIES as COMMON_QUERIES
from benchmarks.common import ROOT, free_port, pct, peak_rss_mb, rss_mb

QUERIES = COMMON_QUERIES + [
    "family were not involved in care planning",
    "carers not told about the risk of self harm",
    "crisis team did not follow up after missed appointment",
    "ligature points on the ward",
    "overdose of prescribed medication",
    "no bed available in a mental health unit",
    "communication between the trust and the family",
    "suicide",
    "discharge",
    "waiting times",
]


def ms_summary(xs: list[float]) -> dict:
    return {"p50_ms": round(pct(xs, 50) * 1000, 2), "p95_ms": round(pct(xs, 95) * 1000, 2),
            "mean_ms": round(statistics.fmean(xs) * 1000, 2) if xs else None, "n": len(xs)}


# ----------------------------------------------------------------------------- building
def load_seed(seed: Path):
    from index.store import Store

    store = Store(seed / "precedent.sqlite")
    c = store.conn
    docs = [dict(r) for r in c.execute(
        "SELECT id, content_hash, title, type, date, reference, source, blocks, meta FROM documents ORDER BY id")]
    passages = [dict(r) for r in c.execute(
        "SELECT p.id, p.document_id, p.seq, p.text, p.section, p.page, p.start, p.end, p.text_hash, v.vector"
        " FROM passages p JOIN vectors v ON v.text_hash = p.text_hash ORDER BY p.id")]
    findings = [dict(r) for r in c.execute(
        "SELECT f.document_id, f.seq, f.kind, f.label, f.text, f.addressees, f.section, f.page, f.start, f.end,"
        " f.text_hash, v.vector FROM findings f JOIN vectors v ON v.text_hash = f.text_hash ORDER BY f.id")]
    store.close()
    vecs = np.vstack([np.frombuffer(p.pop("vector"), dtype=np.float32) for p in passages])
    by_doc: dict[int, list[int]] = {}
    for i, p in enumerate(passages):
        by_doc.setdefault(p["document_id"], []).append(i)
    findings_of: dict[int, list[dict]] = {}
    for f in findings:
        f["vector"] = np.frombuffer(f["vector"], dtype=np.float32)
        findings_of.setdefault(f["document_id"], []).append(f)
    return docs, passages, vecs, by_doc, findings_of


def perturb(base: np.ndarray, vecs: np.ndarray, rng: np.random.Generator, noise: float = 0.25) -> np.ndarray:
    """Copies of the rows of ``base``: each mixed with a random row of ``vecs`` and noise."""
    other = rng.integers(0, len(vecs), size=len(base))
    v = 0.8 * base + 0.2 * vecs[other] + rng.normal(0, noise / np.sqrt(vecs.shape[1]), base.shape)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v.astype(np.float32)


def build_library(directory: Path, seed: Path, n: int, rng: np.random.Generator) -> dict:
    """Write a library of ``n`` passages copied from the seed straight into SQLite."""
    from index.store import Store

    docs, passages, vecs, by_doc, findings_of = load_seed(seed)
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(seed / "library.json", directory / "library.json")
    store = Store(directory / "precedent.sqlite")
    c = store.conn
    c.execute("PRAGMA synchronous=OFF")
    t0 = time.perf_counter()
    written = 0
    copy = 0
    while written < n:
        with store.transaction() as tx:
            for d in docs:
                if written >= n:
                    break
                rows = by_doc.get(d["id"], [])[: n - written]
                if not rows:
                    continue
                cur = tx.execute(
                    "INSERT INTO documents(content_hash, title, type, date, reference, source, text, blocks, meta)"
                    " VALUES (?,?,?,?,?,?,?,?,?)",
                    (f"{d['content_hash']}:{copy}", d["title"] if copy == 0 else f"{d['title']} [copy {copy}]",
                     d["type"], d["date"], d["reference"], f"{d['source']}#copy={copy}", "", d["blocks"], d["meta"]),
                )
                doc_id = cur.lastrowid
                new = perturb(vecs[rows], vecs, rng) if copy else vecs[rows]
                tx.executemany(
                    "INSERT OR IGNORE INTO vectors(text_hash, vector) VALUES (?, ?)",
                    [(f"{passages[i]['text_hash']}:{copy}", new[j].tobytes()) for j, i in enumerate(rows)],
                )
                tx.executemany(
                    "INSERT INTO passages(document_id, seq, text, section, page, start, end, text_hash)"
                    " VALUES (?,?,?,?,?,?,?,?)",
                    [(doc_id, passages[i]["seq"], passages[i]["text"], passages[i]["section"], passages[i]["page"],
                      passages[i]["start"], passages[i]["end"], f"{passages[i]['text_hash']}:{copy}") for i in rows],
                )
                written += len(rows)
                fs = findings_of.get(d["id"], [])
                if fs:  # the document's findings come along, their vectors perturbed the same way
                    fv = np.vstack([f["vector"] for f in fs])
                    fv = perturb(fv, vecs, rng) if copy else fv
                    tx.executemany("INSERT OR IGNORE INTO vectors(text_hash, vector) VALUES (?, ?)",
                                   [(f"{f['text_hash']}:{copy}", fv[j].tobytes()) for j, f in enumerate(fs)])
                    tx.executemany(
                        "INSERT INTO findings(document_id, seq, kind, label, text, addressees, section, page, start,"
                        " end, text_hash) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                        [(doc_id, f["seq"], f["kind"], f["label"], f["text"], f["addressees"], f["section"], f["page"],
                          f["start"], f["end"], f"{f['text_hash']}:{copy}") for f in fs])
        copy += 1
    from index import termstats

    termstats.refresh_if_needed(store, force=True)  # as an ingest of a large library does
    findings = store.count("findings")
    store.close()
    size = sum(p.stat().st_size for p in directory.iterdir() if p.is_file())
    return {"passages": written, "findings": findings, "seed_passages": len(passages), "copies": copy,
            "write_seconds": round(time.perf_counter() - t0, 1), "sqlite_mb": round(size / 2**20)}


# ----------------------------------------------------------------------------- measuring
def http_bench(directory: Path, queries: list[str], requests: int) -> dict:
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    log = open(directory / "serve.log", "w")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(ROOT / "precedent.py"), "serve", "--host", "127.0.0.1",
                             "--port", str(port), "--library", str(directory)],
                            stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(ROOT))
    try:
        deadline = time.time() + 900
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited ({proc.returncode}); see {directory / 'serve.log'}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", "/search.json?q=warm+up")
                r = conn.getresponse()
                r.read()
                break  # answering (a failing search is counted below, not waited out)
            except OSError:
                pass
            if time.time() > deadline:
                raise RuntimeError("server did not answer within 900 s")
            time.sleep(0.5)
        ready = time.perf_counter() - t0
        times, failed = [], {}
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for i in range(requests):
            q = urllib.parse.quote_plus(queries[i % len(queries)])
            t = time.perf_counter()
            conn.request("GET", f"/search.json?q={q}&k=10")
            r = conn.getresponse()
            body = r.read()
            if r.status == 200 and b'"results"' in body:
                times.append(time.perf_counter() - t)
            else:
                failed[r.status] = failed.get(r.status, 0) + 1
        out = {"startup_s": round(ready, 1), **ms_summary(times), "server_rss_mb": round(rss_mb(proc.pid)),
               "server_peak_rss_mb": round(peak_rss_mb(proc.pid))}
        if failed:
            out["failed"] = {str(k): v for k, v in failed.items()}
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
    return out


def recall_at_10(lib, queries: np.ndarray) -> dict:
    """ids: share of the exact top 10 that the index returns. scores: share of the index's
    top 10 scoring at least the exact 10th (copies of one passage score within noise of
    each other, so an index can return equally good neighbours with other ids)."""
    import faiss

    ids, vecs = lib.store.vectors_for("passages", 0)
    exact = faiss.IndexFlatIP(vecs.shape[1])
    exact.add(vecs)
    del vecs
    truth_scores, truth = exact.search(queries, 10)
    hits = good = 0
    for q, t, ts in zip(queries, truth, truth_scores):
        got = lib.passages.search(q, 10)
        hits += len({i for i, _ in got} & set(ids[t].tolist()))
        good += sum(1 for _, s in got if s >= ts[-1] - 1e-6)
    return {"ids": round(hits / (10 * len(queries)), 4), "scores": round(good / (10 * len(queries)), 4)}


def run_size(n: int, args) -> dict:
    from index.library import open_library
    from search.ranking import keyword_passages, search
    from search.query import run_search

    rng = np.random.default_rng(n)
    directory = Path(args.work) / f"lib-{n}"
    if directory.exists() and not args.reuse:
        shutil.rmtree(directory)
    out: dict = {"size": n}
    if not (directory / "precedent.sqlite").exists():
        out["build"] = build_library(directory, Path(args.seed), n, rng)
    t0 = time.perf_counter()
    lib = open_library(directory)  # syncs (builds) and saves the FAISS index
    out["open_s"] = round(time.perf_counter() - t0, 1)
    desc = lib.passages.describe()
    out["index"] = {"kind": desc["kind"], "params": desc["params"], "count": desc["count"],
                    "build_s": desc["build_seconds"]}
    out["rss_after_open_mb"] = round(rss_mb())
    lib.embedder  # load the model before timing
    if args.torch_threads:  # one intra-op thread is far steadier for single queries on a busy machine
        import torch

        torch.set_num_threads(args.torch_threads)
    out["torch_threads"] = args.torch_threads or "default"
    queries = [QUERIES[i % len(QUERIES)] for i in range(args.queries)]
    for q in QUERIES[:3]:
        search(lib, q)  # warm caches
    out["loadavg_before"] = [round(x, 1) for x in os.getloadavg()]  # the machine is shared: say how busy
    lat: dict[str, list[float]] = {"product": [], "hybrid": [], "dense": [], "keyword": [], "encode": [], "faiss": [],
                                   "fts5": []}
    for q in queries:
        t = time.perf_counter()
        run_search(lib, q)  # what the page and /search.json answer: findings, actions, facets, themes
        lat["product"].append(time.perf_counter() - t)
        for mode in ("hybrid", "dense", "keyword"):
            t = time.perf_counter()
            search(lib, q, k=10, mode=mode)
            lat[mode].append(time.perf_counter() - t)
        t = time.perf_counter()
        vec = lib.embedder.encode([q])[0]
        lat["encode"].append(time.perf_counter() - t)
        t = time.perf_counter()
        lib.passages.search(vec, 50)
        lat["faiss"].append(time.perf_counter() - t)
        t = time.perf_counter()
        keyword_passages(lib, q, 50)
        lat["fts5"].append(time.perf_counter() - t)
    out["in_process"] = {k: ms_summary(v) for k, v in lat.items()}
    out["loadavg_after"] = [round(x, 1) for x in os.getloadavg()]
    # recall of the chosen index against exact search
    qvecs = lib.embedder.encode(QUERIES)
    seed_vecs = load_seed(Path(args.seed))[2]
    held = perturb(seed_vecs[rng.integers(0, len(seed_vecs), 200)], seed_vecs, rng)
    out["recall@10"] = {"real_queries": recall_at_10(lib, qvecs), "perturbed_passages": recall_at_10(lib, held)}
    out["rss_mb"] = round(rss_mb())
    out["peak_rss_mb"] = round(peak_rss_mb())
    lib.close()
    if args.http_requests:
        out["http"] = http_bench(directory, QUERIES, args.http_requests)
    if not args.keep:
        shutil.rmtree(directory, ignore_errors=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", default=str(ROOT / "library"), help="library of real passages to copy (real model)")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--work", default="/tmp/precedent-scale")
    ap.add_argument("--queries", type=int, default=100, help="timed queries per mode (in-process)")
    ap.add_argument("--http-requests", type=int, default=100)
    ap.add_argument("--json", default=None, help="also write the results to this file")
    ap.add_argument("--keep", action="store_true", help="keep the built libraries")
    ap.add_argument("--reuse", action="store_true", help="reuse a library kept by an earlier run")
    ap.add_argument("--torch-threads", type=int, default=0,
                    help="torch intra-op threads for the in-process timings (0: the library's default)")
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_size(args.one, args)))
        return
    results = []
    for n in [int(s) for s in args.sizes.split(",") if s.strip()]:
        cmd = [sys.executable, "-m", "benchmarks.scale_bench", "--one", str(n), "--seed", args.seed, "--work", args.work,
               "--queries", str(args.queries), "--http-requests", str(args.http_requests)]
        cmd += ["--torch-threads", str(args.torch_threads)]
        cmd += ["--keep"] if args.keep else []
        cmd += ["--reuse"] if args.reuse else []
        print(f"--- {n} passages", file=sys.stderr, flush=True)
        p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        if p.returncode:
            print(f"size {n} failed (exit {p.returncode})", file=sys.stderr)
            continue
        r = json.loads(p.stdout.strip().splitlines()[-1])
        results.append(r)
        print(json.dumps(r, indent=1), file=sys.stderr, flush=True)
    print(f"\n{'passages':>9} {'index':<10} {'build s':>8} {'R@10':>6} {'hyb p50':>8} {'hyb p95':>8}"
          f" {'kw p95':>7} {'dense p95':>9} {'http p50':>8} {'http p95':>8} {'RSS MB':>7} {'srv MB':>7}")
    for r in results:
        ip, h = r["in_process"], r.get("http", {})
        print(f"{r['size']:>9} {('hnsw' if 'HNSW' in r['index']['kind'] else 'flat'):<10} {r['index']['build_s']:>8}"
              f" {r['recall@10']['real_queries']['ids']:>6} {ip['hybrid']['p50_ms']:>8} {ip['hybrid']['p95_ms']:>8}"
              f" {ip['keyword']['p95_ms']:>7} {ip['dense']['p95_ms']:>9} {h.get('p50_ms', '-'):>8}"
              f" {h.get('p95_ms', '-'):>8} {r['rss_mb']:>7} {h.get('server_rss_mb', '-'):>7}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
