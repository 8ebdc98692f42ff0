"""Acronyms and their expansions, as the library's own documents define them.

Reviews write "Multi-Agency Risk Assessment Conference (MARAC)" once and "MARAC" after;
a small embedding model does not know what MARAC means. Pairs are mined at ingest from
"Expansion (ACR)" and "ACR (Expansion)" where the expansion's initials spell the acronym,
and counted, so a query can be read with both forms."""
from __future__ import annotations

import re
from collections import Counter

from index.store import Store

UPSERT = ("INSERT INTO acronyms VALUES (?, ?, ?)"
          " ON CONFLICT(acronym, expansion) DO UPDATE SET n = n + excluded.n")
MINOR = {"of", "and", "the", "for", "in", "on", "to", "&", "a", "an", "with", "at", "by"}
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
AFTER = re.compile(r"\(\s*([A-Z][A-Za-z]{1,7}?)s?\s*\)")  # "... (MARAC)"
BEFORE = re.compile(r"\b([A-Z][A-Z]{1,7})s?\s*\(\s*([A-Za-z][^()]{4,80}?)\s*\)")  # "MARAC (Multi ...)"


def _initials(words: list[str]) -> str:
    out = []
    for w in words:
        for part in re.split(r"[-–]", w):
            if part and part.lower() not in MINOR:
                out.append(part[0].upper())
    return "".join(out)


def _match(acronym: str, words: list[str]) -> list[str] | None:
    """The shortest tail of ``words`` whose initials spell the acronym."""
    acr = acronym.upper()
    for n in range(1, min(len(words), len(acr) + 4) + 1):
        tail = words[-n:]
        if tail[0].lower() in MINOR:
            continue
        if _initials(tail) == acr:
            return tail
    return None


def find_pairs(text: str) -> list[tuple[str, str]]:
    """(acronym, expansion) pairs that the text defines."""
    pairs = []
    for m in AFTER.finditer(text):
        acr = m.group(1)
        if sum(ch.isupper() for ch in acr) < 2:
            continue
        words = [w.group(0) for w in re.finditer(r"[A-Za-z][A-Za-z'’\-–]*", text[max(0, m.start() - 120): m.start()])]
        tail = _match(acr, words)
        if tail:
            pairs.append((acr.upper(), " ".join(tail).lower()))
    for m in BEFORE.finditer(text):
        acr, inside = m.group(1), m.group(2)
        words = [w.group(0) for w in re.finditer(r"[A-Za-z][A-Za-z'’\-–]*", inside)]
        if words and _initials(words) == acr:
            pairs.append((acr, " ".join(words).lower()))
    return pairs


def record(conn, text: str) -> int:
    """Count the pairs ``text`` defines, inside the caller's transaction."""
    counts = Counter(find_pairs(text))
    conn.executemany(UPSERT, [(a, e, n) for (a, e), n in counts.items()])
    return sum(counts.values())


def expansions(store: Store, text: str) -> dict[str, str]:
    """For each acronym in ``text`` the library defines, its most frequent expansion;
    and for each expansion written out in ``text``, its acronym."""
    c = store.conn
    out: dict[str, str] = {}
    for acr in set(re.findall(r"\b[A-Z][A-Z]{1,7}\b", text)):
        r = c.execute("SELECT expansion FROM acronyms WHERE acronym=? ORDER BY n DESC LIMIT 1", (acr,)).fetchone()
        if r:
            out[acr] = r[0]
    low = " ".join(WORD.findall(text.lower()))
    for acr, exp in c.execute("SELECT acronym, expansion FROM acronyms WHERE n >= 2"):
        if acr not in out and " ".join(WORD.findall(exp)) in low:
            out[exp] = acr
    return out


def expand(store: Store, query: str) -> str:
    """The query with each acronym's expansion (or each expansion's acronym) beside it."""
    extra = [f"{b}" for a, b in expansions(store, query).items()]
    return query if not extra else f"{query} ({'; '.join(extra)})"
