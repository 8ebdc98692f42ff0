"""A library is a self-describing directory: library.json (format, model, dimension),
the SQLite store and FAISS caches. It refuses to open with a different model, because
vectors from two models are not comparable."""
from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path

from .embed import DEFAULT_MODEL, Embedder, get_embedder
from .store import Store
from .vectors import VectorIndex, _atomic_write_bytes

FORMAT = "precedent-library"
FORMAT_VERSION = 1
DEFAULT_LIBRARY = "library"
LIBRARY_ENV = "PRECEDENT_LIBRARY"


class LibraryError(Exception):
    """The library cannot be opened as asked; the message says why."""


def default_path() -> Path:
    return Path(os.environ.get(LIBRARY_ENV) or DEFAULT_LIBRARY)


class Library:
    """Store + vector indexes + the embedder they were built with."""

    def __init__(self, path: Path, meta: dict, embedder: Embedder | None = None):
        self.path = Path(path)
        self.meta = meta
        self._embedder = embedder
        self.store = Store(self.path / "precedent.sqlite")
        dim = int(meta["dimension"])
        self.passages = VectorIndex(self.path, "passages", dim)
        self.findings = VectorIndex(self.path, "findings", dim)
        for vi in (self.passages, self.findings):
            if vi.sync(self.store):
                vi.save()

    @property
    def model(self) -> str:
        return self.meta["model"]

    @property
    def embedder(self) -> Embedder:
        """Loaded on first use: listing documents should not pay for importing torch."""
        if self._embedder is None:
            self._embedder = get_embedder(self.model)
        return self._embedder

    def save_indexes(self) -> None:
        for vi in (self.passages, self.findings):
            vi.sync(self.store)
            vi.save()

    def close(self) -> None:
        self.store.close()


def open_library(
    path: str | Path | None = None,
    model: str | None = None,
    create: bool = True,
    embedder: Embedder | None = None,
) -> Library:
    """Open (or create) the library at ``path``.

    ``model`` None means "whatever the library was built with" (or $PRECEDENT_MODEL /
    the default for a new one); a different explicit model is refused."""
    path = Path(path) if path else default_path()
    meta_path = path / "library.json"
    if embedder is not None:
        model = model or embedder.name
    if meta_path.exists():
        meta = json.loads(meta_path.read_text())
        if meta.get("format") != FORMAT:
            raise LibraryError(f"{path} is not a Precedent library")
        if model and model != meta["model"]:
            raise LibraryError(
                f"library {path} was built with model {meta['model']!r}; refusing to open it with {model!r}"
            )
        if embedder is not None and embedder.dimension != meta["dimension"]:
            raise LibraryError(f"embedder dimension {embedder.dimension} != library's {meta['dimension']}")
        return Library(path, meta, embedder)
    if not create:
        raise LibraryError(f"no library at {path} (run `precedent ingest` first)")
    model = model or os.environ.get("PRECEDENT_MODEL") or DEFAULT_MODEL
    if embedder is None:
        embedder = get_embedder(model)
    path.mkdir(parents=True, exist_ok=True)
    meta = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "model": model,
        "dimension": embedder.dimension,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    _atomic_write_bytes(meta_path, json.dumps(meta, indent=2).encode())
    return Library(path, meta, embedder)
