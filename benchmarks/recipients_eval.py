"""Recipients in one receiver cell: does the ingest split give the count a careful reader sees?

    python -m benchmarks.recipients_eval            # tuning + held-out gold, and the corpus-wide change
    python -m benchmarks.recipients_eval --show 20  # also print 20 corpus cells whose split changed

Gold: benchmarks/gold/recipients_commas.json (60 cells, the rule was tuned on it) and
recipients_commas_heldout.json (30 cells, labelled before the rule ran on them). Both drawn
from the PFD cells with >= 2 commas and no ';'. "before" = the split without the comma rule.
"""
from __future__ import annotations

import argparse
import csv
import json
import random

from benchmarks.common import GOLD, corpus_dir
from corpus.readers import split_recipients

CSV = corpus_dir() / "pfd" / "reports.csv"


def score(items: list[dict], commas: bool) -> tuple[int, list[tuple]]:
    right, wrong = 0, []
    for it in items:
        got = split_recipients(it["receiver"], ";", commas=commas)
        if len(got) == it["count"]:
            right += 1
        else:
            wrong.append((it["id"], it["count"], got))
    return right, wrong


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", type=int, default=0)
    ap.add_argument("--wrong", action="store_true", help="print the gold cells still counted wrong")
    args = ap.parse_args()
    for name in ("recipients_commas.json", "recipients_commas_heldout.json"):
        items = json.loads((GOLD / name).read_text(encoding="utf-8"))["items"]
        b, _ = score(items, False)
        a, wrong = score(items, True)
        multi = [i for i in items if i["count"] > 1]
        mb, _ = score(multi, False)
        ma, _ = score(multi, True)
        one = [i for i in items if i["count"] == 1]
        ob, _ = score(one, False)
        oa, _ = score(one, True)
        print(f"{name}: count right {b}/{len(items)} before -> {a}/{len(items)} after "
              f"(multi-recipient cells {mb}/{len(multi)} -> {ma}/{len(multi)}; "
              f"one-recipient cells {ob}/{len(one)} -> {oa}/{len(one)})")
        if args.wrong:
            for w in wrong:
                print("   wrong:", w)
    if CSV.exists():
        rows = list(csv.DictReader(CSV.open(encoding="utf-8")))
        changed = []
        for r in rows:
            cell = r.get("receiver") or ""
            b, a = split_recipients(cell, ";", commas=False), split_recipients(cell, ";", commas=True)
            if a != b:
                changed.append((r.get("id"), len(b), len(a), a))
        print(f"corpus: {len(changed)} of {len(rows)} receiver cells split differently with the comma rule")
        random.seed(7)
        for c in random.sample(changed, min(args.show, len(changed))):
            print("  ", c[0], f"{c[1]} -> {c[2]}:", " | ".join(c[3]))


if __name__ == "__main__":
    main()
