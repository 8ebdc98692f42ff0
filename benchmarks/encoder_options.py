"""Benchmark (not a test): the ways of running all-MiniLM-L6-v2 side by side in one run, on
the same sampled PFD passages — speed against raw torch fp32, whether a text's vector
depends on its batch mates, closeness to torch, and (``--retrieval``) MAP on the dev labels.

    .venv/bin/python -m benchmarks.encoder_options [--sample 300] [--retrieval] [--json]

Options: ``torch-fp32`` (sentence-transformers, the baseline, timed first and last);
``onnx-fp32`` (the fused export, not quantised) one text per run; ``int8-dynamic-batched``
(export v3: dynamic int8 in batches of similar length — activations scaled per batch);
``int8-dynamic-per-text`` (what ships since export v4: the same model, one text per run);
``int8-static-qdq`` (activation scales calibrated once on other passages of the corpus,
``quantize_static``, QDQ, batched). Batch dependence: every text encoded three ways (in
order, shuffled, and with random other texts around it) — the largest |difference| and the
lowest cosine between the ways; "deterministic" means exactly equal or max |diff| < 1e-6.
Prints the CPU (flags) and the load: the ratios depend on both."""
from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

import numpy as np

from benchmarks.common import cpu_features, shared_root
from index.encoders import OnnxEmbedder, SentenceTransformerEmbedder, export_int8, length_batches, packaged_model_dir

MODEL = "all-MiniLM-L6-v2"


def load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def passages(reports_csv: Path, n: int, seed: int = 1) -> list[str]:
    from index.ingest import read_files

    every = [c.text for m in read_files([reports_csv], None, set()) if m[0] == "doc" for c in m[1].chunks]
    return random.Random(seed).sample(every, min(n, len(every)))


def static_int8(fp32: Path, out: Path, texts: list[str]) -> Path:
    """Static int8 (QDQ, per-channel weights, MinMax activation ranges over ``texts``)."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from tokenizers import Tokenizer

    if out.exists():
        return out
    tok = Tokenizer.from_file(str(packaged_model_dir() / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(max_length=256)
    enc = tok.encode_batch(texts)

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.batches = iter(length_batches([len(e.ids) for e in enc], 1))

        def get_next(self):
            idx = next(self.batches, None)
            if idx is None:
                return None
            ids = np.zeros((len(idx), max(len(enc[i].ids) for i in idx)), dtype=np.int64)
            mask = np.zeros_like(ids)
            for r, i in enumerate(idx):
                ids[r, : len(enc[i].ids)] = enc[i].ids
                mask[r, : len(enc[i].ids)] = 1
            return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}

    quantize_static(str(fp32), str(out), Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"],
                    extra_options={"DefaultTensorType": 1})
    return out


def batch_dependence(embedder, texts: list[str], first: np.ndarray) -> dict:
    rng = np.random.default_rng(3)
    perm = rng.permutation(len(texts))
    shuffled = np.zeros_like(first)
    shuffled[perm] = embedder.encode([texts[i] for i in perm])
    mates = np.zeros_like(first)
    for k in range(0, len(texts), 7):
        own = list(range(k, min(k + 7, len(texts))))
        v = embedder.encode([texts[i] for i in own] + [texts[int(i)] for i in rng.integers(0, len(texts), 5)])
        mates[own] = v[: len(own)]
    diff = max(float(np.abs(first - shuffled).max()), float(np.abs(first - mates).max()))
    cos = min(float((first * shuffled).sum(1).min()), float((first * mates).sum(1).min()))
    return {"batch_max_abs_diff": diff, "batch_min_cosine": round(cos, 7), "deterministic": diff < 1e-6}


def retrieval(embedder, shared: Path) -> dict:
    from index.library import open_library
    from search import evaluate as ev

    queries, labelled = ev.load_theme_labels(shared / "eval" / "themes-dev.csv", shared / "eval" / "themes-dev-labels.json")
    with tempfile.TemporaryDirectory(prefix="precedent-encoder-options-") as tmp:
        lib = open_library(Path(tmp) / "lib", embedder=embedder)
        t = time.perf_counter()
        ev.build_theme_library(lib, shared / "corpus" / "pfd" / "reports.csv", labelled)
        built = time.perf_counter() - t
        result = ev.evaluate(lib, queries)
        lib.close()
    return {"build_s": round(built, 1), **{f"MAP_{m}": round(s["MAP"], 4) for m, s in result["summary"].items()}}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=None, help="the shared data folder (default ../shared)")
    ap.add_argument("--sample", type=int, default=300, help="passages timed and compared")
    ap.add_argument("--calibration", type=int, default=200, help="other passages calibrating static int8")
    ap.add_argument("--retrieval", action="store_true", help="also MAP on the dev labels (builds a library per option)")
    ap.add_argument("--models", default=None, help="folder to keep the fp32 / static exports (default: a temp dir)")
    ap.add_argument("--json", dest="as_json", action="store_true")
    args = ap.parse_args()
    shared = shared_root(args.shared)
    both = passages(shared / "corpus" / "pfd" / "reports.csv", args.sample + args.calibration)
    texts, calibration = both[: args.sample], both[args.sample:]
    models = Path(args.models) if args.models else Path(tempfile.mkdtemp(prefix="precedent-encoders-"))
    models.mkdir(parents=True, exist_ok=True)
    fp32 = export_int8(out=models / "fused-fp32.onnx", quantise=False)
    options = {
        "onnx-fp32": lambda: OnnxEmbedder(MODEL, model_path=fp32),
        "int8-dynamic-batched": lambda: OnnxEmbedder(MODEL, batched=True),
        "int8-dynamic-per-text": lambda: OnnxEmbedder(MODEL),
        "int8-static-qdq": lambda: OnnxEmbedder(MODEL, model_path=static_int8(fp32, models / "static-qdq.onnx",
                                                                              calibration), batched=True),
    }
    out: dict = {"cpu": cpu_features(), "sample_passages": len(texts), "load_before": load(), "options": {}}
    torch = SentenceTransformerEmbedder()
    torch.encode(texts[:8])
    t = time.perf_counter()
    ref = torch.encode(texts)
    rates = [len(texts) / (time.perf_counter() - t)]
    print("torch-fp32", json.dumps({"passages_per_s": round(rates[0], 2), "load": load()}), flush=True)
    for name, make in options.items():
        e = make()
        e.encode(texts[:8])  # warm up
        t = time.perf_counter()
        v = e.encode(texts)
        row = {"passages_per_s": round(len(texts) / (time.perf_counter() - t), 2), "load": load()}
        cos = (v * ref).sum(1)
        row.update(cosine_to_torch_mean=round(float(cos.mean()), 4), cosine_to_torch_min=round(float(cos.min()), 4))
        row.update(batch_dependence(e, texts, v))
        if args.retrieval:
            row.update(retrieval(e, shared))
        out["options"][name] = row
        print(name, json.dumps(row), flush=True)  # as it comes: a long run on a busy machine
    t = time.perf_counter()
    torch.encode(texts)
    rates.append(len(texts) / (time.perf_counter() - t))
    out["raw_torch_fp32_passages_per_s"] = [round(r, 2) for r in rates]
    base = sum(rates) / len(rates)
    for row in out["options"].values():
        row["over_torch"] = round(row["passages_per_s"] / base, 2)
    if args.retrieval:
        out["options"]["torch-fp32"] = retrieval(torch, shared)
    out["load_after"] = load()
    print(json.dumps(out) if args.as_json else json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
