"""What a site's build depends on, as one hash: a site whose fingerprint did not change is not rebuilt.

A site's inputs are its content (every file's path, size and modification time), its site.yml and
its own templates and images, the code and theme every site shares (theme/, plugins/, portal/,
sitesearch/, the message kinds and their time limits, pelicanconf/publishconf, the county's
registry and columns) and its computed settings. The county's also holds what it lists of its
sub-sites' manifests (their 信息公开 entries, ``manifest.LISTED``): a sub-site's edit that changes
no such title, URL or date, or any edit of another type of document, leaves the county as it is.
The fingerprint of the last good build is kept in ``<output>/_cluster/<site>.fingerprint``.

Beside it, the same file keeps the site's *base* fingerprint: everything but its documents (the
``.md`` files of its content folder outside ``files/``) and the manifests. When only documents
(and manifests) changed since the last good build, the build may be incremental
(``portal.cluster.incremental``); when the base changed it is a full build.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from portal.cluster import manifest
from portal.schema import FILES_DIR, doc_type_for
from portal.sites import REPO_ROOT

SHARED = ("theme", "plugins", "portal", "sitesearch", "formsvc/domain", "pelicanconf.py", "publishconf.py",
          "content/departments.yml", "content/columns.yml", "instance/config.py")
SKIPPED_DIRS = frozenset({"__pycache__", ".git", ".pytest_cache"})
STORE = "_cluster"


def _walk(top: str) -> Iterator[tuple[str, int, int]]:
    # os.walk's order (a folder's files sorted, then its folders sorted; no symlinked folder
    # followed) from one scandir a folder: its DirEntry saves a stat a folder and a join a file
    try:
        with os.scandir(top) as it:
            entries = list(it)
    except OSError:
        return
    files, dirs = [], []
    for entry in entries:
        name = entry.name
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if is_dir:
            if name not in SKIPPED_DIRS and not name.startswith("."):
                dirs.append(entry)
        elif not (name.endswith((".pyc", "~")) or name.startswith(".#")):
            files.append(entry)
    files.sort(key=_name)
    for entry in files:
        try:
            st = entry.stat()
        except OSError:  # removed while we walk: the next build sees it
            continue
        yield entry.path, st.st_size, st.st_mtime_ns
    dirs.sort(key=_name)
    for entry in dirs:
        if not entry.is_symlink():
            yield from _walk(entry.path)


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _files(root: Path) -> Iterator[tuple[str, int, int]]:
    """(path, size, modification time) of every file under ``root`` (or of ``root``, a file)."""
    if root.is_file():
        st = root.stat()
        yield str(root), st.st_size, st.st_mtime_ns
        return
    yield from _walk(str(root))


def tree_bytes(root: Path) -> int:
    """The size of a folder's files: what a site's build will read, roughly."""
    return sum(size for _path, size, _mtime in _files(Path(root)))


_SHARED_CACHE: dict[str, str] = {}


def shared_digest() -> str:
    """The code, theme and registries every site's build uses (computed once per run)."""
    if "v" not in _SHARED_CACHE:
        h = hashlib.sha256()
        for p in SHARED:
            h.update(b"".join(_tree_parts(REPO_ROOT / p, None)))
        _SHARED_CACHE["v"] = h.hexdigest()
    return _SHARED_CACHE["v"]


def is_document(path: str, content_dir: Path) -> bool:
    """Whether a file is one of the site's documents (an edit a build can take incrementally)."""
    rel = os.path.relpath(path, content_dir)
    return path.endswith(".md") and not rel.startswith((os.pardir, f"{FILES_DIR}{os.sep}"))


def documents(content_dir: Path) -> Iterator[str]:
    """The paths of a site's documents (``is_document``)."""
    for path, _size, _mtime in _files(Path(content_dir)):
        if is_document(path, content_dir):
            yield path


def compute_parts(site_inputs: list[Path], settings: dict[str, Any], manifests: Iterable[Path] = (),
                  content_dir: Path | None = None, digests: manifest.Digests | None = None) -> tuple[str, str]:
    """(the fingerprint of one site's build, its base: the same without documents and manifests;
    ``digests``: the manifests' hashes kept between runs, else each manifest is read)."""
    base, docs = hashlib.sha256(), hashlib.sha256()
    for root in site_inputs:
        root_base, root_docs = _tree_parts(Path(root), content_dir)
        base.update(root_base)
        docs.update(root_docs)
    base.update(shared_digest().encode())
    base.update(json.dumps(settings, sort_keys=True, ensure_ascii=False).encode())
    for m in manifests:  # what the county lists of them: a news item's edit leaves it as it is
        docs.update(digests.listed(Path(m)) if digests is not None
                    else hashlib.sha256(manifest.listed(Path(m))).digest())
    base_fp = base.hexdigest()
    return hashlib.sha256(f"{base_fp}\0{docs.hexdigest()}".encode()).hexdigest(), base_fp


def _tree_parts(root: Path, content_dir: Path | None) -> tuple[bytes, bytes]:
    """The lines of a folder's files (name, size, time) that go into the base and into the
    documents' hash: one join and one encode a folder (a hash update a file cost as much as the
    stat)."""
    base: list[str] = []
    docs: list[str] = []
    # is_document's rule as string prefixes of the walk's own paths (relpath a file cost 5 µs)
    prefix = files = ""  # no content folder: every file is the base's
    if content_dir is not None:
        prefix = os.path.normpath(os.path.join(str(root), os.path.relpath(content_dir, root))) + os.sep
        files = f"{prefix}{FILES_DIR}{os.sep}"
    for path, size, mtime in _files(root):
        line = f"{path}\0{size}\0{mtime}\n"
        if prefix and path.endswith(".md") and path.startswith(prefix) and not path.startswith(files):
            docs.append(line)
        else:
            base.append(line)
    return "".join(base).encode(), "".join(docs).encode()


def listed(content_dir: Path) -> str:
    """A hash of the name, size and time of a site's documents of the type the county lists
    (``manifest.LISTED``, known by their folder): an edit that leaves it as it was (a news item's,
    a guide's) cannot change what the county lists of the site. A hint for the runner, which
    starts the county's build before it knows (``runner.Hold``); what decides is the county's
    fingerprint."""
    root = str(content_dir) + os.sep
    lines = []
    for path, size, mtime in _files(Path(content_dir)):
        rel = path[len(root):].replace(os.sep, "/")
        if is_document(path, content_dir) and (kind := doc_type_for(rel)) is not None and kind.name == manifest.LISTED:
            lines.append(f"{rel}\0{size}\0{mtime}\n")
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def compute(site_inputs: list[Path], settings: dict[str, Any], manifests: Iterable[Path] = ()) -> str:
    """The fingerprint of one site's build."""
    return compute_parts(site_inputs, settings, manifests)[0]


def stored_path(output_root: Path, site_id: str) -> Path:
    return Path(output_root) / STORE / f"{site_id}.fingerprint"


def _stored(output_root: Path, site_id: str) -> list[str]:
    try:
        return stored_path(output_root, site_id).read_text(encoding="ascii").split()
    except (FileNotFoundError, UnicodeDecodeError):
        return []


def unchanged(output_root: Path, site_id: str, fingerprint: str, site_output: Path) -> bool:
    """True when the last good build of this site had this fingerprint and its output is there."""
    stored = _stored(output_root, site_id)
    return stored[:1] == [fingerprint] and (Path(site_output) / "index.html").is_file()


def stored_base(output_root: Path, site_id: str) -> str | None:
    """The base fingerprint of the last good build of this site (None: no good build known)."""
    stored = _stored(output_root, site_id)
    return stored[1] if len(stored) in (2, 3) else None


def stored_listed(output_root: Path, site_id: str) -> str | None:
    """``listed`` of the site's documents at its last good build (None: not known)."""
    stored = _stored(output_root, site_id)
    return stored[2] if len(stored) == 3 else None


def store(output_root: Path, site_id: str, fingerprint: str, base: str = "", listed: str = "") -> None:
    path = stored_path(output_root, site_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [fingerprint, *([base] if base else []), *([listed] if base and listed else [])]
    path.write_text("".join(f"{line}\n" for line in lines), encoding="ascii")


def forget(output_root: Path, site_id: str) -> None:
    """A failed build: the next run builds this site again."""
    stored_path(output_root, site_id).unlink(missing_ok=True)
