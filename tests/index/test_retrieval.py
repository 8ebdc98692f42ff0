"""index.retrieval: the reads a search makes, on the small library the fixtures ingest."""
import re

from index import retrieval


def test_fts_bm25_ranks_matches_and_finds_nothing_for_an_expression_fts5_cannot_parse(filled_library):
    store = filled_library.store
    hits = retrieval.fts_bm25(store, "passages", '"minuted"', 5)
    assert hits and all(s > 0 for _, s in hits)  # FTS5's bm25() negated: higher is better
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert "minuted" in retrieval.texts(store, "passages", [hits[0][0]])[hits[0][0]]
    assert retrieval.fts_bm25(store, "passages", 'AND "', 5) == []
    assert retrieval.fts_newest(store, "passages", 'AND "', 5) == []


def test_token_counts_are_fts5s_own(filled_library):
    store = filled_library.store
    texts = retrieval.texts(store, "passages", range(1, 50))
    sizes = retrieval.token_counts(store, texts)
    assert texts and sizes == {i: len(re.findall(r"[^\W_]+", t)) for i, t in texts.items()}


def test_rows_by_id_leave_out_missing_ids(filled_library):
    store = filled_library.store
    pids = list(retrieval.texts(store, "passages", range(1, 50)))
    docs = retrieval.passage_documents(store, pids + [10**6])
    assert set(docs) == set(pids)
    assert set(retrieval.stored_vectors(store, "passages", pids + [10**6])) <= set(pids)
    assert retrieval.texts(store, "findings", []) == {} and retrieval.documents_by_id(store, set()) == {}


def test_filter_checks_read_statuses_and_themes(filled_library):
    from index.rows import insert_action

    store = filled_library.store
    doc = store.documents(1)[0]["id"]
    with store.transaction() as t:
        insert_action(t, doc, 99, "commitment", "We will train staff.", None, None, None, None, "Amber", None, 0, 5)
        insert_action(t, doc, 98, "commitment", "We will audit.", None, None, None, None, "", None, 0, 5)
    assert "amber" in retrieval.held_statuses(store) and "" not in retrieval.held_statuses(store)
    assert retrieval.theme_exists(store, 10**6) is False


def test_all_vectors_holds_each_stored_vector_by_its_texts_hash(filled_library):
    import numpy as np

    store = filled_library.store
    every = retrieval.all_vectors(store)
    assert len(every) == store.count("vectors") > 0
    h, v = next(iter(every.items()))
    assert np.array_equal(v, retrieval.vector_of_hash(store, h))
