"""How well do responses link to their reports from their own text?

Builds a ReportInfo for every row of pfd/reports.csv and reads each row of
pfd/responses.csv as a standalone letter (its text and respondent only: no parent id,
no URL), links it with ``corpus.responses.cues`` / ``corpus.responses.match`` and scores the result against ``parent_id``.
Also shows what happens to the two seed responses (seeds/000_*, seeds/001_*).

    python -m benchmarks.linking_eval [--shared /work/shared] [--threshold 0.6] [-v]

Precision = correct links / links made; recall = correct links / responses.
"""
from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

from benchmarks.common import corpus_dir
from corpus.responses import extract_cues, make_report
from corpus.responses import THRESHOLD, ReportIndex


def load_reports(corpus: Path) -> list:
    reports = []
    with open(corpus / "pfd" / "reports.csv", newline="", encoding="utf-8") as f:
        for n, row in enumerate(csv.DictReader(f)):
            ref = row["id"] if row["id"] and row["id"][:2] in ("19", "20") else None
            text = "\n\n".join(
                f"{head}\n{row[col]}" for head, col in (
                    ("INVESTIGATION and INQUEST", "investigation"),
                    ("CIRCUMSTANCES OF THE DEATH", "circumstances"),
                    ("CORONER'S CONCERNS", "concerns"),
                ) if row[col]
            )
            meta = {"coroner": row["coroner"], "area": row["area"], "url": row["url"],
                    "recipients": [r.strip() for r in row["receiver"].split(";") if r.strip()]}
            # the title a reader would give: the deceased's name from the URL slug
            info = make_report(n, "", text, ref, row["date"] or None, meta)
            name = " ".join(t.capitalize() for t in info.names[0]) if info.names else "Unknown"
            info.title = f"{name} — PFD report {ref or n}"
            reports.append(info)
    return reports


def load_responses(corpus: Path) -> list[dict]:
    with open(corpus / "pfd" / "responses.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def evaluate(shared: str | None = None, threshold: float = THRESHOLD, verbose: bool = False) -> dict:
    corpus = corpus_dir(shared)
    t0 = time.perf_counter()
    reports = load_reports(corpus)
    index = ReportIndex(reports)
    t1 = time.perf_counter()
    rows = load_responses(corpus)
    results, mistakes, held_out_wrong = [], [], []
    correct = linked = 0
    for i, row in enumerate(rows):
        # standalone text: the response and who sent it; never parent_id or the URLs
        cues = extract_cues(row["response"], respondent=row["respondent"])
        d = index.link(cues, threshold)
        truth = row["parent_id"]
        got = d.report.reference if d.report else None
        top = d.ranked[0].report.reference if d.ranked else None
        ok = got == truth
        linked += got is not None
        correct += ok and got is not None
        r = {"row": i, "respondent": row["respondent"], "truth": truth, "linked": got,
             "confidence": d.confidence, "reason": d.reason, "top_candidate": top,
             "evidence": d.evidence, "cues": cues.summary()}
        # the same letter when its report is not in the library: it must stay unlinked
        held = index.link(cues, threshold, exclude=truth)
        if held.report is not None:
            held_out_wrong.append({"row": i, "respondent": row["respondent"], "truth": truth,
                                   "linked": held.report.reference, "confidence": held.confidence,
                                   "evidence": held.evidence})
        results.append(r)
        if got is not None and not ok:
            mistakes.append({**r, "kind": "wrong link"})
        elif got is None:
            mistakes.append({**r, "kind": "unlinked" + (" (top candidate right)" if top == truth else "")})
    t2 = time.perf_counter()
    seeds = []
    for pat in ("000_*.txt", "001_*.txt"):
        for p in sorted((corpus / "seeds").glob(pat)):
            cues = extract_cues(p.read_text(encoding="utf-8", errors="replace"))
            d = index.link(cues, threshold)
            seeds.append({"seed": p.name[:3], "linked": d.report.reference if d.report else None,
                          "title": d.report.title if d.report else None, "confidence": d.confidence,
                          "reason": d.reason, "evidence": d.evidence, "cues": cues.summary(),
                          "top_candidate": d.ranked[0].report.title if d.ranked else None})
    n = len(rows)
    out = {
        "reports": len(reports), "responses": n, "threshold": threshold,
        "linked": linked, "correct": correct,
        "precision": round(correct / linked, 3) if linked else 1.0,
        "recall": round(correct / n, 3) if n else 0.0,
        "seconds_index": round(t1 - t0, 2), "seconds_link": round(t2 - t1, 2),
        "mistakes": mistakes, "seeds": seeds,
        # each response linked again with its own report removed: every link is wrong
        "held_out_wrong_links": held_out_wrong,
    }
    if verbose:
        out["results"] = results
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared")
    ap.add_argument("--threshold", type=float, default=THRESHOLD)
    ap.add_argument("-v", "--verbose", action="store_true")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    out = evaluate(a.shared, a.threshold, a.verbose)
    if a.json:
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return
    print(f"reports {out['reports']}, responses {out['responses']}, threshold {out['threshold']}")
    print(f"linked {out['linked']}, correct {out['correct']}: precision {out['precision']}, recall {out['recall']}")
    print(f"index {out['seconds_index']}s, linking {out['seconds_link']}s")
    for m in out["mistakes"]:
        print(f"- {m['kind']}: row {m['row']} ({m['respondent'][:50]}) truth {m['truth']} linked {m['linked']} "
              f"top {m['top_candidate']} conf {m['confidence']}: {m['reason']}; cues {m['cues']}; evidence {m['evidence']}")
    print(f"with its own report removed, {len(out['held_out_wrong_links'])} of {out['responses']} responses "
          f"were (wrongly) linked elsewhere")
    for m in out["held_out_wrong_links"]:
        print(f"- held-out wrong link: row {m['row']} ({m['respondent'][:50]}) truth {m['truth']} -> {m['linked']} "
              f"conf {m['confidence']}: {m['evidence']}")
    for s in out["seeds"]:
        print(f"seed {s['seed']}: linked {s['linked']} {s['title'] or ''} conf {s['confidence']} ({s['reason']}); "
              f"top {s['top_candidate']}; cues {s['cues']}; evidence {s['evidence']}")
    if a.verbose:
        for r in out["results"]:
            print(r["row"], r["truth"], r["linked"], r["confidence"], r["reason"], r["evidence"])


if __name__ == "__main__":
    main()
