"""Responses: which report a response letter answers, and what it did about it. ``linking``
shortlists candidate reports in SQLite, scores them with ``corpus.responses.match`` and stores
the links (or says why a letter stays unlinked); ``answering`` then names the respondent,
titles the response, pairs each action with the concern(s) it answers and settles who owns
each action, so every page reads one owner."""
from index.responses.answering import (
    CONTEXT_WEIGHT, PAIR_MIN, action_context, name_unlinked, pair_actions, report_subject, response_title,
    settle_all_owners, settle_owners, settle_response)
from index.responses.linking import (
    MAYBE_RESPONSE, POSSIBLE_MIN, REPORT, RESPONSE, THRESHOLD, StoreWordRarity, candidate_ids, candidate_threshold,
    decide_link, explain_link, link_all, link_new_documents, load_reports, near_surname_ids, report_info, reports_for,
    responses_for, unlinked_responses)

__all__ = [
    # linking
    "MAYBE_RESPONSE", "POSSIBLE_MIN", "REPORT", "RESPONSE", "THRESHOLD", "StoreWordRarity", "candidate_ids",
    "candidate_threshold", "decide_link", "explain_link", "link_all", "link_new_documents", "load_reports", "near_surname_ids",
    "report_info", "reports_for", "responses_for", "unlinked_responses",
    # answering
    "CONTEXT_WEIGHT", "PAIR_MIN", "action_context", "name_unlinked", "pair_actions", "report_subject",
    "response_title", "settle_all_owners", "settle_owners", "settle_response",
]
