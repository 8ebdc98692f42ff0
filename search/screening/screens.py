"""Screening: find every document on a topic, with a person's judgements and no language model.

A *screen* is a named, saved question over the library — a description ("a death after
restraint by police or prison staff"), optional filters (type, dates, area, recipient) —
and the person's judgements (relevant or not, with an optional note). From those the
screening model (``search.screening.model``, over ``search.screening.features``) gives
every document a probability of being relevant; :func:`next_documents` proposes what to
judge next; :func:`show_screen` reports progress, an estimated recall with how it was
estimated, and the ``included`` set (judged relevant, or unjudged and predicted relevant),
which exports as CSV or as a learning pack.

Rankings are cached per screen and judgement count, features per library, so judging a
document refits and re-ranks without re-reading the library."""
from __future__ import annotations

import csv
import io
import logging
import math
import re
import threading
from typing import Any

import numpy as np

from index import screens as screens_store
from index.library import Library

from search.screening import features as sf
from search.browse import DOC_TYPES, check_partial_date
from search.screening import conditions as sc
from search.screening import proposal as sp_
from search.screening import sample as ss
from search.screening import stopping
from search.screening.model import Design, Knobs, Ranking, estimates, prior_score, propose, rank

log = logging.getLogger(__name__)

FILTER_KEYS = ("type", "date_from", "date_to", "area", "recipient")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")
DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
MAX_QUERY = 2000
MAX_NOTE = 2000
YES = {"yes", "y", "1", "true", "relevant", "include", "included"}
NO = {"no", "n", "0", "false", "not relevant", "irrelevant", "exclude", "excluded"}
CSV_COLUMNS = ["id", "reference", "title", "type", "date", "p", "label", "note", "included", "case_id"]

KNOBS = Knobs()


class ScreenError(ValueError):
    """A request that cannot be carried out; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------------------- validation
def check_name(name: str) -> str:
    name = (name or "").strip()
    if not NAME.fullmatch(name):
        raise ScreenError("a screen name is 1-80 letters, digits, '-' or '_', starting with a letter or digit")
    return name


def clean_filters(filters: dict[str, Any] | None) -> dict[str, str]:
    out = {}
    for k, v in (filters or {}).items():
        if v in (None, ""):
            continue
        if k not in FILTER_KEYS:
            raise ScreenError(f"unknown filter {k!r}; known: {', '.join(FILTER_KEYS)}")
        v = " ".join(str(v).split())
        if k in ("date_from", "date_to"):
            try:  # a real month and day, as on the documents page
                v = check_partial_date(v, k) or v
            except ValueError as e:
                raise ScreenError(str(e)) from None
        if k == "type" and v not in DOC_TYPES:
            raise ScreenError(f"type must be one of {', '.join(DOC_TYPES)} (not {v[:40]!r})")
        out[k] = v
    # a period ends after its last day: date_to "2021" holds "2021-06"; "~" sorts after digits and "-"
    if out.get("date_from") and out.get("date_to") and out["date_from"] > out["date_to"] + "~":
        raise ScreenError(f"date_from {out['date_from']} is after date_to {out['date_to']}: no document can match")
    return out


def parse_label(label: Any) -> int:
    v = str(label if label is not None else "").strip().lower()
    if v in YES:
        return 1
    if v in NO:
        return 0
    raise ScreenError(f"a judgement is yes or no, not {str(label)[:40]!r}")


# ---------------------------------------------------------------------------- screens
def create_screen(lib: Library, name: str, query: str, filters: dict[str, Any] | None = None) -> dict[str, Any]:
    name = check_name(name)
    query = " ".join((query or "").split())
    if not query:
        raise ScreenError("a screen needs a description: what a relevant document is about, in a sentence")
    if len(query) > MAX_QUERY:
        raise ScreenError(f"a description is at most {MAX_QUERY} characters")
    try:
        screens_store.insert_screen(lib, name, query, clean_filters(filters))
    except KeyError:
        raise ScreenError(f"a screen called {name!r} exists already", 409) from None
    return show_screen(lib, name, limit=0)


def _screen(lib: Library, name: str) -> dict[str, Any]:
    s = screens_store.screen_by_name(lib, (name or "").strip())
    if s is None:
        raise ScreenError(f"no screen {name!r}", 404)
    return s


def screen_by_name(lib: Library, name: str) -> dict[str, Any]:
    """The screen's stored row (name, query, filters); ScreenError 404 when there is none."""
    return _screen(lib, name)


def list_screens(lib: Library) -> dict[str, Any]:
    rows = screens_store.all_screens(lib)
    return {"total": len(rows), "screens": [
        {k: r[k] for k in ("id", "name", "query", "filters", "judged", "relevant_found", "created", "updated")}
        for r in rows]}


def delete_screen(lib: Library, name: str) -> None:
    screens_store.delete_screen(lib, _screen(lib, name)["id"])


# ---------------------------------------------------------------------------- the model state
class ScreenState:
    """Everything one screen's ranking needs, for one set of judgements."""

    def __init__(self, feats: sf.Features, universe: np.ndarray, design: Design, judged_rows: np.ndarray,
                 labels: np.ndarray, notes: dict[int, str], ranking: Ranking, seed: int):
        self.feats, self.universe, self.design = feats, universe, design
        self.judged_rows, self.labels, self.notes, self.ranking, self.seed = judged_rows, labels, notes, ranking, seed


_PRIORS: dict[tuple, tuple[np.ndarray, Design]] = {}
_RANKINGS: dict[tuple, ScreenState] = {}
_LOCK = threading.Lock()


def _universe(feats: sf.Features, filters: dict[str, str]) -> np.ndarray:
    """Rows of the documents the screen's filters admit."""
    want_recipient = sf.org_key(filters["recipient"]) if filters.get("recipient") else None
    area = (filters.get("area") or "").lower()
    rows = []
    for i, d in enumerate(feats.docs):
        if filters.get("type") and d["type"] != filters["type"]:
            continue
        date = d.get("date") or ""
        if filters.get("date_from") and (not date or date < filters["date_from"]):
            continue
        if filters.get("date_to") and (not date or date[: len(filters["date_to"])] > filters["date_to"]):
            continue
        if area and area not in (d.get("area") or "").lower():
            continue
        if filters.get("recipient") and want_recipient not in d.get("recipient_keys", []):
            continue
        rows.append(i)
    return np.array(rows, dtype=np.int64)


def screen_state(lib: Library, screen: dict[str, Any], knobs: Knobs | None = None) -> ScreenState:
    """The screen's ranking for its current judgements (cached per screen and judgement count)."""
    knobs = knobs or KNOBS
    feats = sf.features_for(lib)
    js = screens_store.judgements(lib, screen["id"])
    judged = [(feats.row_of(j["document_id"]), j["label"], j["note"]) for j in js]
    seqs = np.array([j["seq"] for j, (r, _, _) in zip(js, judged) if r is not None], dtype=np.int64)
    judged = [(r, lab, note) for r, lab, note in judged if r is not None]
    key = (str(lib.path), feats.signature, screen["id"], screen["query"], tuple(sorted(screen["filters"].items())),
           tuple((r, lab) for r, lab, _ in judged), id(knobs))
    with _LOCK:
        st = _RANKINGS.get(key)
        if st is not None:
            return st
        pkey = key[:5] + (id(knobs),)
        if pkey not in _PRIORS:
            universe = _universe(feats, screen["filters"])
            signals = feats.description_signals(lib, screen["query"])
            prior = prior_score(signals, universe, knobs) if len(universe) else np.zeros(feats.n, np.float32)
            parts = sc.conditions(screen["query"])
            if len(parts) >= 2 and len(universe):  # each condition must be met: search.screening.conditions
                prior = sc.combine(prior, [prior_score(feats.description_signals(lib, c), universe, knobs)
                                           for c in parts], universe)
            qdense = np.concatenate([signals["_vector"], signals["_vector"]]).astype(np.float32)
            qwords = feats.query_words(screen["query"])
            dense, half = feats.dense, feats.dense.shape[1] // 2
            if knobs.meaning in ("passages", "concerns"):  # one half of the meaning features (tuning)
                part = slice(0, half) if knobs.meaning == "passages" else slice(half, None)
                dense, qdense = np.ascontiguousarray(dense[:, part]), qdense[part]
            design = Design(dense, feats.words, prior, qdense, qwords, knobs)
            if len(_PRIORS) > 32:
                _PRIORS.clear()
            _PRIORS[pkey] = (universe, design)
        universe, design = _PRIORS[pkey]
        judged_rows = np.array([r for r, _, _ in judged], dtype=np.int64)
        labels = np.array([lab for _, lab, _ in judged], dtype=int)
        notes = {r: note for r, _, note in judged if note}
        seed = int(screen["id"]) * 100_003 + len(judged)
        # judgements of documents outside the filters still teach the model
        ranking = rank(design, universe, judged_rows, labels, knobs, seed=seed)
        st = ScreenState(feats, universe, design, judged_rows, labels, notes, ranking, seed)
        st.seqs = seqs
        if len(_RANKINGS) > 64:
            _RANKINGS.clear()
        _RANKINGS[key] = st
        return st


# ---------------------------------------------------------------------------- next / judge / show
def next_documents(lib: Library, name: str, n: int = 10, concerns: bool = False,
                   knobs: Knobs | None = None) -> dict[str, Any]:
    """``{"documents": [{"id", "reference", "title", "p", "why", "type", "date", "area", "age",
    "age_text", "what_happened", "case_id"}]}``: the unjudged documents to judge next, the likeliest
    first (``why``: likely; uncertain or sample only when the knobs ask for them)."""
    if not 1 <= int(n) <= 500:
        raise ScreenError("n must be between 1 and 500")
    screen = _screen(lib, name)
    knobs = knobs or KNOBS
    st = screen_state(lib, screen, knobs)
    judged = set(st.judged_rows.tolist())
    candidates = np.array([r for r in st.universe if int(r) not in judged], dtype=np.int64)
    drawn = _draws_to_show(lib, screen, st, candidates, int(n), knobs)
    shown = {r for r, _ in drawn}
    rest = np.array([r for r in candidates if int(r) not in shown], dtype=np.int64)
    picks = propose(st.ranking.p, rest, int(n) - len(drawn), knobs, seed=st.seed, explore=len(st.labels) > 0,
                    random=knobs.sample_share <= 0)
    picks = drawn + picks
    ids = [int(st.feats.doc_ids[r]) for r, _ in picks]
    found = screens_store.concerns_of(lib, ids) if concerns else {}
    # the p shown is the ranking's (after the sampled check's adjustment), so a document reads
    # the same under "judge next" as in the screen's list; the proposals are chosen on the model's
    _, shown_p = _estimates(lib, screen, st, knobs) if picks else (None, st.ranking.p)
    case_of = _cases(lib, ids)
    about = sp_.details(lib, ids)  # what a judge needs: age, what happened, area
    docs = []
    for r, why in picks:
        d = st.feats.docs[r]
        item = {"id": d["id"], "reference": d["reference"], "title": d["title"], "p": round(float(shown_p[r]), 4),
                "why": why, "type": d["type"], "date": d["date"], "area": d.get("area"),
                "case_id": case_of[int(d["id"])], **about.get(int(d["id"]), {})}
        if concerns:
            item["concerns"] = found.get(d["id"], [])
        docs.append(item)
    return {"screen": screen["name"], "documents": docs}


def _draws_to_show(lib: Library, screen: dict[str, Any], st: ScreenState, candidates: np.ndarray, n: int,
                   knobs: Knobs) -> list[tuple[int, str]]:
    """[(row, "sample")]: drawn documents not judged yet (earlier draws first, so reloading a
    page does not draw again), then new draws, so that about ``sample_share`` of everything
    proposed was drawn at random (search.screening.sample). Each new draw is recorded."""
    if knobs.sample_share <= 0 or not len(candidates):
        return []
    earlier = screens_store.draws(lib, screen["id"])
    in_pool = set(candidates.tolist())
    pending = list(dict.fromkeys(r for r in (st.feats.row_of(d["document_id"]) for d in earlier)
                                 if r is not None and r in in_pool))
    out = [(r, "sample") for r in pending[:n]]
    want = int(math.ceil(knobs.sample_share * (len(st.labels) + n))) - len(earlier)
    want = min(want, n - len(out))
    if want > 0:
        rng = np.random.default_rng(st.seed + 7919 * (len(earlier) + 1))
        new = ss.draw(rng, candidates, st.ranking.p[candidates], want, knobs.sample_uniform)
        seq = max((j["seq"] for j in screens_store.judgements(lib, screen["id"])), default=0)
        screens_store.add_draws(lib, screen["id"], [
            {**d, "document_id": int(st.feats.doc_ids[d["row"]]), "judged_seq": seq} for d in new])
        taken = {r for r, _ in out}
        for d in new:
            if d["row"] not in taken:
                out.append((d["row"], "sample"))
                taken.add(d["row"])
    return out


def judge(lib: Library, name: str, doc_id: Any, label: Any, note: str = "") -> dict[str, Any]:
    """Record one judgement; returns the screen's new estimates."""
    result = judge_many(lib, name, [(doc_id, label, note)])
    if result["errors"]:
        e = result["errors"][0]
        raise ScreenError(e["error"], e.get("status", 400))
    return result


def judge_many(lib: Library, name: str, items: list[tuple[Any, Any, str]]) -> dict[str, Any]:
    """Record many judgements in one transaction; bad rows are reported and skipped."""
    screen = _screen(lib, name)
    good, errors = [], []
    parsed = []
    for i, (doc_id, label, note) in enumerate(items, 1):
        try:
            did = int(str(doc_id).strip())
        except ValueError:
            errors.append({"row": i, "id": str(doc_id)[:40], "error": "a document id is a whole number", "status": 400})
            continue
        try:
            lab = parse_label(label)
        except ScreenError as e:
            errors.append({"row": i, "id": did, "error": str(e), "status": 400})
            continue
        if len(note or "") > MAX_NOTE:
            errors.append({"row": i, "id": did, "error": f"a note is at most {MAX_NOTE} characters", "status": 400})
            continue
        parsed.append((i, did, lab, (note or "").strip()))
    present = screens_store.existing_documents(lib, [p[1] for p in parsed])
    in_screen = None
    if screen["filters"] and any(p[1] in present for p in parsed):
        st = screen_state(lib, screen)
        in_screen = {int(st.feats.doc_ids[r]) for r in st.universe}
    for i, did, lab, note in parsed:
        if did not in present:
            errors.append({"row": i, "id": did, "error": f"no document {did}", "status": 404})
        elif in_screen is not None and did not in in_screen:  # recorded but never counted, before
            errors.append({"row": i, "id": did, "status": 400,
                           "error": f"document {did} is not in this screen (its filters leave it out)"})
        else:
            good.append((did, lab, note))
    if good:
        screens_store.save_judgements(lib, screen["id"], good)
    summary = show_screen(lib, name, limit=0)
    summary.pop("documents", None)
    return {"recorded": len(good), "errors": errors, **summary}


def read_judgements_csv(text: str) -> list[tuple[str, str, str]]:
    """Rows of a judgements file: ``id,label[,note]`` with or without a header."""
    rows = list(csv.reader(io.StringIO(text)))
    if rows and rows[0] and rows[0][0].strip().lower() in ("id", "document_id", "doc_id"):
        rows = rows[1:]
    out = []
    for r in rows:
        if not r or not any(c.strip() for c in r):
            continue
        out.append((r[0], r[1] if len(r) > 1 else "", r[2] if len(r) > 2 else ""))
    return out


NOT_ESTIMABLE = ("not yet estimable: the model's probabilities are calibrated only once at least "
                 f"{2} documents of each kind (relevant, not relevant) are judged")


def _stop(st: ScreenState, in_u: np.ndarray, remaining: float, target: float, confidence: float) -> dict[str, Any]:
    """The stopping rule's verdict (search.screening.stopping) on the screen's judgements in the
    order they were made, counting only the documents in the screen."""
    return stopping.stop_decision([int(x) for x in st.labels[in_u]], int(len(st.universe)), remaining,
                                  target, confidence)


def _estimates(lib: Library, screen: dict[str, Any], st: ScreenState, knobs: Knobs,
               target: float = stopping.TARGET_RECALL,
               confidence: float = stopping.CONFIDENCE) -> tuple[dict[str, Any], np.ndarray]:
    """The screen's estimates and every row's probability as shown: the model's estimate of
    the relevant documents left unjudged checked against the sampled draws
    (search.screening.sample), the unjudged probabilities shifted to sum to the result, and the
    included set chosen from them."""
    in_u = np.isin(st.judged_rows, st.universe)
    in_rows, lab_u = st.judged_rows[in_u], st.labels[in_u]
    est = estimates(st.ranking.p, st.universe, in_rows, lab_u, knobs, st.ranking.p_alternative)
    est["method"] = st.ranking.method
    est["model_estimated_relevant"] = est["estimated_relevant"]
    est["sampled_check"] = None
    if not len(st.labels):
        est["stop"] = _stop(st, in_u, 0.0, target, confidence)
        est["estimated_recall_note"] = "not yet estimable: nothing is judged yet"
        return est, st.ranking.p
    judged = set(st.judged_rows.tolist())
    unjudged = np.array([r for r in st.universe if int(r) not in judged], dtype=np.int64)
    found = int(lab_u.sum())
    model_est = float(st.ranking.p[unjudged].sum()) if len(unjudged) else 0.0
    alt = st.ranking.p_alternative
    if knobs.model_estimate == "geometric" and alt is not None and len(unjudged):
        # the mixture (fitted to every score) tends to miss relevant documents that score like the
        # rest, Platt scaling (fitted to the judged documents, chosen by score) to overcount the
        # long tail; their geometric mean sits between (chosen on the tuning topics)
        platt_est = float(alt[unjudged].sum())
        est["mixture_estimated_relevant"] = round(model_est, 1)
        est["platt_estimated_relevant"] = round(platt_est, 1)
        model_est = math.sqrt(max(model_est, 0.01) * max(platt_est, 0.01))
        est["model_estimated_relevant"] = round(model_est, 1)
        est["method"] += (f"; the model's estimate is the geometric mean of the mixture's ({est['mixture_estimated_relevant']:g}) "
                          f"and Platt scaling's ({est['platt_estimated_relevant']:g})")
    doc_ids = st.feats.doc_ids
    seq_of = {int(doc_ids[r]): int(q) for r, q in zip(in_rows, st.seqs[in_u])}
    labels_by_doc = {int(doc_ids[r]): int(lab) for r, lab in zip(in_rows, lab_u)}
    sample = ss.sampled_remaining(screens_store.draws(lib, screen["id"]), labels_by_doc, seq_of,
                                  knobs.sample_uniform) if knobs.sample_share > 0 else None
    if sample is not None:  # no more relevant documents can remain than there are unjudged ones
        sample["interval"] = [min(v, float(len(unjudged))) for v in sample["interval"]]
    remaining, interval, how = ss.combine(model_est, sample, knobs.combine)
    stop = _stop(st, in_u, remaining, target, confidence)
    bound_from = "sampled check"
    if interval is None and len(unjudged):
        # no random sample: the one-sided bound of the stopping test (at the stated confidence,
        # no more than this many relevant documents are unjudged) is the interval, and caps the model
        upper = float(stop["upper_remaining"])
        if remaining > upper:
            remaining, how = upper, "model, lowered to the stopping test's upper bound"
            stop = _stop(st, in_u, remaining, target, confidence)
        interval, bound_from = [0.0, upper], "stopping test"
    elif interval is None:  # everything judged: recall of the judging is known exactly
        interval, bound_from = [0.0, 0.0], "every document judged"
    p = st.ranking.p.copy()
    if len(unjudged):
        if abs(remaining - float(st.ranking.p[unjudged].sum())) > 1e-9:
            p[unjudged] = ss.recalibrate(st.ranking.p[unjudged], remaining)
    cut, k, exp_rel = ss.inclusion(p[unjudged], found, knobs.include_recall, knobs.threshold)
    total = found + remaining
    est.update({
        "estimated_relevant": round(remaining, 1),
        "estimated_recall": round(found / total, 3) if total > 0 else None,
        "included": found + k,
        "estimated_included_recall": round((found + exp_rel) / total, 3) if total > 0 else None,
        "estimated_included_precision": round((found + exp_rel) / (found + k), 3) if found + k else None,
        "inclusion_p": round(float(cut), 6),
        "estimate_from": how,
    })
    est["stop"] = stop
    if interval is not None:
        lo, hi = interval
        est["estimated_relevant_range"] = [round(lo, 1), round(hi, 1)]
        est["estimated_recall_range"] = [round(found / (found + hi), 3) if found + hi > 0 else None,
                                         round(found / (found + lo), 3) if found + lo > 0 else None]
    if bound_from == "stopping test" and interval is not None:
        est["recall_method"] = (
            f"point: relevant found ÷ (found + the model's estimate of the relevant unjudged, {remaining:.1f}); "
            f"range: from the stopping test's one-sided bound — at {confidence:.0%} confidence at most "
            f"{interval[1]:.0f} relevant documents are unjudged, so recall is at least "
            f"{est['estimated_recall_range'][0]:.0%}; its upper end is 100% (nothing rules out that all are found)")
    uncalibrated = "uncalibrated" in st.ranking.method or "description only" in st.ranking.method
    if found == 0 or (uncalibrated and len(unjudged)):
        est["estimated_recall"] = None
        est["estimated_recall_note"] = ("not yet estimable: no relevant document found yet" if found == 0
                                        else NOT_ESTIMABLE)
        if found == 0:
            est["estimated_recall_range"] = None
    if sample is not None and interval is not None:
        lo, hi = interval
        est["sampled_check"] = {k_: (round(v, 3) if isinstance(v, float) else v) for k_, v in {
            "draws_judged": sample["draws"], "relevant_drawn": sample["relevant_drawn"],
            "draws_pending": sample["pending"], "difference_estimate": sample["difference"]["estimate"],
            "horvitz_thompson_estimate": sample["ht"]["estimate"],
            "difference_se": sample["difference"]["se"] if math.isfinite(sample["difference"]["se"]) else None}.items()}
        est["method"] = (f"{est['method']}. Checked by a random sample: {sample['draws']} document{'' if sample['draws'] == 1 else 's'} drawn from the "
                         f"unjudged with known chances and judged ({sample['relevant_drawn']} relevant) give a 95% "
                         f"interval of {lo:.0f}-{hi:.0f} relevant documents unjudged; the estimate is the {how}")
    return est, p


def show_screen(lib: Library, name: str, limit: int | None = None, knobs: Knobs | None = None,
                target_recall: float = stopping.TARGET_RECALL,
                confidence: float = stopping.CONFIDENCE) -> dict[str, Any]:
    """The screen's progress and documents (best first; ``limit`` None for all, 0 for none):
    ``{"name", "query", "filters", "judged", "relevant_found", "estimated_relevant",
    "estimated_recall", "method", "included", "documents": [{"id", "reference", "title",
    "p", "label", "included"}]}``."""
    screen = _screen(lib, name)
    knobs = knobs or KNOBS
    if not 0.5 <= float(target_recall) <= 1.0 or not 0.5 <= float(confidence) < 1.0:
        raise ScreenError("target recall is between 0.5 and 1, confidence between 0.5 and 1 (not 1)")
    st = screen_state(lib, screen, knobs)
    est, p = _estimates(lib, screen, st, knobs, float(target_recall), float(confidence))
    est.pop("_cut", None)
    # what judging alone has found, apart from what the screen would hand over ("included")
    est["found_by_judging"] = {
        "relevant": est["relevant_found"], "judged": est["judged"], "estimated_recall": est.get("estimated_recall"),
        "estimated_recall_range": est.get("estimated_recall_range"), "recall_lower_bound": est["stop"]["recall_lower_bound"]}
    est["included_set"] = {
        "documents": est["included"], "judged_relevant": est["relevant_found"],
        "predicted_relevant_unjudged": est["included"] - est["relevant_found"],
        "estimated_recall": est.get("estimated_included_recall"),
        "estimated_precision": est.get("estimated_included_precision"),
        "method": "the judged-relevant documents plus the unjudged ones the model ranks likeliest, until they are "
                  f"expected to hold {knobs.include_recall:.0%} of the relevant documents (expected recall and "
                  "precision from the model's probabilities; not covered by the stopping test's guarantee)"}
    n_include = est["included"] - est["relevant_found"]  # the likeliest unjudged documents this many are included
    label_of = {int(r): int(lab) for r, lab in zip(st.judged_rows, st.labels)}
    out = {"name": screen["name"], "query": screen["query"], "filters": screen["filters"],
           "documents_in_screen": int(len(st.universe)), **est,
           "calibration": st.ranking.calibration,
           "threshold": knobs.threshold, "include_recall": knobs.include_recall, "created": screen["created"], "updated": screen["updated"]}
    out["relevant_found"] = est["relevant_found"]
    # by p, ties (probabilities too small to tell apart) by the model's score
    order = st.universe[np.lexsort((-st.ranking.score[st.universe], -p[st.universe]))]
    included, seen_unjudged = set(), 0
    for r in order:
        lab = label_of.get(int(r))
        if lab == 1 or (lab is None and seen_unjudged < n_include):
            included.add(int(r))
        seen_unjudged += lab is None
    # a response letter and the report it answers are one case (as in a learning pack)
    case_of = _cases(lib, [int(st.feats.doc_ids[r]) for r in order])
    relevant_rows = [int(r) for r in order if label_of.get(int(r)) == 1]
    out["relevant_found_cases"] = len({case_of[int(st.feats.doc_ids[r])] for r in relevant_rows})
    out["included_cases"] = len({case_of[int(st.feats.doc_ids[r])] for r in included})
    docs = []
    if limit != 0:
        for r in order[: (limit if limit else len(order))]:
            r = int(r)
            d = st.feats.docs[r]
            lab = label_of.get(r)
            docs.append({"id": d["id"], "reference": d["reference"], "title": d["title"],
                         "p": round(float(p[r]), 4), "label": None if lab is None else ("yes" if lab else "no"),
                         "included": r in included, "case_id": case_of[int(d["id"])],
                         "type": d["type"], "date": d["date"], "note": st.notes.get(r, "")})
    out["documents"] = docs
    return out


def _cases(lib: Library, doc_ids: list[int]) -> dict[int, int]:
    from search.packs import case_ids

    return case_ids(lib, doc_ids)


def included_documents(lib: Library, name: str) -> list[dict[str, Any]]:
    return [d for d in show_screen(lib, name)["documents"] if d["included"]]


def to_csv(docs: list[dict[str, Any]]) -> str:
    from search.csv_cells import write_csv  # a note or title starting with "=" must not run as a formula

    return write_csv(list(CSV_COLUMNS), ([d["id"], d["reference"] or "", d["title"], d["type"], d["date"] or "", d["p"],
                                          d["label"] or "", d.get("note") or "", "yes" if d["included"] else "no",
                                          d.get("case_id", d["id"])]
                                         for d in docs))


PACK_LIMIT = 2000  # a learning pack is for reading: beyond this, export the CSV


def add_to_pack(lib: Library, name: str, collection_id: int | None = None) -> dict[str, Any]:
    """Put the included set in a learning pack (a new one named after the screen unless
    ``collection_id`` is given): judged-relevant documents first, then the rest by p."""
    from search.packs import packs

    screen = _screen(lib, name)
    docs = included_documents(lib, name)
    if not docs:
        raise ScreenError("nothing is included yet (no document matches the screen's filters, or none is judged "
                          "or predicted relevant): judge some documents first")
    docs.sort(key=lambda d: (d["label"] != "yes", -d["p"]))
    if len(docs) > PACK_LIMIT:
        raise ScreenError(f"{len(docs)} documents are included; a learning pack holds at most {PACK_LIMIT} "
                          "(judge more, or export the CSV)")
    try:
        out = packs.fill_from_screen(lib, screen["name"], screen["query"], docs, collection_id)
    except packs.PackError as e:
        raise ScreenError(str(e), getattr(e, "status", 400)) from e
    cases = len({d["case_id"] for d in docs})
    return {**out, "cases": cases, "link": f"/collections/{out['collection_id']}"}
