"""Tuning with the real MiniLM (slow): training that resumes from its checkpoint after a kill,
and a whole tune of a tiny library (train, check, int8 export, re-embed, swap) after which the
library answers with the tuned encoder, and keeps doing so when opened afresh."""
import numpy as np
import pytest

from index.ingest.pipeline import ingest
from index.library import open_library
from index.tuning import TrainOptions, TuneOptions, build_pairs, train_model, tune
from tests.support.tune_data import write_reports

pytestmark = pytest.mark.slow


@pytest.fixture
def real_lib(tmp_path, monkeypatch):
    monkeypatch.setenv("PRECEDENT_MODEL", "all-MiniLM-L6-v2")
    monkeypatch.setenv("PRECEDENT_CACHE", str(tmp_path / "cache"))
    lib = open_library(tmp_path / "lib", model="all-MiniLM-L6-v2")
    ingest(lib, [write_reports(tmp_path / "in", n=24)])
    yield lib
    lib.close()


class Killed(BaseException):
    pass


def test_training_killed_after_a_checkpoint_resumes_from_it(real_lib, tmp_path):
    from index.encoders import packaged_model_dir

    pairs = build_pairs(real_lib, 64, seed=3)
    opts = TrainOptions(seed=3, minutes=10, max_seq_length=32, batch_size=4, save_steps=2)

    def killer(event, **kw):
        if event == "train" and kw["step"] >= 3:
            raise Killed()

    work, out = tmp_path / "work", tmp_path / "model"
    with pytest.raises(Killed):
        train_model(pairs, packaged_model_dir(), out, work, opts, progress=killer)
    assert (work / "checkpoints" / "checkpoint-2").is_dir()
    r = train_model(pairs, packaged_model_dir(), out, work, opts)
    assert r.resumed_from == "checkpoint-2" and r.steps == r.max_steps > 3
    assert (out / "model.safetensors").exists()


def test_a_tiny_library_is_tuned_end_to_end_and_answers_with_the_tuned_encoder(real_lib):
    from index.tuning import held_back_check as real_check

    seen = {}

    def check_then_keep(lib, pairs, model_dir):
        base, tuned = real_check(lib, pairs, model_dir)
        seen.update(base=base, tuned=tuned)
        tuned = {**tuned, "overall": {**tuned["overall"], "recall@10": base["overall"]["recall@10"] + 1}}
        return base, tuned  # kept whatever the verdict, so the export and swap run here

    opts = TuneOptions(seed=3, minutes=1.5, max_pairs=96, max_seq_length=48, batch_size=8)
    summary = tune(real_lib, opts, checker=check_then_keep)
    for side in ("base", "tuned"):
        assert 0 < seen[side]["overall"]["pairs"] and 0 <= seen[side]["overall"]["recall@10"] <= 1
    assert summary["kept"] and summary["training"]["steps"] >= 1
    build = summary["encoder_after"]
    assert build.startswith("tuned-") and build.endswith("export-v4")
    folder = real_lib.path / "encoders" / build
    assert (folder / "model-int8.onnx").exists() and (folder / "model" / "model.safetensors").exists()
    emb = real_lib.embedder
    assert emb.build == build and str(emb.path) == str(folder / "model-int8.onnx")
    h, text = real_lib.store.conn.execute("SELECT text_hash, text FROM passages LIMIT 1").fetchone()
    stored = np.frombuffer(real_lib.store.conn.execute("SELECT vector FROM vectors WHERE text_hash=?", (h,)).fetchone()[0],
                           dtype=np.float32)
    assert np.allclose(stored, emb.encode([text])[0], atol=1e-6)
    from index.encoders import OnnxEmbedder

    assert not np.allclose(stored, OnnxEmbedder("all-MiniLM-L6-v2").encode([text])[0], atol=1e-3)
    from search.ranking import ranker

    assert ranker.rank_documents(real_lib, "ligature point on a mental health ward", "dense", pool=50)
    real_lib.close()
    again = open_library(real_lib.path)
    assert again.embedder.build == build
    again.close()
