"""A small library for the three journeys (reviewer, trainer, policy writer), built by the
real ingest from CSV files in the PFD-toolkit and responses formats written here.

Nine PFD reports on three recurring topics, each with a judiciary-style URL, circumstances
and concerns; report 2021-0101 goes to two recipients (West Midlands Police; NHS England) and
West Midlands Police's response promises minute takers by 31 March 2021 (overdue: not
completed). One concern starts with "=HYPERLINK(" to test CSV neutralisation.
"""
from __future__ import annotations

import csv
from pathlib import Path

TOPICS = [
    ("information shared at the MARAC meeting was not minuted and the minutes were not shared with the police",
     "was known to the MARAC because of domestic abuse; the police and the health visitor each held part of the risk"),
    ("ligature points on the mental health ward were not removed after the annual ligature audit",
     "was an inpatient on an acute mental health ward and was found hanging from a door hinge"),
    ("the ambulance took four hours to arrive because of handover delays at the emergency department",
     "fell at home and waited on the floor for four hours for an ambulance"),
]
NAMES = ["Jane Example", "Amir Sample", "Carol Instance", "Dev Model", "Erin Case", "Farid Trial",
         "Grace Pattern", "Hugh Record", "Isla Entry"]
FORMULA = '=HYPERLINK("http://attacker.test","x") '
URL = "https://www.judiciary.uk/prevention-of-future-death-reports/{slug}-prevention-of-future-deaths-report/"


def _cap(s: str) -> str:
    """First letter upper case, the rest as written (str.capitalize would lower 'MARAC')."""
    return s[:1].upper() + s[1:]


def report_rows() -> list[dict]:
    rows = []
    for i, name in enumerate(NAMES):
        concern, story = TOPICS[i % 3]
        other = TOPICS[(i + 1) % 3][0]
        ref = f"2021-0{101 + i}"
        rows.append({
            "url": URL.format(slug=name.lower().replace(" ", "-")),
            "id": ref,
            "date": f"2021-0{1 + i % 9}-1{i % 9}",
            "coroner": "A. Coroner",
            "area": ["Birmingham and Solihull", "Surrey", "Oxfordshire"][i % 3],
            "receiver": "West Midlands Police; NHS England" if i == 0 else "The Chief Executive, Example NHS Trust",
            "investigation": f"On 1 January 2020 I commenced an investigation into the death of {name}.",
            "circumstances": f"{name} {story}. The inquest heard evidence over three days (case {i}).",
            "concerns": f"1. {_cap(concern)} in case {i}.\n\n2. {FORMULA if i == 1 else ''}{_cap(other)}, report {i}.",
        })
    return rows


RESPONSE = ("Dear Coroner,\n\nThank you for your Regulation 28 report dated 10 January 2021 concerning the death of "
            "Jane Example.\n\nConcern 1: information shared at the MARAC meeting was not minuted.\n\n"
            "Response: We will recruit trained minute takers for every MARAC meeting by 31 March 2021. "
            "The Force will also audit MARAC minutes by 30 June 2021.\n\nYours sincerely,\nChief Constable")


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = report_rows()
    with open(folder / "reports.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    with open(folder / "responses.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["parent_id", "parent_url", "response_url", "respondent", "response"])
        w.writeheader()
        w.writerow({"parent_id": "2021-0101", "parent_url": rows[0]["url"],
                    "response_url": "https://www.judiciary.uk/wp-content/uploads/2021/03/2021-0101-Response-from-WMP.pdf",
                    "respondent": "West Midlands Police", "response": RESPONSE})
    return folder


def build(lib, folder: Path) -> None:
    from index.ingest.pipeline import ingest
    from index.themes.store import rebuild_themes

    ingest(lib, [write_corpus(folder)])
    rebuild_themes(lib)
