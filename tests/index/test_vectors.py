"""The FAISS index kind follows the library's size: exact below the limit, HNSW above,
with high recall against exact search, recorded beside the index and reloaded as such."""
import json

import numpy as np
import pytest

from index.store import Store
from index.vectors import VectorIndex

DIM = 384


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    """Clustered unit vectors, like embeddings of texts about a few topics."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(12, DIM))
    v = centres[rng.integers(0, 12, n)] + rng.normal(scale=0.8, size=(n, DIM))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def _add(store: Store, vecs: np.ndarray, start: int = 0) -> None:
    with store.transaction() as c:
        doc = c.execute("INSERT INTO documents(content_hash, title, type, source, text, blocks, meta)"
                        " VALUES (?, 't', 'other', 's', '', '[]', '{}')", (f"h{start}",)).lastrowid
        for i, v in enumerate(vecs, start):
            c.execute("INSERT INTO vectors(text_hash, vector) VALUES (?, ?)", (f"v{i}", v.tobytes()))
            c.execute("INSERT INTO passages(document_id, seq, text, start, end, text_hash) VALUES (?,?,?,?,?,?)",
                      (doc, i, f"passage {i}", 0, 1, f"v{i}"))


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "precedent.sqlite")
    yield s
    s.close()


def _recall_at_10(index: VectorIndex, vecs: np.ndarray, ids: np.ndarray, queries: np.ndarray) -> float:
    truth = np.argsort(-(queries @ vecs.T), axis=1)[:, :10]
    hits = sum(len({i for i, _ in index.search(q, 10)} & set(ids[t].tolist())) for q, t in zip(queries, truth))
    return hits / (10 * len(queries))


def test_small_library_is_exact(tmp_path, store):
    _add(store, _vectors(300))
    vi = VectorIndex(tmp_path, "passages", DIM, exact_limit=1000)
    assert vi.sync(store) == 300 and vi.kind == "flat"
    vi.save()
    meta = json.loads((tmp_path / "passages.json").read_text())
    assert meta["kind_name"] == "flat" and meta["kind"] == "IndexIDMap2(IndexFlatIP)" and meta["count"] == 300


def test_hnsw_above_the_limit_recalls_what_exact_search_finds(tmp_path, store):
    vecs = _vectors(600)
    _add(store, vecs)
    vi = VectorIndex(tmp_path, "passages", DIM, exact_limit=200)
    assert vi.sync(store) == 600
    assert vi.kind == "hnsw" and vi.ntotal == 600 and vi.max_id == 600
    ids = np.arange(1, 601)  # passage row ids
    queries = _vectors(50, seed=1)
    assert _recall_at_10(vi, vecs, ids, queries) >= 0.95
    # scores are cosines, best first, and a stored vector finds itself
    hits = vi.search(vecs[17], 5)
    assert hits[0][0] == 18 and abs(hits[0][1] - 1.0) < 1e-4
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)

    vi.save()
    meta = json.loads((tmp_path / "passages.json").read_text())
    assert meta["kind_name"] == "hnsw" and "HNSW" in meta["kind"]
    assert meta["params"] == {"M": vi.hnsw["M"], "efConstruction": vi.hnsw["efConstruction"],
                              "efSearch": vi.hnsw["efSearch"]}
    again = VectorIndex(tmp_path, "passages", DIM, exact_limit=200)
    assert again.kind == "hnsw" and again.ntotal == 600 and again.sync(store) == 0
    assert [i for i, _ in again.search(queries[0], 10)] == [i for i, _ in vi.search(queries[0], 10)]


def test_growing_past_the_limit_switches_to_hnsw_and_keeps_topping_up(tmp_path, store):
    vecs = _vectors(450)
    _add(store, vecs[:100])
    vi = VectorIndex(tmp_path, "passages", DIM, exact_limit=200)
    vi.sync(store)
    assert vi.kind == "flat" and vi.ntotal == 100
    _add(store, vecs[100:300], start=100)
    vi.sync(store)
    assert vi.kind == "hnsw" and vi.ntotal == 300
    _add(store, vecs[300:], start=300)
    assert vi.sync(store) == 150 and vi.kind == "hnsw" and vi.ntotal == 450
    assert vi.search(vecs[420], 1)[0][0] == 421


def test_limit_from_the_environment(tmp_path, store, monkeypatch):
    monkeypatch.setenv("PRECEDENT_EXACT_LIMIT", "50")
    _add(store, _vectors(120))
    vi = VectorIndex(tmp_path, "passages", DIM)
    vi.sync(store)
    assert vi.exact_limit == 50 and vi.kind == "hnsw"


def test_library_opens_with_hnsw_when_forced(tmp_path, monkeypatch):
    """End to end: ingest with a tiny limit, search still finds the right passage."""
    from index.ingest.pipeline import ingest
    from index.library import open_library
    from search.ranking.engine import search

    monkeypatch.setenv("PRECEDENT_EXACT_LIMIT", "3")
    docs = tmp_path / "docs"
    docs.mkdir()
    topics = ["ligature points on the ward", "ambulance response delay", "MARAC minutes not kept",
              "medication error in prison", "falls in a care home", "discharge without a care plan"]
    for i, t in enumerate(topics):
        (docs / f"d{i}.txt").write_text(f"Concern {i}: {t}. " * 3, encoding="utf-8")
    lib = open_library(tmp_path / "lib", model="fake-hashing-384")
    ingest(lib, [docs])
    assert lib.passages.kind == "hnsw" and lib.passages.ntotal == 6
    top = search(lib, "ambulance response delay", k=1, mode="dense")["results"][0]
    assert top["document"]["source"].endswith("d1.txt")
    lib.close()


@pytest.mark.parametrize("limit", [1000, 100])  # exact, then HNSW
def test_search_many_answers_as_one_search_per_query(tmp_path, store, limit):
    _add(store, _vectors(300))
    vi = VectorIndex(tmp_path, "passages", DIM, exact_limit=limit)
    vi.sync(store)
    queries = _vectors(4, seed=9)
    many = vi.search_many(queries, 7)
    assert len(many) == 4 and all(len(m) == 7 for m in many)
    for q, got in zip(queries, many):
        one = vi.search(q, 7)
        assert [i for i, _ in got] == [i for i, _ in one]
        assert [s for _, s in got] == pytest.approx([s for _, s in one], abs=1e-5)
