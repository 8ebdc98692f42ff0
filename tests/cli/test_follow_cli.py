"""`precedent follow …`: follow, list, check (what is new since the last check), feed, remove;
bad input is one line, never a traceback."""
import json

from precedent import cli
from tests.support.ledger_data import lib  # noqa: F401  (fixture)


def test_follow_check_lists_a_new_document_once(lib, runner, tmp_path):
    from index.ingest.pipeline import ingest

    path = str(lib.path)
    out = runner.invoke(cli, ["follow", "search", "MARAC meeting not minuted", "--library", path])
    assert out.exit_code == 0 and "following #1" in out.output
    out = runner.invoke(cli, ["follow", "organisation", "NHS England", "--library", path, "--json"])
    assert out.exit_code == 0 and json.loads(out.output)["target"] == "nhs-england"
    first = runner.invoke(cli, ["follow", "check", "--library", path, "--json"])
    assert first.exit_code == 0
    report = tmp_path / "new.txt"
    report.write_text("REGULATION 28: REPORT TO PREVENT FUTURE DEATHS — Zed Quinn\n\nTHIS REPORT IS BEING SENT TO:\n"
                      "1. Chief Executive, NHS England\n\n5 CORONER'S CONCERNS\nThe MATTERS OF CONCERN are as follows:\n"
                      "1. Information shared at the MARAC meeting was not minuted and the minutes were never shared.\n",
                      encoding="utf-8")
    ingest(lib, [report])
    out = runner.invoke(cli, ["follow", "check", "--library", path])
    assert out.exit_code == 0, out.output
    assert "MARAC meeting not minuted (search): 1 new" in out.output
    assert "New matching document" in out.output and "Zed Quinn" in out.output
    assert "New report sent to it" in out.output
    again = runner.invoke(cli, ["follow", "check", "1", "--library", path])
    assert "0 new since" in again.output
    listed = runner.invoke(cli, ["follow", "list", "--library", path])
    assert "1 new" in listed.output
    feed = runner.invoke(cli, ["follow", "feed", "1", "--library", path])
    assert feed.exit_code == 0 and "<entry>" in feed.output and "Zed Quinn" in feed.output
    assert runner.invoke(cli, ["follow", "remove", "1", "--library", path]).exit_code == 0


def test_bad_follow_input_is_one_line(lib, runner):
    path = str(lib.path)
    for args in (["follow", "check", "7"], ["follow", "feed", "x"], ["follow", "remove", "0"],
                 ["follow", "organisation", "No Such Body"], ["follow", "search", "  "],
                 ["follow", "check", "99999999999999999999999"]):
        out = runner.invoke(cli, args + ["--library", path])
        assert out.exit_code in (1, 2), (args, out.output)
        assert "Traceback" not in out.output and out.exception is None or isinstance(out.exception, SystemExit)
        assert out.output.strip().splitlines()[-1].startswith("Error"), (args, out.output)
