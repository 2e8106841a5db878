"""Writing the site index: documents in, a new published version out (full or incremental).

The Pelican plugin ``searchindex`` turns articles into ``Document`` objects and calls ``build``;
``scripts/bench-search`` calls the same function. Incremental builds compare ``path#hash`` keys
stored in the live index, copy it by hard links into a new version folder, re-index only what
changed there, and publish the copy (see ``portal.search.layout``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from portal.search import fields as F
from portal.search import layout
from portal.search.analysis import code_terms, normalize_code

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

    def content_hash(self) -> str:
        """Hash of everything indexed, plus the index format: unchanged hash = nothing to do.

        Fields joined by a control character no text contains (tests check every field counts);
        ``asdict`` + JSON cost several times more, paid for every document of every build.
        """
        raw = "\x1f".join((
            str(F.INDEX_FORMAT), self.path, self.url, self.title, self.body, self.summary,
            self.section, self.section_label, self.doctype, self.doctype_label, self.dept,
            self.dept_name, self.topic, self.date.isoformat() if self.date else "",
            self.index_no, self.doc_no, "\x1e".join(self.keywords), self.extra,
        ))
        return hashlib.blake2b(raw.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()

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
        codes = code_terms(text)
        doc_no = normalize_code(self.doc_no) if self.doc_no else None
        index_no = normalize_code(self.index_no) if self.index_no else None
        codes.update(c for c in (doc_no, index_no) if c)
        values: dict[str, Any] = {
            F.PATH: self.path,
            F.KEY: self.key(),
            F.URL: self.url,
            F.TITLE: self.title,
            F.TEXT: text,
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
        }
        if self.date is not None:
            values[F.DATE] = self.date
            values[F.YEAR] = str(self.date.year)
        # Whoosh indexes "" as a term; leave empty values out so facets do not count them
        return {k: v for k, v in values.items() if v not in ("", None)}


@dataclass
class BuildReport:
    """What one build did, for the plugin's log line and the benchmark."""

    version: str
    full: bool
    total: int
    added: int
    deleted: int
    unchanged: int
    seconds: float

    def __str__(self) -> str:
        kind = "full" if self.full else "incremental"
        return (f"{kind} build {self.version}: {self.total} documents, {self.added} (re)indexed, "
                f"{self.deleted} removed, {self.unchanged} unchanged, {self.seconds:.2f} s")


def _compatible(ix: Any) -> bool:
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


def build(
    index_dir: str | Path,
    documents: Iterable[Document],
    *,
    full: bool = False,
    procs: int = 1,
    limitmb: int = 128,
    keep: int = 2,
    schema: Any = None,
) -> BuildReport:
    """Index ``documents`` (the whole site) into a new version and publish it atomically.

    Incremental unless ``full`` or there is no compatible live version: documents whose key is
    unchanged are kept, changed ones re-indexed, vanished ones deleted. ``procs`` > 1 uses
    Whoosh's multiprocessing writer for full builds. ``schema`` (full builds only) is for the
    segmentation comparison.
    """
    start = time.perf_counter()
    docs = list(documents)
    with layout.build_lock(index_dir):
        live = layout.current_dir(index_dir)
        live_ix = None
        if live is not None and not full and schema is None:
            try:
                live_ix = whoosh_index.open_dir(str(live))
                if not _compatible(live_ix):
                    log.info("search: index format changed, full rebuild")
                    live_ix = None
            except Exception as exc:  # noqa: BLE001 - a corrupt live index just means rebuild
                log.warning("search: live index unreadable (%s), full rebuild", str(exc))
                live_ix = None

        changed: list[Document] = docs
        gone: list[str] = []
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
                live_ix = None

        # a failed build leaves its folder unpublished; prune() removes it after a later build
        version = layout.new_version_dir(index_dir)
        if live_ix is None:
            ix = whoosh_index.create_in(str(version), schema or F.make_schema())
            writer = ix.writer(procs=procs, limitmb=limitmb, multisegment=procs > 1) \
                if procs > 1 else ix.writer(limitmb=limitmb)
            for doc in docs:
                writer.add_document(**doc.to_fields())
            writer.commit()
            report = BuildReport(version.name, True, len(docs), len(docs), 0, 0, 0.0)
        else:
            layout.link_copy(live, version)
            ix = whoosh_index.open_dir(str(version))
            if changed or gone:
                writer = ix.writer(limitmb=limitmb)
                for path in gone:
                    writer.delete_by_term(F.PATH, path)
                for doc in changed:
                    writer.update_document(**doc.to_fields())
                writer.commit()
            report = BuildReport(version.name, False, len(docs), len(changed), len(gone),
                                 len(docs) - len(changed), 0.0)
        ix.close()
        layout.publish(index_dir, version)
        layout.prune(index_dir, keep=keep)
    report.seconds = time.perf_counter() - start
    return report


def index_size(index_dir: str | Path) -> int:
    """Bytes used by the live version (hard links to older versions are counted in full)."""
    live = layout.current_dir(index_dir)
    if live is None:
        return 0
    return sum(p.stat().st_size for p in live.iterdir() if p.is_file())
