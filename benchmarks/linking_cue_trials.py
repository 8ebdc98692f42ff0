"""Trial cues for the link model, scored leave-one-parent-report-out before any is shipped (issue 10,
session 6 round 2). Reads the decided development letters cached by
``python -m benchmarks.linking_robustness --cases FILE`` and adds, per candidate report, cues the shipped model
does not have:

* ``speaks``   the speaker model's probability (``corpus.extract.speaker``) that the letter speaks for
               one of this report's recipients (its best recipient);
* ``own_mark`` that recipient's own marks: self-naming, letterhead, signature;
* ``self_org`` the organisation the letter names itself (``respondent_from_text``) is a recipient of this
               report (+1), or clearly none of them (-1).

Each is added alone to the model's features, refitted per fold, and scored as ``linking_robustness.cv_model``
does (originals, 380 perturbed copies, wrong links, false links with the true report removed, negatives).
``--shrink`` also sweeps ``corpus.responses.link_model.SHRINK``. None of the three cues was shipped (round 2: +0 to +2
of 380 copies, no change on originals or on false links with the report removed).

    PRECEDENT_MODEL=fake-hashing-384 python -m benchmarks.linking_cue_trials --cases /tmp/cases.pkl [--shrink 10 20 30]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
from pathlib import Path

os.environ.setdefault("PRECEDENT_MODEL", "fake-hashing-384")

CUES = ("speaks", "own_mark", "self_org")


def add_cues(cases: list[dict]) -> None:
    """Put the trial cues into each top candidate's ``parts`` (with and without its true report)."""
    from corpus.extract import respondent_from_text
    from corpus.extract import probability, recipient_features
    from corpus.responses import TOP
    from corpus.orgs import normalise_org
    from corpus.responses import org_similarity

    memo: dict = {}
    own: dict = {}
    for c in cases:
        th = hashlib.md5(c["text"].encode()).hexdigest()
        if th not in own:
            who = respondent_from_text(c["text"])
            own[th] = who if who and normalise_org(who).key else None
        for side in ("present", "absent"):
            for s in c[side]["ranked"][:TOP]:
                recips = tuple(r for r in s.report.recipients if r and r.strip())
                key = (th, recips)
                if key not in memo:
                    cue = dict.fromkeys(CUES, 0.0)
                    if recips:
                        fs = recipient_features(c["text"], list(recips))
                        ps = [probability(f) for f in fs]
                        k = max(range(len(ps)), key=ps.__getitem__)
                        cue["speaks"] = ps[k]
                        cue["own_mark"] = min(1.0, fs[k]["self"] / 3 + 0.5 * fs[k]["head"] + 0.5 * fs[k]["tail"])
                        if own[th]:
                            sim = max(org_similarity(own[th], r) for r in recips)
                            cue["self_org"] = 1.0 if sim >= 0.75 else (-1.0 if sim < 0.3 else 0.0)
                    memo[key] = cue
                s.parts.update(memo[key])


def trial(cases: list[dict], negs: list, extra: tuple[str, ...] = (), shrink: float | None = None) -> dict:
    """``linking_robustness.cv_model`` (and in sample) with ``extra`` cues as features and ``SHRINK``."""
    import corpus.responses.link_model as lm
    from benchmarks import linking_robustness as lr

    base_features, base_fn, base_shrink = lm.LINK_FEATURES, lm.link_features, lm.SHRINK

    def with_extra(score, *a, **k):
        f = base_fn(score, *a, **k)
        for e in extra:
            f[e] = (score.parts or {}).get(e, 0.0)
        return f

    try:
        lm.LINK_FEATURES = base_features + tuple(extra)
        lm.link_features = with_extra
        lm.SHRINK = base_shrink if shrink is None else shrink
        return {"cv": lr.cv_summary(lr.cv_model(cases, negs)), "in_sample": lr.cv_summary(lr.cv_model(cases, negs, in_sample=True))}
    finally:
        lm.LINK_FEATURES, lm.link_features, lm.SHRINK = base_features, base_fn, base_shrink


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=Path, required=True, help="the cache written by python -m benchmarks.linking_robustness --fit --cases FILE")
    ap.add_argument("--shrink", type=float, nargs="*", default=[], help="also score these SHRINK values")
    a = ap.parse_args()
    cases, negs, _ = pickle.loads(a.cases.read_bytes())
    add_cues(cases)
    out = {"shipped": trial(cases, negs)}
    for cue in CUES:
        out[f"+{cue}"] = trial(cases, negs, (cue,))
    for sh in a.shrink:
        out[f"SHRINK={sh}"] = trial(cases, negs, shrink=sh)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
