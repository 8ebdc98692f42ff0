"""Files the index layer keeps beside its SQLite store (``library.json``, the FAISS caches and
their descriptions, the ONNX export): each is written to a temporary file next to it and moved
over it in one step, so a reader, or the next run after a killed one, never sees half a file."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path`` (named for this process) for the block to write; it
    replaces ``path`` (``os.replace``: atomic on one file system) when the block ends without
    an error, and is removed when it does not."""
    path = Path(path)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (on disk before it replaces the old file)."""
    with replacing(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
