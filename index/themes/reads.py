"""Themes read for pages, the CLI and search hits (JSON-ready dicts); the rows are written by
``index.themes.store``.

``list_themes(lib, level=None) -> {"themes": [theme, ...]}``
    Broad themes first, then specific, each by size. A theme is
    ``{"id", "label", "parent", "size" (findings), "documents" (distinct documents),
    "first_seen", "last_seen" (document dates, YYYY-MM-DD or None), "by_year"
    ({"2019": documents that year}), "finding_ids", "level" (1 broad, 2 specific),
    "children", "top_terms", "renamed", "exemplars" ([{"finding_id", "document_id",
    "title", "date", "text", "score"}], closest to the centroid), "document_types"
    ({"pfd_report": n documents}), "top_recipients" ([{"name", "documents"}], from the
    findings' addressees), "actions" ({"count", "documents", "by_status", "by_kind"})}``.
``get_theme(lib, theme_id) -> dict | None``
    One theme as above plus ``"members"`` ([{"finding_id", "document_id", "title",
    "date", "type", "text", "score", "how"}]), ``"action_items"`` (the actions linked
    to member findings through action_findings) and ``"edits"`` (its log entries).
``theme_of_finding(lib, finding_id) -> {"id", "label", "documents", "since", "parent",
"size"} | None``; ``themes_of_findings(lib, ids) -> {finding_id: same}`` for search hits
("recurs in N documents since YEAR").
``has_themes``, ``built_findings``, ``why_no_themes`` (the empty list explained) and
``edit_log`` (people's edits, oldest first) read the store's state.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from typing import Iterable

from index.schema import ensure_library_schema as ensure_schema  # the tables: index/schema.py
from index.themes.cluster import MISC_LABEL


# ---- the store's state ------------------------------------------------------------------------
def edit_log(conn) -> list[dict]:
    """People's edits to themes, oldest first: ``{"id", "at", "op", "theme_id", "args",
    "members" (the member snapshots they were made on), "status"}``."""
    return [
        {"id": r["id"], "at": r["at"], "op": r["op"], "theme_id": r["theme_id"], "args": json.loads(r["args"]),
         "members": json.loads(r["members"]), "status": r["status"]}
        for r in conn.execute("SELECT * FROM theme_edits ORDER BY id")
    ]


def has_themes(lib) -> bool:
    """Whether any theme has been built (without listing them)."""
    return lib.store.conn.execute("SELECT 1 FROM themes LIMIT 1").fetchone() is not None


def built_findings(lib) -> int | None:
    """How many findings the library held at the last full build (None: never built)."""
    r = lib.store.conn.execute("SELECT value FROM theme_state WHERE key='built_findings'").fetchone()
    return int(r[0]) if r else None


# ---- reads ----------------------------------------------------------------------------------------
_ROLE = re.compile(r"\b(chief|director|secretary|chair|minister|executive|head|officer|manager|commissioner|"
                   r"registrar|president|ceo|principal|governor|clerk|lead|dean)\b", re.I)


def normalise_recipient(name: str) -> str:
    """"The Chief Executive, NHS England" -> "NHS England"."""
    n = re.sub(r"\s+", " ", name or "").strip(" ,.;")
    if "," in n:
        head, tail = n.split(",", 1)
        if _ROLE.search(head) and tail.strip():
            n = tail.strip(" ,.;")
    n = re.sub(r"^(the|to)\s+", "", n, flags=re.I)
    return n


def canonical_org(name: str) -> str:
    """The organisation's canonical name (``corpus.orgs.keys.normalise_org``), or the
    recipient string without its role when no organisation is recognised."""
    try:
        from corpus.orgs import normalise_org
    except ImportError:  # pragma: no cover - corpus.orgs.keys ships with the project
        return normalise_recipient(name)
    org = normalise_org(name)
    return org.name if org.key else normalise_recipient(name)


def _year(d: str | None) -> str | None:
    return d[:4] if d and re.match(r"\d{4}", d) else None


def _theme_dicts(lib, only: set[int] | None = None, level: int | None = None, detail: bool = False) -> list[dict]:
    ensure_schema(lib)
    c = lib.store.conn
    rows = c.execute("SELECT id, level, parent, label, renamed, top_terms FROM themes ORDER BY id").fetchall()
    rows = [r for r in rows if (only is None or r[0] in only) and (level is None or r[1] == level)]
    if not rows:
        return []
    wanted = {r[0] for r in rows}
    children: dict[int, list[int]] = defaultdict(list)
    for r in c.execute("SELECT id, parent FROM themes WHERE parent IS NOT NULL ORDER BY id"):
        children[r[1]].append(r[0])
    members: dict[int, list] = defaultdict(list)
    q = ("SELECT tm.theme_id, tm.finding_id, tm.score, tm.how, f.document_id, f.addressees, f.text, "
         "d.date, d.type, d.title FROM theme_members tm JOIN findings f ON f.id=tm.finding_id "
         "JOIN documents d ON d.id=f.document_id")
    for r in c.execute(q):
        if r[0] in wanted:
            members[r[0]].append(r)
    all_f = {m[1] for ms in members.values() for m in ms}
    acts: dict[int, list] = defaultdict(list)
    for r in c.execute("SELECT af.finding_id, a.id, a.document_id, a.kind, a.text, a.owner, a.due, a.status "
                       "FROM action_findings af JOIN actions a ON a.id=af.action_id"):
        if r[0] in all_f:
            acts[r[0]].append(r)
    out = []
    for r in rows:
        ms = members.get(r[0], [])
        docs: dict[int, tuple] = {}
        for m in ms:
            docs.setdefault(m[4], (m[7], m[8]))
        dates = sorted(d for d, _ in docs.values() if d)
        by_year = Counter(_year(d) for d, _ in docs.values() if _year(d))
        recips: dict[str, set] = defaultdict(set)
        for m in ms:
            try:
                adds = json.loads(m[5] or "[]")
            except ValueError:
                adds = []
            for a in adds:
                n = canonical_org(str(a))
                if n:
                    recips[n].add(m[4])
        ex, seen_docs = [], set()   # the most central findings, one per document
        for m in sorted((m for m in ms if m[2] is not None), key=lambda m: (-m[2], m[1])):
            if m[4] not in seen_docs and len(ex) < 2:
                ex.append(m)
                seen_docs.add(m[4])
        action_rows = {a[1]: a for m in ms for a in acts.get(m[1], [])}
        d = {
            "id": r[0],
            "label": r[3] or _fallback_label(r[0], [m[6] for m in ex]),
            "parent": r[2],
            "size": len(ms),
            "documents": len(docs),
            "first_seen": dates[0] if dates else None,
            "last_seen": dates[-1] if dates else None,
            "by_year": {y: by_year[y] for y in sorted(by_year)},
            "finding_ids": sorted(m[1] for m in ms),
            "level": r[1],
            "children": children.get(r[0], []),
            "renamed": bool(r[4]),
            "top_terms": json.loads(r[5]),
            "exemplars": [{"finding_id": m[1], "document_id": m[4], "title": m[9], "date": m[7],
                           "text": _excerpt(m[6]), "quote": _quote(m[6], (r[3] or "") + " " + " ".join(json.loads(r[5])[:5])),
                           "score": round(m[2], 3),
                           "href": f"/documents/{m[4]}#f{m[1]}"} for m in ex],
            "document_types": dict(Counter(t for _, t in docs.values()).most_common()),
            "top_recipients": [{"name": n, "documents": len(s)} for n, s in
                               sorted(recips.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:8]],
            "actions": {
                "count": len(action_rows),
                "documents": len({a[2] for a in action_rows.values()}),
                "by_status": dict(Counter(a[7] or "unknown" for a in action_rows.values())),
                "by_kind": dict(Counter(a[3] for a in action_rows.values())),
            },
        }
        if detail:
            d["members"] = [{"finding_id": m[1], "document_id": m[4], "title": m[9], "date": m[7], "type": m[8],
                             "text": m[6], "score": None if m[2] is None else round(m[2], 3), "how": m[3]}
                            for m in sorted(ms, key=lambda m: (m[7] or "", m[1]))]
            d["action_items"] = [{"id": a[1], "document_id": a[2], "kind": a[3], "text": a[4], "owner": a[5],
                                  "due": a[6], "status": a[7]} for _, a in sorted(action_rows.items())]
        out.append(d)
    # the miscellaneous bucket after the themes it is no part of
    out.sort(key=lambda d: (d["level"], d["level"] == 1 and d["label"] == MISC_LABEL, -d["size"], d["id"]))
    return out


def _fallback_label(theme_id: int, exemplar_texts: list[str]) -> str:
    """When no keyphrase stands out, the opening words of the most central finding."""
    for t in exemplar_texts:
        words = re.sub(r"\s+", " ", t or "").strip().split(" ")
        if len(words) >= 3:
            return " ".join(words[:8]).rstrip(",.;:") + ("…" if len(words) > 8 else "")
    return f"Theme {theme_id}"


def _quote(t: str, about: str, n: int = 300) -> str:
    """The sentence of ``t`` that says most of what the theme is about (its name and top terms):
    the quote a page shows, cut at ``n`` characters."""
    words = {w for w in re.findall(r"[a-z]{3,}", about.lower())}
    sents = [x.strip() for x in re.split(r"(?<=[.;!?])\s+", re.sub(r"\s+", " ", t or "").strip()) if len(x.strip()) > 20]
    if not sents or not words:
        return _excerpt(t, n)
    best = max(sents, key=lambda x: (len(words & set(re.findall(r"[a-z]{3,}", x.lower()))), -sents.index(x)))
    return _excerpt(best, n)


def _excerpt(t: str, n: int = 300) -> str:
    t = re.sub(r"\s+", " ", t or "").strip()
    return t if len(t) <= n else t[: n - 1].rsplit(" ", 1)[0] + "…"


def list_themes(lib, level: int | None = None) -> dict:
    """Every theme (or those of ``level``), broad first, each by size; see the module docstring."""
    return {"themes": _theme_dicts(lib, level=level)}


def why_no_themes(lib) -> str:
    """Why the theme list is empty: nothing to group, never built, or built and nothing recurs."""
    total = lib.store.count("findings")
    built = built_findings(lib)
    if not total:
        return ("No themes yet: the library holds no concerns or recommendations to group "
                "(ingest reports, reviews or inspections first).")
    if built is None:
        return (f"No themes yet: the library's {total} finding{'' if total == 1 else 's'} have not been grouped; "
                "themes are built when an ingest ends (`precedent themes rebuild` builds them now).")
    return (f"No recurring themes: the last build grouped the library's {built} finding{'' if built == 1 else 's'} and "
            "found none worded alike in several documents. Themes are rebuilt as the library grows "
            "(`precedent themes rebuild` forces one).")


def get_theme(lib, theme_id: int) -> dict | None:
    """One theme with its members, action items and edits (None: no such theme)."""
    ds = _theme_dicts(lib, only={int(theme_id)}, detail=True)
    if not ds:
        return None
    d = ds[0]
    d["edits"] = [{"id": e["id"], "at": e["at"], "op": e["op"], "theme_id": e["theme_id"], "args": e["args"],
                   "status": e["status"]} for e in edit_log(lib.store.conn)
                  if e["theme_id"] == d["id"] or d["id"] in e["args"].get("parts", [])
                  or e["args"].get("other") == d["id"]]
    # the broader and the specific themes by name, not bare ids (the page and `themes show --json` alike)
    related = {int(c) for c in d.get("children") or [] if isinstance(c, int)} | ({int(d["parent"])} if d.get("parent") else set())
    labels = {t["id"]: t["label"] for t in _theme_dicts(lib, only=related)} if related else {}
    d["parent_theme"] = {"id": d["parent"], "label": labels.get(d["parent"])} if d.get("parent") else None
    d["child_themes"] = [{"id": c, "label": labels.get(c)} for c in d.get("children") or [] if isinstance(c, int)]
    return d


def themes_of_findings(lib, finding_ids: Iterable[int]) -> dict[int, dict]:
    """{finding_id: {"id","label","documents","since","parent","size"}} for the specific
    theme of each finding that has one."""
    ensure_schema(lib)
    fids = sorted(set(int(i) for i in finding_ids))
    c = lib.store.conn
    out: dict[int, dict] = {}
    cache: dict[int, dict] = {}
    for k in range(0, len(fids), 500):
        part = fids[k : k + 500]
        q = (f"SELECT tm.finding_id, t.id, t.label, t.parent FROM theme_members tm JOIN themes t ON t.id=tm.theme_id "
             f"WHERE tm.finding_id IN ({','.join('?' * len(part))}) ORDER BY t.level DESC")
        for r in c.execute(q, part):
            if r[0] in out:
                continue
            if r[1] not in cache:
                s = c.execute(
                    "SELECT COUNT(*), COUNT(DISTINCT f.document_id), MIN(d.date) FROM theme_members tm "
                    "JOIN findings f ON f.id=tm.finding_id JOIN documents d ON d.id=f.document_id "
                    "WHERE tm.theme_id=?", (r[1],)).fetchone()
                y = _year(s[2])
                cache[r[1]] = {"id": r[1], "label": r[2] or f"Theme {r[1]}", "documents": s[1], "since": int(y) if y else None,
                               "parent": r[3], "size": s[0]}
            out[r[0]] = cache[r[1]]
    return out


def theme_of_finding(lib, finding_id: int) -> dict | None:
    """The specific theme of one finding, as ``themes_of_findings`` gives it (None: none)."""
    return themes_of_findings(lib, [finding_id]).get(int(finding_id))


