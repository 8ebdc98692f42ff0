"""Fit and check the strength of a hit (search/ranking/strength.py) on labelled queries.

Labelled sets, each over its own library built with the real model:

* ``dev``: the eight theme definitions over the 237 labelled reports (eval/themes-dev*);
* ``categories``: the tracker's report categories over a sample of categorised reports
  (the library ``benchmarks/ranking_cv.py`` uses);
* ``cross``: the judged cross-type queries and the seed paraphrases of
  ``benchmarks/cross_type_eval.py``;
* negatives: random-word queries, keyboard mashes and queries from unrelated fields, run
  on every library; none of their hits is relevant.

For every query the product's ranking is taken (search.ranking.ranker.rank, the product's pool)
and its first ``--top`` hits in page order become rows: the hit's signals (cosine, cover,
agree) and whether its document is judged relevant. A logistic regression maps signals to
P(relevant); the "close" cut-off is the lowest probability at which the training rows
reach ``--close-precision``, raised if need be above every training negative (nothing a
nonsense query brought back may be close); "related" starts above the probability of 95% of the hits of
the training negatives (random words, mashes, unrelated fields): a hit is related when it
is more like a precedent than nearly anything nonsense brings back.

What the labels can say: the dev and category labels are per document and topical (a
report *about* family involvement), so within a labelled query's hits about 60% are
relevant whatever their signals; they separate on-topic from nonsense far better than
they separate "the same problem" from "the same topic".

Held out: leave one labelled set out (fit on the others and on negatives of one random
seed), report on the held-out set the precision of "close" (and how many relevant hits it
catches), and on negatives of another seed how many queries got any close hit. Then a fit
on everything (both seeds of negatives included) is printed, to be copied into
search/ranking/strength.py.

    python -m benchmarks.strength_calibration --dev-library D --cat-library C --cross-library X
"""
from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import numpy as np

FEATURES: list[str] = []  # the signals fitted (--features; default search.ranking.strength.FEATURES)

WORDS = """apple banana guitar violin orbit comet galaxy planet saxophone pancake waffle syrup cinnamon
tennis cricket football rugby golf marathon bicycle helmet kayak canoe mountain glacier volcano
desert cactus tulip daisy orchid penguin giraffe elephant dolphin octopus lobster parrot owl
telescope microscope magnet crystal diamond emerald marble granite pottery sculpture painting
canvas poetry novel opera ballet symphony trumpet drum piano cello harp chess puzzle riddle
dragon castle wizard knight pirate treasure island lighthouse harbour sailboat anchor compass
recipe oven biscuit cupcake noodle dumpling curry pepper garlic onion tomato cucumber lettuce
mango pineapple coconut strawberry blueberry cherry lemon orange peach plum walnut almond
umbrella raincoat scarf sweater jacket slipper sandal sneaker backpack suitcase passport ticket
keyboard monitor printer laptop router satellite rocket astronaut nebula eclipse sunrise rainbow
thunder breeze meadow orchard vineyard cheese yoghurt butter honey jam toast cereal porridge""".split()
KEYS = "qwertyuiopasdfghjklzxcvbnm"
UNRELATED = [
    "quarterly dividend yield of mining company shares",
    "how to keep a sourdough starter alive over the summer",
    "offside rule changes in professional football leagues",
    "best lenses for photographing birds in flight",
    "tuning a twelve string acoustic guitar",
    "migration routes of arctic terns across the atlantic",
    "baroque counterpoint exercises for beginners",
    "resin printing settings for miniature models",
    "comparing mortgage rates for first time buyers",
    "pruning roses in late winter",
]


def random_queries(seed: int, n: int = 10) -> list[str]:
    rng = random.Random(seed)
    words = [" ".join(rng.sample(WORDS, 3)) for _ in range(n)]
    mashes = [" ".join("".join(rng.choice(KEYS) for _ in range(rng.randint(4, 9))) for _ in range(rng.randint(1, 3)))
              for _ in range(n)]
    return words + mashes


def rows_for(lib, queries: list[tuple[str, set[int]]], top: int) -> list[tuple[list[float], int, str]]:
    """[({signal: value}, relevant 0/1, query)] for the first ``top`` hits of each query, page order."""
    from search.ranking import ranker

    out = []
    for q, rel in queries:
        ranking = ranker.rank(lib, q, "hybrid", prune=False)
        for h in ranking.ordered()[:top]:
            s = h.signals
            out.append(({k: v for k, v in s.items() if k != "probability"}, int(h.document_id in rel), q))
    return out


def labelled_sets(args) -> dict[str, tuple[object, list[tuple[str, set[int]]]]]:
    from benchmarks import cross_type_eval as cx
    from benchmarks import ranking_cv as rc
    from index.library import open_library
    from search import evaluate as ev

    out = {}
    for name, (lib, queries) in (("dev", rc.dev_set(args.dev_library)), ("categories", rc.category_set(args.cat_library))):
        keys = ev.document_keys(lib)
        out[name] = (lib, [(q.text, {d for d, ks in keys.items() if ks & q.relevant}) for q in queries])
    lib = open_library(args.cross_library, create=False)
    judged = cx.judge(lib)
    sources = dict(lib.store.conn.execute("SELECT id, source FROM documents").fetchall())
    para = [(q, {d for d, s in sources.items() if Path(s).name.startswith(prefix)}) for q, prefix in cx.PARAPHRASES]
    out["cross"] = (lib, [(q, rel) for q, rel in judged.items() if rel] + para)
    return out


def features(rows) -> np.ndarray:
    """The fitted signals of each row, as a matrix."""
    return np.array([[r[0].get(f, 0.0) for f in FEATURES] for r in rows]).reshape(len(rows), len(FEATURES))


def fit(rows) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    x = features(rows)
    y = np.array([r[1] for r in rows])
    m = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
    return m.coef_[0], float(m.intercept_[0])


def prob(coef, intercept, x) -> np.ndarray:
    return 1 / (1 + np.exp(-(np.asarray(x) @ coef + intercept)))


def cutoff(p: np.ndarray, y: np.ndarray, precision: float, min_rows: int = 10) -> float:
    """The lowest probability t at which rows with p >= t reach ``precision``."""
    order = np.argsort(-p)
    hits = np.cumsum(y[order])
    n = np.arange(1, len(p) + 1)
    ok = [i for i in range(len(p)) if n[i] >= min_rows and hits[i] / n[i] >= precision]
    return float(p[order][max(ok)]) if ok else 1.0


def check(coef, intercept, close, related, rows) -> dict:
    x = features(rows)
    y = np.array([r[1] for r in rows])
    p = prob(coef, intercept, x)
    c = p >= close
    r = (p >= related) & ~c
    return {"hits": int(len(y)), "relevant": int(y.sum()),
            "close": int(c.sum()), "close_precision": round(float(y[c].mean()), 3) if c.any() else None,
            "close_recall": round(float(y[c].sum() / max(y.sum(), 1)), 3),
            "related": int(r.sum()), "related_precision": round(float(y[r].mean()), 3) if r.any() else None,
            "weak_precision": round(float(y[~(c | r)].mean()), 3) if (~(c | r)).any() else None,
            "queries": len({row[2] for row in rows}),
            "queries_with_close": len({row[2] for row, cc in zip(rows, c) if cc})}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dev-library", required=True)
    ap.add_argument("--cat-library", required=True)
    ap.add_argument("--cross-library", required=True)
    ap.add_argument("--top", type=int, default=20)
    ap.add_argument("--close-precision", type=float, default=0.7)
    ap.add_argument("--negative-quantile", type=float, default=95.0)
    ap.add_argument("--json", default=None)
    ap.add_argument("--features", default=None, help="signals the model reads, comma-separated (default: search.ranking.strength's)")
    args = ap.parse_args()
    from search.ranking import strength

    FEATURES[:] = args.features.split(",") if args.features else list(strength.FEATURES)

    sets = labelled_sets(args)
    rows = {name: rows_for(lib, qs, args.top) for name, (lib, qs) in sets.items()}
    libs = [lib for lib, _ in sets.values()]
    neg_train = [r for lib in libs for r in rows_for(lib, [(q, set()) for q in random_queries(1) + UNRELATED[:5]], args.top)]
    neg_test = [r for lib in libs for r in rows_for(lib, [(q, set()) for q in random_queries(2) + UNRELATED[5:]], args.top)]
    out: dict = {"top": args.top, "features": FEATURES, "held_out": {}}
    for held in rows:
        train = [r for name, rs in rows.items() if name != held for r in rs] + neg_train
        coef, b = fit(train)
        p = prob(coef, b, features(train))
        y = np.array([r[1] for r in train])
        pn = prob(coef, b, features(neg_train))
        close = max(cutoff(p, y, args.close_precision), float(pn.max()) + 1e-3)
        related = float(np.percentile(pn, args.negative_quantile))
        out["held_out"][held] = {"fit_on": [n for n in rows if n != held], "coef": [round(float(c), 3) for c in coef],
                                 "intercept": round(b, 3), "close_at": round(close, 3), "related_at": round(related, 3),
                                 "held_out": check(coef, b, close, related, rows[held]),
                                 "random_queries": check(coef, b, close, related, neg_test)}
    # the model to ship: every labelled set and both seeds of negatives (the held-out checks
    # above are the figures to quote; tests/search/test_strength_real.py checks a third seed)
    everything = [r for rs in rows.values() for r in rs] + neg_train + neg_test
    coef, b = fit(everything)
    p = prob(coef, b, features(everything))
    y = np.array([r[1] for r in everything])
    pn = prob(coef, b, features(neg_train + neg_test))
    close = max(cutoff(p, y, args.close_precision), float(pn.max()) + 1e-3)
    related = float(np.percentile(pn, args.negative_quantile))
    out["all"] = {"coef": [round(float(c), 3) for c in coef], "intercept": round(b, 3),
                  "close_at": round(close, 3), "related_at": round(related, 3),
                  "in_sample": {n: check(coef, b, close, related, rs) for n, rs in rows.items()},
                  "random_queries_in_sample": check(coef, b, close, related, neg_test)}
    print(json.dumps(out, indent=1))
    out["rows"] = {n: rs for n, rs in rows.items()} | {"negatives_train": neg_train, "negatives_test": neg_test}
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
