"""Recurring themes, measured (issue 4).

1. The 237 labelled suicide reports of ``eval/themes-dev.csv``: their concern findings
   are embedded with the real model and clustered with ``index.themes.fit_themes``; for
   each of the eight family-involvement labels the best matching theme (by report-level
   F1, at either level) is reported with its purity (share of the theme's reports
   labelled True) and coverage (share of the label's True reports inside it).
2. Every report's concerns in ``corpus/pfd/reports.csv`` (~5,300 reports): time and peak
   memory to fit the themes (vectors are embedded once and cached in /tmp).

    /tmp/venvtest/bin/python benchmarks/themes_eval.py [--shared DIR] [--cache DIR]
        [--embed-only] [--skip-full]

Findings come from ``corpus.extract.extract`` when it is importable and finds concerns,
else from splitting the ``concerns`` column on its numbered items (``split_concerns``).
"""
from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import resource
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

csv.field_size_limit(1 << 30)

LABELS = ("family_input", "family_awareness", "family_support", "family_concerns",
          "family_communication", "family_confidentiality", "family_coordination", "family_training")


def shared_dir(arg: str | None) -> Path:
    p = Path(arg or os.environ.get("PRECEDENT_SHARED") or ROOT.parent / "shared")
    if not (p / "corpus").is_dir():
        sys.exit(f"shared corpus not found at {p} (use --shared or PRECEDENT_SHARED)")
    return p


# ---- concerns -> findings ---------------------------------------------------------------
_PREAMBLE = re.compile(
    r"^.*?(?:matters?|areas?) of concern (?:is|are) as follows\s*[.:]?\s*[-–—:]*\s*"
    r"(?:\[\s*brief summary of matters of concern\s*\]\s*)?",
    re.I | re.S,
)
_GENERIC_INTRO = re.compile(
    r"^\s*during the course of the (?:inquest|investigation).{0,200}?statutory duty to report to you\.?\s*",
    re.I | re.S,
)
_MARK = re.compile(r"(?:^|(?<=\s))\(?(\d{1,2})[.)](?=\s)", re.M)


def split_concerns(text: str) -> list[str]:
    """The numbered items of a PFD report's concerns section ("1.", "(1)", "1)"), in
    order; the whole section (minus the statutory preamble) when it is not numbered."""
    t = (text or "").strip()
    t = _PREAMBLE.sub("", t, count=1) if _PREAMBLE.search(t[:800]) else _GENERIC_INTRO.sub("", t, count=1)
    t = t.strip()
    if not t:
        return []
    # the longest run 1, 2, 3, ... of markers in reading order
    marks = [(int(m.group(1)), m.start(), m.end()) for m in _MARK.finditer(t)]
    items, want = [], 1
    for n, s, e in marks:
        if n == want:
            items.append((s, e))
            want += 1
    if len(items) < 2:
        return [re.sub(r"\s+", " ", t)]
    out = []
    intro = t[: items[0][0]].strip()
    for i, (s, e) in enumerate(items):
        end = items[i + 1][0] if i + 1 < len(items) else len(t)
        body = t[e:end].strip()
        if intro and len(intro) < 300 and intro.rstrip().endswith((":", "-", ":-", "–")):
            body = intro.rstrip(":-– ") + ": " + body
        if len(body) > 20:
            out.append(re.sub(r"\s+", " ", body))
    if intro and len(intro) >= 300:
        out.insert(0, re.sub(r"\s+", " ", intro))
    return out


def load_reports(shared: Path) -> list[dict]:
    with open(shared / "corpus/pfd/reports.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def report_findings(rows: list[dict]) -> tuple[list[dict], str]:
    """[{report, text, date, addressees}] for every concern of every row, and the method."""
    extract = None
    try:
        from corpus.extract import extract as _ex  # written concurrently; optional
        from corpus.records import Block, Document
        extract = _ex
    except Exception:  # noqa: BLE001
        pass
    out: list[dict] = []
    used_extract = 0
    for r in rows:
        recips = [x.strip() for x in (r.get("receiver") or "").split(";") if x.strip()]
        texts: list[str] = []
        if extract is not None:
            try:
                doc = Document(
                    title=r["id"], source=f"reports.csv#{r['id']}", type="pfd_report", date=r.get("date"),
                    reference=r["id"], meta={"recipients": recips},
                    blocks=[Block(r.get("investigation") or "", "INVESTIGATION and INQUEST"),
                            Block(r.get("circumstances") or "", "CIRCUMSTANCES OF THE DEATH"),
                            Block(r.get("concerns") or "", "CORONER'S CONCERNS")],
                )
                texts = [f.text for f in extract(doc).findings if f.kind == "concern"]
                used_extract += bool(texts)
            except Exception:  # noqa: BLE001
                texts = []
        if not texts:
            texts = split_concerns(r.get("concerns") or "")
        for t in texts:
            out.append({"report": r["id"], "text": t, "date": r.get("date"), "addressees": recips})
    method = f"corpus.extract for {used_extract} reports, split_concerns for the rest" if extract else "split_concerns"
    return out, method


# ---- embedding cache ----------------------------------------------------------------------
def embed_cached(texts: list[str], cache: Path, batch: int = 256) -> np.ndarray:
    """Vectors of ``texts`` with the real model; each distinct text is embedded once and
    kept in ``cache`` (one .npy per 256-text chunk keyed by text hash)."""
    cache.mkdir(parents=True, exist_ok=True)
    store: dict[str, np.ndarray] = {}
    for p in sorted(cache.glob("part-*.npz")):
        z = np.load(p)
        for h, v in zip(z["hashes"], z["vectors"]):
            store[str(h)] = v
    hashes = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
    todo = {h: t for h, t in zip(hashes, texts) if h not in store}
    if todo:
        from index.embed import get_embedder

        emb = get_embedder("all-MiniLM-L6-v2")
        items = list(todo.items())
        t0 = time.perf_counter()
        for i in range(0, len(items), batch):
            part = items[i : i + batch]
            v = emb.encode([t for _, t in part])
            np.savez(cache / f"part-{time.time_ns()}.npz", hashes=np.array([h for h, _ in part]), vectors=v)
            for (h, _), row in zip(part, v):
                store[h] = row
            print(f"  embedded {min(i + batch, len(items))}/{len(items)} "
                  f"({(min(i + batch, len(items))) / (time.perf_counter() - t0):.1f}/s)", file=sys.stderr, flush=True)
    return np.vstack([store[h] for h in hashes]).astype(np.float32)


# ---- scoring ----------------------------------------------------------------------------------
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


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared")
    ap.add_argument("--cache", default="/tmp/precedent-themes-cache")
    ap.add_argument("--embed-only", action="store_true", help="fill the vector cache and stop")
    ap.add_argument("--skip-full", action="store_true", help="only the 237 labelled reports")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    shared = shared_dir(a.shared)
    cache = Path(a.cache)
    rows = load_reports(shared)
    by_id = {r["id"]: r for r in rows}
    with open(shared / "eval/themes-dev.csv", encoding="utf-8", newline="") as f:
        dev = list(csv.DictReader(f))
    dev_rows = [by_id[d["id"]] for d in dev if d["id"] in by_id]

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
        rss0 = peak_rss_mb()
        t0 = time.perf_counter()
        model = fit_themes([f["text"] for f in fs], vecs, dates=[f["date"] for f in fs],
                           documents=[f["report"] for f in fs])
        secs = time.perf_counter() - t0
        levels = {}
        for t in model.themes:
            levels[t.level] = levels.get(t.level, 0) + 1
        full = {"reports": len(rows), "findings": len(fs), "method": method, "themes_per_level": levels,
                "unassigned": int(sum(1 for x in model.labels if x < 0)), "fit_seconds": round(secs, 1),
                "peak_rss_mb_before_fit": round(rss0), "peak_rss_mb": round(peak_rss_mb())}
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
