"""How long an ingest has left, from the passages committed so far.

Method: the rate is measured over the *recent half of the work done*, in passages (a document
of 300 passages costs about 300 times one of one), from the commit before which half of the
passages committed so far were already in; the remaining passages at that rate, less the time
already spent on the batch in flight since the last commit, is the estimate.

Why not the average since the first commit: the first part of a run is not like the rest —
small first batches each pay a commit and an index refresh, the model warms up, and a folder
of PDFs (reader-bound) is often followed by a CSV of short rows (encoder-bound) — so the
average carried the slow start for the whole run (on the whole shared corpus the estimate was
reported running about twice too high early). The recent half forgets the start once the work has doubled, and still
spans enough batches not to jump with each one. Nothing is estimated before the second commit.

``restart(t)`` forgets the commits before ``t``: the worker calls it when the reader has read
(and counted) every file, because until then reading may be what limits the pace (a folder of
PDFs) and after it never is. On the whole shared corpus with the hashing model
(``python -m benchmarks.eta_check``) the PDFs took the first 100 s and a tenth of the passages,
the CSV rows the remaining 50 s: at 11% of the work the average since the first commit said
811 s left and the recent half 740 s, for 49 s true; from the restart on the estimate is within
a few seconds."""
from __future__ import annotations

import bisect

RECENT_SHARE = 0.5  # the rate is measured over this most recent share of the passages committed


class EtaEstimator:
    """``commit(t, passages)`` at each commit (``passages``: the running total committed, ``t``
    a monotonic clock); ``eta(now, total)`` -> seconds left (None until two commits are in)."""

    def __init__(self) -> None:
        self._t: list[float] = []
        self._p: list[int] = []

    def restart(self, t: float) -> None:
        """Measure only from ``t`` on (the commits before it are forgotten)."""
        keep = [i for i, ti in enumerate(self._t) if ti >= t]
        self._t = [self._t[i] for i in keep]
        self._p = [self._p[i] for i in keep]

    def commit(self, t: float, passages: int) -> None:
        if self._p and passages <= self._p[-1]:
            return  # nothing new (a batch of duplicates only)
        self._t.append(t)
        self._p.append(passages)

    def rate(self) -> float | None:
        """Passages per second over the recent half of the work."""
        if len(self._p) < 2:
            return None
        p_last, t_last = self._p[-1], self._t[-1]
        cut = p_last - RECENT_SHARE * (p_last - self._p[0])
        i = max(bisect.bisect_right(self._p, cut) - 1, 0)  # the last commit at or before the cut
        i = min(i, len(self._p) - 2)  # at least one interval
        dt = t_last - self._t[i]
        return (p_last - self._p[i]) / dt if dt > 0 else None

    def eta(self, now: float, total: int) -> int | None:
        rate = self.rate()
        if not rate:
            return None
        left = max(total - self._p[-1], 0) / rate - (now - self._t[-1])
        return max(round(left), 1 if total > self._p[-1] else 0)
