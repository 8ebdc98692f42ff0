"""The learned document ranker (search.ranking.learned): features, fitting, the parameter file,
and that the one ranker uses it (fake embedder)."""
import json

import numpy as np
import pytest

from search import evaluate as ev
from search.ranking import learned as lr
from search.ranking import ranker


@pytest.fixture
def reports(library, tmp_path):
    """Reports about families not being told, about ligatures, and about both."""
    from index.ingest.pipeline import ingest

    d = tmp_path / "reports"
    d.mkdir()
    for i in range(10):
        (d / f"family{i}.txt").write_text(
            "Regulation 28 Report to Prevent Future Deaths\n\nCORONER'S CONCERNS\n\n"
            f"1. The family were not told about the discharge of patient {i} and their concerns were not recorded.\n\n"
            f"2. The family of patient {i} were not involved in care planning.\n")
        (d / f"ward{i}.txt").write_text(
            "Regulation 28 Report to Prevent Future Deaths\n\nCORONER'S CONCERNS\n\n"
            f"1. Ligature points on ward {i} had not been removed after the audit.\n")
    ingest(library, [d])
    return library


def _groups(n_queries=6, rows=30, seed=1):
    """Synthetic queries: relevance follows feature 4 (plus noise); the rest is noise."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_queries):
        x = rng.normal(size=(rows, len(lr.FEATURES)))
        y = (x[:, 4] + 0.3 * rng.normal(size=rows) > 0.5).astype(float)
        out.append((x, y))
    return out


def test_fit_learns_the_feature_that_carries_relevance():
    p = lr.fit(_groups())
    assert int(np.argmax(np.abs(p.coef))) == 4 and p.coef[4] > 0
    x, y = _groups(1, 200, seed=7)[0]
    s = lr.score(x, p)
    # relevant rows score higher than irrelevant ones on fresh data
    assert s[y > 0].mean() > s[y == 0].mean() + 1.0


def test_regularisation_shrinks_the_coefficients():
    weak, strong = lr.fit(_groups(), l2=0.1), lr.fit(_groups(), l2=1000.0)
    assert np.abs(strong.coef).sum() < 0.5 * np.abs(weak.coef).sum()


def test_score_is_a_pure_linear_function_of_the_parameters():
    p = lr.Params("t", lr.FEATURES, np.zeros(len(lr.FEATURES)), np.full(len(lr.FEATURES), 2.0),
                  np.eye(len(lr.FEATURES))[0])
    x = np.zeros((3, len(lr.FEATURES)))
    x[:, 0] = [1.0, 3.0, -1.0]
    assert lr.score(x, p).tolist() == [0.5, 1.5, -0.5]
    assert lr.score(np.zeros((0, len(lr.FEATURES))), p).shape == (0,)


def test_parameters_round_trip_and_other_features_are_refused(tmp_path):
    p = lr.fit(_groups(), version="v-test")
    f = tmp_path / "params.json"
    f.write_text(p.to_json(note="x"))
    back = lr.load(f)
    assert back.version == "v-test" and np.allclose(back.coef, p.coef, atol=1e-5)
    d = json.loads(f.read_text())
    d["features"] = d["features"][:-1]
    f.write_text(json.dumps(d))
    assert lr.load(f) is None
    assert lr.load(tmp_path / "missing.json") is None
    f.write_text("{not json")
    assert lr.load(f) is None


def test_the_shipped_parameters_load_and_say_how_they_were_fitted():
    p = lr.load()
    assert p is not None, "search/ranking/rank_params.json is missing or for other features"
    about = json.loads(lr.PARAMS.read_text())
    assert about["version"] and about["how"] and set(about["fitted_on"]) == {"dev", "categories", "cross"}
    assert len(p.coef) == len(lr.FEATURES) and np.all(p.scale > 0)


def test_features_describe_every_candidate_document(reports):
    q = "family not told about discharge"
    lists = ranker.retrieve(reports, q, "hybrid", 100)
    _, documents = ranker.fused_documents(reports, lists, "hybrid")
    docs, x = lr.features(reports, q, lists.p_dense, lists.p_kw, lists.vector, dict(documents),
                          lr.query_idf(reports, q))
    assert set(docs) == {d for d, _ in documents} and x.shape == (len(docs), len(lr.FEATURES))
    col = {f: x[:, i] for i, f in enumerate(lr.FEATURES)}
    names = {d["id"]: d["source"] for d in reports.store.documents()}
    family = np.array(["family" in names[d] for d in docs])
    assert col["kw1"][family].min() > col["kw1"][~family].max()
    assert col["doc_logtf"][family].min() > col["doc_logtf"][~family].max()
    assert col["f_cover"][family].mean() > col["f_cover"][~family].mean()
    assert np.all((col["kw1"] >= 0) & (col["kw1"] <= 1)) and col["kw1"].max() == pytest.approx(1.0)
    assert np.all(np.abs(col["fcos1"]) <= 1 + 1e-6) and np.all(np.abs(col["fcos_mean"]) <= 1 + 1e-6)


def test_the_ranker_orders_documents_by_the_learned_score(reports, monkeypatch):
    q = "family concerns not recorded"
    # a model that reads nothing but how much of the query's vocabulary the concerns use
    only = np.zeros(len(lr.FEATURES))
    only[lr.FEATURES.index("f_cover")] = 1.0
    p = lr.Params("t", lr.FEATURES, np.zeros(len(lr.FEATURES)), np.ones(len(lr.FEATURES)), only)
    monkeypatch.setattr(ranker, "_PARAMS", [p])
    alone = ranker.with_weights(doc_bm25=0.0, doc_dense=0.0)  # the learned model without the document fusion after it
    got = ranker.rank_documents(reports, q, w=alone)
    lists = ranker.retrieve(reports, q, "hybrid", ranker.POOL)
    _, documents = ranker.fused_documents(reports, lists, "hybrid")
    docs, x = lr.features(reports, q, lists.p_dense, lists.p_kw, lists.vector, dict(documents), lr.query_idf(reports, q))
    s = x[:, lr.FEATURES.index("f_cover")]
    assert [d for d, _ in got] == [docs[i] for i in sorted(range(len(docs)), key=lambda i: -s[i])]
    # eval scores the same order
    assert ev.rank_documents(reports, q, "hybrid", depth=ranker.POOL, weights=alone) == [d for d, _ in got]
    assert ev.rank_documents(reports, q, "hybrid", depth=ranker.POOL) == [d for d, _ in ranker.rank_documents(reports, q)]
    # without parameters (or with learned off) the hand-weighted order stays
    monkeypatch.setattr(ranker, "_PARAMS", [None])
    assert ranker.rank_documents(reports, q, w=alone) == documents
    assert ranker.rank_documents(reports, q, w=ranker.with_weights(learned=False, doc_bm25=0.0)) == documents
