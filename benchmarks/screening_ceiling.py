"""How well could *any* screen do on these labels? A supervised ceiling for issue 12.

The screening target (sensitivity >= 0.95 and specificity >= 0.90 of ``included`` on the
unjudged documents after 40 judgements) asks a model to separate the relevant documents from
the rest almost perfectly. This script asks whether the labels allow that at all: with ALL
the labels available, classifiers over the documents' features are trained and scored by
stratified k-fold cross-validation (every figure below is out-of-fold), per topic:

- ``same``:  logistic regression over the screen's own features (passage-mean | concern-mean
  embeddings and the TF-IDF word/word-pair rows of search/screening/features.py);
- ``words``: the TF-IDF rows alone; ``meaning``: the two embeddings alone;
- ``rich``:  separate TF-IDF (words and word pairs) of the concerns and of the full text, with
  the two embeddings, in one logistic regression;
- ``ens``:   the mean of the ``words``, ``meaning`` and ``rich`` out-of-fold rank scores;
- ``rand40``: ``same`` trained on 40 random labelled documents (5 draws; mean), scored on the
  rest: what 40 judgements buy a learner without the description or active choice.

For each: AUC; the best specificity any cut could reach at 95% sensitivity, and the best
sensitivity at 90% specificity (oracle cuts that know the labels: an upper bound on any
inclusion rule for that ranking); and sensitivity/specificity at p >= 0.5 (class-balanced).
C is picked per topic from a small grid by out-of-fold AUC, which flatters the ceiling a
little; that is the right direction for a ceiling.

``--noise TOPIC`` prints a seeded sample of the ``rich`` model's disagreements with the
labels (half false positives, half false negatives at p >= 0.5) with their title, the
tracker's categories and the start of their concerns, for reading by hand: are the labels
wrong, or the model?

    python -m benchmarks.screening_ceiling --set categories --library DIR [--folds 5]
    python -m benchmarks.screening_ceiling --set dev --library DIR
    python -m benchmarks.screening_ceiling --set categories --library DIR --noise "Child Death" [--n 20]

``--library`` must already hold the labelled reports (as benchmarks/screening_eval.py builds
them; a whole-corpus library works too: only its labelled reports are used).
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys

import numpy as np
import scipy.sparse as sp

from benchmarks.common import documents_by_key, shared_root

C_GRID = (1.0, 8.0)
MODELS = ("same", "words", "meaning", "rich", "ens", "rand40")


def auc(score: np.ndarray, y: np.ndarray) -> float | None:
    from scipy.stats import rankdata

    pos, n = int(y.sum()), len(y)
    if pos == 0 or pos == n:
        return None
    r = rankdata(score)
    return float((r[y == 1].sum() - pos * (pos + 1) / 2) / (pos * (n - pos)))


def oracle(score: np.ndarray, y: np.ndarray) -> tuple[float | None, float | None]:
    """(best specificity at sensitivity >= 0.95, best sensitivity at specificity >= 0.90)."""
    pos, neg = np.sort(score[y == 1])[::-1], np.sort(score[y == 0])
    if not len(pos) or not len(neg):
        return None, None
    cut95 = pos[int(np.ceil(0.95 * len(pos))) - 1]
    cut90 = np.quantile(neg, 0.90, method="higher")
    return float((neg < cut95).mean()), float((pos > cut90).mean())


def rates(pred: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    return float(pred[y == 1].mean()), float((~pred[y == 0]).mean())


def _lr(C: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, class_weight="balanced", solver="liblinear", max_iter=500)


def oof_scores(X, y: np.ndarray, folds: int, seed: int) -> tuple[np.ndarray, np.ndarray, float]:
    """(out-of-fold decision scores, out-of-fold p, C) with C the grid's best by OOF AUC."""
    from sklearn.model_selection import StratifiedKFold

    best = None
    k = min(folds, int(y.sum()), int(len(y) - y.sum()))
    for C in C_GRID:
        s, p = np.zeros(len(y)), np.zeros(len(y))
        for tr, te in StratifiedKFold(k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y):
            m = _lr(C).fit(X[tr], y[tr])
            s[te] = m.decision_function(X[te])
            p[te] = m.predict_proba(X[te])[:, 1]
        a = auc(s, y) or 0.0
        if best is None or a > best[0]:
            best = (a, s, p, C)
    return best[1], best[2], best[3]


def rand40(X, y: np.ndarray, seed: int, n: int = 40, draws: int = 5) -> dict:
    """``same`` trained on n random labelled documents (at least one of each kind), scored on the rest."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(draws):
        for _try in range(100):
            tr = rng.choice(len(y), size=n, replace=False)
            if 0 < y[tr].sum() < n:
                break
        else:
            continue
        te = np.setdiff1d(np.arange(len(y)), tr)
        m = _lr(4.0).fit(X[tr], y[tr])
        s = m.decision_function(X[te])
        b95, b90 = oracle(s, y[te])
        sens, spec = rates(m.predict_proba(X[te])[:, 1] >= 0.5, y[te])
        out.append((auc(s, y[te]), b95, b90, sens, spec))
    if not out:
        return {}
    a = np.array([[np.nan if v is None else v for v in r] for r in out], dtype=float)
    m = np.nanmean(a, axis=0)
    return {"auc": m[0], "best_spec95": m[1], "best_sens90": m[2], "sens": m[3], "spec": m[4]}


def load(args):
    """(documents of the library that carry labels, {topic: (description, set of doc ids)}, feats, rows, extra)."""
    from benchmarks.screening_eval import TUNE, topics_for
    from index import screens as screens_store
    from index.library import open_library
    from search.screening import features as sf

    shared = shared_root(args.shared)
    lib = open_library(args.library, create=False)
    feats = sf.features_for(lib)
    keys = documents_by_key(lib)
    if args.set == "dev":
        topics, rows = topics_for("dev", shared, 0, 0)
        labelled_urls = {(r.get("url") or "").strip() for r in rows}
    else:
        from benchmarks.category_eval import category_judgements

        qrels, _ = category_judgements(shared / "corpus/pfd/reports.csv", shared / "corpus/pfd/reports-analysed.csv")
        topics = {q: (q, us) for q, us in qrels.items()}
        labelled_urls = {u for us in qrels.values() for u in us}
    docs = sorted({keys[u] for u in labelled_urls if u in keys})
    rows_idx = np.array([feats.row_of(d) for d in docs], dtype=np.int64)
    out = {t: (desc, {keys[u] for u in us if u in keys}) for t, (desc, us) in topics.items()}
    texts = {d["id"]: d for d in screens_store.document_rows(lib) if d["id"] in set(docs)}
    return lib, feats, docs, rows_idx, out, texts, TUNE


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--set", choices=["dev", "categories"], default="categories")
    ap.add_argument("--library", required=True)
    ap.add_argument("--shared", default=None)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=12)
    ap.add_argument("--min-relevant", type=int, default=5)
    ap.add_argument("--topics", default=None, help="comma-separated topic names (default: all)")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--noise", default=None, help="print a sample of disagreements for this topic")
    ap.add_argument("--n", type=int, default=20, help="disagreements printed (--noise)")
    ap.add_argument("--ages", action="store_true",
                    help="label noise check: each topic's share among reports whose opening states the deceased was under 18")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics import average_precision_score

    from search.screening.features import TFIDF

    lib, feats, docs, ridx, topics, texts, tune = load(args)
    models = args.models.split(",")
    y_all = {t: np.array([d in rel for d in docs], dtype=int) for t, (_, rel) in topics.items()}
    dense = sp.csr_matrix(feats.dense[ridx])
    words = feats.words[ridx]
    X = {"same": sp.hstack([dense, words], format="csr"), "words": words, "meaning": feats.dense[ridx]}
    if "rich" in models or "ens" in models or args.noise:
        conc = TfidfVectorizer(**{**TFIDF, "max_features": 50_000}).fit_transform(
            [(texts[d]["title"] or "") + "\n" + (texts[d]["findings_text"] or "") for d in docs])
        full = TfidfVectorizer(**TFIDF).fit_transform([texts[d]["text"] or "" for d in docs])
        X["rich"] = sp.hstack([conc, full, dense], format="csr")
    print(f"{len(docs)} labelled documents; {len(topics)} topics; {args.folds}-fold cross-validation "
          f"(all figures out-of-fold)", file=sys.stderr)
    if args.noise:
        noise(args, docs, texts, topics, y_all, X, lib)
        return
    if args.ages:
        ages(docs, texts, topics)
        return
    wanted = set(args.topics.split(",")) if args.topics else None
    table = []
    for t in sorted(topics, key=lambda t: -int(y_all[t].sum())):
        y = y_all[t]
        if y.sum() < args.min_relevant or (wanted and t not in wanted):
            continue
        row = {"topic": t, "split": "tune" if t in tune else "held-out", "relevant": int(y.sum()), "documents": len(y)}
        ranks = []
        for m in models:
            if m == "ens":
                if ranks:
                    from scipy.stats import rankdata

                    s = np.mean([rankdata(r) for r in ranks], axis=0)
                    b95, b90 = oracle(s, y)
                    row[m] = {"auc": auc(s, y), "best_spec95": b95, "best_sens90": b90, "sens": None, "spec": None}
                continue
            if m == "rand40":
                row[m] = rand40(X["same"], y, args.seed)
                continue
            s, p, C = oof_scores(X[m], y, args.folds, args.seed)
            if m in ("words", "meaning", "rich"):
                ranks.append(s)
            b95, b90 = oracle(s, y)
            sens, spec = rates(p >= 0.5, y)
            row[m] = {"auc": auc(s, y), "best_spec95": b95, "best_sens90": b90, "sens": sens, "spec": spec, "C": C,
                      "ap": float(average_precision_score(y, s))}
        table.append(row)
        if not args.json:
            print_row(row, models)
    if args.json:
        print(json.dumps(table, indent=2, default=float))
        return
    for split in ("tune", "held-out", "all"):
        rs = [r for r in table if split == "all" or r["split"] == split]
        if not rs:
            continue
        mean = {"topic": f"MEAN {split} ({len(rs)})", "relevant": int(np.mean([r["relevant"] for r in rs])),
                "split": ""}
        for m in models:
            mean[m] = {k: float(np.nanmean([np.nan if r.get(m, {}).get(k) is None else r[m][k] for r in rs]))
                       for k in ("auc", "best_spec95", "best_sens90", "sens", "spec")}
        mean["met"] = {m: sum(1 for r in rs if (r.get(m, {}).get("sens") or 0) >= 0.95
                              and (r.get(m, {}).get("spec") or 0) >= 0.90) for m in models}
        mean["reachable"] = {m: sum(1 for r in rs if (r.get(m, {}).get("best_spec95") or 0) >= 0.90) for m in models}
        print_row(mean, models)
        print(f"    topics where some cut reaches sens>=.95 & spec>=.90 (oracle): "
              + ", ".join(f"{m} {mean['reachable'][m]}/{len(rs)}" for m in models))


def print_row(row: dict, models: list[str]) -> None:
    def f(v):
        return "  -  " if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.2f}"
    cells = "  ".join(f"{m}: {f(row[m].get('auc'))}/{f(row[m].get('best_spec95'))}/{f(row[m].get('sens'))}/"
                      f"{f(row[m].get('spec'))}" for m in models if row.get(m))
    print(f"{row['topic'][:38]:38s} {row['split']:8s} {row['relevant']:5d}  {cells}", flush=True)


_OPENING_AGE = re.compile(r"death of[^.]{0,80}?,?\s*(?:aged|age)\s+(\d{1,3})\s*(years?|months?|weeks?|days?)?", re.I)


def ages(docs, texts, topics) -> None:
    """A check of the labels against the reports' own words: where the opening states the
    deceased's age ("the death of X, aged N"), how many of the under-18s and of the rest
    carry each topic's label. A label about children that misses a quarter of them is noisy."""
    minor = {}
    for d in docs:
        m = _OPENING_AGE.search((texts[d]["text"] or "")[:3000])
        if m:
            unit = (m.group(2) or "years").lower()
            minor[d] = unit.startswith(("month", "week", "day")) or int(m.group(1)) < 18
    kids = [d for d, v in minor.items() if v]
    adults = [d for d, v in minor.items() if not v]
    print(f"{len(minor)} reports state the deceased's age in their opening: {len(kids)} under 18, {len(adults)} 18 or over")
    print("topic                                    share of under-18s labelled   share of 18+ labelled")
    for t, (_, rel) in sorted(topics.items(), key=lambda kv: -len(kv[1][1])):
        a = sum(d in rel for d in kids) / max(len(kids), 1)
        b = sum(d in rel for d in adults) / max(len(adults), 1)
        print(f"{t[:40]:40s} {a:10.0%} ({sum(d in rel for d in kids)}/{len(kids)})      {b:8.0%}")


def noise(args, docs, texts, topics, y_all, X, lib) -> None:
    """A seeded sample of the rich model's disagreements with the labels, to read by hand."""
    t = args.noise
    if t not in topics:
        sys.exit(f"no topic {t!r}; topics: {', '.join(sorted(topics))}")
    y = y_all[t]
    s, p, C = oof_scores(X["rich"], y, args.folds, args.seed)
    fp = [i for i in range(len(y)) if p[i] >= 0.5 and not y[i]]
    fn = [i for i in range(len(y)) if p[i] < 0.5 and y[i]]
    rng = random.Random(args.seed)
    pick = rng.sample(fp, min(args.n // 2, len(fp))) + rng.sample(fn, min(args.n - args.n // 2, len(fn)))
    other = {d: sorted(tt for tt, (_, rel) in topics.items() if d in rel) for d in docs}
    print(f"# {t}: description {topics[t][0]!r}; {int(y.sum())} relevant of {len(y)}; out-of-fold AUC "
          f"{auc(s, y):.3f}; {len(fp)} false positives and {len(fn)} false negatives at p>=0.5")
    for i in pick:
        d = texts[docs[i]]
        kind = "FP (model yes, label no)" if not y[i] else "FN (model no, label yes)"
        print(f"\n## {kind}  p={p[i]:.2f}  id={d['id']}  {d['reference'] or ''}  {d['title']}")
        print(f"labels: {'; '.join(other[docs[i]]) or '(none)'}")
        body = (d["findings_text"] or d["text"] or "").replace("\n", " ")
        print(f"concerns: {body[:600]}")
        circ = (d["text"] or "").replace("\n", " ")
        k = circ.lower().find("circumstances")
        print(f"text: {circ[max(k, 0):max(k, 0) + 500]}")


if __name__ == "__main__":
    main()
