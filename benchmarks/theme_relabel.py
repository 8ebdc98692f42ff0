"""Relabel a built library's themes with the current label code and check the labels.

    python -m benchmarks.theme_relabel LIBRARY_DIR [--out labels.json] [--compare before.json]

Reads the library's findings and its themes' members (most central first, as the build
does), runs ``index.themes.labels.phrase_labels`` on them (the clusters are not refitted,
so label changes are judged on the same groups), and prints how many labels end in a
function word, start with a verb-like word or hold a narrative verb, plus 30 specific
themes' labels drawn at random (seed 13). ``--compare`` prints those 30 beside the
labels saved by an earlier ``--out``.
"""
from __future__ import annotations

import argparse
import json
import random
import sqlite3
import time
from pathlib import Path

from index.themes import label_form_problems, label_problems, phrase_labels


def load(lib: Path):
    con = sqlite3.connect(lib / "precedent.sqlite")
    fids, texts, docs = [], [], []
    for fid, doc, text in con.execute("SELECT id, document_id, text FROM findings ORDER BY id"):
        fids.append(fid)
        docs.append(doc)
        texts.append(text)
    row = {f: i for i, f in enumerate(fids)}
    themes = con.execute("SELECT id, level FROM themes ORDER BY id").fetchall()
    groups = []
    for tid, _ in themes:
        ms = con.execute("SELECT finding_id FROM theme_members WHERE theme_id=? ORDER BY score DESC, finding_id",
                         (tid,)).fetchall()
        groups.append([row[m] for (m,) in ms if m in row])
    return texts, docs, themes, groups


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("library")
    ap.add_argument("--out")
    ap.add_argument("--compare")
    a = ap.parse_args(argv)
    texts, docs, themes, groups = load(Path(a.library))
    t0 = time.perf_counter()
    labels = phrase_labels(texts, groups, docs)
    secs = time.perf_counter() - t0
    form = {lab: label_form_problems(lab) for lab in labels}
    counts: dict[str, int] = {}
    for probs in form.values():
        for p in probs:
            counts[p] = counts.get(p, 0) + 1
    print(f"{len(texts)} findings, {len(groups)} themes; labelled in {secs:.0f}s; "
          f"{len(set(map(str.lower, labels)))} distinct labels")
    print(f"labels failing the old checks: {sum(bool(label_problems(x)) for x in labels)}")
    print(f"labels with a form problem: {sum(bool(p) for p in form.values())} of {len(labels)}: {counts}")
    spec = [k for k, (_, lev) in enumerate(themes) if lev == 2]
    pick = random.Random(13).sample(spec, min(30, len(spec)))
    before = {}
    if a.compare:
        before = {int(k): v for k, v in json.loads(Path(a.compare).read_text())["labels"].items()}
    print("30 specific themes drawn at random" + (" (before -> after)" if before else "") + ":")
    for k in pick:
        tid = themes[k][0]
        old = f"{before.get(tid, '?')}  ->  " if before else ""
        print(f"   {tid:>5}  {old}{labels[k]}  ({len(groups[k])} findings)")
    if a.out:
        Path(a.out).write_text(json.dumps({"labels": {themes[k][0]: lab for k, lab in enumerate(labels)},
                                           "form_problems": counts}, indent=1))


if __name__ == "__main__":
    main()
