"""Writing a site's index: documents in, a new published version out (full or incremental).

Every site of the cluster has an index of its own (``sitesearch.layout``); a build writes one
site's. The Pelican plugin ``searchindex`` turns articles into ``Document`` objects and calls
``build``; ``scripts/bench-search`` calls the same function. Incremental builds compare
``path#hash`` keys stored in the site's live index, copy it by hard links into a new version
folder, re-index only what changed there, and publish the copy.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import heapq
import logging
import os
import pickle
import queue as queue_module
import tempfile
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from sitesearch import fastpost, layout
from sitesearch import fields as F
from sitesearch.analysis import CountedText, codes_in, normalize, normalize_code

log = logging.getLogger(__name__)


@dataclass
class Document:
    """One searchable document, as the writer receives it (plain text, no HTML)."""

    path: str
    url: str
    title: str
    body: str = ""
    summary: str = ""
    section: str = ""
    section_label: str = ""
    doctype: str = ""
    doctype_label: str = ""
    dept: str = ""
    dept_name: str = ""
    topic: str = ""
    date: dt.datetime | None = None
    index_no: str = ""
    doc_no: str = ""
    keywords: list[str] = field(default_factory=list)
    # other searchable metadata (a guide's 事项类型, a project's 产业 …), one text
    extra: str = ""
    # the site of the cluster that publishes the document (its URL is on that site)
    site: str = F.DEFAULT_SITE
    site_name: str = ""

    def content_hash(self) -> str:
        """Hash of everything indexed, plus the index format: unchanged hash = nothing to do.

        Fields joined by a control character no text contains (tests check every field counts);
        ``asdict`` + JSON cost several times more, paid for every document of every build.
        """
        raw = "\x1f".join((
            str(F.INDEX_FORMAT), self.path, self.url, self.title, self.body, self.summary,
            self.section, self.section_label, self.doctype, self.doctype_label, self.dept,
            self.dept_name, self.topic, self.date.isoformat() if self.date else "",
            self.index_no, self.doc_no, "\x1e".join(self.keywords), self.extra, self.site,
            self.site_name,
        ))
        # SHA-256 runs on the CPU's SHA instructions: 3.7 µs for a document's 6 KB here against
        # 9.1 µs for BLAKE2b, paid for every document of a site at each of its builds
        return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()[:24]

    def key(self) -> str:
        return f"{self.path}#{self.content_hash()}"

    def plain_text(self) -> str:
        """Everything searchable but the title: the body, BODY_END, then the rest.

        Snippets are cut from the body; quoted phrases are checked against all of it.
        """
        rest = "\n".join([self.summary, " ".join(self.keywords), self.extra, self.dept_name,
                          self.topic, self.doc_no, self.index_no])
        return f"{self.body}{F.BODY_END}{rest}"

    def to_fields(self) -> dict[str, Any]:
        """The Whoosh field values of this document."""
        plain = self.plain_text()
        # the title twice: title matches rank first without a second scored field
        text = f"{self.title}\n{self.title}\n{plain}"
        # normalised once for the bigram counts and the codes (the dearest steps of indexing)
        norm = normalize(text)
        codes = codes_in(norm)
        doc_no = normalize_code(self.doc_no) if self.doc_no else None
        index_no = normalize_code(self.index_no) if self.index_no else None
        codes.update(c for c in (doc_no, index_no) if c)
        values: dict[str, Any] = {
            F.PATH: self.path,
            F.KEY: self.key(),
            F.URL: self.url,
            F.TITLE: self.title,
            F.TEXT: CountedText.of(norm, text),
            # for snippets and for checking quoted phrases; Chinese compresses to about a third
            F.BODY: zlib.compress(plain.encode("utf-8"), 6),
            F.SUMMARY: self.summary,
            F.SECTION: self.section,
            F.SECTION_LABEL: self.section_label,
            F.DOCTYPE: self.doctype,
            F.DOCTYPE_LABEL: self.doctype_label,
            F.DEPT: self.dept,
            F.DEPT_NAME: self.dept_name,
            F.TOPIC: self.topic,
            F.INDEX_NO: index_no or self.index_no,
            F.DOC_NO: doc_no or self.doc_no,
            F.CODES: " ".join(sorted(codes)),
            F.SITE: self.site,
            F.SITE_NAME: self.site_name,
        }
        if self.date is not None:
            values[F.DATE] = self.date
            values[F.YEAR] = str(self.date.year)
        # Whoosh indexes "" as a term; leave empty values out so facets do not count them
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass
class BuildReport:
    """What one build did, for the plugin's log line and the benchmark."""

    site: str
    version: str
    full: bool
    total: int
    added: int
    deleted: int
    unchanged: int
    seconds: float

    def __str__(self) -> str:
        kind = "full" if self.full else "incremental"
        return (f"{kind} build {self.site}/{self.version}: {self.total} documents, "
                f"{self.added} (re)indexed, "
                f"{self.deleted} removed, {self.unchanged} unchanged, {self.seconds:.2f} s")


def compatible(ix: Any) -> bool:
    """An index written with the same fields and field types can be updated in place."""
    want = F.make_schema()
    have = ix.schema
    return sorted(have.names()) == sorted(want.names()) and all(
        type(have[name]) is type(want[name]) and bool(have[name].column_type)
        == bool(want[name].column_type) for name in want.names())


def _live_keys(ix: Any) -> dict[str, str]:
    """path → key of every live document.

    Read from the KEY column, skipping deleted documents: the term lexicon would still list the
    keys of documents replaced since the last merge.
    """
    out: dict[str, str] = {}
    with ix.reader() as reader:
        for leaf, _offset in reader.leaf_readers():
            deleted = leaf.deleted_docs_set if leaf.has_deletions() else frozenset()
            column = leaf.column_reader(F.KEY)
            for docnum, key in enumerate(column):
                if docnum not in deleted and key:
                    out[key.rsplit("#", 1)[0]] = key
    return out


class _TermPool:
    """Postings of a full build grouped by term as documents arrive, instead of Whoosh's pool.

    Whoosh's ``PostingPool`` keeps one tuple per posting, sorts all of them and spills pickled
    runs to disk every ``limitmb``: about a third of the indexing CPU at 10,000 documents
    (6 million postings). Here each term holds a flat list ``[docnum, weight, value, …]``;
    documents arrive in docnum order, so only the terms are sorted at the end. Above ``budget``
    postings the terms are written to a sorted run file and merged at the end (stable, so
    docnums stay in order), which bounds the memory like ``limitmb`` does.
    """

    def __init__(self, tempdir: str, budget: int) -> None:
        self.fieldnames: set[str] = set()
        self._fields: dict[str, dict[bytes, list[Any]]] = {}
        self._count = 0
        self._budget = budget
        self._tempdir = tempdir
        self._runs: list[Any] = []

    def add_items(self, fieldname: str, docnum: int,
                  items: Iterable[tuple[bytes, int, float, bytes | None]], boost: float) -> int:
        """One document's postings of one field (``FieldType.index`` items); returns their
        summed frequencies. One call per field and document: a call per posting cost ~5 % of a
        build."""
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        get = terms.get
        length = count = 0
        for tbytes, freq, weight, value in items:
            length += freq
            count += 1
            postings = get(tbytes)
            if postings is None:
                terms[tbytes] = [docnum, weight * boost, value]
            else:
                postings += (docnum, weight * boost, value)
        self._count += count
        if self._count >= self._budget:
            self._spill()
        return length

    def _sorted_terms(self) -> Iterator[tuple[str, bytes, list[Any]]]:
        for fieldname in sorted(self._fields):
            terms = self._fields[fieldname]
            for tbytes in sorted(terms):
                yield fieldname, tbytes, terms[tbytes]

    def _spill(self) -> None:
        # closed in cleanup(), after the merge has read it
        run = tempfile.TemporaryFile(dir=self._tempdir, prefix="postings-", suffix=".run")  # noqa: SIM115
        # one pickle per term, read back one at a time (a shared Pickler's memo would keep
        # every entry alive, and clearing it desynchronises the Unpickler's)
        for entry in self._sorted_terms():
            pickle.dump(entry, run, pickle.HIGHEST_PROTOCOL)
        run.seek(0)
        self._runs.append(run)
        self._fields = {}
        self._count = 0

    @staticmethod
    def _read_run(run: Any) -> Iterator[tuple[str, bytes, list[Any]]]:
        while True:
            try:
                yield pickle.load(run)
            except EOFError:
                return

    def iter_terms(self) -> Iterator[tuple[str, bytes, list[Any]]]:
        """Every term in (field, term) order with all its postings, docnums ascending."""
        if not self._runs:
            yield from self._sorted_terms()
            return
        self._spill()
        # the runs hold consecutive documents and merge() is stable: a term's pieces come in
        # docnum order
        merged = heapq.merge(*(self._read_run(r) for r in self._runs), key=lambda e: (e[0], e[1]))
        last: tuple[str, bytes, list[Any]] | None = None
        for entry in merged:
            if last is not None and entry[:2] == last[:2]:
                last[2].extend(entry[2])
                continue
            if last is not None:
                yield last
            last = entry
        if last is not None:
            yield last

    def held(self, fieldname: str) -> dict[bytes, list[Any]] | None:
        """Every posting of a field by term, as ``add_items`` gathered them; None once the pool
        has spilled (the field's postings are then spread over the run files)."""
        return None if self._runs else self._fields.get(fieldname, {})

    def cleanup(self) -> None:
        for run in self._runs:
            run.close()
        self._runs = []
        self._fields = {}


def _write_postings(fieldwriter: Any, schema: Any, terms: Iterable[tuple[str, bytes, list[Any]]],
                    lengths: dict[str, dict[int, int]]) -> None:
    """What Whoosh's ``FieldWriter.add_postings`` writes, a term at a time instead of a posting
    at a time (W3 codec internals: the postings writer's block buffer is filled a block at a
    time, the same blocks as ``add_posting`` fills)."""
    empty: dict[int, int] = {}
    lastfn = None
    field_lengths = empty
    for fieldname, tbytes, flat in terms:
        if fieldname != lastfn:
            if lastfn is not None:
                fieldwriter.finish_field()
            fieldwriter.start_field(fieldname, schema[fieldname])
            lastfn = fieldname
            field_lengths = lengths.get(fieldname, empty)
        fieldwriter.start_term(tbytes)
        pw = fieldwriter._postwriter
        blocklimit = pw._blocklimit
        ids, weights, values = flat[0::3], flat[1::3], flat[2::3]
        for lo in range(0, len(ids), blocklimit):
            if lo:  # Whoosh writes a full block when the next posting comes
                pw._write_block()
            hi = lo + blocklimit
            block = ids[lo:hi]
            pw._ids.extend(block)
            block_weights = weights[lo:hi]
            pw._weights.extend(block_weights)
            pw._maxweight = max(pw._maxweight, *block_weights)
            pw._values.extend(v for v in values[lo:hi] if v)
            if field_lengths:
                sizes = [n for n in map(field_lengths.get, block) if n]
                if sizes:
                    low, high = min(sizes), max(sizes)
                    if pw._minlength is None or low < pw._minlength:
                        pw._minlength = low
                    pw._maxlength = max(pw._maxlength, high)
        fieldwriter.finish_term()
    if lastfn is not None:
        fieldwriter.finish_field()


class _FullBuildWriter(SegmentWriter):
    """Whoosh's segment writer for a new, empty index, with the dear parts of its work redone.

    Postings go into ``_TermPool`` a field of a document at a time and are written a term at a
    time (``_write_postings``); each posting's field length, which Whoosh reads back from the
    length column on disk for every posting while flushing, comes from the lengths recorded as
    documents were added (quantised through the same byte encoding). The index is byte for byte
    what ``ix.writer()`` writes: ``tests/sitesearch/test_build_stream.py`` compares them.
    """

    def __init__(self, ix: Any, *, limitmb: int) -> None:
        super().__init__(ix, limitmb=limitmb)
        self.pool.cleanup()
        # ~50 bytes a posting in the pool: the budget keeps it within about limitmb
        self.pool = _TermPool(self._tempstorage.folder, budget=max(limitmb, 1) * 20_000)
        self._lengths: dict[str, dict[int, int]] = {}
        # spelling words and term vectors, which this schema has not, are left to Whoosh's own
        # add_document
        self._plain = not any(f.separate_spelling() or f.vector for _n, f in self.schema.items())
        self._text: dict[bytes, list[Any]] | None = None

    def add_document(self, **fields: Any) -> None:
        """``SegmentWriter.add_document`` with the postings handed over a field at a time."""
        if not self._plain:
            super().add_document(**fields)
            return
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, fieldname, docboost)
                    length = self.pool.add_items(fieldname, docnum, field.index(value), boost)
                    if not field.scorable:
                        length = 0
                    elif length:
                        self._lengths.setdefault(fieldname, {})[docnum] = length
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None,
                                       length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column,
                                                  field.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        stored: dict[str, dict[int, int]] = {}
        if self.codec.length_stats:
            for fieldname, lengths in self._lengths.items():
                out = stored[fieldname] = {}
                for docnum, length in lengths.items():
                    lbyte = length_to_byte(length)
                    if lbyte:  # what the length column answers (0 when the byte is 0)
                        out[docnum] = byte_to_length(lbyte)
        _write_postings(self.fieldwriter, self.schema, self.pool.iter_terms(), stored)
        self.fieldwriter.close()
        # kept for the fast postings (the pool is emptied before the segment is assembled)
        self._text = self.pool.held(F.TEXT) if self._plain else None

    def _assemble_segment(self) -> None:
        """Whoosh's, then the segment's fast postings from the pool instead of decoding back the
        blocks just written; ``FullBuild.publish`` writes those of a pool that spilled. After
        the assembly: the compound file takes in every file named after the segment."""
        super()._assemble_segment()
        text, self._text = self._text, None
        if text is not None:
            fastpost.write_terms(text, self.docnum, fastpost.path_for(
                self.storage.folder, self.newsegment.segment_id()))


class FullBuild:
    """A full build of one site into a new version folder, one document at a time.

    ``build()`` uses it for full builds; the ``searchindex`` plugin feeds it from a worker process
    while Pelican is still reading and rendering. Holds the site's build lock from ``start`` until
    ``publish`` or ``cancel``; a cancelled or crashed build leaves an unpublished folder that a
    later build prunes, and the live version is never touched.
    """

    # a segment is flushed every segment_docs documents, at most this many times (query speed)
    MAX_EARLY_SEGMENTS = 8

    def __init__(self, index_dir: str | Path, site: str = F.DEFAULT_SITE, *, limitmb: int = 128,
                 keep: int = 2, schema: Any = None, segment_docs: int | None = None) -> None:
        self.index_dir = index_dir
        self.site = layout.check_site(site)
        self.keep = keep
        self.count = 0
        self.urls: set[str] = set()
        # Streaming (the plugin's worker): flushing a segment now and then spreads the flush,
        # half of the indexing CPU, over the time Pelican still renders, instead of all of it
        # after the last page. Readers use global statistics and docnums keep their order, so
        # results are the same as with one segment.
        self._segment_docs = segment_docs
        self._limitmb = limitmb
        self._in_segment = 0
        self._early_segments = 0
        self._stack = contextlib.ExitStack()
        self._stack.enter_context(layout.build_lock(index_dir, site))
        try:
            self.version = layout.new_version_dir(index_dir, site)
            self._ix = whoosh_index.create_in(str(self.version), schema or F.make_schema())
            self._writer = _FullBuildWriter(self._ix, limitmb=limitmb)
        except BaseException:
            self._stack.close()
            raise

    def add(self, doc: Document) -> bool:
        """Index ``doc``; False when its URL is indexed already (one URL, one hit)."""
        _check_site(doc, self.site)
        if doc.url in self.urls:
            log.warning("search: %s has the URL of an earlier document, left out: %s",
                        doc.path, doc.url)
            return False
        self.urls.add(doc.url)
        self._writer.add_document(**doc.to_fields())
        self.count += 1
        self._in_segment += 1
        if (self._segment_docs and self._in_segment >= self._segment_docs
                and self._early_segments < self.MAX_EARLY_SEGMENTS):
            self._writer.commit(merge=False)
            self._writer = _FullBuildWriter(self._ix, limitmb=self._limitmb)
            self._early_segments += 1
            self._in_segment = 0
        return True

    def publish(self, delete: Iterable[str] = ()) -> str:
        """Commit, make the new version the site's live one, prune old ones; returns its name.

        ``delete``: paths added that turned out not to belong to the site (rare: a document the
        plugin saw read but Pelican then left out), removed before the version is published.
        """
        try:
            if self._segment_docs:
                self._writer.commit(merge=False)
            else:
                self._writer.commit()
            delete = sorted(delete)
            if delete:
                writer = self._ix.writer()
                for path in delete:
                    writer.delete_by_term(F.PATH, path)
                writer.commit()
            self._ix.close()
            fastpost.write_missing(self.version)
            layout.publish(self.index_dir, self.site, self.version)
            layout.prune(self.index_dir, self.site, keep=self.keep)
        finally:
            self._stack.close()
        return self.version.name

    def cancel(self) -> None:
        """Give up: nothing is published, the lock is released."""
        try:
            if not self._writer.is_closed:
                self._writer.cancel()
            self._ix.close()
        finally:
            self._stack.close()


def _check_site(doc: Document, site: str) -> None:
    # a document of another site belongs to that site's index: indexing it here too would show
    # it twice (the plugin leaves such documents out before they get here)
    if doc.site != site:
        raise ValueError(f"{doc.path} 属于站点 {doc.site!r}，不能写入站点 {site!r} 的索引")


def one_per_url(documents: Iterable[Document]) -> list[Document]:
    """The documents with the first of each URL only (a site lists a document once)."""
    seen: set[str] = set()
    out = []
    for doc in documents:
        if doc.url in seen:
            log.warning("search: %s has the URL of an earlier document, left out: %s",
                        doc.path, doc.url)
            continue
        seen.add(doc.url)
        out.append(doc)
    return out


def build(
    index_dir: str | Path,
    documents: Iterable[Document],
    *,
    site: str = F.DEFAULT_SITE,
    full: bool = False,
    limitmb: int = 128,
    keep: int = 2,
    schema: Any = None,
) -> BuildReport:
    """Index ``documents`` (the whole of one site) into a new version and publish it atomically.

    Incremental unless ``full`` or the site has no compatible live version: documents whose key
    is unchanged are kept, changed ones re-indexed, vanished ones deleted. Other sites' indexes
    are not touched. ``schema`` (full builds only) is for the segmentation comparison.
    """
    start = time.perf_counter()
    docs = one_per_url(documents)
    for doc in docs:
        _check_site(doc, site)
    report = None
    with layout.build_lock(index_dir, site):
        live = layout.current_dir(index_dir, site)
        live_ix = None
        if live is not None and not full and schema is None:
            try:
                live_ix = whoosh_index.open_dir(str(live))
                if not compatible(live_ix):
                    log.info("search: index format changed, full rebuild")
                    live_ix = None
            except Exception as exc:  # noqa: BLE001 - a corrupt live index just means rebuild
                log.warning("search: live index unreadable (%s), full rebuild", str(exc))
                live_ix = None

        if live_ix is not None:
            old_keys = _live_keys(live_ix)
            live_ix.close()
            new_paths = {d.path for d in docs}
            changed = [d for d in docs if old_keys.get(d.path) != d.key()]
            gone = [p for p in old_keys if p not in new_paths]
            # updating most of an index one document at a time is slower than writing it anew
            # (a new INDEX_FORMAT changes every hash)
            if len(changed) > max(len(docs) // 2, 1000):
                log.info("search: %d of %d documents changed, full rebuild", len(changed), len(docs))
            else:
                # a failed build leaves its folder unpublished; prune() removes it after a later build
                version = layout.new_version_dir(index_dir, site)
                layout.link_copy(live, version)
                ix = whoosh_index.open_dir(str(version))
                if changed or gone:
                    writer = ix.writer(limitmb=limitmb)
                    for path in gone:
                        writer.delete_by_term(F.PATH, path)
                    for doc in changed:
                        writer.update_document(**doc.to_fields())
                    writer.commit()
                ix.close()
                fastpost.write_missing(version)
                layout.publish(index_dir, site, version)
                layout.prune(index_dir, site, keep=keep)
                report = BuildReport(site, version.name, False, len(docs), len(changed),
                                     len(gone), len(docs) - len(changed), 0.0)
    if report is None:
        # FullBuild takes the lock itself (flock would block against our own lock above)
        writer = FullBuild(index_dir, site, limitmb=limitmb, keep=keep, schema=schema)
        try:
            for doc in docs:
                writer.add(doc)
        except BaseException:
            writer.cancel()
            raise
        report = BuildReport(site, writer.publish(), True, len(docs), len(docs), 0, 0, 0.0)
    report.seconds = time.perf_counter() - start
    return report


def live_index_usable(index_dir: str | Path, site: str) -> bool:
    """Whether a build could update the site's live version instead of writing everything anew."""
    live = layout.current_dir(index_dir, site)
    if live is None:
        return False
    try:
        ix = whoosh_index.open_dir(str(live))
    except Exception:  # noqa: BLE001 - unreadable: build() rebuilds in full
        return False
    try:
        return compatible(ix)
    finally:
        ix.close()


# Documents per segment in the plugin's streaming build (10,000 documents: 4 segments).
STREAM_SEGMENT_DOCS = 2500

# Messages from the plugin to ``stream_build`` (a worker process): ("docs", [Document, …]) any
# number of times, then ("end", (every path of the site in order, [Document, …] not sent yet)).
# A Document of "docs" may come pickled (bytes): the incremental build keeps them so.
DOCS = "docs"
END = "end"


def stream_build(index_dir: str, site: str, full: bool, limitmb: int, keep: int,
                 inbox: Any, outbox: Any, parent_pid: int) -> None:
    """Worker process of the ``searchindex`` plugin: index documents while Pelican still works.

    A full build (``full``, or no usable live version: a cold build) adds each document as it
    arrives, on the second core, while the Pelican process reads and renders on the first. An
    incremental build only collects the documents and runs ``build()`` at the end (it costs well
    under a second). The answer on ``outbox`` is ("ok", report) or ("error", message); nothing is
    published unless the whole build succeeded.
    """
    start = time.perf_counter()
    writer: FullBuild | None = None
    try:
        streaming = full or not live_index_usable(index_dir, site)
        if streaming:
            writer = FullBuild(index_dir, site, limitmb=limitmb, keep=keep,
                               segment_docs=STREAM_SEGMENT_DOCS)
        received: dict[str, Document] = {}  # incremental: kept for build()
        sent: set[str] = set()  # streaming: already in the new version
        while True:
            try:
                kind, payload = inbox.get(timeout=2)
            except queue_module.Empty:
                if os.getppid() != parent_pid:  # Pelican is gone: publish nothing
                    raise RuntimeError("Pelican 进程已退出，索引未发布") from None
                continue
            if kind == END:
                paths, rest = payload
                break
            for doc in payload:
                if isinstance(doc, bytes):
                    doc = pickle.loads(doc)
                if writer is not None:
                    if writer.add(doc):
                        sent.add(doc.path)
                else:
                    received[doc.path] = doc
        if writer is not None:
            for doc in rest:
                writer.add(doc)
            wanted = set(paths)
            stray = [p for p in sent if p not in wanted]
            version = writer.publish(delete=stray)
            writer = None
            report = BuildReport(site, version, True, len(paths), len(paths), 0, 0, 0.0)
            report.seconds = time.perf_counter() - start
        else:
            docs = {d.path: d for d in rest}
            ordered = [docs.get(p) or received[p] for p in paths]
            report = build(index_dir, ordered, site=site, full=False, limitmb=limitmb, keep=keep)
        outbox.send(("ok", str(report)))
    except BaseException as exc:  # noqa: BLE001 - reported to the Pelican process, which fails
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.cancel()
        outbox.send(("error", f"{type(exc).__name__}: {exc}"))


def add_fast_postings(index_dir: str | Path) -> int:
    """Write the fast postings of every live version that lacks them (indexes built before
    ``sitesearch.fastpost``); returns how many files were written. Safe while workers read:
    each file appears whole (a rename), and a worker opens it with the next version it sees."""
    written = 0
    for site in layout.live(index_dir):
        folder = layout.current_dir(index_dir, site)
        if folder is not None:
            written += fastpost.write_missing(folder)
    return written


def index_size(index_dir: str | Path) -> int:
    """Bytes used by the live versions of every site (hard links to older ones counted in full)."""
    return sum(p.stat().st_size for live in layout.live_dirs(index_dir).values()
               for p in live.iterdir() if p.is_file())
