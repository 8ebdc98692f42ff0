"""Retrieval evaluation: metric values computed by hand, the qrels and theme-label loaders,
and `precedent eval` printing keyword, dense and hybrid side by side."""
import csv
import json
import math

import pytest

from precedent import cli
from search import evaluate as ev

RANKING = ["a", "b", "c", "d", "e"]
RELEVANT = {"a", "c", "f"}  # f is never retrieved


def test_average_precision_by_hand():
    # hits at ranks 1 and 3: (1/1 + 2/3) / 3 relevant
    assert ev.average_precision(RANKING, RELEVANT) == pytest.approx(5 / 9)
    assert ev.average_precision(["x", "a"], {"a"}) == pytest.approx(0.5)
    assert ev.average_precision(RANKING, set()) == 0.0
    assert ev.average_precision([], {"a"}) == 0.0
    assert ev.mean_average_precision([(RANKING, RELEVANT), (["x", "y"], {"y"})]) == pytest.approx((5 / 9 + 1 / 2) / 2)


def test_precision_recall_ndcg_by_hand():
    assert ev.precision_at(RANKING, RELEVANT, 10) == pytest.approx(0.2)  # a short list is not excused
    assert ev.precision_at(RANKING, RELEVANT, 2) == pytest.approx(0.5)
    assert ev.recall_at(RANKING, RELEVANT, 50) == pytest.approx(2 / 3)
    assert ev.recall_at(RANKING, RELEVANT, 2) == pytest.approx(1 / 3)
    # DCG = 1/log2(2) + 1/log2(4) = 1.5; ideal = 1 + 1/log2(3) + 1/log2(4)
    assert ev.ndcg_at(RANKING, RELEVANT, 10) == pytest.approx(1.5 / (1.5 + 1 / math.log2(3)))
    assert ev.ndcg_at(["a", "c", "f"], RELEVANT, 10) == pytest.approx(1.0)
    assert ev.ndcg_at(["z"] * 10 + ["a"], {"a"}, 10) == 0.0
    s = ev.score_ranking(RANKING, RELEVANT)
    assert set(s) == {"AP", "nDCG@10", "P@10", "R@50"}


def test_judged_ranking_counts_a_named_document_once():
    keys = {1: {"2024-0001", "x.csv#row=1"}, 2: {"2024-0001", "x.csv#row=2"}, 3: {"other.txt"}}
    assert ev.judged_ranking([3, 2, 1], keys, {"2024-0001"}) == ["#doc:3", "2024-0001"]
    assert ev.average_precision(ev.judged_ranking([3, 2, 1], keys, {"2024-0001"}), {"2024-0001"}) == 0.5


def test_document_scores_add_a_share_of_the_second_best_hit():
    from search.ranking.ranker import Hit, document_scores

    hits = [Hit(10, None, 1, 0.9), Hit(20, None, 2, 0.8), Hit(20, 5, 3, 0.7), Hit(20, 6, 4, 0.6), Hit(10, 7, 5, 0.1)]
    out = document_scores(hits, second=1.0)  # doc 20 says it three times, doc 10 once well
    assert [d for d, _ in out] == [20, 10]
    assert out[0][1] == pytest.approx(0.8 + 0.7)  # the third hit does not count
    assert out[1][1] == pytest.approx(0.9 + 0.1)
    half = document_scores(hits, second=0.5)
    assert [d for d, _ in half] == [20, 10] and half[1][1] == pytest.approx(0.9 + 0.05)
    assert [d for d, _ in document_scores(hits, second=0.0)] == [10, 20]  # the best hit alone
    assert document_scores([]) == []


def test_load_qrels_tsv_csv_and_headerless(tmp_path):
    p = tmp_path / "q.tsv"
    p.write_text("query\trelevant\nMARAC minutes\tletter.txt\nMARAC minutes\t2024-0621\ntraining\tminutes.md\n\t\n")
    qs = ev.load_qrels(p)
    assert [q.name for q in qs] == ["MARAC minutes", "training"]
    assert qs[0].relevant == {"letter.txt", "2024-0621"} and qs[0].text == "MARAC minutes"
    c = tmp_path / "q.csv"
    c.write_text('relevant,query\nminutes.md,"staff training, overdue"\n')
    assert ev.load_qrels(c)[0].relevant == {"minutes.md"} and ev.load_qrels(c)[0].text == "staff training, overdue"
    h = tmp_path / "noheader.tsv"
    h.write_text("delay in ambulance\t2019-0001\n")
    assert ev.load_qrels(h)[0].relevant == {"2019-0001"}
    (tmp_path / "empty.tsv").write_text("")
    with pytest.raises(ev.EvalError):
        ev.load_qrels(tmp_path / "empty.tsv")


@pytest.fixture
def qrels(tmp_path):
    p = tmp_path / "qrels.tsv"
    p.write_text("query\trelevant\n"
                 "information shared at a MARAC meeting was not minuted\tletter.txt\n"
                 "training on professional curiosity for staff\tminutes.md\n"
                 "nothing like this is in the library\tmissing.txt\n")
    return p


def test_cli_eval_qrels_prints_all_three_modes(runner, docs_dir, tmp_path, qrels):
    lib = str(tmp_path / "lib")
    assert runner.invoke(cli, ["ingest", str(docs_dir), "--library", lib]).exit_code == 1  # two bad inputs
    r = runner.invoke(cli, ["eval", "--qrels", str(qrels), "--library", lib, "--verbose"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    header = next(line for line in lines if line.startswith("mode"))
    assert header.split() == ["mode", "MAP", "nDCG@10", "P@10", "R@50", "MAP/bm25"]
    for mode in ("bm25", "bm25-report", "keyword", "dense", "hybrid"):
        assert any(line.split()[:1] == [mode] for line in lines), mode
    assert "average precision per query" in r.output and "not in the library: missing.txt" in r.output

    r = runner.invoke(cli, ["eval", "--qrels", str(qrels), "--library", lib, "--json"])
    data = json.loads(r.stdout)
    assert list(data["summary"]) == ["bm25", "bm25-report", "keyword", "dense", "hybrid"] and data["queries"] == 3
    assert data["documents"] == 2 and data["missing_documents"] == ["missing.txt"]
    first = data["per_query"][0]["modes"]
    # two documents, the relevant one first by keyword: AP 1; every mode finds it in its two
    assert first["keyword"]["AP"] == 1.0 and first["keyword"]["P@10"] == pytest.approx(0.1)
    assert all(first[m]["R@50"] == 1.0 for m in ("keyword", "dense", "hybrid"))
    assert data["per_query"][2]["modes"]["hybrid"]["AP"] == 0.0


def test_cli_eval_needs_one_kind_of_judgement(runner, qrels, tmp_path):
    r = runner.invoke(cli, ["eval", "--library", str(tmp_path / "lib")])
    assert r.exit_code != 0 and "--qrels" in r.output


def _pfd_row(rid, url, concerns):
    return {"url": url, "id": rid, "date": "2024-01-01", "coroner": "A Coroner", "area": "Somewhere",
            "receiver": "NHS Trust", "investigation": f"On 1 January 2024 I commenced an investigation into the death of Person {rid}.",
            "circumstances": "The deceased died at home.", "concerns": concerns}


def test_cli_eval_themes_builds_then_reuses_a_library_of_the_labelled_reports(runner, tmp_path):
    reports = tmp_path / "reports.csv"
    rows = [
        _pfd_row("2024-0001", "https://x/a", "The family were not consulted about the care plan or the discharge."),
        _pfd_row("2024-0002", "https://x/b", "The ligature point on the ward had not been removed."),
        _pfd_row("", "https://x/c", "Family members were not told of the risk of self harm."),
        _pfd_row("2024-0004", "https://x/d", "Not labelled: the ambulance was delayed by four hours."),
    ]
    with open(reports, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    themes = tmp_path / "themes.csv"
    themes.write_text("id,url,family,environment\n2024-0001,https://x/a,True,False\n"
                      "2024-0002,https://x/b,False,True\n,https://x/c,True,False\n")
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps({"family": "Family not involved or informed about care and risk.",
                                  "environment": "Ligature points left on the ward."}))
    args = ["eval", "--themes", str(themes), "--labels", str(labels), "--reports", str(reports),
            "--library", str(tmp_path / "lib"), "--json"]
    r = runner.invoke(cli, args)
    assert r.exit_code == 0, r.output
    assert "building a library of the 3 labelled reports" in r.stderr
    data = json.loads(r.stdout)
    assert data["documents"] == 3 and data["missing_documents"] == []
    assert [q["query"] for q in data["per_query"]] == ["family", "environment"]
    assert data["per_query"][1]["modes"]["keyword"]["AP"] == 1.0

    again = runner.invoke(cli, args)
    assert again.exit_code == 0 and "building" not in again.stderr
    assert json.loads(again.stdout)["summary"] == data["summary"]

    fewer = tmp_path / "fewer.csv"  # a library of other reports is not silently reused
    fewer.write_text("id,url,family,environment\n2024-0001,https://x/a,True,False\n")
    r = runner.invoke(cli, ["eval", "--themes", str(fewer), "--labels", str(labels), "--reports", str(reports),
                            "--library", str(tmp_path / "lib")])
    assert r.exit_code != 0 and "holds other documents" in r.output
