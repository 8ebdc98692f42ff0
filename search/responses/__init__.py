"""Responses: who a PFD report was sent to and who answered it, by when (``report_tracking``,
``track_report``: each recipient's response and status, the 56-day due date, the Preventable
Deaths Tracker's word), a response letter as a reader wants it (``response_view``: who wrote it,
which report it answers, what it did), the letters not linked to any report with the reports
that came closest (``unlinked_view``), and earlier similar concerns raised with the same
organisation with what it promised then (``warned_before``). Rows come from ``index.ledger``."""
from search.responses.recipients import recipient_names, report_tracking, respondent_of, response_due, track_report
from search.responses.unlinked import response_view, unlinked_view
from search.responses.warned_before import action_json, finding_orgs, promised_actions, warned_before, warning_item

__all__ = [
    "action_json",
    "finding_orgs",
    "promised_actions",
    "recipient_names",
    "report_tracking",
    "respondent_of",
    "response_due",
    "response_view",
    "track_report",
    "unlinked_view",
    "warned_before",
    "warning_item",
]
