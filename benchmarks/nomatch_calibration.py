"""Fit "nothing matches" (search/ranking/nomatch.py) and the "close" cut-off
(search/ranking/strength.py), and write their parameter files.

Rerun after anything that changes the ranker's hits or the encoder (a merged ranker, a tuned
encoder), on libraries built with the encoder the product will serve:

    python -m benchmarks.nomatch_calibration --library COPY_OF_FULL_BASE \\
        --lexical-library DEV_LIBRARY --build-small /tmp/small45 [--close-library DEV_LIBRARY] --write

(opening a library writes to it — FAISS files, settled owners — so give copies of shared ones)

**All of it is development data**: the figures printed are development figures (the data
chose the weights, the regularisation and the cut-offs), never held out.

No match. Queries (benchmarks/nomatch_dev/): ``in_field.txt`` (questions of the field,
written for this fit) plus the eight theme definitions of ../shared/eval and the cross-type
queries and seed paraphrases of benchmarks/cross_type_eval.py (concerns phrased without
the documents' words: the hardest in-field questions); ``out_of_field.txt``
(everyday life, other professions, sports, technology, medical-ish questions not about
deaths or reviews); ``mash.txt`` (random letters and keyboard runs, made by
:func:`mashes` with seed 24). Each query is ranked on each ``--library`` as the product
ranks it (search.ranking.ranker.rank, hybrid) and its signals read
(search.ranking.nomatch.signals). Three logistic models (standardised signals, L2 with the
regularisation chosen by grouped cross-validated log-loss) separate in-field (1) from the
rest (0): ``full`` (every signal), ``lexical`` (word signals only) and ``dense`` (cosines only,
for queries without an indexed word). The cut-off on
P(in field) is the ``--in-field-loss`` quantile of the in-field queries' cross-validated
probabilities (folds keep a query's rows from all libraries together): at most that share
of in-field questions is emptied. The lexical model also learns from ``--lexical-library``
libraries (small ones: most words of a field question are unknown there, and this model
serves any library whose cosines cannot be read); a field question none of whose words such
a library holds does not set its cut-off (by words, nothing there matches it). Printed: cross-validated shares emptied per kind, and the
out-of-field queries left with a close hit.

Close. The cut-off is fitted on reader judgements (``--close-judgements``, default
benchmarks/nomatch_dev/close_judgements.json: hits of in-field dev questions on the whole
corpus, each read and judged "would a reader agree this case is a precedent for the
question", made with ``--dump-close``): each judged query is ranked on the first
``--library`` and its first ``--top`` hits in page order whose document was judged for it
are rows. With the strength model's coefficients kept, "close" becomes the lowest
probability at which the rows at or above it are at least ``--close-precision`` relevant (at
least ``--min-close`` rows), never lower than the built-in cut-off. The theme labels of
../shared/eval (``--close-library``, a library holding their 237 reports) are reported too,
but do not choose: on them about 65% of hits are relevant at every probability, so no
cut-off reaches 90% (they label whole reports for broad themes, not the concern a hit shows).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent / "nomatch_dev"
KEYS = "qwertyuiopasdfghjklzxcvbnm"
ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def mashes(seed: int = 24, n: int = 80) -> list[str]:
    """Keyboard mash: random letters (half) and runs along the keyboard's rows (half), one to
    four "words" each."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        words = []
        for _ in range(rng.randint(1, 4)):
            k = rng.randint(3, 11)
            if i % 2:
                row = rng.choice(ROWS)
                start = rng.randrange(len(row))
                words.append("".join(row[(start + j * rng.choice((1, 1, 2, -1))) % len(row)] for j in range(k)))
            else:
                words.append("".join(rng.choice(KEYS) for _ in range(k)))
        out.append(" ".join(words))
    return out


def small_library(path: Path, shared: Path) -> Path:
    """A 45-document library (the five seeds and 40 PFD reports, as tests/search/test_strength_real.py
    builds it) at ``path``, built with the default model unless it is there already."""
    import shutil

    from benchmarks.common import seeds_and_reports
    from index.ingest.pipeline import ingest
    from index.library import open_library

    lib_dir = Path(path) / "lib"
    if not (lib_dir / "library.json").exists():
        docs = Path(path) / "docs"
        shutil.rmtree(docs, ignore_errors=True)
        seeds_and_reports(shared, docs)
        lib = open_library(lib_dir, model="all-MiniLM-L6-v2")
        ingest(lib, [docs])
        lib.close()
    return lib_dir


def read_queries(name: str) -> list[str]:
    return [q.strip() for q in (HERE / name).read_text(encoding="utf-8").splitlines()
            if q.strip() and not q.startswith("#")]


def query_sets(shared) -> dict[str, list[str]]:
    from benchmarks import cross_type_eval as cx
    from search import evaluate as ev

    themes, _ = ev.load_theme_labels(shared / "eval/themes-dev.csv", shared / "eval/themes-dev-labels.json")
    hard = [q for q, _ in cx.QUERIES] + [q for q, _ in cx.PARAPHRASES]  # concerns without the documents' words
    return {"in_field": read_queries("in_field.txt") + [q.text for q in themes] + hard,
            "out_of_field": read_queries("out_of_field.txt"), "mash": read_queries("mash.txt")}


def rows_for(lib, sets: dict[str, list[str]], close: float) -> list[dict]:
    """One row per query: its kind, signals and how many of its hits are close (probability
    at or above ``close``: the cut-off just refitted, when it was)."""
    from search.ranking import nomatch, ranker

    out = []
    for kind, queries in sets.items():
        for q in queries:
            ranking = ranker.rank(lib, q, "hybrid")
            sig, n, known = nomatch.signals(lib, q, ranking.hits)
            out.append({"kind": kind, "query": q, "library": str(lib.path), "signals": sig, "hits": len(ranking.hits),
                        "close": sum(h.probability >= close for h in ranking.hits),
                        "probabilities": sorted((h.probability for h in ranking.hits), reverse=True)[:20]})
    return out


def matrix(rows: list[dict], feats) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.array([[r["signals"][f] for f in feats] for r in rows], float)
    y = np.array([int(r["kind"] == "in_field") for r in rows])
    ids: dict[str, int] = {}
    g = np.array([ids.setdefault(r["query"], len(ids)) for r in rows])
    return x, y, g


def fit_model(x, y, c: float):
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    m = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y)
    return mean, scale, m.coef_[0], float(m.intercept_[0])


def predict(params, x) -> np.ndarray:
    mean, scale, coef, b = params
    return 1 / (1 + np.exp(-(((x - mean) / scale) @ coef + b)))


def cross_validated(x, y, g, c: float, folds: int = 5, seed: int = 0) -> np.ndarray:
    """Each row's probability from a model fitted without its query (grouped folds)."""
    from sklearn.model_selection import GroupKFold

    p = np.zeros(len(y))
    for train, test in GroupKFold(n_splits=folds).split(x, y, g):
        p[test] = predict(fit_model(x[train], y[train], c), x[test])
    return p


def choose(x, y, g, loss: float, counts=None) -> dict:
    """The regularisation by grouped cross-validated log-loss, the fit on everything, and the
    cut-off: the ``loss`` quantile of the in-field rows' cross-validated probabilities (of the
    rows ``counts`` marks, when given)."""
    best = None
    for c in (0.03, 0.1, 0.3, 1.0, 3.0, 10.0):
        p = np.clip(cross_validated(x, y, g, c), 1e-6, 1 - 1e-6)
        ll = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        if best is None or ll < best[0]:
            best = (ll, c, p)
    ll, c, p_cv = best
    keep = (y == 1) if counts is None else ((y == 1) & counts)
    threshold = float(np.quantile(p_cv[keep], loss, method="lower"))
    return {"c": c, "log_loss": round(ll, 4), "params": fit_model(x, y, c), "p_cv": p_cv, "threshold": threshold}


def shares(rows, p, threshold) -> dict:
    out = {}
    for kind in ("in_field", "out_of_field", "mash"):
        idx = [i for i, r in enumerate(rows) if r["kind"] == kind]
        if idx:
            emptied = [i for i in idx if p[i] < threshold]
            left_close = [i for i in idx if p[i] >= threshold and rows[i]["close"]]
            out[kind] = {"queries": len(idx), "emptied": len(emptied), "share_emptied": round(len(emptied) / len(idx), 3),
                         "left_with_close": len(left_close)}
    return out


def close_rows(lib, top: int) -> tuple[list[tuple[float, int]], int]:
    """[(probability, relevant)] of the theme definitions' judged hits, and the unjudged count."""
    from benchmarks.common import shared_root
    from search import evaluate as ev
    from search.ranking import ranker

    shared = shared_root()
    queries, _ = ev.load_theme_labels(shared / "eval/themes-dev.csv", shared / "eval/themes-dev-labels.json")
    labelled = {k for q in queries for k in q.relevant}
    import csv
    with open(shared / "eval/themes-dev.csv", newline="", encoding="utf-8-sig") as f:
        for r in csv.DictReader(f):
            labelled |= {r["id"], r["url"]}
    keys = ev.document_keys(lib)
    out, unjudged = [], 0
    for q in queries:
        ranking = ranker.rank(lib, q.text, "hybrid", prune=False)
        for h in ranking.ordered()[:top]:
            ks = keys.get(h.document_id, set())
            if not ks & labelled:
                unjudged += 1
                continue
            out.append((h.probability, int(bool(ks & q.relevant))))
    return out, unjudged


def doc_key(d: dict) -> str:
    """A document's name in the judgements: its reference, else its source's file name."""
    return d.get("reference") or Path(d["source"]).name


def judge_candidates(lib, queries: list[str], per_query: int, floor: float) -> list[dict]:
    """The first ``per_query`` hits at or above probability ``floor`` of each query, in page
    order, with the text a reader judges (for ``--dump-close``)."""
    from index import retrieval
    from search.ranking import ranker

    out = []
    for q in queries:
        ranking = ranker.rank(lib, q, "hybrid")
        hits = [h for h in ranking.ordered() if h.probability >= floor]
        seen, chosen = set(), []
        for h in hits:
            if h.document_id not in seen:
                seen.add(h.document_id)
                chosen.append(h)
            if len(chosen) == per_query:
                break
        docs = retrieval.documents_by_id(lib.store, [h.document_id for h in chosen])
        for h in chosen:
            table, rid = ("findings", h.finding_id) if h.finding_id else ("passages", h.passage_id)
            text = retrieval.texts(lib.store, table, [rid]).get(rid, "")
            d = docs[h.document_id]
            out.append({"query": q, "document": doc_key(d), "title": d.get("title"),
                        "probability": round(h.probability, 4), "text": " ".join(text.split())[:700], "relevant": None})
    return out


def judged_rows(lib, judgements: list[dict], top: int) -> tuple[list[tuple[float, int]], int]:
    """[(probability, relevant)] of each judged query's cases (documents) among its first
    ``top`` hits in page order that were judged for it (a judgement names the query and the
    document), a case as close as its best hit there; and how many cases had no judgement."""
    from index import retrieval
    from search.ranking import ranker

    by_query: dict[str, dict[str, int]] = {}
    for j in judgements:
        if j.get("relevant") is not None:
            by_query.setdefault(j["query"], {})[j["document"]] = int(j["relevant"])
    out, unjudged = [], 0
    for q, judged in by_query.items():
        ranking = ranker.rank(lib, q, "hybrid")
        best: dict[int, float] = {}  # a case is as close as its best hit (pages count cases)
        for h in ranking.ordered()[:top]:
            best[h.document_id] = max(best.get(h.document_id, 0.0), h.probability)
        docs = retrieval.documents_by_id(lib.store, list(best))
        for d, p in best.items():
            key = doc_key(docs[d])
            if key in judged:
                out.append((p, judged[key]))
            else:
                unjudged += 1
    return out, unjudged


def close_cutoff(rows, precision: float, min_rows: int, floor: float) -> tuple[float, dict]:
    p = np.array([r[0] for r in rows])
    y = np.array([r[1] for r in rows])
    order = np.argsort(-p)
    hits, n = np.cumsum(y[order]), np.arange(1, len(p) + 1)
    ok = [i for i in range(len(p)) if n[i] >= min_rows and hits[i] / n[i] >= precision]
    cut = max(float(p[order][max(ok)]) if ok else 1.0, floor)
    c = p >= cut
    before = p >= floor
    return cut, {"judged_hits": int(len(y)), "relevant": int(y.sum()),
                 "close": int(c.sum()), "close_precision": round(float(y[c].mean()), 3) if c.any() else None,
                 "close_recall": round(float(y[c].sum() / max(y.sum(), 1)), 3),
                 "close_before": int(before.sum()),
                 "close_precision_before": round(float(y[before].mean()), 3) if before.any() else None,
                 # (k, the k-th highest probability, precision of the k highest): where a cut-off could go
                 "curve": [(k, round(float(p[order][k - 1]), 3), round(float(hits[k - 1] / k), 3))
                           for k in range(10, len(p) + 1, 10)]}


def measure(lib, sets: dict[str, list[str]]) -> dict:
    """What the product answers (search.query.run_search, the committed parameters): per kind,
    the share of queries answered with nothing, and with no close hit."""
    from search.query import run_search

    out = {}
    for kind, queries in sets.items():
        empty = no_close = 0
        wrong = []
        for q in queries:
            data = run_search(lib, q, k=10)
            empty += data["total"] == 0
            no_close += data["close"] == 0
            if (kind == "in_field") == (data["total"] == 0):
                wrong.append(q)
        out[kind] = {"queries": len(queries), "nothing": empty, "share_nothing": round(empty / len(queries), 3),
                     "no_close": no_close, "share_no_close": round(no_close / len(queries), 3),
                     "misjudged": wrong}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--library", action="append", required=True, help="a library to read signals on (repeatable)")
    ap.add_argument("--lexical-library", action="append", default=[],
                    help="a small library whose rows only the lexical model learns from (repeatable)")
    ap.add_argument("--build-small", default=None,
                    help="a folder for the 45-document library (built there once) the lexical model also learns from")
    ap.add_argument("--close-library", default=None, help="a library holding the 237 theme-labelled reports (figures only)")
    ap.add_argument("--close-judgements", default=str(HERE / "close_judgements.json"),
                    help="reader judgements of hits (query, document, relevant) that fit the close cut-off")
    ap.add_argument("--dump-close", default=None, help="write hits to judge here (from the first --library) and stop")
    ap.add_argument("--dump-queries", type=int, default=30)
    ap.add_argument("--dump-per-query", type=int, default=3)
    ap.add_argument("--shared", default=None)
    ap.add_argument("--in-field-loss", type=float, default=0.0,
                    help="share of in-field questions the cut-off may empty (0: none of the dev ones, cross-validated)")
    ap.add_argument("--close-precision", type=float, default=0.9)
    ap.add_argument("--min-close", type=int, default=10)
    ap.add_argument("--close-unreachable", choices=("keep", "never"), default="keep",
                    help="when no cut-off reaches --close-precision: keep the built-in one, or make nothing close")
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--write", action="store_true", help="write search/ranking/{nomatch,strength}_params.json")
    ap.add_argument("--json", default=None, help="also write every row and figure here")
    ap.add_argument("--measure", action="store_true",
                    help="only measure what the product answers on the first --library with the committed parameters")
    args = ap.parse_args()

    from benchmarks.common import shared_root
    from index.files import atomic_write_bytes
    from index.library import open_library
    from search.ranking import nomatch, strength

    today = dt.date.today().isoformat()
    report: dict = {"date": today, "data": "development (chose weights, regularisation and cut-offs)"}
    if args.measure:
        lib = open_library(args.library[0], create=False)
        report["product"] = measure(lib, query_sets(shared_root(args.shared)))
        for kind, fig in report["product"].items():
            print(kind, json.dumps(fig))
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=1))
        return
    if args.dump_close:  # hits for a reader to judge: the first per query above the built-in cut-off
        lib = open_library(args.library[0], create=False)
        qs = read_queries("in_field.txt")
        qs = random.Random(24).sample(qs, min(args.dump_queries, len(qs)))
        cands = judge_candidates(lib, qs, args.dump_per_query, strength.FITTED.close)
        Path(args.dump_close).write_text(json.dumps(cands, indent=1, ensure_ascii=False))
        print(f"wrote {len(cands)} hits to judge to {args.dump_close}")
        return
    cut = strength.FITTED.close
    if args.close_library:  # the theme labels, reported (they do not separate close from not: see the README)
        lib = open_library(args.close_library, create=False)
        rows, unjudged = close_rows(lib, args.top)
        _, fig = close_cutoff(rows, args.close_precision, args.min_close, strength.FITTED.close)
        report["close_theme_labels"] = {"library": args.close_library, "unjudged_hits": unjudged, **fig}
        print("close on the theme labels:", json.dumps(report["close_theme_labels"]))
        lib.close()
    judgements = json.loads(Path(args.close_judgements).read_text(encoding="utf-8")) \
        if args.close_judgements and Path(args.close_judgements).exists() else []
    if judgements:  # the cut-off: reader judgements of hits on the first library
        lib = open_library(args.library[0], create=False)
        rows, unjudged = judged_rows(lib, judgements, args.top)
        cut, fig = close_cutoff(rows, args.close_precision, args.min_close, strength.FITTED.close)
        reached = cut < 1.0
        if not reached:
            print(f"close: no cut-off reaches {args.close_precision:.0%} precision on the reader judgements;",
                  "keeping the built-in cut-off" if args.close_unreachable == "keep" else "nothing will be close")
            cut = strength.FITTED.close if args.close_unreachable == "keep" else 1.0
            c = np.array([r[0] for r in rows]) >= cut
            fig["close_after"] = int(c.sum())
            fig["close_precision_after"] = round(float(np.array([r[1] for r in rows])[c].mean()), 3) if c.any() else None
        report["close"] = {"reached_target": reached, "cutoff": round(cut, 4), "library": args.library[0], "judgements": args.close_judgements,
                           "unjudged_hits": unjudged, **fig}
        print("close on the reader judgements:", json.dumps(report["close"]))
        if args.write:
            cal = strength.FITTED
            body = {"coef": list(cal.coef), "intercept": cal.intercept, "close": round(cut, 4), "related": cal.related,
                    "fitted": f"{today} by benchmarks/nomatch_calibration.py", "figures_dev": report["close"]}
            atomic_write_bytes(strength.PARAMS, json.dumps(body, indent=1).encode())
        strength.CALIBRATION = strength.Calibration(strength.FITTED.coef, strength.FITTED.intercept, cut,
                                                    strength.FITTED.related)

    sets = query_sets(shared_root(args.shared))
    libs = [open_library(p, create=False) for p in args.library]
    encoders = [nomatch.encoder_of(lib) for lib in libs]
    if any(e != encoders[0] for e in encoders):
        raise SystemExit(f"libraries built with different encoders: {encoders}")
    from search.ranking import ranker

    rows = [r for lib in libs for r in rows_for(lib, sets, strength.CALIBRATION.close)]
    # the word signals of small libraries, where most words of a question of the field are unknown:
    # the lexical model (which cannot tell whether a match is there) must not read them as a mash
    smalls = args.lexical_library + ([str(small_library(Path(args.build_small), shared_root(args.shared)))]
                                     if args.build_small else [])
    small = [r for p in smalls for r in rows_for(open_library(p, create=False), sets, strength.CALIBRATION.close)]
    models, figures = {}, {}
    for name, feats in (("full", nomatch.FULL), ("lexical", nomatch.LEXICAL), ("dense", nomatch.DENSE)):
        rows_all = rows + small if name == "lexical" else rows
        x, y, g = matrix(rows_all, feats)
        # a question of the field none of whose words a small library holds has, by words, nothing
        # there: it does not hold the lexical cut-off down to a mash's level
        counts = np.array([r["signals"]["known"] > 0 for r in rows_all]) if name == "lexical" else None
        ch = choose(x, y, g, args.in_field_loss, counts)
        mean, scale, coef, b = ch["params"]
        models[name] = nomatch.Model(tuple(feats), tuple(map(float, mean)), tuple(map(float, scale)),
                                     tuple(map(float, coef)), b, ch["threshold"])
        p_all = predict(ch["params"], x)
        n = len(rows)  # figures on the main libraries' rows
        figures[name] = {"C": ch["c"], "cv_log_loss": ch["log_loss"], "threshold": round(ch["threshold"], 4),
                         "cross_validated": shares(rows, ch["p_cv"][:n], ch["threshold"]),
                         "fitted_on_all": shares(rows, p_all[:n], ch["threshold"]),
                         "coef": dict(zip(feats, np.round(coef, 3).tolist()))}
        print(name, json.dumps(figures[name]))
        for r, pc in zip(rows, ch["p_cv"][:n]):
            r.setdefault("p_cv", {})[name] = round(float(pc), 4)
    report["nomatch"] = figures
    report["libraries"] = args.library
    for kind in ("in_field", "out_of_field"):  # what the cut-off gets wrong, to read
        wrong = [r for r in rows if r["kind"] == kind and (r["p_cv"]["full"] >= models["full"].threshold) == (kind != "in_field")]
        print(f"{kind} misjudged (cross-validated, full):", [(r["query"], r["p_cv"]["full"]) for r in wrong])
    if args.write:
        body = {"version": f"{today}-nomatch", "encoder": encoders[0],
                "models": {k: m.to_dict() for k, m in models.items()},
                "fitted": f"{today} by benchmarks/nomatch_calibration.py on {', '.join(args.library)}",
                "figures_dev": figures}
        atomic_write_bytes(nomatch.PARAMS, json.dumps(body, indent=1).encode())
        print("wrote", nomatch.PARAMS, "and" if judgements else "", strength.PARAMS if judgements else "")
    if args.json:
        report["rows"] = rows
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
