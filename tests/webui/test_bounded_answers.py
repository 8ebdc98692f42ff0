"""A search answer's size depends on its page size, not on the documents (issue 28, finding 1):
a library holding a CSV row with a multi-megabyte field and a huge text file answers a
common-word search with snippets (the matched words shown, the whole text on the document page)."""
from __future__ import annotations

import csv
import json

import pytest

from search.snippets import SNIPPET_CHARS, clip, snippet

# what one search answer may weigh at most, at the largest page (100 results): each result
# carries at most two snippets of SNIPPET_CHARS, twenty clipped actions and its links
SEARCH_JSON_BOUND = 400_000  # bytes, at the default page of 10
PAGE_HTML_BOUND = 400_000

SENTENCE = "The trust did not share the discharge plan with the GP and the family was not told. "
OTHER = "Nobody at the ward escalated the discharge plan and the family heard of it only afterwards. "


@pytest.fixture
def huge_library(library, tmp_path, monkeypatch):
    from index.ingest.pipeline import ingest

    d = tmp_path / "huge"
    d.mkdir()
    with open(d / "reports.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["url", "id", "date", "coroner", "area", "receiver", "investigation", "circumstances", "concerns"])
        w.writerow(["https://example.org/r1", "2024-0001", "2024-01-05", "A Coroner", "Kent", "NHS England",
                    "An inquest was held.", "She was discharged.", "(1) " + OTHER * 37_000])  # a 3.4 MB field
        w.writerow(["https://example.org/r2", "2024-0002", "2024-02-05", "A Coroner", "Kent", "NHS England",
                    "An inquest was held.", "He was discharged.", "(1) The discharge plan was not shared."])
    (d / "notes.txt").write_text(("Minutes of the board. " + SENTENCE * 30 + "\n\n") * 1000)  # 2.5 MB
    report = ingest(library, [d])
    assert len(report.added) == 3, report.failed
    return library


def test_search_answers_stay_small_whatever_the_documents(huge_library):
    from webui import create_app

    client = create_app({"TESTING": True, "LIBRARY": huge_library}).test_client()
    r = client.get("/search.json?q=discharge+plan+family")
    assert r.status_code == 200
    assert len(r.data) < SEARCH_JSON_BOUND, len(r.data)
    data = json.loads(r.data)
    assert data["results"]
    longest = max(len((x[k] or {}).get("text") or "") for x in data["results"] for k in ("passage", "finding"))
    assert longest <= SNIPPET_CHARS
    cut = [x["finding"] for x in data["results"] if x["finding"] and x["finding"]["truncated"]]
    assert cut and all(f["chars"] > SNIPPET_CHARS and f["highlights"] for f in cut)
    for f in cut:  # the highlights still fall on the matched words
        s, e = f["highlights"][0]
        assert f["text"][s:e].lower() in {"discharge", "plan", "family", "discharge plan"}
    page = client.get("/search?q=discharge+plan+family")
    assert page.status_code == 200 and len(page.data) < PAGE_HTML_BOUND, len(page.data)
    big = client.get("/search.json?q=discharge&per_page=100")
    assert big.status_code == 200 and len(big.data) < 4 * SEARCH_JSON_BOUND, len(big.data)
    # the whole text is on the document page, bounded by the text limit (the text, its passages, findings)
    from index.settings import Settings

    doc_id = next(x["document"]["id"] for x in data["results"] if x["finding"] and x["finding"]["truncated"])
    page = client.get(f"/documents/{doc_id}.json")
    assert page.status_code == 200 and len(page.data) < 3.5 * Settings.from_env().max_text_chars, len(page.data)


def test_snippet_shows_the_matched_words_within_its_bound():
    text = "word " * 5000 + "the needle is here " + "word " * 5000
    i = text.index("needle")
    got = snippet(text, [(i, i + 6)], limit=200)
    assert got["truncated"] and got["chars"] == len(text) and len(got["text"]) <= 200
    (s, e), = got["highlights"]
    assert got["text"][s:e] == "needle"
    assert got["text"].startswith("… ") and got["text"].endswith(" …")
    short = snippet("a short finding", [(2, 7)])
    assert short == {"text": "a short finding", "highlights": [[2, 7]], "truncated": False, "chars": 15}
    assert snippet("x " * 1000, [], limit=100)["text"].startswith("x x")  # no match: the start
    assert len(clip("word " * 1000, 50)) <= 50 and clip(None) is None and clip("short") == "short"
