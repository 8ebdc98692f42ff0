"""What ``precedent tune`` costs and buys, on a library built with the real model.

Copies a base library (``--base DIR``, never written), tunes the copy with ``index.tuning.tune``
and prints: pairs per kind (available / trained / held back), training time and steps, the
held-back slice's recall@10 and MRR for the base and the tuned model (pairs of documents never
trained on), export and re-embed times, and, with ``--themes/--labels``, dense-only and hybrid
MAP / nDCG@10 of the base and the tuned library on those judgements.

The judgements are the DEVELOPMENT theme labels (``eval/themes-dev*``): the figures may guide
choices (which pairs, how long), so they are development figures, not held out. The base
library for them is the one ``precedent eval --themes ../shared/eval/themes-dev.csv --labels
../shared/eval/themes-dev-labels.json --reports ../shared/corpus/pfd/reports.csv --library DIR``
builds. Never point this at ``benchmarks/heldout/``.

    python -m benchmarks.tune_bench --base DIR --work DIR [--minutes 25] [--pairs 6000]
        [--themes ../shared/eval/themes-dev.csv --labels ../shared/eval/themes-dev-labels.json]
    python -m benchmarks.tune_bench --base DIR --tuned DIR ...   # a library tuned already: report only
"""
from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path


def _print_tune(s: dict) -> None:
    print(f"library: {s['library']}  (model {s['model']}, encoder before {s['encoder_before']})")
    print("pairs per kind (available / trained / held back):")
    for kind, c in s["pairs"].items():
        print(f"  {kind:<16} {c['available']:>7} {c['train']:>7} {c['held']:>7}")
    t = s.get("training", {})
    print(f"training: {t.get('steps')} of {t.get('max_steps')} steps, {t.get('seconds')} s"
          + (" (stopped by the time budget)" if t.get("stopped_by_budget") else "") + f", last loss {t.get('loss')}")
    held = s["held_back"]
    print(f"held-back slice (documents never trained on), check took {held.get('seconds')} s:")
    print(f"  {'kind':<16} {'pairs':>6} {'R@10 base':>10} {'R@10 tuned':>11} {'MRR base':>9} {'MRR tuned':>10}")
    for kind, b in held["base"].items():
        tu = held["tuned"].get(kind, {})
        print(f"  {kind:<16} {b['pairs']:>6} {b['recall@10']:>10.3f} {tu.get('recall@10', 0):>11.3f} "
              f"{b['mrr']:>9.3f} {tu.get('mrr', 0):>10.3f}")
    print(f"kept: {s['kept']}  (encoder after: {s['encoder_after']})")
    if s["kept"]:
        print(f"export {s.get('export_seconds')} s; re-embed {s['embedded']['texts']} texts in {s.get('embed_seconds')} s "
              f"({s['embedded']['texts'] / max(s.get('embed_seconds') or 1e-9, 1e-9):.1f} texts/s); "
              f"swap {s.get('swap_seconds')} s")
    print(f"total {s.get('seconds')} s")


def _dense(path: Path, themes: str, labels: str) -> dict:
    from index.library import open_library
    from search import evaluate as ev

    queries, _ = ev.load_theme_labels(themes, labels)
    lib = open_library(path, create=False)
    try:
        r = ev.evaluate(lib, queries, modes=("dense", "hybrid"))
    finally:
        lib.close()
    return {"queries": r["queries"], "documents": r["documents"], **r["summary"]}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", required=True, type=Path, help="a library built with the real model (copied, never written)")
    ap.add_argument("--work", type=Path, help="where the tuned copy goes (default: BASE-tuned)")
    ap.add_argument("--tuned", type=Path, help="a library tuned already (its tuning/last.json): report only")
    ap.add_argument("--minutes", type=float, default=None)
    ap.add_argument("--pairs", type=int, default=None)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--kinds", default=None, help="comma list of pair kinds (default: all)")
    ap.add_argument("--themes", help="DEVELOPMENT theme labels CSV (eval/themes-dev.csv)")
    ap.add_argument("--labels", help="their definitions JSON (eval/themes-dev-labels.json)")
    ap.add_argument("--json", type=Path, help="write every figure here")
    a = ap.parse_args(argv)
    if any("heldout" in str(p) for p in (a.base, a.themes, a.labels) if p):
        ap.error("this benchmark reads development data only; benchmarks/heldout/ is scored once, by the lead")

    from index.library import open_library
    from index.settings import Settings
    from index.tuning import TuneOptions, last_tune, tune

    out: dict = {}
    if a.tuned:
        tuned = a.tuned
        lib = open_library(tuned, create=False)
        s = last_tune(lib)
        lib.close()
        if s is None:
            ap.error(f"{tuned} has no tuning/last.json: tune it first")
    else:
        tuned = a.work or a.base.with_name(a.base.name + "-tuned")
        if tuned.exists():
            ap.error(f"{tuned} exists: name a new --work folder (or report on it with --tuned)")
        t = time.perf_counter()
        shutil.copytree(a.base, tuned)
        print(f"copied {a.base} to {tuned} in {time.perf_counter() - t:.1f} s")
        kinds = tuple(k.strip() for k in a.kinds.split(",")) if a.kinds else None
        options = TuneOptions.from_settings(Settings.from_env(), minutes=a.minutes, max_pairs=a.pairs, seed=a.seed,
                                            kinds=kinds)
        lib = open_library(tuned, create=False)
        last = {"t": 0.0}

        def progress(event: str, **kw) -> None:
            now = time.monotonic()
            if event == "stage" or now - last["t"] > 30:
                last["t"] = now
                print(f"  [{time.strftime('%H:%M:%S')}] {event} {kw}", flush=True)

        try:
            s = tune(lib, options, progress=progress)
        finally:
            lib.close()
    out["tune"] = s
    _print_tune(s)
    if a.themes and a.labels:
        print("dense-only and hybrid on the DEVELOPMENT theme labels (not held out):")
        base, after = _dense(a.base, a.themes, a.labels), _dense(tuned, a.themes, a.labels)
        out["dev"] = {"base": base, "tuned": after}
        for mode in ("dense", "hybrid"):
            b, t_ = base[mode], after[mode]
            print(f"  {mode:<7} MAP {b['MAP']:.4f} -> {t_['MAP']:.4f}   nDCG@10 {b['nDCG@10']:.4f} -> {t_['nDCG@10']:.4f}"
                  f"   ({base['queries']} queries, {base['documents']} documents)")
        if not s["kept"]:
            print("  (the tuned model was not kept, so both libraries answer with the base encoder)")
    if a.json:
        a.json.write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
