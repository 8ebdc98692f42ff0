"""The training loop: sentence-transformers' ``SentenceTransformerTrainer`` with
``MultipleNegativesRankingLoss`` (in-batch negatives, plus the hard negative where a pair has
one), one dataset per kind of pair (a batch holds one kind, drawn in proportion to its size).

Bounded: at most one epoch over the pairs, sequences cut at ``max_seq_length`` tokens, and a
time budget: when the training time (summed over resumed runs) passes it, the step in hand
finishes, a checkpoint is saved and training stops cleanly. Deterministic: the trainer's seed
and data seed are the tune's seed. Resumable: a checkpoint every ``save_steps`` steps (and at
the stop) under ``work/checkpoints``; a run killed at any point resumes from the last one,
provided the pairs are the same (their signature is kept beside the checkpoints)."""
from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from index.files import atomic_write_bytes
from index.tuning.pairs import KINDS, PairSet

log = logging.getLogger(__name__)

CHECKPOINTS = "checkpoints"
STATE = "train-state.json"


@dataclass(frozen=True)
class TrainOptions:
    seed: int = 13
    minutes: float = 25.0  # training time budget (summed over resumed runs)
    max_seq_length: int = 128
    batch_size: int = 32
    learning_rate: float = 3e-5
    save_steps: int = 25
    threads: int | None = None  # torch threads (default: the cores this process may use, at most 4)


@dataclass
class TrainResult:
    model_dir: Path
    steps: int
    max_steps: int
    seconds: float  # training time summed over runs
    stopped_by_budget: bool
    resumed_from: str | None
    loss: float | None


def _read_state(work: Path) -> dict:
    try:
        return json.loads((work / STATE).read_text())
    except (OSError, ValueError):
        return {}


def _write_state(work: Path, state: dict) -> None:
    atomic_write_bytes(work / STATE, json.dumps(state, indent=2).encode())


def last_checkpoint(work: Path) -> Path | None:
    root = work / CHECKPOINTS
    if not root.is_dir():
        return None
    done = [p for p in root.iterdir() if p.is_dir() and p.name.startswith("checkpoint-")
            and (p / "trainer_state.json").exists()]
    return max(done, key=lambda p: int(p.name.split("-")[-1]), default=None)


def train_model(pairs: PairSet, base_dir: Path, out_dir: Path, work: Path, options: TrainOptions,
                progress: Callable[..., None] | None = None, should_stop: Callable[[], bool] | None = None) -> TrainResult:
    """Fine-tune the model in ``base_dir`` on ``pairs.train`` and save it to ``out_dir``."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    from datasets import Dataset, DatasetDict
    from sentence_transformers import SentenceTransformer, SentenceTransformerTrainer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from sentence_transformers.sentence_transformer.training_args import (
        BatchSamplers, MultiDatasetBatchSamplers, SentenceTransformerTrainingArguments)
    from transformers import PrinterCallback, TrainerCallback, set_seed

    progress = progress or (lambda *a, **k: None)
    should_stop = should_stop or (lambda: False)
    work.mkdir(parents=True, exist_ok=True)
    signature = pairs.signature() + f"-{options.seed}-{options.max_seq_length}-{options.batch_size}"
    state = _read_state(work)
    if state.get("signature") == signature and state.get("finished") and (out_dir / "model.safetensors").exists():
        return TrainResult(model_dir=out_dir, steps=int(state.get("step", 0)), max_steps=int(state.get("max_steps", 0)),
                           seconds=round(float(state.get("seconds", 0.0)), 1),
                           stopped_by_budget=bool(state.get("stopped_by_budget")), resumed_from="trained model",
                           loss=state.get("loss"))
    if state.get("signature") != signature:  # other pairs or options: start afresh
        import shutil

        shutil.rmtree(work / CHECKPOINTS, ignore_errors=True)
        state = {"signature": signature, "seconds": 0.0}
        _write_state(work, state)
    resume = last_checkpoint(work)
    before = float(state.get("seconds", 0.0)) if resume else 0.0
    budget = options.minutes * 60.0

    torch.set_num_threads(options.threads or max(1, min(len(os.sched_getaffinity(0)), 4)))
    set_seed(options.seed)
    model = SentenceTransformer(str(base_dir), device="cpu")
    model.max_seq_length = options.max_seq_length
    data = {}
    for kind in KINDS:
        rows = pairs.train.get(kind, [])
        if len(rows) < options.batch_size:  # too few for a batch of their own
            continue
        cols = {"anchor": [p.anchor for p in rows], "positive": [p.positive for p in rows]}
        if all(p.negative for p in rows):
            cols["negative"] = [p.negative for p in rows]
        data[kind] = Dataset.from_dict(cols)
    if not data:
        raise ValueError(f"too few training pairs (fewer than {options.batch_size} of every kind)")
    steps_per_epoch = sum(len(d) // options.batch_size for d in data.values())
    args = SentenceTransformerTrainingArguments(
        output_dir=str(work / CHECKPOINTS), num_train_epochs=1, per_device_train_batch_size=options.batch_size,
        learning_rate=options.learning_rate, warmup_steps=max(1, steps_per_epoch // 10), seed=options.seed,
        data_seed=options.seed, save_strategy="steps", save_steps=options.save_steps, save_total_limit=1,
        logging_steps=5, report_to="none", use_cpu=True, dataloader_num_workers=0, dataloader_drop_last=True,
        batch_sampler=BatchSamplers.NO_DUPLICATES, multi_dataset_batch_sampler=MultiDatasetBatchSamplers.PROPORTIONAL,
        disable_tqdm=True)
    t0 = time.monotonic()
    seen = {"stopped": False, "loss": None}

    class Budget(TrainerCallback):
        def on_step_end(self, args, state_, control, **kw):
            spent = before + time.monotonic() - t0
            progress("train", step=state_.global_step, steps=state_.max_steps, seconds=round(spent, 1))
            if spent >= budget or should_stop():
                seen["stopped"] = True
                control.should_training_stop = True
                control.should_save = True
            return control

        def on_save(self, args, state_, control, **kw):
            _write_state(work, {"signature": signature, "seconds": before + time.monotonic() - t0,
                                "step": state_.global_step})
            return control

        def on_log(self, args, state_, control, logs=None, **kw):
            if logs and "loss" in logs:
                seen["loss"] = float(logs["loss"])
            return control

    trainer = SentenceTransformerTrainer(
        model=model, args=args, train_dataset=DatasetDict(data), loss=MultipleNegativesRankingLoss(model),
        callbacks=[Budget()])
    trainer.remove_callback(PrinterCallback)  # its log lines would go to stdout (``precedent tune --json``)
    out = trainer.train(resume_from_checkpoint=str(resume) if resume else None)
    seconds = before + time.monotonic() - t0
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save(str(out_dir))
    _write_state(work, {"signature": signature, "seconds": seconds, "step": trainer.state.global_step,
                        "max_steps": trainer.state.max_steps, "stopped_by_budget": seen["stopped"],
                        "loss": seen["loss"], "finished": True})
    return TrainResult(model_dir=out_dir, steps=int(trainer.state.global_step), max_steps=int(trainer.state.max_steps),
                       seconds=round(seconds, 1), stopped_by_budget=bool(seen["stopped"]),
                       resumed_from=resume.name if resume else None,
                       loss=seen["loss"] if seen["loss"] is not None else getattr(out, "training_loss", None))
