"""Query by document: a draft report in, precedents for each of its concerns out.

People rarely have a one-line query; they have a draft. Its concerns are found with the
same extractor the library uses (so a draft PFD report, action plan or letter is read the
same way), falling back to its substantive paragraphs when no concern is labelled."""
from __future__ import annotations

import logging
import re
import tempfile
from pathlib import Path
from typing import Any

from corpus.readers import sniff as readers
from corpus.records import Block, Document, ReadError
from index.library import Library

from search.query import MAX_PER_PAGE, run_search

log = logging.getLogger(__name__)

MAX_CONCERNS = 20
MIN_WORDS = 12


def concerns_of(doc: Document) -> list[dict[str, Any]]:
    """The draft's findings, or its longer paragraphs when it labels none."""
    from corpus.extract import extract

    try:
        found = [{"label": f.label or f.kind, "kind": f.kind, "text": f.text} for f in extract(doc).findings]
    except (ValueError, IndexError, KeyError, AttributeError):  # a draft the rules cannot read: its paragraphs
        log.exception("extracting the draft's concerns failed; using its paragraphs")
        found = []
    if not found:
        paras = [p.strip() for p in re.split(r"\n\s*\n", doc.text) if len(p.split()) >= MIN_WORDS]
        if not paras and re.search(r"[^\W_]", doc.text):  # one short concern ("Prisoner released homeless.")
            paras = [" ".join(doc.text.split())]
        found = [{"label": f"Paragraph {i + 1}", "kind": "paragraph", "text": p} for i, p in enumerate(paras)]
    return found[:MAX_CONCERNS]


def document_from_upload(data: bytes, filename: str) -> Document:
    """Read an uploaded draft (PDF, DOCX, text…) with the library's own readers."""
    suffix = Path(filename or "draft.txt").suffix or ".txt"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"draft{suffix}"
        path.write_bytes(data)
        docs = readers.read_path(path).documents
    if not docs:
        raise ReadError("no readable text in the upload")
    return docs[0]


def precedents(lib: Library, doc: Document, k: int = 5, mode: str = "hybrid",
               filters: dict | None = None) -> dict[str, Any]:
    """``{"title", "concerns": [{"label", "kind", "text", "close", "cases", "results": [...]}]}``:
    each concern searched like a query on the search page, ``k`` past cases a concern (more when
    more are close: every close case is listed), close cases first, each shown by its best hit
    (``close``: how many of the listed cases are close — all the search found, up to 100;
    ``cases``: how many cases the search found in all)."""
    out = []
    for c in concerns_of(doc):
        query = " ".join(c["text"].split()[:200])  # the model reads ~256 tokens anyway
        # one hit a document: five passages of two reports answered "has this happened before?"
        # with two cases; the case page tells the rest of each
        res = run_search(lib, query, k=k, mode=mode, filters=filters, per_document=1, close_first=True)
        if res["close"] > k:  # every close case is listed (close first), however many
            res = run_search(lib, query, k=min(res["close"], MAX_PER_PAGE), mode=mode, filters=filters,
                             per_document=1, close_first=True)
        close = sum(1 for r in res["results"] if r["strength"] == "close")
        out.append({**c, "close": close, "cases": res["total"], "results": res["results"]})
    return {"title": doc.title, "concerns": out}


def precedents_for_text(lib: Library, text: str, k: int = 5, **kw) -> dict[str, Any]:
    text = text.strip()
    if not text:
        raise ReadError("no text given")
    if not re.search(r"[^\W_]", text):
        raise ReadError("the text has no words to search for: paste a concern or a draft paragraph")
    return precedents(lib, Document(title="Pasted text", source="pasted", blocks=[Block(text)]), k=k, **kw)
