"""Plain records that readers produce and everything downstream consumes.

A document is a list of blocks (runs of text that share a section name and a page),
so chunking, findings and the document page can all point back to "section X, page N"
and to character offsets in one canonical text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

BLOCK_SEPARATOR = "\n\n"

# The closed set of document types; readers may leave "other" for the classifier.
# "not_review": no concerns, findings or actions and the text reads as notes about files
# (corpus.extract.classify.not_review).
DOCUMENT_TYPES = (
    "pfd_report",
    "pfd_response",
    "action_plan",
    "inspection",
    "minutes",
    "other",
    "not_review",  # a folder's README, notes, a licence: ingested and listed, kept off the home page
)


@dataclass
class Block:
    """A run of text from one section and one page of a document."""

    text: str
    section: str | None = None
    page: int | None = None


@dataclass
class Document:
    """One readable document, as a reader found it (nothing embedded yet)."""

    title: str
    source: str  # file path, or "reports.csv#row=12" for a dataset row
    blocks: list[Block]
    type: str = "other"
    date: str | None = None  # YYYY-MM-DD
    reference: str | None = None  # the source's own id, e.g. PFD "2024-0621"
    meta: dict[str, Any] = field(default_factory=dict)  # area, coroner, recipients, url, ...
    # findings/actions already known from the source's structure (a mapped spreadsheet);
    # when set, ingest stores these instead of running the text extractor
    extraction: "Extraction | None" = None

    @property
    def text(self) -> str:
        return BLOCK_SEPARATOR.join(b.text for b in self.blocks)

    def block_spans(self) -> list[tuple[int, int, Block]]:
        """(start, end, block) of every block inside ``self.text``."""
        spans, pos = [], 0
        for b in self.blocks:
            spans.append((pos, pos + len(b.text), b))
            pos += len(b.text) + len(BLOCK_SEPARATOR)
        return spans


@dataclass
class Annotation:
    """Facts about an existing report from a dataset that carries no text of its own
    (the Preventable Deaths Tracker): matched to documents by ``reference``."""

    reference: str
    data: dict[str, Any]


@dataclass
class ReadResult:
    documents: list[Document] = field(default_factory=list)
    annotations: list[Annotation] = field(default_factory=list)
    # parts of the file not read, each {"source", "reason"} (a dataset row that is not a record)
    problems: list[dict] = field(default_factory=list)


class ReadError(Exception):
    """A file that cannot be read; ``str(err)`` is the reason shown to the user."""


FINDING_KINDS = (
    "concern",  # coroner's concern / matter of concern
    "recommendation",
    "cause_of_concern",
    "area_for_improvement",
    "key_finding",
    "lesson_learned",
)

ACTION_KINDS = ("response", "action_required", "action_taken", "commitment", "update")

ACTION_STATUSES = ("completed", "ongoing", "not_started", "red", "amber", "green")


@dataclass
class Finding:
    """A concern / recommendation / AFI / lesson found in a document.

    ``start``/``end`` are offsets into ``Document.text``; ``index`` is its position
    within the document, which actions use to say which finding they answer."""

    index: int
    kind: str
    text: str
    label: str | None = None  # as written: "Recommendation 3", "Concern 2", "AFI"
    addressees: list[str] = field(default_factory=list)
    start: int | None = None
    end: int | None = None
    section: str | None = None
    page: int | None = None


@dataclass
class Action:
    """A response / action required / action taken / commitment."""

    kind: str
    text: str
    owner: str | None = None
    due: str | None = None  # YYYY-MM-DD where the text gives a date
    due_text: str | None = None  # as written: "30/06/16", "With immediate effect"
    updated: str | None = None  # date of the update, YYYY-MM-DD
    status: str | None = None  # one of ACTION_STATUSES or None (not stated)
    finding_indexes: list[int] = field(default_factory=list)
    start: int | None = None
    end: int | None = None
    page: int | None = None


@dataclass
class Extraction:
    """What the extractor found in one document."""

    type: str  # one of DOCUMENT_TYPES
    findings: list[Finding] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)


# ---------------------------------------------------------------- titles


# words a name pattern picks up from the sentence around it ("the death of Brian Frost The
# inquest heard ...", "Wiktoria Was found ...", "Claire Copeland Aged 34"): never the last
# word of a person's name
_TRAILING_NOT_NAME = {
    "the", "a", "an", "and", "or", "of", "to", "for", "in", "on", "at", "by", "with", "from", "who", "was", "were",
    "is", "had", "has", "aged", "age", "late", "mr", "mrs", "ms", "miss", "mx", "dr", "on", "following", "whilst",
    "while", "when", "after", "before", "during", "date", "born", "died", "deceased", "inquest", "investigation",
    "hm", "coroner", "report", "this", "that", "his", "her", "their", "baby",
}


def tidy_person_name(name: str | None) -> str | None:
    """A deceased's name without the words a pattern caught after it: trailing function
    words, titles and verbs are dropped ("Brian Alban Frost The" -> "Brian Alban Frost");
    ``None`` when nothing of a name is left."""
    if not name:
        return None
    words = name.split()
    while words and words[-1].strip(".,;:").lower() in _TRAILING_NOT_NAME:
        words.pop()
    while words and words[0].strip(".,;:").lower() in {"the", "a", "an", "and", "of", "late"}:
        words.pop(0)
    out = " ".join(words).strip(" ,;:-–—")
    return out if re.search(r"[A-Za-z]{2}", out) else None


def report_title(name: str | None, reference: str | None = None, date: str | None = None) -> str:
    """"<Name> — PFD report <ref>": the deceased's tidied name, then the reference,
    else the date; no dangling words."""
    label = f"PFD report {reference}" if reference else (f"PFD report ({date})" if date else "PFD report")
    name = tidy_person_name(name)
    return f"{name} — {label}" if name else label


def source_file_name(source: str | None) -> str | None:
    """The readable name of where a document came from, never its folder: a file's name, a CSV
    row as "reports.csv, row 12" (its source is "…/reports.csv#row=12"). ``search.sources``
    pairs it with the http(s) URL for every page; the ingest status names failed files by it."""
    if not source:
        return None
    path, _, frag = str(source).partition("#")
    name = path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] or None
    if name and frag.startswith("row="):
        name = f"{name}, row {frag[4:]}"
    return name
