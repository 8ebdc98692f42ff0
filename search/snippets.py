"""Bounded text for answers that list many things: a search result carries a *snippet* of its
finding or passage (at most ``SNIPPET_CHARS`` characters, cut around the matched words, the
highlights moved with it), never a whole text however long it is; the whole text is on the
document page. So a search answer's size depends on the page size, not on the documents.

``snippet(text, spans)`` -> ``{"text", "highlights", "truncated", "chars"}``: ``text`` is the
window (with "…" where it was cut), ``highlights`` the spans inside it, ``chars`` the full length.
``clip(text, limit)`` cuts a text that is only shown (an action, a warning's finding) at a word."""
from __future__ import annotations

import bisect

SNIPPET_CHARS = 1600  # a passage is at most 250 words (corpus.chunk): about 1,500 characters
CLIP_CHARS = 600  # an action's or an earlier warning's text in a result
ELLIPSIS = "…"
_SNAP = 60  # how far a cut may move to fall between words


def _snap_start(text: str, i: int) -> int:
    """``i`` moved forward to the start of a word (within ``_SNAP`` characters)."""
    if i <= 0:
        return 0
    j = text.find(" ", i, i + _SNAP)
    return j + 1 if j >= 0 else i


def _snap_end(text: str, i: int) -> int:
    """``i`` moved back to the end of a word (within ``_SNAP`` characters)."""
    if i >= len(text):
        return len(text)
    j = text.rfind(" ", max(i - _SNAP, 0), i)
    return j if j > 0 else i


def snippet(text: str | None, spans=(), limit: int = SNIPPET_CHARS) -> dict:
    """The window of ``text`` of at most ``limit`` characters holding the most of ``spans``
    (character spans, sorted: the matched words), starting a little before the first of them."""
    text = text or ""
    spans = [(int(s), int(e)) for s, e in spans]
    if len(text) <= limit:
        return {"text": text, "highlights": [list(s) for s in spans], "truncated": False, "chars": len(text)}
    room = limit - 2 * (len(ELLIPSIS) + 1)
    start = 0
    if spans:
        starts = [s for s, _ in spans]
        best, best_n = 0, -1
        for k, (s, _) in enumerate(spans):  # the window opening just before span k holding the most spans
            n = bisect.bisect_left(starts, s + room - room // 5) - k
            if n > best_n:
                best, best_n = k, n
            if k > 2000:  # enough: a text matching everywhere has its best window early
                break
        start = max(spans[best][0] - room // 5, 0)
    start = min(start, len(text) - room)
    a = _snap_start(text, start)
    b = _snap_end(text, a + room)
    head = ELLIPSIS + " " if a > 0 else ""
    tail = " " + ELLIPSIS if b < len(text) else ""
    shift = len(head) - a
    kept = [[max(s, a) + shift, min(e, b) + shift] for s, e in spans if e > a and s < b]
    return {"text": head + text[a:b] + tail, "highlights": kept, "truncated": True, "chars": len(text)}


def clip(text: str | None, limit: int = CLIP_CHARS) -> str | None:
    """``text`` cut at a word before ``limit`` characters, with "…" (None stays None)."""
    if text is None or len(text) <= limit:
        return text
    return text[: _snap_end(text, limit - 2)] + " " + ELLIPSIS
