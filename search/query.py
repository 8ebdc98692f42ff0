"""What a user's search returns: concerns with the actions taken on them.

Retrieval (search.engine) ranks passages and findings separately; here a passage hit is
folded into the finding it overlaps, so each hit is *a concern and what was done about it*,
with passages as the fallback for text outside any finding. Then filters, facets,
near-duplicate collapsing and a per-document cap keep one case from filling the page."""
from __future__ import annotations

import json
import os
from collections import Counter
from functools import lru_cache
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from index.acronyms import expand
from index.library import Library

from .engine import fuse, keyword_passages
from .keyword import keyword_ranking
from .text import fts_query, highlight_spans, phrases

FILTER_KEYS = ("type", "date_from", "date_to", "area", "recipient", "theme", "status", "has_response")
PER_DOCUMENT = 3  # hits one document may hold in a page of results
DUPLICATE_COSINE = 0.95
# candidates per list (dense and keyword, passages and findings): the facet counts and
# "total" are over these, and the cost of a query grows with them
POOL = int(os.environ.get("PRECEDENT_POOL", 100))
WARN_HITS = 5  # top hits that get "warned before" (earlier similar concerns to the same organisation)
# neighbours of each such hit searched for earlier findings to the same organisation: a
# search page looks a fixed distance, so its cost does not grow with the library (the case
# and organisation pages look further)
WARN_POOL = 100


@dataclass
class Hit:
    document_id: int
    finding_id: int | None
    passage_id: int | None
    score: float = 0.0
    similar: list[dict] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return ("f", self.finding_id) if self.finding_id else ("p", self.passage_id)


def _in(ids) -> str:
    return ",".join("?" * len(ids))


def keyword_findings(lib: Library, query: str, n: int, candidates=()) -> list[tuple[int, float]]:
    return keyword_ranking(lib, query, n, "findings", candidates)


def _retrieve(lib: Library, query: str, mode: str, pool: int) -> tuple[list, list]:
    """(passage ranking, finding ranking), each fused over dense and keyword."""
    want_dense, want_kw = mode in ("hybrid", "dense"), mode in ("hybrid", "keyword")
    # the model reads the query with the library's own expansions of its acronyms
    dense_text = expand(lib.store, query) if want_dense else query
    vec = lib.embedder.encode([dense_text])[0] if want_dense else None  # encoded once, searched twice
    p_dense = lib.passages.search(vec, pool) if want_dense else []
    p_kw = keyword_passages(lib, query, pool, [i for i, _ in p_dense]) if want_kw else []
    f_dense = lib.findings.search(vec, pool) if want_dense else []
    f_kw = keyword_findings(lib, query, pool, [i for i, _ in f_dense]) if want_kw else []
    if phrases(query):  # quoted phrases are required
        p_ok, f_ok = {i for i, _ in p_kw}, {i for i, _ in f_kw}
        p_dense = [x for x in p_dense if x[0] in p_ok]
        f_dense = [x for x in f_dense if x[0] in f_ok]
    if mode == "hybrid":
        return fuse(p_dense, p_kw), fuse(f_dense, f_kw)
    return (p_dense or p_kw), (f_dense or f_kw)


def _hits(lib: Library, passages: list, findings: list) -> list[Hit]:
    """One hit per finding (or stray passage), scored by reciprocal rank over both lists."""
    c = lib.store.conn
    prow = {r["id"]: r for r in c.execute(
        f"SELECT id, document_id, start, end FROM passages WHERE id IN ({_in(passages)})",
        [i for i, _ in passages])} if passages else {}
    doc_ids = {r["document_id"] for r in prow.values()}
    spans: dict[int, list] = {}
    if doc_ids:
        for r in c.execute(f"SELECT id, document_id, start, end FROM findings WHERE document_id IN ({_in(doc_ids)})"
                           " AND start IS NOT NULL", list(doc_ids)):
            spans.setdefault(r["document_id"], []).append(r)
    frow = {r["id"]: r for r in c.execute(
        f"SELECT id, document_id, start FROM findings WHERE id IN ({_in(findings)})",
        [i for i, _ in findings])} if findings else {}
    hits: dict[tuple, Hit] = {}

    def add(h: Hit, rank: int) -> None:
        cur = hits.get(h.key)
        if cur is None:
            hits[h.key] = cur = h
        elif cur.passage_id is None:
            cur.passage_id = h.passage_id
        cur.score += 1.0 / (61 + rank)

    seen_keys: set = set()
    for rank, (pid, _) in enumerate(passages):
        p = prow.get(pid)
        if p is None:
            continue
        # a passage credits every finding it mostly holds (or that mostly holds it)
        owners = []
        for f in spans.get(p["document_id"], []):
            o = min(p["end"], f["end"] or 0) - max(p["start"], f["start"])
            if o > 0 and o >= 0.5 * min(p["end"] - p["start"], (f["end"] or 0) - f["start"]):
                owners.append(f["id"])
        for fid in owners or [None]:
            h = Hit(p["document_id"], fid, pid)
            if h.key in seen_keys:  # a finding counts once per list, at its best rank
                continue
            seen_keys.add(h.key)
            add(h, rank)
    for rank, (fid, _) in enumerate(findings):
        f = frow.get(fid)
        if f is not None:
            add(Hit(f["document_id"], fid, None), rank)
    return sorted(hits.values(), key=lambda h: -h.score)


def _documents(lib: Library, ids) -> dict[int, dict]:
    if not ids:
        return {}
    out = {}
    for r in lib.store.conn.execute(
            f"SELECT id, title, type, date, reference, source, meta FROM documents WHERE id IN ({_in(ids)})", list(ids)):
        d = dict(r)
        d["meta"] = json.loads(d["meta"] or "{}")
        out[d["id"]] = d
    return out


@lru_cache(maxsize=1 << 16)
def _org_name(name: str) -> str | None:
    """The canonical display name of an organisation ("Chief Executive, NHS England" and
    "NHS England & NHS Improvement" are both "NHS England"); None for a bare job title."""
    try:
        from corpus.orgs import normalise_org
    except ImportError:
        return " ".join(name.split()) or None
    org = normalise_org(name)
    return org.name if org.key else None


def _responded(lib: Library, doc_ids) -> set[int]:
    """Documents with a linked response, or reports the tracker records replies for."""
    if not doc_ids:
        return set()
    c = lib.store.conn
    out = {r[0] for r in c.execute(f"SELECT DISTINCT report_id FROM links WHERE report_id IN ({_in(doc_ids)})",
                                   list(doc_ids))}
    out |= {r[0] for r in c.execute(
        f"SELECT DISTINCT d.id FROM documents d JOIN annotations a ON a.reference = d.reference "
        f"WHERE d.id IN ({_in(doc_ids)}) AND (json_extract(a.data, '$.replies') > 0 "
        "OR json_extract(a.data, '$.status') IN ('completed', 'partial'))", list(doc_ids))}
    return out


def _statuses(lib: Library, finding_ids) -> dict[int, set[str]]:
    if not finding_ids:
        return {}
    out: dict[int, set[str]] = {}
    for r in lib.store.conn.execute(
            f"SELECT af.finding_id, a.status FROM action_findings af JOIN actions a ON a.id = af.action_id "
            f"WHERE af.finding_id IN ({_in(finding_ids)})", list(finding_ids)):
        out.setdefault(r[0], set()).add(r[1] or "not_stated")
    return out


def _themes(lib: Library, finding_ids) -> dict[int, dict]:
    """Each finding's theme ("recurs in N documents since YEAR"), if themes are built."""
    try:
        from index.themes_store import themes_of_findings

        return themes_of_findings(lib, list(finding_ids))
    except Exception:  # noqa: BLE001 - no themes yet is not an error
        return {}


def _facts(lib: Library, hits: list[Hit]) -> tuple[dict, dict, dict, set]:
    docs = _documents(lib, {h.document_id for h in hits})
    fids = {h.finding_id for h in hits if h.finding_id}
    return docs, _statuses(lib, fids), _themes(lib, fids), _responded(lib, set(docs))


def _facet_values(h: Hit, doc: dict, statuses: dict, themes: dict, responded: set) -> dict[str, list[str]]:
    meta = doc["meta"]
    return {
        "type": [doc["type"]],
        "year": [doc["date"][:4]] if doc.get("date") else [],
        "area": [meta["area"]] if meta.get("area") else [],
        "recipient": sorted({n for n in map(_org_name, meta.get("recipients") or []) if n}),
        "theme": [str(themes[h.finding_id]["id"])] if h.finding_id in themes else [],
        "status": sorted(statuses.get(h.finding_id, set())) if h.finding_id else [],
        "has_response": ["yes" if doc["id"] in responded else "no"],
    }


def _passes(values: dict, doc: dict, filters: dict) -> bool:
    for key, want in filters.items():
        if want in (None, "", []):
            continue
        if key == "date_from":
            if not doc.get("date") or doc["date"] < want:
                return False
        elif key == "date_to":
            if not doc.get("date") or doc["date"] > want:
                return False
        elif key == "recipient":
            if _org_name(want) not in values["recipient"]:
                return False
        elif key == "has_response":
            if values["has_response"] != [("yes" if str(want).lower() in ("1", "true", "yes") else "no")]:
                return False
        elif key in values:
            wanted = want if isinstance(want, (list, tuple, set)) else [want]
            if not set(map(str, wanted)) & set(values[key]):
                return False
    return True


def _vectors(lib: Library, hits: list[Hit]) -> dict[tuple, np.ndarray]:
    """The stored vector of each hit's finding (or passage), in one query per table."""
    c = lib.store.conn
    out = {}
    for table, key, ids in (("findings", "f", [h.finding_id for h in hits if h.finding_id]),
                            ("passages", "p", [h.passage_id for h in hits if not h.finding_id and h.passage_id])):
        if ids:
            for rid, blob in c.execute(f"SELECT t.id, v.vector FROM {table} t JOIN vectors v ON v.text_hash = t.text_hash"
                                       f" WHERE t.id IN ({_in(ids)})", ids):
                out[(key, rid)] = np.frombuffer(blob, dtype=np.float32)
    return out


def _diversify(lib: Library, hits: list[Hit], docs: dict, k: int, per_document: int) -> list[Hit]:
    """Collapse near-duplicates into the first of them, and cap hits per document."""
    chosen: list[Hit] = []
    per_doc: Counter = Counter()
    window = hits[: k * 8]
    vecs = _vectors(lib, window)
    for h in window:
        v = vecs.get(h.key)
        twin = None
        if v is not None:
            for c in chosen:
                cv = vecs.get(c.key)
                if cv is not None and c.document_id != h.document_id and float(cv @ v) >= DUPLICATE_COSINE:
                    twin = c
                    break
        if twin is not None:
            d = docs[h.document_id]
            twin.similar.append({"document_id": h.document_id, "title": d["title"], "date": d["date"]})
            continue
        if per_doc[h.document_id] >= per_document:
            continue
        per_doc[h.document_id] += 1
        chosen.append(h)
        if len(chosen) >= k:
            break
    # hits from one document sit together, documents in order of their best hit
    order = {}
    for i, h in enumerate(chosen):
        order.setdefault(h.document_id, i)
    return sorted(chosen, key=lambda h: (order[h.document_id], -h.score))


ACTION_COLUMNS = ("a.id, a.kind, a.text, a.owner, a.due, a.due_text, a.status, a.updated, a.document_id,"
                  " d.title AS document_title")
ANSWER_COSINE = 0.6  # a response's concern this close to a report's concern answers it


def _action(r) -> dict:
    return {k: r[k] for k in ("id", "kind", "text", "owner", "due", "due_text", "status", "updated",
                              "document_id", "document_title")}


def finding_actions(lib: Library, finding_ids) -> dict[int, list[dict]]:
    """Actions answering each finding, wherever they were written: in its own document,
    and in the responses linked to its document (matched concern to concern by meaning;
    a free-form reply that quotes no concerns answers them all)."""
    finding_ids = list(finding_ids)
    if not finding_ids:
        return {}
    c = lib.store.conn
    out: dict[int, list[dict]] = {}
    for r in c.execute(
            f"SELECT af.finding_id, {ACTION_COLUMNS} FROM action_findings af JOIN actions a ON a.id = af.action_id"
            f" JOIN documents d ON d.id = a.document_id WHERE af.finding_id IN ({_in(finding_ids)})"
            " ORDER BY a.document_id, a.seq", finding_ids):
        out.setdefault(r["finding_id"], []).append(_action(r))
    # findings of reports that have linked responses
    linked = c.execute(
        f"SELECT f.id, f.text_hash, l.response_id FROM findings f JOIN links l ON l.report_id = f.document_id"
        f" WHERE f.id IN ({_in(finding_ids)})", finding_ids).fetchall()
    for fid, fhash, resp_id in linked:
        theirs = c.execute("SELECT f.id, v.vector FROM findings f JOIN vectors v ON v.text_hash = f.text_hash"
                           " WHERE f.document_id=?", (resp_id,)).fetchall()
        if theirs:
            mine = c.execute("SELECT vector FROM vectors WHERE text_hash=?", (fhash,)).fetchone()
            if mine is None:
                continue
            v = np.frombuffer(mine[0], dtype=np.float32)
            sims = [(float(np.frombuffer(t[1], dtype=np.float32) @ v), t[0]) for t in theirs]
            best, best_id = max(sims)
            if best < ANSWER_COSINE:
                continue
            rows = c.execute(
                f"SELECT {ACTION_COLUMNS} FROM action_findings af JOIN actions a ON a.id = af.action_id"
                " JOIN documents d ON d.id = a.document_id WHERE af.finding_id=? ORDER BY a.seq", (best_id,))
        else:
            rows = c.execute(f"SELECT {ACTION_COLUMNS} FROM actions a JOIN documents d ON d.id = a.document_id"
                             " WHERE a.document_id=? ORDER BY a.seq LIMIT 5", (resp_id,))
        have = {a["id"] for a in out.get(fid, [])}
        out.setdefault(fid, []).extend(a for a in map(_action, rows) if a["id"] not in have)
    return out


def _shape(lib: Library, hits: list[Hit], docs: dict, themes: dict, query: str) -> list[dict]:
    c = lib.store.conn
    fids = [h.finding_id for h in hits if h.finding_id]
    frows = {r["id"]: dict(r) for r in c.execute(
        f"SELECT id, kind, label, text, addressees, start, end FROM findings WHERE id IN ({_in(fids)})", fids)} if fids else {}
    actions = finding_actions(lib, fids)
    for h in hits:  # a finding hit without a passage: the passage holding the finding's start
        if h.passage_id is None and h.finding_id in frows:
            r = c.execute("SELECT id FROM passages WHERE document_id=? AND start<=? ORDER BY start DESC LIMIT 1",
                          (h.document_id, frows[h.finding_id]["start"] or 0)).fetchone()
            h.passage_id = r[0] if r else None
    pids = [h.passage_id for h in hits if h.passage_id]
    prows = {r["id"]: dict(r) for r in c.execute(
        f"SELECT id, text, section, page, start, end FROM passages WHERE id IN ({_in(pids)})", pids)} if pids else {}
    responses = _links(lib, {h.document_id for h in hits})
    warned = _warnings(lib, [h.finding_id for h in hits if h.finding_id][:WARN_HITS])
    results = []
    for h in hits:
        d = docs[h.document_id]
        p = prows.get(h.passage_id)
        f = frows.get(h.finding_id)
        results.append({
            "score": round(h.score, 6),
            "document": {k: d[k] for k in ("id", "title", "type", "date", "reference", "source")}
            | {"area": d["meta"].get("area"), "recipients": d["meta"].get("recipients") or []},
            "passage": None if p is None else {
                "id": p["id"], "text": p["text"], "section": p["section"], "page": p["page"],
                "start": p["start"], "end": p["end"],
                "highlights": [list(s) for s in highlight_spans(p["text"], query)],
            },
            "finding": None if f is None else {
                "id": f["id"], "kind": f["kind"], "label": f["label"], "text": f["text"],
                "addressees": json.loads(f["addressees"] or "[]"),
                "highlights": [list(s) for s in highlight_spans(f["text"], query)],
            },
            "actions": [{k: a[k] for k in ("text", "owner", "due", "due_text", "status", "kind", "document_id",
                                            "document_title")} for a in actions.get(h.finding_id, [])],
            "responses": responses.get(h.document_id, []),
            "theme": themes.get(h.finding_id),
            "warned_before": warned.get(h.finding_id, []),
            "similar": h.similar,
            "similar_count": len(h.similar),
        })
    return results


def _warnings(lib: Library, finding_ids: list[int]) -> dict[int, list[dict]]:
    """Earlier similar findings sent to the same organisation, and what it promised then.
    The hits' neighbours are searched in one FAISS call."""
    try:
        from .tracking import warned_before
    except ImportError:
        return {}
    vecs = _vectors(lib, [Hit(0, fid, None) for fid in finding_ids])
    have = [fid for fid in finding_ids if ("f", fid) in vecs]
    near = dict(zip(have, lib.findings.search_many(np.vstack([vecs[("f", f)] for f in have]), WARN_POOL))) \
        if have else {}
    out = {}
    for fid in finding_ids:
        try:
            items = warned_before(lib, fid, k=2, pool=WARN_POOL, max_pool=WARN_POOL, neighbours=near.get(fid))
        except Exception:  # noqa: BLE001 - a warning is extra, never a reason to fail a search
            continue
        if items:
            out[fid] = [{k: w.get(k) for k in ("summary", "score", "document", "finding", "actions")} for w in items]
    return out


def _links(lib: Library, doc_ids) -> dict[int, list[dict]]:
    """Linked response documents of each report (with their titles)."""
    if not doc_ids:
        return {}
    out: dict[int, list[dict]] = {}
    for r in lib.store.conn.execute(
            "SELECT l.report_id, l.response_id, l.confidence, d.title FROM links l JOIN documents d ON d.id = l.response_id"
            f" WHERE l.report_id IN ({_in(doc_ids)}) ORDER BY l.confidence DESC", list(doc_ids)):
        out.setdefault(r[0], []).append({"document_id": r[1], "title": r[3], "confidence": round(r[2], 3)})
    return out


def _facet_lists(facets: dict[str, Counter], themes: dict[int, dict]) -> dict[str, list[dict]]:
    """Facet counts, largest first; themes carry their label beside their id."""
    labels = {str(t["id"]): t.get("label") for t in themes.values()}
    out = {}
    for key, cnt in facets.items():
        if cnt:
            out[key] = [{"value": v, "count": n} | ({"label": labels.get(v)} if key == "theme" else {})
                        for v, n in cnt.most_common(15)]
    return out


def run_search(
    lib: Library,
    query: str,
    k: int = 10,
    mode: str = "hybrid",
    filters: dict[str, Any] | None = None,
    per_document: int = PER_DOCUMENT,
) -> dict[str, Any]:
    """``{"query", "mode", "filters", "total", "facets", "results": [...]}`` for one query."""
    query = (query or "").strip()
    filters = {k_: v for k_, v in (filters or {}).items() if k_ in FILTER_KEYS and v not in (None, "", [])}
    empty = {"query": query, "mode": mode, "filters": filters, "total": 0, "facets": {}, "results": []}
    if not query:
        return empty
    pool = max(POOL, k * 10)
    passages, findings = _retrieve(lib, query, mode, pool)
    hits = _hits(lib, passages, findings)
    if not hits:
        return empty
    docs, statuses, themes, responded = _facts(lib, hits)
    facets: dict[str, Counter] = {key: Counter() for key in ("type", "year", "area", "recipient", "theme",
                                                              "status", "has_response")}
    kept = []
    for h in hits:
        values = _facet_values(h, docs[h.document_id], statuses, themes, responded)
        if not _passes(values, docs[h.document_id], filters):
            continue
        kept.append(h)
        for key, vals in values.items():
            facets[key].update(vals)
    chosen = _diversify(lib, kept, docs, k, per_document)
    return {
        "query": query,
        "mode": mode,
        "filters": filters,
        "total": len(kept),
        "facets": _facet_lists(facets, themes),
        "results": _shape(lib, chosen, docs, themes, query),
    }
