"""Boilerplate: passages that repeat, nearly word for word, what many earlier documents said.

The Regulation 28 preamble, "CORONER'S DUTY TO MAKE A REPORT", the 56-day response-duty
paragraph, an inspectorate's standard introduction: a meaning search gains nothing from
thousands of vectors of the same paragraph, and they crowd real hits out. Nothing here
names a phrase; the corpus decides. Word 5-gram shingles are counted by how many
documents hold them (a fixed-size hashed table, so memory stays ~32 MB whatever the
corpus); a passage is boilerplate when at least ``SHARE`` of its shingles were already
seen in ``MIN_DOCUMENTS`` or more earlier documents. The first documents to carry a
paragraph get it embedded; the rest keep it for keyword search and display only.
"""
from __future__ import annotations

import re
import zlib

import numpy as np

SHINGLE = 5
MIN_DOCUMENTS = 25
SHARE = 0.85
MIN_SHINGLES = 6  # shorter passages are always embedded (too little evidence)
BUCKETS = 1 << 24

_word = re.compile(r"[a-z0-9]+")


def shingles(text: str) -> np.ndarray:
    words = _word.findall(text.lower())
    if len(words) < SHINGLE:
        return np.zeros(0, dtype=np.int64)
    grams = (" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))
    return np.fromiter((zlib.crc32(g.encode()) % BUCKETS for g in grams), dtype=np.int64)


class BoilerplateDetector:
    """Feed documents in order; each call says which of the document's passages are boilerplate."""

    def __init__(self, min_documents: int = MIN_DOCUMENTS, share: float = SHARE):
        self.counts = np.zeros(BUCKETS, dtype=np.uint16)
        self.min_documents = min_documents
        self.share = share

    def observe(self, texts: list[str]) -> list[bool]:
        """``[is boilerplate]`` for each passage of one document, then count the document."""
        grams = [shingles(t) for t in texts]
        flags = []
        for g in grams:
            if len(g) < MIN_SHINGLES:
                flags.append(False)
                continue
            common = np.count_nonzero(self.counts[g] >= self.min_documents)
            flags.append(common >= self.share * len(g))
        if grams:
            seen = np.unique(np.concatenate(grams))
            if len(seen):
                mask = self.counts[seen] < np.iinfo(np.uint16).max
                self.counts[seen[mask]] += 1
        return flags
