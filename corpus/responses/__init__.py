"""Which PFD report a response letter answers. ``cues`` reads what a letter says about the report
(the deceased's name, the report's date, the coroner, a reference, quoted concerns) and builds
what a report offers to be matched against (``ReportInfo``); ``match`` weighs a letter's cues
against each candidate report (``score_report``) and decides, leaving a letter unlinked when in
doubt (``decide``); ``link_model`` is the learned conditional logit over those weighed signals
(weights fitted by the benchmarks, shipped as constants). Pure functions, no database:
``index.responses.linking`` runs them against the library.
"""
from __future__ import annotations

from corpus.responses.cues import (
    ReportInfo,
    ResponseCues,
    content_terms,
    edit1,
    extract_cues,
    make_report,
    org_similarity,
    recipient_in_text,
    report_names,
    words,
)
from corpus.responses.link_model import (
    L2,
    LINK_BIAS,
    LINK_FEATURES,
    LINK_WEIGHTS,
    SHRINK,
    TOP,
    candidate_features,
    choose,
    fit,
    link_features,
    linked_together,
)
from corpus.responses.match import (
    THRESHOLD,
    LinkDecision,
    ReportIndex,
    Score,
    WordRarity,
    concern_similarity,
    decide,
    score_report,
    telling_terms,
    text_cosine,
)

__all__ = [
    "L2", "LINK_BIAS", "LINK_FEATURES", "LINK_WEIGHTS", "SHRINK", "THRESHOLD", "TOP",
    "LinkDecision", "ReportIndex", "ReportInfo", "ResponseCues", "Score", "WordRarity",
    "candidate_features", "choose", "concern_similarity", "content_terms", "decide", "edit1", "extract_cues", "fit",
    "link_features", "linked_together", "make_report", "org_similarity", "recipient_in_text", "report_names",
    "score_report", "telling_terms", "text_cosine", "words",
]
