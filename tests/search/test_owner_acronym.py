"""The ledger's owner filter reads an acronym the library's own letters define ("--owner GEH" finds the
actions of George Eliot Hospital NHS Trust)."""
from __future__ import annotations

from index import acronyms, rows

LETTER = ("The renal team at George Eliot Hospital (GEH) has reviewed the report. GEH will introduce a renal pathway "
          "by March 2025.")


def test_an_owner_acronym_defined_in_the_library_finds_its_bodys_actions(library, runner):
    from search.ledger.commitments import list_commitments

    with library.store.transaction() as t:
        rows.insert_document(t, id=1, content_hash="a" * 64, title="letter", type="pfd_response", date="2025-01-10",
                             reference=None, source="test/1.txt", text=LETTER, blocks=[[0, len(LETTER), None, 1]],
                             meta={"respondent": "George Eliot Hospital NHS Trust", "respondent_from": "dataset"})
        rows.insert_action(t, 1, 0, "commitment", "GEH will introduce a renal pathway by March 2025.",
                           "George Eliot Hospital NHS Trust", "2025-03-31", "by March 2025", None, None, 1, 0, 10)
        acronyms.record(t, LETTER)
    assert list_commitments(library, owner="GEH")["total"] == 1
    assert list_commitments(library, owner="George Eliot Hospital NHS Trust")["total"] == 1
    assert list_commitments(library, owner="UHCW")["total"] == 0  # an acronym nobody defined finds nothing
    from precedent import cli

    r = runner.invoke(cli, ["commitments", "--owner", "GEH", "--library", str(library.path)])
    assert r.exit_code == 0 and "renal pathway" in r.stdout
