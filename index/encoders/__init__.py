"""Encoders: texts to L2-normalised float32 vectors. ``embed`` holds the ``Embedder`` interface,
the hashing fake the unit tests use, torch fp32 all-MiniLM-L6-v2 and ``get_embedder`` (which
picks the ONNX int8 build where onnxruntime runs, else torch); ``onnx_int8`` exports the packaged
weights to int8 ONNX once and encodes with onnxruntime, no torch import
(``python -m index.encoders.onnx_int8`` builds the export at install)."""
from index.encoders.embed import (
    DEFAULT_MODEL, HASHING, TORCH_FP32, Embedder, HashingEmbedder, SentenceTransformerEmbedder, default_encoder,
    get_embedder)

# index.encoders.onnx_int8 is imported on first use of one of its names, not here:
# ``python -m index.encoders.onnx_int8`` (scripts/install.sh) runs it as a script, which must not
# find it imported already by its package
_ONNX_INT8 = ("BATCH_TOKENS", "OnnxEmbedder", "OnnxUnavailable", "available", "export_int8", "length_batches",
             "packaged_model_dir")


def __getattr__(name: str):
    if name in _ONNX_INT8:
        from index.encoders import onnx_int8

        return getattr(onnx_int8, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_MODEL", "HASHING", "TORCH_FP32", "Embedder", "HashingEmbedder", "SentenceTransformerEmbedder",
    "default_encoder", "get_embedder", *_ONNX_INT8,
]
