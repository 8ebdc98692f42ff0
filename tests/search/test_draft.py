import io
import json

from precedent import cli

DRAFT = ("Regulation 28 REPORT TO PREVENT FUTURE DEATHS\n\nCORONER'S CONCERNS\n\n"
         "The MATTERS OF CONCERN are as follows:\n\n"
         "1. Information shared at the MARAC meeting was not minuted and officers never saw it.\n\n"
         "2. Staff had no training in professional curiosity and did not ask about the injuries.\n")


def test_pasted_draft_gives_precedents_per_concern(client):
    data = client.post("/precedents.json", json={"text": DRAFT}).get_json()
    assert len(data["concerns"]) == 2
    first, second = data["concerns"]
    assert "MARAC" in first["text"] and first["results"]
    assert "MARAC" in (first["results"][0]["finding"] or first["results"][0]["passage"])["text"]
    assert any("professional curiosity" in json.dumps(r) for r in second["results"])


def test_uploaded_draft_and_errors(client):
    r = client.post("/precedents", data={"file": (io.BytesIO(DRAFT.encode()), "draft.txt")},
                    content_type="multipart/form-data")
    assert r.status_code == 200 and "2 concerns" in r.get_data(as_text=True)
    r = client.post("/precedents.json", json={"text": "  "})
    assert r.status_code == 400 and r.get_json()["error"]["status"] == 400
    r = client.post("/precedents.json", data={"file": (io.BytesIO(b"\x00\x01\x02" * 100), "x.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 400
    assert client.get("/precedents").status_code == 200


def test_cli_precedents(filled_library, runner, tmp_path):
    p = tmp_path / "draft.txt"
    p.write_text(DRAFT)
    r = runner.invoke(cli, ["precedents", str(p), "--json", "--library", str(filled_library.path)])
    assert r.exit_code == 0, r.output
    assert len(json.loads(r.stdout)["concerns"]) == 2


def _alternate_strengths(monkeypatch):
    """Hits' strengths as the real signals give them, then every document of odd id made close and
    every other weak: a draft's cases then mix close and not close in rank order."""
    from search.ranking import ranker

    real = ranker.add_signals

    def fake(lib, query, hits, *a, **kw):
        real(lib, query, hits, *a, **kw)
        for h in hits:
            h.strength = "close" if h.document_id % 2 else "weak"

    monkeypatch.setattr(ranker, "add_signals", fake)


def test_draft_close_count_is_the_close_cases_listed_close_first(filled_library, monkeypatch):
    from corpus.records import Block, Document
    from search.draft import precedents
    from search.query import run_search

    _alternate_strengths(monkeypatch)
    doc = Document(title="draft", source="pasted", blocks=[Block(DRAFT)])
    for k in (1, 2, 5):
        for c in precedents(filled_library, doc, k=k)["concerns"]:
            strengths = [r["strength"] for r in c["results"]]
            ids = [r["document"]["id"] for r in c["results"]]
            assert len(ids) == len(set(ids))  # one hit a case
            assert c["close"] == strengths.count("close")  # "N close" is what the list shows
            assert strengths == sorted(strengths, key=lambda s: s != "close")  # close first
            every = run_search(filled_library, " ".join(c["text"].split()[:200]), k=100, per_document=1)
            close_cases = {r["document"]["id"] for r in every["results"] if r["strength"] == "close"}
            assert {i for i, s in zip(ids, strengths) if s == "close"} == close_cases  # all of them, whatever k
            assert len(ids) == max(min(k, every["total"]), len(close_cases))
            assert c["cases"] == every["total"]
