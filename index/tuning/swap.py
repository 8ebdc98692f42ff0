"""Export, re-embed, swap: a kept model goes live in one step, or not at all.

1. ``export``: the tuned sentence-transformers folder becomes the same fused int8 ONNX as the
   base (``index.encoders.export_int8`` builds it from a model directory) inside the library's
   ``encoders/<build>/`` folder, named by a digest of its weights.
2. ``stage_vectors``: every text the library embeds (each distinct passage and finding text in
   ``vectors``) is encoded again and written to ``tuned_vectors``, a batch per transaction, while
   the library goes on answering with its own vectors; a killed run keeps what it committed.
3. ``switch``: one transaction (``BEGIN IMMEDIATE``: no ingest commits meanwhile) encodes any text
   an ingest added since, replaces ``vectors`` with the staged ones and records the build in the
   store (``index.library.ENCODER_RECORD``); then ``library.json`` is rewritten to name it
   (``Library.follow_stored_encoder``; an opener that finds the two disagreeing follows the
   store, the vectors' own record) and the FAISS indexes are rebuilt from the new vectors.

Killed before the commit of step 3, the library serves the old encoder with its old vectors;
after it, the new encoder with the new ones: never a mix."""
from __future__ import annotations

import hashlib
import json
import logging
import shutil
from pathlib import Path
from typing import Callable

import numpy as np

from index.encoders import EXPORT_VERSION, FAKE_MODEL, ONNX_INT8, TUNED_FAKE, TUNED_ONNX, TUNED_WEIGHTS, export_int8
from index.library import ENCODER_RECORD, Library
from index.store import bump_removals

log = logging.getLogger(__name__)

ENCODERS = "encoders"  # in the library: one folder per tuned build
STAGE_BATCH = 256


def weights_digest(model_dir: Path) -> str:
    h = hashlib.sha256()
    for name in ("model.safetensors", TUNED_FAKE):
        p = Path(model_dir) / name
        if p.exists():
            with open(p, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
    return h.hexdigest()[:12]


def build_name(lib: Library, model_dir: Path) -> str:
    how = f"export-v{EXPORT_VERSION}" if lib.encoder == ONNX_INT8 else lib.encoder
    return f"tuned-{weights_digest(model_dir)}-{how}"


def export(lib: Library, model_dir: Path, build: str) -> Path:
    """The library's folder for ``build`` with the tuned weights (and their int8 ONNX export for
    an ONNX library). Idempotent: a finished export is reused."""
    folder = lib.path / ENCODERS / build
    folder.mkdir(parents=True, exist_ok=True)
    if lib.model == FAKE_MODEL:
        shutil.copyfile(Path(model_dir) / TUNED_FAKE, folder / TUNED_FAKE)
        return folder
    weights = folder / TUNED_WEIGHTS
    if not (weights / "model.safetensors").exists():
        tmp = folder / (TUNED_WEIGHTS + ".partial")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(model_dir, tmp)
        shutil.rmtree(weights, ignore_errors=True)
        tmp.rename(weights)
    if lib.encoder == ONNX_INT8:
        export_int8(weights, folder / TUNED_ONNX)  # written through a temporary file: all or nothing
    return folder


def _texts(conn, wanted: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for table in ("passages", "findings"):
        for h, text in conn.execute(f"SELECT text_hash, text FROM {table}"):
            if h in wanted and h not in out:
                out[h] = text
    return out


def _missing(conn, build: str) -> dict[str, str]:
    """Texts of the library's vectors that have no staged vector of ``build`` yet."""
    staged = {r[0] for r in conn.execute("SELECT text_hash FROM tuned_vectors WHERE build=?", (build,))}
    wanted = {r[0] for r in conn.execute("SELECT text_hash FROM vectors")} - staged
    return _texts(conn, wanted) if wanted else {}


def stage_vectors(lib: Library, embedder, build: str, progress: Callable[..., None] | None = None,
                  batch: int = STAGE_BATCH) -> dict:
    """Encode every embedded text with the tuned model into ``tuned_vectors``; resumable."""
    progress = progress or (lambda *a, **k: None)
    c = lib.store.conn
    with lib.store.transaction() as t:
        t.execute("DELETE FROM tuned_vectors WHERE build != ?", (build,))  # another tune's leftovers
    done = c.execute("SELECT COUNT(*) FROM tuned_vectors WHERE build=?", (build,)).fetchone()[0]
    todo = sorted(_missing(c, build).items())
    total = done + len(todo)
    progress("embed", done=done, total=total)
    for i in range(0, len(todo), batch):
        part = todo[i: i + batch]
        vecs = embedder.encode([t for _, t in part])
        with lib.store.transaction() as t:
            t.executemany("INSERT OR REPLACE INTO tuned_vectors(text_hash, build, vector) VALUES (?, ?, ?)",
                          [(h, build, np.ascontiguousarray(vecs[j], dtype=np.float32).tobytes())
                           for j, (h, _) in enumerate(part)])
        done += len(part)
        progress("embed", done=done, total=total)
    return {"texts": total, "encoded": len(todo)}


def switch(lib: Library, embedder, build: str, record: dict) -> dict:
    """The one switch: the staged vectors replace the library's and the store records their
    build, in one transaction; then library.json follows and the FAISS indexes are rebuilt."""
    with lib.store.transaction() as c:
        late = _missing(c, build)  # texts an ingest committed since staging
        if late:
            items = sorted(late.items())
            vecs = embedder.encode([t for _, t in items])
            c.executemany("INSERT OR REPLACE INTO tuned_vectors(text_hash, build, vector) VALUES (?, ?, ?)",
                          [(h, build, np.ascontiguousarray(vecs[j], dtype=np.float32).tobytes())
                           for j, (h, _) in enumerate(items)])
        c.execute("DELETE FROM vectors")
        c.execute("INSERT INTO vectors(text_hash, vector) SELECT text_hash, vector FROM tuned_vectors WHERE build=?",
                  (build,))
        n = c.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]
        c.execute("DELETE FROM tuned_vectors")
        c.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", (ENCODER_RECORD, json.dumps(record)))
        bump_removals(c)  # every FAISS index built from the old vectors is stale
    lib.follow_stored_encoder()
    lib.refresh_vectors(force=True)
    lib.save_indexes()
    return {"vectors": n, "late": len(late)}


def remove_other_builds(lib: Library, keep: str | None) -> None:
    """Tuned folders no longer named by the library (an earlier tune's)."""
    root = lib.path / ENCODERS
    if root.is_dir():
        for p in root.iterdir():
            if p.is_dir() and p.name != keep:
                shutil.rmtree(p, ignore_errors=True)
