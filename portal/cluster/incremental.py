"""What a site's publishing build keeps on disk so that its next build does only what changed.

Two files per site, in ``<output root>/_cluster/cache/<site>/`` (the runner's folder, kept by
publishconf's emptying of the output):

- ``reader.pickle``: per document, the hash of its bytes, what ``portal.check.check_file`` found
  (the parsed document, its problems, the list links and unreadable 索引号 it noted on the
  ``check.Site``) and the HTML its Markdown became. A document whose bytes did not change is
  neither parsed nor converted again (one whose size and modification time did not change is not
  even read: the runner's fingerprint takes the same test); its check is reused only while the set of files and the
  day are the same (links and file fields are checked against the set of files, dates against
  the day), otherwise it is checked again and only its Markdown is reused. Cross-document rules
  (``check_site``) and everything after reading run on every build, on every document.
  Beside it, ``links.json``: the files of other sites its documents link to (reused checks'
  included), which the runner takes into its index (``portal.cluster.crosslinks``).
- ``pages.pickle``: per page written through Pelican's writer, a hash of what its template is
  given (``page_digest``). A page whose hash did not change and whose file is there is not
  rendered again; a page the previous build wrote and this one did not is deleted.

- ``derived/``: what the county derived from each sub-site's manifest (its documents, its
  catalogue rows with their digests, and in a file of their own its ``data/xxgk.json`` lines,
  mapped when written), under a hash of the manifest's bytes and of what else they depend on
  (``Derived``): an edit re-derives one manifest's entries, not 45,000 (100 sites × 1,000
  documents).

Nothing here decides *whether* a build may be incremental: the runner
(``portal.cluster.runner``) does, from the fingerprints, and empties this folder before any build
that is not. A cache file that cannot be read (damaged, another version of Python, Pelican or
Markdown) counts as empty: every document is read and every page written, as in a full build.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import marshal
import mmap
import os
import pickle
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from portal.cluster.manifest import Digests, replacing, write_atomic

log = logging.getLogger(__name__)

CACHE_DIR = "_cluster/cache"  # under the cluster's output root, one folder per site
READER_FILE = "reader.pickle"
PAGES_FILE = "pages.pickle"
DERIVED_DIR = "derived"
# what the documents of the last good build link to in other sites (ReaderCache.save), taken by
# the runner into its index (portal.cluster.crosslinks)
LINKS_FILE = "links.json"
# 3: a document's check carries its links into other sites (Checked.cross_links); 4: its
# document is kept without its path (ReaderCache.check puts it back); 5: list_links is
# deferred_links (its news items' pages too)
FORMAT = 5
# attributes of content objects that are the build's machinery, not what a page shows
_SKIPPED_ATTRS = frozenset({"_context", "settings"})
_PLAIN = frozenset({str, int, float, bool, type(None)})
_SHORT = frozenset({int, float, bool, type(None)})  # _PLAIN but text, which may be long
# A container whose summary is longer than this (its bytes, ``_serial``; a text's characters,
# _LONG_TEXT) is summarised by a hash of it, computed once per build: a list page's input holds
# the list of every page of its list (the pager), a rendered facet sidebar, rows shown on four
# lists each; spelled out, each page's hash would repeat them (quadratic in the length of a list:
# 2,250 catalogue pages of 2,250 links each at 45,000 entries), hashed each is written out once.
_LONG = 96
_LONG_TEXT = 256


def cache_dir(output_root: Path, site_id: str) -> Path:
    return Path(output_root) / CACHE_DIR / site_id


def usable(folder: Path) -> bool:
    """Whether a site's last build left both caches (whether they can be read is the build's
    business: an unreadable one counts as empty)."""
    return (Path(folder) / READER_FILE).is_file() and (Path(folder) / PAGES_FILE).is_file()


def forget_reading(folder: Path) -> None:
    """Before a full build: the documents are read again (the pages' list stays, to delete what
    is gone)."""
    (Path(folder) / READER_FILE).unlink(missing_ok=True)


def _versions() -> tuple[Any, ...]:
    import markdown
    import pelican

    return (FORMAT, sys.version, pelican.__version__, markdown.__version__)


def _load(path: Path) -> dict[str, Any]:
    """A cache file's entries; empty when it is missing, damaged or from other versions."""
    try:
        with path.open("rb") as f:
            header, entries = pickle.load(f)
    except FileNotFoundError:
        return {}
    except Exception as exc:  # a damaged file is a cold start, never a failed build
        log.warning("incremental: %s unreadable (%s: %s); building without it", path, type(exc).__name__, exc)
        return {}
    if header != _versions() or not isinstance(entries, dict):
        return {}
    return entries


def _save(path: Path, entries: dict[str, Any]) -> None:
    """An interrupted build leaves the old file or none."""
    with replacing(path) as f:
        pickle.dump((_versions(), entries), f, protocol=pickle.HIGHEST_PROTOCOL)


# ---- reading ---------------------------------------------------------------------------------------


@dataclass
class Checked:
    """What checking one document found (and did to the ``check.Site``)."""

    doc: Any  # portal.frontmatter.Document, or None when unreadable
    problems: list[Any]
    deferred_links: list[tuple[int, str]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    cross_links: list[tuple[str, str]] = field(default_factory=list)  # check.Site.cross_links


def _without_node(checked: Checked, raw: bytes) -> Checked:
    """The check to keep: the document's YAML node (most of its size, needed only for the line
    of a problem) is left out, its YAML text kept so that ``Document.line_of`` can compose it;
    so is its path (a ``Path`` is parsed again when unpickled, 10 µs a document: the reader
    knows it), put back by ``ReaderCache.check``."""
    doc = checked.doc
    if doc is None:
        return checked
    if getattr(doc, "node", None) is None:
        return dataclasses.replace(checked, doc=dataclasses.replace(doc, path=None))
    from portal import frontmatter

    try:
        head = frontmatter.split(raw.decode("utf-8"))[0]
    except (UnicodeDecodeError, frontmatter.FrontMatterError):
        return dataclasses.replace(checked, doc=dataclasses.replace(doc, path=None))
    return dataclasses.replace(checked, doc=dataclasses.replace(doc, node=None, head=head, path=None))


@dataclass
class Entry:
    """One document as the last build read it. The check is kept pickled: the build changes the
    objects it hands to Pelican (metadata lists, attributes), and the cache must keep what the
    file said."""

    digest: str  # sha1 of the file's bytes
    check_key: str  # ReaderCache.check_key when it was checked
    checked: bytes  # a pickled Checked
    html: str | None = None  # its Markdown as sanitised HTML
    mtime: int = 0  # the file's modification time (a fixed page without a date is dated by it)
    search: bytes | None = None  # its pickled sitesearch Document (plugins/searchindex)
    size: int = -1  # the file's size (-1 in an entry kept before it was: the file is read)


class ReaderCache:
    """The documents of the last build, and those of this one as they are read."""

    def __init__(self, folder: Path, *, full: bool = False) -> None:
        self.path = Path(folder) / READER_FILE
        self.old: dict[str, Entry] = {} if full else _load(self.path)
        self.new: dict[str, Entry] = {}
        self._check_key: str | None = None
        self.hits = 0
        # (site id, file) of other sites the documents read link to, reused checks' included
        self.links: set[tuple[str, str]] = set()
        # an entry kept from the last build was given what it lacked (its HTML, its search document)
        self._completed = False

    def check_key(self, site: Any) -> str:
        """What every document's check depends on besides its own bytes (see the module's doc)."""
        if self._check_key is None:
            h = hashlib.sha1()
            h.update(f"{site.content_dir}\0{site.today.isoformat()}\0{site.cluster_id}\0".encode())
            h.update("\0".join(sorted(site.files)).encode())
            self._check_key = h.hexdigest()
        return self._check_key

    def check(self, path: Path, relpath: str, site: Any,
              check_file: Callable[..., tuple[Any, list[Any]]]) -> tuple[Checked, str | None]:
        """``check_file``'s answer for one document and its HTML when known, reused when neither
        the file nor the tree changed; the HTML is handed back with :meth:`remember_html`."""
        old = self.old.get(relpath)
        try:
            stat = os.stat(path)  # before reading: a file changed meanwhile is read again next time
            if old is not None and old.mtime == stat.st_mtime_ns and old.size == stat.st_size:
                # the runner's fingerprint takes a file of the same size and time as unchanged;
                # so does this: the bytes are the ones the last build read (not read again)
                raw, digest = None, old.digest
            else:
                raw = path.read_bytes()
                digest = hashlib.sha1(raw).hexdigest()
        except OSError:  # check_file reports it (the build fails: no links to keep)
            return Checked(*check_file(path, site, relpath)), None
        mtime, size = stat.st_mtime_ns, stat.st_size
        key = self.check_key(site)
        shown = site.display(relpath)
        same = old is not None and old.digest == digest
        html = old.html if same else None
        if old is not None and same and old.check_key == key:
            self.hits += 1
            checked: Checked = pickle.loads(old.checked)
            if checked.doc is not None and checked.doc.path is None:
                checked.doc.path = path  # kept without it (_without_node): the file read then
            if checked.deferred_links:
                site.deferred_links.setdefault(shown, []).extend(checked.deferred_links)
            if checked.cross_links:
                site.cross_links[shown] = list(checked.cross_links)
                self.links.update(checked.cross_links)
            site.unreadable_index_nos.update(checked.unreadable)
            self.new[relpath] = (old if old.mtime == mtime and old.size == size
                                 else dataclasses.replace(old, mtime=mtime, size=size,
                                                          search=old.search if old.mtime == mtime else None))
            return checked, html
        if raw is None:  # checked again (another day, another set of files): its bytes are needed
            try:
                raw = path.read_bytes()
            except OSError:
                return Checked(*check_file(path, site, relpath)), None
        links_before = len(site.deferred_links.get(shown, ()))
        unreadable_before = set(site.unreadable_index_nos)
        doc, problems = check_file(path, site, relpath)
        checked = Checked(doc, problems, list(site.deferred_links.get(shown, ())[links_before:]),
                          sorted(site.unreadable_index_nos - unreadable_before),
                          list(site.cross_links.get(shown, ())))
        self.links.update(checked.cross_links)
        self.new[relpath] = Entry(digest, key, pickle.dumps(_without_node(checked, raw), pickle.HIGHEST_PROTOCOL),
                                  html, mtime, old.search if same and old is not None and old.mtime == mtime else None,
                                  size)
        return checked, html

    def remember_html(self, relpath: str, html: str) -> None:
        entry = self.new.get(relpath)
        if entry is not None and entry.html != html:
            entry.html = html
            self._completed = True

    def search_document(self, relpath: str, make: Callable[[], Any]) -> bytes:
        """A document's search document, pickled (``make()``, or the last build's when the file
        is the same: it is made as soon as the document is read, from the file and the base
        alone). Pickled as kept, it goes to the index writer as it is: unpickled there only."""
        entry = self.new.get(relpath)
        if entry is not None and entry.search is not None:
            return entry.search
        data = pickle.dumps(make(), pickle.HIGHEST_PROTOCOL)
        if entry is not None:
            entry.search = data
            self._completed = True
        return data

    def _same(self) -> bool:
        return (not self._completed and len(self.new) == len(self.old) and self.path.is_file()
                and all(self.old.get(relpath) is entry for relpath, entry in self.new.items()))

    def save(self) -> None:
        """Keep the documents this build read (a removed document leaves the cache with it), and
        the files of other sites they link to. The documents' file is written only when they are
        not the last build's, every entry the one it kept (the county's 1,000 after a sub-site's
        edit: 16 MB not written again)."""
        if not self._same():
            _save(self.path, self.new)
        write_atomic(self.path.with_name(LINKS_FILE), json.dumps(sorted(self.links), ensure_ascii=False))


# ---- rendering ---------------------------------------------------------------------------------------


def stable(value: Any, memo: dict[int, tuple[Any, Any]], depth: int = 0) -> Any:
    """A summary of a template's argument that is the same in every process for the same page.

    Like ``portal.preview.fingerprint`` but without identities: a document counts as its
    source path and a hash of its attributes (``doc_digest``), another object as its type and
    attributes, a function as its name (functions are code, and code changes force a full build).
    ``memo`` holds each container's and object's summary by identity for one build, keeping the
    objects alive so that no id is reused.
    """
    t = type(value)
    if t in _PLAIN:
        if t is str and len(value) >= _LONG_TEXT:
            return _long_text(value, memo)
        return value
    hit = memo.get(id(value))  # first: most values of a list page were seen on another page
    if hit is not None:
        return hit[1]
    if isinstance(value, (bool, int, float, str)):  # Markup, enums: their type shows in the page
        text = str(value)
        if len(text) < _LONG_TEXT:
            return (t.__name__, text)
        # a rendered sidebar, handed to every page of its list: hashed once
        fp = (t.__name__, "#" + hashlib.sha1(text.encode()).hexdigest())
        memo[id(value)] = (value, fp)
        return fp
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if depth > 12:
        return ("deep", t.__qualname__)
    memo[id(value)] = (value, ("cycle", t.__qualname__))  # a reference back to itself
    fp: Any
    if t is dict or isinstance(value, dict):
        fp = tuple((k if type(k) in _PLAIN else stable(k, memo, depth + 1),
                    v if type(v) in _SHORT or type(v) is str and len(v) < _LONG_TEXT
                    else stable(v, memo, depth + 1)) for k, v in value.items())
    elif t is list or t is tuple or isinstance(value, (list, tuple)):
        fp = tuple(v if type(v) in _SHORT or type(v) is str and len(v) < _LONG_TEXT
                   else stable(v, memo, depth + 1) for v in value)
    elif isinstance(value, (set, frozenset)):
        fp = ("set", tuple(sorted((stable(v, memo, depth + 1) for v in value), key=repr)))
    elif isinstance(value, (types.FunctionType, types.BuiltinFunctionType, types.MethodType, type)):
        fp = ("code", getattr(value, "__module__", ""), getattr(value, "__qualname__", repr(value)))
    elif isinstance(value, types.ModuleType):
        fp = ("module", value.__name__)
    elif getattr(value, "relative_source_path", None) is not None and hasattr(value, "metadata"):
        fp = ("doc", value.relative_source_path, doc_digest(value, memo, depth))
    elif hasattr(value, "__dict__"):
        fp = (t.__qualname__,
              stable({k: v for k, v in vars(value).items() if k not in _SKIPPED_ATTRS}, memo, depth + 1))
    else:
        text = repr(value)
        fp = (t.__qualname__, text if " at 0x" not in text else "")
    if isinstance(fp, tuple) and fp:
        data = _serial(fp)
        if len(data) > _LONG:
            fp = ("#", hashlib.sha1(data).hexdigest())
    memo[id(value)] = (value, fp)
    return fp


def _serial(summary: Any) -> bytes:
    """A summary's bytes, to hash: ``marshal``'s format 2, which has no references (equal values
    give equal bytes whatever their objects) and writes text as UTF-8 (3× faster than ``repr``,
    which escapes text character by character: the county's 1,000 documents' summaries are
    5 million characters a build); ``repr`` for what it refuses (a subclass of a plain type)."""
    try:
        return marshal.dumps(summary, 2)
    except ValueError:
        return repr(summary).encode()


def _long_text(text: str, memo: dict[int, tuple[Any, Any]]) -> tuple[str, str]:
    """A long text (a document's HTML, its summary) as a hash of its UTF-8: its ``repr``, which
    a container's summary is hashed from, escapes it character by character (19 µs for 2,000
    Chinese characters, 7 µs encoded and hashed); once a build (a summary is in a document's
    attributes and its metadata)."""
    hit = memo.get(id(text))
    if hit is None:
        hit = memo[id(text)] = (text, ("str#", hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()))
    return hit[1]


def value_digest(value: Any) -> str:
    """A hash of a value by its summary (``stable``): the same in every process for the same value."""
    return hashlib.sha1(_serial(stable(value, {}))).hexdigest()


def doc_digest(doc: Any, memo: dict[int, tuple[Any, Any]], depth: int = 0) -> str:
    """A hash of everything a document carries (its HTML, metadata and the documents it names)."""
    attrs = {k: v for k, v in vars(doc).items() if k not in _SKIPPED_ATTRS}
    return hashlib.sha1(_serial(stable(attrs, memo, depth + 1))).hexdigest()


class PageDigests:
    """The hashes of the pages of the last build and of this one."""

    def __init__(self, folder: Path, *, full: bool) -> None:
        self.path = Path(folder) / PAGES_FILE
        kept = _load(self.path)
        self.old: dict[str, str] = kept.get("pages") or {}
        # per paginated list (its folder): the digest of what all its pages are given (keep_list)
        self.lists_old: dict[str, str] = kept.get("lists") or {}
        self.lists: dict[str, str] = {}
        # per template file: (hash of its source, the names it reads, the templates it names)
        self.templates_old: dict[str, tuple[str, frozenset[str], tuple[Any, ...]]] = kept.get("templates") or {}
        self.templates: dict[str, tuple[str, frozenset[str], tuple[Any, ...]]] = {}
        self.full = full  # write every page (a full build), but still delete what is gone
        self.new: dict[str, str] = {}
        self.memo: dict[int, tuple[Any, Any]] = {}
        self._globals: dict[str, frozenset[str]] = {}
        self._shared_hashes: dict[int, tuple[Any, str]] = {}
        self.written = 0
        self.skipped = 0

    def template_globals(self, template: Any) -> frozenset[str]:
        """The names a template (with what it extends, includes and imports) reads from its context."""
        name = template.name
        if name not in self._globals:
            env = template.environment
            seen: set[str] = set()
            names: set[str] = set()
            todo = [name]
            while todo:
                current = todo.pop()
                if current in seen:
                    continue
                seen.add(current)
                own, refs = self._analyse(env, current)
                names |= own
                for ref in refs:
                    if ref is None:  # a name computed at render time: assume it reads everything
                        names.add("*")
                    else:
                        todo.append(ref)
            self._globals[name] = frozenset(names)
        return self._globals[name]

    def _analyse(self, env: Any, name: str) -> tuple[frozenset[str], tuple[Any, ...]]:
        """One template file's own names and references; parsed again only when its source changed."""
        if name in self.templates:
            return self.templates[name][1:]
        source = env.loader.get_source(env, name)[0]
        digest = hashlib.sha1(source.encode()).hexdigest()
        kept = self.templates_old.get(name)
        if kept is None or kept[0] != digest:
            from jinja2 import meta

            ast = env.parse(source)
            kept = (digest, frozenset(meta.find_undeclared_variables(ast)),
                    tuple(meta.find_referenced_templates(ast)))
        self.templates[name] = kept
        return kept[1:]

    def digest(self, name: str, template: Any, context: dict[str, Any], args: tuple[Any, ...],
               kwargs: dict[str, Any]) -> str:
        """What this page's template is given: its arguments and the shared names it reads."""
        used = self.template_globals(template)
        if "*" in used:
            used = frozenset(k for k in context if not k.isupper())
        shared = sorted(k for k in used if k not in kwargs and k in context)
        parts = (template.name, name, stable(args, self.memo), stable(kwargs, self.memo),
                 tuple((k, self._shared(context[k])) for k in shared))
        return hashlib.sha1(_serial(parts)).hexdigest()

    def list_page_digest(self, common: str, name: str, number: int, start: int, end: int,
                         items: list[Any]) -> str:
        """A page of a paginated list: its list's digest (``digest`` of what every page of the list
        is given), its name, number and place in the list, and its items' summaries (``stable``)."""
        return hashlib.sha1(_serial((common, name, number, start, end, items))).hexdigest()

    def list_digest(self, common: str, items: list[Any], hashes: bool = False) -> str:
        """A whole paginated list: its list's digest (which holds its pager) and all its items'
        summaries, from which each page's ``list_page_digest`` is made. ``hashes``: the items
        are hex digests (``value_digest``), hashed joined, not by their ``repr`` (the county's
        four lists of 45,000 catalogue rows: 8 ms a list, 1.8 joined)."""
        if hashes:
            return hashlib.sha1(f"{common}\0{' '.join(items)}".encode()).hexdigest()
        return hashlib.sha1(repr((common, items)).encode()).hexdigest()

    def keep_list(self, key: str, digest: str, names: list[str], present: Callable[[], bool]) -> bool:
        """Whether every page of a paginated list is the one on disk: the list's digest
        (``list_digest``) is the last build's, so is each page's (made of it), and their files are
        there (``present()``); then their digests are carried over, none computed again. The
        list's digest is noted either way."""
        self.lists[key] = digest
        if self.full or self.lists_old.get(key) != digest:
            return False
        old = [self.old.get(name) for name in names]
        if None in old or not present():
            return False
        self.new.update(zip(names, old, strict=True))
        return True

    def feed_digest(self, path: str, elements: Any, context: dict[str, Any], args: tuple[Any, ...]) -> str:
        """What a feed shows: its entries (documents, by their digests) and the names Pelican's
        feed writer reads from the context (the rest are settings: changing them is a full build)."""
        names = tuple(context.get(k) for k in ("SITENAME", "SITEURL", "FEED_DOMAIN"))
        return hashlib.sha1(_serial(("feed", path, args, names, stable(elements, self.memo)))).hexdigest()

    def _shared(self, value: Any) -> str:
        """A hash of a shared value (the registry, the list of every document): once per build."""
        hit = self._shared_hashes.get(id(value))
        if hit is None or hit[0] is not value:
            hit = (value, hashlib.sha1(_serial(stable(value, self.memo))).hexdigest())
            self._shared_hashes[id(value)] = hit
        return hit[1]

    def unchanged(self, name: str, digest: str, path: str, present: Callable[[], bool] | None = None) -> bool:
        """Whether the page ``name`` is the one on disk: its digest is the last build's and its
        file is there (``present()``, else a ``stat`` of ``path``); this build's digest noted."""
        self.new[name] = digest
        if self.full or self.old.get(name) != digest:
            return False
        return present() if present is not None else os.path.isfile(path)

    def gone(self) -> list[str]:
        """Pages the last build wrote and this one did not."""
        return sorted(set(self.old) - set(self.new))

    def save(self) -> None:
        _save(self.path, {"pages": self.new, "templates": self.templates, "lists": self.lists})


@dataclass(frozen=True)
class _KeptLines:
    """Where ``Derived.lines`` keeps a list of byte strings: a file of their own (named by a hash
    of its bytes, so that the pickle never names another version's) and where each ends."""

    name: str
    ends: tuple[int, ...]


class Derived:
    """Values a build derives from one input file (a sub-site's manifest), kept under a key (a
    hash of the file's bytes and of whatever else they depend on) until the next build.

    One file per input in ``derived/`` (45,000 entries at 100 × 1,000 are 80 MB pickled), and
    one more for its lines (``lines``): a build writes only the files of the inputs whose values
    it made again, and deletes those of inputs it no longer asked for.
    """

    def __init__(self, folder: Path, *, full: bool = False) -> None:
        self.folder = Path(folder) / DERIVED_DIR
        self.full = full
        self.values: dict[str, dict[str, tuple[Any, Any]]] = {}
        self.asked: dict[str, set[str]] = {}
        self.changed: set[str] = set()
        self.line_kinds: set[str] = set()  # the kinds asked for as lines (``lines``)

    def _file(self, source: str) -> Path:
        return self.folder / (hashlib.sha1(source.encode()).hexdigest() + ".pickle")

    def get(self, kind: str, source: str, key: Any, make: Callable[[], Any]) -> Any:
        """``make()``, or what it made for the same kind, source and key last build."""
        values = self.values.get(source)
        if values is None:
            values = self.values[source] = {} if self.full else _load(self._file(source))
        self.asked.setdefault(source, set()).add(kind)
        kept = values.get(kind)
        if kept is not None and kept[0] == key:
            return kept[1]
        value = make()
        values[kind] = (key, value)
        self.changed.add(source)
        return value

    def preloading(self, sources: list[str]) -> Iterator[str]:
        """Read what was kept for these inputs, one a step (``get`` reads each when first asked
        for): the county's build, started held, reads its 99 manifests' kept values (0.47 CPU-s
        at 100 × 1,000) while it waits for its runner's word (``progress.meanwhile``) instead
        of after it. Each value is still checked against its key when asked for."""
        for source in map(str, sources):
            if not self.full and source not in self.values:
                self.values[source] = _load(self._file(source))
                yield source

    def lines(self, kind: str, source: str, key: Any, make: Callable[[], list[bytes]]) -> Sequence[bytes | memoryview]:
        """``get`` for a list of byte strings that the build only writes out (``data/xxgk.json``'s
        lines): kept in a file of their own and mapped, not read, their pages the file system's
        cache (read into the build's memory, the county's 45,000 lines were 42 MB of new pages,
        and new pages cost the kernel's zeroing). A file that is missing or not the size kept
        counts as missing: the lines are made again."""
        self.line_kinds.add(kind)
        kept = self.get(kind, source, key, make)
        if not isinstance(kept, _KeptLines):
            return kept
        mapped = self._map(kept)
        if mapped is not None:
            return mapped
        value = make()
        self.values[source][kind] = (key, value)
        self.changed.add(source)
        return value

    def _map(self, kept: _KeptLines) -> list[memoryview] | None:
        if not kept.name:
            return []
        try:
            with (self.folder / kept.name).open("rb") as f:
                if os.fstat(f.fileno()).st_size != kept.ends[-1]:
                    return None
                view = memoryview(mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ))
        except (OSError, ValueError):
            return None
        starts = (0, *kept.ends[:-1])
        return [view[start:end] for start, end in zip(starts, kept.ends, strict=True)]

    def _keep_lines(self, source: str, values: dict[str, tuple[Any, Any]]) -> None:
        """Lines made again (``lines``) into their file; the pickle names it."""
        for kind in self.line_kinds & values.keys():
            key, value = values[kind]
            if isinstance(value, _KeptLines):
                continue
            data = b"".join(value)
            name = f"{self._file(source).stem}-{hashlib.sha1(data).hexdigest()[:20]}.lines" if data else ""
            path = self.folder / name
            if data and (not path.is_file() or path.stat().st_size != len(data)):
                write_atomic(path, data)
            ends, end = [], 0
            for line in value:
                end += len(line)
                ends.append(end)
            values[kind] = (key, _KeptLines(name, tuple(ends)))

    def save(self) -> None:
        """Write what was made again, without the kinds of values this build did not ask for (an
        older version's: each is read back on every build); forget the inputs it did not ask for."""
        for source, values in self.values.items():
            asked = self.asked.get(source, set())
            if set(values) - asked:
                self.values[source] = {k: v for k, v in values.items() if k in asked}
                self.changed.add(source)
        for source in self.changed:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._keep_lines(source, self.values[source])
            _save(self._file(source), self.values[source])
        self.changed.clear()
        kept = {self._file(source).name for source in self.values}
        kept |= {value.name for values in self.values.values() for _key, value in values.values()
                 if isinstance(value, _KeptLines) and value.name}
        if self.folder.is_dir():
            for path in self.folder.iterdir():
                if path.name not in kept:
                    path.unlink(missing_ok=True)


class Active:
    """The caches of the build under way in this process (Pelican's signals are global: one build
    at a time). Set by plugins/incremental, read by plugins/yamlmeta; all None outside such a build."""

    reader: ReaderCache | None = None
    pages: PageDigests | None = None
    derived: Derived | None = None
    output: Path | None = None
    # where the runner keeps the manifests' identities (``manifest.Digests``), when it handed them:
    # read when first asked for (``manifests``), so that a held build (``portal.cluster.progress``),
    # started before the runner decided, reads what the runner saved when it did
    manifests_store: Path | None = None
    _manifests: Digests | None = None
    # the files of the list pages the build kept (plugins/incremental ``write_page``), for the
    # sitemap (plugins/exports) at the build's end: emptied when a build starts, not when it ends
    kept_lists: list[str] = []

    @property
    def manifests(self) -> Digests | None:
        """The manifests' identities as the runner found them (``manifest.Digests``), or None."""
        if self._manifests is None and self.manifests_store is not None:
            self._manifests = Digests(self.manifests_store)
        return self._manifests

    def end(self) -> None:
        """No build under way (its start, or its end)."""
        self.reader = self.pages = self.derived = self.output = None
        self.manifests_store = self._manifests = None


ACTIVE = Active()
