"""Per-document features for screening, computed once per library and cached.

Each document is described by
- its meaning: the mean of its passage vectors and the mean of its finding (concern)
  vectors, each re-normalised (a document without findings uses its passages for both);
- its words: TF-IDF over words and word pairs of its title, findings and text, with a few
  made tokens for hard facts the embedding blurs — the ages it states (``agechild``,
  ``ageteen`` …), its type and its recipients — so that "a child under 12", a named service
  or a named recipient can be learnt from judgements;
- per passage and finding vectors, kept for the description's prior (its best-matching
  passage counts, not just the average).

The matrices are cached in memory per library and on disk beside it
(``screening-features.npz`` + ``.json``), keyed by :func:`index.screens.library_signature`,
so adding documents invalidates them and a CLI call reuses what the last one built."""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from index import screens as screens_store
from index.acronyms import expand
from index.library import Library

log = logging.getLogger(__name__)

CACHE_NAME = "screening-features"
CACHE_VERSION = 2
TFIDF = dict(ngram_range=(1, 2), min_df=2, max_df=0.6, sublinear_tf=True, stop_words="english",
             max_features=150_000, dtype=np.float32, token_pattern=r"(?u)\b[a-z][a-z0-9]+\b|\b\d{1,3}\b")

_AGE = re.compile(r"\b(?:aged|age of|age)\s+(\d{1,3})\b|\b(\d{1,3})[- ](?:years?|yrs?)[- ]old\b", re.I)
_MONTHS = re.compile(r"\b\d{1,2}[- ](?:months?|weeks?|days?)[- ]old\b", re.I)


def age_tokens(text: str) -> list[str]:
    """Made tokens for the ages a text states: a band per age, so that "aged 15" and
    "a 16-year-old" share a feature."""
    out = set()
    if _MONTHS.search(text):
        out.add("ageinfant")
    for m in _AGE.finditer(text):
        age = int(m.group(1) or m.group(2))
        if age > 110:
            continue
        band = ("ageinfant" if age < 2 else "agechild" if age < 13 else "ageteen" if age < 18 else
                "ageyoung" if age < 26 else "ageadult" if age < 65 else "ageolder")
        out.add(band)
    return sorted(out)


def org_key(name: str) -> str | None:
    """The organisation key of a recipient as written (the screen's recipient filter)."""
    from corpus.orgs import normalise_org

    org = normalise_org(name)
    return org.key if org.key else None


def _recipients(meta: dict) -> list[str]:
    keys = []
    for r in meta.get("recipients") or []:
        k = org_key(str(r))
        if k:
            keys.append(k)
    return sorted(set(keys))


def document_text(d: dict) -> str:
    """The text the word features are built from."""
    made = age_tokens(d["text"] + "\n" + d["findings_text"])
    made.append("doctype" + re.sub(r"[^a-z]", "", (d.get("type") or "").lower()))
    made += ["recipient" + re.sub(r"[^a-z0-9]", "", k.lower()) for k in d.get("recipient_keys", [])]
    # findings twice: what a document is concerned about weighs more than its preamble
    return "\n".join([d["title"] or "", d["findings_text"], d["findings_text"], d["text"], " ".join(made)])


def _unit(m: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(m, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return (m / n).astype(np.float32)


def _group_means(owner_rows: np.ndarray, vecs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(per-row mean of ``vecs`` grouped by ``owner_rows``, which rows had any)."""
    out = np.zeros((n, vecs.shape[1] if vecs.ndim == 2 else 0), dtype=np.float32)
    has = np.zeros(n, dtype=bool)
    if len(owner_rows):
        np.add.at(out, owner_rows, vecs)
        has[np.unique(owner_rows)] = True
    return _unit(out), has


@dataclass
class Features:
    signature: str
    doc_ids: np.ndarray                 # (n,) document ids, ascending
    docs: list[dict[str, Any]]          # per row: id, title, type, date, reference, area, recipient_keys
    dense: np.ndarray                   # (n, 2 * dim): passage mean | finding mean, each unit length
    words: sp.csr_matrix                # (n, V) TF-IDF rows, unit length
    vocabulary: dict[str, int]
    idf: np.ndarray
    passage_rows: np.ndarray            # (P,) row of each passage's document
    passage_vecs: np.ndarray            # (P, dim)
    finding_rows: np.ndarray
    finding_vecs: np.ndarray
    built_seconds: float = 0.0
    _vectorizer: TfidfVectorizer | None = field(default=None, repr=False)
    _row: dict[int, int] | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return len(self.doc_ids)

    def row_of(self, doc_id: int) -> int | None:
        if self._row is None:
            self._row = {int(d): i for i, d in enumerate(self.doc_ids)}
        return self._row.get(int(doc_id))

    @property
    def vectorizer(self) -> TfidfVectorizer:
        if self._vectorizer is None:
            v = TfidfVectorizer(**TFIDF, vocabulary=self.vocabulary)
            v.idf_ = self.idf
            self._vectorizer = v
        return self._vectorizer

    def query_words(self, text: str) -> sp.csr_matrix:
        return self.vectorizer.transform([text]).astype(np.float32).tocsr()

    def description_signals(self, lib: Library, query: str) -> dict[str, np.ndarray]:
        """How close each document is to the description, four ways: its best passage,
        its best finding, its mean vector (meaning) and its words (TF-IDF cosine)."""
        vec = description_vector(lib, expand(lib.store, query))
        return {
            "passage_best": _best_per_row(self.passage_rows, self.passage_vecs @ vec, self.n),
            "finding_best": _best_per_row(self.finding_rows, self.finding_vecs @ vec, self.n),
            "mean": self.dense[:, : len(vec)] @ vec,
            "words": np.asarray((self.words @ self.query_words(query).T).todense()).ravel(),
            "_vector": vec,
        }


DESCRIPTIONS_FILE = "screening-descriptions.json"
MAX_DESCRIPTIONS = 200


def description_vector(lib: Library, text: str) -> np.ndarray:
    """The description's vector, kept beside the library (keyed by model, encoder and text) so
    that a CLI command on a screen need not load the model to embed it again."""
    import hashlib

    key = hashlib.sha1(f"{lib.model}|{lib.encoder}|{text}".encode("utf-8")).hexdigest()
    path = Path(lib.path) / DESCRIPTIONS_FILE
    try:
        cache = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        cache = {}
    except (OSError, ValueError) as e:
        log.warning("ignoring unreadable %s: %s", path, e)
        cache = {}
    if not isinstance(cache, dict):
        cache = {}
    got = cache.get(key)
    if isinstance(got, list) and len(got) == int(lib.meta["dimension"]):
        return np.asarray(got, dtype=np.float32)
    vec = lib.embedder.encode([text])[0].astype(np.float32)
    cache.pop(key, None)
    cache[key] = [float(x) for x in vec]
    while len(cache) > MAX_DESCRIPTIONS:  # the oldest first (dicts keep insertion order)
        cache.pop(next(iter(cache)))
    import os

    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")  # one writer per file
    try:
        tmp.write_text(json.dumps(cache), encoding="utf-8")
        tmp.replace(path)
    except OSError as e:  # a read-only library still screens; it embeds again next time
        log.warning("could not save %s: %s", path, e)
    return vec


def _best_per_row(rows: np.ndarray, scores: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, -1.0, dtype=np.float32)
    if len(rows):
        np.maximum.at(out, rows, scores.astype(np.float32))
    out[out == -1.0] = 0.0
    return out


_CACHE: dict[str, Features] = {}
_LOCK = threading.Lock()


def forget_features() -> None:
    """Drop the features kept in memory (the disk cache stays): the next call reads or builds."""
    with _LOCK:
        _CACHE.clear()


def features_for(lib: Library) -> Features:
    """The library's features: from memory, else from the disk cache, else built (and
    saved). Anything added to the library since changes the signature and rebuilds them."""
    sig = screens_store.library_signature(lib)
    key = str(Path(lib.path).resolve())
    with _LOCK:
        f = _CACHE.get(key)
        if f is not None and f.signature == sig:
            return f
        f = _load(lib, sig)
        if f is None:
            f = build_features(lib, sig)
            try:
                _save(lib, f)
            except OSError as e:  # a read-only library still screens; it just rebuilds next time
                log.warning("could not save screening features: %s", e)
        _CACHE[key] = f
        return f


_WARMING: dict[str, threading.Thread] = {}


def ready(lib: Library) -> bool:
    """True when the library's current features are in memory (a screen answers at once)."""
    f = _CACHE.get(str(Path(lib.path).resolve()))
    return f is not None and f.signature == screens_store.library_signature(lib)


def warm(lib: Library, wait: float = 0.0) -> bool:
    """Load or build the library's features in a background thread (one per library at a
    time), waiting up to ``wait`` seconds for them; True when they are ready. A page can then
    say "preparing" instead of holding a request for the minutes a whole corpus takes."""
    if ready(lib):
        return True
    key = str(Path(lib.path).resolve())
    with _LOCK:
        t = _WARMING.get(key)
        if t is None or not t.is_alive():
            def run():
                try:
                    features_for(lib)
                except Exception:  # noqa: BLE001 - a background build must log, not vanish
                    log.exception("building screening features failed")
            t = threading.Thread(target=run, name="screening-features", daemon=True)
            _WARMING[key] = t
            t.start()
    t.join(wait)
    return ready(lib)


def build_features(lib: Library, signature: str | None = None) -> Features:
    t0 = time.perf_counter()
    signature = signature or screens_store.library_signature(lib)
    rows = screens_store.document_rows(lib)
    docs = []
    for d in rows:
        d["recipient_keys"] = _recipients(d["meta"])
        docs.append({"id": d["id"], "title": d["title"], "type": d["type"], "date": d["date"],
                     "reference": d["reference"], "area": d["meta"].get("area"),
                     "recipient_keys": d["recipient_keys"]})
    doc_ids = np.array([d["id"] for d in rows], dtype=np.int64)
    n = len(rows)
    dim = int(lib.meta["dimension"])
    if n >= 2:
        vectorizer = TfidfVectorizer(**TFIDF)
        try:
            words = vectorizer.fit_transform([document_text(d) for d in rows]).astype(np.float32).tocsr()
            vocabulary = {k: int(v) for k, v in vectorizer.vocabulary_.items()}
            idf = vectorizer.idf_.astype(np.float64)
        except ValueError:  # every word too common or too rare (a tiny library): no word features
            words, vocabulary, idf = sp.csr_matrix((n, 1), dtype=np.float32), {"placeholder": 0}, np.ones(1)
    else:
        words, vocabulary, idf = sp.csr_matrix((n, 1), dtype=np.float32), {"placeholder": 0}, np.ones(1)
    row_of = {int(d): i for i, d in enumerate(doc_ids)}
    p_docs, p_vecs = screens_store.passage_vectors(lib)
    f_docs, f_vecs = screens_store.finding_vectors(lib)
    p_rows = np.array([row_of.get(int(d), -1) for d in p_docs], dtype=np.int64)
    f_rows = np.array([row_of.get(int(d), -1) for d in f_docs], dtype=np.int64)
    keep_p, keep_f = p_rows >= 0, f_rows >= 0
    p_rows, p_vecs, f_rows, f_vecs = p_rows[keep_p], p_vecs[keep_p], f_rows[keep_f], f_vecs[keep_f]
    p_mean, _ = _group_means(p_rows, p_vecs.reshape(-1, dim), n)
    f_mean, has_f = _group_means(f_rows, f_vecs.reshape(-1, dim), n)
    f_mean[~has_f] = p_mean[~has_f]
    return Features(signature, doc_ids, docs, np.hstack([p_mean, f_mean]).astype(np.float32), words,
                    vocabulary, idf, p_rows, p_vecs.reshape(-1, dim), f_rows, f_vecs.reshape(-1, dim),
                    time.perf_counter() - t0)


# ---------------------------------------------------------------------------- disk cache
def cache_paths(lib: Library) -> tuple[Path, Path]:
    """The disk cache of the library's features: arrays (.npz) and their description (.json)."""
    base = Path(lib.path) / CACHE_NAME
    return base.with_suffix(".npz"), base.with_suffix(".json")


def _save(lib: Library, f: Features) -> None:
    npz, meta = cache_paths(lib)
    tmp = npz.with_name(npz.stem + ".tmp.npz")
    np.savez(tmp, doc_ids=f.doc_ids, dense=f.dense, w_data=f.words.data, w_indices=f.words.indices,
             w_indptr=f.words.indptr, w_shape=np.array(f.words.shape), idf=f.idf, passage_rows=f.passage_rows,
             passage_vecs=f.passage_vecs, finding_rows=f.finding_rows, finding_vecs=f.finding_vecs)
    tmp.replace(npz)
    tmpj = meta.with_name(meta.name + ".tmp")
    tmpj.write_text(json.dumps({"version": CACHE_VERSION, "signature": f.signature, "docs": f.docs,
                                "vocabulary": f.vocabulary}))
    tmpj.replace(meta)


def _load(lib: Library, signature: str) -> Features | None:
    npz, meta = cache_paths(lib)
    if not (npz.exists() and meta.exists()):
        return None
    try:
        m = json.loads(meta.read_text())
        if m.get("version") != CACHE_VERSION or m.get("signature") != signature:
            return None
        z = np.load(npz)
        words = sp.csr_matrix((z["w_data"], z["w_indices"], z["w_indptr"]), shape=tuple(z["w_shape"]))
        return Features(signature, z["doc_ids"], m["docs"], z["dense"], words, m["vocabulary"], z["idf"],
                        z["passage_rows"], z["passage_vecs"], z["finding_rows"], z["finding_vecs"])
    except (OSError, ValueError, KeyError) as e:  # a damaged cache is rebuilt
        log.warning("screening feature cache unreadable, rebuilding: %s", e)
        return None
