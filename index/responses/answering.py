"""After a response is linked to its report: who wrote it, what its actions answer.

``settle_response(conn, response_id, report_id)`` (called by ``index.responses.linking`` inside the
links transaction):

* names the respondent (the dataset's, else the report recipient the letter speaks for,
  else the organisation the letter names itself) and titles the response
  "<Respondent> — response to the report on <Name>"; actions without an owner get it;
* pairs each action of the letter with the report's concern(s) it answers: through the
  letter's own restated concerns when it quotes them (text similarity, concern to concern),
  else by content (TF-IDF cosine of the action against each concern), else — when the
  report has one concern — that one. An action that matches no concern stays paired to the
  report as a whole (``answers`` empty, the link says which report);
* a document typed "other" that links as a response becomes a ``pfd_response``.
"""
from __future__ import annotations

import json
import math
import re
from collections import Counter

from corpus.extract import respondent_from_text
from corpus.extract import speaking_for, unlinked_respondent
from corpus.orgs import action_owner
from corpus.orgs import normalise_org
from corpus.responses import content_terms

PAIR_MIN = 0.08  # cosine an action (blended with its context) needs with a concern to answer it (benchmarks/actions_eval.py --cv)
PAIR_NEAR = 0.8  # other concerns within this share of the best one are answered too
PAIR_WEAK = 0.05  # below PAIR_MIN, the best concern still counts when 1.5x ahead of the next
QUOTE_MIN = 0.3  # a letter's restated concern this close to a report concern is that concern


def _vectors(texts: list[str]) -> list[dict[str, float]]:
    """TF-IDF vectors over this small set (a report's concerns and one letter's items)."""
    bags = [content_terms(t) for t in texts]
    df = Counter(w for b in bags for w in b)
    n = len(bags)
    out = []
    for b in bags:
        v = {w: (1 + math.log(c)) * (math.log((n + 1) / (df[w] + 1)) + 1) for w, c in b.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        out.append({w: x / norm for w, x in v.items()})
    return out


def _cos(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(w, 0.0) for w, x in a.items())


_HEADING = re.compile(r"^[ \t]*([A-Z][^\n.;:!?]{2,90}?)[ \t]*:?[ \t]*$", re.M)
CONTEXT_WEIGHT = 1.0  # the action's paragraph and the heading it sits under, against its own sentence (actions_eval --cv)


def action_context(text: str, start: int | None, end: int | None) -> str:
    """What an action sits in: its paragraph (``start``..``end``) and the nearest heading line
    above it (a short capitalised line with no sentence end: "Driver Training",
    "Concern 2: Information sharing") — the letter's own signposts to the concern it answers."""
    if not text or start is None:
        return ""
    para = text[start:end or start]
    head = ""
    for m in _HEADING.finditer(text, 0, start):
        if len(m.group(1).split()) <= 12:
            head = m.group(1)
    return f"{head}\n{para}" if head else para


def _blend(v: dict[str, float], c: dict[str, float], w: float) -> dict[str, float]:
    out = dict(v)
    for k, x in c.items():
        out[k] = out.get(k, 0.0) + w * x
    norm = math.sqrt(sum(x * x for x in out.values())) or 1.0
    return {k: x / norm for k, x in out.items()}


def pair_actions(concerns: list[tuple[int, str]], quoted: list[tuple[int, str]], actions: list[tuple[int, str, list[int]]],
                 pair_min: float = PAIR_MIN, contexts: dict[int, str] | None = None,
                 context_weight: float | None = None, restated: list[tuple[int, str]] | None = None,
                 positions: dict[int, int] | None = None) -> dict[int, list[int]]:
    """action id -> ids of the report concerns it answers.

    ``concerns`` (id, text) of the report; ``quoted`` (id, text) the letter's own findings
    (concerns it restates); ``actions`` (id, text, ids of the letter findings it answers);
    ``contexts`` action id -> its paragraph and heading (``action_context``), blended into its
    vector at ``CONTEXT_WEIGHT``; ``restated`` (offset, text) the letter's paragraphs and
    ``positions`` action id -> offset: an action no concern claims answers the concern the
    letter last restated above it (a paragraph within ``QUOTE_MIN`` of one concern only)."""
    if not concerns:
        return {}
    contexts = contexts or {}
    ctx_ids = [a for a, _, _ in actions if contexts.get(a)]
    restated = restated or []
    texts = ([t for _, t in concerns] + [t for _, t in quoted] + [t for _, t, _ in actions]
             + [contexts[a] for a in ctx_ids] + [t for _, t in restated])
    vecs = _vectors(texts)
    rv = vecs[len(vecs) - len(restated):] if restated else []
    cv = vecs[:len(concerns)]
    qv = vecs[len(concerns):len(concerns) + len(quoted)]
    n0 = len(concerns) + len(quoted)
    av = vecs[n0:n0 + len(actions)]
    ctx = dict(zip(ctx_ids, vecs[n0 + len(actions):]))
    w = CONTEXT_WEIGHT if context_weight is None else context_weight
    av = [_blend(v, ctx[a], w) if a in ctx else v for (a, _, _), v in zip(actions, av)]
    quote_to: dict[int, int] = {}
    for (qid, _), v in zip(quoted, qv):
        sims = [_cos(v, c) for c in cv]
        k = max(range(len(sims)), key=sims.__getitem__)
        if sims[k] >= QUOTE_MIN:
            quote_to[qid] = concerns[k][0]
    anchors = _restated(concerns, cv, [(off, v) for (off, _), v in zip(restated, rv)])
    out: dict[int, list[int]] = {}
    for (aid, _, fids), v in zip(actions, av):
        via = [quote_to[f] for f in fids if f in quote_to]
        if via:
            out[aid] = list(dict.fromkeys(via))
            continue
        sims = [_cos(v, c) for c in cv]
        best = max(sims)
        if best >= pair_min:
            out[aid] = [concerns[k][0] for k, s in enumerate(sims) if s >= max(pair_min, PAIR_NEAR * best)]
        elif len(concerns) == 1:
            out[aid] = [concerns[0][0]]
        else:  # weak but clear: the best concern well ahead of the next
            order = sorted(range(len(sims)), key=sims.__getitem__, reverse=True)
            if sims[order[0]] >= PAIR_WEAK and sims[order[0]] >= 1.5 * sims[order[1]]:
                out[aid] = [concerns[order[0]][0]]
        if aid not in out and positions and positions.get(aid) is not None:
            above = [c for off, c in anchors if off <= positions[aid]]
            if above:
                out[aid] = [above[-1]]
    return out


def _restated(concerns: list[tuple[int, str]], cv: list[dict[str, float]],
              paras: list[tuple[int, dict[str, float]]]) -> list[tuple[int, int]]:
    """(offset, concern id) of the letter's paragraphs (offset, vector) that restate one concern:
    within QUOTE_MIN of it and of no other, in letter order."""
    out = []
    for off, v in paras:
        close = [k for k, c in enumerate(cv) if _cos(v, c) >= QUOTE_MIN]
        if len(close) == 1:
            out.append((off, concerns[close[0]][0]))
    return sorted(out)


def _actions_now(conn, response_id: int, text: str, owner: str | None) -> list[tuple]:
    """Actions of a linked response that has none stored (``letters.actions_of_linked``: what
    it did, else where it answers the report — never nothing), written now; (id, text, start, end) each."""
    from corpus.extract import mask
    from corpus.extract import actions_of_linked

    from index.rows import insert_action

    out = []
    for i, a in enumerate(actions_of_linked(mask(text), owner)):
        aid = insert_action(conn, response_id, i, a.kind, a.text, a.owner or owner, a.due, a.due_text, a.updated,
                            a.status, a.page, a.start, a.end)
        out.append((aid, a.text, a.start, a.end))
    return out


def report_subject(title: str | None, reference: str | None) -> str:
    """'Jacob Billington' from 'Jacob Billington — PFD report 2024-0621'; else the reference."""
    name = (title or "").split(" — ")[0].strip()
    if name and not re.match(r"(?i)^(?:pfd report|report|untitled|unknown)\b", name):
        return name
    return reference or "a PFD report"


def response_title(respondent: str | None, subject: str | None = None) -> str:
    """"<Respondent> — response to the report on <name or reference>", the respondent by its
    organisation's canonical name ("The Chief Executive Officer of the Coventry and
    Warwickshire Partnership Trust" -> "Coventry and Warwickshire Partnership NHS Trust")."""
    org = normalise_org(respondent) if respondent else None
    who = (org.name if org and org.key else respondent) or "Unknown respondent"
    return f"{who} — response to the report on {subject}" if subject else f"{who} — response to a PFD report"


def name_unlinked(conn, response_id: int, candidate_id: int | None = None) -> str | None:
    """A response not (yet) linked still says who wrote it (``speaker.unlinked_respondent``): one of
    the recipients of its best candidate report ``candidate_id`` when the letter speaks for it, else
    its self-named organisation (letterhead, "on behalf of", signature), else the organisation it
    names that the respondent model finds more likely than not to be speaking. Only a document typed
    a response is written to (its title and ``meta.respondent``); for another type the name is
    returned and nothing changes."""
    row = conn.execute("SELECT id, type, title, text, meta FROM documents WHERE id=?", (response_id,)).fetchone()
    if row is None:
        return None
    meta = json.loads(row["meta"] or "{}")
    if meta.get("respondent"):
        return meta["respondent"]
    recipients: list[str] = []
    if candidate_id is not None:
        rep = conn.execute("SELECT meta FROM documents WHERE id=?", (candidate_id,)).fetchone()
        rmeta = json.loads(rep["meta"] or "{}") if rep else {}
        recipients = rmeta.get("recipients") or []
        if isinstance(recipients, str):
            recipients = [r for r in re.split(r"\s*;\s*", recipients) if r]
    who, how = unlinked_respondent(row["text"] or "", recipients)
    if not who or not normalise_org(who).key:
        return None
    who = normalise_org(who).name or who
    if row["type"] != "pfd_response":
        # a candidate of another type (minutes, an inspection, an action plan) that reads like an
        # answer is listed as unlinked, but stays what it is: no respondent, no "response to" title
        return who
    meta["respondent"], meta["respondent_from"] = who, how
    conn.execute("UPDATE documents SET title=?, meta=? WHERE id=?",
                 (response_title(who), json.dumps(meta, ensure_ascii=False), response_id))
    settle_owners(conn, response_id)
    return who


def settle_owners(conn, document_id: int) -> int:
    """Write who took each action of a response (``corpus.orgs.cells.action_owner``: its respondent's
    unless the action's own sentence names another body), once the respondent is known: at
    ingest for a dataset's letter, when a bare letter is linked or named. Every page reads the
    stored owner. Idempotent; returns how many owners changed."""
    row = conn.execute("SELECT json_extract(meta, '$.respondent'), json_extract(meta, '$.respondent_from')"
                       " FROM documents WHERE id=?", (document_id,)).fetchone()
    if row is None or not row[0]:
        return 0
    who, how = row
    changed = [(new, aid) for aid, owner, text in conn.execute(
        "SELECT id, owner, text FROM actions WHERE document_id=?", (document_id,))
        if (new := action_owner(owner, text, who, how)) != owner]
    conn.executemany("UPDATE actions SET owner=? WHERE id=?", changed)
    return len(changed)


def settle_all_owners(conn) -> int:
    """``settle_owners`` for every response of a library written before owners were settled
    when stored (once, on opening it: ``library.Library``)."""
    ids = [r[0] for r in conn.execute("SELECT DISTINCT a.document_id FROM actions a JOIN documents d"
                                      " ON d.id = a.document_id WHERE json_extract(d.meta, '$.respondent') IS NOT NULL")]
    return sum(settle_owners(conn, i) for i in ids)


def settle_response(conn, response_id: int, report_id: int) -> dict:
    """Respondent, title, owners and concern pairs of one linked response (see module doc)."""
    resp = conn.execute("SELECT id, type, title, text, meta FROM documents WHERE id=?", (response_id,)).fetchone()
    rep = conn.execute("SELECT id, title, reference, meta FROM documents WHERE id=?", (report_id,)).fetchone()
    if resp is None or rep is None:
        return {}
    meta = json.loads(resp["meta"] or "{}")
    rmeta = json.loads(rep["meta"] or "{}")
    recipients = rmeta.get("recipients") or []
    if isinstance(recipients, str):
        recipients = [r for r in re.split(r"\s*;\s*", recipients) if r]
    respondent = meta.get("respondent") if meta.get("respondent_from") in (None, "dataset") else None
    how = "dataset"
    if not respondent:
        who, _ = speaking_for(resp["text"], recipients)
        respondent = (normalise_org(who).name or who) if who else None
        how = "report recipients"
        if not respondent:
            respondent, how = respondent_from_text(resp["text"]), "letter text"
    if respondent:
        meta["respondent"] = respondent
        meta["respondent_from"] = how
    title = response_title(respondent, report_subject(rep['title'], rep['reference']))
    kind = "pfd_response" if resp["type"] in ("other", "pfd_response") else resp["type"]
    conn.execute("UPDATE documents SET title=?, meta=?, type=? WHERE id=?",
                 (title, json.dumps(meta, ensure_ascii=False), kind, response_id))
    concerns = [(r[0], r[1]) for r in conn.execute(
        "SELECT id, text FROM findings WHERE document_id=? AND kind='concern' ORDER BY seq", (report_id,))]
    quoted = [(r[0], r[1]) for r in conn.execute(
        "SELECT id, text FROM findings WHERE document_id=? ORDER BY seq", (response_id,))]
    acts = conn.execute("SELECT id, text, start, end FROM actions WHERE document_id=? ORDER BY seq",
                        (response_id,)).fetchall()
    if not acts:  # typed "other" at ingest, or a letter stating no action: read it now as a response
        acts = _actions_now(conn, response_id, resp["text"] or "", respondent)
    settle_owners(conn, response_id)
    own = {}
    for aid, fid in conn.execute(
            "SELECT af.action_id, af.finding_id FROM action_findings af JOIN actions a ON a.id = af.action_id "
            "WHERE a.document_id=?", (response_id,)):
        own.setdefault(aid, []).append(fid)
    ids = [a[0] for a in acts]
    if ids:  # re-pairing after a new link: drop the pairs to other documents' findings first
        q = ",".join("?" * len(ids))
        conn.execute(f"DELETE FROM action_findings WHERE action_id IN ({q}) AND finding_id NOT IN "
                     f"(SELECT id FROM findings WHERE document_id=? OR document_id IN "  # a letter answering several
                     f"(SELECT report_id FROM links WHERE response_id=? AND report_id<>?))",  # reports keeps each one's
                     ids + [response_id, response_id, report_id])  # pairs (issue 10l)
    from corpus.extract import paragraphs

    text = resp["text"] or ""
    contexts = {a[0]: action_context(text, a[2], a[3]) for a in acts}
    pairs = pair_actions(concerns, quoted, [(a[0], a[1], own.get(a[0], [])) for a in acts], contexts=contexts,
                         restated=[(p.start, p.text) for p in paragraphs(text)],
                         positions={a[0]: a[2] for a in acts if a[2] is not None})
    conn.executemany("INSERT OR IGNORE INTO action_findings(action_id, finding_id) VALUES (?,?)",
                     [(a, f) for a, fs in pairs.items() for f in fs])
    return {"respondent": respondent, "title": title, "actions": len(acts), "paired": len(pairs)}
