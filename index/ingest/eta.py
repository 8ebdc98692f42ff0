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
a few seconds.

The steps after the last document (linking responses, building or growing themes) are part of
the time left: their work is estimated in passage-equivalents (``finishing_work``: per letter
the linker checks, per finding themes are built over) and converted at the same measured rate,
so a slow machine's steps are as slow as its documents; a running step counts down from its
estimate. Without them the estimate ran 15% of the whole run short at the end (67 s of steps
after 395 s of documents on a 434-document sample)."""
from __future__ import annotations

import bisect
from dataclasses import dataclass

RECENT_SHARE = 0.5  # the rate is measured over this most recent share of the passages committed

# What the steps after the last document cost, in *passage-equivalents*: the seconds the ingest
# took to read, embed and commit one passage on the same machine under the same load (its
# measured rate), so they scale with the machine as the documents' part does. Each step has a
# fixed part and a part growing with its work: linking, with each letter checked against the
# library (candidates x documents); themes, with the findings clustered. Fitted by hand on three
# development runs with the real model at load 11-20 on 2 cores (samples drawn as
# benchmarks.kill_resume draws them, seeds 5, 11, 12), in passage-equivalents: linking 165, 126
# and 118 for 30 x 434, 31 x 331 and 28 x 331 candidates x documents (steady); themes built in
# 245, 57 and 211 over 1,206, 919 and 861 findings (the middle run an outlier); checked on a
# fourth sample (seed 13) by ``python -m benchmarks.eta_check``. With the fake hashing model
# (tests) the documents go far faster than the real model's, so there the steps are underestimated.
LINK_FIXED = 10.0
LINK_PER_CANDIDATE_DOCUMENT = 0.0115  # per (letter checked x document in the library)
THEMES_FIXED = 20.0
THEMES_BUILD_PER_FINDING = 0.17  # building (or rebuilding) themes, per finding in the library
THEMES_ASSIGN_PER_FINDING = 0.01  # putting a new finding into the nearest existing theme
MIN_STEP_LEFT = 1.0  # seconds a running step is said to need at least, however overdue


@dataclass
class StepWork:
    """One step after the last document: its estimated work in passage-equivalents, and, once it
    runs, the clock time it started (``done``: nothing left)."""
    name: str
    units: float
    started: float | None = None
    done: bool = False


def finishing_work(candidates: float, documents_total: float, findings_total: float, new_findings: float,
                   rebuild: bool) -> list[StepWork]:
    """The steps ``index.ingest.finish`` will run, with their estimated work: linking checks
    ``candidates`` documents against a library of ``documents_total``; themes are built over
    ``findings_total`` findings (``rebuild``: the library has none yet, or enough are new,
    ``finish.rebuilds_themes``) or ``new_findings`` are assigned. A step with nothing to do costs nothing."""
    link = LINK_FIXED + LINK_PER_CANDIDATE_DOCUMENT * candidates * documents_total if candidates else 0.0
    if rebuild:
        themes = THEMES_FIXED + THEMES_BUILD_PER_FINDING * findings_total if findings_total else 0.0
    else:
        themes = THEMES_ASSIGN_PER_FINDING * new_findings
    return [StepWork("link", link), StepWork("themes", themes)]


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

    def eta(self, now: float, total: int, finishing: list[StepWork] = ()) -> int | None:
        """Seconds left: the passages not yet committed at the recent rate (less the time already
        spent on the batch in flight), plus each step after the last document not yet done — its
        work at the same rate, less the time it has run (a running step needs ``MIN_STEP_LEFT`` at
        least)."""
        rate = self.rate()
        if not rate:
            return None
        left = 0.0
        if total > self._p[-1]:
            left = max((total - self._p[-1]) / rate - (now - self._t[-1]), 1.0)
        for step in finishing:
            if step.done:
                continue
            need = step.units / rate
            if step.started is not None:
                need = max(need - (now - step.started), MIN_STEP_LEFT)
            left += need
        return round(left) if left >= 1 or total <= self._p[-1] else 1
