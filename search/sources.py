"""Where a document came from, as a reader may see it: the original web address (http(s)
only) or a file name — never a path on the server. One rule for every link Precedent writes."""
from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlparse

from corpus.records import source_file_name

from index.rows import document_meta, document_summary

_URL_BAD_CHARS = re.compile(r"[\s\x00-\x1f\x7f\"'<>\\]")  # must be percent-encoded in a URL


def http_url(url: Any) -> str | None:
    """``url`` when it is an absolute http(s) URL with a host, else None.

    The one rule for every link Precedent writes (pages, packs, exports): no ``javascript:``,
    ``data:`` or ``file:``, no host-less ``https://``, and no character a valid URL must
    percent-encode (whitespace, control characters, quotes, angle brackets, backslash)."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or _URL_BAD_CHARS.search(url):
        return None
    try:
        p = urlparse(url)
    except ValueError:
        return None
    return url if p.scheme.lower() in ("http", "https") and p.netloc else None


def source_display(source: str | None, meta: dict | None) -> dict[str, str | None]:
    """The original URL (http(s) only) and a readable file name ("reports.csv, row 12")."""
    meta = meta or {}
    url = http_url(meta.get("url"))
    return {"url": url, "name": source_file_name(source)}


def shown_source(doc: dict, meta: dict | None = None) -> dict:
    """``doc`` (a dict with ``source``) as a reader may see it: ``source`` the original http(s) URL
    or else the file name, with ``source_url`` and ``source_name`` beside it. Every read model
    that hands a document to a page, a JSON twin or the CLI passes it through here."""
    if meta is None:
        meta = doc.get("meta") if isinstance(doc.get("meta"), dict) else {}
    src = source_display(doc.get("source"), meta)
    doc.update(source=src["url"] or src["name"], source_url=src["url"], source_name=src["name"])
    return doc


def document_card(row, id_column: str = "id") -> dict:
    """``index.rows.document_summary`` of a stored row with its source shown (``shown_source``):
    the short form of a document every page shows."""
    return shown_source(document_summary(row, id_column=id_column), document_meta(row))


def clip(text: str, limit: int) -> str:
    """Whitespace tidied and, when longer than ``limit``, cut after the last whole word that
    fits, with " …" (never "… audit summar")."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit + 1].rsplit(" ", 1)[0] if " " in text[:limit + 1] else text[:limit]
    return cut.rstrip(" ,;:-–") + " …"
