"""Link responses in the library to the PFD reports they answer.

``index.ingest.pipeline`` calls ``link_new_documents(lib, new_ids)`` after every ingest. Each new
``pfd_response`` is linked from its own text (``corpus.responses.cues``, ``corpus.responses.match``): candidates are
shortlisted cheaply in SQLite (reports whose title carries a surname the response
names, the full name as an FTS phrase, an explicit reference, a report date, and the
reports sharing the response's rarest words by FTS rank), then scored in Python. When
new ``pfd_report`` documents arrive, responses still unlinked are tried again.

Typing is no hard gate: a document of another type a letter may be given ("other",
inspection, minutes, action plan) is a candidate too, and the link probability it needs
rises as its response score (``corpus.extract.respond``) falls (``candidate_threshold``).

A response that carries the dataset's own parent id (``meta["parent_reference"]``) is
linked to that report with confidence 1.0 and evidence "dataset parent id"; text
linking never reads it. Responses that cannot be linked confidently stay unlinked:
``unlinked_responses`` lists them, with the reason and the best candidate if asked.
"""
from __future__ import annotations

import json
import math
import re
import sqlite3
import time
from datetime import date, timedelta

from corpus.responses import ReportInfo, ResponseCues, extract_cues, make_report
from corpus.responses import THRESHOLD, LinkDecision, WordRarity, decide, telling_terms

from index.rows import document_by_id
from index.store import dumps

REPORT, RESPONSE = "pfd_report", "pfd_response"
MAYBE_RESPONSE = ("other", "inspection", "minutes", "action_plan")  # types a letter may be given


def _response_score(conn, doc_id: int) -> float:
    """How much a document of another type reads like a response (corpus.extract.respond)."""
    from corpus.extract import response_score

    row = conn.execute("SELECT substr(text, 1, 15000) FROM documents WHERE id=?", (doc_id,)).fetchone()
    return response_score(row[0] or "") if row else 0.0


def candidate_threshold(score: float | None, threshold: float = THRESHOLD, untyped: bool = False,
                        score_logit: float | None = None) -> float | None:
    """The link probability a document needs, given its response score (None = the document is
    typed a response). Typing is no hard gate: the fewer signs of answering a report a document
    shows, the surer the link model must be: each point of response score below ``RESPONSE_MIN``
    adds ``SCORE_LOGIT`` log-odds to the probability required (counted from 0 at most).
    None: not a candidate. A document the classifier could not type (``untyped``, "other") is a
    candidate unless it reads like a report itself (a negative score: the report's own boxes);
    one given another type (inspection, minutes, action plan) needs ``CANDIDATE_MIN``, at least
    one weak sign of answering something."""
    from corpus.extract import CANDIDATE_MIN, RESPONSE_MIN

    if score is None or score >= RESPONSE_MIN:
        return threshold
    if score < (0.0 if untyped else CANDIDATE_MIN):
        return None
    t = min(max(threshold, 0.5), 0.999)
    logit = math.log(t / (1 - t)) + (SCORE_LOGIT if score_logit is None else score_logit) * (RESPONSE_MIN - max(score, 0.0))
    return round(1 / (1 + math.exp(-logit)), 3)


SCORE_LOGIT = 0.0  # log-odds of link probability required per response-score point below RESPONSE_MIN:
# 0.75 until session 6. Leave-one-parent-report-out over all dev letters, the stricter probability cost
# recall (0.845 vs 0.858 of 380 varied letters; originals 0.895 either way) and prevented no false link
# (9 vs 9 with the true report removed, 0/28 negatives, 0/17 distractors either way); the conditional
# logit's "none" option already keeps a document that answers nothing unlinked. Who is a candidate at
# all (``candidate_threshold`` returning None) still depends on the response score.
POSSIBLE_MIN = 0.15  # an untyped document with few signs of answering (a short or plain letter) whose best
# candidate report reaches this link probability is listed among the unlinked responses as a possible one,
# with its closest reports, instead of staying invisible; it is not retyped or retitled (it may be no letter)
MAX_PER_SURNAME = 60  # a surname in more report titles than this is no shortlist
CONTENT_CANDIDATES = 15
PASSAGE_POOL = 400  # best FTS passages looked at when shortlisting by words


# ------------------------------------------------------------------ term statistics


class StoreWordRarity(WordRarity):
    """Word rarity from the passages' FTS index (porter-stemmed, so words are stemmed
    by FTS itself through a scratch table). ``df`` counts report documents for rare
    words and passages (an over-estimate) for common ones."""

    def __init__(self, conn: sqlite3.Connection, words: list[str]):
        self.conn = conn
        conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.linking_vocab USING fts5vocab(main, passages_fts, row)")
        conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.linking_probe USING fts5(t, tokenize='porter unicode61')")
        conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.linking_probe_v USING fts5vocab(temp, linking_probe, instance)")
        self.n = conn.execute("SELECT COUNT(*) FROM documents WHERE type=?", (REPORT,)).fetchone()[0]
        self._df: dict[str, int] = {}
        words = sorted(set(words))
        if not words:
            return
        conn.execute("DELETE FROM temp.linking_probe")
        conn.executemany("INSERT INTO temp.linking_probe(rowid, t) VALUES (?, ?)", list(enumerate(words, 1)))
        stem_of = {words[r[1] - 1]: r[0] for r in conn.execute("SELECT term, doc FROM temp.linking_probe_v")}
        conn.execute("DELETE FROM temp.linking_probe")
        stems = sorted(set(stem_of.values()))
        passages: dict[str, int] = {}
        for i in range(0, len(stems), 500):
            part = stems[i:i + 500]
            q = f"SELECT term, doc FROM temp.linking_vocab WHERE term IN ({','.join('?' * len(part))})"
            passages.update({t: d for t, d in conn.execute(q, part)})
        exact: dict[str, int] = {}
        for stem, d in passages.items():
            if d <= 20:  # rare enough to count documents exactly
                exact[stem] = conn.execute(
                    "SELECT COUNT(DISTINCT p.document_id) FROM passages_fts JOIN passages p ON p.id = passages_fts.rowid "
                    "JOIN documents d ON d.id = p.document_id WHERE passages_fts MATCH ? AND d.type = ?",
                    (f'"{stem}"', REPORT),
                ).fetchone()[0]
        for w, stem in stem_of.items():
            self._df[w] = exact.get(stem, passages.get(stem, 0))

    def df(self, term: str) -> int | None:
        return self._df.get(term, 0)


# ------------------------------------------------------------------ candidates


def _fts_phrase(tokens: list[str]) -> str:
    return '"' + " ".join(re.sub(r"[^a-z0-9]", "", t) for t in tokens) + '"'


def _report_ids_matching(conn, match: str, limit: int) -> list[int]:
    try:
        # bm25() cannot be aggregated directly: rank the best passages first
        return [r[0] for r in conn.execute(
            "SELECT p.document_id, MIN(f.s) AS s FROM "
            "(SELECT rowid, bm25(passages_fts) AS s FROM passages_fts WHERE passages_fts MATCH ? "
            " ORDER BY s LIMIT ?) f "
            "JOIN passages p ON p.id = f.rowid JOIN documents d ON d.id = p.document_id "
            "WHERE d.type = ? GROUP BY p.document_id ORDER BY s LIMIT ?",
            (match, PASSAGE_POOL, REPORT, limit))]
    except sqlite3.OperationalError:  # a query FTS cannot parse: no candidates from it
        return []


def near_surname_ids(conn, surname: str, limit: int = 2000) -> list[int]:
    """Reports whose title carries a word one letter away from ``surname`` (a misspelt name:
    "Bolland", "Boland"): titles sharing its first or last three letters, checked in Python."""
    from corpus.responses import edit1, words

    if len(surname) < 4:
        return []
    out: dict[int, None] = {}
    for part in {surname[:3], surname[-3:]}:
        for rid, title in conn.execute("SELECT id, title FROM documents WHERE type=? AND title LIKE ? LIMIT ?",
                                       (REPORT, f"%{part}%", limit)):
            head = re.split(r"\s+[—–-]\s+", title or "", maxsplit=1)[0]
            if any(w != surname and len(w) >= 3 and edit1(w, surname) for w in words(head)):
                out[rid] = None
    return list(out)[:MAX_PER_SURNAME]


def candidate_ids(conn, cues: ResponseCues, stats: WordRarity) -> list[int]:
    """Report ids worth scoring for this response (a few dozen, not thousands)."""
    found: dict[int, None] = {}
    for ref in cues.references:
        found.update(dict.fromkeys(r[0] for r in conn.execute(
            "SELECT id FROM documents WHERE reference=? AND type=?", (ref, REPORT))))
    for n in cues.names:
        sur = re.sub(r"[%_]", "", n.surname)
        if len(sur) >= 2:
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM documents WHERE type=? AND title LIKE ? LIMIT ?",
                (REPORT, f"%{sur}%", MAX_PER_SURNAME + 1))]
            if len(ids) <= MAX_PER_SURNAME:
                found.update(dict.fromkeys(ids))
            found.update(dict.fromkeys(near_surname_ids(conn, sur)))
        if len(n.tokens) >= 2:
            found.update(dict.fromkeys(_report_ids_matching(conn, _fts_phrase([n.tokens[0], n.surname]), 20)))
            if len(n.tokens) > 2:
                found.update(dict.fromkeys(_report_ids_matching(conn, _fts_phrase(n.tokens), 20)))
    for d in cues.report_dates:
        if d.iso:
            day = date.fromisoformat(d.iso)
            found.update(dict.fromkeys(r[0] for r in conn.execute(
                "SELECT id FROM documents WHERE type=? AND date BETWEEN ? AND ?",
                (REPORT, (day - timedelta(days=3)).isoformat(), (day + timedelta(days=3)).isoformat()))))
    terms = [t for _, t in telling_terms(cues, stats, 20)]
    if terms:
        found.update(dict.fromkeys(_report_ids_matching(
            conn, " OR ".join(_fts_phrase([t]) for t in terms), CONTENT_CANDIDATES)))
    return list(found)


def report_info(row) -> ReportInfo:
    """A report as the matcher reads it, from its ``documents`` row (id, title, text, reference, date, meta)."""
    meta = json.loads(row["meta"] or "{}")
    return make_report(row["id"], row["title"], row["text"], row["reference"], row["date"], meta)


def load_reports(conn, ids: list[int], cache: dict[int, ReportInfo]) -> list[ReportInfo]:
    """The reports of ``ids`` with their concerns (those not found left out), read once into ``cache``."""
    todo = [i for i in ids if i not in cache]
    for k in range(0, len(todo), 500):
        part = todo[k:k + 500]
        for row in conn.execute(
            f"SELECT id, title, text, reference, date, meta FROM documents WHERE id IN ({','.join('?' * len(part))})",
            part,
        ):
            cache[row["id"]] = report_info(row)
        q = ",".join("?" * len(part))
        for rid, text in conn.execute(
                f"SELECT document_id, text FROM findings WHERE kind='concern' AND document_id IN ({q}) ORDER BY document_id, seq",
                part):
            if rid in cache:
                cache[rid].concerns.append(text)
    return [cache[i] for i in ids if i in cache]


# ------------------------------------------------------------------ linking


def explain_link(lib, document_id: int, cache: dict[int, ReportInfo],
                 threshold: float = THRESHOLD) -> tuple[LinkDecision | None, dict]:
    """:func:`decide_link` for a stored document, by id (the unlinked-responses page)."""
    row = document_by_id(lib.store.conn, document_id)
    if row is None:
        return None, {"reason": "no such document"}
    return decide_link(lib.store.conn, row, cache, threshold)


def decide_link(conn, row, cache: dict[int, ReportInfo], threshold: float) -> tuple[LinkDecision | None, dict]:
    """The linker's decision for one response: ``row`` is its ``documents`` row (id, title, text,
    date, meta), ``cache`` keeps the reports read so far across calls. Returns ``(decision, link)``:
    the scored decision (its ``ranked`` candidates; None when the dataset's parent id settles it)
    and ``link``, ``{"report_id", "confidence", "evidence"[, "also"]}`` when it links, else
    ``{"reason"[, "best"]}``. Nothing is written."""
    meta = json.loads(row["meta"] or "{}")
    parent = meta.get("parent_reference")
    if parent:
        r = conn.execute("SELECT id FROM documents WHERE reference=? AND type=? ORDER BY id LIMIT 1",
                         (parent, REPORT)).fetchone()
        if r is None:
            return None, {"reason": f"its report {parent} is not in the library yet"}
        return None, {"report_id": r[0], "confidence": 1.0, "evidence": {"dataset parent id": parent}}
    # the letter date only from its text (a document date may come from a file name)
    # only a respondent the source itself gave (a dataset's column): one the library named later
    # (``answering.name_unlinked`` from this very candidate's recipients) would argue in a circle and
    # make a re-link decide differently from the first one
    given = meta.get("respondent") if meta.get("respondent_from") in (None, "dataset") else None
    cues = extract_cues(row["text"], respondent=given)
    stats = StoreWordRarity(conn, list(cues.terms))
    ids = candidate_ids(conn, cues, stats)
    d = decide(cues, load_reports(conn, ids, cache), stats, threshold)
    if d.report is None:
        best = d.ranked[0].report if d.ranked else None
        return d, {"reason": d.reason, "best": best and {"id": best.id, "title": best.title,
                                                         "confidence": d.confidence}}
    out = {"report_id": d.report.id, "confidence": d.confidence,
           "evidence": dict(d.evidence, cues=cues.summary(), candidates=len(ids))}
    if d.also:  # a letter answering several reports together: one link each, each with its own evidence
        out["also"] = [{"report_id": r.id, "confidence": q, "evidence": dict(ev, candidates=len(ids))}
                       for r, q, ev in d.also]
    return d, out


def link_new_documents(lib, new_ids: list[int], threshold: float = THRESHOLD) -> dict:
    """Link the new responses, and retry unlinked ones if new reports arrived.
    All links are written in one transaction. Returns what was linked and what not."""
    from corpus.extract import RESPONSE_MIN

    def answers(score: float) -> bool:
        return score >= RESPONSE_MIN

    t0 = time.perf_counter()
    conn = lib.store.conn
    new_ids = list(dict.fromkeys(int(i) for i in new_ids or []))
    types: dict[int, str] = {}
    for k in range(0, len(new_ids), 500):
        part = new_ids[k:k + 500]
        types.update({r[0]: r[1] for r in conn.execute(
            f"SELECT id, type FROM documents WHERE id IN ({','.join('?' * len(part))})", part)})
    # a response is recognised by what it does, not only by its type label: every document of a
    # type a letter may be given is a candidate, with the probability it needs set by its response score
    need: dict[int, float] = {}
    scores: dict[int, float] = {}
    for i in new_ids:
        if types.get(i) == RESPONSE:
            need[i] = threshold
        elif types.get(i) in MAYBE_RESPONSE:
            scores[i] = _response_score(conn, i)
            th = candidate_threshold(scores[i], threshold, types[i] == "other")
            if th is not None:
                need[i] = th
    responses = list(need)
    new_reports = [i for i in new_ids if types.get(i) == REPORT]
    retried = []
    if new_reports:
        seen = set(responses)
        for r in conn.execute(
                f"SELECT id, type FROM documents d WHERE type IN ({','.join('?' * (1 + len(MAYBE_RESPONSE)))}) "
                "AND NOT EXISTS (SELECT 1 FROM links l WHERE l.response_id=d.id) ORDER BY id", (RESPONSE, *MAYBE_RESPONSE)):
            if r[0] in seen:
                continue
            types[r[0]] = r[1]
            if r[1] == RESPONSE:
                need[r[0]] = threshold
            else:
                scores[r[0]] = _response_score(conn, r[0])
                th = candidate_threshold(scores[r[0]], threshold, r[1] == "other")
                if th is None:
                    continue
                need[r[0]] = th
            retried.append(r[0])
    todo = responses + retried
    linked, unlinked, rows = [], [], []
    possible: list[tuple[int, dict]] = []  # untyped, few signs of answering, yet a report comes close
    cache: dict[int, ReportInfo] = {}
    for rid in todo:
        row = conn.execute("SELECT id, title, text, date, meta FROM documents WHERE id=?", (rid,)).fetchone()
        if row is None:
            continue
        _, out = decide_link(conn, row, cache, need[rid])
        if "report_id" in out:
            # the best report last: the response's title and respondent are settled from it
            for x in out.get("also", []):
                rows.append((rid, x["report_id"], x["confidence"], dumps(x["evidence"])))
            rows.append((rid, out["report_id"], out["confidence"], dumps(out["evidence"])))
            linked.append({"response_id": rid, **out})
        elif rid not in scores or answers(scores[rid]):
            unlinked.append({"response_id": rid, "title": row["title"], **out})
        elif types.get(rid) == "other" and (out.get("best") or {}).get("confidence", 0.0) >= POSSIBLE_MIN:
            possible.append((rid, out["best"]))
    # an "other" document that answers a report is a response, linked or not; a weak candidate only once linked
    got = {x["response_id"] for x in linked}
    retype = [i for i in todo if types.get(i) == "other" and i in scores and (i in got or answers(scores[i]))]
    if retype:
        with lib.store.transaction() as c:
            c.executemany("UPDATE documents SET type=? WHERE id=?", [(RESPONSE, i) for i in retype])
    if possible:
        with lib.store.transaction() as c:
            for rid, best in possible:
                meta = json.loads(c.execute("SELECT meta FROM documents WHERE id=?", (rid,)).fetchone()[0] or "{}")
                meta["possible_response"] = {"report_id": best["id"], "confidence": best["confidence"]}
                c.execute("UPDATE documents SET meta=? WHERE id=?", (dumps(meta), rid))
    if unlinked:
        from index.responses.answering import name_unlinked

        with lib.store.transaction() as c:
            for u in unlinked:
                name_unlinked(c, u["response_id"], (u.get("best") or {}).get("id"))
    if rows:
        from index.responses.answering import settle_response

        with lib.store.transaction() as c:
            c.executemany(
                "INSERT OR REPLACE INTO links(response_id, report_id, confidence, evidence) VALUES (?,?,?,?)", rows)
            for rid, report_id, _, _ in rows:
                settle_response(c, rid, report_id)
    return {"checked": len(todo), "retried": len(retried), "linked": linked, "unlinked": unlinked,
            "seconds": round(time.perf_counter() - t0, 3)}


def link_all(lib, threshold: float = THRESHOLD) -> dict:
    """Try every unlinked response in the library (e.g. after changing the threshold)."""
    ids = [r[0] for r in lib.store.conn.execute(
        "SELECT id FROM documents d WHERE type=? AND NOT EXISTS (SELECT 1 FROM links l WHERE l.response_id=d.id)",
        (RESPONSE,))]
    return link_new_documents(lib, ids, threshold)


# ------------------------------------------------------------------ reading links


def _link_rows(conn, sql: str, arg: int) -> list[dict]:
    out = []
    for r in conn.execute(sql, (arg,)):
        d = dict(r)
        d["evidence"] = json.loads(d["evidence"] or "{}")
        d["meta"] = json.loads(d.get("meta") or "{}")
        out.append(d)
    return out


def responses_for(lib, report_id: int) -> list[dict]:
    """The responses linked to a report, with confidence and evidence, oldest first."""
    return _link_rows(lib.store.conn,
                      "SELECT d.id, d.title, d.date, d.reference, d.source, d.meta, l.confidence, l.evidence "
                      "FROM links l JOIN documents d ON d.id = l.response_id WHERE l.report_id=? "
                      "ORDER BY d.date, d.id", report_id)


def reports_for(lib, response_id: int) -> list[dict]:
    """The report(s) a response is linked to (normally one), best first."""
    return _link_rows(lib.store.conn,
                      "SELECT d.id, d.title, d.date, d.reference, d.source, d.meta, l.confidence, l.evidence "
                      "FROM links l JOIN documents d ON d.id = l.report_id WHERE l.response_id=? "
                      "ORDER BY l.confidence DESC", response_id)


def unlinked_responses(lib, explain: bool = False, threshold: float = THRESHOLD) -> list[dict]:
    """Responses not linked to any report. With ``explain``, why not and the best
    candidate (recomputed, so slower)."""
    conn = lib.store.conn
    rows = conn.execute(
        "SELECT id, type, title, date, source, text, meta FROM documents d WHERE (type=? OR (type='other' AND "
        "json_extract(meta, '$.possible_response') IS NOT NULL)) "
        "AND NOT EXISTS (SELECT 1 FROM links l WHERE l.response_id=d.id) ORDER BY id", (RESPONSE,)).fetchall()
    out, cache = [], {}
    for r in rows:
        meta = json.loads(r["meta"] or "{}")
        item = {"id": r["id"], "title": r["title"], "date": r["date"], "source": r["source"],
                "respondent": meta.get("respondent"), "possible": r["type"] != RESPONSE}
        if explain:
            _, why = decide_link(conn, r, cache, threshold)
            item["reason"] = why.get("reason", "would now link")
            item["best"] = why.get("best")
        out.append(item)
    return out
