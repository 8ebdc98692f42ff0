"""Integration tests with the real embedding model on real documents (marked slow)."""
import csv
import shutil

import pytest

from index.ingest.pipeline import ingest
from index.library import open_library
from search.ranking.engine import search

pytestmark = pytest.mark.slow

MARAC_QUERY = "information shared at a MARAC meeting was not minuted"


@pytest.fixture(scope="module")
def real_library(tmp_path_factory, shared):
    """Seeds, some real PDFs (good and broken) and every PFD report that mentions MARAC."""
    docs = tmp_path_factory.mktemp("docs")
    shutil.copytree(shared / "corpus" / "seeds", docs / "seeds")
    (docs / "pdf").mkdir()
    for name in ["Amy_Henderson.pdf", "Template.pdf"]:
        shutil.copy(shared / "corpus" / "pdf" / "pfd" / name, docs / "pdf" / name)
    for name in ["barnet-children-s-services-inspection-23-july-2024.pdf",
                 "rotherham-children-s-services-inspection-10-august-2012.pdf"]:
        shutil.copy(shared / "corpus" / "pdf" / "ofsted" / name, docs / "pdf" / name)
    csv.field_size_limit(1 << 30)
    with open(shared / "corpus" / "pfd" / "reports.csv", encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        rows = [r for r in reader if "MARAC" in r["concerns"] + r["circumstances"]]
    with open(docs / "marac-reports.csv", "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    lib = open_library(tmp_path_factory.mktemp("lib"), model="all-MiniLM-L6-v2")
    report = ingest(lib, [docs]).summary()
    yield lib, report, len(rows)
    lib.close()


def test_real_documents_are_ingested_and_bad_ones_reported(real_library):
    lib, report, n_rows = real_library
    failed = {f["path"].rsplit("/", 1)[-1]: f["reason"] for f in report["failed"]}
    assert "rotherham-children-s-services-inspection-10-august-2012.pdf" in failed
    assert "html" in failed["rotherham-children-s-services-inspection-10-august-2012.pdf"].lower()
    assert report["added"] >= 5 + n_rows + 1  # seeds, MARAC reports, the Ofsted inspection
    assert lib.passages.ntotal == lib.store.count("passages")


def test_marac_minuting_concern_finds_the_seed_answer_in_top_three(real_library):
    lib, _, _ = real_library
    results = search(lib, MARAC_QUERY, k=3)["results"]
    hits = [r for r in results if "000_a6dd923b68843d98" in r["document"]["source"]]
    assert hits, [r["document"]["source"] for r in results]
    assert "minut" in hits[0]["passage"]["text"].lower()


def test_dense_ranking_uses_real_semantics(real_library):
    lib, _, _ = real_library
    # no shared keywords with the seed wording: only a real model can find it
    results = search(lib, "notes of the multi-agency risk conference were never written up", k=10, mode="dense")["results"]
    assert any("MARAC" in r["passage"]["text"] for r in results)
