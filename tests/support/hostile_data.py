"""Nine small PFD reports over three recurring topics, ingested with their themes built: the
library the hostile-input tests (web client and browser) attack."""
from pathlib import Path

TOPICS = ["MARAC minutes were not shared with the police officers managing the case",
          "ligature points on the mental health ward were not removed after the audit",
          "the ambulance took four hours to arrive because of handover delays at the hospital"]


def build_themed(library, directory: Path):
    from index.ingest.pipeline import ingest
    from index.themes.store import rebuild_themes

    directory.mkdir()
    for i in range(9):
        (directory / f"r{i}.txt").write_text(
            "Regulation 28 REPORT TO PREVENT FUTURE DEATHS\n\nTHIS REPORT IS BEING SENT TO: the Trust\n\n"
            f"CORONER'S CONCERNS\n\nThe MATTERS OF CONCERN are as follows:\n\n1. {TOPICS[i % 3]} in case {i}.\n\n"
            f"2. {TOPICS[(i + 1) % 3]} as well, report {i}.\n\nACTION SHOULD BE TAKEN\n\n"
            f"Date: {10 + i} March 20{15 + i}\n")
    ingest(library, [directory])
    rebuild_themes(library)
    return library
