"""One name per coroner area, however a report spells it.

``area_key(spelling) -> str`` is the same for "Greater Manchester South", "Manchester South",
"Manchester (South)", "South Manchester" and "Coroner Area of Greater Manchester South": the
area's words, lower-cased, without punctuation, order, the filler words an area name is
written with ("the", "of", "and", "area", "coroner", "coronial", "jurisdiction", "district",
"county", "greater") and an address or second name run on after it; compass words are read
one way ("Eastern", "(E)" are "east"). ``group_areas(counts)`` then joins, within one
library's spellings, a spelling to another whose key is the same but for the word "city"
("City of Sunderland", "Sunderland"), and names each group by its most frequent spelling:
``{spelling: display name}``. A misspelt name ("Hertofdshlre") stays apart: a one-letter
rule would join "Herefordshire" to "Hertfordshire", two areas.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Mapping

__all__ = ["area_key", "group_areas"]

_FILLER = {"the", "of", "and", "area", "coroner", "coroners", "coronial", "jurisdiction", "district", "county",
           "greater", "senior", "for"}
_COMPASS = {"e": "east", "eastern": "east", "w": "west", "western": "west", "n": "north", "northern": "north",
            "s": "south", "southern": "south"}
# an address or a second name run on after the area: a street number, a postcode, "Coroner's Court", ";"
_RUN_ON = re.compile(r";|,\s*\d|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b|\bCoroner['’]?s\s+Court\b|\bSt\.?\s+Pancras\b",
                     re.I)


def area_key(spelling: str | None) -> str:
    """The words that identify a coroner area, sorted ("" for none)."""
    a = " ".join((spelling or "").split())
    m = _RUN_ON.search(a)
    if m and m.start() > 0:
        a = a[: m.start()]
    a = a.replace("&", " and ").replace("-", " ")
    words = re.findall(r"[a-z]+", a.lower())
    out = [_COMPASS.get(w, w) for w in words if w not in _FILLER]
    return " ".join(sorted(out))


def group_areas(counts: Mapping[str, int]) -> dict[str, str]:
    """``{spelling: display name}`` for every spelling in ``counts`` (spelling -> documents)."""
    by_key: dict[str, Counter] = {}
    for s, n in counts.items():
        if s and s.strip():
            by_key.setdefault(area_key(s), Counter())[s] += int(n)
    size = {k: sum(c.values()) for k, c in by_key.items()}
    target: dict[str, str] = {}
    for k in sorted(by_key, key=lambda k: size[k]):
        if not k:
            continue
        bare = " ".join(w for w in k.split() if w != "city")
        cands = [o for o in by_key if o != k and o and size[o] > size[k]
                 and (o == bare or " ".join(w for w in o.split() if w != "city") == bare)]
        if cands:
            target[k] = max(cands, key=lambda o: size[o])

    def root(k: str) -> str:
        seen = set()
        while k in target and k not in seen:
            seen.add(k)
            k = target[k]
        return k

    groups: dict[str, Counter] = {}
    for k, c in by_key.items():
        groups.setdefault(root(k), Counter()).update(c)
    names = {g: c.most_common(1)[0][0] for g, c in groups.items()}
    return {s: names[root(k)] for k, c in by_key.items() for s in c}
