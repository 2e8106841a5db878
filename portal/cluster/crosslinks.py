"""Links between sites: a file gone from one site sends the sites that may link to it to a full build.

A site's build checks its links into another site of the cluster against that site's files
(``portal.check.Site.route``): ``/cgz/xxgk/wj/a.html`` from the county is an error once
``sites/cgz/content/xxgk/wj/a.md`` is gone. The linking site's fingerprint covers its own files
only, so the runner would skip it and its broken link would be found by nobody. The rule here,
the cheapest that finds every such link:

- only a file *gone* from a site (removed, renamed, its site removed) can break a link that
  resolved when the linking site was last built; a new file cannot, and a failed build is built
  again anyway (it stores no fingerprint);
- the runner keeps the file names of each site's last good build (``_cluster/<id>.names``); a site
  that is to be built (its fingerprint changed) is compared with them, and the county, whose
  plan comes after its sub-sites', is compared before any site is planned;
- every other site whose documents contain a gone file's stem (the last part of its URL: a link
  to it, written in any form, holds it, percent-encoded or not), or ``/<id>/`` of a removed site,
  loses its fingerprint: it is built in full, every document checked again.

A match is a candidate, not a proof (a stem may be common): such a site is rebuilt for nothing,
never left unchecked. The search (GNU grep, else the same in Python) reads every other site's
documents, and only in a run where a file is gone.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from portal.cluster.fingerprint import STORE, documents
from portal.cluster.manifest import write_atomic

SUFFIX = ".names"


def names(content_dir: Path) -> set[str]:
    """The files of a content tree, relative to it ('/' separated), as its check sees them."""
    base = str(content_dir)
    out = set()
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        rel = os.path.relpath(dirpath, base).replace(os.sep, "/")
        out.update(name if rel == "." else f"{rel}/{name}" for name in filenames)
    return out


def _path(output_root: Path, site_id: str) -> Path:
    return Path(output_root) / STORE / f"{site_id}{SUFFIX}"


def stored(output_root: Path, site_id: str) -> set[str] | None:
    """The file names of the site's last good build (None: not known)."""
    try:
        return set(_path(output_root, site_id).read_text(encoding="utf-8").split("\n")) - {""}
    except (OSError, UnicodeDecodeError):
        return None


def known_sites(output_root: Path) -> set[str]:
    """The sites whose names are kept (a removed site's too, until its links are dealt with)."""
    folder = Path(output_root) / STORE
    return {p.name[: -len(SUFFIX)] for p in folder.glob(f"*{SUFFIX}")} if folder.is_dir() else set()


def store(output_root: Path, site_id: str, current: Iterable[str]) -> None:
    write_atomic(_path(output_root, site_id), "\n".join(sorted(current)))


def forget(output_root: Path, site_id: str) -> None:
    _path(output_root, site_id).unlink(missing_ok=True)


def needles(gone: Iterable[str]) -> set[bytes]:
    """What a link to any of these files holds: each one's stem, as written and percent-encoded."""
    out = set()
    for rel in gone:
        stem = PurePosixPath(rel).stem
        if stem:
            out.update({stem.encode(), quote(stem).encode()})
    return out


def linking(trees: dict[str, Path], found: set[bytes]) -> set[str]:
    """The sites (of ``trees``: id → content folder) a document of which holds one of ``found``."""
    if not trees or not found:
        return set()
    matched = _grep(trees, found)
    if matched is None:  # no grep: the same search in Python (≈ 26 µs a document against ≈ 1)
        matched = {site_id for site_id, content_dir in trees.items() if _holds(content_dir, found)}
    return matched


def _grep(trees: dict[str, Path], found: set[bytes]) -> set[str] | None:
    # every .md file (a superset of the documents: files/ and dot folders too), bytes as bytes
    args = ["grep", "-rlFZ", "--include=*.md"]
    for needle in sorted(found):
        args += ["-e", os.fsdecode(needle)]
    folders = {os.path.join(str(content_dir), ""): site_id for site_id, content_dir in trees.items()}
    try:
        run = subprocess.run([*args, "--", *folders], capture_output=True, check=False,
                             env={**os.environ, "LC_ALL": "C"})
    except OSError:
        return None
    if run.returncode not in (0, 1) and not run.stdout:  # grep failed (a folder gone: still its matches)
        return None
    out = set()
    for path in run.stdout.split(b"\0"):
        name = os.fsdecode(path)
        out.update(site_id for folder, site_id in folders.items() if name.startswith(folder))
    return out


def _holds(content_dir: Path, found: set[bytes]) -> bool:
    for path in documents(content_dir):
        try:
            data = Path(path).read_bytes()
        except OSError:  # gone meanwhile: its own site's build sees it
            continue
        if any(n in data for n in found):
            return True
    return False
