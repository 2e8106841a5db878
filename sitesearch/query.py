"""Querying the site index: the one module that opens Whoosh for reading.

``search(params, index_dir, letters_dir)`` answers one request. Open indexes (``Snapshot``) are
kept per thread (Whoosh readers share file handles and are not thread-safe) and reused across
requests; each request re-reads the tiny ``CURRENT`` pointer and the letters index's generation, so
a new build or a newly published letter is seen without a restart, and a half-written index is
never opened. Matching and counting run on numpy arrays (see "the engine" below).
"""

from __future__ import annotations

import bisect
import contextlib
import datetime as dt
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
from whoosh.matching import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from sitesearch import fields as F
from sitesearch import layout
from sitesearch.analysis import is_single_char, normalize, normalize_code, query_tokens

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
    section: str = ""
    dept: str = ""
    year: str = ""
    topic: str = ""
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE

    def filters(self) -> dict[str, str]:
        return {k: v for k, v in ((F.SECTION, self.section), (F.DEPT, self.dept),
                                  (F.YEAR, self.year), (F.TOPIC, self.topic)) if v}

    def is_empty(self) -> bool:
        return not self.q.strip() and not self.filters()

    def to_args(self, **changes: Any) -> dict[str, str]:
        """Query-string arguments of these parameters with ``changes``, defaults left out."""
        values = {"q": self.q, "section": self.section, "dept": self.dept, "year": self.year,
                  "topic": self.topic, "sort": self.sort, "page": self.page}
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
    if year and not _YEAR.match(year):
        raise SearchError("bad_year", "年份应为四位数字，如 2024")
    for name, label in (("section", "栏目"), ("dept", "部门"), ("topic", "主题分类")):
        if len(get(name)) > 60:
            raise SearchError(f"bad_{name}", f"{label}参数太长")
    return SearchParams(
        q=q, section=get("section"), dept=get("dept"), year=year, topic=get("topic"), sort=sort,
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
    if all(_IDEOGRAPHS.match(n) for n in needles):
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

_K1, _B = 1.2, 0.75  # BM25, Whoosh's defaults
CODE_SCORE = 50.0  # the document that carries a 文号/索引号 ranks above documents citing it
PREFIX_TERMS_MAX = 400  # a one-character query expands to at most this many bigrams
CACHE_BYTES = 48 * 1024 * 1024  # decoded postings kept per open index and thread
# A quoted phrase is checked in each candidate's stored text (~30 µs a document). Above this many
# candidates it is answered like an unquoted word (all its bigrams, measured precision 0.998 on
# the demo content), so a common phrase cannot stall a worker.
PHRASE_VERIFY_MAX = 1000
_NO_DATE = np.iinfo(np.int64).min
_NO_DATE_RAW = np.iinfo(np.int64).max


class Tokenizer(Protocol):
    def __call__(self, word: str, *, phrase: bool = False) -> list[str]: ...


class Postings(NamedTuple):
    ids: np.ndarray  # global document numbers, ascending, unique
    tf: np.ndarray  # term weight (frequency) per document, float32


_EMPTY = Postings(np.zeros(0, np.int64), np.zeros(0, np.float32))


def _decode(matcher: Any) -> tuple[np.ndarray, np.ndarray]:
    """All (docnum, weight) of one leaf matcher, a block at a time where the codec allows it."""
    if isinstance(matcher, FilterMatcher):  # deleted documents are masked by Snapshot.live
        matcher = matcher.child
    ids: list[np.ndarray] = []
    tfs: list[np.ndarray] = []
    try:
        # W3 codec internals (whoosh-reloaded 2.7): a posting block is one pickled array; per
        # posting calls through the public Matcher API cost ~10x more
        while matcher.is_active():
            if matcher._ids is None:
                matcher._read_ids()
            if matcher._weights is None:
                matcher._read_weights()
            ids.append(np.asarray(matcher._ids, np.int64))
            tfs.append(np.asarray(matcher._weights, np.float32))
            matcher._next_block()
    except AttributeError:  # another codec: the slow, public way
        pairs = list(matcher.items_as("weight"))
        return (np.fromiter((p[0] for p in pairs), np.int64, len(pairs)),
                np.fromiter((p[1] for p in pairs), np.float32, len(pairs)))
    if not ids:
        return _EMPTY.ids, _EMPTY.tf
    return np.concatenate(ids), np.concatenate(tfs)


_BYTE_TO_LENGTH = np.array([byte_to_length(b) for b in range(256)], np.float32)


def _lengths(reader: Any, count: int) -> np.ndarray:
    """TEXT length of every document of a leaf, for BM25."""
    try:
        # W3 codec internals: the lengths column read in one pass (10x the public per-doc call)
        column = reader._perdoc._cached_reader(f"_{F.TEXT}_len", LENGTHS_COLUMN)
        raw = np.fromiter(iter(column), np.uint8, count)
        return np.maximum(_BYTE_TO_LENGTH[raw], 1.0)
    except (AttributeError, TypeError, ValueError):
        return np.array([reader.doc_field_length(d, F.TEXT, 1) for d in range(count)], np.float32)


def _intersect(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]
               ) -> tuple[np.ndarray, np.ndarray]:
    """Documents in both (ids ascending), scores added."""
    small, big = (a, b) if len(a[0]) <= len(b[0]) else (b, a)
    if not len(small[0]) or not len(big[0]):
        return _EMPTY.ids, np.zeros(0, np.float32)
    idx = np.searchsorted(big[0], small[0])
    idx[idx >= len(big[0])] = len(big[0]) - 1
    ok = big[0][idx] == small[0]
    return small[0][ok], small[1][ok] + big[1][idx[ok]]


class Snapshot:
    """One open site version (plus letters): arrays built once, postings decoded on demand."""

    def __init__(self, key: tuple[str, ...], readers: list[Any]) -> None:
        self.key = key
        self.readers = readers
        self.offsets = np.cumsum([0] + [r.doc_count_all() for r in readers])
        n = self.n = int(self.offsets[-1])
        self.live = np.ones(n, bool)
        self.lengths = np.ones(n, np.float32)  # TEXT length per document, for BM25
        self.dates = np.full(n, _NO_DATE, np.int64)
        for r, off in zip(readers, self.offsets, strict=False):
            for d in getattr(r, "deleted_docs_set", ()) or ():
                self.live[off + d] = False
            count = r.doc_count_all()
            self.lengths[off:off + count] = _lengths(r, count)
            if r.has_column(F.DATE):
                col = r.column_reader(F.DATE, translate=False)
                # raw column values keep date order; a document without a date reads as the
                # column's default (the type's maximum), which must sort last, not first
                self.dates[off:off + count] = [
                    v if v is not None and v < _NO_DATE_RAW else _NO_DATE for v in col]
        self.avglen = float(self.lengths[self.live].mean()) if self.live.any() else 1.0
        self.norm = (_K1 * (1 - _B + _B * self.lengths / max(self.avglen, 1.0))).astype(np.float32)
        self.facets: dict[str, tuple[list[str], np.ndarray]] = {}
        self.labels: dict[tuple[str, str], str] = {}
        for name, labelfield in F.FACETS:
            values: list[str] = []
            codes = np.full(n, -1, np.int32)
            for r, off in zip(readers, self.offsets, strict=False):
                for raw in r.lexicon(name):
                    value = raw.decode("utf-8")
                    ids, _ = _decode(r.postings(name, value))
                    if value not in values:
                        values.append(value)
                        if labelfield and len(ids):
                            stored = r.stored_fields(int(ids[0]))
                            self.labels[(name, value)] = stored.get(labelfield) or value
                    codes[ids + off] = values.index(value)
            self.facets[name] = (values, codes)
        self.cache: OrderedDict[tuple[str, str], Postings] = OrderedDict()
        self.cache_bytes = 0

    def close(self) -> None:
        for r in self.readers:
            r.close()

    # postings -------------------------------------------------------------------------------

    def postings(self, fieldname: str, text: str) -> Postings:
        key = (fieldname, text)
        hit = self.cache.get(key)
        if hit is not None:
            self.cache.move_to_end(key)
            return hit
        ids: list[np.ndarray] = []
        tfs: list[np.ndarray] = []
        for r, off in zip(self.readers, self.offsets, strict=False):
            try:
                m = r.postings(fieldname, text)
            except TermNotFound:
                continue
            i, t = _decode(m)
            ids.append(i + off)
            tfs.append(t)
        p = Postings(np.concatenate(ids), np.concatenate(tfs)) if ids else _EMPTY
        self._remember(key, p)
        return p

    def prefix(self, fieldname: str, prefix: str) -> Postings:
        key = (fieldname, prefix + "*")
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        terms: set[str] = set()
        for r in self.readers:
            for t in r.expand_prefix(fieldname, prefix):
                terms.add(t.decode("utf-8") if isinstance(t, bytes) else t)
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
            p = Postings(uniq, np.bincount(inverse, weights=tfs).astype(np.float32))
        self._remember(key, p)
        return p

    def _remember(self, key: tuple[str, str], p: Postings) -> None:
        self.cache[key] = p
        self.cache_bytes += p.ids.nbytes + p.tf.nbytes
        while self.cache_bytes > CACHE_BYTES and len(self.cache) > 1:
            _, old = self.cache.popitem(last=False)
            self.cache_bytes -= old.ids.nbytes + old.tf.nbytes

    # matching -------------------------------------------------------------------------------

    def _bm25(self, p: Postings, ids: np.ndarray, tf: np.ndarray) -> np.ndarray:
        df = max(len(p.ids), 1)
        idf = math.log(1 + (self.n - df + 0.5) / (df + 0.5))
        return (idf * tf * (_K1 + 1) / (tf + self.norm[ids])).astype(np.float32)

    def term_clause(self, token: str, prefix_single: bool = True) -> tuple[np.ndarray, np.ndarray]:
        if prefix_single and is_single_char(token):
            p = self.prefix(F.TEXT, token)
        else:
            p = self.postings(F.TEXT, token)
        return p.ids, self._bm25(p, p.ids, p.tf)

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
            result = _intersect(result, c)
        if word.phrase and len(tokens) > 1 and 0 < len(result[0]) <= PHRASE_VERIFY_MAX:
            keep = self._phrase_filter(result[0], word.text)
            result = (result[0][keep], result[1][keep])
        return result

    def _phrase_filter(self, ids: np.ndarray, phrase: str) -> np.ndarray:
        """Which candidates contain the phrase, as typed, in their stored text."""
        needle = " ".join(normalize(phrase).split())
        # Chinese characters fold to themselves, so an all-Chinese phrase (the usual case) can be
        # looked for in the raw text; folding every candidate's text costs more than reading it
        raw = bool(_IDEOGRAPHS.match(needle))
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
            result = clause if result is None else _intersect(result, clause)
        if result is None:
            if params.q.strip():  # only punctuation: nothing can match
                return _EMPTY.ids, np.zeros(0, np.float32)
            ids = np.nonzero(self.live)[0]
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
        out: set[str] = set()
        for r in self.readers:
            out.update(t.decode("utf-8") for t in r.lexicon(fieldname))
        return sorted(out)

    def stored(self, docnum: int) -> dict[str, Any]:
        li = int(np.searchsorted(self.offsets, docnum, side="right")) - 1
        return self.readers[li].stored_fields(int(docnum - self.offsets[li]))


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


def _leaves(path: str) -> list[Any]:
    reader = whoosh_index.open_dir(path).reader()
    return [r for r, _ in reader.leaf_readers()]


def snapshot(index_dir: str | Path, letters_dir: str | Path | None = None) -> Snapshot:
    """This thread's snapshot of the live index, reopened when a build or a letter changed it."""
    index_dir = str(index_dir)
    letters = str(letters_dir) if letters_dir else None
    try:
        version = layout.current_name(index_dir)
    except layout.IndexMissing as exc:
        raise SearchUnavailable("missing") from exc
    key = (str(Path(index_dir).resolve() / version), str(letters), str(_letters_generation(letters)))
    cache: dict[str, Snapshot] = getattr(_LOCAL, "cache", None) or {}
    _LOCAL.cache = cache
    slot = cache.get(index_dir)
    if slot is not None and slot.key == key:
        return slot
    try:
        readers = _leaves(key[0])
    except Exception as exc:  # noqa: BLE001 - any failure to open means "index unusable"
        raise SearchUnavailable(f"corrupt: {exc}") from exc
    if key[2] != "-1":
        # letters are a bonus: an unreadable letters index must not take the site index down
        with contextlib.suppress(Exception):
            readers += _leaves(str(letters))
    try:
        snap = Snapshot(key, readers)
    except Exception as exc:  # noqa: BLE001
        raise SearchUnavailable(f"corrupt: {exc}") from exc
    # the old snapshot is dropped, not closed: this thread is its only user and is done with it
    if slot is not None:
        slot.close()
    cache[index_dir] = snap
    return snap


def _body(stored: dict[str, Any]) -> str:
    return zlib.decompress(stored[F.BODY]).decode("utf-8") if stored.get(F.BODY) else ""


def _hit(stored: dict[str, Any], score: float | None, needles: list[str]) -> Hit:
    # the best window of the body, else the summary, else the body's start
    body = " ".join(_body(stored).partition(F.BODY_END)[0].split())
    folded = _folded(body, needles)
    text = body if any(n in folded for n in needles) else (stored.get(F.SUMMARY) or body)
    snippet_html, snippet_text = snippet(text, needles, SNIPPET_CHARS)
    title = stored.get(F.TITLE, "")
    return Hit(
        title=title, url=stored.get(F.URL, ""), title_html=highlight(title, needles),
        snippet_html=snippet_html, snippet_text=snippet_text, date=stored.get(F.DATE),
        section=stored.get(F.SECTION, ""), section_label=stored.get(F.SECTION_LABEL, ""),
        doctype=stored.get(F.DOCTYPE, ""), doctype_label=stored.get(F.DOCTYPE_LABEL, ""),
        dept=stored.get(F.DEPT, ""), dept_name=stored.get(F.DEPT_NAME, ""),
        topic=stored.get(F.TOPIC, ""), index_no=stored.get(F.INDEX_NO, ""),
        doc_no=stored.get(F.DOC_NO, ""), score=score,
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
    """Run one search; raises SearchUnavailable when the index cannot be used."""
    snap = snapshot(index_dir, letters_dir)
    words = split_query(params.q)
    if params.is_empty():
        return SearchResult(params, 0, [], {}, words, snap.key[0])
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
                     needles) for i in top]
        counts: dict[str, list[FacetValue]] = {}
        if facets:
            for name, _label in F.FACETS:
                values, codes = snap.facets[name]
                c = codes[ids]
                c = c[c >= 0]
                tally = np.bincount(c, minlength=len(values)) if len(values) else []
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
    return SearchResult(params, total, hits, counts, words, snap.key[0])


def close_all() -> None:
    """Close this thread's snapshots (tests, and before deleting an index folder)."""
    for snap in (getattr(_LOCAL, "cache", None) or {}).values():
        snap.close()
    _LOCAL.cache = {}
