"""CSV that is safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as
a formula by Excel, LibreOffice and Google Sheets (``=HYPERLINK(…)`` from a document's
text becomes a live link). OWASP's advice is to prefix such cells with a single quote so
they are shown as text; numbers we write ourselves (ints, floats) are left alone, so a
negative number stays a number. Carriage returns inside a cell become newlines, which the
writer quotes.
"""
from __future__ import annotations

import csv
import io
from typing import Any, Iterable

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` as it should be written to a CSV cell: strings that a spreadsheet would
    run as a formula get a leading ``'``; ``None`` becomes an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return value
    s = str(value)
    if s.startswith(FORMULA_START):
        s = "'" + s
    # a bare CR inside a cell is not quoted by a writer whose line ending is "\n": make it one
    return s.replace("\r\n", "\n").replace("\r", "\n")


def write_csv(header: list[str], rows: Iterable[Iterable[Any]]) -> str:
    """Header and rows as CSV text, every cell passed through :func:`safe_cell`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([safe_cell(h) for h in header])
    for row in rows:
        w.writerow([safe_cell(v) for v in row])
    return buf.getvalue()
