"""Nothing matches (search.ranking.nomatch): a keyboard mash or a question from another field
gets no results and the reason, on the page, its JSON twin and the CLI; a question of the
field still gets its results."""
import json

import pytest

from precedent import cli
from search.query import run_search
from search.ranking import nomatch

MASH = "qzxvkj wpfhtg blorptq"


def _params(threshold: float = 0.5) -> nomatch.Params:
    """Parameters that read the word signals only: P = 0.5 where ``known`` is 0.5."""
    lex = nomatch.Model(("known",), (0.5,), (0.1,), (2.0,), 0.0, threshold)
    return nomatch.Params({"model": "some-other-model"}, lex, lex, "test")


def test_the_model_is_a_logistic_of_standardised_signals():
    m = nomatch.Model(("known", "top_cosine"), (0.5, 0.3), (0.5, 0.1), (1.0, 2.0), -1.0, 0.5)
    z = -1.0 + 1.0 * (1.0 - 0.5) / 0.5 + 2.0 * (0.5 - 0.3) / 0.1
    assert m.probability({"known": 1.0, "top_cosine": 0.5}) == pytest.approx(1 / (1 + 2.718281828 ** -z))
    assert nomatch.Model.from_dict(m.to_dict()) == m
    with pytest.raises(ValueError):
        nomatch.Model.from_dict(m.to_dict() | {"features": ["known", "colour"]})


def test_word_signals_read_the_library_vocabulary(filled_library):
    sig, n, known = nomatch.word_signals(filled_library, "MARAC minutes " + MASH)
    assert (n, known) == (5, 2) and sig["known"] == pytest.approx(0.4)
    assert 0 < sig["commonness"] < 1
    assert nomatch.word_signals(filled_library, MASH)[0] == {"known": 0.0, "commonness": 0.0}


def test_judge_empties_below_the_cut_off_and_says_why(filled_library):
    v = nomatch.judge(filled_library, MASH, [], params=_params())
    assert v.nothing and v.model == "lexical" and v.probability < 0.5
    assert "none of its words" in v.reason.lower()
    assert not nomatch.judge(filled_library, "MARAC minutes", [], params=_params()).nothing


def test_without_parameters_nothing_is_emptied(filled_library, tmp_path):
    assert nomatch.load(tmp_path / "missing.json") is None
    (tmp_path / "bad.json").write_text("{not json")
    assert nomatch.load(tmp_path / "bad.json") is None


def test_the_fitted_parameters_load():
    p = nomatch.load()
    assert p is not None and p.full.features == nomatch.FULL and p.lexical.features == nomatch.LEXICAL
    assert 0 < p.full.threshold < 1 and 0 < p.lexical.threshold < 1


def test_a_mash_returns_nothing_and_a_field_question_its_results(filled_library):
    data = run_search(filled_library, MASH)
    assert data["nothing_matches"] is True and data["total"] == 0 and data["results"] == [] and data["close"] == 0
    assert data["reason"] and data["match"]["probability"] < data["match"].get("threshold", 1)
    ok = run_search(filled_library, "MARAC meeting minutes")
    assert ok["nothing_matches"] is False and ok["total"] >= 1 and ok["match"]["probability"] is not None


def test_filters_do_not_widen_a_query_nothing_matches(filled_library):
    data = run_search(filled_library, MASH, filters={"type": "minutes"})
    assert data["nothing_matches"] is True and data["total"] == 0 and "notice" not in data


def test_search_page_and_json_say_nothing_matches(client):
    r = client.get("/search.json", query_string={"q": MASH})
    assert r.status_code == 200
    data = r.get_json()
    assert data["results"] == [] and data["nothing_matches"] is True and data["reason"]
    page = client.get("/search", query_string={"q": MASH}).get_data(as_text=True)
    assert 'id="nothing-matches"' in page and "Nothing in the library matches" in page
    assert 'class="result' not in page
    page = client.get("/search", query_string={"q": "MARAC meeting minutes"}).get_data(as_text=True)
    assert 'id="nothing-matches"' not in page


def test_cli_says_nothing_in_the_library_matches(runner, filled_library):
    lib = str(filled_library.path)
    r = runner.invoke(cli, ["search", MASH, "--library", lib])
    assert r.exit_code == 0 and "Nothing in the library matches" in r.output and "1." not in r.output
    r = runner.invoke(cli, ["search", MASH, "--json", "--library", lib])
    data = json.loads(r.stdout)
    assert data["results"] == [] and data["nothing_matches"] is True


def test_a_query_without_an_indexed_word_is_judged_by_its_cosines(filled_library):
    # single letters are not indexed: "A&E" has no word to weigh, which is not evidence of a mash
    v = nomatch.judge(filled_library, "A&E", [], params=_params())
    assert not v.nothing and v.model == "none"
    dense = nomatch.Model(("top_cosine",), (0.5,), (0.1,), (3.0,), 0.0, 0.5)
    same = nomatch.Params(nomatch.encoder_of(filled_library), _params().full, _params().lexical, "test", dense)
    v = nomatch.judge(filled_library, "A&E", [], params=same)  # no hits: cosine 0
    assert v.nothing and v.model == "dense" and "no word the library indexes" in v.reason
