"""The manifest of a site's build: every document it published, for the cluster-wide lists.

Each site's build writes ``<its output>/_cluster/manifest.json`` (``plugins/clustermanifest``):
per document its type, title, URL (from the county's root: ``nyncj/xxgk/…``), 索引号, department,
date and, for a 信息公开 document, what a row of the 目录 and a record of ``data/xxgk.json`` show,
its attachments included (their files, like its URL, from the county's root: ``nyncj/files/…``).
The county's build reads its sub-sites' manifests (``CLUSTER["manifests"]``) and lists their
documents as :class:`ClusterDocument` in its catalogue, department pages and open data: one
document, one 索引号, one URL — the sub-site's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from operator import attrgetter
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from portal import jsonfile

MANIFEST_VERSION = 1
CHINA = ZoneInfo("Asia/Shanghai")
# the one type of document the county's build lists from its sub-sites' manifests (catalogue,
# department pages, data/xxgk.json): an edit of any other document leaves the county as it is
LISTED = "disclosure"
# the metadata a disclosure entry carries besides the common fields (the 目录's columns, the open
# data record's fields)
DISCLOSURE_KEYS = ("topic", "genre", "doc_no", "validity", "written", "replaced_by", "invalid_from",
                   "keywords", "summary")


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[BinaryIO]:
    """A file of the runner's or a build's, written so that a reader never sees half of it: a
    binary file beside ``path`` that takes its place when the block ends, and is removed (the old
    file left as it was) when the block raises."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("wb") as f:
            yield f
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(path)


def write_atomic(path: Path, text: str | bytes) -> None:
    """:func:`replacing` for a whole text (as UTF-8) or bytes (as they are)."""
    with replacing(path) as f:
        f.write(text.encode("utf-8") if isinstance(text, str) else text)


def _iso(value: Any) -> str | None:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value) if value not in (None, "") else None


def entry(article: Any, prefix: str) -> dict[str, Any]:
    """One document of a site's build as a manifest entry."""
    dept = getattr(article, "dept", None)
    out: dict[str, Any] = {
        "type": getattr(article, "doctype", ""),
        "title": article.title,
        "url": f"{prefix}{article.url}",
        "index_no": getattr(article, "index_no", None),
        "department": dept.code if dept is not None else None,
        "date": _iso(article.date),
    }
    if out["type"] == "disclosure":
        for key in DISCLOSURE_KEYS:
            value = getattr(article, key, None)
            out[key] = list(value) if key == "keywords" and value else _iso(value) if key in (
                "written", "invalid_from") else value
        out["attachments"] = _attachments(getattr(article, "attachments", None), prefix)
    return out


def _attachments(records: Any, prefix: str) -> list[dict[str, str]]:
    # the file is the site's own (files/…): from the county's root it is under the site's folder
    return [{"title": str(r.get("title", "")), "file": f"{prefix}{r.get('file', '')}"}
            for r in records or () if isinstance(r, dict)]


def write(path: Path, site: str, articles: list[Any], prefix: str) -> None:
    """Write a site's manifest (atomically: a reader never sees half a file)."""
    data = {"version": MANIFEST_VERSION, "site": site,
            "documents": sorted((entry(a, prefix) for a in articles if getattr(a, "doctype", "") != "page"),
                                key=lambda e: e["url"])}
    write_atomic(path, jsonfile.dumps_lines(data, "documents"))



def read(path: Path) -> dict[str, Any]:
    """A manifest; an empty one when the site was never built."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"version": MANIFEST_VERSION, "site": Path(path).parents[1].name, "documents": []}


@dataclass
class ClusterDocument:
    """A document another site of the cluster published, as the county's lists show it."""

    site: str
    doctype: str
    title: str
    url: str
    date: dt.datetime
    index_no: str | None = None
    dept: Any = None
    department: str | None = None
    topic: str = ""
    genre: str = ""
    doc_no: str | None = None
    validity: str = ""
    written: dt.date | None = None
    replaced_by: str | None = None
    invalid_from: dt.date | None = None
    keywords: Sequence[str] = field(default_factory=list)
    summary: str = ""
    attachments: Sequence[Any] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __reduce__(self) -> tuple[Any, ...]:
        # kept by the county 45,000 at a time (incremental.Derived): as its values, which unpickle
        # faster than an object's attributes, and without its department (the build's registry
        # gives it, manifest.sources)
        return (ClusterDocument, tuple(None if name == "dept" else getattr(self, name) for name in _FIELDS))


_FIELDS = tuple(f.name for f in fields(ClusterDocument))


def _date(text: str | None) -> Any:
    if not text:
        return None
    return _zoned(dt.datetime.fromisoformat(text)) if "T" in text else dt.date.fromisoformat(text)


def listed(path: Path) -> bytes:
    """What of a manifest the county's build reads (its ``LISTED`` entries), as bytes to hash."""
    return _listed(read(Path(path)))


def _listed(data: dict[str, Any]) -> bytes:
    entries = [e for e in data.get("documents", []) if e.get("type") == LISTED]
    return json.dumps([data.get("site"), entries], ensure_ascii=False, sort_keys=True, default=str).encode()


class Digests:
    """The identity of each manifest: two hashes, kept between runs under its file's status (size,
    times, inode): all of it (the cluster-wide lists; what the county's build derives from it is
    kept under it) and what the county lists of it (the county's fingerprint).

    A sub-site's build rewrites its manifest (a new file: ``write`` replaces it), so a manifest
    whose status is the one recorded holds what was hashed; only the manifests of the sites built
    since are read again (99 manifests of 1,000 documents cost 0.6 CPU-s to parse). The runner
    saves them before the county's build, which reads them (``INCREMENTAL["manifests"]``): the
    manifests the runner hashed are not read again until one of them is needed.
    """

    def __init__(self, store: Path | None) -> None:
        self.store = Path(store) if store is not None else None
        try:
            known = json.loads(self.store.read_text(encoding="utf-8")) if self.store is not None else {}
        except (OSError, ValueError):  # none yet, or damaged: every manifest read again
            known = {}
        self._known: dict[str, list[Any]] = known if isinstance(known, dict) else {}
        self._changed = False

    def _kept(self, key: str) -> tuple[list[Any] | None, list[Any] | None]:
        """(its file's status, what is kept under it) — (None, None) when there is no file."""
        try:
            st = os.stat(key)
        except FileNotFoundError:  # never built: an empty manifest, not remembered
            self._forget(key)
            return None, None
        status = [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]
        known = self._known.get(key)
        if isinstance(known, list) and len(known) == 6 and known[:4] == status:
            return status, known
        return status, None

    def identity(self, path: Path | str) -> str:
        """The hash of the manifest's bytes ("" when there is none); its listed entries are
        hashed only when asked (``of``)."""
        key = str(path)
        status, known = self._kept(key)
        if status is None:
            return ""
        if known is not None and known[4]:
            return str(known[4])
        digest = hashlib.sha256(Path(key).read_bytes()).hexdigest()
        self._known[key] = [*status, digest, None]
        self._changed = True
        return digest

    def of(self, path: Path) -> tuple[str, str]:
        """(the hash of the manifest's bytes, the hash of its listed entries)."""
        key = str(path)
        status, known = self._kept(key)
        if status is None:
            return "", hashlib.sha256(listed(Path(path))).hexdigest()
        if known is not None and known[4] and known[5]:
            return str(known[4]), str(known[5])
        raw = Path(path).read_bytes()
        try:
            entries = _listed(json.loads(raw))
        except (ValueError, AttributeError):  # damaged: the county's build reports it; its bytes stand for it
            entries = b"damaged\0" + raw
        digests = (hashlib.sha256(raw).hexdigest(), hashlib.sha256(entries).hexdigest())
        self._known[key] = [*status, *digests]
        self._changed = True
        return digests

    def listed(self, path: Path) -> bytes:
        """The hash of what the county lists of a manifest (as ``sha256(listed(path)).digest()``)."""
        return bytes.fromhex(self.of(path)[1])

    def _forget(self, key: str) -> None:
        if self._known.pop(key, None) is not None:
            self._changed = True

    def save(self) -> None:
        """Keep the hashes for the next run and the county's build (atomically; a run that hashed
        nothing new writes nothing)."""
        if not self._changed or self.store is None:
            return
        write_atomic(self.store, json.dumps(self._known))
        self._changed = False


# the build's manifests' identities when the runner handed none (a build of its own): hashed here
_OWN = Digests(None)
# the last answer of documents(): the county's catalogue and its open data ask for the same list
_READ: dict[str, Any] = {}


def documents(paths: list[str], registry: Any, doctype: str | None = LISTED,
              derived: Any = None, digests: Digests | None = None) -> list[ClusterDocument]:
    """The documents of the given manifests (of one type, or all), newest first.

    Read once per build: a second call with the same manifests (by their identity, ``Digests``:
    the runner's when it handed them to the build), registry and type returns the same list (the
    county's catalogue and ``data/xxgk.json`` both list the sub-sites' 信息公开 documents: ~100
    files and 45,000 entries at 100 × 1,000). Callers must not change it. With ``derived``
    (``portal.cluster.incremental.Derived``, the county's incremental build) a manifest whose
    identity is that of the last build is neither read nor parsed again.
    """
    return _sources(paths, registry, doctype, derived, digests)["documents"]


def sources(paths: list[str], registry: Any, doctype: str | None = LISTED, derived: Any = None,
            digests: Digests | None = None) -> list[tuple[str, str, list[ClusterDocument]]]:
    """What ``documents`` lists, by manifest: (its path, its identity, its documents in the
    manifest's order), for callers that keep what they derive from a manifest under its identity."""
    return _sources(paths, registry, doctype, derived, digests)["sources"]


def _sources(paths: list[str], registry: Any, doctype: str | None, derived: Any,
             digests: Digests | None) -> dict[str, Any]:
    identities = digests or _OWN
    ids = [(str(path), identities.identity(path)) for path in paths]
    key = (tuple(ids), id(registry), doctype)
    if _READ.get("key") == key and _READ.get("registry") is registry:
        return _READ
    by_path = []
    for path, identity in ids:
        if derived is None:
            docs = _parse(_bytes(path), path, doctype)
        else:
            # (":3": without what only data/xxgk.json shows, ``listed``; ":2" dates in CHINA,
            # shared strings; an older version's kept values are dropped)
            docs = derived.get(f"documents:{doctype}:3", path, identity,
                               lambda path=path: _parse(_bytes(path), path, doctype, listed=True))
        for d in docs:  # the registry is the build's (a cached document's is the last build's)
            d.dept = registry.get(d.department) if registry is not None and d.department else None
        by_path.append((path, identity, docs))
    out = newest_first(d for _path, _identity, docs in by_path for d in docs)
    _READ.clear()
    _READ.update(key=key, registry=registry, documents=out, sources=by_path)
    return _READ


def newest_first(items: Iterable[Any]) -> list[Any]:
    """Documents (a site's own and its manifests') newest first, ``sorted`` by their dates
    (stable). Every date here has its zone, nearly all the one object ``CHINA`` (``_zoned``), and
    two dates of the same zone object compare without asking it their offsets: 45,000 dates sort
    in 0.005 CPU-s (by their timestamps 0.03, of as many zone objects 0.16)."""
    return sorted(items, key=_DATE, reverse=True)


_DATE = attrgetter("date")


def _zoned(value: dt.datetime) -> dt.datetime:
    """A manifest's date (``fromisoformat``: a zone object of its own, ``+08:00``) in ``CHINA``
    when that is the same offset: the same instant and text, and one zone object for every date
    (``CHINA`` is pickled by its name: the kept manifests' dates come back with the one object
    Pelican's dates have), so that 45,000 dates sort without asking a zone for their offsets."""
    if type(value.tzinfo) is not dt.timezone:
        return value
    local = value.astimezone(CHINA)
    return local if local.utcoffset() == value.utcoffset() else value


def _bytes(path: str) -> bytes | None:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:  # never built: an empty manifest
        return None


def departments_key(registry: Any) -> tuple[tuple[str, str], ...]:
    """What of the departments registry the county shows of a sub-site's document (its
    publisher's code and name): part of the key of what it derives from a manifest."""
    return tuple((d.code, d.name) for d in registry or ())


def parsed(path: str, registry: Any, doctype: str | None = LISTED) -> list[ClusterDocument]:
    """One manifest's documents (of one type, or all) in its order, every field read, with their
    departments: what ``data/xxgk.json`` shows of them (``documents`` from a county's kept
    entries leaves out the fields only the open data shows)."""
    docs = _parse(_bytes(path), path, doctype)
    for d in docs:
        d.dept = registry.get(d.department) if registry is not None and d.department else None
    return docs


# a kept document's keywords and attachments (``_parse(listed=True)``): the one empty tuple,
# pickled as a reference
_NONE: tuple[()] = ()


def _parse(raw: bytes | None, path: str, doctype: str | None, listed: bool = False) -> list[ClusterDocument]:
    """A manifest's documents (of one type, or all) in its order, without their departments.

    ``listed``: without the fields only ``data/xxgk.json`` shows (summary, keywords, attachments),
    whose lines the county keeps made (``parsed`` reads them when they must be made again): the
    45,000 documents it keeps load from half the memory (25 of 56 MB at 100 × 1,000, memory the
    county's build process touches for the first time: the kernel's zeroing of new pages was
    ≈ 15 % of its CPU)."""
    data = json.loads(raw) if raw is not None else {"site": Path(path).parents[1].name, "documents": []}
    # the values many entries share (site, type, department, 主题, 体裁, 时效, keywords) as one
    # object each: kept pickled (incremental.Derived), each is written once a manifest and read
    # back as a reference (the 99 kept manifests load 25 % faster)
    shared: dict[str, str] = {}

    def one(value: Any) -> Any:
        return shared.setdefault(value, value) if type(value) is str else value

    site = one(str(data.get("site", "")))
    out = []
    for e in data.get("documents", []):
        if doctype is not None and e.get("type") != doctype:
            continue
        date = _date(e.get("date"))
        if isinstance(date, dt.date) and not isinstance(date, dt.datetime):
            date = dt.datetime.combine(date, dt.time())
        if date is not None and date.tzinfo is None:  # like Pelican's dates (TIMEZONE)
            date = date.replace(tzinfo=CHINA)
        out.append(ClusterDocument(
            site=site, doctype=one(str(e.get("type", ""))), title=str(e["title"]),
            url=str(e["url"]), date=date, index_no=e.get("index_no"), department=one(e.get("department")),
            topic=one(e.get("topic") or ""), genre=one(e.get("genre") or ""), doc_no=e.get("doc_no"),
            validity=one(e.get("validity") or ""), written=_date(e.get("written")),
            replaced_by=e.get("replaced_by"), invalid_from=_date(e.get("invalid_from")),
            keywords=_NONE if listed else [one(k) for k in e.get("keywords") or []],
            summary="" if listed else e.get("summary") or "",
            attachments=_NONE if listed else [a for a in e.get("attachments") or () if isinstance(a, dict)],
        ))
    return out
