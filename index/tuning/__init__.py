"""Tuning: an encoder adapted to the library, learned from the library's own structure.

``tune(lib)`` (``precedent tune``, and the ``tune_encoder`` step ``serve`` runs after its
first ingest when ``PRECEDENT_TUNE=auto``) fine-tunes the library's MiniLM on pairs its
documents provide (``pairs``: a concern and the rest of its report, two concerns of one report,
a sentence and the rest of its passage, an action and the concern it answers; hard negatives
from another report of the same area, coroner or recipient), with sentence-transformers'
trainer and ``MultipleNegativesRankingLoss`` (``train``: seeded, within a time budget,
checkpointed and resumable); checks it against the current encoder on a held-back slice of
its own pairs (``check``: recall@10 of the right partner) and keeps it only if it is better;
then exports it to the same fused int8 ONNX as the base, re-embeds every passage and finding
beside the old vectors and swaps them in one transaction (``swap``). A tune killed at any
point leaves the library answering with its old encoder; the library never serves a mix."""
from index.tuning.check import better, slice_scores
from index.tuning.pairs import HELD_PERCENT, KINDS, Pair, PairSet, build_pairs
from index.tuning.run import TuneError, TuneOptions, Trained, held_back_check, last_tune, tune, tune_encoder
from index.tuning.swap import ENCODERS, build_name, export, stage_vectors, switch
from index.tuning.train import TrainOptions, TrainResult, train_model

__all__ = [
    "better", "slice_scores",
    "HELD_PERCENT", "KINDS", "Pair", "PairSet", "build_pairs",
    "TuneError", "TuneOptions", "Trained", "held_back_check", "last_tune", "tune", "tune_encoder",
    "ENCODERS", "build_name", "export", "stage_vectors", "switch",
    "TrainOptions", "TrainResult", "train_model",
]
