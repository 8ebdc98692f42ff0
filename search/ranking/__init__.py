"""Ranking: the one ranker every search goes through (the search page, ``/search.json``,
``precedent search``, query by draft and ``precedent eval``): keyword candidates (bounded
BM25 over FTS5, with words learned from the query's closest concerns) and dense candidates
are fused, passages fold into the concerns (findings) they hold, documents are scored by
their best hits and re-scored by a small learned model, that passage signal is fused with
whole-document BM25F (title, concerns, whole text) and the best dense cosine, near-duplicates
collapse, and each hit gets its strength (close / related / weak). The reads it makes are index.retrieval's;
here are the scoring, fusion and ordering. Modules: ``ranker`` (the pipeline and every
weight in ``WEIGHTS``), ``lexical`` (keyword ranking), ``feedback`` (query expansion),
``learned`` (the learned document model; parameters in rank_params.json), ``whole``
(whole-document BM25F, and the plain whole-report BM25 baseline), ``strength``,
``nomatch`` (whether anything matches at all; parameters in nomatch_params.json),
``text`` (the one tokenizer and stemmer) and ``engine`` (a passage-level view).

Settings that tests and tuning change (``ranker.WEIGHTS``, ``ranker.POOL``,
``lexical.POSTING_BUDGET``, ...) are read from their modules: change them there."""
from search.ranking import engine, feedback, learned, lexical, nomatch, ranker, strength, text, whole
from search.ranking.engine import keyword_passages, search
from search.ranking.feedback import expansion
from search.ranking.learned import Params, query_idf
from search.ranking.lexical import expanded_ranking, keyword_ranking, plain_bm25, split_by_budget
from search.ranking.ranker import (Hit, Lists, Ranking, Weights, diversify, document_scores, document_signals,
                                   encode, fuse, fuse_documents, fused_documents, rank, rank_documents, retrieve,
                                   vectors, whole_candidates, whole_documents, with_weights)
from search.ranking.whole import bm25f, plain_document_bm25
from search.ranking.strength import Calibration
from search.ranking.text import highlight_spans, stem

__all__ = [
    # modules (their settings and the learned model's fitting: ranker.WEIGHTS, learned.fit, ...)
    "engine", "feedback", "learned", "lexical", "nomatch", "ranker", "strength", "text", "whole",
    # the ranker
    "Hit", "Lists", "Ranking", "Weights", "diversify", "document_scores", "document_signals", "encode", "fuse",
    "fuse_documents", "fused_documents", "rank", "rank_documents", "retrieve", "vectors", "whole_candidates",
    "whole_documents", "with_weights",
    # whole documents by keyword
    "bm25f", "plain_document_bm25",
    # keyword ranking and expansion
    "expanded_ranking", "keyword_ranking", "plain_bm25", "split_by_budget", "expansion",
    # the learned document model, strength, text
    "Params", "query_idf", "Calibration", "highlight_spans", "stem",
    # passages
    "keyword_passages", "search",
]
