"""The theme tree a trainer browses, measured on a built library (issue 27).

    python -m benchmarks.theme_tree LIBRARY [--shared DIR] [--split dev|heldout|both] [--json]

Prints, from the library's stored themes (nothing is refitted):

* the tree: how many top-level themes (a broad theme, or a specific theme with no broad one
  above it), each one's share of the library's documents (the issue's target: 15-40 top-level
  themes, none over 10%), how many have subthemes, the miscellaneous bucket, and how many
  concerns sit in more than one top-level theme;
* names: labels joining two phrases with "and", and sibling labels that are near-duplicates
  (one's words inside the other's);
* best-match F1 against same-size random groups (``benchmarks.themes_eval.label_match``) on
  the label sets of ``benchmarks/heldout/2026-12-08/themes/categories.json``: the family labels
  of ``eval/themes-dev.csv`` and the dev half of the tracker's categories are development data;
  the held-out half of the categories is scored only with ``--split heldout`` (or ``both``),
  once, at the end. A theme's findings are those of documents whose reference the label set
  covers; the random groups are drawn from the same findings.
"""
from __future__ import annotations

import argparse
import json
import re
import sqlite3
from collections import defaultdict
from pathlib import Path

from benchmarks.common import ROOT, csv_rows, shared_root
from benchmarks.themes_eval import LABELS, label_match

FROZEN = ROOT / "benchmarks" / "heldout" / "2026-12-08" / "themes"
MISC = re.compile(r"^(miscellaneous|other concerns)\b", re.I)


def load(lib: Path) -> dict:
    con = sqlite3.connect(f"file:{lib / 'precedent.sqlite'}?mode=ro", uri=True)
    docs = {i: ref for i, ref in con.execute("SELECT id, reference FROM documents")}
    fdoc = dict(con.execute("SELECT id, document_id FROM findings"))
    themes = {r[0]: {"id": r[0], "level": r[1], "parent": r[2], "label": r[3], "members": set()}
              for r in con.execute("SELECT id, level, parent, label FROM themes")}
    for tid, fid in con.execute("SELECT theme_id, finding_id FROM theme_members"):
        if tid in themes:
            themes[tid]["members"].add(fid)
    return {"docs": docs, "fdoc": fdoc, "themes": themes}


def tree_figures(data: dict) -> dict:
    docs, fdoc, themes = data["docs"], data["fdoc"], data["themes"]
    n_docs = len(docs)
    n_with = len(set(fdoc.values()))
    kids = defaultdict(list)
    for t in themes.values():
        if t["parent"] is not None:
            kids[t["parent"]].append(t["id"])
    top = [t for t in themes.values() if t["parent"] is None]
    rows = []
    in_tops = defaultdict(int)
    for t in top:
        ds = {fdoc[f] for f in t["members"] if f in fdoc}
        for f in t["members"]:
            in_tops[f] += 1
        rows.append({"id": t["id"], "label": t["label"], "documents": len(ds), "share": len(ds) / max(n_docs, 1),
                     "share_of_documents_with_findings": len(ds) / max(n_with, 1), "findings": len(t["members"]),
                     "subthemes": len(kids.get(t["id"], [])), "misc": bool(MISC.match(t["label"] or ""))})
    rows.sort(key=lambda r: -r["documents"])
    labels = [t["label"] or "" for t in themes.values()]
    and_labels = [x for x in labels if re.search(r"\band\b", x, re.I)]
    near = []
    sib = defaultdict(list)
    for t in themes.values():
        sib[(t["parent"], t["level"])].append(t["label"] or "")
    for group in sib.values():
        ws = [(x, set(re.findall(r"[a-z]+", x.lower())) - {"and", "of", "in", "to", "for", "the", "on", "with"})
              for x in group]
        for i, (a, wa) in enumerate(ws):
            for b, wb in ws[i + 1:]:
                if wa and wb and (wa <= wb or wb <= wa):
                    near.append((a, b))
    multi = [n for n in in_tops.values() if n > 1]
    return {"documents": n_docs, "documents_with_findings": n_with, "findings": len(fdoc),
            "findings_in_a_theme": len({f for t in themes.values() for f in t["members"]}),
            "themes": len(themes), "top_level": len(top), "top": rows,
            "max_top_share": max((r["share"] for r in rows), default=0.0),
            "top_with_subthemes": sum(r["subthemes"] > 0 for r in rows),
            "misc": [r for r in rows if r["misc"]],
            "findings_in_several_top": len(multi), "max_top_per_finding": max(in_tops.values(), default=0),
            "and_labels": len(and_labels), "and_examples": and_labels[:12], "near_duplicate_siblings": len(near),
            "near_examples": near[:10]}


def label_sets(shared: Path, split: str) -> dict[str, dict[str, set]]:
    cats = json.loads((FROZEN / "categories.json").read_text())
    out: dict[str, dict[str, set]] = {}
    if split in ("dev", "both"):
        _, dev = csv_rows(shared / "eval" / "themes-dev.csv")
        out["dev: family labels (eval/themes-dev.csv)"] = {lab: {d["id"] for d in dev if d[lab] == "True"}
                                                           for lab in LABELS}
    _, rows = csv_rows(shared / "corpus" / "pfd" / "reports-analysed.csv")
    pos: dict[str, set] = defaultdict(set)
    for r in rows:
        for c in (r.get("category") or "").split("|"):
            if c.strip():
                pos[c.strip()].add(r["ref"])
    for half in ("dev", "heldout"):
        if split in (half, "both"):
            out[f"{half}: tracker categories ({len(cats[half])})"] = {c: pos[c] for c in cats[half]}
    return out


def universe(shared: Path, name: str) -> set:
    if name.startswith("dev: family"):
        return {d["id"] for d in csv_rows(shared / "eval" / "themes-dev.csv")[1]}
    return {r["ref"] for r in csv_rows(shared / "corpus" / "pfd" / "reports-analysed.csv")[1]}


def f1_figures(data: dict, shared: Path, split: str) -> dict:
    docs, fdoc, themes = data["docs"], data["fdoc"], data["themes"]
    out = {}
    for name, positives in label_sets(shared, split).items():
        uni = universe(shared, name)
        keep = sorted(f for f, d in fdoc.items() if docs.get(d) in uni)
        row = {f: i for i, f in enumerate(keep)}
        freport = [docs[fdoc[f]] for f in keep]
        refs = set(freport)
        pos = {k: v & refs for k, v in positives.items() if len(v & refs) >= 3}
        res = {}
        for level_name, ts in (("all themes", list(themes.values())),
                               ("top level", [t for t in themes.values() if t["parent"] is None])):
            groups = [g for g in ([row[f] for f in t["members"] if f in row] for t in ts) if g]
            res[level_name] = label_match(groups, freport, pos) if groups and pos else None
        out[name] = {"reports": len(refs), "labels": len(pos), **res}
    return out


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("library")
    ap.add_argument("--shared")
    ap.add_argument("--split", choices=("dev", "heldout", "both"), default="dev",
                    help="label sets to score (heldout: only at the end)")
    ap.add_argument("--no-f1", action="store_true")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args(argv)
    data = load(Path(a.library))
    tree = tree_figures(data)
    res = {"tree": tree}
    print(f"{tree['documents']} documents ({tree['documents_with_findings']} with findings), {tree['findings']} findings, "
          f"{tree['findings_in_a_theme']} in a theme; {tree['themes']} themes")
    misc = ", ".join(f"{m['label']} ({m['share']:.1%})" for m in tree["misc"]) or "none"
    print(f"top level: {tree['top_level']} themes, {tree['top_with_subthemes']} with subthemes; largest "
          f"{tree['max_top_share']:.1%} of documents; misc bucket: {misc}; findings in 2+ top-level "
          f"themes {tree['findings_in_several_top']} (at most {tree['max_top_per_finding']})")
    for r in tree["top"][:45]:
        print(f"   {r['share']:6.1%} {r['documents']:5d} docs {r['findings']:5d} findings {r['subthemes']:3d} sub  {r['label']}")
    print(f"labels holding 'and': {tree['and_labels']} of {tree['themes']}  e.g. {tree['and_examples'][:6]}")
    print(f"near-duplicate sibling labels: {tree['near_duplicate_siblings']}  e.g. {tree['near_examples'][:5]}")
    if not a.no_f1:
        f1 = f1_figures(data, shared_root(a.shared), a.split)
        res["f1"] = f1
        for name, r in f1.items():
            for level_name in ("all themes", "top level"):
                m = r[level_name]
                if m:
                    print(f"{name}, {level_name} ({r['reports']} reports, {r['labels']} labels): best-match F1 "
                          f"{m['mean_f1']:.3f}, random same-size {m['mean_random_f1']:.3f} (x{m['ratio']}); strict "
                          f"null {m['strict_random_f1']:.3f} (x{m['strict_ratio']})")
    if a.json:
        print(json.dumps(res, indent=1, default=sorted))


if __name__ == "__main__":
    main()
