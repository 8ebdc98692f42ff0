"""Actions of response letters, scored fast and in memory (no library, no embedder).

Each gold letter is read as a bare text file (as ``understanding_eval`` writes it), extracted
by the production rules (``corpus.extract.extract``), its parent report's concerns extracted from
``reports.csv``, and its actions paired with them by ``index.responses.answering.pair_actions``, the step
``settle_response`` runs once a letter is linked (this script assumes the right link: linking is
scored by ``understanding_eval``). Per gold set it prints:

* action precision (extracted actions whose text holds the first 4 words of a gold action) and
  gold actions found (as in ``understanding_eval``);
* letters with >=1 action paired to a concern, and letters with no action at all;
* pair accuracy: of the extracted actions that match a gold action, the share whose concerns
  agree with the gold's ``answers`` (any overlap; both empty counts as agreeing), only for reports
  whose extracted concern count equals the gold count;
* ``--cv``: the pairing cosine ``PAIR_MIN`` and ``CONTEXT_WEIGHT`` chosen on the other parent
  reports' letters (leave one parent REPORT out over both gold sets, 20 reports) and scored on the
  left-out report's letters.

Gold sets: ``benchmarks/gold/responses.json`` (the 23 shared letters) and
``benchmarks/gold/actions_external_dev.json`` (the 16 external dev letters, with
``--letters-csv ~/.cache/precedent/external/dev-half.csv``). Both are development data: every
rule was written after reading them. ``-v`` prints each letter's actions.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from benchmarks.common import GOLD, corpus_dir, csv_rows, first_words_match

FIRST_WORDS = 4  # an extracted action matches a gold action holding its first 4 words


def _concerns(rec: dict) -> list[str]:
    from corpus.extract import extract
    from corpus.readers import pfd_row

    doc = pfd_row(rec, Path("reports.csv"), 0)
    if doc is None:
        return []
    return [f.text for f in extract(doc).findings if f.kind == "concern"]


def _letter(text: str, tmp: Path, i: int):
    from corpus.extract import extract
    from corpus.readers import read_path

    p = tmp / f"letter-{i:02d}.txt"
    p.write_text(text, encoding="utf-8")
    doc = read_path(p).documents[0]
    return doc.text, extract(doc)


def load(corpus: Path, letters_csv: Path | None) -> list[dict]:
    """[{set, row, report, concerns, gold_actions, text}] for both gold sets."""
    reports = {r["id"]: r for r in csv_rows(corpus / "pfd" / "reports.csv")[1]}
    shared = csv_rows(corpus / "pfd" / "responses.csv")[1]
    out = []
    g = json.loads((GOLD / "responses.json").read_text())
    for x in g["letters"]:
        out.append({"set": "shared", "row": x["row"], "report": x["report"], "gold": x["actions"],
                    "gold_count": g["parent_concerns"].get(x["report"], {}).get("count"),
                    "text": shared[x["row"]]["response"]})
    if letters_csv:
        known = {r["response_url"] for r in shared}
        ext = [r for r in csv_rows(letters_csv)[1] if r["response_url"] not in known and r["parent_id"] in reports]
        ge = json.loads((GOLD / "actions_external_dev.json").read_text())
        for x in ge["letters"]:
            out.append({"set": "external dev", "row": x["row"], "report": x["report"], "gold": x["actions"],
                        "gold_count": ge["parent_concerns"].get(x["report"], {}).get("count"),
                        "text": ext[x["row"]]["response"]})
    cache: dict[str, list[str]] = {}
    for x in out:
        if x["report"] not in cache:
            cache[x["report"]] = _concerns(reports[x["report"]])
        x["concerns"] = cache[x["report"]]
    return out


def extract_all(items: list[dict]) -> None:
    """Each item gains ``findings`` (the letter's own) and ``actions`` [(text, finding indexes)]."""
    from corpus.extract import strip_framing

    with tempfile.TemporaryDirectory() as tmp:
        for k, x in enumerate(items):
            x["text"], ex = _letter(x["text"], Path(tmp), k)  # the text as stored: action offsets point into it
            x["findings"] = [(f.index, f.text) for f in ex.findings]
            acts = ex.actions
            if not acts:  # what settle_response does once the letter is linked
                try:
                    from corpus.extract import mask
                    from corpus.extract import actions_of_linked
                except ImportError:  # code before session 6 (for a before/after run)
                    actions_of_linked = None
                if actions_of_linked is not None:
                    acts = actions_of_linked(mask(x["text"]))
                    x["findings"] = []
            x["actions"] = [((strip_framing(a.text) or a.text), a.text, list(a.finding_indexes)) for a in acts]
            x["spans"] = [(a.start, a.end) for a in acts]


def pair(x: dict, pair_min: float | None = None, context_weight: float | None = None) -> list[list[int]]:
    """Concern numbers (1-based) each action of ``x`` answers."""
    from index.responses import answering
    from index.responses import PAIR_MIN, pair_actions

    concerns = list(enumerate(x["concerns"], 1))
    quoted = [(10_000 + i, t) for i, t in x["findings"]]
    acts = [(k, raw, [10_000 + f for f in fids]) for k, (_, raw, fids) in enumerate(x["actions"])]
    pm = PAIR_MIN if pair_min is None else pair_min
    if not hasattr(answering, "action_context"):  # code before session 6 (for a before/after run)
        got = pair_actions(concerns, quoted, acts, pm)
        return [got.get(k, []) for k in range(len(acts))]
    ctx = {k: answering.action_context(x["text"], s, e) for k, (s, e) in enumerate(x["spans"])}
    kw = {}
    if "restated" in pair_actions.__code__.co_varnames:
        from corpus.extract import paragraphs
        kw = {"restated": [(p.start, p.text) for p in paragraphs(x["text"])],
              "positions": {k: s for k, (s, e) in enumerate(x["spans"])}}
    got = pair_actions(concerns, quoted, acts, pm, ctx, context_weight, **kw)
    return [got.get(k, []) for k in range(len(acts))]


def score(items: list[dict], pairs: dict[int, list[list[int]]]) -> dict:
    ext = right = found = gold_n = paired_letters = empty = agree = comparable = 0
    for i, x in enumerate(items):
        texts = [a[0] for a in x["actions"]]
        ext += len(texts)
        gold_n += len(x["gold"])
        found += sum(1 for g in x["gold"] if any(first_words_match(g["first"], t, FIRST_WORDS) for t in texts))
        empty += not texts
        paired_letters += any(pairs[i])
        same_count = x["gold_count"] == len(x["concerns"])
        for t, ans in zip(texts, pairs[i]):
            hits = [g for g in x["gold"] if first_words_match(g["first"], t, FIRST_WORDS)]
            if not hits:
                continue
            right += 1
            if same_count:
                comparable += 1
                want = set().union(*(set(g["answers"]) for g in hits))
                agree += (not ans and not want) or bool(set(ans) & want)
    n = len(items)
    return {"letters": n, "actions": ext, "action_precision": round(right / ext, 3) if ext else None,
            "gold_actions_found": round(found / gold_n, 3) if gold_n else None,
            "letters_with_action_paired_to_concern": round(paired_letters / n, 3) if n else None,
            "letters_without_action": empty,
            "pair_accuracy": round(agree / comparable, 3) if comparable else None, "pairs_compared": comparable}


def cv_pairing(items: list[dict], grid: list[tuple[float, float]]) -> dict:
    """Leave one parent REPORT out: (PAIR_MIN, CONTEXT_WEIGHT) chosen by pair accuracy (ties:
    the paired share, then nearest the shipped values) on the other reports' letters, applied to
    the left-out report's letters."""
    from index.responses import CONTEXT_WEIGHT, PAIR_MIN

    table = {g: [pair(x, *g) for x in items] for g in grid}
    reports = sorted({x["report"] for x in items})
    chosen: dict[int, list[list[int]]] = {}
    picks = []
    for rep in reports:
        train = [i for i, x in enumerate(items) if x["report"] != rep]
        sub = [items[i] for i in train]

        def util(g: tuple) -> tuple:
            s = score(sub, {k: table[g][i] for k, i in enumerate(train)})
            return (s["pair_accuracy"] or 0, s["letters_with_action_paired_to_concern"] or 0,
                    -abs(g[0] - PAIR_MIN) - abs(g[1] - CONTEXT_WEIGHT) / 10)
        best = max(grid, key=util)
        picks.append(best)
        for i, x in enumerate(items):
            if x["report"] == rep:
                chosen[i] = table[best][i]
    out = {"cross_validated": {}, "chosen (pair_min, context_weight)": sorted(set(picks))}
    for name in ("shared", "external dev"):
        idx = [i for i, x in enumerate(items) if x["set"] == name]
        out["cross_validated"][name] = score([items[i] for i in idx], {k: chosen[i] for k, i in enumerate(idx)})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=corpus_dir())
    ap.add_argument("--letters-csv", type=Path, default=None)
    ap.add_argument("--cv", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    items = load(a.corpus, a.letters_csv)
    extract_all(items)
    pairs = {i: pair(x) for i, x in enumerate(items)}
    out: dict = {}
    for name in ("shared", "external dev"):
        idx = [i for i, x in enumerate(items) if x["set"] == name]
        if idx:
            out[name] = score([items[i] for i in idx], {k: pairs[i] for k, i in enumerate(idx)})
    if a.cv:
        out["pairing_leave_one_report_out"] = cv_pairing(
            items, [(pm, w) for pm in (0.05, 0.08, 0.12, 0.16) for w in (0.0, 0.5, 1.0, 2.0)])
    if a.verbose:
        for i, x in enumerate(items):
            print(f"\n## {x['set']} row {x['row']} ({x['report']}, {len(x['concerns'])} concerns, gold {x['gold_count']})")
            for g in x["gold"]:
                hit = any(first_words_match(g["first"], t[0], FIRST_WORDS) for t in x["actions"])
                print(f"  gold {'+' if hit else '-'} {g['answers']} {g['first'][:80]}")
            for (t, _, _), ans in zip(x["actions"], pairs[i]):
                ok = any(first_words_match(g["first"], t, FIRST_WORDS) for g in x["gold"])
                print(f"  got  {'+' if ok else '-'} {ans} {t[:140]}")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
