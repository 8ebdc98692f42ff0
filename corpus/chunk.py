"""Split a document into passages that respect blocks (section/page) and paragraphs.

Passages are what dense retrieval scores, so they should hold one idea: paragraphs are
packed together up to ``max_words``; a paragraph longer than that is split at sentence
ends; only a single sentence longer than ``max_words`` is cut mid-sentence."""
from __future__ import annotations

import re
from dataclasses import dataclass

from corpus.records import Document

PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+(?=[\"'‘“(\[]?[A-Z0-9•\-])")
WORD = re.compile(r"\S+")


@dataclass
class Chunk:
    text: str
    section: str | None
    page: int | None
    start: int  # offset in Document.text
    end: int


def _spans(text: str, pattern: re.Pattern, base: int) -> list[tuple[int, int]]:
    """Non-blank pieces of ``text`` between matches of ``pattern``, as absolute spans."""
    out, pos = [], 0
    for m in pattern.finditer(text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    spans = []
    for s, e in out:
        piece = text[s:e]
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            trail = len(piece.rstrip())
            spans.append((base + s + lead, base + s + trail))
    return spans


def _words(text: str) -> int:
    return len(WORD.findall(text))


def _units(full: str, start: int, end: int, max_words: int) -> list[tuple[int, int]]:
    """Paragraph spans in [start, end), long paragraphs split into sentence spans and
    over-long sentences into word windows."""
    units: list[tuple[int, int]] = []
    for ps, pe in _spans(full[start:end], PARAGRAPH_BREAK, start):
        if _words(full[ps:pe]) <= max_words:
            units.append((ps, pe))
            continue
        for ss, se in _spans(full[ps:pe], SENTENCE_END, ps):
            if _words(full[ss:se]) <= max_words:
                units.append((ss, se))
                continue
            words = [(m.start() + ss, m.end() + ss) for m in WORD.finditer(full[ss:se])]
            for i in range(0, len(words), max_words):
                group = words[i : i + max_words]
                units.append((group[0][0], group[-1][1]))
    return units


def _segments(bstart: int, bend: int, cuts: list[tuple[int, int]]) -> list[tuple[int, int, bool]]:
    """[bstart, bend) split at the cut spans that lie inside it: (start, end, is_cut)."""
    out, pos = [], bstart
    for cs, ce in cuts:
        cs, ce = max(cs, pos), min(ce, bend)
        if ce <= cs:
            continue
        if cs > pos:
            out.append((pos, cs, False))
        out.append((cs, ce, True))
        pos = ce
    if pos < bend:
        out.append((pos, bend, False))
    return out


def chunk_document(doc: Document, min_words: int = 100, max_words: int = 250,
                   cuts: list[tuple[int, int]] | None = None) -> list[Chunk]:
    """Passages of roughly ``min_words``..``max_words`` words, never crossing a block.

    ``cuts`` (spans in ``Document.text``, e.g. the document's findings) are passages of
    their own: a passage never crosses a cut's edge, so a cut of at most ``max_words``
    words is exactly one passage (and a finding with the same words as a passage is
    embedded once), a longer one is split as any text is."""
    full = doc.text
    chunks: list[Chunk] = []
    spans = sorted((s, e) for s, e in (cuts or []) if s is not None and e is not None and e > s)
    for bstart, bend, block in doc.block_spans():
        for sstart, send in _glued(full, _segments(bstart, bend, spans), min_words // 2):
            _pack(full, sstart, send, block, min_words, max_words, chunks)
    return chunks


def _glued(full: str, segments: list[tuple[int, int, bool]], short: int) -> list[tuple[int, int]]:
    """Spans to pack: a short stretch between cuts (a heading, a closing line) joins the
    cut after it, or the one before it when none follows, rather than being a passage of
    a few words."""
    spans = [[s, e] for s, e, _ in segments]
    keep = [True] * len(segments)
    for i, (s, e, is_cut) in enumerate(segments):
        if is_cut or _words(full[s:e]) >= short or len(segments) == 1:
            continue
        if i + 1 < len(segments) and segments[i + 1][2]:
            spans[i + 1][0] = s
            keep[i] = False
        elif i > 0 and segments[i - 1][2] and keep[i - 1]:
            spans[i - 1][1] = e
            keep[i] = False
    return [(s, e) for (s, e), k in zip(spans, keep) if k]


def _pack(full: str, bstart: int, bend: int, block, min_words: int, max_words: int, chunks: list[Chunk]) -> None:
    """Pack the units of [bstart, bend) into passages appended to ``chunks``."""
    units = _units(full, bstart, bend, max_words)
    cur: list[tuple[int, int]] = []
    cur_words = 0
    for us, ue in units:
        n = _words(full[us:ue])
        if cur and cur_words + n > max_words and cur_words >= min_words // 2:
            chunks.append(Chunk(full[cur[0][0] : cur[-1][1]], block.section, block.page, cur[0][0], cur[-1][1]))
            cur, cur_words = [], 0
        cur.append((us, ue))
        cur_words += n
        if cur_words >= max_words * 0.8:  # close enough to full: start afresh
            chunks.append(Chunk(full[cur[0][0] : cur[-1][1]], block.section, block.page, cur[0][0], cur[-1][1]))
            cur, cur_words = [], 0
    if cur:
        # A short tail joins the previous passage of the same span when it fits.
        prev = chunks[-1] if chunks else None
        if (
            prev is not None
            and cur_words < min_words // 2
            and prev.start >= bstart
            and _words(prev.text) + cur_words <= max_words
        ):
            chunks[-1] = Chunk(full[prev.start : cur[-1][1]], block.section, block.page, prev.start, cur[-1][1])
        else:
            chunks.append(Chunk(full[cur[0][0] : cur[-1][1]], block.section, block.page, cur[0][0], cur[-1][1]))
