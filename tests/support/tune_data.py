"""A small corpus for tuning tests: 40 PFD reports in the PFD-toolkit CSV format, eight topics
told in five ways each, three coroner areas, several sentences of circumstances and two
concerns a report, so every kind of training pair (and held-back documents) exists."""
from __future__ import annotations

import csv
from pathlib import Path

TOPICS = [
    ("the ligature audit of the mental health ward was not acted on", "was an inpatient on an acute ward",
     "A door hinge had been identified as a ligature point months before"),
    ("observations of prisoners at risk of self harm were not recorded", "was held on remand at a local prison",
     "The ACCT document was closed a week after reception"),
    ("the ambulance handover at the emergency department was delayed for hours", "fell at home and broke a hip",
     "The crew waited outside the hospital with four other ambulances"),
    ("information shared at the MARAC meeting was not minuted", "was known to services because of domestic abuse",
     "The police and the health visitor each held part of the risk"),
    ("the insulin dose was not checked by a second nurse", "was a type one diabetic admitted with an infection",
     "The dose was given twice during the night shift"),
    ("the level crossing had no barrier and poor sight lines", "was walking a dog across a footpath crossing",
     "Network Rail had assessed the crossing as high risk"),
    ("the care home did not reposition the resident to prevent pressure sores", "lived with dementia in a care home",
     "The pressure ulcer was found at grade four on admission to hospital"),
    ("the GP surgery did not follow up an abnormal blood test", "had a raised PSA result that was filed without action",
     "The result was seen by a locum who did not book a review"),
]
AREAS = ["North Riding", "Inner South London", "Avon"]
WAYS = ["Evidence was heard over two days.", "The jury returned a narrative conclusion.",
        "Several witnesses gave evidence about the systems in place.", "Expert evidence was given by a consultant.",
        "The family raised questions about the care provided."]


def report_rows(n: int = 40) -> list[dict]:
    rows = []
    for i in range(n):
        concern, story, detail = TOPICS[i % len(TOPICS)]
        other = TOPICS[(i + 3) % len(TOPICS)][0]
        name = f"Person {i:02d}"
        rows.append({
            "url": f"https://www.judiciary.uk/prevention-of-future-death-reports/person-{i:02d}/",
            "id": f"2022-{i + 1:04d}",
            "date": f"2022-{1 + i % 12:02d}-1{i % 9}",
            "coroner": f"Coroner {i % 4}",
            "area": AREAS[i % len(AREAS)],
            "receiver": f"Chief Executive of Trust {i % 5}",
            "investigation": f"On 1 March 2021 I commenced an investigation into the death of {name}.",
            "circumstances": (f"{name} {story}. {detail}. {WAYS[i % len(WAYS)]} "
                              f"The deceased was {30 + i} years old and the death occurred in 2021. "
                              f"Staff described how the events unfolded on the day in question."),
            "concerns": f"1. The evidence showed that {concern} (case {i}).\n\n2. In addition, {other}, report {i}.",
        })
    return rows


def write_reports(folder: Path, n: int = 40) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = report_rows(n)
    path = folder / "reports.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path
