"""Recurring themes, measured (issue 4).

1. The 237 labelled suicide reports of ``eval/themes-dev.csv``: their concern findings
   are embedded with the real model and clustered with ``index.themes.cluster.fit_themes``; for
   each of the eight family-involvement labels the best matching theme (by report-level
   F1, at either level) is reported with its purity (share of the theme's reports
   labelled True) and coverage (share of the label's True reports inside it).
2. Every report's concerns in ``corpus/pfd/reports.csv`` (~5,300 reports): time and peak
   memory to fit the themes (vectors are embedded once and cached in /tmp).

    /tmp/venvtest/bin/python -m benchmarks.themes_eval [--shared DIR] [--cache DIR]
        [--embed-only] [--skip-full]

Issue 13 adds: per label the best theme's P/R/F1 and their mean beside *random groups
of the same sizes* (two nulls: a random group with the best theme's number of findings,
and the strict one, every theme replaced by a random group of its size and the best
taken again), on the dev labels and on the tracker's report categories
(``reports-analysed.csv`` joined on ``ref``); label checks; 30 labels drawn at random
from the whole-corpus themes; ``--cached-only`` uses the findings whose vectors are
already cached (so a partly filled cache still gives figures, said in the output).

Findings come from ``corpus.extract.extract`` when it is importable and finds concerns,
else from splitting the ``concerns`` column on its numbered items (``split_concerns``).
"""
from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.common import max_rss_mb, shared_root
from benchmarks.theme_eval_data import cached_only, category_positives, embed_cached, load_reports, report_findings

LABELS = ("family_input", "family_awareness", "family_support", "family_concerns",
          "family_communication", "family_confidentiality", "family_coordination", "family_training")


def best_theme_for_label(themes: list[dict], finding_report: list[str], positives: set[str],
                         all_reports: set[str]) -> dict:
    """The theme whose report set has the best F1 against the label's True reports."""
    best = None
    for th in themes:
        reps = {finding_report[i] for i in th["members"]} & all_reports
        if not reps:
            continue
        tp = len(reps & positives)
        purity = tp / len(reps)
        coverage = tp / len(positives) if positives else 0.0
        f1 = 2 * purity * coverage / (purity + coverage) if tp else 0.0
        cand = {"theme": th["key"], "level": th["level"], "label": th["label"], "reports": len(reps),
                "purity": purity, "coverage": coverage, "f1": f1}
        if best is None or f1 > best["f1"]:
            best = cand
    return best or {"theme": None, "purity": 0.0, "coverage": 0.0, "f1": 0.0}


def theme_rows(model) -> list[dict]:
    out = []
    for t in model.themes:
        out.append({"key": t.key, "level": t.level, "label": t.label, "members": t.members})
    return out


# ---- issue 13: best match vs random groups of the same sizes -----------------------------------
def _f1(reps: set, pos: set) -> tuple[float, float, float]:
    tp = len(reps & pos)
    if not tp:
        return 0.0, 0.0, 0.0
    p, r = tp / len(reps), tp / len(pos)
    return p, r, 2 * p * r / (p + r)


def label_match(groups: list[list[int]], freport: list[str], positives: dict, draws: int = 30, seed: int = 0) -> dict:
    """{"labels": {label: {precision, recall, f1, theme_findings, random_f1}}, "mean_f1",
    "mean_random_f1", "ratio", "strict_random_f1", "strict_ratio"}."""
    import random

    rng = random.Random(seed)
    reports = set(freport)
    n = len(freport)
    gsets = [{freport[i] for i in g} for g in groups]
    out = {}
    for lab, pos in positives.items():
        pos = pos & reports
        best = (0.0, 0.0, 0.0)
        bg = None
        for g, reps in zip(groups, gsets):
            m = _f1(reps, pos)
            if m[2] > best[2]:
                best, bg = m, g
        rf = 0.0
        if bg is not None:
            rf = sum(_f1({freport[i] for i in rng.sample(range(n), len(bg))}, pos)[2] for _ in range(draws)) / draws
        out[lab] = {"precision": round(best[0], 3), "recall": round(best[1], 3), "f1": round(best[2], 3),
                    "theme_findings": len(bg) if bg else 0, "random_f1": round(rf, 3)}
    strict = []
    for _ in range(max(3, draws // 5)):
        rg = [{freport[i] for i in rng.sample(range(n), len(g))} for g in groups]
        strict.append(np.mean([max([_f1(r, pos & reports)[2] for r in rg] or [0.0]) for pos in positives.values()]))
    mf = float(np.mean([v["f1"] for v in out.values()]))
    mr = float(np.mean([v["random_f1"] for v in out.values()]))
    sr = float(np.mean(strict))
    return {"labels": out, "mean_f1": round(mf, 3), "mean_random_f1": round(mr, 3), "ratio": round(mf / mr, 2) if mr else None,
            "strict_random_f1": round(sr, 3), "strict_ratio": round(mf / sr, 2) if sr else None}


def print_match(name: str, res: dict) -> None:
    print(f"{name}: mean best-match F1 {res['mean_f1']:.3f}; random same-size group {res['mean_random_f1']:.3f} "
          f"(x{res['ratio']}); strict null (every theme random, best again) {res['strict_random_f1']:.3f} "
          f"(x{res['strict_ratio']})")
    for lab, v in res["labels"].items():
        print(f"   {lab[:40]:40} P {v['precision']:.2f} R {v['recall']:.2f} F1 {v['f1']:.2f}  "
              f"(theme of {v['theme_findings']} findings; random {v['random_f1']:.2f})")


def issue13(a, shared: Path, rows: list[dict], dev: list[dict], by_id: dict, cache: Path) -> dict:
    """Dev labels and tracker categories on themes fitted to each set; the whole corpus."""
    from index.themes import label_form_problems, label_problems
    from index.themes import fit_themes

    out: dict = {}
    devids = {d["id"] for d in dev}
    sets = [("dev labels (237 suicide reports)", [by_id[i] for i in dict.fromkeys(d["id"] for d in dev) if i in by_id],
             {lab: {d["id"] for d in dev if d[lab] == "True"} for lab in LABELS})]
    other = [r for r in rows if r["id"] not in devids][: a.category_reports]
    sets.append((f"tracker categories ({len(other)} other reports)", other, None))
    for name, rs, pos in ([] if a.skip_sets else sets):
        fs, _ = report_findings(rs)
        fs, vecs = cached_only(fs, cache) if a.cached_only else (fs, embed_cached([f["text"] for f in fs], cache))
        fr = [f["report"] for f in fs]
        if pos is None:
            pos = category_positives(shared, set(fr))
        t0 = time.perf_counter()
        model = fit_themes([f["text"] for f in fs], vecs, documents=fr)
        secs = time.perf_counter() - t0
        for level_name, groups in (("specific themes", [t.members for t in model.themes if t.level == 2]),
                                   ("both levels", [t.members for t in model.themes])):
            res = label_match(groups, fr, pos)
            print_match(f"{name}, {len(fs)} findings, {level_name} ({len(groups)}; fit {secs:.0f}s)", res)
            out[f"{name} / {level_name}"] = res
    if a.skip_full:
        return out
    # whole corpus
    fs, _ = report_findings(rows)
    total = len(fs)
    fs, vecs = cached_only(fs, cache) if a.cached_only else (fs, embed_cached([f["text"] for f in fs], cache))
    fr = [f["report"] for f in fs]
    rss0 = max_rss_mb()
    t0 = time.perf_counter()
    model = fit_themes([f["text"] for f in fs], vecs, documents=fr)
    secs = time.perf_counter() - t0
    labels = [t.label for t in model.themes]
    bad = [(lab, label_problems(lab)) for lab in labels if label_problems(lab)]
    form = [(lab, label_form_problems(lab)) for lab in labels if label_form_problems(lab)]
    print(f"labels that read as no noun phrase (function-word end, -ed start, narrative verb): "
          f"{len(form)} of {len(labels)} {form[:5]}")
    spec = [t.members for t in model.themes if t.level == 2]
    covered = len({i for g in spec for i in g})
    full = {"findings": len(fs), "of_findings": total, "reports": len(set(fr)), "fit_seconds": round(secs, 1),
            "peak_rss_mb": round(max_rss_mb()), "rss_before_fit_mb": round(rss0),
            "themes": len(spec), "broad": len(model.themes) - len(spec),
            "findings_in_a_theme": covered, "bad_labels": bad, "form_problems": form}
    print(f"\nwhole corpus: {len(fs)} of {total} findings ({len(set(fr))} reports){' (cached only)' if a.cached_only else ''}; "
          f"fit {secs:.0f}s; peak RSS {full['peak_rss_mb']} MB (before fit {full['rss_before_fit_mb']} MB); "
          f"{len(spec)} specific + {full['broad']} broad themes; {covered} findings in a theme; "
          f"labels failing the checks: {len(bad)} {bad[:5]}")
    # judged on the dev reports only: each theme restricted to its findings from them
    keep = [i for i, r in enumerate(fr) if r in devids]
    pos_of = {i: k for k, i in enumerate(keep)}
    sub = [[pos_of[i] for i in t.members if i in pos_of] for t in model.themes]
    sub = [g for g in sub if g]
    res = label_match(sub, [fr[i] for i in keep], {lab: {d["id"] for d in dev if d[lab] == "True"} for lab in LABELS})
    print_match(f"dev labels judged on the whole-corpus themes restricted to the dev reports ({len(sub)} themes hold some)", res)
    full["dev_labels"] = res
    import random

    pick = random.Random(13).sample([t for t in model.themes if t.level == 2], min(30, len(spec)))
    print("30 labels drawn at random from the whole-corpus specific themes:")
    for t in pick:
        print(f"   - {t.label}  ({len(t.members)} findings, {len({fr[i] for i in t.members})} reports)")
    full["random_labels"] = [t.label for t in pick]
    out["whole corpus"] = full
    if a.store:
        st = store_rebuild(fs, vecs, Path(a.store))
        print(f"store rebuild (product path, {st['findings']} findings): first {st['first_rebuild_s']}s, "
              f"second with {st['renames']} renames replayed {st['second_rebuild_with_edits_s']}s; peak RSS "
              f"{st['peak_rss_mb']} MB; ids kept {st['second_kept']}, new {st['second_new']}; "
              f"renames kept {st['renames_kept']}/{st['renames']}")
        out["store"] = st
    return out


def store_rebuild(fs: list[dict], vecs: np.ndarray, where: Path) -> dict:
    """The product path: a scratch library holding these findings (one document per
    report, vectors written straight in), then ``rebuild_themes`` timed with its peak RSS
    (clustering, labels, id matching, edit replay and the save)."""
    import shutil

    from index.rows import text_hash
    from index.library import open_library
    from index.store import dumps
    from index.themes import list_themes, rebuild_themes, rename_theme

    if where.exists():
        shutil.rmtree(where)
    lib = open_library(where, model="all-MiniLM-L6-v2", embedder=_Dim384())
    docs: dict[str, int] = {}
    with lib.store.transaction() as c:
        for f, v in zip(fs, vecs):
            if f["report"] not in docs:
                docs[f["report"]] = c.execute(
                    "INSERT INTO documents(content_hash, title, type, date, reference, source, text, blocks, meta)"
                    " VALUES (?,?,?,?,?,?,?,?,?)",
                    (text_hash("doc" + f["report"]), f["report"], "pfd_report", f.get("date"), f["report"],
                     "reports.csv#" + f["report"], "", "[]", dumps({"recipients": f.get("addressees", [])}))).lastrowid
            h = text_hash(f["text"])
            c.execute("INSERT OR IGNORE INTO vectors(text_hash, vector) VALUES (?,?)", (h, np.asarray(v, np.float32).tobytes()))
            c.execute("INSERT INTO findings(document_id, seq, kind, label, text, addressees, text_hash) VALUES (?,?,?,?,?,?,?)",
                      (docs[f["report"]], 0, "concern", None, f["text"], dumps(f.get("addressees", [])), h))
    rss0 = max_rss_mb()
    t0 = time.perf_counter()
    first = rebuild_themes(lib)
    t1 = time.perf_counter()
    some = list_themes(lib, level=2)["themes"][:3]
    for t in some:   # people's edits, replayed by the second rebuild
        rename_theme(lib, t["id"], f"Renamed {t['id']}")
    t2 = time.perf_counter()
    second = rebuild_themes(lib)
    t3 = time.perf_counter()
    kept = sum(1 for t in some if (x := next((y for y in list_themes(lib, level=2)["themes"] if y["id"] == t["id"]), None))
               and x["label"] == f"Renamed {t['id']}")
    lib.close()
    return {"findings": len(fs), "first_rebuild_s": round(t1 - t0, 1), "second_rebuild_with_edits_s": round(t3 - t2, 1),
            "peak_rss_mb": round(max_rss_mb()), "rss_before_mb": round(rss0), "themes": first["themes"],
            "second_kept": second["kept"], "second_new": second["new"], "renames_kept": kept, "renames": len(some)}


class _Dim384:
    name = "all-MiniLM-L6-v2"
    dimension = 384

    def encode(self, texts):  # never called: vectors are written straight in
        raise RuntimeError("no encoding in this benchmark")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared")
    ap.add_argument("--cache", default="/tmp/precedent-themes-cache")
    ap.add_argument("--embed-only", action="store_true", help="fill the vector cache and stop")
    ap.add_argument("--skip-full", action="store_true", help="only the 237 labelled reports")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--issue13", action="store_true", help="label match vs random groups, categories, 30 labels")
    ap.add_argument("--cached-only", action="store_true", help="only findings whose vectors are cached")
    ap.add_argument("--category-reports", type=int, default=1500)
    ap.add_argument("--skip-sets", action="store_true", help="only the whole corpus (its own peak memory)")
    ap.add_argument("--store", default=None, help="also time rebuild_themes on a scratch library at this path")
    a = ap.parse_args(argv)
    shared = shared_root(a.shared)
    cache = Path(a.cache)
    rows = load_reports(shared)
    by_id = {r["id"]: r for r in rows}
    with open(shared / "eval/themes-dev.csv", encoding="utf-8", newline="") as f:
        dev = list(csv.DictReader(f))
    dev_rows = [by_id[d["id"]] for d in dev if d["id"] in by_id]

    if a.issue13:
        res = issue13(a, shared, rows, dev, by_id, cache)
        if a.json:
            print(json.dumps(res, indent=2, default=str))
        return
    if a.embed_only:
        fs, method = report_findings(dev_rows)
        embed_cached([f["text"] for f in fs], cache)
        fs, method = report_findings(rows)
        print(f"{len(fs)} findings ({method})", file=sys.stderr)
        embed_cached([f["text"] for f in fs], cache)
        return

    from index.themes import fit_themes

    result: dict = {}
    # ---- 1. labelled dev set -------------------------------------------------------------
    fs, method = report_findings(dev_rows)
    vecs = embed_cached([f["text"] for f in fs], cache)
    t0 = time.perf_counter()
    model = fit_themes([f["text"] for f in fs], vecs, dates=[f["date"] for f in fs],
                       documents=[f["report"] for f in fs])
    fit_s = time.perf_counter() - t0
    reports = {d["id"] for d in dev if d["id"] in by_id}
    freport = [f["report"] for f in fs]
    trs = theme_rows(model)
    levels = {}
    for t in trs:
        levels[t["level"]] = levels.get(t["level"], 0) + 1
    dev_out = {"reports": len(dev_rows), "findings": len(fs), "method": method,
               "themes_per_level": levels, "unassigned": int(sum(1 for x in model.labels if x < 0)),
               "fit_seconds": round(fit_s, 2), "labels": {}}
    print(f"dev: {len(dev_rows)} reports, {len(fs)} findings ({method}); themes per level {levels}; "
          f"unassigned findings {dev_out['unassigned']}; fit {fit_s:.1f}s")
    print(f"{'label':24} {'pos':>4} {'lvl':>3} {'reps':>4} {'purity':>6} {'lift':>5} {'cover':>6} {'F1':>5}  theme")
    for lab in LABELS:
        pos = {d["id"] for d in dev if d[lab] == "True" and d["id"] in by_id}
        b = best_theme_for_label(trs, freport, pos, reports)
        base = len(pos) / len(reports)
        b["positives"] = len(pos)
        b["base_rate"] = base
        dev_out["labels"][lab] = b
        b["lift"] = b["purity"] / base if base else 0.0
        allf1 = 2 * base / (1 + base)  # F1 of "every report in one theme"
        b["f1_all_reports"] = allf1
        print(f"{lab:24} {len(pos):4d} {b.get('level', '-')!s:>3} {b.get('reports', 0):4d} {b['purity']:6.2f} "
              f"{b['lift']:5.2f} {b['coverage']:6.2f} {b['f1']:5.2f}  {b.get('label')}  "
              f"(base rate {base:.2f}; one-theme F1 {allf1:.2f})")
    print("dev themes:")
    for t in sorted(trs, key=lambda t: (t["level"], -len(t["members"]))):
        print(f"  L{t['level']} {t['key']:>6} {len(t['members']):4d}  {t['label']}")
    result["dev"] = dev_out

    # ---- 2. whole corpus -------------------------------------------------------------------
    if not a.skip_full:
        fs, method = report_findings(rows)
        vecs = embed_cached([f["text"] for f in fs], cache)
        rss0 = max_rss_mb()
        t0 = time.perf_counter()
        model = fit_themes([f["text"] for f in fs], vecs, dates=[f["date"] for f in fs],
                           documents=[f["report"] for f in fs])
        secs = time.perf_counter() - t0
        levels = {}
        for t in model.themes:
            levels[t.level] = levels.get(t.level, 0) + 1
        full = {"reports": len(rows), "findings": len(fs), "method": method, "themes_per_level": levels,
                "unassigned": int(sum(1 for x in model.labels if x < 0)), "fit_seconds": round(secs, 1),
                "peak_rss_mb_before_fit": round(rss0), "peak_rss_mb": round(max_rss_mb())}
        print(f"\nfull corpus: {len(rows)} reports, {len(fs)} findings; themes per level {levels}; "
              f"unassigned {full['unassigned']}; fit {secs:.1f}s; peak RSS {full['peak_rss_mb']} MB "
              f"(before fit {full['peak_rss_mb_before_fit']} MB)")
        spec = sorted((len(t.members) for t in model.themes if t.level == 2), reverse=True)
        if spec:
            full["largest_specific"] = spec[0]
            full["median_specific"] = int(np.median(spec))
            print(f"specific theme sizes: largest {spec[0]} ({spec[0] / len(fs):.1%} of findings), "
                  f"median {np.median(spec):.0f}, top 10 {spec[:10]}")
        # the same labels, judged on the whole-corpus themes (restricted to the dev reports)
        trs = theme_rows(model)
        freport = [f["report"] for f in fs]
        full["dev_labels"] = {}
        print(f"{'label (whole-corpus themes)':28} {'lvl':>3} {'reps':>4} {'purity':>6} {'lift':>5} {'cover':>6} {'F1':>5}  theme")
        for lab in LABELS:
            pos = {d["id"] for d in dev if d[lab] == "True" and d["id"] in by_id}
            b = best_theme_for_label(trs, freport, pos, reports)
            base = len(pos) / len(reports)
            b["lift"] = b["purity"] / base if base else 0.0
            full["dev_labels"][lab] = b
            print(f"{lab:28} {b.get('level', '-')!s:>3} {b.get('reports', 0):4d} {b['purity']:6.2f} {b['lift']:5.2f} "
                  f"{b['coverage']:6.2f} {b['f1']:5.2f}  {b.get('label')}")
        for t in sorted(model.themes, key=lambda t: -len(t.members))[:25]:
            print(f"  L{t.level} {t.key:>6} {len(t.members):4d} docs={len(set(model.documents[i] for i in t.members)):4d}  {t.label}")
        result["full"] = full
    if a.json:
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
