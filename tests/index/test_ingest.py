import numpy as np
import pytest

from index.ingest.pipeline import ingest
from index.library import LibraryError, open_library


def test_ingest_reports_added_and_failed_with_reasons(library, docs_dir):
    report = ingest(library, [docs_dir])
    s = report.summary()
    assert s["added"] == 2
    failed = {f["path"].rsplit("/", 1)[-1]: f["reason"] for f in s["failed"]}
    assert set(failed) == {"empty.txt", "noise.bin"}
    assert "empty" in failed["empty.txt"].lower()
    assert s["passages"] == library.store.count("passages") > 0
    assert library.passages.ntotal == s["passages"]


def test_reingest_adds_nothing_and_embeds_nothing(library, docs_dir):
    ingest(library, [docs_dir])
    n_docs, n_pass = library.store.count("documents"), library.store.count("passages")
    again = ingest(library, [docs_dir]).summary()
    assert again["added"] == 0 and again["already_present"] == 2 and again["texts_encoded"] == 0
    assert (library.store.count("documents"), library.store.count("passages")) == (n_docs, n_pass)


def test_same_text_in_another_file_is_present_and_new_files_do_not_reembed(library, docs_dir, tmp_path):
    ingest(library, [docs_dir])
    more = tmp_path / "more"
    more.mkdir()
    (more / "copy.txt").write_text((docs_dir / "letter.txt").read_text())  # same content, other file
    (more / "new.txt").write_text("A new review found that the GP was never told of the MAPPA level 2 decision.")
    before = library.store.count("vectors")
    s = ingest(library, [more]).summary()
    assert s["added"] == 1 and s["already_present"] == 1
    assert s["texts_encoded"] == library.store.count("vectors") - before == 1


def test_killed_batch_leaves_library_as_before_and_rerun_finishes(library, tmp_path):
    d = tmp_path / "many"
    d.mkdir()
    for i in range(6):
        (d / f"doc{i}.txt").write_text(f"Document {i} says the referral number {i} was never followed up by the team.")
    real = library.embedder.encode
    calls = {"n": 0}

    def dying(texts):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt("killed")
        return real(texts)

    library._embedder.encode = dying
    with pytest.raises(KeyboardInterrupt):
        ingest(library, [d], batch_size=1)
    assert library.store.count("documents") == 3  # three batches committed, the fourth rolled back
    assert library.store.count("passages") == library.passages.ntotal == 3
    library._embedder.encode = real
    s = ingest(library, [d], batch_size=1).summary()
    assert s["added"] == 3 and s["already_present"] == 3
    assert library.store.count("documents") == 6


def test_library_refuses_another_model_and_rebuilds_lost_index(tmp_path, docs_dir):
    path = tmp_path / "lib"
    lib = open_library(path, model="fake-hashing-384")
    ingest(lib, [docs_dir])
    n = lib.passages.ntotal
    lib.close()
    with pytest.raises(LibraryError, match="refusing"):
        open_library(path, model="all-MiniLM-L6-v2")
    (path / "passages.faiss").unlink()
    lib = open_library(path)
    assert lib.model == "fake-hashing-384"
    assert lib.passages.ntotal == n > 0
    v = lib.embedder.encode(["MARAC minutes"])
    assert v.shape == (1, 384) and np.isclose(np.linalg.norm(v), 1.0)
