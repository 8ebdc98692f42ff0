"""Retrieval evaluation: rank documents for each query with keyword-only, dense-only and
hybrid search, side by side, and score the rankings against relevance judgements.

Two kinds of judgements are read:

* a qrels file (TSV or CSV) with columns ``query`` and ``relevant``, one row per relevant
  document; ``relevant`` names a document by its reference (``2024-0621``), its source
  path, the file name of its source, or its URL;
* the PFD-toolkit theme labels (``themes-dev.csv``: ``id,url,<label>...`` with True/False
  cells, and a JSON object ``{label: definition}``): each label's definition is the
  query and the reports labelled True are relevant. Reports are matched to the
  PFD-toolkit ``reports.csv`` by URL (unique per report; ``id`` is not: some rows have
  none and a few share one), and :func:`build_theme_library` ingests just those rows.

Documents are ranked by the product's own ranker (:func:`search.ranking.ranker.rank_documents`:
the order in which the search page lists cases), in each of its modes, beside two plain BM25
baselines: ``bm25`` (FTS5's BM25 over passages, a document scoring the sum of its two best) and
``bm25-report`` (BM25 over each document's whole text, document frequencies over documents). Every
document a judgement names counts once: if one reference matches two documents the
first one ranked counts and the other is dropped from the ranking, so duplicates can
neither inflate nor hurt a score.

The metric functions are pure: a ranking is a list of keys, best first, and the
relevant keys are a set."""
from __future__ import annotations

import csv
import io
import json
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

BASELINE = "bm25"
WHOLE_REPORT = "bm25-report"  # plain BM25 over each document's whole text (search.ranking.whole.plain_document_bm25)
MODES = (BASELINE, WHOLE_REPORT, "keyword", "dense", "hybrid")
METRICS = ("MAP", "nDCG@10", "P@10", "R@50")
DEPTH = 1000  # candidates per list: enough to rank every document of a test library

csv.field_size_limit(1 << 30)


# ----------------------------------------------------------------------------- metrics
def average_precision(ranking: Sequence[str], relevant: set[str]) -> float:
    """Mean of precision@i over the ranks i of the relevant items; relevant items never
    retrieved count as precision 0. No relevant items: 0."""
    if not relevant:
        return 0.0
    hits = 0
    total = 0.0
    for i, key in enumerate(ranking, 1):
        if key in relevant:
            hits += 1
            total += hits / i
    return total / len(relevant)


def mean_average_precision(runs: Iterable[tuple[Sequence[str], set[str]]]) -> float:
    aps = [average_precision(r, rel) for r, rel in runs]
    return sum(aps) / len(aps) if aps else 0.0


def precision_at(ranking: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Relevant items in the top ``k``, divided by ``k`` (a short ranking is not excused)."""
    return sum(1 for key in ranking[:k] if key in relevant) / k


def recall_at(ranking: Sequence[str], relevant: set[str], k: int = 50) -> float:
    if not relevant:
        return 0.0
    return sum(1 for key in ranking[:k] if key in relevant) / len(relevant)


def ndcg_at(ranking: Sequence[str], relevant: set[str], k: int = 10) -> float:
    """Binary-gain nDCG: sum of 1/log2(rank+1) over relevant items in the top ``k``,
    divided by the same sum for a ranking with every relevant item first."""
    if not relevant:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 1) for i, key in enumerate(ranking[:k], 1) if key in relevant)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(relevant), k) + 1))
    return dcg / ideal


def score_ranking(ranking: Sequence[str], relevant: set[str]) -> dict[str, float]:
    return {
        "AP": average_precision(ranking, relevant),
        "nDCG@10": ndcg_at(ranking, relevant, 10),
        "P@10": precision_at(ranking, relevant, 10),
        "R@50": recall_at(ranking, relevant, 50),
    }


# ----------------------------------------------------------------------------- judgements
@dataclass
class Query:
    name: str  # what the table calls it: the label, or the query text itself
    text: str  # what is searched for
    relevant: set[str] = field(default_factory=set)


class EvalError(Exception):
    """Bad evaluation input; the message says what is wrong."""


def _sniff_dialect(sample: str) -> str:
    first = sample.splitlines()[0] if sample else ""
    return "\t" if first.count("\t") >= max(1, first.count(",")) else ","


def load_qrels(path: str | Path) -> list[Query]:
    """Queries from a TSV/CSV with columns ``query`` and ``relevant`` (one row per
    relevant document), in first-seen order. Without that header the first two columns
    are read as query and relevant. Rows with an empty cell are skipped."""
    text = Path(path).read_text(encoding="utf-8-sig")
    if not text.strip():
        raise EvalError(f"{path}: empty qrels file")
    rows = list(csv.reader(io.StringIO(text), delimiter=_sniff_dialect(text)))
    header = [h.strip().lower() for h in rows[0]]
    if "query" in header and "relevant" in header:
        qi, ri = header.index("query"), header.index("relevant")
        rows = rows[1:]
    else:
        if len(header) < 2:
            raise EvalError(f"{path}: expected columns query and relevant")
        qi, ri = 0, 1
    queries: dict[str, Query] = {}
    for row in rows:
        if len(row) <= max(qi, ri):
            continue
        q, rel = row[qi].strip(), row[ri].strip()
        if not q or not rel:
            continue
        queries.setdefault(q, Query(q, q)).relevant.add(rel)
    if not queries:
        raise EvalError(f"{path}: no (query, relevant) rows")
    return list(queries.values())


def _true(v: str | None) -> bool:
    return (v or "").strip().lower() in ("true", "1", "yes", "y", "t")


def report_key(row: dict) -> str:
    """How a labelled report is named: its URL (unique), else its id."""
    return (row.get("url") or "").strip() or (row.get("id") or "").strip()


def load_theme_labels(themes_csv: str | Path, labels_json: str | Path) -> tuple[list[Query], list[dict]]:
    """(one Query per label: its definition, relevant = the report keys labelled True;
    the labelled rows). Labels in the JSON but not the CSV header are refused."""
    definitions = json.loads(Path(labels_json).read_text(encoding="utf-8"))
    with open(themes_csv, newline="", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise EvalError(f"{themes_csv}: no rows")
    missing = [name for name in definitions if name not in rows[0]]
    if missing:
        raise EvalError(f"{themes_csv}: no column for label(s) {', '.join(missing)}")
    queries = [
        Query(name, str(text), {report_key(r) for r in rows if _true(r.get(name)) and report_key(r)})
        for name, text in definitions.items()
    ]
    return queries, rows


def write_report_subset(reports_csv: str | Path, labelled: list[dict], out: str | Path) -> int:
    """Copy the rows of the PFD-toolkit ``reports_csv`` for the labelled reports (matched by
    URL, else by id when the labelled row has no URL) to ``out``, header included, in the
    same format. Returns how many rows were written."""
    urls = {(r.get("url") or "").strip() for r in labelled} - {""}
    ids = {(r.get("id") or "").strip() for r in labelled if not (r.get("url") or "").strip()} - {""}
    n = 0
    with open(reports_csv, newline="", encoding="utf-8-sig") as f, open(out, "w", newline="", encoding="utf-8") as g:
        reader = csv.DictReader(f)
        writer = csv.DictWriter(g, fieldnames=reader.fieldnames)
        writer.writeheader()
        for row in reader:
            if (row.get("url") or "").strip() in urls or (row.get("id") or "").strip() in ids:
                writer.writerow(row)
                n += 1
    return n


# ----------------------------------------------------------------------------- libraries
def document_keys(lib) -> dict[int, set[str]]:
    """Every name a judgement may use for each document of the library."""
    keys: dict[int, set[str]] = {}
    for d in lib.store.documents():
        k = {d["source"], Path(d["source"]).name}  # a CSV row's name is "reports.csv#row=N"
        if d.get("reference"):
            k.add(d["reference"])
        url = (d.get("meta") or {}).get("url")
        if url:
            k.add(url)
        keys[d["id"]] = {x for x in k if x}
    return keys


def library_holds_exactly(lib, labelled: list[dict]) -> bool:
    keys = document_keys(lib)
    wanted = {report_key(r) for r in labelled}
    found = {k for ks in keys.values() for k in ks if k in wanted}
    return len(keys) == len(wanted) and found == wanted


def build_theme_library(lib, reports_csv: str | Path, labelled: list[dict], progress=None) -> dict:
    """Ingest just the labelled reports into ``lib`` (which must be empty)."""
    from index.ingest import ingest

    with tempfile.TemporaryDirectory(prefix="precedent-eval-") as tmp:
        subset = Path(tmp) / "labelled-reports.csv"
        rows = write_report_subset(reports_csv, labelled, subset)
        if rows == 0:
            raise EvalError(f"none of the labelled reports is in {reports_csv}")
        report = ingest(lib, [subset], progress=progress)
    summary = report.summary()
    summary["rows"] = rows
    return summary


# ----------------------------------------------------------------------------- running
def baseline_documents(lib, text: str, depth: int = DEPTH) -> list[int]:
    """Plain BM25: FTS5 over the passages, each document the sum of its two best."""
    from index.retrieval import passage_documents
    from search.ranking import plain_bm25

    ranked = plain_bm25(lib, text, depth)
    doc_of = passage_documents(lib.store, [pid for pid, _ in ranked])
    best: dict[int, list[float]] = {}
    for pid, s in ranked:
        top = best.setdefault(doc_of[pid], [])
        if len(top) < 2:
            top.append(s)
    return [d for d, _ in sorted(best.items(), key=lambda kv: -sum(kv[1]))]


def rank_documents(lib, text: str, mode: str, depth: int = DEPTH, weights=None) -> list[int]:
    """Document ids, best first: the product's ranking of whole cases (or the baseline)."""
    from search.ranking import ranker

    if mode == BASELINE:
        return baseline_documents(lib, text, depth)
    if mode == WHOLE_REPORT:
        from search.ranking.whole import plain_document_bm25

        return [d for d, _ in plain_document_bm25(lib, text, depth)]
    return [d for d, _ in ranker.rank_documents(lib, text, mode, pool=depth, w=weights or ranker.WEIGHTS)]


def judged_ranking(doc_ids: list[int], keys: dict[int, set[str]], relevant: set[str]) -> list[str]:
    """The ranking as judgement keys: a document a judgement names becomes that name (once,
    at its best rank); any other document keeps a key of its own."""
    out: list[str] = []
    used: set[str] = set()
    for d in doc_ids:
        hit = sorted(keys.get(d, set()) & relevant)
        key = hit[0] if hit else f"#doc:{d}"
        if key not in used:
            used.add(key)
            out.append(key)
    return out


def evaluate(lib, queries: list[Query], modes: Sequence[str] = MODES, depth: int = DEPTH, weights=None) -> dict[str, Any]:
    """Score every mode on every query; returns the summary table, per-query scores and
    the judged documents the library does not hold."""
    keys = document_keys(lib)
    all_keys = {k for ks in keys.values() for k in ks}
    per_query = []
    for q in queries:
        entry: dict[str, Any] = {"query": q.name, "text": q.text, "relevant": len(q.relevant), "modes": {}}
        for mode in modes:
            ranking = judged_ranking(rank_documents(lib, q.text, mode, depth, weights), keys, q.relevant)
            entry["modes"][mode] = {m: round(v, 6) for m, v in score_ranking(ranking, q.relevant).items()}
            entry["modes"][mode]["retrieved"] = len(ranking)
        entry["missing"] = sorted(q.relevant - all_keys)
        per_query.append(entry)
    summary = {}
    for mode in modes:
        rows = [e["modes"][mode] for e in per_query]
        n = len(rows) or 1
        summary[mode] = {
            "MAP": round(sum(r["AP"] for r in rows) / n, 6),
            "nDCG@10": round(sum(r["nDCG@10"] for r in rows) / n, 6),
            "P@10": round(sum(r["P@10"] for r in rows) / n, 6),
            "R@50": round(sum(r["R@50"] for r in rows) / n, 6),
        }
    missing = sorted({m for e in per_query for m in e["missing"]})
    return {
        "documents": len(keys),
        "queries": len(queries),
        "depth": depth,
        "summary": summary,
        "per_query": per_query,
        "missing_documents": missing,
    }


def format_table(result: dict[str, Any], verbose: bool = False) -> str:
    modes = list(result["summary"])
    lines = [f"{result['queries']} queries over {result['documents']} documents", ""]
    base = result["summary"].get(BASELINE, {}).get("MAP")
    lines.append(f"{'mode':<12}" + "".join(f"{m:>9}" for m in METRICS) + (f"{'MAP/bm25':>10}" if base else ""))
    for mode in modes:
        s = result["summary"][mode]
        lines.append(f"{mode:<12}" + "".join(f"{s[m]:>9.4f}" for m in METRICS) + (f"{s['MAP'] / base:>10.3f}" if base else ""))
    if verbose:
        lines += ["", "average precision per query:"]
        width = min(40, max((len(e["query"]) for e in result["per_query"]), default=5))
        lines.append(f"{'query':<{width}} {'rel':>4}" + "".join(f"{m:>9}" for m in modes))
        for e in result["per_query"]:
            name = e["query"] if len(e["query"]) <= width else e["query"][: width - 1] + "…"
            lines.append(f"{name:<{width}} {e['relevant']:>4}" + "".join(f"{e['modes'][m]['AP']:>9.4f}" for m in modes))
    if result["missing_documents"]:
        shown = ", ".join(result["missing_documents"][:5])
        more = len(result["missing_documents"]) - 5
        lines += ["", f"warning: {len(result['missing_documents'])} judged document(s) not in the library: {shown}"
                  + (f" … and {more} more" if more > 0 else "")]
    return "\n".join(lines)
