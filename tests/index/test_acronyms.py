from index.acronyms import expand, find_pairs
from index.ingest.pipeline import ingest


def test_pairs_in_both_directions_and_only_when_initials_fit():
    text = ("Information was shared at the Multi-Agency Risk Assessment Conference (MARAC). "
            "MAPPA (Multi Agency Public Protection Arrangements) covers level 2. "
            "The Child and Adolescent Mental Health Service (CAMHS) was told. "
            "He saw a doctor (GP) later. The report (PDF) was sent.")
    pairs = dict(find_pairs(text))
    assert pairs["MARAC"] == "multi-agency risk assessment conference"
    assert pairs["MAPPA"] == "multi agency public protection arrangements"
    assert pairs["CAMHS"] == "child and adolescent mental health service"
    assert "GP" not in pairs and "PDF" not in pairs


def test_library_learns_acronyms_at_ingest_and_expands_queries(library, tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.txt").write_text("The Integrated Care Board (ICB) must commission the service.")
    (d / "b.txt").write_text("The ICB (Integrated Care Board) has not replied. The Integrated Care Board (ICB) met.")
    ingest(library, [d])
    n = library.store.conn.execute("SELECT n FROM acronyms WHERE acronym='ICB'").fetchone()[0]
    assert n == 3
    assert expand(library.store, "ICB funding gaps") == "ICB funding gaps (integrated care board)"
    assert expand(library.store, "the integrated care board did not fund it").endswith("(ICB)")
    assert expand(library.store, "nothing to expand") == "nothing to expand"
