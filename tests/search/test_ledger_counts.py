"""Every organisation's counts agree across the organisation list, its page, its JSON twin, the
ledger filtered to it (page JSON, CSV, CLI), kind by kind (issue 26: a force's ledger listed 22
rows where its page said 11 commitments)."""
import csv
import io
import json

from tests.support.ledger_data import client, lib  # noqa: F401  (shared fixtures)
from search.ledger import get_organisation, list_commitments, list_organisations

AS_OF = "2024-01-01"
KINDS = {"asked_of": ("asked_of", "asked_of_overdue"), "promised": ("commitments", "commitments_overdue"),
         "answer": ("answers", None)}


def test_every_organisation_counts_agree_everywhere(lib, client, runner):
    from precedent import cli

    listed = list_organisations(lib, as_of=AS_OF)["organisations"]
    assert listed
    checked_rows = 0
    for o in listed:
        page = get_organisation(lib, o["key"], as_of=AS_OF, warned_limit=0)
        twin = client.get(f"/organisations/{o['key']}.json?as_of={AS_OF}").get_json()
        assert page["counts"] == twin["counts"] == {k: o[k] for k in page["counts"]}
        for claim, (count_key, overdue_key) in KINDS.items():
            n = page["counts"][count_key]
            assert len(page[count_key]) == n
            ledger = list_commitments(lib, as_of=AS_OF, claim=claim, org=o["key"])
            assert ledger["total"] == n, (o["key"], claim)
            assert all(r["claim"] == claim for r in ledger["commitments"])
            got = client.get(f"/commitments.json?as_of={AS_OF}&claim={claim}&org={o['key']}").get_json()
            assert got["total"] == n
            rows = list(csv.DictReader(io.StringIO(client.get(
                f"/commitments.csv?as_of={AS_OF}&claim={claim}&org={o['key']}").get_data(as_text=True))))
            assert len(rows) == n and all(r["claim"] == claim for r in rows)
            assert all(o["key"] in r["organisation_keys"].split("; ") for r in rows)
            r = runner.invoke(cli, ["commitments", "--library", str(lib.path), "--as-of", AS_OF, "--claim", claim,
                                    "--org", o["key"], "--json"])
            assert r.exit_code == 0 and json.loads(r.output)["total"] == n
            if overdue_key:
                assert page["counts"][overdue_key] == sum(1 for x in ledger["commitments"] if x["overdue"])
            checked_rows += n
    assert checked_rows >= 3  # the fixture's rows reach organisation pages


def test_kinds_kept_apart_and_overdue_labelled(lib):
    data = list_commitments(lib, as_of=AS_OF)
    assert set(data["summary"]["by_claim"]) == {"asked_of", "promised", "answer"}
    assert sum(data["summary"]["by_claim"].values()) == data["total"]
    for r in data["commitments"]:
        assert r["claim"] in ("asked_of", "promised", "answer") and 0 <= r["claim_p"] <= 1
        if r["overdue"]:
            # only a promise past its due date, or an asked-of row past a deadline its document set
            assert r["claim"] in ("promised", "asked_of") and r["due"] < AS_OF and r["overdue_reason"]
            assert (r["claim"] == "promised") == r["overdue_reason"].startswith("promised by")
        else:
            assert r["overdue_reason"] is None
    assert "Promised by" in list_commitments(lib, as_of=AS_OF, claim="promised", org="nhs-england")["title"]
