"""``tune(lib)``: pairs → training → held-back check → export → re-embed → swap, resumable.

The library goes on answering with its current encoder the whole time; only the switch
(``index.tuning.swap.switch``, one transaction) changes it. A run killed anywhere resumes from
what it left under ``<library>/tuning/`` (training checkpoints, the trained model, staged
vectors); a finished run leaves ``tuning/last.json`` (what ``precedent tune --json`` prints)."""
from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from index.encoders import FAKE_MODEL, TUNED_FAKE, TUNED_WEIGHTS, HashingEmbedder, get_embedder
from index.files import atomic_write_bytes
from index.library import Library, LibraryError
from index.tuning import check, swap
from index.tuning.pairs import KINDS, PairSet, build_pairs
from index.tuning.train import TrainOptions, TrainResult, train_model

log = logging.getLogger(__name__)

ROOM = "tuning"  # <library>/tuning: work in progress and the last summary
LAST = "last.json"
CHECK_TOKENS = 128  # the held-back texts are cut to about this (pairs.TEXT_CHARS); both models read the same


@dataclass(frozen=True)
class TuneOptions:
    seed: int = 13
    minutes: float = 25.0
    max_pairs: int = 6000
    max_seq_length: int = 128
    batch_size: int = 32
    kinds: tuple[str, ...] = KINDS
    threads: int | None = None

    @classmethod
    def from_settings(cls, settings, **over) -> "TuneOptions":
        base = cls(minutes=settings.tune_minutes, max_pairs=settings.tune_pairs)
        return cls(**{**asdict(base), **{k: v for k, v in over.items() if v is not None}})

    def train_options(self) -> TrainOptions:
        return TrainOptions(seed=self.seed, minutes=self.minutes, max_seq_length=self.max_seq_length,
                            batch_size=self.batch_size, threads=self.threads)


class TuneError(LibraryError):
    """The library cannot be tuned as asked (too few pairs, an encoder that cannot be trained)."""


@dataclass
class Trained:
    """What a trainer hands back (``train_model``'s result, or a test's)."""
    model_dir: Path
    info: dict = field(default_factory=dict)


def _base_dir() -> Path:
    from index.encoders import packaged_model_dir

    return packaged_model_dir()


def _encoder_for_check(lib: Library, model_dir: Path | None) -> Callable:
    """How the check encodes: the fake by its salt, a real model with sentence-transformers (fp32)."""
    if lib.model == FAKE_MODEL:
        if model_dir is None:
            return HashingEmbedder().encode
        salt = json.loads((Path(model_dir) / TUNED_FAKE).read_text())["salt"]
        return HashingEmbedder(salt=salt).encode
    from sentence_transformers import SentenceTransformer

    m = SentenceTransformer(str(model_dir or _base_dir()), device="cpu")
    m.max_seq_length = CHECK_TOKENS
    return lambda texts: m.encode(list(texts), batch_size=32, convert_to_numpy=True, normalize_embeddings=True,
                                  show_progress_bar=False)


def _current_model_dir(lib: Library) -> Path | None:
    tuned = lib.meta.get("tuned")
    if not tuned:
        return None
    folder = lib.path / tuned
    return folder if lib.model == FAKE_MODEL else folder / TUNED_WEIGHTS


def held_back_check(lib: Library, pairs: PairSet, model_dir: Path) -> tuple[dict, dict]:
    base = check.slice_scores(_encoder_for_check(lib, _current_model_dir(lib)), pairs.held)
    return base, check.slice_scores(_encoder_for_check(lib, model_dir), pairs.held)


def _train(lib: Library, pairs: PairSet, work: Path, options: TuneOptions, progress, should_stop) -> Trained:
    out = work / "model"
    if lib.model == FAKE_MODEL:  # the hashing fake learns nothing; a tuned fake hashes with a salt
        out.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(out / TUNED_FAKE, json.dumps({"salt": f"tuned-{options.seed}-{pairs.signature()}"}).encode())
        progress("train", step=1, steps=1, seconds=0.0)
        return Trained(out, {"steps": 1, "max_steps": 1, "seconds": 0.0, "stopped_by_budget": False})
    r: TrainResult = train_model(pairs, _base_dir(), out, work, options.train_options(), progress, should_stop)
    return Trained(r.model_dir, {"steps": r.steps, "max_steps": r.max_steps, "seconds": r.seconds,
                                 "stopped_by_budget": r.stopped_by_budget, "resumed_from": r.resumed_from,
                                 "loss": r.loss})


def tune(lib: Library, options: TuneOptions | None = None, progress: Callable[..., None] | None = None,
         should_stop: Callable[[], bool] | None = None, trainer: Callable | None = None,
         checker: Callable | None = None) -> dict:
    """Tune ``lib``'s encoder on its own pairs; swap it in only if the held-back check says it
    is better. Returns the summary (also written to ``tuning/last.json``). ``progress(event, **kw)``
    hears "stage" (name), "train" (step, steps, seconds) and "embed" (done, total); ``trainer``
    and ``checker`` replace the training step and the held-back check (tests)."""
    options = options or TuneOptions()
    progress = progress or (lambda *a, **k: None)
    should_stop = should_stop or (lambda: False)
    room = lib.path / ROOM
    work = room / "work"
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    summary: dict = {"library": str(lib.path), "model": lib.model, "encoder_before": lib.meta.get("encoder_build")
                     or lib.encoder, "options": {**asdict(options), "kinds": list(options.kinds)}}

    progress("stage", name="pairs")
    t = time.perf_counter()
    pairs = build_pairs(lib, options.max_pairs, options.seed, tuple(options.kinds))
    summary["pairs"] = pairs.counts()
    summary["pairs_seconds"] = round(time.perf_counter() - t, 1)
    if sum(len(v) for v in pairs.train.values()) < options.batch_size:
        raise TuneError(f"the library offers too few training pairs ({sum(pairs.available.values())} in all); "
                        "ingest more reports first")

    progress("stage", name="train")
    trained = (trainer or _train)(lib, pairs, work, options, progress, should_stop)
    summary["training"] = trained.info

    progress("stage", name="check")
    t = time.perf_counter()
    base_scores, tuned_scores = (checker or held_back_check)(lib, pairs, trained.model_dir)
    kept = check.better(tuned_scores, base_scores)
    summary["held_back"] = {"base": base_scores, "tuned": tuned_scores, "kept": kept,
                            "seconds": round(time.perf_counter() - t, 1)}
    if not kept:
        summary.update(kept=False, encoder_after=summary["encoder_before"], seconds=round(time.perf_counter() - t0, 1))
        return _finish(room, work, summary)

    progress("stage", name="export")
    t = time.perf_counter()
    build = swap.build_name(lib, trained.model_dir)
    folder = swap.export(lib, trained.model_dir, build)
    summary["export_seconds"] = round(time.perf_counter() - t, 1)

    progress("stage", name="embed")
    t = time.perf_counter()
    embedder = get_embedder(lib.model, lib.encoder, fallback=False, tuned=folder, build=build)
    summary["embedded"] = swap.stage_vectors(lib, embedder, build, progress)
    summary["embed_seconds"] = round(time.perf_counter() - t, 1)

    progress("stage", name="swap")
    t = time.perf_counter()
    record = {"encoder": lib.encoder, "encoder_build": build, "tuned": f"{swap.ENCODERS}/{build}"}
    summary["swap"] = swap.switch(lib, embedder, build, record)
    summary["themes"] = _recentre_themes(lib)
    summary["swap_seconds"] = round(time.perf_counter() - t, 1)
    swap.remove_other_builds(lib, build)
    summary.update(kept=True, encoder_after=build, seconds=round(time.perf_counter() - t0, 1))
    return _finish(room, work, summary)


def _recentre_themes(lib: Library) -> dict | None:
    """Theme centroids were computed from the old vectors: rebuild them (ids and people's edits kept)."""
    from index.themes import rebuild_themes

    if not lib.store.count("themes"):
        return None
    out = rebuild_themes(lib)
    return {k: out[k] for k in ("themes",) if isinstance(out, dict) and k in out} or {"rebuilt": True}


def _finish(room: Path, work: Path, summary: dict) -> dict:
    atomic_write_bytes(room / LAST, json.dumps(summary, indent=2, default=str).encode())
    shutil.rmtree(work, ignore_errors=True)
    return summary


def last_tune(lib: Library) -> dict | None:
    try:
        return json.loads((lib.path / ROOM / LAST).read_text())
    except (OSError, ValueError):
        return None


def tune_encoder(lib: Library, progress: Callable[..., None] | None = None, settings=None) -> str:
    """The step ``serve`` runs after its background ingest (``IngestWorker(after=...)``), when
    ``PRECEDENT_TUNE=auto``: tune once, if the library has never been tuned; returns the detail
    ``/status`` shows. ``progress(detail=...)`` says how far it got."""
    from index.settings import Settings

    settings = settings or Settings.from_env()
    if settings.tune != "auto":
        return "off (PRECEDENT_TUNE=auto tunes the encoder after the first ingest)"
    if last_tune(lib) is not None:
        return "already tuned (precedent tune tunes again)"
    report = progress or (lambda **kw: None)

    def hear(event: str, **kw) -> None:
        if event == "stage":
            report(detail=kw["name"])
        elif event == "train":
            report(detail=f"training: step {kw['step']} of {kw['steps']}")
        elif event == "embed":
            report(detail=f"re-embedding: {kw['done']} of {kw['total']} texts")

    s = tune(lib, TuneOptions.from_settings(settings), progress=hear)
    held = s["held_back"]
    base, tuned = held["base"]["overall"]["recall@10"], held["tuned"]["overall"]["recall@10"]
    if s["kept"]:
        return f"kept {s['encoder_after']} (held-back recall@10 {base:.3f} -> {tuned:.3f})"
    return f"not kept (held-back recall@10 {base:.3f} -> {tuned:.3f}); the base encoder stays"


tune_encoder.reports_progress = True  # IngestWorker hands it a progress callable
