"""Score the ledger against the hand-labelled sample of issue 26, or fit the claim model.

``python -m benchmarks.ledger_eval --library LIB [--half dev|heldout] [--show] [--before]``
    kind right %, owner right %, due right %, invented and merged organisations, over one half.
    The held-out half (benchmarks/heldout/2026-12-08/ledger/) is scored once, at the end.
``python -m benchmarks.ledger_eval --library LIB --fit``
    fits ``corpus.extract.claims``'s weights on the development half (one L2 logistic model per
    claim, one against the rest, the penalty chosen among ``L2_CHOICES`` by leave-one-out on the
    same half) and prints them with that leave-one-out accuracy (a development figure: the rows
    also chose the features and the penalty). Paste the printed ``WEIGHTS`` into claims.py.

A labelled row is found in the library by its document (``document_key``) and its text (the
ledger row of that document sharing most words with it, at least half). A labelled row the
ledger no longer lists counts as "not an action" for its kind, and owns nothing.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
HALVES = {"dev": ROOT / "gold" / "ledger_dev.json",
          "heldout": ROOT / "heldout" / "2026-12-08" / "ledger" / "ledger_heldout.json"}


def _words(t: str) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", (t or "").lower()))


def _name(n: str) -> str:
    from corpus.orgs import normalise_org

    o = normalise_org(n)
    if o.key:
        return o.key
    return re.sub(r"^(?:the|all|each)\s+", "", " ".join(re.findall(r"[a-z0-9]+", n.lower())))


def ledger_rows(lib) -> list[dict]:
    """Every ledger record, with the claims the ledger sets aside (``include_set_aside``)."""
    from search.ledger import all_commitments

    return all_commitments(lib, as_of="2026-12-08", include_set_aside=True)


def match(gold: list[dict], lib) -> list[tuple[dict, dict | None]]:
    from benchmarks.ledger_sample import document_key

    docs = {d["id"]: document_key(d) for d in lib.store.documents()}
    by_doc: dict[str, list[dict]] = {}
    for r in ledger_rows(lib):
        by_doc.setdefault(docs.get(r["document_id"], ""), []).append(r)
    out = []
    for g in gold:
        gw = _words(g["text"])
        best, score = None, 0.0
        for r in by_doc.get(g["document_key"], []):
            rw = _words(r["text"])
            s = len(gw & rw) / max(1, min(len(gw), len(rw)))
            if s > score:
                best, score = r, s
        out.append((g, best if score >= 0.5 else None))
    return out


def owner_right(g: dict, r: dict | None) -> tuple[bool, list[str], bool]:
    """(right, predicted names matching no labelled body, two labelled bodies under one key)."""
    pred = [o["name"] for o in (r or {}).get("organisations", [])]
    if not pred and r and r.get("owner_role"):
        pred = [r["owner_role"]]
    groups = [{_name(n) for n in grp} for grp in g["owners"]]
    keys = [_name(n) for n in pred]
    stray = [n for n, k in zip(pred, keys) if not any(k in grp for grp in groups)]
    covered = all(any(k in grp for k in keys) for grp in groups)
    merged = any(sum(1 for grp in groups if k in grp) > 1 for k in keys)
    return covered and not stray, stray, merged


def score(half: str, lib, show: bool = False) -> dict:
    gold = json.loads(HALVES[half].read_text())["rows"]
    pairs = match(gold, lib)
    kind_ok = owner_ok = owner_n = due_ok = due_n = 0
    stray_names: list[str] = []
    merged = 0
    for g, r in pairs:
        claim = r["claim"] if r else "not_action"
        k_ok = claim == g["kind"]
        kind_ok += k_ok
        if g["kind"] != "not_action":
            owner_n += 1
            ok, stray, mg = owner_right(g, r)
            owner_ok += ok
            stray_names += stray
            merged += mg
        if g["due"] or (r and r.get("due")):
            due_n += 1
            due_ok += bool(g["due"] and r and r.get("due") and r["due"][:7] == g["due"][:7])
        if show and (not k_ok or (g["kind"] != "not_action" and not owner_right(g, r)[0])):
            print(f"#{g['sample']:>2} gold={g['kind']:<10} got={claim:<10} p={r and r.get('claim_p')} "
                  f"owners={g['owners']} got={[o['name'] for o in (r or {}).get('organisations', [])]} "
                  f"role={(r or {}).get('owner_role')}\n     {' '.join(g['text'].split())[:160]}")
    n = len(pairs)
    return {"half": half, "rows": n, "matched": sum(1 for _, r in pairs if r),
            "kind_right_pct": round(100 * kind_ok / n, 1),
            "owner_right_pct": round(100 * owner_ok / max(1, owner_n), 1), "owner_rows": owner_n,
            "due_right_pct": round(100 * due_ok / max(1, due_n), 1), "due_rows": due_n,
            "wrong_organisations": sorted(set(stray_names)), "merged_rows": merged}


L2_CHOICES = (0.1, 0.3, 1.0, 3.0, 10.0)


def letter_rows(lib, exclude: list[str]) -> list[tuple[dict, str]]:
    """More development rows: the ledger rows of the shared letters whose actions were labelled by
    hand for another purpose (benchmarks/gold/responses.json: "what the letter says was done, is
    being done or will be done"): a row starting like a labelled action is ``promised``, any other
    row of the letter an ``answer``. Letters of the reports held out for the letter evaluations
    (``benchmarks.common.HELD_OUT``) and rows of this sample (either half) are left out."""
    import csv

    from benchmarks.common import HELD_OUT, corpus_dir, first_words_match
    from benchmarks.ledger_sample import document_key
    from corpus.extract.claims import claim_features

    csv.field_size_limit(1 << 30)
    with open(corpus_dir() / "pfd" / "responses.csv", newline="", encoding="utf-8") as f:
        urls = [r["response_url"].strip() for r in csv.DictReader(f)]
    letters = {urls[L["row"]]: L for L in json.loads((ROOT / "gold" / "responses.json").read_text())["letters"]
               if L["report"] not in HELD_OUT}
    docs = {d["id"]: document_key(d) for d in lib.store.documents()}
    skip = [_words(t) for t in exclude]
    out = []
    for r in ledger_rows(lib):
        letter = letters.get(docs.get(r["document_id"], ""))
        if letter is None:
            continue
        rw = _words(r["text"])
        if any(len(rw & w) / max(1, min(len(rw), len(w))) >= 0.5 for w in skip):
            continue
        kind = "promised" if any(first_words_match(a["first"], r["text"], 4) for a in letter["actions"]) else "answer"
        out.append((claim_features(r["text"], r["document_type"], r["kind"], r.get("due"), r.get("status"),
                                   r.get("owner"), r.get("document_date")), kind))
    return out


def score_before(half: str) -> dict:
    """The same figures for the ledger as it was when the sample was drawn (``ledger_before``): every
    row a commitment except a letter's answer (kind ``response``); an owner that named no body
    counted as its role."""
    rows = json.loads(HALVES[half].read_text())["rows"]
    kind_ok = owner_ok = n = 0
    for g in rows:
        b = g["ledger_before"]
        kind_ok += ("answer" if b["kind"] == "response" else "promised") == g["kind"]
        if g["kind"] != "not_action":
            n += 1
            owner_ok += owner_right(g, {"organisations": [{"name": x} for x in b["organisations"]],
                                        "owner_role": None if b["organisations"] else b["owner"]})[0]
    return {"half": half, "ledger": "before issue 26", "kind_right_pct": round(100 * kind_ok / len(rows), 1),
            "owner_right_pct": round(100 * owner_ok / max(1, n), 1)}


def fit(lib) -> None:
    from corpus.extract.claims import CLAIM_FEATURES, CLAIMS, claim_features
    from corpus.weak_model import fit_logistic, logistic

    import corpus.extract.claims as cl

    gold = json.loads(HALVES["dev"].read_text())["rows"]
    rows = []
    fitted, cl.WEIGHTS = cl.WEIGHTS, {c: ({}, 0.0) for c in CLAIMS}  # rows are read before any model
    try:
        pairs = match(gold, lib)
        extra = letter_rows(lib, [g["text"] for half in HALVES.values() for g in json.loads(half.read_text())["rows"]])
    finally:
        cl.WEIGHTS = fitted
    for g, r in pairs:
        if r is None:
            continue
        f = claim_features(r["text"], r["document_type"], r["kind"], r.get("due"), r.get("status"), r.get("owner"),
                           r.get("document_date"))
        rows.append((f, g["kind"]))

    print(f"# plus {len(extra)} rows of the shared letters labelled in benchmarks/gold/responses.json "
          f"({sum(1 for _, k in extra if k == 'promised')} promised), none of a held-out letter or row")

    def fit_all(data, l2):
        w = {}
        for c in CLAIMS:
            labelled = [(f, 1.0 if k == c else 0.0) for f, k in data]
            if len({y for _, y in labelled}) < 2:
                continue  # no example of this claim among the development rows: it is never predicted
            w[c] = fit_logistic(labelled, CLAIM_FEATURES, l2=l2)
        return w

    def predict(w, f):
        return max(w, key=lambda c: logistic(f, *w[c]))

    loo = {l2: sum(predict(fit_all(rows[:i] + rows[i + 1:] + extra, l2), f) == k for i, (f, k) in enumerate(rows))
           for l2 in L2_CHOICES}
    best = max(L2_CHOICES, key=lambda l2: (loo[l2], l2))  # ties: the stronger penalty
    w = fit_all(rows + extra, best)
    print(f"# fitted on {len(rows)} development rows, l2 = {best} (leave-one-out kind right: "
          + ", ".join(f"l2={l2}: {100 * n / len(rows):.1f}%" for l2, n in loo.items()) + ")")
    print("WEIGHTS = {")
    for c, (ws, b) in w.items():
        kept = {k: v for k, v in ws.items() if abs(v) >= 0.005}
        print(f"    {c!r}: ({kept!r}, {b!r}),")
    print("}")


def main(argv: list[str] | None = None) -> None:
    from index.library import open_library

    ap = argparse.ArgumentParser()
    ap.add_argument("--library", required=True)
    ap.add_argument("--half", choices=sorted(HALVES), default="dev")
    ap.add_argument("--fit", action="store_true")
    ap.add_argument("--show", action="store_true", help="print each row scored wrong")
    ap.add_argument("--before", action="store_true", help="also score the ledger as it was when sampled")
    a = ap.parse_args(argv)
    lib = open_library(a.library)
    if a.fit:
        fit(lib)
        return
    if a.before:
        print(json.dumps(score_before(a.half)))
    print(json.dumps(score(a.half, lib, a.show), indent=1))


if __name__ == "__main__":
    sys.exit(main())
