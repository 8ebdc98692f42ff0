from search.ranking.engine import search


def test_concern_query_finds_the_answering_passage_first(filled_library):
    data = search(filled_library, "information shared at a MARAC meeting was not minuted", k=5)
    assert data["query"].startswith("information")
    top = data["results"][0]
    assert "MARAC" in top["passage"]["text"] and "minute" in top["passage"]["text"]
    assert top["document"]["source"].endswith("letter.txt")
    assert set(top) >= {"score", "document", "passage"}
    assert set(top["document"]) >= {"id", "title", "type", "date", "reference", "source"}
    assert set(top["passage"]) >= {"text", "section", "page"}
    marked = [top["passage"]["text"][s:e].lower() for s, e in top["passage"]["highlights"]]
    assert "marac" in marked and any(m.startswith("minute") for m in marked)


def test_quoted_phrase_is_required(filled_library):
    hits = search(filled_library, '"professional curiosity" training', k=10)["results"]
    assert hits and all("professional curiosity" in h["passage"]["text"].lower() for h in hits)
    assert search(filled_library, '"no such phrase anywhere"', k=10)["results"] == []


def test_modes_and_empty_query(filled_library):
    assert search(filled_library, "   ")["results"] == []
    kw = search(filled_library, "DASH", mode="keyword")["results"]
    assert kw and "DASH" in kw[0]["passage"]["text"]
    assert len(search(filled_library, "training", k=1, mode="dense")["results"]) == 1
