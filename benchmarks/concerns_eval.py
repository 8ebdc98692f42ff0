"""Concern split scored on a hand-counted gold file, and a regression check of counts.

    python -m benchmarks.concerns_eval --gold benchmarks/gold/concerns_heldout.json [-v]
    python -m benchmarks.concerns_eval --pick 40 --seed 1129          # the held-out draw (ids only)
    python -m benchmarks.concerns_eval --counts 1500 --seed 7 --save /tmp/before.json
    python -m benchmarks.concerns_eval --counts 1500 --seed 7 --compare /tmp/before.json

``--gold`` prints exact / within-one / exact-or-alt agreement with the hand count, the share
of hand-noted first words found, concerns holding page debris (page numbers, headers,
footers) and concerns over 1,500 characters. ``--pick`` draws the held-out sample: per
report year (the ``date`` column), ``per_year`` random rows not in any existing gold file
nor among the response letters' parent reports, with ``random.Random(seed)``; the rows are
chosen BEFORE anyone looks at the extractor's output on them. ``--counts`` extracts N
random other reports and saves or compares their concern counts.
"""
from __future__ import annotations

import argparse
import csv
import json
import random
import re
import sys
import tempfile
from pathlib import Path

from benchmarks.common import GOLD, ROOT, corpus_dir, count_report, csv_rows, first_words_match

# page furniture inside a concern: "Page 2 of 5", a trailing page number, a template heading
# or footer that belongs to the report form, not to the coroner's words
DEBRIS = re.compile(
    r"\bPage\s+\d+\s+of\s+\d+\b|(?:^|\s)\d{1,2}\s*\.?\s*$|\bCORONER['’]?S CONCERNS\b|ACTION SHOULD BE TAKEN"
    r"|\bREGULATION 28 REPORT\b|\bREPORT TO PREVENT FUTURE DEATHS\b|\bYOUR RESPONSE\b|\bCOPIES (?:AND|and) PUBLICATION\b"
    r"|\bwww\.judiciary\.uk\b|\bInformation Classification:|\bCoroners?['’]? Service\b.{0,40}\bTel\b")


def gold_ids() -> set[str]:
    used = set()
    for p in GOLD.glob("concerns*.json"):
        used |= {g["id"] for g in json.loads(p.read_text()).get("reports", []) if g.get("id")}
    resp = GOLD / "responses.json"
    if resp.exists():
        used |= {x["report"] for x in json.loads(resp.read_text())["letters"]}
    return used


def pick(rows: list[dict], per_year: int, total: int, seed: int, exclude: set[str]) -> list[int]:
    """Stratified draw: ``per_year`` rows from every year, then random others up to ``total``."""
    rng = random.Random(seed)
    by_year: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        if r["id"] not in exclude:
            by_year.setdefault((r.get("date") or "")[:4], []).append(i)
    chosen: list[int] = []
    for y in sorted(by_year):
        chosen += rng.sample(by_year[y], min(per_year, len(by_year[y])))
    rest = sorted(set(range(len(rows))) - set(chosen) - {i for i, r in enumerate(rows) if r["id"] in exclude})
    if len(chosen) < total:
        chosen += rng.sample(rest, total - len(chosen))
    return sorted(chosen[:total])


def _docs_for_rows(corpus: Path, rows_idx: list[int]) -> dict[int, object]:
    from corpus.readers import read_path

    header, rows = csv_rows(corpus / "pfd" / "reports.csv")
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.csv"
        with open(sample, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=header)
            w.writeheader()
            for i in rows_idx:
                w.writerow(rows[i])
        docs = read_path(sample).documents
        by_ref = {d.reference or d.title: d for d in docs}
        by_row = {}  # "sample.csv#row=3": the 3rd data row (rows with an empty id have no reference)
        for d in docs:
            m = re.search(r"#row=(\d+)$", d.source or "")
            if m:
                by_row[int(m.group(1))] = d
        for k, i in enumerate(rows_idx, 1):
            out[i] = by_row.get(k) or by_ref.get(rows[i]["id"])
    return out


def concerns_of(doc) -> list:
    from corpus.extract import extract

    return [x for x in extract(doc).findings if x.kind == "concern"]


def score(corpus: Path, gold_path: Path, verbose: bool = False) -> dict:
    from corpus.readers import read_path

    gold = json.loads(gold_path.read_text())
    docs = _docs_for_rows(corpus, [g["row"] for g in gold.get("reports", [])])
    items = [(g, docs.get(g["row"])) for g in gold.get("reports", [])]
    for g in gold.get("pdfs", []):
        try:
            items.append((g, read_path(corpus / "pdf" / "pfd" / g["file"]).documents[0]))
        except (OSError, ValueError, IndexError) as e:
            print(f"cannot read {g['file']}: {e}", file=sys.stderr)
            items.append((g, None))
    out = []
    for g, d in items:
        f = concerns_of(d) if d is not None else []
        out.append({"id": g.get("id") or g.get("file") or f"row {g.get('row')}", "gold": g["count"], "alt": g.get("alt"), "got": len(f),
                    "debris": [x.text[-80:] for x in f if DEBRIS.search(x.text)],
                    "first_ok": sum(1 for fw in g["first"] if any(first_words_match(fw, x.text[:400]) for x in f)),
                    "first_n": len(g["first"]), "long": sum(1 for x in f if len(x.text) > 1500),
                    "no_section": sum(1 for x in f if not (x.section or "").strip()),
                    "firsts_got": [x.text[:60] for x in f] if verbose else None})
    n = len(out) or 1
    return {"gold": str(gold_path.relative_to(ROOT)) if gold_path.is_relative_to(ROOT) else str(gold_path),
            "reports": len(out),
            "exact": round(sum(r["got"] == r["gold"] for r in out) / n, 3),
            "within_one": round(sum(abs(r["got"] - r["gold"]) <= 1 for r in out) / n, 3),
            "exact_or_alt": round(sum(r["got"] in (r["gold"], r["alt"]) for r in out) / n, 3),
            "first_words_found": round(sum(r["first_ok"] for r in out) / max(1, sum(r["first_n"] for r in out)), 3),
            "concerns_with_debris": sum(len(r["debris"]) for r in out),
            "concerns_over_1500_chars": sum(r["long"] for r in out),
            "concerns_without_section": sum(r["no_section"] for r in out),
            "mismatches": [{k: v for k, v in r.items() if v is not None} for r in out
                           if r["got"] != r["gold"] or r["debris"] or verbose]}


def counts(corpus: Path, n: int, seed: int) -> dict[str, list]:
    _, rows = csv_rows(corpus / "pfd" / "reports.csv")
    exclude = gold_ids()  # drawn from all rows, gold rows dropped after: the sample stays put as gold grows
    idx = sorted(i for i in random.Random(seed).sample(range(len(rows)), n) if rows[i]["id"] not in exclude)
    docs = _docs_for_rows(corpus, idx)
    out = {}
    for i in idx:
        d = docs.get(i)
        f = concerns_of(d) if d is not None else []
        out[f"{i}:{rows[i]['id']}"] = [len(f), [x.text[:70] for x in f], sum(1 for x in f if DEBRIS.search(x.text)),
                              sum(1 for x in f if len(x.text) > 1500)]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared")
    ap.add_argument("--gold", help="gold file to score (default: benchmarks/gold/concerns_heldout.json)")
    ap.add_argument("--pick", type=int, metavar="N", help="print a stratified draw of N row numbers")
    ap.add_argument("--per-year", type=int, default=3)
    ap.add_argument("--counts", type=int, metavar="N", help="concern counts of N random non-gold reports")
    ap.add_argument("--seed", type=int, default=1129)
    ap.add_argument("--save")
    ap.add_argument("--compare")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    corpus = corpus_dir(a.shared)
    if a.pick:
        _, rows = csv_rows(corpus / "pfd" / "reports.csv")
        idx = pick(rows, a.per_year, a.pick, a.seed, gold_ids())
        print(json.dumps([{"row": i, "id": rows[i]["id"], "date": rows[i]["date"]} for i in idx]))
        return
    if a.counts:
        print(json.dumps(count_report(counts(corpus, a.counts, a.seed), a.save, a.compare, "concerns"), indent=1))
        return
    path = Path(a.gold) if a.gold else GOLD / "concerns_heldout.json"
    print(json.dumps(score(corpus, path if path.is_absolute() else ROOT / path, a.verbose), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
