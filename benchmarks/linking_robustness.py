"""Would the linker still find the report of a letter written differently? A perturbation benchmark.

Only DEVELOPMENT letters are used: the 23 shared letters (the old held-out split is retired) and the
external dev half (``--external``; ``--old-dev``: the 12 letters of the retired dev split only). The
external held-out half is never read here. Each dev letter is varied the ways a real
unseen letter differs from it (``variants``):

* ``no_name``      the deceased's name replaced by "the deceased"
* ``misspelt``     the deceased's surname misspelt (one letter dropped)
* ``surname_only`` first names dropped ("Mr Jacob Billington" -> "Mr Billington")
* ``no_dates``     every full date removed
* ``no_coroner``   the coroner's name removed and the salutation made "Dear Sir or Madam"
* ``no_letterhead`` everything before the salutation removed
* ``shuffled``     paragraphs in a random order
* ``first_half``   only the first half of the letter
* ``hard``         surname only + no dates + no letterhead together

and decided exactly as the library would (its type, response score, link model, respondent), with
its true report present (right / wrong / unlinked) and with it removed from the candidates (any link
is then false). ``--fit`` also scores the link model leave-one-report-out over the dev reports,
fitted on dev letters + their variants (``augment``) + their removed-report copies + Ofsted negatives.

    PRECEDENT_MODEL=fake-hashing-384 python -m benchmarks.linking_robustness [--reports 300] [--fit] [--l2 0.1 0.3 1]
        [--cases /tmp/cases.pkl]   (decided cases cached: refit and re-score without rebuilding the library)
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import tempfile
from collections import defaultdict
from pathlib import Path

from benchmarks.common import GOLD, HELD_OUT, build_letter_library, corpus_dir, csv_rows, external_letters

os.environ.setdefault("PRECEDENT_MODEL", "fake-hashing-384")

VARIANTS = ("original", "no_name", "misspelt", "surname_only", "no_dates", "no_coroner", "no_letterhead",
            "shuffled", "first_half", "hard")
_TITLE = r"(?:(?:Mr|Mrs|Ms|Miss|Mx|Master|Dr)\.?\s+)"


def _name_tokens(report) -> list[list[str]]:
    return [[t for t in n if len(t) >= 2] for n in report.names if n]


def _misspell(tok: str) -> str:
    return tok if len(tok) < 4 else tok[:len(tok) // 2] + tok[len(tok) // 2 + 1:]


def _replace_names(text: str, report, how: str) -> str:
    names = sorted(_name_tokens(report), key=len, reverse=True)
    for toks in names[:1] if how == "misspelt" else names:  # misspelt once, not once per form of the name
        if not toks:
            continue
        alt = "|".join(re.escape(t) for t in sorted(set(toks), key=len, reverse=True))
        run = re.compile(rf"\b{_TITLE}?(?:(?:{alt})\b[\s,]*){{1,4}}", re.I)

        def sub(m: re.Match) -> str:
            seen = m.group(0)
            tail = re.search(r"[\s,]*$", seen).group(0)
            if how == "no_name":
                return "the deceased" + tail
            parts = re.findall(rf"{_TITLE}|[A-Za-z'’\-]+", seen.rstrip(" ,\n\t"))
            if how == "surname_only":
                title = [p for p in parts if re.match(_TITLE, p)]
                return " ".join(title + parts[-1:]).replace("  ", " ") + tail
            # misspelt: the surname (the run's last word) loses a letter
            body = seen.rstrip(" ,\n\t")
            last = re.search(r"([A-Za-z\-]+)([’']s)?$", body)
            return (body[:last.start(1)] + _misspell(last.group(1)) + body[last.end(1):] if last else body) + tail

        text = run.sub(sub, text)
    return text


def _no_dates(text: str) -> str:
    from corpus.dates import find_dates

    for s, e, _ in sorted(find_dates(text), reverse=True):
        text = text[:s] + text[e:]
    return text


def _no_letterhead(text: str) -> str:
    m = re.search(r"^\s*Dear\b", text[:3000], re.M)
    return text[m.start():].lstrip() if m else text[len(text) // 10:]


def _no_coroner(text: str, report) -> str:
    text = re.sub(r"^(\s*)Dear\b[^\n,]*", r"\1Dear Sir or Madam", text, count=1, flags=re.M)
    toks = [t for t in re.findall(r"[A-Za-z'’\-]+", report.coroner or "")
            if len(t) >= 3 and t.lower() not in {"mrs", "miss", "senior", "area", "assistant", "coroner", "the", "for", "and"}]
    for t in toks:
        text = re.sub(rf"\b{re.escape(t)}\b", "", text)
    return text


def variants(text: str, report, seed: int = 0) -> dict[str, str]:
    """The ways one letter is varied (see module doc), by name."""
    paras = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    shuffled = paras[:]
    random.Random(seed).shuffle(shuffled)
    half, n = [], 0
    for p in paras:
        if n >= len(text) / 2 and half:
            break
        half.append(p)
        n += len(p)
    return {
        "original": text,
        "no_name": _replace_names(text, report, "no_name"),
        "misspelt": _replace_names(text, report, "misspelt"),
        "surname_only": _replace_names(text, report, "surname_only"),
        "no_dates": _no_dates(text),
        "no_coroner": _no_coroner(text, report),
        "no_letterhead": _no_letterhead(text),
        "shuffled": "\n\n".join(shuffled),
        "first_half": "\n\n".join(half),
        "hard": _no_letterhead(_no_dates(_replace_names(text, report, "surname_only"))),
    }


# ------------------------------------------------------------------ deciding as the library would


def doc_type(text: str, tmp: Path) -> str:
    from corpus.extract import classify
    from corpus.readers import read_path

    p = tmp / "variant.txt"
    p.write_text(text, encoding="utf-8")
    doc = read_path(p).documents[0]
    return doc.type if doc.type and doc.type != "other" else classify(doc)


def decide_text(conn, text: str, kind: str, cache: dict, exclude: str | None = None) -> dict:
    """What the library would decide for a document of type ``kind`` with this text:
    {"need", "decision", "linked" (reference or None), "ranked"}. ``exclude``: a report reference
    left out of the candidates (its letter's true report)."""
    from corpus.extract import response_score
    from corpus.responses import extract_cues
    from corpus.responses import THRESHOLD, decide
    from index.responses import MAYBE_RESPONSE, RESPONSE, StoreWordRarity, candidate_ids, load_reports, \
        candidate_threshold

    need = THRESHOLD if kind == RESPONSE else (
        candidate_threshold(response_score(text[:15000]), THRESHOLD, kind == "other") if kind in MAYBE_RESPONSE else None)
    cues = extract_cues(text)
    stats = StoreWordRarity(conn, list(cues.terms))
    drop = {exclude} if isinstance(exclude, str) else set(exclude or ())
    reports = [r for r in load_reports(conn, candidate_ids(conn, cues, stats), cache) if r.reference not in drop]
    d = decide(cues, reports, stats, need if need is not None else THRESHOLD)
    linked = d.report.reference if (need is not None and d.report is not None) else None
    return {"need": need, "decision": d, "linked": linked, "ranked": d.ranked}


def respondent_of(text: str, linked_report, best_report=None) -> str | None:
    """Who the library would name: the recipient it speaks for (linked), else as an unlinked letter
    (``speaker.unlinked_respondent``, with its best candidate report's recipients)."""
    from corpus.extract import respondent_from_text
    from corpus.extract import speaking_for, unlinked_respondent
    from corpus.orgs import normalise_org

    if linked_report is not None:
        who, _ = speaking_for(text, linked_report.recipients)
        who = who or respondent_from_text(text)
    else:
        who, _ = unlinked_respondent(text, best_report.recipients if best_report is not None else [])
        if who and not normalise_org(who).key:
            who = None
    return (normalise_org(who).name or who) if who else None


def _right(name: str | None, g: dict) -> bool:
    from corpus.responses import org_similarity

    return bool(name) and any(org_similarity(name, x) >= 0.75 for x in [g["respondent"], *g["aliases"]])


def all_dev_letters(corpus: Path, external: Path | None) -> tuple[dict, list[dict]]:
    """(gold, letters) of every development letter: the 23 shared letters (benchmarks/gold/responses.json;
    the old held-out split is retired, all are dev) and, when given, the external dev half (row numbers
    follow on). Each gold entry gains ``truth``: every report its text answers (one letter filed under
    two reports is the same text twice)."""
    gold = json.loads((GOLD / "responses.json").read_text())
    letters = csv_rows(corpus / "pfd" / "responses.csv")[1]
    out = [dict(g) for g in gold["letters"]]
    if external and external.exists():
        eg, el = external_letters(external, corpus)
        out += [dict(g, row=g["row"] + len(letters)) for g in eg["letters"]]
        letters = letters + el
    by_text: dict[str, set] = defaultdict(set)
    for g in out:
        by_text[re.sub(r"\s+", " ", letters[g["row"]]["response"]).strip()].add(g["report"])
    for g in out:
        g["truth"] = sorted(by_text[re.sub(r"\s+", " ", letters[g["row"]]["response"]).strip()])
    return {"letters": out}, letters


def dev_cases(lib, corpus: Path, gold: dict | None = None, letters: list[dict] | None = None,
              which: tuple[str, ...] = VARIANTS) -> list[dict]:
    """Every (dev letter, variant): text, type, decision with its report and with it removed.
    Without ``gold``: the shared letters outside the retired ``benchmarks.common.HELD_OUT`` (as before).
    A text answering several reports is one case (its first row), decided with its other reports
    left out, so it has one right answer when the model is fitted."""
    from index.responses import report_info

    conn = lib.store.conn
    if gold is None:
        gold = {"letters": [g for g in json.loads((GOLD / "responses.json").read_text())["letters"]
                            if g["report"] not in HELD_OUT]}
        letters = csv_rows(corpus / "pfd" / "responses.csv")[1]
    cache: dict = {}
    out = []
    seen: set[str] = set()
    with tempfile.TemporaryDirectory() as tmp:
        for g in gold["letters"]:
            text0 = letters[g["row"]]["response"]
            key = re.sub(r"\s+", " ", text0).strip()
            if key in seen:
                continue
            seen.add(key)
            truth = g.get("truth") or [g["report"]]
            others = [t for t in truth if t != g["report"]]
            row = conn.execute("SELECT id, title, text, reference, date, meta FROM documents "
                               "WHERE reference=? AND type='pfd_report' ORDER BY id LIMIT 1", (g["report"],)).fetchone()
            report = report_info(row)
            for name, text in variants(text0, report, seed=g["row"]).items():
                if name not in which:
                    continue
                kind = doc_type(text, Path(tmp))
                present = decide_text(conn, text, kind, cache, exclude=others)
                absent = decide_text(conn, text, kind, cache, exclude=truth)
                linked_report = next((s.report for s in present["ranked"] if s.report.reference == present["linked"]), None)
                out.append({"row": g["row"], "report": g["report"], "truth": truth, "variant": name, "type": kind,
                            "gold": g, "text": text, "present": present, "absent": absent,
                            "respondent": respondent_of(text, linked_report, present["ranked"][0].report
                                                        if present["ranked"] else None)})
    return out


def score_cases(cases: list[dict]) -> dict:
    by = defaultdict(lambda: {"letters": 0, "right": 0, "wrong": 0, "unlinked": 0, "absent_false": 0, "respondent_right": 0})
    for c in cases:
        for key in (c["variant"], "all variants"):
            r = by[key]
            r["letters"] += 1
            got = c["present"]["linked"]
            r["right"] += got == c["report"]
            r["wrong"] += bool(got) and got != c["report"]
            r["unlinked"] += not got
            r["absent_false"] += bool(c["absent"]["linked"])
            r["respondent_right"] += _right(c["respondent"], c["gold"])
    out = {}
    for k, r in by.items():
        n = r["letters"]
        linked = r["right"] + r["wrong"]
        out[k] = {"recall": round(r["right"] / n, 3), "precision": round(r["right"] / linked, 3) if linked else None,
                  "false_link_rate_when_report_absent": round(r["absent_false"] / n, 3),
                  "respondent_right": round(r["respondent_right"] / n, 3), **r}
    return out


# ------------------------------------------------------------------ the link model, cross-validated over dev reports


def negative_cases(lib) -> list[dict]:
    """The training negatives (documents under negatives/: they answer no report): their ranked
    candidates and the probability production would require of them (their type, response score)."""
    from corpus.extract import response_score
    from corpus.responses import THRESHOLD
    from index.responses import MAYBE_RESPONSE, RESPONSE, candidate_threshold, decide_link

    conn = lib.store.conn
    out = []
    for row in conn.execute("SELECT id, type, title, text, date, meta, source FROM documents "
                            "WHERE source LIKE '%negatives%' ORDER BY id"):
        d, _ = decide_link(conn, row, {}, 0.0)
        need = THRESHOLD if row["type"] == RESPONSE else (
            candidate_threshold(response_score((row["text"] or "")[:15000]), THRESHOLD, row["type"] == "other")
            if row["type"] in MAYBE_RESPONSE else None)
        out.append({"ranked": d.ranked if d else [], "need": need})
    return out


def negative_groups(lib) -> list:
    """Ranked candidates of the training negatives (documents under negatives/: answer no report)."""
    return [n["ranked"] for n in negative_cases(lib)]


def report_folds(cases: list[dict]) -> dict[str, int]:
    """Report -> fold: one fold per parent report, joined when one letter answers several (its reports,
    and every letter to any of them, stay together)."""
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for c in cases:
        truth = c.get("truth") or [c["report"]]
        for t in truth[1:]:
            parent[root(t)] = root(truth[0])
        root(truth[0])
    roots = sorted({root(r) for r in parent})
    return {r: roots.index(root(r)) for r in parent}


def training_groups(cases: list[dict], negs: list, folds) -> list[tuple[int, object, list, int | None]]:
    """(fold, case or None, ranked, index of the right candidate or None) for every case (with its
    report, and removed) and every negative (spread over the folds). ``folds``: report -> fold (or the
    list of reports, one fold each)."""
    from corpus.responses import TOP

    fold_of = folds if isinstance(folds, dict) else {r: k for k, r in enumerate(folds)}
    n = max(fold_of.values()) + 1
    groups = []
    for c in cases:
        fold = fold_of[c["report"]]
        ranked = c["present"]["ranked"]
        refs = [s.report.reference for s in ranked[:TOP]]
        groups.append((fold, c, ranked, refs.index(c["report"]) if c["report"] in refs else None))
        groups.append((fold, None, c["absent"]["ranked"], None))
    for k, neg in enumerate(negs):
        groups.append((k % n, None, neg["ranked"] if isinstance(neg, dict) else neg, None))
    return groups


def model_links(ranked, w, b, need: float | None) -> list[str]:
    """The reports the library would link with weights (w, b) and the probability ``need`` the
    document's type requires (None: not a candidate): several answered together, else one, else none."""
    from corpus.responses import choose, linked_together

    if need is None or not ranked:
        return []
    together = linked_together(ranked, w, b)
    if together and min(q for _, q in together) >= need:
        return [ranked[m].report.reference for m, _ in together]
    k, p, _ = choose(ranked, w, b)
    return [ranked[k].report.reference] if k is not None and p >= need else []


def cv_model(cases: list[dict], negs: list, augment: bool = True, l2: float | None = None, kind: str | None = None,
             gate: bool = False, in_sample: bool = False) -> dict:
    """Leave-one-dev-report-out: fitted on the other dev reports' letters (all variants when
    ``augment``, else originals only), their removed-report copies and the negatives. ``gate``: a
    document not typed a response needs the probability production requires of it
    (``index.responses.linking.candidate_threshold``, which also says who is a candidate at all); "candidacy":
    only who is a candidate, each at ``THRESHOLD``; False: every document needs ``THRESHOLD``.
    ``in_sample``: fitted once on everything and scored on the same (for comparison)."""
    return _cv([(cases, negs)], augment, l2, kind, gate, in_sample)[0]


def cv_pooled(sets: list[tuple[list[dict], list]], l2: float | None = None, in_sample: bool = False) -> list[dict]:
    """The link model fitted on the union of several libraries' decided cases (the same letters in
    libraries of different sizes: word rarity, content scores and candidate lists all change with
    the size), leave one parent report out across all of them, scored per library."""
    return [cv_summary(x) for x in _cv(sets, True, l2, None, "candidacy", in_sample)]


def _cv(sets: list[tuple[list[dict], list]], augment: bool, l2: float | None, kind: str | None, gate,
        in_sample: bool) -> list[dict]:
    """``cv_model`` over one or several case sets (folds by parent report across all of them)."""
    from corpus.responses import L2, candidate_features, fit
    from corpus.responses import THRESHOLD

    l2 = L2 if l2 is None else l2
    fold_of = report_folds([c for cases, _ in sets for c in cases])
    groups = [training_groups(cases, negs, fold_of) for cases, negs in sets]
    feats = [[candidate_features(rk) for _, _, rk, _ in g] for g in groups]
    n_folds = max(fold_of.values()) + 1
    res = [defaultdict(lambda: {"letters": 0, "right": 0, "wrong": 0, "absent_false": 0}) for _ in sets]
    neg_false = [0] * len(sets)

    def need_of(x: dict) -> float | None:
        if gate == "candidacy":  # only who is a candidate at all, every candidate at THRESHOLD
            return None if x["need"] is None else THRESHOLD
        return x["need"] if gate else THRESHOLD

    for fold in ([None] if in_sample else range(n_folds)):
        train = [(f, right) for g, fs in zip(groups, feats) for (fo, c, _, right), f in zip(g, fs)
                 if (fold is None or fo != fold) and (augment or c is None or c["variant"] == "original")]
        w, b = fit(train, l2=l2, kind=kind)
        for i, g in enumerate(groups):
            for fo, c, ranked, right in g:
                if c is None or (fold is not None and fo != fold):
                    continue
                got = model_links(ranked, w, b, need_of(c["present"]))
                truth = c.get("truth") or [c["report"]]
                absent = model_links(c["absent"]["ranked"], w, b, need_of(c["absent"]))
                for key in (c["variant"], "all variants"):
                    r = res[i][key]
                    r["letters"] += 1
                    r["right"] += c["report"] in got
                    r["wrong"] += any(x not in truth for x in got)
                    r["absent_false"] += bool(absent)
            for k2, neg in enumerate(sets[i][1]):
                if fold is None or k2 % n_folds == fold:
                    neg = neg if isinstance(neg, dict) else {"ranked": neg, "need": THRESHOLD}
                    neg_false[i] += bool(model_links(neg["ranked"], w, b, need_of(neg)))
    outs = []
    for i, rs in enumerate(res):
        out = {k: {"recall": round(r["right"] / r["letters"], 3), "wrong": r["wrong"],
                   "false_link_rate_when_report_absent": round(r["absent_false"] / r["letters"], 3),
                   "absent_false": r["absent_false"], "letters": r["letters"]} for k, r in rs.items()}
        out["false_links_on_negatives"] = f"{neg_false[i]}/{len(sets[i][1])}"
        outs.append(out)
    return outs


def fit_on_dev(cases: list[dict], negs: list, l2: float | None = None) -> tuple[dict, float]:
    """The link model's weights fitted on every dev case (all variants), removed-report copies and negatives."""
    from corpus.responses import L2, candidate_features, fit

    l2 = L2 if l2 is None else l2
    return fit([(candidate_features(rk), right) for _, _, rk, right in training_groups(cases, negs, report_folds(cases))],
               l2=l2)


def cv_summary(cv: dict) -> dict:
    """The figures that matter from one ``cv_model`` result."""
    keys = ("original", "all variants")
    return {**{k: {x: cv[k][x] for x in ("recall", "wrong", "absent_false", "letters")} for k in keys if k in cv},
            "false_links_on_negatives": cv["false_links_on_negatives"]}


def main() -> None:
    import pickle

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared")
    ap.add_argument("--reports", type=int, default=300)
    ap.add_argument("--seed", type=int, default=10)
    ap.add_argument("--negatives", type=int, default=29)
    ap.add_argument("--external", type=Path, default=Path.home() / ".cache/precedent/external/dev-half.csv",
                    help="the external dev half (letters in the responses.csv format) added to the dev letters")
    ap.add_argument("--old-dev", action="store_true", help="only the 12 letters of the retired dev split (as in session 5)")
    ap.add_argument("--fit", action="store_true", help="also cross-validate the link model over the dev reports")
    ap.add_argument("--l2", type=float, nargs="*", help="with --fit: also cross-validate these penalties")
    ap.add_argument("--cases", type=Path, help="cache of the decided cases (pickle): read if present, else written")
    ap.add_argument("--per-letter", action="store_true", help="print each dev case's outcome")
    ap.add_argument("--pooled", type=Path, nargs="+", metavar="CASES",
                    help="case caches of libraries of different sizes (--cases of runs with different --reports): "
                         "fit on all of them, leave one report out, scored per library, and the weights to ship")
    a = ap.parse_args()
    corpus = corpus_dir(a.shared)
    if a.pooled:
        sets = [pickle.loads(f.read_bytes()) for f in a.pooled]
        pairs = [(cases, negs) for cases, negs, _ in sets]
        out = {"libraries": [{"cases": str(f), "reports": n} for f, (_, _, n) in zip(a.pooled, sets)],
               "cv_pooled": cv_pooled(pairs), "in_sample_pooled": cv_pooled(pairs, in_sample=True),
               "cv_each_alone": [cv_summary(cv_model(c, ng, augment=True)) for c, ng in pairs]}
        w, b = fit_on_dev([c for cases, _ in pairs for c in cases], [x for _, ng in pairs for x in ng])
        out["weights_fitted_pooled"] = {"weights": w, "bias": b}
        print(json.dumps(out, indent=1, ensure_ascii=False))
        return
    if a.cases and a.cases.exists():
        cases, negs, n = pickle.loads(a.cases.read_bytes())
    else:
        gold, letters = (None, None) if a.old_dev else all_dev_letters(corpus, a.external)
        with tempfile.TemporaryDirectory() as tmp:
            lib, _, n = build_letter_library(corpus, a.reports, a.seed, Path(tmp), 0, a.negatives if a.fit else 0,
                                      gold, letters)
            cases = dev_cases(lib, corpus, gold, letters)
            negs = negative_cases(lib) if a.fit else []
            lib.close()
        for c in cases:  # what the cache keeps: no database objects
            c["present"]["decision"].ranked = c["absent"]["decision"].ranked = []
        if a.cases:
            a.cases.write_bytes(pickle.dumps((cases, negs, n)))
    out = {"library_reports": n, "dev_letters": len({c["row"] for c in cases}),
           "dev_reports": len({c["report"] for c in cases}), "production": score_cases(cases)}
    if a.fit:
        from corpus.responses import L2

        out["model_cv_augmented"] = cv_model(cases, negs, augment=True)
        out["model_cv_augmented_with_type_gate"] = cv_summary(cv_model(cases, negs, augment=True, gate=True))
        out["model_cv_augmented_candidacy_only"] = cv_summary(cv_model(cases, negs, augment=True, gate="candidacy"))
        out["model_in_sample"] = cv_summary(cv_model(cases, negs, in_sample=True))
        out["model_in_sample_with_type_gate"] = cv_summary(cv_model(cases, negs, in_sample=True, gate=True))
        out["model_cv_originals_only"] = cv_summary(cv_model(cases, negs, augment=False))
        for l2 in a.l2 or []:
            if l2 != L2:
                out[f"model_cv_l2_{l2}"] = cv_summary(cv_model(cases, negs, l2=l2))
        w, b = fit_on_dev(cases, negs)
        out["weights_fitted_on_dev"] = {"weights": w, "bias": b, "l2": L2}
    if a.per_letter:
        out["per_case"] = [{"row": c["row"], "variant": c["variant"], "type": c["type"], "linked": c["present"]["linked"],
                            "truth": c["report"], "p": c["present"]["decision"].confidence,
                            "why": c["present"]["decision"].reason[:90], "absent_linked": c["absent"]["linked"],
                            "respondent": c["respondent"], "gold_respondent": c["gold"]["respondent"]}
                           for c in cases]
    print(json.dumps(out, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
