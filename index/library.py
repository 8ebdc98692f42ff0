"""A library is a self-describing directory: library.json (format, model, encoder,
dimension), the SQLite store and FAISS caches. It refuses to open with a different model
or encoder (torch fp32 vs ONNX int8), because vectors from two models are not comparable
and queries should be encoded the way the passages were.

A long-lived ``Library`` (the server's) tops its vector indexes up from the store when
another writer (its own background ingest, or a CLI ingest in another process) has
committed rows since: ``passages`` and ``findings`` check, at most every
``REFRESH_SECONDS``, two cheap maxima and add only the new rows."""
from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

from index.encoders import DEFAULT_MODEL, HASHING, TORCH_FP32, Embedder, default_encoder, get_embedder
from index.files import atomic_write_bytes
from index.settings import ENV, Settings
from index.store import Store
from index.vectors import VectorIndex

log = logging.getLogger(__name__)

FORMAT = "precedent-library"
FORMAT_VERSION = 1
DEFAULT_LIBRARY = str(Settings.library)
LIBRARY_ENV = ENV["library"]
REFRESH_SECONDS = 1.0


class LibraryError(Exception):
    """The library cannot be opened as asked; the message says why."""


class DamagedLibrary(LibraryError):
    """The library's files cannot be read as a library (a corrupt or truncated
    ``precedent.sqlite``, a malformed ``library.json``); the message says how to recover."""


#: What reading a damaged store raises, for callers that report it (``damaged``) without
#: importing the driver: ``sqlite3.DatabaseError`` ("file is not a database", "database disk
#: image is malformed") and its subclasses.
STORE_ERRORS: tuple[type[BaseException], ...] = (sqlite3.DatabaseError,)


def damaged(path: str | Path, e: BaseException, what: str = "precedent.sqlite") -> LibraryError:
    """The one message for a library that cannot be read: what is wrong and how to recover. A
    busy or read-only store (``sqlite3.OperationalError``: locked, no permission, disk full) is
    not damage: it is named as such, and nothing needs moving."""
    reason = " ".join(str(e).split())[:200] or type(e).__name__
    if isinstance(e, sqlite3.OperationalError) and not any(
            w in reason.lower() for w in ("malformed", "not a database", "no such table", "corrupt")):
        return LibraryError(f"cannot use the library at {path} ({what}: {reason}); check that it is writable, "
                            "that the disk has space and that no other program holds it, then try again")
    return DamagedLibrary(f"the library at {path} is damaged ({what}: {reason}); move it aside (or restore a "
                          "backup) and ingest again into a new library")


def default_path() -> Path:
    return Settings.from_env().library


class Library:
    """Store + vector indexes + the embedder they were built with."""

    def __init__(self, path: Path, meta: dict, embedder: Embedder | None = None):
        self.path = Path(path)
        self.meta = meta
        self._embedder = embedder
        self.store = Store(self.path / "precedent.sqlite")
        dim = int(meta["dimension"])
        self._passages = VectorIndex(self.path, "passages", dim)
        self._findings = VectorIndex(self.path, "findings", dim)
        self._refresh_lock = threading.Lock()
        self._checked = 0.0
        self.follow_stored_encoder()
        self._seen = self._store_marks()
        for vi in (self._passages, self._findings):
            if vi.sync(self.store):
                vi.save()
        self._settle_owners_once()

    def _settle_owners_once(self) -> None:
        """A library written before actions' owners were settled when stored (``answering.settle_owners``)
        has them settled once, on opening; pages read the stored owner."""
        c = self.store.conn
        if c.execute("SELECT 1 FROM settings WHERE key='owners_settled'").fetchone():
            return
        from index.responses import settle_all_owners

        try:
            with self.store.transaction() as t:
                n = settle_all_owners(t)
                t.execute("INSERT OR REPLACE INTO settings(key, value) VALUES ('owners_settled', '1')")
        except sqlite3.OperationalError as e:  # read-only or busy: settled on a later opening
            log.warning("could not settle action owners in %s now: %s", self.path, e)
            return
        if n:
            log.info("settled the owners of %d actions in %s", n, self.path)

    @property
    def model(self) -> str:
        return self.meta["model"]

    @property
    def encoder(self) -> str:
        """How the library's vectors were computed (libraries from before this was recorded: torch)."""
        return library_encoder(self.meta)

    @property
    def embedder(self) -> Embedder:
        """Loaded on first use: listing documents should not pay for importing torch.
        The library's own encoder, never a substitute."""
        if self._embedder is None:
            tuned = self.meta.get("tuned")
            try:
                self._embedder = get_embedder(self.model, self.encoder, fallback=False,
                                              tuned=self.path / tuned if tuned else None,
                                              build=self.meta.get("encoder_build"))
            except RuntimeError as e:  # OnnxUnavailable
                raise LibraryError(f"library {self.path} was built with encoder {self.encoder!r}, which cannot "
                                   f"run here: {e}") from e
            warn_on_other_build(self.path, self.meta, self._embedder)
        return self._embedder

    def check_adding_vectors(self) -> None:
        """Before an ingest: refuse to add vectors from another build of the encoder (another
        ONNX export or way of running it) to a library that holds vectors from the first, as
        their vectors differ slightly and an interrupted, resumed build would answer otherwise
        than a clean one. Queries still work (with a warning); an empty library takes the new
        build's name."""
        build, recorded = getattr(self.embedder, "build", None), self.meta.get("encoder_build")
        if not build or recorded == build:
            return
        if self.store.count("vectors"):
            raise LibraryError(
                f"library {self.path} holds vectors from {self.encoder} {recorded or 'an unrecorded export build'}; "
                f"this encoder is {build}, and mixing the two would make answers depend on which texts each "
                f"embedded. Ingest into a new library (--library NEW_DIR); this one still answers searches.")
        self.meta["encoder_build"] = build
        atomic_write_bytes(self.path / "library.json", json.dumps(self.meta, indent=2).encode())

    def follow_stored_encoder(self) -> bool:
        """The store records the build of its vectors once a tune has replaced them
        (``index.tuning``: the vectors and that record change in one transaction). If
        ``library.json`` names another build (a tune killed between its commit and rewriting the
        file, or another process tuned the library), the store wins: the file is rewritten
        (where it can be) and the embedder is loaded afresh, so queries are encoded as the
        vectors were. Returns whether anything changed."""
        record = stored_encoder(self.store.conn)
        if not record or all(self.meta.get(k) == record.get(k) for k in ENCODER_KEYS):
            return False
        self.meta = {**self.meta, **{k: record.get(k) for k in ENCODER_KEYS}}
        self.meta = {k: v for k, v in self.meta.items() if v is not None}
        self._embedder = None
        try:
            atomic_write_bytes(self.path / "library.json", json.dumps(self.meta, indent=2).encode())
        except OSError as e:
            log.warning("library %s: could not record its encoder %s in library.json (%s); the store's record "
                        "is followed", self.path, record.get("encoder_build"), e)
        log.info("library %s answers with encoder build %s", self.path, record.get("encoder_build"))
        return True

    # ---- vector indexes that follow the store ------------------------------------------
    @property
    def passages(self):
        self.refresh_vectors()
        return self._passages

    @property
    def findings(self):
        self.refresh_vectors()
        return self._findings

    def _store_marks(self) -> tuple:
        c = self.store.conn
        return tuple(c.execute(q).fetchone()[0] for q in (
            "SELECT COALESCE(MAX(id), 0) FROM passages", "SELECT COALESCE(MAX(id), 0) FROM findings",
            "SELECT COALESCE(MAX(rowid), 0) FROM vectors", "SELECT COUNT(*) FROM documents",
            "SELECT COALESCE(MAX(value), '0') FROM settings WHERE key='vectors_removed'",
            f"SELECT COALESCE(MAX(value), '') FROM settings WHERE key='{ENCODER_RECORD}'"))

    def refresh_vectors(self, force: bool = False) -> int:
        """Add rows committed by any writer since the last look; returns how many were added.
        Throttled: at most one look (two index seeks) every ``REFRESH_SECONDS``."""
        now = time.monotonic()
        if not force and now - self._checked < REFRESH_SECONDS:
            return 0
        with self._refresh_lock:
            if not force and now - self._checked < REFRESH_SECONDS:
                return 0
            self._checked = now
            marks = self._store_marks()
            if marks == self._seen and not force:
                return 0
            self._seen = marks
            self.follow_stored_encoder()  # a tune swapped the vectors: encode queries as they were
            return self._passages.sync(self.store) + self._findings.sync(self.store)

    def save_indexes(self) -> None:
        for vi in (self._passages, self._findings):
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
    wanted = getattr(embedder, "encoder", None) if embedder is not None else None
    if meta_path.exists():
        meta = _read_meta(path, meta_path)
        if model and model != meta["model"]:
            raise LibraryError(
                f"library {path} was built with model {meta['model']!r}; refusing to open it with {model!r}"
            )
        if embedder is not None and embedder.dimension != meta["dimension"]:
            raise LibraryError(f"embedder dimension {embedder.dimension} != library's {meta['dimension']}")
        if wanted and wanted != library_encoder(meta):
            raise LibraryError(f"library {path} was built with encoder {library_encoder(meta)!r}; refusing to "
                               f"open it with {wanted!r}")
        return _open(path, meta, embedder)
    if not create:
        raise LibraryError(f"no library at {path} (run `precedent ingest` first)")
    model = model or Settings.from_env().model or DEFAULT_MODEL
    if embedder is None:
        embedder = get_embedder(model, None if model != DEFAULT_MODEL else default_encoder())
    path.mkdir(parents=True, exist_ok=True)
    meta = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "model": model,
        "encoder": getattr(embedder, "encoder", None) or TORCH_FP32,
        **({"encoder_build": embedder.build} if getattr(embedder, "build", None) else {}),
        "dimension": embedder.dimension,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    atomic_write_bytes(meta_path, json.dumps(meta, indent=2).encode())
    return _open(path, meta, embedder)


def _read_meta(path: Path, meta_path: Path) -> dict:
    """``library.json``, checked: a file that is not JSON, not an object, or lacks the model or a
    whole-number dimension is a damaged library; another program's JSON is not a library."""
    try:
        meta = json.loads(meta_path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as e:
        raise damaged(path, e, "library.json") from e
    except ValueError as e:  # json.JSONDecodeError
        raise damaged(path, e, "library.json") from e
    except OSError as e:
        raise LibraryError(f"cannot read {meta_path}: {e.strerror or e}") from e
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise LibraryError(f"{path} is not a Precedent library (its library.json is another program's)")
    dim = meta.get("dimension")
    if not isinstance(meta.get("model"), str) or isinstance(dim, bool) or not isinstance(dim, int) or dim < 1:
        raise damaged(path, ValueError("no model name or no whole-number dimension"), "library.json")
    return meta


def _open(path: Path, meta: dict, embedder: Embedder | None) -> Library:
    """The ``Library``; a store that cannot be read is ``damaged`` (one line, how to recover)."""
    try:
        return Library(path, meta, embedder)
    except STORE_ERRORS as e:
        raise damaged(path, e) from e


def warn_on_other_build(path, meta: dict, embedder) -> None:
    """Say so when a library's vectors came from another build of the same encoder (an
    earlier ONNX export): queries still work (cosine between builds ≥ 0.99), but a rebuild
    gives exactly matching vectors. Model, encoder and dimension mismatches are refused."""
    build, recorded = getattr(embedder, "build", None), meta.get("encoder_build")
    if build and recorded != build:
        log.warning("library %s was built with %s (%s); queries use %s. Re-ingest into a new library for "
                    "vectors from this build.", path, library_encoder(meta), recorded or "an unrecorded export build", build)


#: the settings row where a tune records the build of the vectors it swapped in (JSON of ENCODER_KEYS)
ENCODER_RECORD = "encoder_record"
ENCODER_KEYS = ("encoder", "encoder_build", "tuned")


def stored_encoder(conn) -> dict | None:
    """The encoder the store's vectors were made with, as a tune recorded it (None: never tuned)."""
    r = conn.execute("SELECT value FROM settings WHERE key=?", (ENCODER_RECORD,)).fetchone()
    if not r or not r[0]:
        return None
    try:
        record = json.loads(r[0])
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def library_encoder(meta: dict) -> str:
    """The encoder recorded in library.json; older libraries were all built by torch (or the fake)."""
    return meta.get("encoder") or (TORCH_FP32 if meta.get("model") == DEFAULT_MODEL else HASHING)
