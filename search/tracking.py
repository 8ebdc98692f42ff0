"""Transition shim: the tracking read-models now live one per page —
``search.recipients`` (report_tracking, response_due), ``search.organisations``,
``search.warned_before`` and ``search.cases``. Kept only for importers outside the
refactoring's lane (search/query.py imports ``warned_before`` from here); new code imports the modules above."""
from .cases import get_case  # noqa: F401
from .organisations import get_organisation, list_organisations, organisation_index  # noqa: F401
from .recipients import RESPONSE_DAYS, report_tracking, response_due  # noqa: F401
from .warned_before import promised_actions, warned_before  # noqa: F401
