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

from portal.cluster import manifest, worktree
from portal.schema import FILES_DIR
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


def shared_digest(trees: Trees | None = None) -> str:
    """The code, theme and registries every site's build uses (computed once per run)."""
    if "v" not in _SHARED_CACHE:
        trees = trees or Trees(None)
        h = hashlib.sha256()
        for p in SHARED:
            h.update(trees.parts(REPO_ROOT / p, None)[0])
        _SHARED_CACHE["v"] = h.hexdigest()
    return _SHARED_CACHE["v"]


def kept(path: str) -> bool:
    """Whether the walk hashes a file ('/'-separated path below the folder walked)."""
    *folders, name = path.split("/")
    return not (any(f in SKIPPED_DIRS or f.startswith(".") for f in folders)
                or name.endswith((".pyc", "~")) or name.startswith(".#"))


class Trees:
    """The two hashes of each folder a fingerprint covers (its documents', the rest's), kept between
    runs under the folder's git token (``portal.cluster.worktree``): a folder whose token is the
    one of its last walk is not walked (104,000 files stat-ed cost ≈ 0.5 CPU-s at 100 × 1,000);
    a folder without a token (no git, not in a work tree) is walked every run."""

    def __init__(self, store: Path | None) -> None:
        self.store = store
        self.tokens: dict[Path, str] = {}
        known: Any = {}
        if store is not None:
            try:
                known = json.loads(Path(store).read_text(encoding="utf-8"))
            except (OSError, ValueError):  # none yet, or damaged: every folder walked
                known = {}
        self._known: dict[str, list[str]] = known if isinstance(known, dict) else {}
        self._walked: dict[str, tuple[Path, str, bytes, bytes]] = {}  # kept by save() if still true

    def ask_git(self, folders: Iterable[Path]) -> None:
        """One ``git status`` for every folder of the run (before any ``parts``)."""
        self.tokens.update(worktree.tokens(folders, kept))

    def parts(self, root: Path, content_dir: Path | None) -> tuple[bytes, bytes]:
        """(the hash of the folder's files but its documents, the hash of its documents)."""
        key = f"{root}\0{content_dir or ''}"
        token = self.tokens.get(root)
        known = self._known.get(key)
        if token is not None and isinstance(known, list) and len(known) == 3 and known[0] == token:
            return bytes.fromhex(known[1]), bytes.fromhex(known[2])
        base, docs = (hashlib.sha256(b).digest() for b in _tree_parts(root, content_dir))
        if token is not None:
            self._walked[key] = (root, token, base, docs)
        return base, docs

    def save(self) -> None:
        """Keep the hashes of the folders walked whose token is still the one asked before the walk:
        a file changed meanwhile (the county is walked after its sub-sites' builds) may or may not
        be in the hashes, so they are not kept under either token."""
        if self.store is None or not self._walked:
            return
        now = worktree.tokens({root for root, *_ in self._walked.values()}, kept)
        for key, (root, token, base, docs) in self._walked.items():
            if now.get(root) == token:
                self._known[key] = [token, base.hex(), docs.hex()]
        self._walked = {}
        manifest.write_atomic(self.store, json.dumps(self._known))


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
                  content_dir: Path | None = None, digests: manifest.Digests | None = None,
                  trees: Trees | None = None) -> tuple[str, str]:
    """(the fingerprint of one site's build, its base: the same without documents and manifests;
    ``digests``: the manifests' hashes kept between runs, else each manifest is read; ``trees``:
    the folders' hashes kept between runs, else each folder is walked)."""
    trees = trees or Trees(None)
    base, docs = hashlib.sha256(), hashlib.sha256()
    for root in site_inputs:
        root_base, root_docs = trees.parts(Path(root), content_dir)
        base.update(root_base)
        docs.update(root_docs)
    base.update(shared_digest(trees).encode())
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
    prefix = files = None
    if content_dir is not None:
        prefix = os.path.normpath(os.path.join(str(root), os.path.relpath(content_dir, root))) + os.sep
        files = f"{prefix}{FILES_DIR}{os.sep}"
    for path, size, mtime in _files(root):
        line = f"{path}\0{size}\0{mtime}\n"
        if prefix is not None and path.endswith(".md") and path.startswith(prefix) and not path.startswith(files):
            docs.append(line)
        else:
            base.append(line)
    return "".join(base).encode(), "".join(docs).encode()


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
    return stored[1] if len(stored) == 2 else None


def store(output_root: Path, site_id: str, fingerprint: str, base: str = "") -> None:
    path = stored_path(output_root, site_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{fingerprint}\n{base}\n" if base else f"{fingerprint}\n", encoding="ascii")


def forget(output_root: Path, site_id: str) -> None:
    """A failed build: the next run builds this site again."""
    stored_path(output_root, site_id).unlink(missing_ok=True)
