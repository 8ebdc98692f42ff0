"""Encoders: texts to L2-normalised float32 vectors. ``embed`` holds the ``Embedder`` interface,
the hashing fake the unit tests use, torch fp32 all-MiniLM-L6-v2 and ``get_embedder`` (which
picks the ONNX int8 build where onnxruntime runs, else torch); ``onnx_int8`` exports the packaged
weights to int8 ONNX once and encodes with onnxruntime, no torch import
(``python -m index.encoders`` builds the export at install). ``get_embedder(..., tuned=FOLDER)``
loads a model ``index.tuning`` adapted to a library (``TUNED_ONNX``/``TUNED_WEIGHTS``/``TUNED_FAKE``)."""
from index.encoders.embed import (
    DEFAULT_MODEL, FAKE_MODEL, HASHING, ONNX_INT8, TORCH_FP32, TUNED_FAKE, TUNED_ONNX, TUNED_WEIGHTS, Embedder,
    HashingEmbedder, SentenceTransformerEmbedder, default_encoder, get_embedder)

from index.encoders.onnx_int8 import (
    BATCH_TOKENS, EXPORT_VERSION, OnnxEmbedder, OnnxUnavailable, available, export_int8, length_batches,
    packaged_model_dir)

__all__ = [
    "DEFAULT_MODEL", "FAKE_MODEL", "HASHING", "ONNX_INT8", "TORCH_FP32", "TUNED_FAKE", "TUNED_ONNX", "TUNED_WEIGHTS", "Embedder", "HashingEmbedder", "SentenceTransformerEmbedder",
    "default_encoder", "get_embedder",
    "BATCH_TOKENS", "EXPORT_VERSION", "OnnxEmbedder", "OnnxUnavailable", "available", "export_int8", "length_batches",
    "packaged_model_dir",
]
