"""A screen's description read as a conjunction of conditions.

"a child who died by suicide" asks for documents that are about a child *and* about a
suicide; a single similarity to the whole sentence ranks adult suicides and a child's death
from sepsis high, since each is close to half of it. So the description is split into
conditions by its grammar, with no list of topics or phrases:

- quoted phrases are conditions ("a child" "suicide");
- ``AND`` written in capitals, ``&`` and ``+`` join conditions;
- a relative clause starts one ("a child | who died by suicide", "a patient | whose ...");

and each document's prior is the whole description's closeness combined with its *weakest*
condition's (each z-scored over the screen's documents, the weakest by a soft minimum), so a
document must be close to every condition to rank high. A description with one condition is
left as it was."""
from __future__ import annotations

import re

import numpy as np

_QUOTED = re.compile(r"[\"“”]([^\"“”]{2,200})[\"“”]")
_JOIN = re.compile(r"\s+(?:AND|&|\+)\s+|\s*[;]\s*")
_RELATIVE = re.compile(r"\s+(?=(?:who|whose|whom|which|that|where|while)\b)", re.I)
_WORD = re.compile(r"[A-Za-z]{3,}")
SOFTMIN_T = 2.0  # sharpness of the soft minimum over the conditions' z-scores
WHOLE_WEIGHT = 0.5  # the whole description's prior beside the weakest condition's


def conditions(query: str) -> list[str]:
    """The description's conditions (one, the whole description, when it has no structure)."""
    q = " ".join((query or "").split())
    quoted = [m.strip() for m in _QUOTED.findall(q)]
    rest = _QUOTED.sub(" AND ", q)
    parts = [p for chunk in _JOIN.split(rest) for p in _RELATIVE.split(chunk)]
    out = [p.strip(" ,.") for p in quoted + parts]
    out = [p for p in out if _WORD.search(p) and p.upper() != "AND"]
    seen: list[str] = []
    for p in out:
        if p.lower() not in (s.lower() for s in seen):
            seen.append(p)
    return seen if len(seen) >= 2 else [q]


def soft_min(z: np.ndarray, t: float = SOFTMIN_T) -> np.ndarray:
    """Row-wise soft minimum of ``z`` (conditions × documents): -log(mean(exp(-t z))) / t."""
    z = np.asarray(z, dtype=np.float64)
    m = z.min(axis=0)
    return m - np.log(np.mean(np.exp(-t * (z - m)), axis=0)) / t


def combine(whole: np.ndarray, per_condition: list[np.ndarray], universe: np.ndarray) -> np.ndarray:
    """The conjunctive prior: whole description and soft-min of the conditions, each z-scored
    over ``universe``, then z-scored again."""
    if len(per_condition) < 2:
        return whole

    def z(v):
        u = v[universe] if len(universe) else v
        sd = float(u.std()) or 1.0
        return (v - float(u.mean())) / sd

    weakest = soft_min(np.stack([z(c) for c in per_condition]))
    return z(WHOLE_WEIGHT * z(whole) + (1 - WHOLE_WEIGHT) * z(weakest)).astype(np.float32)
