"""Querying the cluster's index: the one module that opens Whoosh for reading.

``search(params, index_dir, letters_dir)`` answers one request, over every site of the cluster or,
with ``site``, one of them. Open indexes (``Snapshot``, one ``Part`` per site) are kept per thread
(Whoosh readers share file handles and are not thread-safe) and reused across requests; each
request re-reads the tiny ``CURRENT`` pointer and the letters index's generation, so a new build
of any site or a newly published letter is seen without a restart, and a half-written index is
never opened. Matching and counting run on numpy arrays (see "the engine" below).
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
import itertools
import logging
import math
import re
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple, Protocol

import numpy as np
from markupsafe import Markup, escape
from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from sitesearch import fastpost, layout
from sitesearch import fields as F
from sitesearch.analysis import is_single_char, normalize, normalize_code, query_tokens
from sitesearch.mapped import MappedTerms, Unsupported
from sitesearch.postings import decode as _decode
from sitesearch.postings import leaf_postings as _leaf_postings

SORTS = ("relevance", "date")
PER_PAGE = 10
MAX_PER_PAGE = 50
MAX_PAGE = 500  # deep pages cost a full sort and nobody reads them
MAX_QUERY = 100  # characters
MAX_WORDS = 10
SNIPPET_CHARS = 120

# Quotes citizens type around a phrase: ASCII, Chinese curly quotes, corner brackets.
_PHRASE = re.compile(r'"([^"]*)"|“([^”]*)”|「([^」]*)」|『([^』]*)』')
_YEAR = re.compile(r"^(19|20)\d\d$")
_IDEOGRAPHS = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff]+$")

log = logging.getLogger(__name__)


class SearchError(ValueError):
    """Bad search parameters: a 4xx for the API, a message beside the form for the page."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class SearchUnavailable(Exception):
    """The index is missing or unreadable: the caller answers 503, the rest of the service goes on."""


@dataclass(frozen=True)
class SearchParams:
    """One search request, validated."""

    q: str = ""
    site: str = ""
    section: str = ""
    dept: str = ""
    year: str = ""
    topic: str = ""
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE

    def filters(self) -> dict[str, str]:
        return {k: v for k, v in ((F.SITE, self.site), (F.SECTION, self.section),
                                  (F.DEPT, self.dept), (F.YEAR, self.year),
                                  (F.TOPIC, self.topic)) if v}

    def is_empty(self) -> bool:
        return not self.q.strip() and not self.filters()

    def to_args(self, **changes: Any) -> dict[str, str]:
        """Query-string arguments of these parameters with ``changes``, defaults left out."""
        values = {"q": self.q, "site": self.site, "section": self.section, "dept": self.dept,
                  "year": self.year, "topic": self.topic, "sort": self.sort, "page": self.page}
        values.update(changes)
        defaults = {"sort": "relevance", "page": 1}
        return {k: str(v) for k, v in values.items() if v not in ("", None) and defaults.get(k) != v}


def _int(value: Any, name: str, label: str, low: int, high: int, default: int) -> int:
    if value in (None, ""):
        return default
    try:
        n = int(str(value).strip())
    except ValueError:
        raise SearchError(f"bad_{name}", f"{label}必须是整数") from None
    if not low <= n <= high:
        raise SearchError(f"bad_{name}", f"{label}应在 {low} 到 {high} 之间")
    return n


def parse_params(args: Any, *, max_per_page: int = MAX_PER_PAGE) -> SearchParams:
    """Validate request arguments (a mapping such as ``request.args``); raises SearchError."""

    def get(name: str) -> str:
        value = args.get(name, "")
        return str(value).strip() if value is not None else ""

    q = get("q")
    if len(q) > MAX_QUERY:
        raise SearchError("query_too_long", f"搜索词太长，请不超过 {MAX_QUERY} 个字")
    sort = get("sort") or "relevance"
    if sort not in SORTS:
        raise SearchError("bad_sort", "排序方式只能是 relevance（相关度）或 date（日期）")
    year = get("year")
    if year and not _YEAR.fullmatch(year):
        raise SearchError("bad_year", "年份应为四位数字，如 2024")
    for name, label in (("section", "栏目"), ("dept", "部门"), ("topic", "主题分类")):
        if len(get(name)) > 60:
            raise SearchError(f"bad_{name}", f"{label}参数太长")
    site = get("site")
    if site and not F.SITE_ID.fullmatch(site):
        raise SearchError("bad_site", "站点参数有误：应为站点标识，如 county")
    return SearchParams(
        q=q, site=site, section=get("section"), dept=get("dept"), year=year, topic=get("topic"), sort=sort,
        page=_int(args.get("page"), "page", "页码", 1, MAX_PAGE, 1),
        per_page=_int(args.get("per_page"), "per_page", "每页条数", 1, max_per_page, PER_PAGE),
    )


# --- the query -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Word:
    """One thing the user asked for: a word, a quoted phrase, or a 文号/索引号."""

    text: str
    phrase: bool = False
    code: str | None = None


def split_query(q: str) -> list[Word]:
    """Quoted phrases first, then the remaining words split on spaces (全角 spaces too)."""
    words: list[Word] = []

    def add(text: str, phrase: bool) -> None:
        text = text.strip()
        if text:
            words.append(Word(text, phrase, normalize_code(text)))

    def take_phrase(m: re.Match[str]) -> str:
        add(next(g for g in m.groups() if g is not None), True)
        return " "

    rest = _PHRASE.sub(take_phrase, q)
    for part in normalize(rest).split():
        add(part, False)
    return words[:MAX_WORDS]


# --- snippets ------------------------------------------------------------------------------------


# occurrences looked at for a snippet (per needle): a common word can occur hundreds of times, and
# the window with the most matches among the first ones is as good to a reader
MAX_SPANS = 40


def _spans(folded: str, needles: list[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for needle in needles:
        start, n = folded.find(needle), 0
        while start >= 0 and n < MAX_SPANS:
            spans.append((start, start + len(needle)))
            start, n = folded.find(needle, start + 1), n + 1
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(e, merged[-1][1]))
        else:
            merged.append((s, e))
    return merged


def needles_for(words: list[Word]) -> list[str]:
    """Strings to mark: each word as typed (normalised), 文号/索引号 in their canonical form."""
    out = []
    for w in words:
        if w.code:
            out.append(w.code)
        text = normalize(w.text).strip()
        if text:
            out.append(text)
    return sorted(set(out), key=len, reverse=True)


def _folded(text: str, needles: list[str]) -> str:
    # Chinese characters fold to themselves: for all-Chinese needles (the usual case) the raw text
    # finds the same places, and folding a long body costs more than the rest of the snippet
    if all(_IDEOGRAPHS.fullmatch(n) for n in needles):
        return text
    return normalize(text)


def snippet(text: str, needles: list[str], width: int | None = None) -> tuple[Markup, str]:
    """(escaped HTML with every needle in <mark>, the same as plain text).

    With ``width``, only the window of that many characters holding the most matches.
    """
    spans = _spans(_folded(text, needles), needles) if needles else []
    lo, hi = 0, len(text)
    if width is not None and len(text) > width:
        if spans:
            # the window holding the most marks, starting a little before its first one
            starts = [s for s, _ in spans]
            best, best_n = starts[0], 0
            for i, s in enumerate(starts):
                n = bisect.bisect_left(starts, s + width, i) - i
                if n > best_n:
                    best, best_n = s, n
            lo = max(0, min(best - width // 6, len(text) - width))
        hi = lo + width
    head = "…" if lo > 0 else ""
    tail = "…" if hi < len(text) else ""
    out = [head]
    pos = lo
    for s, e in spans:
        if e <= lo or s >= hi:
            continue
        s, e = max(s, lo), min(e, hi)
        out += [str(escape(text[pos:s])), "<mark>", str(escape(text[s:e])), "</mark>"]
        pos = e
    out += [str(escape(text[pos:hi])), tail]
    return Markup("".join(out)), head + text[lo:hi] + tail


def highlight(text: str, needles: list[str], width: int | None = None) -> Markup:
    """Escaped text with every needle in <mark>; with ``width``, the best window of that size."""
    return snippet(text, needles, width)[0]


# --- results -------------------------------------------------------------------------------------


@dataclass
class Hit:
    """One result as the page and the API show it."""

    title: str
    url: str
    title_html: Markup
    snippet_html: Markup
    snippet_text: str
    date: dt.datetime | None
    section: str
    section_label: str
    doctype: str
    doctype_label: str
    dept: str
    dept_name: str
    topic: str
    index_no: str
    doc_no: str
    score: float | None
    site: str = ""  # the site of the cluster that publishes the document
    site_name: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title, "url": self.url, "snippet": self.snippet_text,
            "snippet_html": str(self.snippet_html), "title_html": str(self.title_html),
            "date": self.date.strftime("%Y-%m-%d") if self.date else None,
            "section": self.section or None, "section_label": self.section_label or None,
            "type": self.doctype or None, "type_label": self.doctype_label or None,
            "department": ({"code": self.dept, "name": self.dept_name} if self.dept else None),
            "topic": self.topic or None, "index_no": self.index_no or None,
            "doc_no": self.doc_no or None, "score": self.score,
            "site": {"code": self.site, "name": self.site_name} if self.site else None,
        }


@dataclass
class FacetValue:
    value: str
    label: str
    count: int


@dataclass
class SearchResult:
    """What one search found: the page of hits, the total and the facet counts."""

    params: SearchParams
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    words: list[Word] = field(default_factory=list)
    version: str = ""

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.params.per_page))

    @property
    def start(self) -> int:
        return (self.params.page - 1) * self.params.per_page + 1 if self.hits else 0

    @property
    def end(self) -> int:
        return self.start + len(self.hits) - 1 if self.hits else 0


# --- the engine ----------------------------------------------------------------------------------
#
# Whoosh stores the postings; matching, counting, facets and ranking run here on numpy arrays.
# Whoosh's own collectors walk every matching document in Python, which costs ~1 s for a common
# word at 100,000 documents once a total and facet counts are needed; on arrays it is milliseconds.
#
# Every site has an index of its own (a ``Part``); a ``Snapshot`` lays the parts end to end, so a
# document's number in the cluster is its part's offset plus its number in the part, and the
# arrays, postings and statistics are those of the whole cluster.

_K1, _B = 1.2, 0.75  # BM25, Whoosh's defaults
CODE_SCORE = 50.0  # the document that carries a 文号/索引号 ranks above documents citing it
PREFIX_TERMS_MAX = 400  # a one-character query expands to at most this many bigrams
# Decoded postings kept per thread, for the whole cluster: 8 bytes a posting, so a word in every
# one of 500,000 documents takes 4 MB.
CACHE_BYTES = 96 * 1024 * 1024
# A quoted phrase is checked in each candidate's stored text (~30 µs a document). Above this many
# candidates it is answered like an unquoted word (all its bigrams, measured precision 0.998 on
# the demo content), so a common phrase cannot stall a worker.
PHRASE_VERIFY_MAX = 1000
_NO_DATE = np.iinfo(np.int64).min
_NO_DATE_RAW = np.iinfo(np.int64).max
_ID = np.int32  # document numbers: 4 bytes each, up to 2 billion documents


class Tokenizer(Protocol):
    def __call__(self, word: str, *, phrase: bool = False) -> list[str]: ...


class Postings(NamedTuple):
    ids: np.ndarray  # document numbers, ascending, unique
    tf: np.ndarray  # term weight (frequency) per document, float32


_EMPTY = Postings(np.zeros(0, _ID), np.zeros(0, np.float32))


_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], np.float32)


# struct's standard sizes (what Whoosh's NumericColumn packs with "!") as numpy types
_NUMERIC = {"B": ">u1", "b": ">i1", "H": ">u2", "h": ">i2", "I": ">u4", "i": ">i4", "L": ">u4",
            "l": ">i4", "Q": ">u8", "q": ">i8", "f": ">f4", "d": ">f8"}


def _numbers(column: Any, count: int) -> np.ndarray:
    """Every value of a numeric column, read in one piece (documents past its end: the default).

    Whoosh's column internals: values are fixed-size and big-endian from ``_basepos``; iterating
    the column instead costs a file read per document (~1 s per column at 500,000 documents).
    """
    try:
        stored = min(column._count, count)
        dtype = np.dtype(_NUMERIC[column._typecode])
        raw = column._dbfile.get(column._basepos, stored * dtype.itemsize)
        values = np.full(count, column._default, dtype.newbyteorder("="))
        values[:stored] = np.frombuffer(raw, dtype, stored)
        return values
    except (AttributeError, KeyError, TypeError, ValueError):
        return np.array(list(itertools.islice(column, count)))


def _strings(column: Any, count: int) -> list[bytes]:
    """Every value of a VarBytes column, from one read of its data (as ``_numbers``)."""
    try:
        lengths = column._lengths
        data = column._dbfile.get(column._basepos, sum(lengths))
        out, pos = [], 0
        for length in lengths:
            out.append(data[pos:pos + length])
            pos += length
        return out[:count] + [b""] * (count - len(out))
    except (AttributeError, TypeError):
        return list(itertools.islice(column, count))


def _lengths(reader: Any, count: int) -> np.ndarray:
    """TEXT length of every document of a leaf, for BM25."""
    try:
        # W3 codec internals: the lengths column, a byte per document
        column = reader._perdoc._cached_reader(f"_{F.TEXT}_len", LENGTHS_COLUMN)
        raw = _numbers(column, count).astype(np.uint8)
        return np.maximum(_BYTE_TO_LENGTH[raw], 1.0)
    except (AttributeError, TypeError, ValueError):
        return np.array([reader.doc_field_length(d, F.TEXT, 1) for d in range(count)], np.float32)


def _intersect(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray], n: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Documents in both (ids ascending, all below ``n``), scores added."""
    small, big = (a, b) if len(a[0]) <= len(b[0]) else (b, a)
    if not len(small[0]) or not len(big[0]):
        return _EMPTY.ids, np.zeros(0, np.float32)
    if len(small[0]) * math.log2(len(big[0]) + 1) > 1.5 * (len(small[0]) + len(big[0])) + n / 8:
        # two common words: spread one's scores over every document and look the other up
        # (300,000 in 300,000 of 500,000 documents: 6 ms against 31 ms by binary search);
        # BM25 scores are positive, so -1 marks a document without the word
        spread = np.full(n, -1.0, np.float32)
        spread[big[0]] = big[1]
        found = spread[small[0]]
        ok = found >= 0
        return small[0][ok], small[1][ok] + found[ok]
    idx = np.searchsorted(big[0], small[0])
    idx[idx >= len(big[0])] = len(big[0]) - 1
    ok = big[0][idx] == small[0]
    return small[0][ok], small[1][ok] + big[1][idx[ok]]


class _Cached:
    """A cached posting list, the layout of parts it was made for, and (once asked for) the
    BM25 score of each posting under that layout's statistics."""

    __slots__ = ("postings", "layout", "scores")

    def __init__(self, postings: Postings, layout: dict[str, tuple[int, int]]) -> None:
        self.postings = postings
        self.layout = layout
        self.scores: np.ndarray | None = None

    @property
    def nbytes(self) -> int:
        extra = self.scores.nbytes if self.scores is not None else 0
        return self.postings.ids.nbytes + self.postings.tf.nbytes + extra


def _concat(arrays: list[np.ndarray], dtype: Any) -> np.ndarray:
    return np.concatenate(arrays) if arrays else np.zeros(0, dtype)


def _map(reader: Any) -> MappedTerms | None:
    try:
        return MappedTerms(reader)
    except Unsupported:  # another codec or storage: Whoosh's own reads
        return None


# Off only in the benchmark, to measure what the fast postings save in the same run.
USE_FAST_POSTINGS = True


def _fast(folder: str | None, reader: Any) -> fastpost.FastPostings | None:
    if folder is None or not USE_FAST_POSTINGS:
        return None
    segment = reader.segment()
    if segment is None:  # an index without documents
        return None
    try:
        path = fastpost.path_for(folder, segment.segment_id())
        return fastpost.FastPostings(path, reader.doc_count_all()) if path.exists() else None
    except (OSError, ValueError, AttributeError, fastpost.Unusable) as exc:
        log.warning("search: fast postings of %s not used: %s", folder, exc)
        return None


class Part:
    """One index of the cluster, a site's live version or the letters, with per-document arrays.

    Opened once per thread and kept while it is live: a build of one site reopens that site's
    part only, never the other sites'.
    """

    def __init__(self, key: str, readers: list[Any], folder: str | None = None) -> None:
        self.key = key
        self.readers = readers
        self.maps = [_map(r) for r in readers]
        # the text postings as arrays, where the build wrote them (sitesearch.fastpost)
        self.fast = [_fast(folder, r) for r in readers]
        self.offsets = np.cumsum([0] + [r.doc_count_all() for r in readers])
        n = self.n = int(self.offsets[-1])
        self.live = np.ones(n, bool)
        self.lengths = np.ones(n, np.float32)  # TEXT length per document, for BM25
        self.dates = np.full(n, _NO_DATE, np.int64)
        self.urls = np.zeros(n, np.int64)  # hash of the URL (0: none), for the one-URL rule
        for r, off in zip(readers, self.offsets, strict=False):
            for d in getattr(r, "deleted_docs_set", ()) or ():
                self.live[off + d] = False
            count = r.doc_count_all()
            self.lengths[off:off + count] = _lengths(r, count)
            if r.has_column(F.DATE):
                raw = _numbers(r.column_reader(F.DATE, translate=False), count)
                # raw column values keep date order; a document without a date reads as the
                # column's default (the type's maximum), which must sort last, not first
                self.dates[off:off + count] = np.where(
                    raw < _NO_DATE_RAW, raw.astype(np.int64, copy=False), _NO_DATE)
            if r.has_column(F.URL):
                col = r.column_reader(F.URL, translate=False)
                self.urls[off:off + count] = [hash(u) if u else 0 for u in _strings(col, count)]
        self.facets: dict[str, tuple[list[str], np.ndarray]] = {}
        self.labels: dict[tuple[str, str], str] = {}
        for name, labelfield in F.FACETS:
            values: dict[str, int] = {}
            codes = np.full(n, -1, np.int32)
            for r, off in zip(readers, self.offsets, strict=False):
                for raw in r.lexicon(name):
                    value = raw.decode("utf-8")
                    ids, _ = _decode(r.postings(name, value))
                    if value not in values:
                        values[value] = len(values)
                        label = (r.stored_fields(int(ids[0])).get(labelfield)
                                 if labelfield and len(ids) else None)
                        if label:
                            self.labels[(name, value)] = label
                    codes[ids + off] = values[value]
            self.facets[name] = (list(values), codes)

    def postings(self, fieldname: str, text: str, base: int = 0,
                 key: fastpost.Key | None = None) -> Postings:
        """The term's postings in this part, decoded now; document numbers shifted by ``base``
        (the part's place in a snapshot). ``key``: the term's fast-postings key, computed once
        for every part. The weights may be a read-only view of a fast postings file."""
        ids: list[np.ndarray] = []
        tfs: list[np.ndarray] = []
        for r, m, fast, off in zip(self.readers, self.maps, self.fast, self.offsets, strict=False):
            if fast is not None and fieldname == F.TEXT:
                found = fast.get(key or fastpost.key(text))
                if found is None:
                    continue
                i, t = found
            else:
                try:
                    i, t = _leaf_postings(r, fieldname, text, m)
                except TermNotFound:
                    continue
            ids.append(i + _ID(off + base))
            tfs.append(t)
        if not ids:
            return _EMPTY
        if len(ids) == 1:  # one segment, the usual case: no second copy
            return Postings(ids[0], tfs[0])
        return Postings(np.concatenate(ids), np.concatenate(tfs))

    def expand_prefix(self, fieldname: str, prefix: str, limit: int) -> set[str]:
        terms: set[str] = set()
        for r in self.readers:
            for t in r.expand_prefix(fieldname, prefix):
                terms.add(t.decode("utf-8") if isinstance(t, bytes) else t)
                if len(terms) >= limit:
                    return terms
        return terms

    def terms(self, fieldname: str) -> set[str]:
        return {t.decode("utf-8") for r in self.readers for t in r.lexicon(fieldname)}

    def stored(self, docnum: int) -> dict[str, Any]:
        li = int(np.searchsorted(self.offsets, docnum, side="right")) - 1
        return self.readers[li].stored_fields(int(docnum - self.offsets[li]))

    def close(self) -> None:
        for m in [*self.maps, *self.fast]:
            if m is not None:
                m.close()
        for r in self.readers:
            r.close()


def _duplicates(urls: np.ndarray, live: np.ndarray) -> np.ndarray:
    """Live documents whose URL a later live document has too (the later part wins)."""
    ids = np.nonzero(live & (urls != 0))[0]
    if not len(ids):
        return np.zeros(0, np.int64)
    latest_first = ids[::-1]
    _, first = np.unique(urls[latest_first], return_index=True)
    keep = np.zeros(len(latest_first), bool)
    keep[first] = True
    return latest_first[~keep]


class Snapshot:
    """The live index of every site (plus letters) as one: arrays built once, postings on demand.

    ``previous``: the snapshot this one replaces in the thread. Its decoded postings are kept and
    brought up to date when next asked for: the slices of parts that are still live are moved to
    their new place, only a changed site's part is decoded again.
    """

    def __init__(self, key: tuple[str, ...], parts: list[Part],
                 previous: Snapshot | None = None) -> None:
        self.key = key
        self.parts = parts
        self.offsets = np.cumsum([0] + [p.n for p in parts])
        self.n = int(self.offsets[-1])
        # where each part's documents are: cached postings record the layout they were made for
        self.layout = {p.key: (int(off), p.n) for p, off in zip(parts, self.offsets, strict=False)}
        self.live = _concat([p.live for p in parts], bool)
        # one URL, one hit: a document two sites' indexes hold (a move between sites, while the
        # old site has not been rebuilt yet) is shown from the site that published last
        self.live[_duplicates(_concat([p.urls for p in parts], np.int64), self.live)] = False
        self.lengths = _concat([p.lengths for p in parts], np.float32)
        self.dates = _concat([p.dates for p in parts], np.int64)
        self.avglen = float(self.lengths[self.live].mean()) if self.live.any() else 1.0
        self.norm = (_K1 * (1 - _B + _B * self.lengths / max(self.avglen, 1.0))).astype(np.float32)
        self.facets: dict[str, tuple[list[str], np.ndarray]] = {}
        self.labels: dict[tuple[str, str], str] = {}
        for p in parts:
            for k, label in p.labels.items():
                self.labels.setdefault(k, label)
        for name, _label in F.FACETS:
            index: dict[str, int] = {}
            codes = []
            for p in parts:
                values, local = p.facets[name]
                # -1 (no value) stays -1: it indexes the appended last element
                remap = np.array([index.setdefault(v, len(index)) for v in values] + [-1], np.int32)
                codes.append(remap[local])
            self.facets[name] = (list(index), _concat(codes, np.int32))
        self.cache: OrderedDict[tuple[str, str, str], _Cached] = OrderedDict()
        self.cache_bytes = 0
        if previous is not None:
            for key_, old in previous.cache.items():
                if key_[0] == "term":  # prefix unions are rebuilt from their terms
                    entry = self.cache[key_] = _Cached(old.postings, old.layout)
                    self.cache_bytes += entry.nbytes

    def close(self) -> None:
        for p in self.parts:
            p.close()

    # postings -------------------------------------------------------------------------------

    def _gather(self, fieldname: str, text: str, old: Postings = _EMPTY,
                made_for: dict[str, tuple[int, int]] | None = None) -> Postings:
        """The term's postings over every part: from ``old`` (made for the layout ``made_for``)
        where a part is still there, decoded from the part where it is new."""
        ids: list[np.ndarray] = []
        tfs: list[np.ndarray] = []
        key = fastpost.key(text) if fieldname == F.TEXT else None
        for part, off in zip(self.parts, self.offsets, strict=False):
            was = (made_for or {}).get(part.key)
            if was is None:
                p = part.postings(fieldname, text, int(off), key)
                ids.append(p.ids)
                tfs.append(p.tf)
            else:
                lo, hi = np.searchsorted(old.ids, (was[0], was[0] + was[1]))
                ids.append(old.ids[lo:hi] + _ID(off - was[0]))
                tfs.append(old.tf[lo:hi])
        return Postings(_concat(ids, _ID), _concat(tfs, np.float32))

    def _term(self, fieldname: str, text: str) -> _Cached:
        key = ("term", fieldname, text)
        hit = self.cache.get(key)
        if hit is not None and hit.layout is self.layout:
            self.cache.move_to_end(key)
            return hit
        if hit is not None:
            p = self._gather(fieldname, text, hit.postings, hit.layout)
        else:
            p = self._gather(fieldname, text)
        return self._remember(key, p)

    def postings(self, fieldname: str, text: str) -> Postings:
        return self._term(fieldname, text).postings

    def _prefix(self, fieldname: str, prefix: str) -> _Cached:
        key = ("prefix", fieldname, prefix)
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        terms: set[str] = set()
        for part in self.parts:
            terms |= part.expand_prefix(fieldname, prefix, PREFIX_TERMS_MAX - len(terms))
            if len(terms) >= PREFIX_TERMS_MAX:
                break
        parts = [self.postings(fieldname, t) for t in sorted(terms)]
        parts = [p for p in parts if len(p.ids)]
        if not parts:
            p = _EMPTY
        else:
            ids = np.concatenate([p.ids for p in parts])
            tfs = np.concatenate([p.tf for p in parts])
            uniq, inverse = np.unique(ids, return_inverse=True)
            p = Postings(uniq.astype(_ID), np.bincount(inverse, weights=tfs).astype(np.float32))
        return self._remember(key, p)

    def prefix(self, fieldname: str, prefix: str) -> Postings:
        return self._prefix(fieldname, prefix).postings

    def _remember(self, key: tuple[str, str, str], p: Postings) -> _Cached:
        old = self.cache.pop(key, None)
        if old is not None:
            self.cache_bytes -= old.nbytes
        entry = self.cache[key] = _Cached(p, self.layout)
        self.cache_bytes += entry.nbytes
        self._evict()
        return entry

    def _evict(self) -> None:
        while self.cache_bytes > CACHE_BYTES and len(self.cache) > 1:
            _, gone = self.cache.popitem(last=False)
            self.cache_bytes -= gone.nbytes

    # matching -------------------------------------------------------------------------------

    def _bm25(self, p: Postings, ids: np.ndarray, tf: np.ndarray) -> np.ndarray:
        df = max(len(p.ids), 1)
        idf = math.log(1 + (self.n - df + 0.5) / (df + 0.5))
        return (idf * tf * (_K1 + 1) / (tf + self.norm[ids])).astype(np.float32)

    def term_clause(self, token: str, prefix_single: bool = True) -> tuple[np.ndarray, np.ndarray]:
        if prefix_single and is_single_char(token):
            entry = self._prefix(F.TEXT, token)
        else:
            entry = self._term(F.TEXT, token)
        if entry.scores is None:  # kept with the postings: a common word's are 2 MB to compute
            p = entry.postings
            entry.scores = self._bm25(p, p.ids, p.tf)
            self.cache_bytes += entry.scores.nbytes
            scores = entry.scores
            self._evict()
            return p.ids, scores
        return entry.postings.ids, entry.scores

    def word_clause(self, word: Word, tokenizer: Tokenizer = query_tokens,
                    prefix_single: bool = True) -> tuple[np.ndarray, np.ndarray] | None:
        """Documents matching one word, with scores; None when the word has nothing searchable.

        ``tokenizer`` and ``prefix_single`` are only changed by the segmentation comparison.
        """
        if word.code:
            ids = [self.postings(f, word.code).ids for f in (F.DOC_NO, F.INDEX_NO, F.CODES)]
            scores = [np.full(len(i), s, np.float32)
                      for i, s in zip(ids, (CODE_SCORE, CODE_SCORE, CODE_SCORE / 5), strict=True)]
            all_ids = np.concatenate(ids)
            uniq, inverse = np.unique(all_ids, return_inverse=True)
            best = np.zeros(len(uniq), np.float32)
            np.maximum.at(best, inverse, np.concatenate(scores))
            return uniq, best
        tokens = tokenizer(word.text, phrase=word.phrase)
        if not tokens:
            return None
        # rarest first keeps the intersection small
        clauses = sorted((self.term_clause(t, prefix_single) for t in dict.fromkeys(tokens)),
                         key=lambda c: len(c[0]))
        result = clauses[0]
        for c in clauses[1:]:
            result = _intersect(result, c, self.n)
        if word.phrase and len(tokens) > 1 and 0 < len(result[0]) <= PHRASE_VERIFY_MAX:
            keep = self._phrase_filter(result[0], word.text)
            result = (result[0][keep], result[1][keep])
        return result

    def _phrase_filter(self, ids: np.ndarray, phrase: str) -> np.ndarray:
        """Which candidates contain the phrase, as typed, in their stored text."""
        needle = " ".join(normalize(phrase).split())
        # Chinese characters fold to themselves, so an all-Chinese phrase (the usual case) can be
        # looked for in the raw text; folding every candidate's text costs more than reading it
        raw = bool(_IDEOGRAPHS.fullmatch(needle))
        keep = np.zeros(len(ids), bool)
        for i, docnum in enumerate(ids):
            stored = self.stored(int(docnum))
            text = stored.get(F.TITLE, "") + "\n" + _body(stored)
            keep[i] = needle in text if raw else needle in " ".join(normalize(text).split())
        return keep

    def run(self, params: SearchParams, words: list[Word], tokenizer: Tokenizer = query_tokens,
            prefix_single: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Matching documents (ascending) and their scores, within the filters."""
        result: tuple[np.ndarray, np.ndarray] | None = None
        for word in words:
            clause = self.word_clause(word, tokenizer, prefix_single)
            if clause is None:
                continue
            result = clause if result is None else _intersect(result, clause, self.n)
        if result is None:
            if params.q.strip():  # only punctuation: nothing can match
                return _EMPTY.ids, np.zeros(0, np.float32)
            ids = np.nonzero(self.live)[0].astype(_ID)
            result = (ids, np.zeros(len(ids), np.float32))
        ids, scores = result
        mask = self.live[ids]
        for name, value in params.filters().items():
            values, codes = self.facets[name]
            if value not in values:
                return _EMPTY.ids, np.zeros(0, np.float32)
            mask &= codes[ids] == values.index(value)
        return ids[mask], scores[mask]

    def terms(self, fieldname: str) -> list[str]:
        """Every term of a field (the benchmark samples 文号 from it)."""
        return sorted(set().union(*(p.terms(fieldname) for p in self.parts)))

    def stored(self, docnum: int) -> dict[str, Any]:
        pi = int(np.searchsorted(self.offsets, docnum, side="right")) - 1
        return self.parts[pi].stored(int(docnum - self.offsets[pi]))


# --- opening the index ---------------------------------------------------------------------------

_LOCAL = threading.local()


def _letters_generation(letters_dir: str | None) -> int:
    if not letters_dir or not Path(letters_dir).is_dir():
        return -1
    try:
        # reads the folder listing only: cheap enough for every request
        return int(whoosh_index.TOC._latest_generation(FileStorage(letters_dir), "MAIN"))
    except Exception:  # noqa: BLE001 - an unreadable letters index must not hide the site index
        return -1


def _open_part(path: str, key: str | None = None) -> Part:
    # Not memory-mapped: Whoosh copies every file of a mapped compound segment into memory
    # (BufferFile wraps the map in a BytesIO), so a worker held twice the index in RAM (1 GB
    # at 100,000 documents); read through the file, a posting list is one read.
    reader = FileStorage(path, supports_mmap=False).open_index().reader()
    return Part(key or path, [r for r, _ in reader.leaf_readers()], path)


def snapshot(index_dir: str | Path, letters_dir: str | Path | None = None) -> Snapshot:
    """This thread's snapshot of the live indexes, reopened when a build or a letter changed one.

    A site whose live version cannot be read is left out (and logged); the search is unavailable
    only when no site can be read.
    """
    index_dir = str(index_dir)
    letters = str(letters_dir) if letters_dir else None
    live = layout.live(index_dir)  # the one file read on every request
    if not live:
        raise SearchUnavailable("missing")
    generation = _letters_generation(letters)
    key = (*(f"{site}/{version}" for site, version in live.items()), f"letters#{generation}")
    cache: dict[str, Snapshot] = getattr(_LOCAL, "cache", None) or {}
    _LOCAL.cache = cache
    slot = cache.get(index_dir)
    if slot is not None and slot.key == key:
        return slot
    reusable = {p.key: p for p in slot.parts} if slot is not None else {}
    parts: list[Part] = []
    errors: list[str] = []
    for site, version in live.items():
        path = str(Path(index_dir) / site / version)
        part = reusable.get(path)
        if part is None:
            try:
                part = _open_part(path)
            except Exception as exc:  # noqa: BLE001 - any failure means "this site is unusable"
                # the text only: the exception's frames would keep Whoosh's open files alive
                errors.append(f"{site}: {exc}")
                log.error("search: index of site %s unusable (%s): %s", site, path, errors[-1])
                continue
        parts.append(part)
    if not parts:
        raise SearchUnavailable(f"corrupt: {'; '.join(errors)}")
    if generation != -1:
        part_key = f"{letters}#{generation}"
        part = reusable.get(part_key)
        # letters are a bonus: an unreadable letters index must not take the site index down
        with contextlib.suppress(Exception):
            if part is None:
                part = _open_part(str(letters), part_key)
            parts.append(part)
    try:
        snap = Snapshot(key, parts, previous=slot)
    except Exception as exc:  # noqa: BLE001
        raise SearchUnavailable(f"corrupt: {exc}") from exc
    # parts no longer live are closed: this thread is their only user and is done with them
    kept = {p.key for p in parts}
    for p in reusable.values():
        if p.key not in kept:
            p.close()
    cache[index_dir] = snap
    return snap


# The stored body has one line per block; shown as one paragraph, the break after Chinese text or
# punctuation vanishes ("。县…", as Chinese is written, not "。 县…"); elsewhere it is a space.
_CJK_SPACE = re.compile(r"(?<=[\u3000-\u303f\u3400-\u9fff\uff00-\uffef])\s+")


def _body(stored: dict[str, Any]) -> str:
    return zlib.decompress(stored[F.BODY]).decode("utf-8") if stored.get(F.BODY) else ""


def _hit(stored: dict[str, Any], score: float | None, needles: list[str],
         labels: dict[tuple[str, str], str]) -> Hit:
    # the best window of the body, else the summary, else the body's start
    body = " ".join(_CJK_SPACE.sub("", _body(stored).partition(F.BODY_END)[0]).split())
    folded = _folded(body, needles)
    text = body if any(n in folded for n in needles) else (stored.get(F.SUMMARY) or body)
    snippet_html, snippet_text = snippet(text, needles, SNIPPET_CHARS)
    title = stored.get(F.TITLE, "")
    site = stored.get(F.SITE, "")
    return Hit(
        title=title, url=stored.get(F.URL, ""), title_html=highlight(title, needles),
        snippet_html=snippet_html, snippet_text=snippet_text, date=stored.get(F.DATE),
        section=stored.get(F.SECTION, ""), section_label=stored.get(F.SECTION_LABEL, ""),
        doctype=stored.get(F.DOCTYPE, ""), doctype_label=stored.get(F.DOCTYPE_LABEL, ""),
        dept=stored.get(F.DEPT, ""), dept_name=stored.get(F.DEPT_NAME, ""),
        topic=stored.get(F.TOPIC, ""), index_no=stored.get(F.INDEX_NO, ""),
        doc_no=stored.get(F.DOC_NO, ""), score=score, site=site,
        # a letter carries its site's id only: the name is the one the site's documents give
        site_name=stored.get(F.SITE_NAME) or labels.get((F.SITE, site), site),
    )


def _top(keys: tuple[np.ndarray, ...], k: int) -> np.ndarray:
    """Indexes of the k best rows by ``keys`` (first key most significant, all descending)."""
    n = len(keys[0])
    if n > k:
        part = np.argpartition(-keys[0], k - 1)[:k]
        # argpartition cuts ties at the boundary arbitrarily; take every row tied with the k-th
        cut = keys[0][part].min()
        part = np.nonzero(keys[0] >= cut)[0]
    else:
        part = np.arange(n)
    order = np.lexsort(tuple(-key[part] for key in reversed(keys)))
    return part[order][:k]


def search(params: SearchParams, index_dir: str | Path, letters_dir: str | Path | None = None,
           *, facets: bool = True) -> SearchResult:
    """Run one search over every site; raises SearchUnavailable when no index can be used."""
    snap = snapshot(index_dir, letters_dir)
    words = split_query(params.q)
    version = " ".join(snap.key)
    if params.is_empty():
        return SearchResult(params, 0, [], {}, words, version)
    try:
        ids, scores = snap.run(params, words)
        total = len(ids)
        start = (params.page - 1) * params.per_page
        want = start + params.per_page
        dates = snap.dates[ids]
        by_date = params.sort == "date" or not params.q.strip()
        top = _top((dates, scores) if by_date else (scores, dates), want)[start:want]
        needles = needles_for(words)
        hits = [_hit(snap.stored(int(ids[i])), None if by_date else round(float(scores[i]), 4),
                     needles, snap.labels) for i in top]
        counts: dict[str, list[FacetValue]] = {}
        if facets:
            for name, _label in F.FACETS:
                values, codes = snap.facets[name]
                # codes + 1: a document without a value (-1) is counted in bin 0, then dropped
                tally = np.bincount(codes[ids] + 1, minlength=len(values) + 1)[1:]
                fvs = [FacetValue(v, snap.labels.get((name, v), v), int(tally[i]))
                       for i, v in enumerate(values) if tally[i]]
                # years newest first; everything else by count, then label
                if name == F.YEAR:
                    fvs.sort(key=lambda fv: fv.value, reverse=True)
                else:
                    fvs.sort(key=lambda fv: (-fv.count, fv.label))
                counts[name] = fvs
    except (OSError, EOFError, zlib.error, KeyError, ValueError) as exc:
        close_all()
        raise SearchUnavailable(f"corrupt: {exc}") from exc
    return SearchResult(params, total, hits, counts, words, version)


def close_all() -> None:
    """Close this thread's snapshots (tests, and before deleting an index folder)."""
    for snap in (getattr(_LOCAL, "cache", None) or {}).values():
        snap.close()
    _LOCAL.cache = {}
