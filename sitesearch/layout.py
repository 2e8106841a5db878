"""On-disk layout of the cluster's search index: one index per site, a ``CURRENT`` list of live ones.

    <index_dir>/CURRENT              one line per site, "<site> <version>", oldest publication first
    <index_dir>/<site>/v000012/      a complete Whoosh index of one site, never written again once
                                     CURRENT names it
    <index_dir>/<site>/.build.lock   held by the one build of that site allowed at a time
    <index_dir>/.publish.lock        held while CURRENT is rewritten (sites build in parallel)

A site's build writes a new folder and then rewrites ``CURRENT`` with that site's line replaced
(``os.replace``, atomic on POSIX), so a reader sees either the old complete index of the site or
the new complete one, never a half-written one, and every other site's index untouched. Readers
re-read the one small pointer file on every request and need no restart.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

from sitesearch.fields import SITE_ID

POINTER = "CURRENT"
LOCK = ".build.lock"
PUBLISH_LOCK = ".publish.lock"
_VERSION = re.compile(r"^v(\d{6})$")


class IndexMissing(Exception):
    """There is no published index of the site (never built, or the pointer is broken)."""


def check_site(site: object) -> str:
    """``site`` if it is a valid site id (a folder name and a filter value), else ValueError."""
    if not isinstance(site, str) or not SITE_ID.fullmatch(site):
        raise ValueError(f"站点标识 {site!r} 无效：只能由小写字母、数字、- 和 _ 组成，"
                         "以字母或数字开头，不超过 40 个字符")
    return site


def live(index_dir: str | os.PathLike[str]) -> dict[str, str]:
    """site → name of its live version, in the order of publication (the latest last).

    Lines that are not "<site> <version>" are ignored (also the single version name of the layout
    before sites, which the first build after the upgrade replaces).
    """
    try:
        # read on every request: os.path and open() cost a fifth of what pathlib does
        with open(os.path.join(index_dir, POINTER), encoding="ascii") as fh:
            text = fh.read()
    except (FileNotFoundError, NotADirectoryError, UnicodeDecodeError):
        return {}
    out: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and SITE_ID.fullmatch(parts[0]) and _VERSION.fullmatch(parts[1]):
            out.pop(parts[0], None)
            out[parts[0]] = parts[1]
    return out


def site_dir(index_dir: str | os.PathLike[str], site: str) -> Path:
    """The folder of one site's versions."""
    return Path(index_dir) / check_site(site)


def current_name(index_dir: str | os.PathLike[str], site: str) -> str:
    """Name of the site's live version; raises IndexMissing when there is none."""
    name = live(index_dir).get(site)
    if name is None or not (site_dir(index_dir, site) / name).is_dir():
        raise IndexMissing(f"{index_dir}/{site}/{name or ''}")
    return name


def current_dir(index_dir: str | os.PathLike[str], site: str) -> Path | None:
    """Folder of the site's live version, or None."""
    try:
        return site_dir(index_dir, site) / current_name(index_dir, site)
    except IndexMissing:
        return None


def live_dirs(index_dir: str | os.PathLike[str]) -> dict[str, Path]:
    """site → folder of its live version, for every site whose folder exists, in publication order."""
    root = Path(index_dir)
    return {site: root / site / name for site, name in live(root).items()
            if (root / site / name).is_dir()}


def versions(index_dir: str | os.PathLike[str], site: str) -> list[str]:
    """Every version folder of the site present, oldest first."""
    root = site_dir(index_dir, site)
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if _VERSION.fullmatch(p.name) and p.is_dir())


def new_version_dir(index_dir: str | os.PathLike[str], site: str) -> Path:
    """A fresh, empty version folder numbered after every existing one (also abandoned ones)."""
    existing = versions(index_dir, site)
    n = int(existing[-1][1:]) + 1 if existing else 1
    path = site_dir(index_dir, site) / f"v{n:06d}"
    path.mkdir(parents=True)
    return path


def _fsync_dir(path: Path) -> None:
    dirfd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(dirfd)
    finally:
        os.close(dirfd)


def publish(index_dir: str | os.PathLike[str], site: str, version: Path) -> None:
    """Make ``version`` the site's live index in one atomic step; other sites stay as they are."""
    root = Path(index_dir)
    check_site(site)
    with _locked(root / PUBLISH_LOCK):
        entries = live(root)
        entries.pop(site, None)
        entries[site] = version.name  # last: the latest publication (see sitesearch.query)
        tmp = root / f".{POINTER}.{os.getpid()}"
        with open(tmp, "w", encoding="ascii") as fh:
            fh.write("".join(f"{s} {v}\n" for s, v in entries.items()))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, root / POINTER)
        # the rename itself must reach the disk before older versions may be deleted
        _fsync_dir(root)
    _remove_unsited_versions(root)


def _remove_unsited_versions(root: Path) -> None:
    """Delete the version folders of the layout before sites (an index straight in v000012/)."""
    for entry in root.iterdir():
        if (_VERSION.fullmatch(entry.name) and entry.is_dir()
                and any(p.suffix == ".toc" for p in entry.iterdir())):
            shutil.rmtree(entry, ignore_errors=True)


def prune(index_dir: str | os.PathLike[str], site: str, keep: int = 2) -> list[str]:
    """Delete the site's versions older than the live one and the ``keep`` before it.

    Keeping a couple of old versions lets a request that opened one just before the swap finish
    (POSIX keeps open files readable anyway; the margin covers files Whoosh opens lazily).
    Unpublished folders newer than the live one belong to a build in progress or a crashed one;
    those older than the live version are removed with the rest.
    """
    live_name = current_name(index_dir, site)
    older = [v for v in versions(index_dir, site) if v < live_name]
    doomed = older[: max(0, len(older) - keep)]
    for name in doomed:
        shutil.rmtree(site_dir(index_dir, site) / name, ignore_errors=True)
    return doomed


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def build_lock(index_dir: str | os.PathLike[str], site: str) -> Iterator[None]:
    """One build of a site at a time (two Pelican runs would otherwise race); sites in parallel."""
    with _locked(site_dir(index_dir, site) / LOCK):
        yield


def link_copy(src: Path, dest: Path) -> None:
    """Copy an index folder by hard links (Whoosh never rewrites a file, it only adds and deletes)."""
    for entry in src.iterdir():
        if entry.name.endswith("LOCK") or not entry.is_file():
            continue
        try:
            os.link(entry, dest / entry.name)
        except OSError:  # another file system, or links not allowed
            shutil.copy2(entry, dest / entry.name)
