"""What a user's search returns: concerns with the actions taken on them, a page at a time.

Ranking is search.ranking.ranker's (the one ranker, shared with ``precedent eval``); here the
ranked hits are filtered, counted into facets over the whole candidate set, diversified,
cut into pages, and shaped into the dict the page, ``/search.json`` and the CLI read, each
hit with its findings' actions, linked responses, theme and earlier warnings."""
from __future__ import annotations

import json
import logging
import re
import sqlite3
from collections import Counter
from functools import lru_cache
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from corpus.orgs import normalise_org
from index import retrieval
from index.library import Library

from search.ranking import nomatch, ranker
from search.sources import source_display
from search.ranking import Hit
from search.ranking import highlight_spans
from search.snippets import clip, snippet

log = logging.getLogger(__name__)

FILTER_KEYS = ("strength", "type", "date_from", "date_to", "area", "recipient", "theme", "status", "has_response")
PER_DOCUMENT = ranker.WEIGHTS.per_document  # hits one document may show
MAX_PER_PAGE = 100
MAX_LISTED = 20  # actions, responses, addressees a result lists (``actions_count`` says how many in all)
WARN_HITS = 5  # top hits that get "warned before" (earlier similar concerns to the same organisation)
# neighbours of each such hit searched for earlier findings to the same organisation: a
# search page looks a fixed distance, so its cost does not grow with the library (the case
# and organisation pages look further)
WARN_POOL = 100
# Filters pick among the same candidates the facets count, so the number beside a facet is what
# clicking it shows. Only when they leave nothing there is the search run again on a pool this
# many times wider (with a notice), so that e.g. type=minutes finds minutes beyond the top
# candidates instead of saying "nothing matches".
FILTER_WIDEN = 10


#: action statuses any library may hold (ingest's own plus the RAG of imported plans), and
#: "not_stated" for an action without one; a library's imported plans may add their own words
KNOWN_STATUSES = ("completed", "ongoing", "not_started", "partial", "open", "red", "amber", "green", "not_stated")
NO_WORDS = "The query has no words to search for: type a concern, e.g. \"restraint by police\"."


def _documents(lib: Library, ids) -> dict[int, dict]:
    out = {}
    for d in retrieval.documents_by_id(lib.store, ids).values():
        d["meta"] = json.loads(d["meta"] or "{}")
        src = source_display(d["source"], d["meta"])  # the original URL or a file name, never a server path
        d["source"] = src["url"] or src["name"]
        out[d["id"]] = d
    return out


@lru_cache(maxsize=1 << 16)
def _org_name(name: str) -> str | None:
    """The canonical display name of an organisation ("Chief Executive, NHS England" and
    "NHS England & NHS Improvement" are both "NHS England"); None for a bare job title."""
    org = normalise_org(name)
    return org.name if org.key else None


def _statuses(lib: Library, finding_ids) -> dict[int, set[str]]:
    """{finding id: the statuses of the actions answering it ("not_stated" for none)}."""
    out: dict[int, set[str]] = {}
    for fid, status in retrieval.finding_statuses(lib.store, finding_ids):
        out.setdefault(fid, set()).add(status or "not_stated")
    return out


def _themes(lib: Library, finding_ids) -> dict[int, dict]:
    """Each finding's theme ("recurs in N documents since YEAR"), if themes are built."""
    from index.themes import themes_of_findings

    try:
        return themes_of_findings(lib, list(finding_ids))
    except sqlite3.Error:  # a library opened read-only before themes were ever built
        log.exception("themes unavailable for this search")
        return {}


def _facts(lib: Library, hits: list[Hit]) -> tuple[dict, dict, dict, set]:
    docs = _documents(lib, {h.document_id for h in hits})
    fids = {h.finding_id for h in hits if h.finding_id}
    return docs, _statuses(lib, fids), _themes(lib, fids), retrieval.responded_documents(lib.store, set(docs))


def _facet_values(h: Hit, doc: dict, statuses: dict, themes: dict, responded: set,
                  areas: dict[str, str] | None = None) -> dict[str, list[str]]:
    meta = doc["meta"]
    area = (areas or {}).get(meta.get("area") or "", meta.get("area"))
    return {
        "strength": [h.strength],
        "type": [doc["type"]],
        "year": [doc["date"][:4]] if doc.get("date") else [],
        "area": [area] if area else [],
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
        elif key == "date_to":  # "2019" or "2019-06" runs to the end of that year or month
            if not doc.get("date") or doc["date"][:len(want)] > want:
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


ANSWER_COSINE = 0.6  # a response's concern this close to a report's concern answers it


def _action(r) -> dict:
    """An action row (index.retrieval.ACTION_COLUMNS) as the pages show it."""
    from corpus.extract import strip_framing

    return {**{k: r[k] for k in ("id", "kind", "text", "owner", "due", "due_text", "status", "updated",
                                 "document_id", "document_title")},
            # an answer without the framing it opens with ("… our response is detailed below.")
            "text": (strip_framing(r["text"]) or r["text"]) if r["respondent"] else r["text"]}


def finding_actions(lib: Library, finding_ids) -> dict[int, list[dict]]:
    """Actions answering each finding, wherever they were written: in its own document,
    and in the responses linked to its document (matched concern to concern by meaning;
    a free-form reply that quotes no concerns answers them all)."""
    finding_ids = list(finding_ids)
    if not finding_ids:
        return {}
    out: dict[int, list[dict]] = {}
    for r in retrieval.actions_of_findings(lib.store, finding_ids):
        out.setdefault(r["finding_id"], []).append(_action(r))
    # findings of reports that have linked responses
    for fid, fhash, resp_id in retrieval.report_findings_answered(lib.store, finding_ids):
        theirs = retrieval.finding_vectors_of_document(lib.store, resp_id)
        if theirs:
            v = retrieval.vector_of_hash(lib.store, fhash)
            if v is None:
                continue
            sims = [(float(vec @ v), their_id) for their_id, vec in theirs]
            best, best_id = max(sims)
            if best < ANSWER_COSINE:
                continue
            rows = retrieval.actions_of_finding(lib.store, best_id)
        else:
            # a free-form reply: its actions paired to no concern answer the report as a whole (those
            # paired to a concern, of this report or of another it also answers, are found above)
            rows = retrieval.unpaired_actions(lib.store, resp_id, 5)
        have = {a["id"] for a in out.get(fid, [])}
        out.setdefault(fid, []).extend(a for a in map(_action, rows) if a["id"] not in have)
    return out


def _shape(lib: Library, hits: list[Hit], docs: dict, themes: dict, query: str) -> list[dict]:
    fids = [h.finding_id for h in hits if h.finding_id]
    frows = retrieval.findings_by_id(lib.store, fids)
    actions = finding_actions(lib, fids)
    for h in hits:  # a finding hit without a passage: the passage holding the finding's start
        if h.passage_id is None and h.finding_id in frows:
            h.passage_id = retrieval.passage_at(lib.store, h.document_id, frows[h.finding_id]["start"] or 0)
    pids = [h.passage_id for h in hits if h.passage_id]
    prows = retrieval.passages_by_id(lib.store, pids)
    responses = _links(lib, {h.document_id for h in hits})
    warned = _warnings(lib, [h.finding_id for h in hits if h.finding_id][:WARN_HITS])
    results = []
    for h in hits:
        d = docs[h.document_id]
        p = prows.get(h.passage_id)
        f = frows.get(h.finding_id)
        results.append({
            "score": round(h.score, 6),
            "strength": h.strength,
            "signals": h.signals | {"probability": round(h.probability, 4)},
            "document": {k: d[k] for k in ("id", "title", "type", "date", "reference", "source")}
            | {"area": d["meta"].get("area"), "recipients": d["meta"].get("recipients") or []},
            # text, highlights, truncated, chars: a snippet (search.snippets), the whole on the document page
            "passage": None if p is None else {
                "id": p["id"], "section": p["section"], "page": p["page"], "start": p["start"], "end": p["end"],
                **snippet(p["text"], highlight_spans(p["text"], query)),
            },
            "finding": None if f is None else {
                "id": f["id"], "kind": f["kind"], "label": clip(f["label"]),
                "addressees": json.loads(f["addressees"] or "[]")[:MAX_LISTED],
                **snippet(f["text"], highlight_spans(f["text"], query)),
            },
            "actions": [{k: a[k] for k in ("owner", "due", "due_text", "status", "kind", "document_id",
                                            "document_title")} | {"text": clip(a["text"])}
                        for a in actions.get(h.finding_id, [])[:MAX_LISTED]],
            "actions_count": len(actions.get(h.finding_id, [])),
            "responses": responses.get(h.document_id, [])[:MAX_LISTED],
            "theme": themes.get(h.finding_id),
            "warned_before": [_clipped_warning(w) for w in warned.get(h.finding_id, [])],
            "similar": h.similar,
            "similar_count": len(h.similar),
        })
    return results


def _clipped_warning(w: dict) -> dict:
    """An earlier warning as a result carries it: its finding's and actions' text clipped."""
    out = dict(w)
    if isinstance(w.get("finding"), dict):
        out["finding"] = {**w["finding"], "text": clip(w["finding"].get("text"))}
    if isinstance(w.get("actions"), list):
        out["actions"] = [{**a, "text": clip(a.get("text"))} if isinstance(a, dict) else a
                          for a in w["actions"][:MAX_LISTED]]
    return out


def _distinct(lib: Library, hits: list[Hit]) -> list[Hit]:
    """The hits without a second one showing the same text of the same document (a report
    whose text holds a paragraph twice, e.g. once under the inquest and once under the
    circumstances, gave two identical results)."""
    ftext = retrieval.texts(lib.store, "findings", [h.finding_id for h in hits if h.finding_id])
    ptext = retrieval.texts(lib.store, "passages", [h.passage_id for h in hits if h.passage_id and not h.finding_id])
    out, seen = [], set()
    for h in hits:
        text = ftext.get(h.finding_id) if h.finding_id else ptext.get(h.passage_id)
        key = (h.document_id, " ".join((text or "").split()).lower()) if text else None
        if key in seen:
            continue
        if key:
            seen.add(key)
        out.append(h)
    return out


def _warnings(lib: Library, finding_ids: list[int]) -> dict[int, list[dict]]:
    """Earlier similar findings sent to the same organisation, and what it promised then.
    The hits' neighbours are searched in one FAISS call."""
    from search.responses import warned_before

    vecs = ranker.vectors(lib, [Hit(0, fid, None) for fid in finding_ids])
    have = [fid for fid in finding_ids if ("f", fid) in vecs]
    near = dict(zip(have, lib.findings.search_many(np.vstack([vecs[("f", f)] for f in have]), WARN_POOL))) \
        if have else {}
    out = {}
    for fid in finding_ids:
        try:
            items = warned_before(lib, fid, k=2, pool=WARN_POOL, max_pool=WARN_POOL, neighbours=near.get(fid))
        except (sqlite3.Error, ValueError, KeyError):  # a warning is extra, never a reason to fail a search
            log.exception("warned-before failed for finding %s", fid)
            continue
        if items:
            out[fid] = [{k: w.get(k) for k in ("summary", "score", "document", "finding", "actions")} for w in items]
    return out


def _links(lib: Library, doc_ids) -> dict[int, list[dict]]:
    """Linked response documents of each report (with their titles)."""
    out: dict[int, list[dict]] = {}
    for report_id, response_id, confidence, title in retrieval.response_links(lib.store, doc_ids):
        out.setdefault(report_id, []).append({"document_id": response_id, "title": title,
                                              "confidence": round(confidence, 3)})
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


def page_bounds(total: int, page: int, per_page: int) -> dict[str, int | None]:
    """``{"page", "per_page", "pages", "first", "last", "previous", "next"}`` (1-based
    positions of the page's first and last result; 0 when the page is empty)."""
    pages = max(1, -(-total // per_page))
    first = (page - 1) * per_page + 1
    last = min(total, page * per_page)
    return {"page": page, "per_page": per_page, "pages": pages,
            "first": first if first <= total else 0, "last": last if first <= total else 0,
            "previous": min(page - 1, pages) if page > 1 else None, "next": page + 1 if page < pages else None}


def run_search(
    lib: Library,
    query: str,
    k: int = 10,
    mode: str = "hybrid",
    filters: dict[str, Any] | None = None,
    per_document: int = PER_DOCUMENT,
    page: int = 1,
    pool: int | None = None,
    close_first: bool = False,
) -> dict[str, Any]:
    """One page of results for ``query``: ``{"query", "mode", "filters", "total", "close",
    "paging", "facets", "results": [...]}``; ``k`` cases (documents) a page (at most 100), page
    ``page`` (1-based), each case by its best hits (at most ``per_document``; each result
    carries its case's place, ``case``). ``total``, ``close`` (cases with a close hit) and the
    facets count cases, over every page. ``close_first``: cases with a close hit before the
    others (each group in rank order), as query by draft lists them."""
    query = (query or "").strip()
    per_page = max(1, min(int(k), MAX_PER_PAGE))
    page = max(1, int(page))
    filters = {k_: v for k_, v in (filters or {}).items() if k_ in FILTER_KEYS and v not in (None, "", [])}
    empty = {"query": query, "mode": mode, "filters": filters, "total": 0, "close": 0,
             "paging": page_bounds(0, page, per_page), "facets": {}, "results": [], "nothing_matches": False}
    if not query:
        return empty
    if not re.search(r"[^\W_]", query):  # punctuation, symbols or emoji alone: the model would still
        return empty | {"notice": NO_WORDS}  # find "weak" neighbours of nothing
    # one thread for FAISS, BLAS and the model while answering one query: their small
    # operations wait far longer for a second, busy core than they save (~30 ms at p95 here)
    with threadpool_limits(1):
        return _answer(lib, query, mode, filters, per_document, page, per_page, pool, empty, close_first)


def _answer(lib: Library, query: str, mode: str, filters: dict, per_document: int, page: int, per_page: int,
            pool: int | None, empty: dict, close_first: bool = False) -> dict[str, Any]:
    # the pool does not grow with the page size: total, close and the facets are the same
    # whether the author reads 10 or 100 a page
    out = _answer_from(lib, query, mode, filters, per_document, page, per_page, pool or ranker.POOL, empty,
                       close_first)
    if filters and not out["total"] and pool is None and not out["nothing_matches"]:
        wide = ranker.POOL * FILTER_WIDEN
        out = _answer_from(lib, query, mode, filters, per_document, page, per_page, wide, empty, close_first)
        if out["total"]:
            out["notice"] = (f"None of the {ranker.POOL} closest candidates passes these filters; these results "
                             f"come from the {wide} closest.")
    return out


def _answer_from(lib: Library, query: str, mode: str, filters: dict, per_document: int, page: int,
                 per_page: int, pool: int, empty: dict, close_first: bool = False) -> dict[str, Any]:
    ranking = ranker.rank(lib, query, mode, pool)
    if not ranking.hits:
        return empty
    # a keyboard mash or a question from another field still has "best" hits: the fitted
    # no-match model (search.ranking.nomatch) answers nothing at all, and says why
    verdict = nomatch.judge(lib, query, ranking.hits, mode)
    if verdict.nothing:
        return empty | {"nothing_matches": True, "reason": verdict.reason, "match": verdict.to_dict()}
    docs, statuses, themes, responded = _facts(lib, ranking.hits)
    from search.browse import area_names  # one name per coroner area, however a report spells it

    areas = area_names(lib)
    passing = filters
    if filters.get("area"):  # any spelling of an area filters by the area
        wanted = filters["area"] if isinstance(filters["area"], (list, tuple, set)) else [filters["area"]]
        low = {s.lower(): n for s, n in areas.items()} | {n.lower(): n for n in areas.values()}
        passing = {**filters, "area": [low.get(str(a).strip().lower(), a) for a in wanted]}
    values = {h.key: _facet_values(h, docs[h.document_id], statuses, themes, responded, areas)
              for h in ranking.hits}
    # the results are chosen before they are filtered, so a filter only picks among the results
    # the facets counted (filtering first let a document show three "close" hits where the
    # unfiltered page showed one)
    every = _distinct(lib, ranker.diversify(lib, ranking, ranking.hits, docs, per_document))
    shown = [h for h in every if _passes(values[h.key], docs[h.document_id], passing)]
    # results are counted, paged and faceted by case (document): k cases a page, each with its
    # best hits; a facet counts the cases any of whose hits has the value (what clicking it shows)
    cases: dict[int, list[Hit]] = {}
    for h in shown:
        cases.setdefault(h.document_id, []).append(h)
    if close_first:
        cases = dict(sorted(cases.items(), key=lambda kv: not any(h.strength == "close" for h in kv[1])))
    facets: dict[str, Counter] = {key: Counter() for key in ("strength", "type", "year", "area", "recipient",
                                                              "theme", "status", "has_response")}
    for case_hits in cases.values():
        for key in facets:
            facets[key].update({v for h in case_hits for v in values[h.key][key]})
    start = (page - 1) * per_page
    page_docs = list(cases)[start:start + per_page]
    results = _shape(lib, [h for d in page_docs for h in cases[d]], docs, themes, query)
    rank = {d: start + i for i, d in enumerate(page_docs, 1)}
    for r in results:
        r["case"] = rank[r["document"]["id"]]  # the case's place in the whole list (1-based)
    return {
        "query": query,
        "mode": mode,
        "filters": filters,
        "total": len(cases),
        "close": facets["strength"]["close"],
        "paging": page_bounds(len(cases), page, per_page),
        "facets": _facet_lists(facets, themes),
        "results": results,
        "nothing_matches": False,
        "match": verdict.to_dict(),
    }
