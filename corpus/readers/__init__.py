"""Reading files into plain records: any supported file (PDF, Word, HTML, text, CSV, Excel, zip)
becomes ``Document``s (or ``Annotation``s for a tracker), recognised by its content, not its
extension. ``sniff`` holds the dispatch (``read_path``, ``iter_files``, and ``sniff.sniff``, the
content-type guess); ``folders`` lists the files of folders safely; ``pdf`` and ``text`` read one
format each; ``datasets`` knows the PFD-toolkit, tracker and responses CSVs and the fields read
from their rows; ``limits`` bounds what one file may cost (size, zip inflation, text,
passages, word length, time); ``spreadsheet`` reads any recommendations table with a user's ``--columns`` map.

The function ``sniff.sniff`` is not re-exported here: the package attribute ``sniff`` stays the
module (ingest imports ``from corpus.readers import sniff as readers``).
"""
from __future__ import annotations

from corpus.readers.datasets import (
    clean_area,
    deceased_from_text,
    letter_date_line,
    pfd_row,
    split_recipients,
    upload_month,
)
from corpus.readers.limits import Limits, bound_document, truncate_at
from corpus.readers.sniff import ReadError, ReadResult, iter_files, list_files, read_path
from corpus.readers.spreadsheet import parse_columns, read_mapped_table

__all__ = [
    "Limits", "ReadError", "ReadResult", "bound_document", "clean_area", "deceased_from_text", "iter_files", "letter_date_line", "list_files",
    "parse_columns", "pfd_row", "read_mapped_table", "read_path", "split_recipients", "truncate_at", "upload_month",
]
