"""Keyword expansion learned from the query's closest findings (search.ranking.feedback, fake embedder)."""
import pytest

from search.ranking import feedback
from search.ranking import ranker
from search.ranking.lexical import expanded_ranking, keyword_ranking


@pytest.fixture
def marac(library, tmp_path):
    """Reports about referrals, and a letter whose concerns write only the acronym MARAC."""
    from index.ingest.pipeline import ingest

    d = tmp_path / "marac"
    d.mkdir()
    for i in range(12):
        (d / f"r{i:02d}.txt").write_text(
            "Regulation 28 Report to Prevent Future Deaths\n\nCORONER'S CONCERNS\n\n"
            f"1. The mental health referral number {i} was delayed and the risk to patient {i} was not reviewed.\n")
    (d / "letter.txt").write_text(
        "Concern: Information shared at the MARAC meeting was not minuted.\n\n"
        "Concern: Actions agreed at MARAC were not recorded by the chair.\n\nResponse: minute takers were trained.\n")
    ingest(library, [d])
    return library


def _findings(lib, word):
    return [(r[0], 0.9) for r in lib.store.conn.execute("SELECT id FROM findings WHERE text LIKE ?", (f"%{word}%",))]


def test_the_closest_findings_teach_their_rare_words(marac):
    extra = feedback.expansion(marac, "the risk conference was not written down", _findings(marac, "MARAC"))
    assert "marac" in extra
    assert extra["marac"][0] == "marac"
    assert sum(w for _, w in extra.values()) == pytest.approx(1.0)
    # the acronym is rarer than the everyday words beside it, so it weighs more
    assert extra["marac"][1] > extra.get("inform", ("", 0.0))[1]


def test_findings_not_alike_enough_teach_nothing(marac):
    far = [(fid, 0.2) for fid, _ in _findings(marac, "MARAC")]
    assert feedback.expansion(marac, "the risk conference was not written down", far, min_cosine=0.4) == {}
    assert feedback.expansion(marac, "anything", [], min_cosine=0.4) == {}


def test_a_closer_finding_teaches_more_with_a_temperature(marac):
    rows = _findings(marac, "MARAC")
    one, other = rows[0][0], rows[1][0]
    f = [(one, 0.9), (other, 0.5)]
    flat = feedback.expansion(marac, "the meeting", f, temperature=0.0)
    sharp = feedback.expansion(marac, "the meeting", f, temperature=0.05)
    first_only = set(feedback.expansion(marac, "the meeting", [(one, 0.9)])) - set(
        feedback.expansion(marac, "the meeting", [(other, 0.9)]))
    assert first_only
    assert sum(sharp[s][1] for s in first_only if s in sharp) > sum(flat[s][1] for s in first_only if s in flat)


def test_expanded_keyword_search_finds_what_only_the_learned_word_matches(marac):
    query = "the risk conference was not written down"
    base = keyword_ranking(marac, query, 50, "passages", coordination=0.0)
    letter = {r[0] for r in marac.store.conn.execute(
        "SELECT p.id FROM passages p JOIN documents d ON d.id = p.document_id WHERE d.source LIKE '%letter%'")}
    assert not letter & {i for i, _ in base[:3]}
    extra = feedback.expansion(marac, query, _findings(marac, "MARAC"))
    ranked = expanded_ranking(marac, query, base, extra, 0.5, 50)
    assert ranked[0][0] in letter
    # no expansion: the query's own list comes back unchanged
    assert expanded_ranking(marac, query, base, {}, 0.5, 50) is base


def test_the_ranker_records_the_learned_words(marac):
    lists = ranker.retrieve(marac, "MARAC meeting minuted", "hybrid", 50, ranker.with_weights(feedback_cosine=-1.0))
    assert lists.extra
    off = ranker.retrieve(marac, "MARAC meeting minuted", "hybrid", 50, ranker.with_weights(expand=0.0))
    assert off.extra == {}
    kw = ranker.retrieve(marac, "MARAC meeting minuted", "keyword", 50, ranker.with_weights(feedback_cosine=-1.0))
    assert kw.extra == {}  # keyword mode stays the query's own words


def test_a_large_library_reranks_its_candidates_by_the_learned_words(marac, monkeypatch):
    from index import termstats

    monkeypatch.setattr(termstats, "PRUNE_FROM", 10)
    assert termstats.refresh_if_needed(marac.store, force=True)
    query = "the risk conference was not written down"
    assert termstats.term_stats(marac.store, ["risk"]) is not None  # the bounded plan is in use
    extra = feedback.expansion(marac, query, _findings(marac, "MARAC"))
    letter = {r[0] for r in marac.store.conn.execute(
        "SELECT p.id FROM passages p JOIN documents d ON d.id = p.document_id WHERE d.source LIKE '%letter%'")}
    plain = keyword_ranking(marac, query, 50, "passages", coordination=0.0)
    assert not letter & {i for i, _ in plain[:3]}
    # there the learned words bring no rows of their own (the cost stays bounded) but re-rank
    # the candidates: the query's own matches and the dense side's
    alone = keyword_ranking(marac, query, 50, "passages", coordination=0.0, extra=extra, share=0.5)
    assert not letter & {i for i, _ in alone}
    ranked = keyword_ranking(marac, query, 50, "passages", sorted(letter), coordination=0.0, extra=extra, share=0.5)
    assert ranked[0][0] in letter
    plain_with_candidates = keyword_ranking(marac, query, 50, "passages", sorted(letter), coordination=0.0)
    assert plain_with_candidates[0][0] not in letter
