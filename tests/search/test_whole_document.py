"""Whole-document BM25F (search.ranking.whole) and its fusion with the passage signal
(search.ranking.ranker.fuse_documents / whole_documents)."""
import pytest

from search.ranking import learned, ranker, whole

FILLER = ("The family described the staff as kind. The inquest heard evidence from the ward manager, the "
          "pharmacist and the consultant about the medication round, the handover and the records kept. ")


@pytest.fixture
def topical(library, tmp_path):
    """A report about restraint (its title and concerns say so), a long report about medication that
    mentions restraint once in one dense paragraph, and reports about neither."""
    from index.ingest.pipeline import ingest

    d = tmp_path / "topical"
    d.mkdir()
    def report(title: str, circumstances: str, concerns: list[str]) -> str:
        return (f"# {title}\n\nCIRCUMSTANCES OF THE DEATH\n\n{circumstances}\n\nCORONER'S CONCERNS\n\n"
                + "".join(f"{i}. {c}\n\n" for i, c in enumerate(concerns, 1))
                + "ACTION SHOULD BE TAKEN\n\nIn my opinion action should be taken to prevent future deaths.\n")

    (d / "about.txt").write_text(report(
        "Deaths involving restraint in police custody", FILLER * 6,
        ["Officers used prone restraint for eleven minutes.",
         "No officer had refresher training in restraint and positional asphyxia."]))
    (d / "passing.txt").write_text(report(
        "Medication errors on a hospital ward",
        FILLER * 20 + "\n\nPolice custody restraint deaths involving officers were mentioned by a witness.\n\n"
        + FILLER * 20,
        ["The pharmacist was not consulted about the dose.", "Handover notes were incomplete."]))
    for i in range(6):
        (d / f"other{i}.txt").write_text(report(f"Road junction number {i}", FILLER * 3,
                                                [f"The junction {i} had no warning sign."]))
    ingest(library, [d])
    ids = {r[1].rsplit("/", 1)[-1]: r[0] for r in library.store.conn.execute("SELECT id, source FROM documents")}
    return library, ids


def test_bm25f_puts_the_report_about_a_topic_above_one_mentioning_its_words(topical):
    lib, ids = topical
    query = "deaths involving restraint in police custody"
    idf = learned.query_idf(lib, query)
    scores = whole.bm25f(lib, query, list(ids.values()), idf, (3.0, 2.0, 1.0))
    assert scores[ids["about.txt"]] > scores[ids["passing.txt"]] > 0
    assert all(scores[ids[f"other{i}.txt"]] < scores[ids["passing.txt"]] for i in range(6))
    # the fields lift it further: read as one plain text (title and concerns weigh as the rest) the
    # gap is smaller
    flat = whole.bm25f(lib, query, list(ids.values()), idf, (0.0, 0.0, 1.0))
    assert scores[ids["about.txt"]] / scores[ids["passing.txt"]] > flat[ids["about.txt"]] / flat[ids["passing.txt"]]


def test_counts_match_the_tokenizers_stems():
    from search.ranking.text import stem_counts

    text = "Restraints restrained; RESTRAINT-related. Unrestrained? police policing e-mail R v. O'Neil"
    wanted = frozenset({"restraint", "restrain", "polic", "mail", "neil"})
    assert whole.counts(text, wanted) == stem_counts(text, wanted)[0]
    assert whole.counts(text, wanted)["restrain"] == 1  # "Unrestrained" is another word


def test_plain_document_bm25_counts_documents(topical):
    lib, ids = topical
    ranked = dict(whole.plain_document_bm25(lib, "restraint custody"))
    assert set(ranked) == {ids["about.txt"], ids["passing.txt"]}  # only documents holding a query word
    assert ranked[ids["about.txt"]] > ranked[ids["passing.txt"]]
    assert whole.plain_document_bm25(lib, "the of and") == []


def test_fusion_is_a_weighted_sum_of_rescaled_signals():
    docs = [1, 2, 3]
    passage = {1: 10.0, 2: 5.0, 3: 0.0}
    bm = {1: 0.0, 2: 1.0, 3: 4.0}
    cos = {1: 0.5, 2: 0.4, 3: 0.3}
    only_passage = ranker.with_weights(doc_bm25=0.0, doc_dense=0.0, doc_fusion="score")
    assert [d for d, _ in ranker.fuse_documents(docs, passage, bm, cos, only_passage)] == [1, 2, 3]
    only_bm = ranker.with_weights(doc_bm25=1.0, doc_dense=0.0, doc_fusion="score")
    assert [d for d, _ in ranker.fuse_documents(docs, passage, bm, cos, only_bm)] == [3, 2, 1]
    half = dict(ranker.fuse_documents(docs, passage, bm, cos,
                                      ranker.with_weights(doc_bm25=0.5, doc_dense=0.0, doc_fusion="score")))
    assert half[1] == pytest.approx(0.5) and half[2] == pytest.approx(0.5 * 0.5 + 0.5 * 0.25) \
        and half[3] == pytest.approx(0.5)
    ranks = dict(ranker.fuse_documents(docs, passage, bm, cos, ranker.with_weights(doc_bm25=0.5, doc_fusion="rank")))
    k = ranker.WEIGHTS.rrf_k
    assert ranks[2] == pytest.approx(0.5 / (k + 2) + 0.5 / (k + 2))


def test_hybrid_ranking_with_the_document_signal_lists_the_topic_report_first(topical):
    lib, ids = topical
    query = "deaths involving restraint in police custody"
    w = ranker.with_weights(doc_bm25=1.0, doc_dense=0.0, learned=False, doc_fields=(3.0, 2.0, 1.0))
    docs = [d for d, _ in ranker.rank(lib, query, "hybrid", w=w, signals=False).documents]
    assert docs[0] == ids["about.txt"] and docs.index(ids["passing.txt"]) == 1



def test_the_shipped_ranker_reads_the_whole_document_signal(topical, monkeypatch):
    """Hybrid ranking fuses BM25F in (a share chosen by benchmarks/document_fusion_cv.py): with the
    signal's scores reversed the order of the documents changes."""
    lib, ids = topical
    query = "deaths involving restraint in police custody"
    assert ranker.WEIGHTS.doc_bm25 > 0
    shipped = [d for d, _ in ranker.rank(lib, query, "hybrid", signals=False).documents]
    real = whole.bm25f
    monkeypatch.setattr(whole, "bm25f", lambda *a, **k: {d: -v for d, v in real(*a, **k).items()})
    assert [d for d, _ in ranker.rank(lib, query, "hybrid", signals=False).documents] != shipped
