"""The day a ledger page is read as of: whether an action or a response is overdue or pending
is judged on it (the cases, ledger and responses rooms all take an ``as_of``).

``as_of_date(value)`` -> ``value`` checked, or today; ``check_date(value, name)`` -> a checked
YYYY-MM-DD or None; ``today()`` -> today as YYYY-MM-DD."""
from __future__ import annotations

from datetime import date


def today() -> str:
    """Today as YYYY-MM-DD."""
    return date.today().isoformat()


def check_date(value: str | None, name: str = "date") -> str | None:
    """YYYY-MM-DD or None; anything else is a ValueError with a message for the user."""
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value)).isoformat()
    except ValueError:
        raise ValueError(f"{name} must be a date written YYYY-MM-DD") from None


def as_of_date(value: str | None) -> str:
    """The day a page is read as of: ``value`` (YYYY-MM-DD, checked as ``as_of``), else today."""
    return check_date(value, "as_of") or today()
