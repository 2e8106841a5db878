"""Links between sites: a file gone from one site sends the sites that link to it to a full build.

A site's build checks its links into another site of the cluster against that site's files
(``portal.check.Site.route``): ``/cgz/xxgk/wj/a.html`` from the county is an error once
``sites/cgz/content/xxgk/wj/a.md`` is gone. The linking site's fingerprint covers its own files
only, so the runner would skip it and its broken link would be found by nobody. The rule here:

- only a file *gone* from a site (removed, renamed, its site removed) can break a link that
  resolved when the linking site was last built; a new file cannot, and a failed build is built
  again anyway (it stores no fingerprint);
- the runner keeps the file names of each site's last good build (``_cluster/<id>.names``); a site
  that is to be built (its fingerprint changed) is compared with them, and the county, whose
  plan comes after its sub-sites', is compared before any site is planned;
- each good build leaves, beside them, the **index of its links into other sites**
  (``_cluster/<id>.links``): for every link of its documents that the check resolved in another
  site, that site's id and the file the page is made from (``check.Site.source``: a document, an
  attachment; "" for a page made from no file: a home page, a list the build writes). The check
  records them however the link is written (absolute, the portal's full address, relative to
  the page, percent-encoded, with a query or fragment: all are resolved to one path first), and
  a document whose check is reused from the reader cache carries the ones its check recorded
  (``incremental.Checked.cross_links``). Links to another site's list pages are not checked
  (that site's check's business) and not recorded: no file makes them break;
- every other site whose index names a gone file, or any page of a removed site, loses its
  fingerprint: it is built in full, every document checked again. No document is read.

A site without an index (its last good build is older than the index: a tree built before it,
or the file is lost) is looked for as before the index: GNU grep (else the same in Python) for
each gone file's stem and ``/<id>/`` of a removed site in its documents. A match there is a
candidate, not a proof: such a site is rebuilt for nothing, never left unchecked.

Not seen by either: a news item of another site that moved to another column, or whose column
was dropped from its ``columns.yml`` (its URL holds the column; no file is gone). The linking
site's link is checked again when that site's document is, or by ``scripts/check``; within a site
such a link is checked on every build (``check.DEFERRED``).

The index and the reader cache are of the same good build (both written only when it succeeds),
so a check the next build reuses was made with the links its index holds; a document checked
again is checked against the other sites' files as they are.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from portal.cluster import incremental
from portal.cluster.fingerprint import STORE, documents
from portal.cluster.manifest import write_atomic

SUFFIX = ".names"
LINKS = ".links"  # the index of a site's links into other sites


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
    _links_path(output_root, site_id).unlink(missing_ok=True)


def _links_path(output_root: Path, site_id: str) -> Path:
    return Path(output_root) / STORE / f"{site_id}{LINKS}"


def before_build(cache: Path) -> None:
    """A build starts: what an earlier build left for the index is not this one's."""
    (Path(cache) / incremental.LINKS_FILE).unlink(missing_ok=True)


def keep_links(output_root: Path, site_id: str, cache: Path) -> None:
    """After a good build: the links it recorded become the site's index (none recorded: the
    site has no index, it is searched as before one)."""
    made = Path(cache) / incremental.LINKS_FILE
    try:
        made.replace(_links_path(output_root, site_id))
    except FileNotFoundError:
        _links_path(output_root, site_id).unlink(missing_ok=True)


def links(output_root: Path, site_id: str) -> set[tuple[str, str]] | None:
    """The (site id, file) of other sites the site's last good build links to (None: no index)."""
    try:
        pairs = json.loads(_links_path(output_root, site_id).read_text(encoding="utf-8"))
        return {(str(site), str(name)) for site, name in pairs}
    except (OSError, ValueError, TypeError):  # missing or damaged: searched as before the index
        return None


def checked(content_dir: Path) -> set[tuple[str, str]]:
    """What a good build of this tree records for its index, by checking its documents without
    building (``harness.crosslinks_seed``: a tree built before the index; the tests)."""
    from portal import check, departments

    content_dir = Path(content_dir)
    site = check.Site(content_dir, departments.load(content_dir), root=content_dir.parent)
    for rel in site.documents():
        check.check_file(content_dir / rel, site, rel)
    return {pair for pairs in site.cross_links.values() for pair in pairs}


def store_links(output_root: Path, site_id: str, linked: Iterable[tuple[str, str]]) -> None:
    write_atomic(_links_path(output_root, site_id), json.dumps(sorted(linked), ensure_ascii=False))


def breaks(linked: set[tuple[str, str]], gone: dict[str, set[str]], removed: set[str]) -> bool:
    """Whether an index names a file ``gone`` from its site (id → files) or a ``removed`` site."""
    return any(site in removed or name in gone.get(site, ()) for site, name in linked)


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
