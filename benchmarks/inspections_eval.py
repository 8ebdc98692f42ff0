"""Inspection findings scored on hand-counted held-out Ofsted reports, and a regression check.

    python -m benchmarks.inspections_eval --pick 15 --seed 1129            # stratified draw (file names only)
    python -m benchmarks.inspections_eval --dump FILE.pdf                   # the reader's text, by page (no extractor)
    python -m benchmarks.inspections_eval --gold benchmarks/gold/inspections_heldout.json [-v]
    python -m benchmarks.inspections_eval --counts --save /tmp/before.json  # all PDFs; then --compare
    python -m benchmarks.inspections_eval --perturb                         # lists rewritten in unseen layouts

``--pick`` draws from ``../shared/corpus/pdf/ofsted`` by year stratum (2012, 2020-22, 2023,
2024, 2025; the files' own dates), skipping the files the extractor's tests were written
against and files already in a gold file, with ``random.Random(seed)``: the files are chosen
and hand-counted BEFORE anyone runs the extractor on them. ``--gold`` prints exact /
within-one agreement with the hand count, the share of hand-noted first words found,
findings holding page furniture (running header, page number, footer), findings over 1,500
characters and findings without a section or page. A gold entry with ``"error": true`` is a
bad input: it scores right when the reader refuses it with a clear error.
"""
from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

from benchmarks.common import GOLD, ROOT, corpus_dir, count_report, first_words_match

# files the extractor's own tests read (dev): never drawn
DEV = {"barnet-children-s-services-inspection-23-july-2024.pdf", "bradford-children-s-services-inspection-31-january-2023.pdf",
       "bury-children-s-services-inspection-17-december-2021.pdf", "ealing-children-s-services-inspection-12-july-2024.pdf",
       "rotherham-children-s-services-inspection-10-august-2012.pdf"}
STRATA = {"2012": ("2012",), "2020-22": ("2020", "2021", "2022"), "2023": ("2023",), "2024": ("2024",), "2025": ("2025",)}
# page furniture inside a finding: the running header, a page number, Ofsted's footer lines
DEBRIS = re.compile(
    r"Inspection of [A-Z][\w ,.'’&\-]{1,60} local authority children[’']?s services|\bPage\s+\d+\s+of\s+\d+\b"
    r"|(?:^|\s)\d{1,2}\s*$|\bwww\.gov\.uk/ofsted\b|\bOfsted\b.{0,20}\bPiccadilly Gate\b|©\s*Crown copyright"
    r"|\b[A-Z][a-z]+ \d{4}\s+\d{1,2}\b(?=\s+[A-Z])")


def _year(name: str) -> str:
    m = re.search(r"(\d{4})\.pdf$", name)
    return m.group(1) if m else ""


def gold_files() -> set[str]:
    used = set()
    for p in GOLD.glob("inspections_heldout*.json"):
        used |= {g["file"] for g in json.loads(p.read_text()).get("reports", [])}
    return used


def pick(names: list[str], quota: dict[str, int], seed: int, exclude: set[str]) -> list[str]:
    rng = random.Random(seed)
    chosen = []
    for stratum, years in STRATA.items():
        pool = sorted(n for n in names if _year(n) in years and n not in exclude)
        chosen += rng.sample(pool, min(quota.get(stratum, 0), len(pool)))
    return sorted(chosen)


def dump(path: Path, around: str | None = None) -> str:
    """The reader's blocks with section and page, for reading by hand (no extractor)."""
    from corpus.readers import read_path

    out = []
    for d in read_path(path).documents:
        for b in d.blocks:
            out.append(f"--- page {b.page} | section {b.section!r}\n{b.text}")
    return "\n".join(out)


def findings_of(path: Path):
    from corpus.extract import extract
    from corpus.readers import read_path
    from corpus.records import ReadError

    try:
        res = read_path(path)
    except ReadError as e:
        raise ValueError(str(e)) from None
    if not res.documents:
        raise ValueError("; ".join(str(e) for e in getattr(res, "errors", [])) or "no document")
    d = res.documents[0]
    return d, extract(d).findings


def score(corpus: Path, gold_path: Path, verbose: bool = False) -> dict:
    gold = json.loads(gold_path.read_text())
    out = []
    for g in gold["reports"]:
        path = corpus / "pdf" / "ofsted" / g["file"]
        try:
            _, f = findings_of(path)
            err = None
        except (OSError, ValueError) as e:
            f, err = [], str(e)[:120]
        if g.get("error"):
            out.append({"id": g["file"], "gold": "error", "got": "error" if err else len(f), "error": err, "ok": bool(err)})
            continue
        out.append({"id": g["file"], "gold": g["count"], "got": len(f), "error": err,
                    "ok": len(f) == g["count"], "near": abs(len(f) - g["count"]) <= 1,
                    "debris": [x.text for x in f if DEBRIS.search(x.text)],
                    "first_ok": sum(1 for fw in g["first"] if any(first_words_match(fw, x.text[:400]) for x in f)),
                    "first_n": len(g["first"]), "long": sum(1 for x in f if len(x.text) > 1500),
                    "no_place": sum(1 for x in f if not (x.section or "").strip() or x.page is None),
                    "firsts_got": [f"p{x.page} {x.section}: {x.text[:70]}" for x in f] if verbose else None})
    counted = [r for r in out if r["gold"] != "error"]
    n = len(counted) or 1
    return {"gold": str(gold_path.relative_to(ROOT)) if gold_path.is_relative_to(ROOT) else str(gold_path),
            "reports": len(counted), "bad_inputs": len(out) - len(counted),
            "bad_inputs_refused_clearly": sum(1 for r in out if r["gold"] == "error" and r["ok"]),
            "exact": round(sum(r["ok"] for r in counted) / n, 3),
            "within_one": round(sum(r["near"] for r in counted) / n, 3),
            "first_words_found": round(sum(r["first_ok"] for r in counted) / max(1, sum(r["first_n"] for r in counted)), 3),
            "findings": sum(r["got"] for r in counted),
            "findings_with_debris": sum(len(r["debris"]) for r in counted),
            "findings_over_1500_chars": sum(r["long"] for r in counted),
            "findings_without_section_or_page": sum(r["no_place"] for r in counted),
            "mismatches": [{k: v for k, v in r.items() if v is not None} for r in out
                           if not r["ok"] or r.get("debris") or r.get("no_place") or verbose]}


def _variants(text: str) -> dict[str, str]:
    """The 'What needs to improve' list of a real report rewritten the ways an unseen copy
    can differ: other bullet glyphs, a dash or numbered list, glyphs lost, the heading
    worded differently, a page break (page number + running header) inside an item."""
    m = re.search(r"^What needs to improve[^\n]*\n(?P<body>.*?)(?=^The experiences and progress|^The impact of leaders)",
                  text, re.M | re.S)
    if not m:
        return {}
    body, head = m.group("body"), m.group(0)[: m.start("body") - m.start()]
    bullets = [ln for ln in body.split("\n") if ln.startswith("◼")]
    if not bullets:
        return {}
    num = iter(range(1, 100))
    out = {"bullet •": body.replace("◼", "•"), "dash list": body.replace("◼ ", "- ").replace("◼", "- "),
           "numbered list": re.sub(r"^◼\s*", lambda _: f"{next(num)}. ", body, flags=re.M),
           "glyphs lost": re.sub(r"^◼\s*", "", body, flags=re.M)}
    longest = max(bullets, key=len)
    words = longest.split(" ")
    if len(words) > 6:
        cut = " ".join(words[: len(words) // 2]) + "\n7\nInspection of Anyshire local authority children’s services\n" \
            + " ".join(words[len(words) // 2:])
        out["page break inside an item"] = body.replace(longest, cut, 1)
    rebuilt = {k: text[: m.start()] + head + v + text[m.end():] for k, v in out.items()}
    rebuilt["heading 'in this local authority?'"] = text[: m.start()] + "What needs to improve in this local authority?\n" + body + text[m.end():]
    rebuilt["heading with footnote mark"] = text[: m.start()] + "What needs to improve?1\n" + body + text[m.end():]
    return rebuilt


def perturb(corpus: Path) -> dict:
    """Per variant: share of reports whose findings (count and texts) are unchanged."""
    from corpus.extract import mask
    from corpus.extract import extract_inspection
    from corpus.readers import read_path
    from corpus.records import ReadError

    per: dict[str, list[int]] = {}
    fails: dict[str, list[str]] = {}
    for p in sorted((corpus / "pdf" / "ofsted").glob("*.pdf")):
        try:
            text = mask(read_path(p).documents[0].text)
        except (ReadError, IndexError):
            continue
        want = [re.sub(r"\W+", " ", f.text).strip() for f in extract_inspection(text)[0]]
        for k, v in _variants(text).items():
            got = [re.sub(r"\W+", " ", f.text).strip() for f in extract_inspection(v)[0]]
            ok = got == want
            per.setdefault(k, [0, 0])[0] += ok
            per[k][1] += 1
            if not ok:
                fails.setdefault(k, []).append(f"{p.name[:30]}: {len(want)} -> {len(got)}")
    return {"variants": {k: f"{a}/{n}" for k, (a, n) in per.items()}, "examples": {k: v[:3] for k, v in fails.items()}}


def counts(corpus: Path) -> dict[str, list]:
    out = {}
    for p in sorted((corpus / "pdf" / "ofsted").glob("*.pdf")):
        try:
            _, f = findings_of(p)
            out[p.name] = [len(f), [x.text[:70] for x in f], sum(1 for x in f if DEBRIS.search(x.text)),
                           sum(1 for x in f if len(x.text) > 1500)]
        except (OSError, ValueError) as e:
            out[p.name] = [-1, [f"error: {str(e)[:80]}"], 0, 0]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared")
    ap.add_argument("--gold")
    ap.add_argument("--pick", type=int, metavar="N", help="stratified draw of N files (quota spread over the strata)")
    ap.add_argument("--dump", metavar="FILE")
    ap.add_argument("--counts", action="store_true", help="finding counts of every Ofsted PDF")
    ap.add_argument("--perturb", action="store_true", help="robustness: each report's list rewritten in unseen layouts")
    ap.add_argument("--seed", type=int, default=1129)
    ap.add_argument("--save")
    ap.add_argument("--compare")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    corpus = corpus_dir(a.shared)
    if a.pick:
        quota = {"2012": 1, "2020-22": 4, "2023": 3, "2024": 4, "2025": 3} if a.pick >= 15 else \
            {"2012": 1, "2020-22": 3, "2023": 2, "2024": 2, "2025": 2}
        names = [p.name for p in (corpus / "pdf" / "ofsted").glob("*.pdf")]
        print(json.dumps(pick(names, quota, a.seed, DEV | gold_files()), indent=1))
        return
    if a.dump:
        p = Path(a.dump)
        print(dump(p if p.exists() else corpus / "pdf" / "ofsted" / a.dump))
        return
    if a.perturb:
        print(json.dumps(perturb(corpus), indent=1, ensure_ascii=False))
        return
    if a.counts:
        print(json.dumps(count_report(counts(corpus), a.save, a.compare, "findings"), indent=1))
        return
    path = Path(a.gold) if a.gold else GOLD / "inspections_heldout.json"
    print(json.dumps(score(corpus, path if path.is_absolute() else ROOT / path, a.verbose), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
