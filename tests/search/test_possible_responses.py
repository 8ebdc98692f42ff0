"""An untyped document with few signs of answering a report, whose best candidate report still comes
close, is listed among the unlinked responses as a possible one (not left invisible, not retyped)."""
import json

import index.responses.linking as linking
from index.ingest.pipeline import ingest
from precedent import cli


def _ingest_note(library, tmp_path, best_p):
    d = tmp_path / "d"
    d.mkdir()
    (d / "note.txt").write_text("Iffley lock towpath.\n\nThe towpath by the lock has been resurfaced and new signs "
                                "for cyclists were put up in March.\n")
    calls = []

    def fake_decide(conn, row, cache, threshold):
        calls.append(row["id"])
        return None, {"reason": "no identifying cue", "best": {"id": 999, "title": "A report", "confidence": best_p}}

    orig = linking.decide_link
    linking.decide_link = fake_decide
    try:
        ingest(library, [d])
    finally:
        linking.decide_link = orig
    row = library.store.conn.execute("SELECT id, type, title, meta FROM documents").fetchone()
    assert calls == [row["id"]], "the untyped note was a link candidate"
    return row


def test_an_untyped_close_candidate_is_listed_as_a_possible_response(library, tmp_path, runner):
    row = _ingest_note(library, tmp_path, 0.3)
    assert row["type"] == "other"  # not retyped, not retitled: it may be no letter
    assert json.loads(row["meta"])["possible_response"] == {"report_id": 999, "confidence": 0.3}
    items = linking.unlinked_responses(library)
    assert [(i["id"], i["possible"]) for i in items] == [(row["id"], True)]
    from webui import create_app

    client = create_app({"TESTING": True, "LIBRARY": library}).test_client()
    data = client.get("/responses/unlinked.json").get_json()
    assert data["total"] == 1 and data["responses"][0]["possible"] is True
    assert "possibly a response" in client.get("/responses/unlinked").get_data(as_text=True)
    r = runner.invoke(cli, ["unlinked", "--library", str(library.path)])
    assert r.exit_code == 0 and "(possibly a response)" in r.stdout


def test_an_untyped_document_no_report_comes_close_to_stays_off_the_list(library, tmp_path):
    row = _ingest_note(library, tmp_path, linking.POSSIBLE_MIN / 2)
    assert "possible_response" not in json.loads(row["meta"] or "{}")
    assert linking.unlinked_responses(library) == []
