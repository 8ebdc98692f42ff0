"""A small library for screening tests: twelve restraint reports among twenty others, with an
escaped-markup one, built by the real ingest on the fake embedder."""
from __future__ import annotations

RESTRAINT = [
    "prison officers restrained him face down for eleven minutes and restraint training had lapsed",
    "police officers used prolonged restraint in the custody suite and nobody monitored his breathing",
    "staff at the secure unit held her in a prone restraint position despite guidance against it",
    "the restraint by detention officers continued after he said he could not breathe",
    "officers restrained the man on the cell floor and restraint was not recorded",
    "the prison restraint review found officers were not trained in safe holds",
]
OTHER = [
    "the ambulance took four hours to arrive because of handover delays at the hospital",
    "ligature points on the mental health ward were not removed after the audit",
    "the junction had poor visibility and the council did not cut back the hedge",
    "the care home did not weigh the resident and malnutrition went unnoticed",
    "the GP practice did not follow up the abnormal blood test result",
    "the railway crossing warning lights failed and network rail had no alarm",
    "the child was not seen by a health visitor for eight months",
    "medication was given twice because the pharmacy label was unclear",
    "the fire alarm in the flats had been disconnected by the landlord",
    "the discharge letter never reached the GP and the follow up did not happen",
]


def report_text(i: int, concern: str, extra: str = "") -> str:
    """A PFD report's text in the template's layout, with one concern."""
    return ("Regulation 28 REPORT TO PREVENT FUTURE DEATHS\n\nTHIS REPORT IS BEING SENT TO: the Trust\n\n"
            f"CIRCUMSTANCES OF THE DEATH\n\nThe deceased, aged {20 + i}, died in case {i}. {extra}\n\n"
            f"CORONER'S CONCERNS\n\nThe MATTERS OF CONCERN are as follows:\n\n1. {concern}.\n\n"
            f"ACTION SHOULD BE TAKEN\n\nDate: {1 + i % 27} March 20{15 + i % 10}\n")


def build_screen_library(library, tmp_path):
    """Ingest the screen documents into ``library`` (from a folder under ``tmp_path``)."""
    from index.ingest.pipeline import ingest

    d = tmp_path / "reports"
    d.mkdir()
    n = 0
    for rep in range(2):
        for t in RESTRAINT:
            (d / f"r{n:03d}.txt").write_text(report_text(n, t + f" (review {rep})"))
            n += 1
        for t in OTHER:
            (d / f"r{n:03d}.txt").write_text(report_text(n, t + f" (review {rep})"))
            n += 1
    (d / "r999.txt").write_text(report_text(99, "restraint <script>alert(1)</script> by officers was unsafe"))
    ingest(library, [d])
    return library


def ids_by_topic(lib):
    """(restraint document ids, other document ids) of a screen library."""
    restraint, other = [], []
    for doc in lib.store.documents():
        text = lib.store.document(doc["id"])["text"]
        (restraint if "restrain" in text else other).append(doc["id"])
    return restraint, other
