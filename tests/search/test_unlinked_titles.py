"""An unlinked document that is not a response keeps its own title: a board's minutes that read
like an answer are listed as unlinked, but never retitled "X — response to a PFD report"."""
import json

import index.responses.answering as answering
from index.ingest.pipeline import ingest

MINUTES = (
    "Strategic Policing and Crime Board\n\nNotes of meeting held on Tuesday, 12 March 2024\n\n"
    "Present: the Chair, members of the Board\nApologies: none\n\n"
    "001/24 Minutes of the last meeting. The minutes were agreed.\n\n"
    "002/24 Serious case review: lessons learned. The Chief Constable thanked the coroner for the "
    "report. Officers will be trained in safeguarding by June 2024.\n\n"
    "003/24 Any other business. None.\n")

LETTER = ("Dear Coroner,\n\nRegulation 28 Report to Prevent Future Deaths\n\nThank you for your report. "
          "We have reviewed our procedures and we will ensure staff are trained by March 2025.\n\n"
          "Yours sincerely\n")


def _doc(library, name):
    return library.store.conn.execute(
        "SELECT id, type, title, meta FROM documents WHERE source LIKE ?", (f"%{name}",)).fetchone()


def test_only_a_response_is_retitled_after_its_respondent(library, tmp_path, monkeypatch):
    d = tmp_path / "d"
    d.mkdir()
    (d / "board-minutes.txt").write_text(MINUTES)
    (d / "reply.txt").write_text(LETTER)
    ingest(library, [d])
    monkeypatch.setattr(answering, "unlinked_respondent", lambda text, recipients=None: ("West Midlands Police", "letter text"))
    minutes, letter = _doc(library, "board-minutes.txt"), _doc(library, "reply.txt")
    assert minutes["type"] != "pfd_response" and letter["type"] == "pfd_response"
    before = minutes["title"]
    with library.store.transaction() as c:
        assert answering.name_unlinked(c, minutes["id"]) == "West Midlands Police"
        assert answering.name_unlinked(c, letter["id"]) == "West Midlands Police"
    after = _doc(library, "board-minutes.txt")
    assert after["title"] == before and "response to" not in after["title"]
    assert "respondent" not in json.loads(after["meta"] or "{}")
    letter = _doc(library, "reply.txt")
    assert letter["title"].startswith("West Midlands Police — response to")
    assert json.loads(letter["meta"])["respondent"] == "West Midlands Police"
