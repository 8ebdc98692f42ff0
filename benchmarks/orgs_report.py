"""How far organisation-name normalisation merges the spellings in the PFD dataset.

    python -m benchmarks.orgs_report [REPORTS_CSV] [--top 30] [--unnamed 20]

Reads the ``receiver`` column of the PFD-toolkit ``reports.csv`` (recipients separated by
``;``), normalises every recipient with ``corpus.orgs.keys.normalise_org`` and prints: raw
spellings -> canonical organisations, the share of mentions that name no organisation
(a bare job title or person), mentions per organisation type, and the top organisations
with how many spellings were merged into each.
"""
from __future__ import annotations

import argparse
import csv
from collections import Counter, defaultdict
from pathlib import Path

from benchmarks.common import corpus_dir
from corpus.orgs import normalise_org, org_type


def default_csv() -> Path:
    return corpus_dir() / "pfd" / "reports.csv"


def recipients(path: Path) -> list[str]:
    csv.field_size_limit(1 << 30)
    out = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            for part in (row.get("receiver") or "").split(";"):
                part = " ".join(part.split()).strip(" ,")
                if part:
                    out.append(part)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", nargs="?", type=Path, default=default_csv())
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--unnamed", type=int, default=15, help="show this many raw spellings that named no organisation")
    args = ap.parse_args()

    mentions = recipients(args.csv)
    raw = Counter(mentions)
    variants: dict[str, set[str]] = defaultdict(set)
    counts: Counter = Counter()
    names: dict[str, Counter] = defaultdict(Counter)
    unnamed: Counter = Counter()
    types: Counter = Counter()
    for spelling, n in raw.items():
        org = normalise_org(spelling)
        if org.key is None:
            unnamed[spelling] += n
            continue
        variants[org.key].add(spelling)
        counts[org.key] += n
        names[org.key][org.name] += n
    for key in counts:
        types[org_type(names[key].most_common(1)[0][0])] += counts[key]

    named = sum(counts.values())
    print(f"file: {args.csv}")
    print(f"recipient mentions: {len(mentions)}")
    print(f"raw spellings: {len(raw)}")
    print(f"canonical organisations: {len(counts)}  ({len(raw) / max(1, len(counts)):.2f} spellings each)")
    print(f"mentions naming no organisation (a bare title or person): {sum(unnamed.values())}"
          f" ({sum(unnamed.values()) / max(1, len(mentions)):.1%}) in {len(unnamed)} spellings")
    merged = sum(1 for k in variants if len(variants[k]) > 1)
    print(f"organisations with more than one spelling: {merged}")
    print("\nmentions by organisation type:")
    for t, n in types.most_common():
        print(f"  {t:17s} {n:6d}  {n / max(1, named):.1%}")
    print(f"\ntop {args.top} organisations (mentions, spellings merged, type):")
    for key, n in counts.most_common(args.top):
        name = names[key].most_common(1)[0][0]
        vs = sorted(variants[key], key=lambda v: -raw[v])
        sample = "; ".join(vs[:3])
        print(f"  {n:5d}  {len(vs):4d}  {name}  [{org_type(name)}]")
        print(f"               e.g. {sample[:150]}")
    if args.unnamed:
        print(f"\nmost common spellings naming no organisation:")
        for s, n in unnamed.most_common(args.unnamed):
            print(f"  {n:5d}  {s}")


if __name__ == "__main__":
    main()
