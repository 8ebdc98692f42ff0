"""Benchmark (not a test): build a library from a corpus folder with the real model and
print what it cost, beside plain torch fp32 on the same passages in the same run.

    .venv/bin/python -m benchmarks.ingest_bench [CORPUS] [--library DIR] [--sample N] [--json]

Prints the CPU (model, cores, avx2 / avx512f / avx512_vnni / amx flags: the ratios
below depend on them), documents, passages, texts embedded, boilerplate passages not embedded, wall time,
ingest passages/s; then, on a random sample of the same passages, raw ``encode()``
passages/s of sentence-transformers on torch fp32 and of the library's encoder (ONNX int8
by default; $PRECEDENT_ENCODER=torch-fp32 to compare), their cosine (mean, min), the ratio
ingest / raw torch; peak memory (this process and the reader process); query latency
p50/p95 over 100 varied product queries; and the wall time of a cold ``precedent search``
(a new process each time). ``--json`` prints one JSON object with all of these.

Raw torch is timed twice, before and after the ingest, on the same sampled passages, and
the mean is the baseline (``--no-bracket``: after only). Also printed: tokens embedded and
ingest tokens/s, CPU seconds (with the reader process), and where the ingest's wall time
went (``timings_s``: encode, commit, waiting for the reader).

    python -m benchmarks.ingest_bench CORPUS --count-only [--rate TOKENS_PER_S]

counts what CORPUS would embed (documents, passages, findings, texts, tokens) without a
model and, given a sample run's ``ingest_tokens_per_s``, projects the ingest time."""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import QUERIES, ROOT, corpus_dir, cpu_features, max_rss_mb
from index.ingest import ingest
from index.library import open_library
from search.query import run_search


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def timed_encode(embedder, texts: list[str]) -> tuple[float, "object"]:
    embedder.encode(texts[:8])  # warm up
    t = time.perf_counter()
    v = embedder.encode(texts)
    return len(texts) / (time.perf_counter() - t), v


def _tokenizer():
    from tokenizers import Tokenizer

    from index.encoders import packaged_model_dir

    tok = Tokenizer.from_file(str(packaged_model_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=256)  # what the model sees
    return tok


def tokens(texts: list[str]) -> int:
    return sum(len(e.ids) for e in _tokenizer().encode_batch(texts)) if texts else 0


def embedded_texts(store) -> list[str]:
    """One text per vector the library holds (passages first; a finding that shares its
    passage's vector is not counted twice)."""
    out: dict[str, str] = {}
    for table in ("passages", "findings"):
        for h, t in store.conn.execute(f"SELECT t.text_hash, t.text FROM {table} t JOIN vectors v "
                                       "ON v.text_hash = t.text_hash"):
            out.setdefault(h, t)
    return list(out.values())


def count_only(corpus: str) -> dict:
    """What ingesting ``corpus`` would embed (documents, passages, findings, texts, tokens),
    without a model: read, chunk and extract in this process."""
    from corpus.readers import sniff as readers
    from index.ingest import BoilerplateDetector
    from index.ingest import finding_vector_keys
    from index.ingest import read_files
    from index.rows import text_hash

    files = readers.list_files([Path(corpus)], [], [])
    detector = BoilerplateDetector()
    seen_docs: set[str] = set()
    texts: dict[str, str] = {}
    n = {"documents": 0, "passages": 0, "findings": 0, "boilerplate_passages_not_embedded": 0}
    t0 = time.perf_counter()
    for msg in read_files(files, None, set()):
        if msg[0] != "doc" or msg[1].hash in seen_docs:
            continue
        p = msg[1]
        seen_docs.add(p.hash)
        p.boilerplate = {i for i, b in enumerate(detector.observe([c.text for c in p.chunks])) if b}
        n["documents"] += 1
        n["passages"] += len(p.chunks)
        n["findings"] += len(p.extraction.findings)
        n["boilerplate_passages_not_embedded"] += len(p.boilerplate)
        for i, c in enumerate(p.chunks):
            if i not in p.boilerplate:
                texts.setdefault(text_hash(c.text), c.text)
        for f, key in zip(p.extraction.findings, finding_vector_keys(p)):
            texts.setdefault(key, f.text)
    n["read_s"] = round(time.perf_counter() - t0, 1)
    n["texts_to_embed"] = len(texts)
    n["tokens_to_embed"] = tokens(list(texts.values()))
    return n


def _cpu() -> float:
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _raw_torch(texts: list[str]) -> float:
    from index.encoders import SentenceTransformerEmbedder

    return timed_encode(SentenceTransformerEmbedder(), texts)[0]


def cli_search_seconds(lib_dir: Path, query: str, runs: int = 3) -> list[float]:
    out = []
    env = dict(os.environ, PRECEDENT_LIBRARY=str(lib_dir))
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run([sys.executable, str(ROOT / "precedent.py"), "search", query, "--json"], env=env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        out.append(round(time.perf_counter() - t, 2))
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", nargs="?", default=str(corpus_dir()))
    ap.add_argument("--library", default=None, help="library dir (default: a fresh temp dir)")
    ap.add_argument("--sample", type=int, default=400, help="passages for the raw encode() figures")
    ap.add_argument("--json", dest="as_json", action="store_true", help="print one JSON object")
    ap.add_argument("--queries-only", action="store_true", help="only time queries on an existing --library")
    ap.add_argument("--no-bracket", action="store_true",
                    help="time raw torch only after the ingest (saves reading CORPUS twice; for a quiet machine)")
    ap.add_argument("--count-only", action="store_true",
                    help="only count what CORPUS would embed (texts, tokens), no model; with --rate, project the time")
    ap.add_argument("--rate", type=float, default=None,
                    help="tokens embedded per second (ingest_tokens_per_s of a sample run) for --count-only")
    args = ap.parse_args()
    if args.count_only:
        n = count_only(args.corpus)
        if args.rate:
            n["projected_ingest_min"] = round(n["tokens_to_embed"] / args.rate / 60, 1)
        print(json.dumps(n) if args.as_json else json.dumps(n, indent=2))
        return

    lib_dir = Path(args.library) if args.library else Path(tempfile.mkdtemp(prefix="precedent-bench-"))
    lib = open_library(lib_dir, model="all-MiniLM-L6-v2")
    lib.embedder.encode(["warm up"])
    out: dict = {"corpus": args.corpus, "encoder": lib.encoder, "encoder_build": getattr(lib.embedder, "build", None),
                 "cpu": cpu_features(), "load_before": load()}
    before_sample: list[str] = []
    raw_before = None
    if not args.queries_only and args.sample and not args.no_bracket:
        # raw torch fp32 is timed before and after the ingest, on the same passages as the
        # ingest embeds, and averaged: the machine's load drifts during a long run
        from corpus.readers import sniff as readers
        from index.ingest import read_files

        files = readers.list_files([Path(args.corpus)], [], [])
        every = [c.text for m in read_files(files, None, set()) if m[0] == "doc" for c in m[1].chunks]
        before_sample = random.Random(1).sample(every, min(args.sample, len(every)))
        raw_before = _raw_torch(before_sample)
    if not args.queries_only:
        cpu0 = _cpu()
        t0 = time.perf_counter()
        report = ingest(lib, [args.corpus]).summary()
        wall = time.perf_counter() - t0
        cpu = _cpu() - cpu0
        n_tokens = tokens(embedded_texts(lib.store))
        out.update({
            "added": report["added"], "failed": report["failed_count"],
            "texts_embedded": report["texts_encoded"],
            "boilerplate_passages_not_embedded": report["boilerplate_passages_not_embedded"],
            "wall_s": round(wall, 1),
            "ingest_passages_per_s": round(report["passages"] / wall, 2) if wall else None,
            "ingest_texts_embedded_per_s": round(report["texts_encoded"] / wall, 2) if wall else None,
            "tokens_embedded": n_tokens,
            "ingest_tokens_per_s": round(n_tokens / wall, 1) if wall else None,
            "ingest_cpu_s": round(cpu, 1),  # this process and the reader process
            "load_after_ingest": load(),
            "timings_s": report["timings_s"],
        })
        for f in report["failed"]:
            print(f"failed: {f['path']}: {f['reason']}", file=sys.stderr)
    rows = lib.store.conn.execute("SELECT text FROM passages ORDER BY random() LIMIT ?", (args.sample,)).fetchall()
    sample = before_sample or [r[0] for r in rows]
    if sample:
        from index.encoders import SentenceTransformerEmbedder

        own, v_own = timed_encode(lib.embedder, sample)
        raw, v_raw = timed_encode(SentenceTransformerEmbedder(), sample)
        cos = (v_own * v_raw).sum(1)
        if raw_before:
            out["raw_torch_fp32_before_after_ingest"] = [round(raw_before, 2), round(raw, 2)]
            raw = (raw_before + raw) / 2
        out.update({"sample_passages": len(sample), "raw_torch_fp32_passages_per_s": round(raw, 2),
                    f"raw_{lib.encoder.replace('-', '_')}_passages_per_s": round(own, 2),
                    "raw_encoder_over_torch": round(own / raw, 2),
                    "cosine_to_torch_mean": round(float(cos.mean()), 4),
                    "cosine_to_torch_min": round(float(cos.min()), 4)})
        if out.get("ingest_passages_per_s"):
            out["ingest_over_raw_torch"] = round(out["ingest_passages_per_s"] / raw, 2)
    if not args.as_json:
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
        "passages_in_meaning_search": lib.passages.ntotal,
        "findings": lib.store.count("findings"),
        "library_mb": round(du(lib_dir) / 1e6, 1),
        "peak_rss_mb": round(max_rss_mb(), 1),
        "peak_rss_reader_process_mb": round(max_rss_mb(resource.RUSAGE_CHILDREN), 1),
        "query_ms_p50": round(statistics.median(lat), 1),
        "query_ms_p95": round(lat[int(len(lat) * 0.95) - 1], 1),
        "queries": len(lat),
    })
    lib.close()
    out["cli_search_cold_s"] = cli_search_seconds(lib_dir, QUERIES[0])
    print(json.dumps(out) if args.as_json else json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
