"""A report about several deaths is one case per person, each with its own concerns (issue 26)."""
import csv

from search.cases import get_case


def _rows(shared, refs):
    csv.field_size_limit(10**9)
    with open(shared / "corpus" / "pfd" / "reports.csv", newline="", encoding="utf-8") as f:
        return [r for r in csv.DictReader(f) if r["id"] in refs]


def test_two_deaths_two_cases_each_with_its_concerns(library, shared, tmp_path):
    from index.ingest.pipeline import ingest

    rows = _rows(shared, {"2015-0049", "2014-0555"})
    path = tmp_path / "reports.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    ingest(library, [path])
    docs = {d["reference"]: d["id"] for d in library.store.documents()}
    case = get_case(library, docs["2015-0049"])
    assert case["title"].startswith("Jane Marie Clark and Isobel Griffin")
    assert [(d["name"], len(d["concerns"])) for d in case["deaths"]] == [("Jane Marie Clark", 3), ("Isobel Griffin", 7)]
    by_id = {f["id"]: f for f in case["findings"]}
    for d in case["deaths"]:
        labels = [by_id[i]["label"] for i in d["concerns"]]
        assert labels == [f"Concern {n}" for n in range(1, len(labels) + 1)]  # numbered anew per death
        # the second death's heading is not glued to a concern
        assert not any("Re " + d["name"] in by_id[i]["text"] for i in d["concerns"])
    # agencies heading a report's concerns ("Re Tower Hamlets") are no deaths
    assert get_case(library, docs["2014-0555"])["deaths"] == []
