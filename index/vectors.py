"""FAISS indexes over passage and finding vectors, saved beside a JSON description.

The index file is a cache of the store's ``vectors`` table: on open it is checked
against the store and topped up (or rebuilt) without re-encoding anything, so a killed
ingest can never leave the FAISS file and the database disagreeing for long.

The kind of index follows the size (see benchmarks/scale_bench.py for the figures on a
2-core machine): exact ``IndexFlatIP`` while a brute-force scan is fast (~20 ms at 100k
vectors of 384 floats, ~260 ms at 1M), an HNSW graph (``IndexHNSWFlat``, inner product)
above ``exact_limit`` vectors. Both are wrapped in ``IndexIDMap2`` so results carry the
store's row ids. The JSON description records the kind and its parameters; a cache of
the wrong kind for its size (or for other parameters) is rebuilt from the store."""
from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

import faiss
import numpy as np

from index.files import atomic_write_bytes
from index.settings import ENV, Settings
from index.store import Store

log = logging.getLogger(__name__)

# Exact search is fast enough below this many vectors; HNSW above. $PRECEDENT_EXACT_LIMIT
# overrides it (tests force HNSW on a few hundred vectors with it).
EXACT_LIMIT = Settings.exact_limit
EXACT_LIMIT_ENV = ENV["exact_limit"]
HNSW_M = 32  # graph degree: recall vs memory (M * 2 * 4 bytes of links per vector)
HNSW_EF_CONSTRUCTION = 64  # build-time beam: higher builds slower and recalls better
HNSW_EF_SEARCH = 256  # query-time beam (at least k): a few ms at 1M on 2 cores


def exact_limit_default() -> int:
    return Settings.from_env().exact_limit


class VectorIndex:
    """Inner-product search over unit vectors, keyed by the store's row ids."""

    def __init__(self, directory: Path, table: str, dimension: int, exact_limit: int | None = None,
                 hnsw_m: int = HNSW_M, ef_construction: int = HNSW_EF_CONSTRUCTION, ef_search: int = HNSW_EF_SEARCH):
        self.path = Path(directory) / f"{table}.faiss"
        self.table = table
        self.dimension = dimension
        self.exact_limit = exact_limit_default() if exact_limit is None else int(exact_limit)
        self.hnsw = {"M": int(hnsw_m), "efConstruction": int(ef_construction), "efSearch": int(ef_search)}
        self._lock = threading.RLock()
        self.kind = "flat"
        self.index = self._new("flat")
        self.max_id = 0
        self.removals = 0  # the store's removal count this index was built at (Store.removals)
        self.build_seconds = 0.0
        if self.path.exists():
            try:
                meta = json.loads(self.path.with_suffix(".json").read_text())
                index = faiss.read_index(str(self.path))
                if index.d != dimension:
                    raise ValueError("dimension mismatch")
                kind = meta.get("kind_name") or "flat"
                if kind == "hnsw":
                    if any(int(meta.get("params", {}).get(k, -1)) != self.hnsw[k] for k in ("M", "efConstruction")):
                        raise ValueError("built with other HNSW parameters")
                    self._inner(index).hnsw.efSearch = self.hnsw["efSearch"]
                self.index, self.kind, self.max_id = index, kind, int(meta["max_id"])
                self.removals = int(meta.get("removals", 0))
            except (OSError, ValueError, KeyError, TypeError, RuntimeError) as e:  # faiss raises RuntimeError
                log.warning("vector cache %s unusable (%s); rebuilt from the store", self.path, e)
                self.index, self.kind, self.max_id = self._new("flat"), "flat", 0
            except Exception:  # unexpected: say so with the traceback, then rebuild all the same
                log.exception("vector cache %s unreadable; rebuilt from the store", self.path)
                self.index, self.kind, self.max_id = self._new("flat"), "flat", 0

    # ---- kinds ---------------------------------------------------------------------
    def kind_for(self, n: int) -> str:
        return "hnsw" if n > self.exact_limit else "flat"

    def _new(self, kind: str):
        if kind == "hnsw":
            inner = faiss.IndexHNSWFlat(self.dimension, self.hnsw["M"], faiss.METRIC_INNER_PRODUCT)
            inner.hnsw.efConstruction = self.hnsw["efConstruction"]
            inner.hnsw.efSearch = self.hnsw["efSearch"]
        else:
            inner = faiss.IndexFlatIP(self.dimension)
        return faiss.IndexIDMap2(inner)

    @staticmethod
    def _inner(index):
        return faiss.downcast_index(faiss.downcast_index(index).index)

    def describe(self) -> dict:
        params = dict(self.hnsw) if self.kind == "hnsw" else {}
        name = "IndexIDMap2(IndexHNSWFlat, inner product)" if self.kind == "hnsw" else "IndexIDMap2(IndexFlatIP)"
        return {"table": self.table, "dimension": self.dimension, "count": self.ntotal, "max_id": self.max_id,
                "kind": name, "kind_name": self.kind, "params": params, "exact_limit": self.exact_limit,
                "build_seconds": round(self.build_seconds, 2), "removals": self.removals}

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    # ---- keeping up with the store -----------------------------------------------------
    def sync(self, store: Store) -> int:
        """Add rows the store has and the index lacks; returns how many were added. A store
        that shrank or had rows removed since (``Store.removals``), or grew past the exact limit,
        gets a fresh index of the right kind."""
        with self._lock:
            stale = self.ntotal > store.count(self.table) or self.max_id > store.max_id(self.table) \
                or self.removals != store.removals()
            if stale or (self.kind == "flat" and self.kind_for(store.count(self.table)) == "hnsw"):
                return self._rebuild(store)
            ids, vecs = store.vectors_for(self.table, self.max_id)
            if len(ids):
                t0 = time.perf_counter()
                self.index.add_with_ids(vecs, ids)
                self.build_seconds += time.perf_counter() - t0
                self.max_id = int(ids.max())
            return len(ids)

    def _rebuild(self, store: Store) -> int:
        removals = store.removals()
        ids, vecs = store.vectors_for(self.table, 0)
        kind = self.kind_for(len(ids))
        index = self._new(kind)
        t0 = time.perf_counter()
        if len(ids):
            index.add_with_ids(vecs, ids)
        self.build_seconds = time.perf_counter() - t0
        self.index, self.kind, self.removals = index, kind, removals
        self.max_id = int(ids.max()) if len(ids) else 0
        return len(ids)  # all of them went into the new index: save it

    def save(self) -> None:
        with self._lock:
            atomic_write_bytes(self.path, faiss.serialize_index(self.index).tobytes())
            atomic_write_bytes(self.path.with_suffix(".json"), json.dumps(self.describe(), indent=2).encode())

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """[(row id, cosine)] best first."""
        return self.search_many(query.reshape(1, -1), k)[0] if self.ntotal and k > 0 else []

    def search_many(self, queries: np.ndarray, k: int) -> list[list[tuple[int, float]]]:
        """:meth:`search` for each row of ``queries`` in one FAISS call: an exact scan reads
        the vectors once for all of them, which costs about what one query costs."""
        queries = np.ascontiguousarray(np.atleast_2d(queries), dtype=np.float32)
        if self.ntotal == 0 or k <= 0:
            return [[] for _ in range(len(queries))]
        with self._lock:
            if self.kind == "hnsw":  # the beam must be at least k wide to return k hits
                inner = self._inner(self.index)
                inner.hnsw.efSearch = max(self.hnsw["efSearch"], k)
            scores, ids = self.index.search(queries, min(k, self.ntotal))
        return [[(int(i), float(s)) for i, s in zip(ri, rs) if i != -1] for ri, rs in zip(ids, scores)]
