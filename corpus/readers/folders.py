"""Listing the files to ingest under the paths a person names.

Folders are walked recursively in sorted order, skipping hidden names (starting with '.').
Symbolic links are followed — to files and to folders — but each real folder is walked
once, so a link back up the tree (a loop) or two links to one folder add nothing twice.
Entries that cannot be used are not skipped silently: a broken link, a folder that cannot
be opened, and anything that is neither a file nor a folder (a FIFO, a socket, a device,
which could block or mean nothing) are reported with a reason, and the walk goes on."""
from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import Iterable, Iterator

Problem = dict  # {"path", "reason"}


def list_files(paths: str | os.PathLike | Iterable[str | os.PathLike],
               failed: list[Problem] | None = None,
               warnings: list[dict] | None = None) -> list[Path]:
    """Every file under ``paths``, in order. A path that is a file, or does not exist, is
    returned as given (the reader reports it if it cannot be read). Unusable entries are appended to
    ``failed`` as ``{"path", "reason"}``; links skipped because their folder was already
    walked are appended to ``warnings`` as ``{"source", "warning"}``."""
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    walker = _Walker(failed if failed is not None else [], warnings if warnings is not None else [])
    for p in paths:
        p = Path(p)
        try:
            mode = p.stat().st_mode
        except OSError:  # missing or a broken link: the reader says so
            walker.out.append(p)
            continue
        if stat.S_ISDIR(mode):
            walker.folder(p)
        elif stat.S_ISREG(mode):
            walker.out.append(p)
        else:  # reading a named pipe would wait for ever
            walker.fail(p, f"not a regular file or folder ({_kind(mode)}): skipped")
    return walker.out


class _Walker:
    def __init__(self, failed: list[Problem], warnings: list[dict]):
        self.failed, self.warnings = failed, warnings
        self.out: list[Path] = []
        self.seen_dirs: dict[tuple[int, int], Path] = {}
        self.seen_files: set[tuple[int, int]] = set()

    def fail(self, path: Path, reason: str) -> None:
        self.failed.append({"path": str(path), "reason": reason})

    def folder(self, folder: Path, via_link: bool = False) -> None:
        """Walk ``folder`` depth first in sorted order, with a stack of open listings rather than
        recursion, so a tree of any depth (1,100 nested folders) is listed, not a RecursionError."""
        stack: list[Iterator[os.DirEntry]] = []
        listing = self.listing(folder, via_link)
        if listing is not None:
            stack.append(listing)
        while stack:
            e = next(stack[-1], None)
            if e is None:
                stack.pop()
                continue
            if e.name.startswith("."):
                continue
            sub = self.entry(Path(e.path), e)
            if sub is not None:
                stack.append(sub)

    def listing(self, folder: Path, via_link: bool = False) -> Iterator[os.DirEntry] | None:
        """The sorted entries of a folder not yet walked, or None (reported when unreadable)."""
        try:
            st = folder.stat()
        except OSError as e:
            self.fail(folder, f"cannot open folder: {e.strerror or e}")
            return None
        key = (st.st_dev, st.st_ino)
        if key in self.seen_dirs:
            if via_link:
                self.warnings.append({"source": str(folder), "warning":
                                      f"link to a folder already read ({self.seen_dirs[key]}): not followed again"})
            return None
        self.seen_dirs[key] = folder
        try:
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            self.fail(folder, f"cannot open folder: {e.strerror or e}")
            return None
        return iter(entries)

    def entry(self, path: Path, e: os.DirEntry) -> Iterator[os.DirEntry] | None:
        """Add a file; a folder's listing is returned for the walk to descend into."""
        try:
            is_link = e.is_symlink()
            st = os.stat(path)  # follows links
        except FileNotFoundError:
            target = _readlink(path)
            self.fail(path, f"broken symbolic link (points to {target}, which does not exist)"
                      if target is not None else "the file disappeared while the folder was read")
            return None
        except OSError as err:
            reason = {errno.ELOOP: "symbolic link loop", errno.ENAMETOOLONG: "path too long"}.get(
                err.errno, err.strerror or str(err))
            self.fail(path, f"cannot read: {reason}")
            return None
        if stat.S_ISDIR(st.st_mode):
            return self.listing(path, via_link=is_link)
        if stat.S_ISREG(st.st_mode):
            key = (st.st_dev, st.st_ino)
            if key in self.seen_files:  # the same file reached again through a link
                return None
            self.seen_files.add(key)
            self.out.append(path)
        else:
            self.fail(path, f"not a regular file or folder ({_kind(st.st_mode)}): skipped")
        return None


def _readlink(path: Path) -> str | None:
    try:
        return os.readlink(path)
    except OSError:
        return None


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device")):
        if test(mode):
            return name
    return "unknown type"
