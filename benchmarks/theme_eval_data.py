"""Data for the themes benchmark: concern findings of the labelled reports, their vectors
(embedded once with the real model and cached by text hash), and the tracker's categories as
label sets. Used by ``benchmarks.themes_eval``."""
from __future__ import annotations

import hashlib
import re
import sys
import time
from pathlib import Path

import numpy as np

from benchmarks.common import csv_rows

# ---- concerns -> findings ---------------------------------------------------------------
_PREAMBLE = re.compile(
    r"^.*?(?:matters?|areas?) of concern (?:is|are) as follows\s*[.:]?\s*[-–—:]*\s*"
    r"(?:\[\s*brief summary of matters of concern\s*\]\s*)?",
    re.I | re.S,
)
_GENERIC_INTRO = re.compile(
    r"^\s*during the course of the (?:inquest|investigation).{0,200}?statutory duty to report to you\.?\s*",
    re.I | re.S,
)
_MARK = re.compile(r"(?:^|(?<=\s))\(?(\d{1,2})[.)](?=\s)", re.M)

def split_concerns(text: str) -> list[str]:
    """The numbered items of a PFD report's concerns section ("1.", "(1)", "1)"), in
    order; the whole section (minus the statutory preamble) when it is not numbered."""
    t = (text or "").strip()
    t = _PREAMBLE.sub("", t, count=1) if _PREAMBLE.search(t[:800]) else _GENERIC_INTRO.sub("", t, count=1)
    t = t.strip()
    if not t:
        return []
    # the longest run 1, 2, 3, ... of markers in reading order
    marks = [(int(m.group(1)), m.start(), m.end()) for m in _MARK.finditer(t)]
    items, want = [], 1
    for n, s, e in marks:
        if n == want:
            items.append((s, e))
            want += 1
    if len(items) < 2:
        return [re.sub(r"\s+", " ", t)]
    out = []
    intro = t[: items[0][0]].strip()
    for i, (s, e) in enumerate(items):
        end = items[i + 1][0] if i + 1 < len(items) else len(t)
        body = t[e:end].strip()
        if intro and len(intro) < 300 and intro.rstrip().endswith((":", "-", ":-", "–")):
            body = intro.rstrip(":-– ") + ": " + body
        if len(body) > 20:
            out.append(re.sub(r"\s+", " ", body))
    if intro and len(intro) >= 300:
        out.insert(0, re.sub(r"\s+", " ", intro))
    return out


def load_reports(shared: Path) -> list[dict]:
    return csv_rows(shared / "corpus/pfd/reports.csv")[1]


def report_findings(rows: list[dict]) -> tuple[list[dict], str]:
    """[{report, text, date, addressees}] for every concern of every row, and the method."""
    extract = None
    try:
        from corpus.extract import extract as _ex  # written concurrently; optional
        from corpus.records import Block, Document
        extract = _ex
    except Exception:  # noqa: BLE001
        pass
    out: list[dict] = []
    used_extract = 0
    for r in rows:
        recips = [x.strip() for x in (r.get("receiver") or "").split(";") if x.strip()]
        texts: list[str] = []
        if extract is not None:
            try:
                doc = Document(
                    title=r["id"], source=f"reports.csv#{r['id']}", type="pfd_report", date=r.get("date"),
                    reference=r["id"], meta={"recipients": recips},
                    blocks=[Block(r.get("investigation") or "", "INVESTIGATION and INQUEST"),
                            Block(r.get("circumstances") or "", "CIRCUMSTANCES OF THE DEATH"),
                            Block(r.get("concerns") or "", "CORONER'S CONCERNS")],
                )
                texts = [f.text for f in extract(doc).findings if f.kind == "concern"]
                used_extract += bool(texts)
            except Exception:  # noqa: BLE001
                texts = []
        if not texts:
            texts = split_concerns(r.get("concerns") or "")
        for t in texts:
            out.append({"report": r["id"], "text": t, "date": r.get("date"), "addressees": recips})
    method = f"corpus.extract for {used_extract} reports, split_concerns for the rest" if extract else "split_concerns"
    return out, method


# ---- embedding cache ----------------------------------------------------------------------
def embed_cached(texts: list[str], cache: Path, batch: int = 256) -> np.ndarray:
    """Vectors of ``texts`` with the real model; each distinct text is embedded once and
    kept in ``cache`` (one .npy per 256-text chunk keyed by text hash)."""
    cache.mkdir(parents=True, exist_ok=True)
    store: dict[str, np.ndarray] = {}
    for p in sorted(cache.glob("part-*.npz")):
        z = np.load(p)
        for h, v in zip(z["hashes"], z["vectors"]):
            store[str(h)] = v
    hashes = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
    todo = {h: t for h, t in zip(hashes, texts) if h not in store}
    if todo:
        from index.encoders import get_embedder

        emb = get_embedder("all-MiniLM-L6-v2")
        items = list(todo.items())
        t0 = time.perf_counter()
        for i in range(0, len(items), batch):
            part = items[i : i + batch]
            v = emb.encode([t for _, t in part])
            np.savez(cache / f"part-{time.time_ns()}.npz", hashes=np.array([h for h, _ in part]), vectors=v)
            for (h, _), row in zip(part, v):
                store[h] = row
            print(f"  embedded {min(i + batch, len(items))}/{len(items)} "
                  f"({(min(i + batch, len(items))) / (time.perf_counter() - t0):.1f}/s)", file=sys.stderr, flush=True)
    return np.vstack([store[h] for h in hashes]).astype(np.float32)


# ---- scoring ----------------------------------------------------------------------------------
def category_positives(shared: Path, report_ids: set) -> dict:
    rows = csv_rows(shared / "corpus/pfd/reports-analysed.csv")[1]
    pos: dict = {}
    for x in rows:
        if x["ref"] in report_ids:
            for c in (x.get("category") or "").split("|"):
                if c.strip():
                    pos.setdefault(c.strip(), set()).add(x["ref"])
    return {k: v for k, v in pos.items() if len(v) >= 5}


def cached_only(fs: list[dict], cache: Path) -> tuple[list[dict], np.ndarray]:
    store: dict = {}
    for p in sorted(cache.glob("part-*.npz")):
        z = np.load(p)
        store.update(zip((str(h) for h in z["hashes"]), z["vectors"]))
    keep = [(f, store[h]) for f in fs if (h := hashlib.sha256(f["text"].encode()).hexdigest()) in store]
    return [f for f, _ in keep], (np.vstack([v for _, v in keep]) if keep else np.zeros((0, 384), np.float32))
