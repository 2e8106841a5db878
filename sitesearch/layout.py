"""On-disk layout of the site index: immutable version folders and a ``CURRENT`` pointer.

    <index_dir>/CURRENT        one line: the name of the live version, e.g. v000012
    <index_dir>/v000012/       a complete Whoosh index, never written again once CURRENT names it
    <index_dir>/.build.lock    held by the one build allowed at a time

A build writes a new folder and then replaces ``CURRENT`` with ``os.replace`` (atomic on POSIX), so a
reader sees either the old complete index or the new complete one, never a half-written one.
Readers re-read the pointer on every request (one small file read) and need no restart.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

POINTER = "CURRENT"
LOCK = ".build.lock"
_VERSION = re.compile(r"^v(\d{6})$")


class IndexMissing(Exception):
    """There is no published index in the folder (never built, or the pointer is broken)."""


def current_name(index_dir: str | os.PathLike[str]) -> str:
    """Name of the live version; raises IndexMissing when there is none."""
    try:
        name = (Path(index_dir) / POINTER).read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError) as exc:
        raise IndexMissing(str(index_dir)) from exc
    if not _VERSION.match(name) or not (Path(index_dir) / name).is_dir():
        raise IndexMissing(f"{index_dir}/{name}")
    return name


def current_dir(index_dir: str | os.PathLike[str]) -> Path | None:
    """Folder of the live version, or None."""
    try:
        return Path(index_dir) / current_name(index_dir)
    except IndexMissing:
        return None


def versions(index_dir: str | os.PathLike[str]) -> list[str]:
    """Every version folder present, oldest first."""
    root = Path(index_dir)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if _VERSION.match(p.name) and p.is_dir())


def new_version_dir(index_dir: str | os.PathLike[str]) -> Path:
    """A fresh, empty version folder numbered after every existing one (also abandoned ones)."""
    existing = versions(index_dir)
    n = int(existing[-1][1:]) + 1 if existing else 1
    path = Path(index_dir) / f"v{n:06d}"
    path.mkdir(parents=True)
    return path


def publish(index_dir: str | os.PathLike[str], version: Path) -> None:
    """Make ``version`` the live index in one atomic step."""
    root = Path(index_dir)
    tmp = root / f".{POINTER}.{os.getpid()}"
    with open(tmp, "w", encoding="ascii") as fh:
        fh.write(version.name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, root / POINTER)
    # the rename itself must reach the disk before older versions may be deleted
    dirfd = os.open(root, os.O_RDONLY)
    try:
        os.fsync(dirfd)
    finally:
        os.close(dirfd)


def prune(index_dir: str | os.PathLike[str], keep: int = 2) -> list[str]:
    """Delete versions older than the live one and the ``keep`` before it; returns their names.

    Keeping a couple of old versions lets a request that opened one just before the swap finish
    (POSIX keeps open files readable anyway; the margin covers files Whoosh opens lazily).
    Unpublished folders newer than the live one belong to a build in progress or a crashed one;
    those older than the live version are removed with the rest.
    """
    live = current_name(index_dir)
    older = [v for v in versions(index_dir) if v < live]
    doomed = older[: max(0, len(older) - keep)]
    for name in doomed:
        shutil.rmtree(Path(index_dir) / name, ignore_errors=True)
    return doomed


@contextlib.contextmanager
def build_lock(index_dir: str | os.PathLike[str]) -> Iterator[None]:
    """One build at a time per index folder (two Pelican runs would otherwise race)."""
    root = Path(index_dir)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / LOCK, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def link_copy(src: Path, dest: Path) -> None:
    """Copy an index folder by hard links (Whoosh never rewrites a file, it only adds and deletes)."""
    for entry in src.iterdir():
        if entry.name.endswith("LOCK") or not entry.is_file():
            continue
        try:
            os.link(entry, dest / entry.name)
        except OSError:  # another file system, or links not allowed
            shutil.copy2(entry, dest / entry.name)
