"""Screening (issue 12): screens, judgements, learning, estimates, CLI and pages, on the fake embedder."""
import json

import numpy as np
import pytest

from precedent import cli

from tests.support.screen_data import OTHER, RESTRAINT, build_screen_library, ids_by_topic, report_text  # noqa: F401


@pytest.fixture
def screen_lib(library, tmp_path):
    return build_screen_library(library, tmp_path)


def test_age_tokens_band_ages():
    from search.screening.features import age_tokens

    assert age_tokens("a 15-year-old boy and his father, aged 45") == ["ageadult", "ageteen"]
    assert age_tokens("the baby was 6 weeks old") == ["ageinfant"]
    assert age_tokens("no age here") == []


def test_score_mixture_counts_the_unseen_relevant():
    """Two clearly separated score distributions, a biased handful judged from the top: the
    mixture's estimate of the relevant among the unjudged is near the truth, where a
    calibration fitted on the judged alone has no easy negatives to learn from."""
    from search.screening.model import mixture, platt

    rng = np.random.default_rng(1)
    truth = np.r_[np.ones(60), np.zeros(940)].astype(int)
    score = np.where(truth == 1, rng.normal(2.0, 0.7, 1000), rng.normal(-2.0, 1.0, 1000))
    order = np.argsort(-score)
    top = np.r_[order[:70], rng.choice(order[70:], 5, replace=False)]  # the likeliest first, a few random
    universe = np.arange(1000)
    a, b = platt(score[top], truth[top])
    assert a > 0
    p, info = mixture(score, universe, top, truth[top], score[top], 1 / (1 + np.exp(-(a * score + b))))
    unjudged = np.setdiff1d(universe, top)
    true_left = truth[unjudged].sum()
    assert abs(p[unjudged].sum() - true_left) <= max(3, 0.25 * true_left)
    assert info["mixture"]["mean_relevant"] > info["mixture"]["mean_other"]
    assert mixture(score, universe, top[:1], truth[top[:1]], score[top[:1]], p)[0] is None  # too few judged


def test_judging_changes_the_ranking(screen_lib):
    from search.screening import screens as S

    restraint, other = ids_by_topic(screen_lib)
    S.create_screen(screen_lib, "restraint", "unsafe physical hold of a person")
    before = {d["id"]: d["p"] for d in S.show_screen(screen_lib, "restraint")["documents"]}
    proposed = S.next_documents(screen_lib, "restraint", n=5)["documents"]
    assert len(proposed) == 5 and all(0.0 <= d["p"] <= 1.0 for d in proposed)
    # the person says: restraint reports are relevant, the others not
    items = [(i, "yes", "") for i in restraint[:3]] + [(i, "no", "") for i in other[:3]]
    out = S.judge_many(screen_lib, "restraint", items)
    assert out["recorded"] == 6 and not out["errors"]
    after = {d["id"]: d["p"] for d in S.show_screen(screen_lib, "restraint")["documents"]}
    unjudged_r = [i for i in restraint[3:]]
    unjudged_o = [i for i in other[3:]]
    assert np.mean([after[i] for i in unjudged_r]) > np.mean([after[i] for i in unjudged_o])
    def auc(p):  # how often an unjudged restraint report outranks an unjudged other one
        return np.mean([p[a] > p[b] for a in unjudged_r for b in unjudged_o])
    assert auc(after) >= auc(before) + 0.1  # the judgements moved restraint reports up
    nxt = S.next_documents(screen_lib, "restraint", n=3)["documents"]
    assert not {d["id"] for d in nxt} & {i for i, _, _ in items}  # judged documents are not proposed again
    assert nxt[0]["id"] in restraint


def test_estimates_are_well_formed(screen_lib):
    from search.screening import screens as S

    restraint, other = ids_by_topic(screen_lib)
    S.create_screen(screen_lib, "est", "restraint by officers")
    s0 = S.show_screen(screen_lib, "est")
    assert s0["judged"] == 0 and s0["estimated_recall"] is None and "no judgements" in s0["method"]
    S.judge_many(screen_lib, "est", [(i, "yes", "") for i in restraint[:4]] + [(i, "no", "") for i in other[:6]])
    s = S.show_screen(screen_lib, "est")
    assert s["judged"] == 10 and s["relevant_found"] == 4
    assert 0.0 <= s["estimated_recall"] <= 1.0
    assert s["estimated_relevant"] >= 0
    assert s["unjudged"] == len(s["documents"]) - 10
    assert s["included"] == sum(d["included"] for d in s["documents"])
    assert "mixture" in s["method"] or "Platt" in s["method"]
    lo, hi = s["estimated_recall_range"] or (s["estimated_recall"], s["estimated_recall"])
    assert lo - 1e-9 <= s["estimated_recall"] <= hi + 1e-9
    labels = {d["id"]: d["label"] for d in s["documents"]}
    assert all(labels[i] == "yes" for i in restraint[:4]) and all(labels[i] == "no" for i in other[:6])
    for d in s["documents"]:
        if d["label"] == "yes":
            assert d["included"]
        if d["label"] == "no":
            assert not d["included"]
    ps = [d["p"] for d in s["documents"]]
    assert ps == sorted(ps, reverse=True)
    expected = s["relevant_found"] / (s["relevant_found"] + s["estimated_relevant"])
    assert abs(s["estimated_recall"] - expected) < 0.01


def test_rejudging_replaces_and_bad_input_is_reported(screen_lib):
    from search.screening import screens as S

    restraint, _ = ids_by_topic(screen_lib)
    S.create_screen(screen_lib, "re", "restraint")
    S.judge(screen_lib, "re", restraint[0], "yes", note="prone hold")
    S.judge(screen_lib, "re", restraint[0], "no")
    s = S.show_screen(screen_lib, "re")
    assert s["judged"] == 1 and s["relevant_found"] == 0
    assert next(d for d in s["documents"] if d["id"] == restraint[0])["note"] == "prone hold"
    out = S.judge_many(screen_lib, "re", [("x1", "yes", ""), (restraint[1], "maybe", ""), (10**6, "no", ""),
                                          (restraint[2], "yes", "")])
    assert out["recorded"] == 1 and [e["status"] for e in out["errors"]] == [400, 400, 404]
    with pytest.raises(S.ScreenError) as e:
        S.create_screen(screen_lib, "re", "again")
    assert e.value.status == 409
    for bad in ("", "has space", "../x", "a" * 81, "x.json"):
        with pytest.raises(S.ScreenError):
            S.create_screen(screen_lib, bad, "q")
    with pytest.raises(S.ScreenError):
        S.create_screen(screen_lib, "ok", "q", {"date_from": "last year"})
    with pytest.raises(S.ScreenError):
        S.create_screen(screen_lib, "ok2", "q", {"colour": "red"})
    with pytest.raises(S.ScreenError) as e:
        S.next_documents(screen_lib, "missing")
    assert e.value.status == 404


def test_filters_limit_the_screen(screen_lib):
    from search.screening import screens as S

    all_docs = S.create_screen(screen_lib, "all", "restraint")["documents_in_screen"]
    some = S.create_screen(screen_lib, "late", "restraint", {"date_from": "2020"})
    assert 0 < some["documents_in_screen"] < all_docs
    dates = [d["date"] for d in S.show_screen(screen_lib, "late")["documents"]]
    assert dates and all(d >= "2020" for d in dates)
    assert S.create_screen(screen_lib, "none", "restraint", {"type": "minutes"})["documents_in_screen"] == 0
    assert S.next_documents(screen_lib, "none")["documents"] == []


def test_features_are_cached_and_rebuilt_when_documents_are_added(screen_lib, tmp_path):
    from index.ingest.pipeline import ingest
    from search.screening import features as sf

    f1 = sf.features_for(screen_lib)
    assert sf.features_for(screen_lib) is f1
    assert (screen_lib.path / "screening-features.npz").exists()
    sf.forget_features()
    f2 = sf.features_for(screen_lib)  # from the disk cache
    assert f2.signature == f1.signature and f2.n == f1.n
    assert np.allclose(f2.dense, f1.dense) and (f2.words != f1.words).nnz == 0
    d = tmp_path / "more"
    d.mkdir()
    (d / "new.txt").write_text(report_text(77, "officers restrained a man in the back of the van"))
    ingest(screen_lib, [d])
    f3 = sf.features_for(screen_lib)
    assert f3.n == f1.n + 1 and f3.signature != f1.signature


def test_pack_and_csv_export(screen_lib):
    from search.screening import screens as S
    from search.packs.packs import get_pack

    restraint, other = ids_by_topic(screen_lib)
    S.create_screen(screen_lib, "pk", "restraint by officers")
    S.judge_many(screen_lib, "pk", [(i, "yes", "held down") for i in restraint[:3]] +
                 [(i, "no", "") for i in other[:3]])
    included = S.included_documents(screen_lib, "pk")
    text = S.to_csv(included)
    lines = text.strip().splitlines()
    assert lines[0] == ",".join(S.CSV_COLUMNS) and len(lines) == len(included) + 1
    out = S.add_to_pack(screen_lib, "pk")
    coll = get_pack(screen_lib, out["collection_id"])
    assert coll["total"] == len(included) == out["added"]
    assert {it["item_id"] for it in coll["items"]} >= set(restraint[:3])


def test_cli_end_to_end(screen_lib, runner, tmp_path):
    lib = str(screen_lib.path)
    restraint, other = ids_by_topic(screen_lib)
    r = runner.invoke(cli, ["screen", "new", "c1", "--query", "restraint by officers", "--library", lib])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["screen", "next", "c1", "--n", "4", "--json", "--library", lib])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert list(data) == ["documents"] and len(data["documents"]) == 4
    assert {"id", "reference", "title", "p"} <= set(data["documents"][0])
    r = runner.invoke(cli, ["screen", "judge", "c1", str(restraint[0]), "yes", "--note", "clear case", "--library", lib])
    assert r.exit_code == 0 and "recorded 1" in r.output, r.output
    f = tmp_path / "j.csv"
    f.write_text("id,label\n" + "".join(f"{i},no\n" for i in other[:3]) + f"{restraint[1]},yes\nnope,yes\n")
    r = runner.invoke(cli, ["screen", "judge", "c1", "--file", str(f), "--library", lib])
    assert r.exit_code == 1 and "recorded 4" in r.output  # the bad row is reported, the rest recorded
    r = runner.invoke(cli, ["screen", "show", "c1", "--json", "--library", lib])
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert {"name", "query", "judged", "relevant_found", "estimated_relevant", "estimated_recall", "documents"} <= set(s)
    assert s["judged"] == 5 and s["relevant_found"] == 2
    assert {"id", "reference", "title", "p", "label", "included"} <= set(s["documents"][0])
    assert {d["label"] for d in s["documents"]} == {"yes", "no", None}
    r = runner.invoke(cli, ["screen", "show", "c1", "--csv", "--library", lib])
    assert r.exit_code == 0 and r.output.startswith("id,reference,title")
    r = runner.invoke(cli, ["screen", "show", "c1", "--library", lib])
    assert r.exit_code == 0 and "estimated recall" in r.output
    r = runner.invoke(cli, ["screen", "judge", "c1", "abc", "yes", "--library", lib])
    assert r.exit_code != 0
    r = runner.invoke(cli, ["screen", "next", "nope", "--library", lib])
    assert r.exit_code != 0 and "no screen" in r.output
    r = runner.invoke(cli, ["screen", "new", "c1", "--query", "x", "--library", lib])
    assert r.exit_code != 0 and "exists" in r.output
    r = runner.invoke(cli, ["screen", "list", "--json", "--library", lib])
    assert json.loads(r.stdout)["screens"][0]["name"] == "c1"


def test_pages_and_json_twins(screen_lib):
    from webui import create_app

    restraint, other = ids_by_topic(screen_lib)
    client = create_app({"TESTING": True, "LIBRARY": screen_lib}).test_client()
    assert client.get("/screens.json").get_json() == {"total": 0, "screens": []}
    r = client.post("/screens.json", json={"name": "w1", "query": "restraint by officers", "date_from": "2015"})
    assert r.status_code == 201 and r.get_json()["name"] == "w1"
    r = client.post("/screens", data={"name": "w2", "query": "restraint"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/screens/w2")
    data = client.get("/screens/w1.json").get_json()
    assert data["name"] == "w1" and len(data["next"]) == 10 and "concerns" in data["next"][0]
    client.post("/screens/w1/judge.json", json={"document_id": other[1], "label": "no",
                                                "note": "<script>alert(1)</script> & <b>not this</b>"})
    html = client.get("/screens/w1?limit=0").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>not this</b>" not in html
    assert 'name="csrf_token"' in html and html.count('name="label" value="yes"') == 10
    first = data["next"][0]["id"]
    r = client.post("/screens/w1/judge", data={"document_id": first, "label": "yes"})
    assert r.status_code == 302
    r = client.post("/screens/w1/judge.json", json={"document_id": other[0], "label": "no", "note": "roads"})
    assert r.status_code == 200 and r.get_json()["judged"] == 3
    after = client.get("/screens/w1.json").get_json()
    assert first not in {d["id"] for d in after["next"]}
    assert next(d for d in after["documents"] if d["id"] == first)["label"] == "yes"
    csv_text = client.get("/screens/w1/export.csv").get_data(as_text=True)
    assert csv_text.startswith("id,reference,title") and str(first) in csv_text
    nx = client.get("/screens/w1/next.json?n=3").get_json()
    assert len(nx["documents"]) == 3
    r = client.post("/screens/w1/pack.json", json={})
    assert r.status_code == 200 and r.get_json()["added"] >= 1
    assert "w1" in client.get("/screens").get_data(as_text=True)
    # bad requests: 4xx in the one JSON error shape, never a 500
    for method, url, body, status in [
        ("get", "/screens/nope.json", None, 404),
        ("get", "/screens/w1.json?n=0", None, 400),
        ("get", "/screens/w1.json?limit=abc", None, 400),
        ("post", "/screens/w1/judge.json", {"document_id": first, "label": "maybe"}, 400),
        ("post", "/screens/w1/judge.json", {"document_id": "abc", "label": "yes"}, 400),
        ("post", "/screens/w1/judge.json", {"document_id": 10**7, "label": "yes"}, 404),
        ("post", "/screens/w1/judge.json", {}, 400),
        ("post", "/screens/nope/judge.json", {"document_id": first, "label": "yes"}, 404),
        ("post", "/screens.json", {"name": "w1", "query": "dup"}, 409),
        ("post", "/screens.json", {"name": "bad name", "query": "q"}, 400),
        ("post", "/screens.json", {"name": "w3", "query": ""}, 400),
        ("post", "/screens.json", {"name": "w4", "query": "q", "date_to": "soon"}, 400),
        ("post", "/screens/w1/pack.json", {"collection_id": "x"}, 400),
        ("post", "/screens/w1/pack.json", {"collection_id": 424242}, 404),
    ]:
        r = getattr(client, method)(url, json=body) if body is not None else getattr(client, method)(url)
        assert r.status_code == status, (url, body, r.status_code, r.get_data(as_text=True)[:200])
        err = r.get_json()["error"]
        assert err["status"] == status and err["message"]
