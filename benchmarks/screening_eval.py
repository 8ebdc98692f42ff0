"""Screening with a simulated reviewer (issue 12): how well does ``included`` find every
relevant document after 10, 20, 30, 40, 50 judgements, and is the estimated recall honest?

The reviewer is a set of labels we have:
- ``dev``: the eight family-involvement themes over the 237 labelled suicide reports
  (``eval/themes-dev.csv``; the screen's description is the theme's definition);
- ``categories``: the judiciary's report categories from the Preventable Deaths Tracker
  (``pfd/reports-analysed.csv`` joined to ``pfd/reports.csv`` by report URL), over a seeded
  random sample of categorised reports (default 600; the description is the category name).

For each topic a screen is made with the description, then ``next`` proposes 10 documents
at a time and the reviewer judges them from the labels. At each checkpoint the script prints,
over the documents not yet judged, the sensitivity and specificity of ``included``; the
estimated recall beside the true recall (relevant found / all relevant); and the estimated
recall of the whole included set beside its true recall. Also: the best specificity any cut
on the ranking could reach at 95% sensitivity (and the best sensitivity at 90% specificity),
an oracle that knows the labels, so the ceiling the inclusion rule works under is visible;
the estimated recall from the model alone, from the sampled check alone (difference and
Horvitz-Thompson/Hansen-Hurwitz estimates) and as reported, whether the true recall lies in
the reported range, and the included set's expected beside its true precision.

Topics are split: knobs (search/screening/model.Knobs) were tuned on TUNE topics only;
HELD_OUT topics are reported separately and were not looked at while tuning.

    python -m benchmarks.screening_eval --set dev --library DIR    # built if empty (real model)
    python -m benchmarks.screening_eval --set categories --library DIR [--sample 600]
    [--topics a,b] [--json] [--checkpoints 10,20,30,40,50]
    python -m benchmarks.screening_eval --timing --library DIR [--judgements 50]
    python -m benchmarks.screening_eval --stop --library DIR (--set dev | --topics-file FILE) [--runs 20] [--batch 10]

``--stop`` (issue 25) has a simulated reviewer judge what ``next`` proposes, ``--batch`` at a
time, until ``show``'s ``stop.recommended`` (search.screening.stopping), ``--runs`` times per
topic (each run is a new screen, so the model's seeded random stand-in negatives differ; the
rule itself draws nothing at random). Per topic and over all runs: true recall at the stop and
the share of runs reaching the target; the share of the library judged at the stop and at the
first moment recall reached 0.95 (work saved with and without the guarantee); the error of the
estimated recall after 40, 100 judgements and at the stop (and how often it was "not yet
estimable"); and how often the stated interval covered the true recall (at 40, at the stop,
and over every look). ``--topics-file`` reads a topic set {topics: [{id, query}], labels:
{topic: {reference: 0|1}}, population: [references]}; an empty ``--library`` is built from
``corpus/pfd/reports.csv`` restricted to the population, with the library's model (the real
one unless PRECEDENT_MODEL says otherwise).

``--timing`` measures, on the library as it is (for instance every report of the shared
corpus), how long the screening features take to build and to load from their cache, and
how long one judgement takes end to end (store it, refit, re-rank, new estimates) and one
``next`` takes after it. The judgements there come from a keyword in the document's text,
which is enough for timing.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.common import documents_by_key, shared_root

# chosen before any run: roughly every other topic, a spread of prevalences in each half
TUNE = {"family_input", "family_concerns", "family_confidentiality",
        "Suicide", "Road (Highways Safety) related deaths", "Care Home Health related deaths",
        "Railway related deaths", "Hospital Death (Clinical Procedures and medical management) related deaths"}


THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6)


def topics_for(which: str, shared: Path, sample: int, seed: int) -> tuple[dict[str, tuple[str, set[str]]], list[dict]]:
    """({topic: (description, relevant report URLs)}, the labelled reports.csv rows)."""
    from search import evaluate as ev

    if which == "dev":
        queries, rows = ev.load_theme_labels(shared / "eval/themes-dev.csv", shared / "eval/themes-dev-labels.json")
        return {q.name: (q.text, set(q.relevant)) for q in queries}, rows
    from benchmarks.category_eval import category_judgements

    qrels, by_url = category_judgements(shared / "corpus/pfd/reports.csv", shared / "corpus/pfd/reports-analysed.csv")
    judged = sorted({u for us in qrels.values() for u in us})
    chosen = set(random.Random(seed).sample(judged, min(sample, len(judged))))
    rows = [by_url[u] for u in sorted(chosen)]
    return {q: (q, us & chosen) for q, us in qrels.items() if us & chosen}, rows


def simulate(lib, name: str, description: str, relevant_docs: set[int], checkpoints: list[int], batch: int,
             knobs=None) -> list[dict]:
    from search.screening import screens as S

    try:
        S.delete_screen(lib, name)
    except S.ScreenError:
        pass
    S.create_screen(lib, name, description)
    out = []
    judged: set[int] = set()
    t_judge = []
    for cp in checkpoints:
        while len(judged) < cp:
            nxt = S.next_documents(lib, name, n=min(batch, cp - len(judged)), knobs=knobs)["documents"]
            if not nxt:
                break
            for d in nxt:
                t0 = time.perf_counter()
                S.judge_many(lib, name, [(d["id"], "yes" if d["id"] in relevant_docs else "no", "")])
                t_judge.append(time.perf_counter() - t0)
                judged.add(d["id"])
        st = S.show_screen(lib, name, knobs=knobs)
        docs = st["documents"]
        unj = [d for d in docs if d["label"] is None]
        total_rel = sum(1 for d in docs if d["id"] in relevant_docs)

        def rates(included):
            tp = sum(1 for d in unj if included(d) and d["id"] in relevant_docs)
            fn = sum(1 for d in unj if not included(d) and d["id"] in relevant_docs)
            fp = sum(1 for d in unj if included(d) and d["id"] not in relevant_docs)
            tn = sum(1 for d in unj if not included(d) and d["id"] not in relevant_docs)
            return (round(tp / (tp + fn), 3) if tp + fn else None, round(tn / (tn + fp), 3) if tn + fp else None)
        sens, spec = rates(lambda d: d["included"])
        inc_rel = sum(1 for d in docs if d["included"] and d["id"] in relevant_docs)
        # rank scores: show lists documents best first by the unrounded p (rounded p ties)
        rank_score = {d["id"]: -i for i, d in enumerate(unj)}
        pos = [rank_score[d["id"]] for d in unj if d["id"] in relevant_docs]
        neg = [rank_score[d["id"]] for d in unj if d["id"] not in relevant_docs]
        auc = None
        if pos and neg:
            pn = np.array(neg)
            auc = round(float(np.mean([(pn < x).mean() + 0.5 * (pn == x).mean() for x in pos])), 3)
        # the best any cut on this ranking could do (an oracle that knows the labels): the
        # ceiling the inclusion rule works under
        best_spec, best_sens = None, None
        if pos and neg:
            ps_, ns_ = np.sort(pos)[::-1], np.sort(neg)
            k95 = int(np.ceil(0.95 * len(ps_)))
            cut95 = ps_[k95 - 1]
            best_spec = round(float((ns_ < cut95).mean()), 3)
            cut90 = np.quantile(ns_, 0.90, method="higher")
            best_sens = round(float((ps_ > cut90).mean()), 3)
        # the description alone (no judgements) ranking the same unjudged documents: does learning help?
        state = S.screen_state(lib, S.screen_by_name(lib, name), knobs)
        prior = state.design.prior
        auc_prior = None
        if pos and neg:
            pp = np.array([prior[state.feats.row_of(d["id"])] for d in unj if d["id"] in relevant_docs])
            pq = np.sort([prior[state.feats.row_of(d["id"])] for d in unj if d["id"] not in relevant_docs])
            auc_prior = round(float(np.mean([(np.searchsorted(pq, x, "left") + np.searchsorted(pq, x, "right")) / 2
                                             / len(pq) for x in pp])), 3)
        model_rel = st.get("model_estimated_relevant")
        unj_rows = np.array([state.feats.row_of(d["id"]) for d in unj], dtype=np.int64)
        alt = state.ranking.p_alternative
        platt_rel = round(float(alt[unj_rows].sum()), 1) if alt is not None and len(unj_rows) else None
        sample = st.get("sampled_check") or {}
        found = st["relevant_found"]

        def recall_of(est_rel):
            return round(found / (found + est_rel), 3) if est_rel is not None and found + est_rel > 0 else None
        out.append({
            "auc_prior_unjudged": auc_prior, "best_spec_at_sens95": best_spec, "best_sens_at_spec90": best_sens,
            "model_recall": recall_of(model_rel), "sample_recall": recall_of(sample.get("difference_estimate")),
            "ht_recall": recall_of(sample.get("horvitz_thompson_estimate")),
            "model_relevant": model_rel, "platt_relevant": platt_rel, "unjudged": len(unj),
            "ht_relevant": sample.get("horvitz_thompson_estimate"), "sample_relevant": sample.get("difference_estimate"),
            "sample_se": sample.get("difference_se"), "found": found,
            "draws_judged": sample.get("draws_judged"), "relevant_drawn": sample.get("relevant_drawn"),
            "estimate_from": st.get("estimate_from"),
            "estimated_precision": st.get("estimated_included_precision"),
            "true_precision": round(inc_rel / st["included"], 3) if st["included"] else None,
            "judged": st["judged"], "relevant_found": st["relevant_found"], "relevant_total": total_rel,
            "sensitivity": sens, "specificity": spec, "auc_unjudged": auc,
            "at_threshold": {str(t): rates(lambda d, t=t: d["p"] >= t) for t in THRESHOLDS},
            "estimated_recall": st["estimated_recall"], "estimated_recall_range": st.get("estimated_recall_range"),
            "true_recall": round(st["relevant_found"] / total_rel, 3) if total_rel else None,
            "estimated_included_recall": st["estimated_included_recall"],
            "true_included_recall": round(inc_rel / total_rel, 3) if total_rel else None,
            "estimated_relevant": st["estimated_relevant"], "included": st["included"],
            "judge_seconds_mean": round(sum(t_judge) / len(t_judge), 3) if t_judge else None,
        })
    return out


def fmt(v) -> str:
    return "  -  " if v is None else f"{v:5.2f}" if isinstance(v, float) else str(v)


def _mean(v):
    v = [x for x in v if x is not None]
    return round(sum(v) / len(v), 3) if v else None


def summarise(rows: list[dict], checkpoints: list[int]) -> list[dict]:
    """Mean over topics at each checkpoint, and how many topics met each target at 40."""
    out = []
    for i, cp in enumerate(checkpoints):
        at = [r["results"][i] for r in rows if len(r["results"]) > i]

        def mean(k):
            vals = [a[k] for a in at if a[k] is not None]
            return round(sum(vals) / len(vals), 3) if vals else None
        err = [abs(a["estimated_recall"] - a["true_recall"]) for a in at
               if a["estimated_recall"] is not None and a["true_recall"] is not None]
        out.append({"judged": cp, "sensitivity": mean("sensitivity"), "specificity": mean("specificity"),
                    "estimated_recall": mean("estimated_recall"), "true_recall": mean("true_recall"),
                    "recall_abs_error": round(sum(err) / len(err), 3) if err else None,
                    "within_0.1": sum(e <= 0.1 for e in err), "topics": len(at),
                    "sens>=0.95": sum(1 for a in at if (a["sensitivity"] or 0) >= 0.95),
                    "spec>=0.90": sum(1 for a in at if (a["specificity"] or 0) >= 0.90),
                    "both": sum(1 for a in at if (a["sensitivity"] or 0) >= 0.95 and (a["specificity"] or 0) >= 0.90),
                    "auc": mean("auc_unjudged"), "auc_prior": mean("auc_prior_unjudged"),
                    "best_spec_at_sens95": mean("best_spec_at_sens95"), "best_sens_at_spec90": mean("best_sens_at_spec90"),
                    "estimated_precision": mean("estimated_precision"), "true_precision": mean("true_precision"),
                    "true_in_range": sum(1 for a in at if a["estimated_recall_range"] and None not in
                                         a["estimated_recall_range"] and a["true_recall"] is not None and
                                         a["estimated_recall_range"][0] <= a["true_recall"] <= a["estimated_recall_range"][1]),
                    "recall_error_by_estimate": {
                        k: _mean([abs(a[k] - a["true_recall"]) if a.get(k) is not None else None for a in at])
                        for k in ("estimated_recall", "model_recall", "sample_recall", "ht_recall")},
                    "within_0.1_by_estimate": {
                        k: sum(1 for a in at if a.get(k) is not None and abs(a[k] - a["true_recall"]) <= 0.1)
                        for k in ("estimated_recall", "model_recall", "sample_recall", "ht_recall")},
                    "by_threshold": {t: {"sensitivity": _mean([a["at_threshold"][t][0] for a in at]),
                                         "specificity": _mean([a["at_threshold"][t][1] for a in at]),
                                         "both": sum(1 for a in at if (a["at_threshold"][t][0] or 0) >= 0.95
                                                     and (a["at_threshold"][t][1] or 0) >= 0.90)}
                                     for t in (at[0]["at_threshold"] if at else {})}})
    return out


def timing(lib, n_judgements: int, query: str = "restraint by police or prison officers") -> dict:
    """Seconds to build / load the features, and per judgement and per ``next``."""
    import statistics

    from search.screening import screens as S
    from search.screening import features as sf

    for f in sf.cache_paths(lib):
        f.unlink(missing_ok=True)
    sf.forget_features()
    t0 = time.perf_counter()
    feats = sf.features_for(lib)
    build = time.perf_counter() - t0
    sf.forget_features()
    t0 = time.perf_counter()
    sf.features_for(lib)
    load = time.perf_counter() - t0
    try:
        S.delete_screen(lib, "timing")
    except S.ScreenError:
        pass
    t0 = time.perf_counter()
    S.create_screen(lib, "timing", query)
    create = time.perf_counter() - t0
    judge_t, next_t = [], []
    while len(judge_t) < n_judgements:
        t0 = time.perf_counter()
        nxt = S.next_documents(lib, "timing", n=10)["documents"]
        next_t.append(time.perf_counter() - t0)
        if not nxt:
            break
        for d in nxt[: n_judgements - len(judge_t)]:  # every proposal judged, the sampled ones too
            text = (lib.store.document(d["id"])["text"] or "").lower()
            t0 = time.perf_counter()
            S.judge(lib, "timing", d["id"], "yes" if "restrain" in text else "no")
            judge_t.append(time.perf_counter() - t0)

    t0 = time.perf_counter()
    shown = S.show_screen(lib, "timing", limit=200)
    show = time.perf_counter() - t0

    def q(v, x):
        return round(statistics.quantiles(v, n=100)[x - 1], 3) if len(v) > 2 else None
    return {"documents": feats.n, "words": int(feats.words.shape[1]), "passages": int(len(feats.passage_rows)),
            "findings": int(len(feats.finding_rows)), "model": lib.model,
            "features_build_seconds": round(build, 1), "features_load_seconds": round(load, 2),
            "create_seconds": round(create, 2), "judgements": len(judge_t),
            "judge_seconds_p50": q(judge_t, 50), "judge_seconds_p95": q(judge_t, 95),
            "judge_seconds_max": round(max(judge_t), 3) if judge_t else None,
            "next_seconds_p50": q(next_t, 50), "next_seconds_p95": q(next_t, 95),
            "show_200_seconds": round(show, 3), "relevant_found": shown["relevant_found"],
            "sampled_check": shown["sampled_check"], "load_average": [round(x, 1) for x in os.getloadavg()]}


# ---------------------------------------------------------------------------- the stopping rule (issue 25)
def load_topic_file(path: str | Path) -> dict:
    """A topic set: ``{"topics": [{"id", "query"}], "labels": {topic: {reference: 0|1}},
    "population": [reference]}`` (a reference is a report's PFD id or its URL). Unlabelled
    documents of the population count as not relevant."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not all(k in data for k in ("topics", "labels", "population")):
        raise SystemExit(f"{path}: a topic set is {{topics: [{{id, query}}], labels: {{topic: {{reference: 0|1}}}}, "
                         "population: [references]}")
    return data


def topic_set(which: str, shared: Path, sample: int, seed: int) -> dict:
    """A development set (``dev`` or ``categories``) in the topic-file format."""
    from search import evaluate as ev

    topics, rows = topics_for(which, shared, sample, seed)
    population = [ev.report_key(r) for r in rows]
    return {"topics": [{"id": t, "query": q} for t, (q, _) in topics.items()],
            "labels": {t: {k: int(k in rel) for k in population} for t, (_, rel) in topics.items()},
            "population": population}


def population_library(lib, shared: Path, population: list[str]) -> None:
    """Fill an empty ``lib`` with the population's reports from ``corpus/pfd/reports.csv``."""
    from search import evaluate as ev

    if lib.store.count("documents"):
        return
    labelled = [{"url": r} if r.startswith("http") else {"id": r} for r in population]
    print(f"building a library of {len(labelled)} reports with {lib.model} …", file=sys.stderr)
    built = ev.build_theme_library(lib, shared / "corpus/pfd/reports.csv", labelled)
    print(f"  {built['added']} documents in {built['seconds']:.0f}s", file=sys.stderr)


def simulate_stop(lib, name: str, query: str, relevant: set[int], batch: int, checkpoints=(40, 100),
                  target: float = 0.95, confidence: float = 0.95, knobs=None, max_judged: int | None = None) -> dict:
    """A reviewer judging what ``next`` proposes, ``batch`` at a time, until the screen says it
    may stop (or nothing is left). Returns the run's figures."""
    from search.screening import screens as S

    try:
        S.delete_screen(lib, name)
    except S.ScreenError:
        pass
    S.create_screen(lib, name, query)
    n_docs = S.show_screen(lib, name, limit=0, knobs=knobs)["documents_in_screen"]
    total = len(relevant)
    found, judged, first95 = 0, 0, None
    trace, at = [], {}
    state = None
    while True:
        nxt = S.next_documents(lib, name, n=batch, knobs=knobs)["documents"]
        if not nxt:
            break
        items = [(d["id"], "yes" if d["id"] in relevant else "no", "") for d in nxt]
        state = S.judge_many(lib, name, items)
        for d in nxt:
            judged += 1
            found += d["id"] in relevant
            if first95 is None and total and found >= target * total:
                first95 = judged
        true_recall = found / total if total else 1.0
        rng_ = state.get("estimated_recall_range")
        point = {"judged": judged, "true_recall": round(true_recall, 4), "estimated_recall": state.get("estimated_recall"),
                 "range": rng_, "lower_bound": state["stop"]["recall_lower_bound"],
                 "estimated_relevant": state.get("estimated_relevant"),
                 "covered": (rng_ is not None and None not in rng_ and rng_[0] - 1e-9 <= true_recall <= rng_[1] + 1e-9),
                 "needed": state["stop"]["judged_needed_estimate"]}
        trace.append(point)
        for cp in checkpoints:
            if cp not in at and judged >= cp:
                at[cp] = point
        if state["stop"]["recommended"] or (max_judged and judged >= max_judged):
            break
    last = trace[-1] if trace else {}
    # the estimated relevant unjudged between consecutive looks: a jump without evidence is a
    # relative change of more than 2x while nothing relevant was found
    jumps = 0
    for a, b in zip(trace, trace[1:]):
        ea, eb = a["estimated_relevant"] or 0.0, b["estimated_relevant"] or 0.0
        if round(a["true_recall"] * total) == round(b["true_recall"] * total) and max(ea, eb) > 5 and \
                max(ea, eb) > 2 * max(min(ea, eb), 0.5):
            jumps += 1
    return {"documents": n_docs, "relevant": total, "stopped": bool(state and state["stop"]["recommended"]),
            "judged_at_stop": judged, "share_judged_at_stop": round(judged / n_docs, 4) if n_docs else None,
            "true_recall_at_stop": last.get("true_recall"), "first_recall_95": first95,
            "share_judged_at_first_95": round(first95 / n_docs, 4) if first95 and n_docs else None,
            "at": {str(cp): at.get(cp) for cp in checkpoints}, "at_stop": last,
            "coverage": round(sum(p["covered"] for p in trace) / len(trace), 4) if trace else None,
            "jumps_without_evidence": jumps}


def stop_eval(lib, tset: dict, runs: int, batch: int, topics: set[str] | None, min_relevant: int,
              knobs=None, target: float = 0.95, confidence: float = 0.95, max_judged: int | None = None) -> dict:
    """Every topic of the set, ``runs`` times (each run a new screen: the model's random
    stand-in negatives, seeded by the screen's id, differ), and the summary over runs."""
    keys = documents_by_key(lib)
    pop = {keys[r] for r in tset["population"] if r in keys}
    out = []
    for t in tset["topics"]:
        tid = str(t["id"])
        if topics and tid not in topics:
            continue
        rel = {keys[r] for r, y in tset["labels"].get(tid, {}).items() if int(y) == 1 and r in keys}
        if len(rel) < min_relevant:
            continue
        runs_ = []
        for i in range(runs):
            t0 = time.time()
            r = simulate_stop(lib, f"stop-{i}-" + "".join(c if c.isalnum() else "-" for c in tid)[:50], t["query"],
                              rel, batch, target=target, confidence=confidence, knobs=knobs, max_judged=max_judged)
            r["seconds"] = round(time.time() - t0, 1)
            runs_.append(r)
            print(f"  {tid} run {i + 1}: stop at {r['judged_at_stop']}/{r['documents']} "
                  f"(true recall {r['true_recall_at_stop']}), recall 0.95 first at {r['first_recall_95']}, "
                  f"{r['seconds']}s", file=sys.stderr, flush=True)
        out.append({"topic": tid, "query": t["query"], "relevant": len(rel), "population": len(pop),
                    "prevalence": round(len(rel) / max(len(pop), 1), 4), "runs": runs_,
                    "summary": summarise_stop(runs_, target)})
    return {"topics": out, "overall": summarise_stop([r for t in out for r in t["runs"]], target),
            "target_recall": target, "confidence": confidence, "runs": runs, "batch": batch}


def summarise_stop(runs: list[dict], target: float = 0.95) -> dict:
    def err(key):
        v = [abs(r["at"][key]["estimated_recall"] - r["at"][key]["true_recall"]) if key in r["at"] and r["at"][key]
             and r["at"][key]["estimated_recall"] is not None else None for r in runs] if key != "stop" else \
            [abs(r["at_stop"]["estimated_recall"] - r["at_stop"]["true_recall"])
             if r["at_stop"].get("estimated_recall") is not None else None for r in runs]
        return _mean(v), sum(x is None for x in v)

    def cov(key):
        pts = [r["at"].get(key) for r in runs] if key != "stop" else [r["at_stop"] for r in runs]
        pts = [p for p in pts if p]
        return round(sum(p["covered"] for p in pts) / len(pts), 3) if pts else None
    out = {"runs": len(runs),
           "recall_at_stop_mean": _mean([r["true_recall_at_stop"] for r in runs]),
           "share_runs_recall_ge_target": round(sum((r["true_recall_at_stop"] or 0) >= target - 1e-9 for r in runs)
                                               / len(runs), 3) if runs else None,
           "share_judged_at_stop": _mean([r["share_judged_at_stop"] for r in runs]),
           "share_judged_at_first_95": _mean([r["share_judged_at_first_95"] for r in runs]),
           "coverage_all_looks": _mean([r["coverage"] for r in runs]),
           "jumps_without_evidence": sum(r["jumps_without_evidence"] for r in runs)}
    for key in ("40", "100", "stop"):
        e, missing = err(key)
        out[f"recall_error_at_{key}"] = e
        out[f"not_estimable_at_{key}"] = missing
        out[f"coverage_at_{key}"] = cov(key)
    return out


def print_stop(res: dict) -> None:
    print(f"target recall {res['target_recall']}, confidence {res['confidence']}, {res['runs']} run(s) per topic, "
          f"batch {res['batch']}")
    head = ("topic", "rel/pop", "rec@stop", ">=tgt", "judged@stop", "judged@first.95", "err@40", "err@100",
            "err@stop", "cov@40", "cov@stop", "cov.all")
    print("\t".join(head))
    for t in res["topics"] + [{"topic": "OVERALL", "relevant": "", "population": "", "summary": res["overall"]}]:
        s = t["summary"]
        print("\t".join(str(x) for x in (
            t["topic"][:40], f"{t['relevant']}/{t['population']}", s["recall_at_stop_mean"], s["share_runs_recall_ge_target"],
            s["share_judged_at_stop"], s["share_judged_at_first_95"], s["recall_error_at_40"], s["recall_error_at_100"],
            s["recall_error_at_stop"], s["coverage_at_40"], s["coverage_at_stop"], s["coverage_all_looks"])))


def main_stop(args) -> None:
    from index.library import open_library
    from search.screening.model import Knobs

    shared = shared_root(args.shared)
    tset = load_topic_file(args.topics_file) if args.topics_file else topic_set(args.set, shared, args.sample, args.seed)
    if args.write_topics:
        Path(args.write_topics).write_text(json.dumps(tset, indent=1), encoding="utf-8")
    lib = open_library(args.library)
    population_library(lib, shared, tset["population"])
    knobs = Knobs()
    for kv in args.knob:
        k, v = kv.split("=", 1)
        setattr(knobs, k, type(getattr(knobs, k))(v))
    res = stop_eval(lib, tset, args.runs, args.batch, set(args.topics.split(",")) if args.topics else None,
                    args.min_relevant, knobs, args.target_recall, args.confidence, args.max_judged)
    res["model"] = lib.model
    res["load_average"] = [round(x, 1) for x in os.getloadavg()]
    if args.json:
        print(json.dumps(res, indent=1))
    else:
        print_stop(res)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", choices=["dev", "categories"], default="dev")
    ap.add_argument("--library", required=True, help="a library of the labelled reports (built here if empty)")
    ap.add_argument("--shared", default=None)
    ap.add_argument("--sample", type=int, default=600, help="categorised reports (categories set)")
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--topics", default=None, help="comma-separated topic names (default: all)")
    ap.add_argument("--min-relevant", type=int, default=5, help="skip topics with fewer relevant reports")
    ap.add_argument("--checkpoints", default="10,20,30,40,50")
    ap.add_argument("--batch", type=int, default=10, help="documents per `next` call")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--knob", action="append", default=[], help="NAME=VALUE: override a model knob (tuning)")
    ap.add_argument("--timing", action="store_true", help="time features and judgements on --library as it is")
    ap.add_argument("--judgements", type=int, default=50, help="judgements timed (--timing)")
    ap.add_argument("--stop", action="store_true",
                    help="judge what `next` proposes until the screen may stop (issue 25); see --topics-file")
    ap.add_argument("--topics-file", default=None,
                    help="a topic set {topics: [{id, query}], labels: {topic: {reference: 0|1}}, population: [references]}"
                         " (--stop; default: --set as such a set)")
    ap.add_argument("--write-topics", default=None, help="write the topic set used to this file (--stop)")
    ap.add_argument("--runs", type=int, default=20, help="runs per topic (--stop)")
    ap.add_argument("--max-judged", type=int, default=None,
                    help="end each run after this many judgements (--stop; for the estimates only: no stop figures)")
    ap.add_argument("--target-recall", type=float, default=0.95)
    ap.add_argument("--confidence", type=float, default=0.95)
    args = ap.parse_args()
    if args.stop:
        main_stop(args)
        return
    if args.timing:
        from index.library import open_library as _open

        print(json.dumps(timing(_open(args.library, create=False), args.judgements), indent=2))
        return

    from index.library import open_library
    from search import evaluate as ev

    shared = shared_root(args.shared)
    topics, rows = topics_for(args.set, shared, args.sample, args.seed)
    lib = open_library(args.library)
    if lib.store.count("documents") == 0:
        print(f"building a library of {len(rows)} labelled reports with {lib.model} …", file=sys.stderr)
        built = ev.build_theme_library(lib, shared / "corpus/pfd/reports.csv", rows)
        print(f"  {built['added']} documents in {built['seconds']:.0f}s", file=sys.stderr)
    keys = documents_by_key(lib)
    from search.screening.model import Knobs

    knobs = Knobs()
    for kv in args.knob:
        k, v = kv.split("=", 1)
        setattr(knobs, k, type(getattr(knobs, k))(v))
    checkpoints = [int(x) for x in args.checkpoints.split(",")]
    wanted = set(args.topics.split(",")) if args.topics else None
    results = []
    for topic, (description, urls) in sorted(topics.items(), key=lambda kv: -len(kv[1][1])):
        if wanted and topic not in wanted:
            continue
        rel = {keys[u] for u in urls if u in keys}
        if len(rel) < args.min_relevant:
            continue
        t0 = time.time()
        res = simulate(lib, "eval-" + "".join(c if c.isalnum() else "-" for c in topic)[:60], description, rel,
                       checkpoints, args.batch, knobs)
        results.append({"topic": topic, "split": "tune" if topic in TUNE else "held-out", "relevant": len(rel),
                        "documents": lib.store.count("documents"), "seconds": round(time.time() - t0, 1),
                        "results": res})
        if not args.json:
            print(f"\n{topic} [{results[-1]['split']}] — {len(rel)} relevant of {results[-1]['documents']}",
                  flush=True)
            print("judged  found  sens   spec   est.rec true.rec  est.inc.rec true.inc.rec  est.rel  included  auc")
            for r in res:
                print(f"{r['judged']:6d} {r['relevant_found']:6d}  {fmt(r['sensitivity'])}  {fmt(r['specificity'])}"
                      f"  {fmt(r['estimated_recall'])}   {fmt(r['true_recall'])}     {fmt(r['estimated_included_recall'])}"
                      f"        {fmt(r['true_included_recall'])}     {r['estimated_relevant']:7.1f}  {r['included']:6d}  {fmt(r['auc_unjudged'])}",
                      flush=True)
    summary = {split: summarise([r for r in results if r["split"] == split], checkpoints)
               for split in ("tune", "held-out")}
    if args.json:
        print(json.dumps({"set": args.set, "topics": results, "summary": summary}, indent=2))
        return
    for split, rows_ in summary.items():
        print(f"\nmean over {split} topics")
        print("judged  sens   spec   est.rec true.rec |err|  within0.1  sens>=.95  spec>=.90  both  auc   topics")
        for r in rows_:
            print(f"{r['judged']:6d}  {fmt(r['sensitivity'])}  {fmt(r['specificity'])}  {fmt(r['estimated_recall'])}"
                  f"   {fmt(r['true_recall'])}  {fmt(r['recall_abs_error'])}  {r['within_0.1']:5d}  {r['sens>=0.95']:9d}"
                  f"  {r['spec>=0.90']:9d}  {r['both']:4d}  {fmt(r['auc'])}  {r['topics']:6d}")
        print("judged  best spec@sens.95  best sens@spec.90  est.prec true.prec  true in range  "
              "|err| est/model/sample/HT   within0.1 est/model/sample/HT")
        for r in rows_:
            e, w = r["recall_error_by_estimate"], r["within_0.1_by_estimate"]
            print(f"{r['judged']:6d}  {fmt(r['best_spec_at_sens95']):>17}  {fmt(r['best_sens_at_spec90']):>17}"
                  f"  {fmt(r['estimated_precision'])}   {fmt(r['true_precision'])}   {r['true_in_range']:5d}/{r['topics']}"
                  f"        {'/'.join(fmt(e[k]).strip() for k in e)}      {'/'.join(str(w[k]) for k in w)}")
        for r in rows_:
            print(f"  at {r['judged']} judged, other thresholds: " + "; ".join(
                f"p>={t}: sens {fmt(v['sensitivity'])} spec {fmt(v['specificity'])} both {v['both']}"
                for t, v in r["by_threshold"].items()))


if __name__ == "__main__":
    main()
