"""The real encoder gives a text the same vector whatever it is encoded with, so an ingest
that was interrupted and resumed holds exactly the vectors (and answers) of a clean one."""
import csv

import numpy as np
import pytest

from index.encoders import OnnxEmbedder, get_embedder
from index.ingest import ingest
from index.library import open_library
from search.query import run_search

TEXTS = [
    "Information shared at the MARAC meeting was not minuted.",
    "The risk assessment was not reviewed after the second incident and nobody noticed. " * 12,
    "Staff were not trained in the use of the ligature cutter on the ward.",
    "Delay in the ambulance response to a patient who had fallen at home.",
    "The GP was not told of the hospital discharge.",
    "CAMHS waiting list",
    "There was no clear policy for observation levels on the mental health ward, and agency staff "
    "did not know how often the patient should be checked overnight.",
]


@pytest.fixture(scope="module")
def onnx():
    e = get_embedder("all-MiniLM-L6-v2", "onnx-int8", fallback=False)
    assert isinstance(e, OnnxEmbedder)
    return e


@pytest.mark.slow
def test_a_text_gets_the_same_vector_whatever_its_batch(onnx):
    together = onnx.encode(TEXTS)
    mates = ["A", "short", "Coroner's concerns about the pathway for discharge from A&E " * 20] * 3
    for i, text in enumerate(TEXTS):
        alone = onnx.encode([text])
        among = onnx.encode(mates[: i % 4] + [text] + TEXTS[::-1])[i % 4]
        assert np.array_equal(alone[0], together[i]) and np.array_equal(among, together[i]), i


def _reports(path, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=["url", "id", "date", "coroner", "area", "receiver", "investigation",
                                          "circumstances", "concerns"])
        w.writeheader()
        w.writerows(rows)


@pytest.mark.slow
def test_a_resumed_ingest_holds_the_vectors_and_answers_of_a_clean_one(onnx, tmp_path):
    rows = [{"url": f"https://example.org/r{i}", "id": f"2024-{i:04d}", "date": "2024-01-01",
             "coroner": "A Coroner", "area": "Somewhere", "receiver": "NHS Trust",
             "investigation": f"Investigation {i} into the death of a patient.",
             "circumstances": f"The patient {i} " + TEXTS[i % len(TEXTS)] + " " + TEXTS[(i + 3) % len(TEXTS)],
             "concerns": "MATTERS OF CONCERN (1) " + TEXTS[(i + 1) % len(TEXTS)] + " (2) " + TEXTS[(i + 5) % len(TEXTS)]}
            for i in range(12)]
    (tmp_path / "half").mkdir()
    (tmp_path / "all").mkdir()
    _reports(tmp_path / "half" / "reports.csv", rows[:5])  # an ingest killed after 5 reports ...
    _reports(tmp_path / "all" / "reports.csv", rows)  # ... resumed over all of them
    clean = open_library(tmp_path / "clean", embedder=onnx)
    ingest(clean, [tmp_path / "all"], processes=0)
    resumed = open_library(tmp_path / "resumed", embedder=onnx)
    ingest(resumed, [tmp_path / "half"], processes=0)
    ingest(resumed, [tmp_path / "all"], processes=0)

    def vectors(lib):
        return {h: bytes(v) for h, v in lib.store.conn.execute("SELECT text_hash, vector FROM vectors")}

    a, b = vectors(clean), vectors(resumed)
    assert a and a == b
    for q in ("ligature cutter training", "ambulance delay after a fall", "GP not told of discharge"):
        top = [r["document"]["reference"] for r in run_search(clean, q, k=5)["results"]]
        assert top and top == [r["document"]["reference"] for r in run_search(resumed, q, k=5)["results"]]
    clean.close()
    resumed.close()
