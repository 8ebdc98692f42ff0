"""Whether anything in the library matches a query at all.

The ranker always has a "best" hit: dense search finds the nearest passages of any text, a
keyboard mash included, and keyword search finds whatever shares a common word with an
everyday question ("best pizza in Naples"). Showing those as results says "here are
precedents" when there are none. This module reads query-level evidence that means the
same for every query and asks a small fitted model whether the library holds a match:

* ``known``: the share of the query's content words that occur in the library's passages
  (a mash's "words" occur nowhere);
* ``commonness``: how usual the query's words are in the library, each word's
  log(1 + passages holding it) / log(1 + passages), averaged (zero for an unknown word);
* ``best_cover``: the best hit's share of the query's words, weighted by rarity (IDF);
* ``top_cosine``: the best hit's cosine with the query (the encoder's view of meaning);
* ``cosine10``: the mean cosine of the ten best hits (a question of the field has many
  near passages, an outsider one or two incidental ones).

A logistic regression (standardised signals, L2-regularised) turns them into the
probability that the query belongs to the library's field; below the fitted cut-off the
answer is empty, with the reason. Three models are fitted by
``python -m benchmarks.nomatch_calibration`` and stored in ``nomatch_params.json``:
``full`` (every signal) for libraries built with the encoder the fit ran on, and
``lexical`` (``known`` and ``best_cover``) for keyword-only searches and for libraries built with
another encoder (a tuned one), whose cosines live on another scale — until the fit is rerun
on such a library (it also learns from small libraries, where most words of a field question
are unknown, so it empties little besides a mash); and ``dense`` (the cosines only) for a query with no word the library
indexes ("A&E": single letters are not indexed), which the other two would read as a mash.
Without the parameters file nothing is ever emptied."""
from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.termstats import document_frequencies

from search.ranking.text import term_stems

log = logging.getLogger(__name__)

PARAMS = Path(__file__).with_name("nomatch_params.json")
FULL = ("known", "commonness", "best_cover", "top_cosine", "cosine10")
# without the cosines (and without commonness, which in a small library is low for every word)
LEXICAL = ("known", "best_cover")
DENSE = ("top_cosine", "cosine10")  # for a query with no word the library indexes ("A&E")
TOP = 10  # hits the mean cosine is taken over


@dataclass(frozen=True)
class Model:
    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float  # P(in field) below which nothing matches

    def probability(self, signals: dict[str, float]) -> float:
        z = self.intercept + sum(c * (float(signals.get(f, 0.0)) - m) / (s or 1.0)
                                 for f, m, s, c in zip(self.features, self.mean, self.scale, self.coef))
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    def to_dict(self) -> dict:
        return {"features": list(self.features), "mean": [round(x, 6) for x in self.mean],
                "scale": [round(x, 6) for x in self.scale], "coef": [round(x, 6) for x in self.coef],
                "intercept": round(self.intercept, 6), "threshold": round(self.threshold, 6)}

    @classmethod
    def from_dict(cls, d: dict) -> "Model":
        feats = tuple(d["features"])
        if not set(feats) <= set(FULL) or not all(len(d[k]) == len(feats) for k in ("mean", "scale", "coef")):
            raise ValueError("features or sizes do not match")
        return cls(feats, tuple(map(float, d["mean"])), tuple(map(float, d["scale"])), tuple(map(float, d["coef"])),
                   float(d["intercept"]), float(d["threshold"]))


@dataclass(frozen=True)
class Params:
    encoder: dict  # library.json's model, encoder and encoder_build the full model was fitted on
    full: Model
    lexical: Model
    version: str = ""
    dense: Model | None = None


@dataclass
class Verdict:
    """The answer to "does anything in the library match?"."""
    nothing: bool
    probability: float | None  # P(in field); None without parameters
    model: str  # "full", "lexical" or "none"
    signals: dict = field(default_factory=dict)
    reason: str | None = None
    threshold: float | None = None  # the model's cut-off on ``probability``

    def to_dict(self) -> dict:
        return {"nothing_matches": self.nothing, "model": self.model, "reason": self.reason,
                "probability": None if self.probability is None else round(self.probability, 4),
                "threshold": None if self.threshold is None else round(self.threshold, 4),
                "signals": {k: round(v, 4) for k, v in self.signals.items() if isinstance(v, float)}}


def load(path: str | Path = PARAMS) -> Params | None:
    """The fitted parameters, or None (missing or unreadable: nothing is ever emptied)."""
    try:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        models = d["models"]
        return Params(dict(d["encoder"]), Model.from_dict(models["full"]), Model.from_dict(models["lexical"]),
                      str(d.get("version", "")), Model.from_dict(models["dense"]) if "dense" in models else None)
    except FileNotFoundError:
        log.warning("no-match parameters missing (%s): no query is ever answered 'nothing matches'", path)
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.warning("no-match parameters unreadable (%s): %s", path, e)
    return None


@lru_cache(maxsize=1)
def _default() -> Params | None:
    return load()


def encoder_of(lib) -> dict:
    """What built the library's vectors, as the parameters record it."""
    meta = getattr(lib, "meta", {}) or {}
    return {"model": meta.get("model"), "encoder": lib.encoder, "encoder_build": meta.get("encoder_build")}


def word_signals(lib, query: str) -> tuple[dict[str, float], int, int]:
    """({known, commonness}, content words, of them in the library)."""
    stems = term_stems(query)
    if not stems:
        return {"known": 0.0, "commonness": 0.0}, 0, 0
    n, df = document_frequencies(lib.store, stems)
    held = [df.get(s, 0) for s in stems]
    known = sum(1 for x in held if x > 0)
    common = sum(math.log1p(x) for x in held) / (len(held) * math.log1p(max(n, 1)))
    return {"known": known / len(stems), "commonness": common}, len(stems), known


def signals(lib, query: str, hits) -> tuple[dict[str, float], int, int]:
    """Every signal of :data:`FULL` for ``query`` and its ranked ``hits`` (search.ranking.ranker
    hits with their strength signals), with the counts of :func:`word_signals`."""
    out, n, known = word_signals(lib, query)
    cos = sorted((float(h.signals.get("cosine", 0.0)) for h in hits), reverse=True)[:TOP]
    out["best_cover"] = max((float(h.signals.get("cover", 0.0)) for h in hits), default=0.0)
    out["top_cosine"] = cos[0] if cos else 0.0
    out["cosine10"] = float(np.mean(cos)) if cos else 0.0
    return out, n, known


def judge(lib, query: str, hits, mode: str = "hybrid", params: Params | None = None) -> Verdict:
    """Whether nothing in ``lib`` matches ``query``, from its ranked ``hits``."""
    params = params if params is not None else _default()
    sig, n, known = signals(lib, query, hits)
    if params is None:
        return Verdict(False, None, "none", sig)
    use_full = mode != "keyword" and encoder_of(lib) == params.encoder
    if n == 0:  # no word to weigh ("A&E", "x"): the cosines alone, when they can be read
        if not use_full or params.dense is None:
            return Verdict(False, None, "none", sig)
        name, model = "dense", params.dense
    else:
        name, model = ("full", params.full) if use_full else ("lexical", params.lexical)
    p = model.probability(sig)
    if p >= model.threshold:
        return Verdict(False, p, name, sig, None, model.threshold)
    words = ("none of its words occurs" if not known else f"{known} of its {n} words occur") \
        if n else "it has no word the library indexes"
    near = f"; the nearest passage is far from it in meaning (similarity {sig['top_cosine']:.2f})" if use_full else ""
    reason = (f"{words[0].upper()}{words[1:]} in the library's documents{near}. Estimated chance that the "
              f"library holds a match: {p:.0%} (the cut-off is {model.threshold:.0%}).")
    return Verdict(True, p, name, sig, reason, model.threshold)
