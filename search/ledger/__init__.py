"""The ledger: what has been promised and by whom. Every action the library holds with its owner,
due date, status and whether it is overdue (``list_commitments``, the commitments page and its
CSV), and every organisation the documents name with the reports sent to it, the responses it
made, its commitments and the similar concerns raised with it before (``list_organisations``,
``get_organisation``). Rows come from ``index.ledger``; which recipient answered a report from
``search.responses``. Each row says what it is (``claims``: asked of a body, promised by it, or
its answer), who owns it and the text that says so, and why it is overdue."""
from search.ledger.claims import claim_fields, overdue_reason, sentence_owner
from search.ledger.commitments import (DONE, all_commitments, commitment_record, is_overdue, list_commitments, owner_orgs, to_csv)
from search.ledger.organisations import get_organisation, list_organisations, organisation_index

__all__ = [
    "DONE",
    "all_commitments",
    "claim_fields",
    "commitment_record",
    "get_organisation",
    "is_overdue",
    "list_commitments",
    "list_organisations",
    "organisation_index",
    "overdue_reason",
    "owner_orgs",
    "sentence_owner",
    "to_csv",
]
