"""Cases: one report or review with everything about it — its responses, action-plan rows and the
documents that mention it, in date order (``get_case``, the case page), and the story a reader
needs without the library: who, when, where, what happened (quoted), each concern with what was
done, and the outcome so far (``case_story``, ``concern_details``, ``outcome``; learning packs
use them too). Rows come from ``index.ledger``; response tracking from ``search.responses``."""
from search.cases.cases import get_case
from search.cases.story import ACCOUNT_MAX, account, approx_date_label, case_story, dated, concern_details, outcome, outcome_sentence

__all__ = [
    "ACCOUNT_MAX",
    "account",
    "approx_date_label",
    "dated",
    "case_story",
    "concern_details",
    "get_case",
    "outcome",
    "outcome_sentence",
]
