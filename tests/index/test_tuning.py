"""Tuning the encoder to the library (index.tuning) on the hashing fake: pairs from the library's
structure, the held-back rule, the swap, and a tune killed in training, in re-embedding and
between the store's switch and library.json, each leaving one encoder serving, never a mix."""
import json

import numpy as np
import pytest

from index.encoders import HashingEmbedder
from index.ingest.pipeline import ingest
from index.library import Library, LibraryError, open_library
from index.tuning import KINDS, TuneOptions, build_pairs, tune
from tests.support.tune_data import report_rows, write_reports

OPTIONS = TuneOptions(batch_size=8, max_pairs=400)


@pytest.fixture
def lib(tmp_path):
    lib = open_library(tmp_path / "lib", model="fake-hashing-384")
    ingest(lib, [write_reports(tmp_path / "in")])
    yield lib
    lib.close()


def scores(r10: float) -> dict:
    return {"overall": {"pairs": 10, "recall@10": r10, "mrr": r10}}


def says(better: bool):
    return lambda lib, pairs, model_dir: (scores(0.5), scores(0.6 if better else 0.4))


def vectors(lib) -> dict[str, bytes]:
    return dict(lib.store.conn.execute("SELECT text_hash, vector FROM vectors").fetchall())


def meta(lib) -> dict:
    return json.loads((lib.path / "library.json").read_text())


def test_pairs_come_from_the_library_deterministically_and_held_back_documents_are_never_trained_on(lib):
    a, b = build_pairs(lib, 400, seed=5), build_pairs(lib, 400, seed=5)
    assert a.signature() == b.signature() and a.counts() == b.counts()
    assert build_pairs(lib, 400, seed=6).signature() != a.signature()
    counts = a.counts()
    for kind in ("concern_context", "concern_concern", "inverse_cloze"):
        assert counts[kind]["train"] > 0 and counts[kind]["held"] > 0, counts
    assert counts["concern_action"]["available"] == 0  # no response letters in this corpus
    train_docs = {p.document_id for ps in a.train.values() for p in ps}
    held_docs = {p.document_id for ps in a.held.values() for p in ps}
    assert train_docs and held_docs and not train_docs & held_docs
    for p in a.train["concern_context"]:
        assert p.negative and p.negative != p.positive and p.anchor not in p.positive
    # a concern's partner is a passage of its own report; the hard negative another report's
    texts = {d: " ".join(r[0] for r in lib.store.conn.execute("SELECT text FROM passages WHERE document_id=?", (d,)))
             for d in train_docs}
    p = a.train["concern_context"][0]
    assert p.positive[:80] in " ".join(texts[p.document_id].split())
    assert p.negative[:80] not in " ".join(texts[p.document_id].split())


def test_the_pair_budget_caps_training_pairs_by_kind(lib):
    small = build_pairs(lib, 40, seed=5)
    assert sum(len(v) for v in small.train.values()) <= 40
    assert len(small.train["concern_context"]) == int(40 * 0.45)


def test_a_kept_tune_swaps_encoder_and_every_vector_at_once_and_later_ingests_use_it(lib, tmp_path):
    before = vectors(lib)
    summary = tune(lib, OPTIONS, checker=says(better=True))
    assert summary["kept"] and summary["encoder_after"].startswith("tuned-")
    build = summary["encoder_after"]
    assert meta(lib)["encoder_build"] == build and meta(lib)["tuned"] == f"encoders/{build}"
    after = vectors(lib)
    assert after.keys() == before.keys() and all(after[h] != before[h] for h in before)
    # the swapped vectors are the tuned model's own: a text's stored vector is its encoding now
    emb = lib.embedder
    assert getattr(emb, "build", None) == build and emb.salt
    h, text = lib.store.conn.execute("SELECT text_hash, text FROM passages LIMIT 1").fetchone()
    assert np.array_equal(np.frombuffer(after[h], dtype=np.float32), emb.encode([text])[0])
    embedded = lib.store.conn.execute(
        "SELECT COUNT(*) FROM passages p JOIN vectors v ON v.text_hash = p.text_hash").fetchone()[0]
    assert lib.passages.ntotal == embedded > 0  # FAISS rebuilt from the new vectors
    # a library opened afresh answers with the tuned encoder; an ingest adds its vectors
    lib.close()
    again = open_library(lib.path)
    assert again.embedder.build == build
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "note.txt").write_text("Concern: the discharge summary was never sent to the GP after surgery.\n")
    ingest(again, [extra])
    h2, t2 = again.store.conn.execute("SELECT text_hash, text FROM passages ORDER BY id DESC LIMIT 1").fetchone()
    got = np.frombuffer(vectors(again)[h2], dtype=np.float32)
    assert np.array_equal(got, again.embedder.encode([t2])[0])
    assert not np.array_equal(got, HashingEmbedder().encode([t2])[0])
    assert (again.path / "tuning" / "last.json").exists() and not (again.path / "tuning" / "work").exists()
    again.close()


def test_a_tuned_model_no_better_on_the_held_back_pairs_is_not_kept(lib):
    before, m = vectors(lib), meta(lib)
    summary = tune(lib, OPTIONS, checker=says(better=False))
    assert not summary["kept"] and summary["encoder_after"] == summary["encoder_before"]
    assert vectors(lib) == before and meta(lib) == m and not (lib.path / "encoders").exists()


def test_the_real_check_scores_base_and_tuned_on_the_held_back_slice(lib):
    summary = tune(lib, OPTIONS)
    held = summary["held_back"]
    for side in ("base", "tuned"):
        assert held[side]["overall"]["pairs"] == sum(v["held"] for v in summary["pairs"].values())
        assert 0.0 <= held[side]["overall"]["recall@10"] <= 1.0
    assert summary["kept"] == (held["tuned"]["overall"]["recall@10"] > held["base"]["overall"]["recall@10"])


class Killed(BaseException):
    """What a kill looks like to the code in flight: nothing after it runs."""


def test_a_tune_killed_in_training_leaves_the_library_as_it_was(lib):
    before, m = vectors(lib), meta(lib)

    def dies(*a, **k):
        raise Killed()

    with pytest.raises(Killed):
        tune(lib, OPTIONS, trainer=dies, checker=says(better=True))
    assert vectors(lib) == before and meta(lib) == m
    assert lib.store.count("tuned_vectors") == 0


def test_a_tune_killed_while_re_embedding_serves_the_old_encoder_then_resumes(lib, monkeypatch):
    before, m = vectors(lib), meta(lib)
    import index.tuning.swap as swap

    real = HashingEmbedder.encode
    calls = {"n": 0}

    def encode(self, texts):
        if self.salt:
            calls["n"] += 1
            if calls["n"] == 2:
                raise Killed()
        return real(self, texts)

    monkeypatch.setattr(HashingEmbedder, "encode", encode)
    monkeypatch.setattr(swap, "STAGE_BATCH", 16)
    monkeypatch.setattr(swap.stage_vectors, "__defaults__", (None, 16))
    with pytest.raises(Killed):
        tune(lib, OPTIONS, checker=says(better=True))
    assert vectors(lib) == before and meta(lib) == m  # the old encoder and its vectors, untouched
    staged = lib.store.count("tuned_vectors")
    assert 0 < staged < len(before)
    reopened = open_library(lib.path)
    assert getattr(reopened.embedder, "build", None) is None and not getattr(reopened.embedder, "salt", "")
    reopened.close()
    summary = tune(lib, OPTIONS, checker=says(better=True))  # resumes: the staged vectors are kept
    assert summary["kept"] and summary["embedded"]["encoded"] == len(before) - staged
    assert lib.store.count("tuned_vectors") == 0 and meta(lib)["encoder_build"] == summary["encoder_after"]


def test_killed_between_the_store_switch_and_library_json_the_next_opener_follows_the_store(lib, monkeypatch):
    real = Library.follow_stored_encoder
    state = {"first": True}

    def dies_once(self):
        if state["first"]:
            state["first"] = False
            raise Killed()
        return real(self)

    monkeypatch.setattr(Library, "follow_stored_encoder", dies_once)
    m = meta(lib)
    with pytest.raises(Killed):
        tune(lib, OPTIONS, checker=says(better=True))
    assert meta(lib) == m  # the file still names the old build, but the store switched
    monkeypatch.setattr(Library, "follow_stored_encoder", real)
    again = open_library(lib.path)
    assert again.meta["encoder_build"].startswith("tuned-") and meta(lib)["encoder_build"] == again.meta["encoder_build"]
    h, text = again.store.conn.execute("SELECT text_hash, text FROM passages LIMIT 1").fetchone()
    assert np.array_equal(np.frombuffer(vectors(again)[h], dtype=np.float32), again.embedder.encode([text])[0])
    again.close()


def test_an_ingest_begun_before_a_tune_refuses_to_add_vectors_from_the_old_encoder(lib, tmp_path):
    older = open_library(lib.path)  # e.g. a CLI ingest that opened the library before the tune
    older.embedder
    tune(lib, OPTIONS, checker=says(better=True))
    extra = tmp_path / "late"
    extra.mkdir()
    (extra / "late.txt").write_text("Concern: the hospital did not record the fluid balance chart overnight.\n")
    older._checked = float("inf")  # it has not looked at the store since (throttled refresh)
    with pytest.raises(LibraryError, match="tuned while this ingest ran"):
        ingest(older, [extra])
    older.close()


def test_a_running_library_follows_a_tune_made_elsewhere(lib):
    other = open_library(lib.path)
    base = other.embedder
    tune(lib, OPTIONS, checker=says(better=True))
    other.refresh_vectors(force=True)
    assert other.embedder is not base and other.embedder.build == meta(lib)["encoder_build"]
    other.close()


def test_the_tune_command_prints_a_json_summary(lib, runner):
    from precedent import cli

    lib.close()
    res = runner.invoke(cli, ["tune", "--library", str(lib.path), "--json", "--pairs", "200"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output[res.output.index("{"):])
    assert set(out["pairs"]) == set(KINDS) and "held_back" in out and out["kept"] in (True, False)
    bad = runner.invoke(cli, ["tune", "--library", str(lib.path), "--kinds", "nonsense"])
    assert bad.exit_code == 2 and "unknown kind" in bad.output and "Traceback" not in bad.output


def test_too_few_pairs_is_one_line_not_a_traceback(tmp_path, runner):
    from precedent import cli

    lib = open_library(tmp_path / "tiny", model="fake-hashing-384")
    ingest(lib, [write_reports(tmp_path / "in", n=2)])
    lib.close()
    res = runner.invoke(cli, ["tune", "--library", str(tmp_path / "tiny")])
    assert res.exit_code == 1 and "too few training pairs" in res.output


def test_serve_tunes_after_its_first_ingest_as_a_named_step_when_asked(tmp_path, monkeypatch):
    from index.ingest import IngestWorker
    from index.tuning import tune_encoder

    monkeypatch.setenv("PRECEDENT_TUNE", "auto")
    monkeypatch.setenv("PRECEDENT_TUNE_PAIRS", "400")
    lib = open_library(tmp_path / "lib", model="fake-hashing-384")
    w = IngestWorker(lib, [write_reports(tmp_path / "in")], after=[tune_encoder]).start()
    w.join(60)
    st = w.status()
    step = next(s for s in st["steps"] if s["name"] == "tune_encoder")
    assert st["error"] is None and step["state"] == "done" and step["label"] == "tuning the encoder to the library"
    assert step["detail"].startswith(("kept", "not kept")) and "recall@10" in step["detail"]
    assert (lib.path / "tuning" / "last.json").exists()
    lib.close()


def test_tuning_is_off_unless_asked(tmp_path, monkeypatch):
    from index.settings import Settings
    from index.tuning import tune_encoder

    assert Settings.from_env({}).tune == "off"
    with pytest.raises(ValueError, match="PRECEDENT_TUNE"):
        Settings.from_env({"PRECEDENT_TUNE": "sometimes"})
    lib = open_library(tmp_path / "lib", model="fake-hashing-384")
    assert tune_encoder(lib).startswith("off")
    lib.close()


def test_the_corpus_for_these_tests_has_several_areas():
    assert len({r["area"] for r in report_rows()}) == 3
