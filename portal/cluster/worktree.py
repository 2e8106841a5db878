"""What git knows of the folders a site is built from: a token per folder that changes whenever a
file in it may have changed, without the runner stat-ing every file (git does, in C).

A folder's token is its tree id at ``HEAD`` with every line ``git status`` reports under it
(staged and unstaged changes, untracked and ignored files, each with its size and modification
time as the folder holds it now). The same token means the same files: a committed file that is
not reported is the one in ``HEAD``'s tree, and any other is in the token with its status.
``portal.cluster.fingerprint`` walks a folder only when its token is not the one of the last walk,
so at 100 sites × 1,000 documents a run walks the site that changed, not 104,000 files.

No token (the folder is walked, as without git) when git is missing or fails, when the folder is
not in a git work tree, or when git reports a folder as a whole (a nested repository: its files
are not git's to list).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

GIT_TIMEOUT = 60


def _git(top: str, *args: str, input: str | None = None) -> bytes | None:  # noqa: A002 (subprocess's name)
    try:
        # --no-optional-locks: a status never writes the index, which an editor's git may hold
        run = subprocess.run(["git", "--no-optional-locks", "-C", top, *args], capture_output=True,
                             timeout=GIT_TIMEOUT, check=False,
                             input=input.encode(errors="surrogateescape") if input is not None else None)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return run.stdout if run.returncode == 0 else None


def _top(folder: Path) -> str | None:
    """The work tree a folder (or the nearest folder above it that exists) belongs to."""
    probe = folder
    while not probe.is_dir() and probe != probe.parent:
        probe = probe.parent
    out = _git(str(probe), "rev-parse", "--show-toplevel")
    return os.path.realpath(out.decode(errors="surrogateescape").strip()) if out else None


def _known_top(folder: str, tops: dict[str, str | None]) -> str | None:
    """The work tree of a folder below one already asked about, when no ``.git`` lies between."""
    for top in {t for t in tops.values() if t is not None}:
        if folder.startswith(top + os.sep):
            between = os.path.relpath(folder, top).split(os.sep)
            if not any(os.path.exists(os.path.join(top, *between[:n], ".git")) for n in range(1, len(between) + 1)):
                return top
    return None


def _path(record: str) -> str:
    kind = record[:1]
    if kind == "1":  # 1 XY sub mH mI mW hH hI path
        return record.split(" ", 8)[8]
    if kind == "u":  # u XY sub m1 m2 m3 mW h1 h2 h3 path
        return record.split(" ", 10)[10]
    return record[2:]  # ? path, ! path


def _status(top: str, rel: str) -> str:
    try:
        st = os.stat(os.path.join(top, rel))
    except OSError:
        return "-"
    return f"{st.st_size} {st.st_mtime_ns}"


def tokens(folders: Iterable[Path], keep: Callable[[str], bool] = lambda _path: True) -> dict[Path, str]:
    """A token for each folder (or file) git can vouch for; the others are missing from the answer.
    ``keep``: whether a file reported under a folder counts, by its path below the folder (the
    walk's own rule: no ``.pyc``; "" for the folder itself, a file)."""
    by_top: dict[str, dict[Path, str]] = {}
    tops: dict[str, str | None] = {}
    for folder in folders:
        real = os.path.realpath(folder)
        # one rev-parse a parent (a site's folder is in its parent's work tree, or git reports it
        # there as a folder of its own: a nested repository, walked)
        parent = os.path.dirname(real)
        if parent not in tops:
            tops[parent] = _known_top(parent, tops) or _top(Path(parent))
        top = tops[parent]
        if top is not None and real.startswith(top + os.sep):
            by_top.setdefault(top, {})[Path(folder)] = os.path.relpath(real, top).replace(os.sep, "/")
    out: dict[Path, str] = {}
    for top, rels in by_top.items():
        out.update(_tokens(top, rels, keep))
    return out


def _tokens(top: str, rels: dict[Path, str], keep: Callable[[str], bool]) -> dict[Path, str]:
    specs = sorted(set(rels.values()))
    # untracked and ignored files one by one; renames as a removal and a new file
    status = _git(top, "status", "--porcelain=v2", "-z", "--untracked-files=all", "--ignored=traditional",
                  "--no-renames", "--", *specs)
    # HEAD's object for each folder ("missing": not committed, its files are all reported)
    heads = _git(top, "cat-file", "--batch-check=%(objectname)", input="".join(f"HEAD:{rel}\n" for rel in specs))
    if status is None or heads is None:
        return {}
    trees = dict(zip(specs, heads.decode(errors="surrogateescape").splitlines(), strict=False))
    wanted = set(specs)
    lines: dict[str, list[str]] = {rel: [] for rel in specs}
    broken: set[str] = set()
    for record in status.decode(errors="surrogateescape").split("\0"):
        if not record or record.startswith("#"):
            continue
        path = _path(record)
        # a submodule: its files' changes are not in its line (walked, as a nested repository)
        whole = path.endswith("/") or (record[:1] in "1u" and not record.split(" ", 3)[2].startswith("N"))
        parts = path.rstrip("/").split("/")
        for n in range(1, len(parts) + 1):  # the folders asked for that hold it
            rel = "/".join(parts[:n])
            if rel not in wanted:
                continue
            if whole:  # a folder git does not list file by file
                broken.add(rel)
            elif not keep("/".join(parts[n:])):  # the walk's rule, below the folder walked
                continue
            lines[rel].append(f"{record}\0{_status(top, path)}")
    out = {}
    for folder, rel in rels.items():
        if rel in broken or len(trees) != len(specs):
            continue
        h = hashlib.sha256(f"{rel}\0{trees[rel]}\n".encode(errors="surrogateescape"))
        for line in sorted(lines[rel]):
            h.update(line.encode(errors="surrogateescape") + b"\n")
        out[folder] = h.hexdigest()
    return out
