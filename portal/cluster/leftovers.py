"""After a full build, what it no longer writes is deleted: its output is what a fresh build leaves.

A full build without ``--publish`` writes over the last build's files but removed none: a removed
attachment, a theme file, a sub-site's ``bsfw/``, ``hd/`` and ``robots.txt`` from before
``county_sections`` stayed, unlinked and still served (``--publish`` empties the folder first).

Which files a build wrote is known to the file system for every writer at once (Pelican's pages
and static files, the plugins' JSON, sitemap, robots.txt and manifest): a file written, copied or
replaced gets a new change time (ctime) or a new inode. :func:`note` records each file's
(inode, ctime) before the build; after a good build, :func:`prune` deletes each file that still
has them, and the folders that leaves empty. This holds while a full build writes every file it
publishes, as Pelican's settings here have it: with ``STATIC_CHECK_IF_MODIFIED`` or
``STATIC_CREATE_LINKS`` an unchanged attachment is not copied again, so nothing is pruned then.

Never touched, in any site's folder: the names that start with ``_`` or ``.`` (``_cluster/``: the
runner's fingerprints, logs and incremental caches, a site's manifest; ``_search/``: the search
index and its versions; ``_preview/``; ``.well-known/``) and ``OUTPUT_RETENTION``'s; in the
county's, the folders of its sub-sites (each pruned by its own build) and the cluster-wide lists
(``portal.cluster.lists``, made while the last builds run, put in place after). An incremental
build deletes the pages it no longer writes itself (``plugins/incremental``).
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from portal.cluster import lists
from portal.cluster.settings import MANIFEST
from sitesearch.fields import DEFAULT_SITE


@dataclass
class Before:
    """A site's output before its build: (inode, ctime) of each file that may be pruned."""

    root: Path
    files: dict[str, tuple[int, int]]


def kept(site_id: str, subsites: Iterable[str], settings: Mapping[str, Any]) -> frozenset[str]:
    """The paths of a site's output (relative, ``/``) that no build of the site prunes."""
    names = set(settings.get("OUTPUT_RETENTION") or ())
    if site_id == DEFAULT_SITE:
        names |= {*subsites, *lists.LIST_FILES}
    return frozenset(names)


def _kept(rel: str, keep: Collection[str]) -> bool:
    return rel[:1] in ("_", ".") or rel in keep


def note(output: Path, keep: Collection[str], settings: Mapping[str, Any]) -> Before | None:
    """The files of ``output`` before a full build; None when nothing is to be pruned after it: a
    folder no build of the site made (no manifest: new, or named by mistake), or settings with
    which a full build does not write every file."""
    output = Path(output)
    if settings.get("STATIC_CHECK_IF_MODIFIED") or settings.get("STATIC_CREATE_LINKS"):
        return None
    if not (output / MANIFEST).is_file():
        return None
    top = str(output)
    files: dict[str, tuple[int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(top):
        rel_dir = os.path.relpath(dirpath, top).replace(os.sep, "/")
        prefix = "" if rel_dir == "." else rel_dir + "/"
        if not prefix:
            dirnames[:] = [d for d in dirnames if not _kept(d, keep)]
        for name in filenames:
            rel = prefix + name
            if (not prefix and _kept(name, keep)) or rel in keep:
                continue
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except FileNotFoundError:
                continue
            files[rel] = (st.st_ino, st.st_ctime_ns)
    return Before(output, files)


def prune(before: Before) -> list[str]:
    """Delete the files the build did not write (inode and change time as before) and the folders
    that leaves empty; the files deleted, relative to the output, sorted."""
    gone = []
    for rel, stamp in before.files.items():
        path = before.root / rel
        try:
            st = os.lstat(path)
        except FileNotFoundError:  # the build removed it (plugins/incremental): nothing to do
            continue
        if (st.st_ino, st.st_ctime_ns) != stamp:
            continue
        path.unlink(missing_ok=True)
        gone.append(rel)
        parent = path.parent
        while parent != before.root and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    return sorted(gone)
