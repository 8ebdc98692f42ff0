"""Who took a response's action is settled once, when stored (index.responses.answering.settle_owners), so every
page reads the same owner; a library written before that is settled once on opening."""
from __future__ import annotations

import hashlib

from index import rows
from index.library import open_library

LETTER = ("Dear coroner, thank you for your report. The Metropolitan Police Service will carry out speed "
          "enforcement at the junction from January. We will install temporary warning signs at the junction.")


def _old_library(path):
    """A library as an earlier version left it: a linked letter whose actions keep the extractor's
    letter-level guess of owner, and no record that owners were settled."""
    lib = open_library(path, model="fake-hashing-384")
    with lib.store.transaction() as t:
        rows.insert_document(t, id=2, content_hash=hashlib.sha256(LETTER.encode()).hexdigest(),
                             title="Transport for London — response to a PFD report", type="pfd_response",
                             date=None, reference=None, source="test/2.txt", text=LETTER,
                             blocks=[[0, len(LETTER), None, 1]],
                             meta={"respondent": "Transport for London", "respondent_from": "report recipients"})
        for i, (text, owner) in enumerate([
                ("The Metropolitan Police Service will carry out speed enforcement at the junction from January.",
                 "Metropolitan Police Service"),
                ("We will install temporary warning signs at the junction.", "Metropolitan Police Service")]):
            rows.insert_action(t, 2, i, "commitment", text, owner, None, None, None, None, 1, 0, len(text), id=i + 1)
        t.execute("DELETE FROM settings WHERE key='owners_settled'")
    lib.close()


def _owners(lib) -> list[str]:
    return [r[0] for r in lib.store.conn.execute("SELECT owner FROM actions ORDER BY id")]


def test_an_older_library_has_its_owners_settled_once_on_opening(tmp_path):
    _old_library(tmp_path / "lib")
    lib = open_library(tmp_path / "lib")
    try:
        # the sentence naming another body keeps it; the other action is the respondent's
        assert _owners(lib) == ["Metropolitan Police Service", "Transport for London"]
        assert lib.store.conn.execute("SELECT value FROM settings WHERE key='owners_settled'").fetchone()[0] == "1"
        from search.ledger.commitments import commitment_record  # noqa: F401 - pages read the stored owner
        from search.responses.unlinked import response_view

        assert [a["owner"] for a in response_view(lib, 2)["actions"]] == _owners(lib)
    finally:
        lib.close()


def test_settling_is_idempotent_and_follows_a_new_respondent(library):
    from index.responses.answering import settle_owners

    with library.store.transaction() as t:
        rows.insert_document(t, id=5, content_hash="x" * 64, title="letter", type="pfd_response", date=None,
                             reference=None, source="test/5.txt", text=LETTER, blocks=[[0, len(LETTER), None, 1]],
                             meta={"respondent": "Transport for London", "respondent_from": "report recipients"})
        rows.insert_action(t, 5, 0, "commitment", "We will install temporary warning signs at the junction.",
                           None, None, None, None, None, 1, 0, 10, id=9)
        assert settle_owners(t, 5) == 1 and settle_owners(t, 5) == 0
        assert _owners(library) == ["Transport for London"]
        # relinked to a report whose recipient the model finds is speaking: the unnamed action follows it
        t.execute("UPDATE documents SET meta=json_set(meta, '$.respondent', 'London Borough of Hounslow') WHERE id=5")
        assert settle_owners(t, 5) == 1
    assert _owners(library) == ["London Borough of Hounslow"]
