"""The one ranker: eval and the product rank alike; pages; strength (fake embedder)."""
import json

import pytest

from precedent import cli
from search.ranking import ranker
from search.ranking import strength
from search import evaluate as ev
from search.query import page_bounds, run_search

CONCERN = "Information shared at the MARAC meeting was not properly minuted, or not minuted at all."


@pytest.fixture
def many(library, tmp_path):
    """40 short reports about referrals, each with its own wording, and a MARAC letter."""
    from index.ingest.pipeline import ingest

    d = tmp_path / "many"
    d.mkdir()
    words = ["delayed", "lost", "ignored", "misfiled", "unanswered", "late", "incomplete", "duplicated"]
    for i in range(40):
        (d / f"r{i:02d}.txt").write_text(
            "Regulation 28 Report to Prevent Future Deaths\n\nCORONER'S CONCERNS\n\n"
            f"1. The safeguarding referral number {i} was {words[i % 8]} by team {i * 7} and the family "
            f"were not told for {i + 2} weeks.\n\n2. Ward {i} had no discharge checklist for patient {i * 13}.\n")
    (d / "letter.txt").write_text(f"Concern: {CONCERN}\n\nResponse: minute takers were recruited.\n")
    ingest(library, [d])
    return library


def test_eval_and_the_search_page_rank_documents_in_the_same_order(many):
    for query in ("safeguarding referral family not told", "discharge checklist ward", "MARAC minuted"):
        page = run_search(many, query, k=100, per_document=100, pool=ranker.POOL)
        shown: list[int] = []
        for r in page["results"]:
            if r["document"]["id"] not in shown:
                shown.append(r["document"]["id"])
        collapsed = {s["document_id"] for r in page["results"] for s in r["similar"]}
        evaluated = ev.rank_documents(many, query, "hybrid", depth=ranker.POOL)
        # the page lists documents in eval's order; a document it leaves out had every hit
        # collapsed into another document's near-duplicate
        assert shown == [d for d in evaluated if d in set(shown)] and len(shown) >= 2, query
        assert set(evaluated) - set(shown) <= collapsed


def test_pages_split_the_whole_result_list(many):
    first = run_search(many, "safeguarding referral family", k=5, page=1)
    second = run_search(many, "safeguarding referral family", k=5, page=2)
    assert first["total"] == second["total"] > 10
    assert first["paging"] == {"page": 1, "per_page": 5, "pages": -(-first["total"] // 5), "first": 1, "last": 5,
                               "previous": None, "next": 2}
    assert second["paging"]["first"] == 6 and second["paging"]["previous"] == 1
    # k counts cases (documents), each shown by its best hits: 5 documents a page, none on both pages
    docs = lambda d: list(dict.fromkeys(r["document"]["id"] for r in d["results"]))  # noqa: E731
    assert len(docs(first)) == len(docs(second)) == 5 and not set(docs(first)) & set(docs(second))
    assert len(first["results"]) > 5  # some case shows more than one hit: k did not count hits
    assert [r["case"] for r in first["results"]] == sorted(r["case"] for r in first["results"])
    assert {r["case"] for r in first["results"]} == set(range(1, 6))
    assert {r["case"] for r in second["results"]} == set(range(6, 11))
    all_at_once = run_search(many, "safeguarding referral family", k=100)
    assert [r["score"] for r in all_at_once["results"] if r["case"] <= 10] == \
        [r["score"] for r in first["results"] + second["results"]]
    assert len(docs(all_at_once)) == all_at_once["total"] == first["total"]
    # facets count every case, not the page; "close" counts the cases with a close hit
    assert sum(f["count"] for f in first["facets"]["type"]) == first["total"]
    assert all_at_once["close"] == len({r["document"]["id"] for r in all_at_once["results"] if r["strength"] == "close"})
    beyond = run_search(many, "safeguarding referral family", k=5, page=999)
    assert beyond["results"] == [] and beyond["total"] == first["total"] and beyond["paging"]["first"] == 0


def test_page_bounds():
    assert page_bounds(320, 2, 10) == {"page": 2, "per_page": 10, "pages": 32, "first": 11, "last": 20,
                                       "previous": 1, "next": 3}
    assert page_bounds(0, 1, 10)["pages"] == 1 and page_bounds(0, 1, 10)["next"] is None
    assert page_bounds(25, 3, 10)["last"] == 25


def test_search_json_and_page_paging(many):
    from webui import create_app

    client = create_app({"TESTING": True, "LIBRARY": many}).test_client()
    data = client.get("/search.json?q=safeguarding+referral&per_page=4&page=2").get_json()
    assert data["paging"]["page"] == 2 and data["paging"]["first"] == 5
    assert len({r["document"]["id"] for r in data["results"]}) == 4  # four cases, each with its hits
    assert all(r["strength"] in ("close", "related", "weak") for r in data["results"])
    assert isinstance(data["close"], int)
    html = client.get("/search?q=safeguarding+referral&per_page=4&page=2").get_data(as_text=True)
    assert f"Results 5–8 of {data['total']}" in html and "page=3" in html and "page=1" in html
    # the page's counts are its JSON twin's, and count cases
    assert html.count('<section class="docgroup">') == 4
    assert f'<span id="close-count">{data["close"]} close</span> of {data["total"]} results' in html
    assert client.get("/search.json?q=x&page=abc").status_code == 400
    assert len({r["document"]["id"] for r in client.get("/search.json?q=referral&per_page=1000").get_json()["results"]}) <= 100


def test_cli_search_page(many, runner):
    r = runner.invoke(cli, ["search", "safeguarding referral", "--k", "3", "--page", "2", "--json",
                            "--library", str(many.path)])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["paging"]["page"] == 2 and data["paging"]["first"] == 4
    r = runner.invoke(cli, ["search", "safeguarding referral", "--k", "3", "--page", "2", "--library", str(many.path)])
    assert r.exit_code == 0 and "cases 4–6 of" in r.output and "\n4. " in r.output and "\n6. " in r.output
    assert "\n7. " not in r.output and "\n3. " not in r.output


def test_calibration_function():
    cal = strength.Calibration(coef=(10.0, 2.0, 1.0), intercept=-7.0, close=0.7, related=0.3)
    p = [strength.probability({"cosine": c, "cover": 0.5, "agree": 1.0}, cal) for c in (0.1, 0.4, 0.6, 0.9)]
    assert p == sorted(p) and 0 < p[0] < 0.05 and p[-1] > 0.95
    assert strength.label(0.75, cal) == "close" and strength.label(0.5, cal) == "related"
    assert strength.label(0.1, cal) == "weak"
    # below cosine_needed, no cover or agreement can lift a hit to the level
    c = strength.cosine_needed(cal.related, cal)
    assert strength.probability({"cosine": c - 0.01, "cover": 1.0, "agree": 1.0}, cal) < cal.related
    assert strength.probability({"cosine": c + 0.01, "cover": 1.0, "agree": 1.0}, cal) > cal.related


def test_the_concern_itself_is_close_and_a_keyboard_mash_is_not(many):
    exact = run_search(many, CONCERN, k=5)
    top = exact["results"][0]
    assert CONCERN[:40] in top["finding"]["text"] and top["strength"] == "close" and exact["close"] >= 1
    assert top["signals"]["cosine"] > 0.8 and top["signals"]["cover"] > 0.8 and top["signals"]["agree"] == 1.0
    for mash in ("qwpoeiru zxmcnv", "asdfgh jkl lkjhg", "purple elephant trombone"):
        data = run_search(many, mash, k=10)
        assert data["close"] == 0, mash
        assert all(r["strength"] != "close" for r in data["results"])


def test_page_says_when_nothing_is_close(many):
    from webui import create_app

    client = create_app({"TESTING": True, "LIBRARY": many}).test_client()
    data = client.get("/search.json?q=discharge+checklist+ward").get_json()
    html = client.get("/search?q=discharge+checklist+ward").get_data(as_text=True)
    assert data["close"] == 0 and data["results"]  # its words are found, but nothing close (with mash beside a word, nothing matches at all)
    assert "No close precedent among 41 documents" in html and 'class="dimmed"' in html
    html = client.get("/search?q=" + CONCERN.replace(" ", "+")).get_data(as_text=True)
    assert "No close precedent" not in html and "strength-close" in html


def test_of_two_hits_with_one_score_the_likelier_precedent_comes_first():
    from search.ranking.ranker import Hit, Ranking

    a = Hit(document_id=1, passage_id=1, finding_id=None, score=0.5)
    b = Hit(document_id=1, passage_id=2, finding_id=None, score=0.5)
    a.probability, b.probability = 0.68, 0.78
    assert Ranking("q", "hybrid", [a, b], [(1, 0.5)]).ordered() == [b, a]
