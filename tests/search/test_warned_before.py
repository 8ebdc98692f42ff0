from index.ingest.pipeline import ingest
from search.query import run_search


def _report(year: int, extra: str) -> str:
    return ("REGULATION 28 REPORT TO PREVENT FUTURE DEATHS\n\nTHIS REPORT IS BEING SENT TO:\n\n"
            "1. The Chief Executive, Riverside NHS Foundation Trust\n\nCORONER\n\nI am the area coroner.\n\n"
            "CORONER'S CONCERNS\n\nThe MATTERS OF CONCERN are as follows:\n\n"
            f"1. Ward staff did not carry out the hourly observations of the patient on the ward {extra}.\n\n"
            f"ACTION SHOULD BE TAKEN\n\nDate: 12 March {year}\n")


def test_a_hit_shows_the_earlier_warning_to_the_same_organisation(library, tmp_path):
    d = tmp_path / "r"
    d.mkdir()
    (d / "old.txt").write_text(_report(2019, "during the night shift because two nurses were off sick and agency staff were not briefed"))
    (d / "new.txt").write_text(_report(2023, "at weekends when the bank staff had no handover and the electronic record was unavailable"))
    ingest(library, [d])
    hits = run_search(library, "hourly observations not carried out on the ward", k=5)["results"]
    newer = next(h for h in hits if h["finding"] and h["document"]["date"].startswith("2023"))
    assert newer["warned_before"], newer
    assert newer["warned_before"][0]["document"]["date"].startswith("2019")
