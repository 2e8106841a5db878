"""Fast postings: a segment's text postings as plain arrays beside it, for a worker's cold queries.

A query worker decodes a word's posting list from Whoosh's W3 blocks the first time the word is
asked for (zlib, then a pickle of Python ints and floats per block of 128): ~200 ns a posting,
30 ms for a word in 150,000 documents, paid in every worker and again after each restart. At a
province's scale that first use is what made a cold query slow (``docs/search.md``, "Cold
queries"). The build therefore writes, next to each segment, the same postings of the ``text``
field as arrays (``<segment id>.gpf``); a worker maps the file and a term's list is a slice of
the map, already decoded, shared by every worker through the page cache.

The file is a cache of what the segment holds, never the only copy: a segment without one (an
index written before, a merge's new segment until the build writes its file) is read through
Whoosh, with the same results. Like a segment, the file is written once and never changed.

    GPFPOST1                         magic (8 bytes)
    nterms, npostings, blob, docs    4 × uint64 little-endian (docs: the segment's document count)
    hashes   uint64[nterms]          blake2b-64 of each term's UTF-8, ascending
    terms    int64[nterms + 1]       where each term's UTF-8 starts in the blob (to check a match)
    starts   int64[nterms + 1]       where each term's postings start in ids and tf
    ids      int32[npostings]        document numbers in the segment, ascending within a term
    tf       float32[npostings]      the term's weight (frequency) in each document
    blob     the terms' UTF-8, end to end
"""

from __future__ import annotations

import contextlib
import hashlib
import mmap
import os
import struct
from array import array
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from sitesearch import fields as F
from sitesearch.postings import leaf_postings

MAGIC = b"GPFPOST1"
SUFFIX = ".gpf"
_HEADER = 8 + 4 * 8


def term_hash(term: bytes) -> int:
    """The 64-bit key a term is found by (stable across processes, unlike ``hash``)."""
    return int.from_bytes(hashlib.blake2b(term, digest_size=8).digest(), "little")


class Key(NamedTuple):
    """A term as every segment's file is searched for it: its UTF-8 and their hash."""

    raw: bytes
    hash: np.uint64


def key(text: str) -> Key:
    """The key of a term, computed once for every segment a query reads."""
    raw = text.encode("utf-8")
    return Key(raw, np.uint64(term_hash(raw)))


def _aligned(n: int) -> int:
    return (n + 7) // 8 * 8


def _layout(nterms: int, npost: int, blob: int) -> list[tuple[str, Any, int, int]]:
    """(name, dtype, count, offset) of each array, in file order."""
    out = []
    pos = _HEADER
    for name, dtype, count in (("hashes", "<u8", nterms), ("terms", "<i8", nterms + 1),
                               ("starts", "<i8", nterms + 1), ("ids", "<i4", npost),
                               ("tf", "<f4", npost), ("blob", "u1", blob)):
        out.append((name, np.dtype(dtype), count, pos))
        pos = _aligned(pos + np.dtype(dtype).itemsize * count)
    return out


def path_for(version_dir: str | os.PathLike[str], segment_id: str) -> Path:
    """The fast postings file of a segment of a version folder."""
    return Path(version_dir) / f"{segment_id}{SUFFIX}"


class _Region:
    """One array's place in the file, written in order through a buffer of at most ``_FLUSH`` bytes."""

    def __init__(self, fd: int, offset: int) -> None:
        self._fd, self._pos, self._buf = fd, offset, bytearray()

    def write(self, data: bytes | memoryview) -> None:
        self._buf += data
        if len(self._buf) >= _FLUSH:
            self.flush()

    def flush(self) -> None:
        view = memoryview(self._buf)
        while view:
            done = os.pwrite(self._fd, view, self._pos)
            self._pos += done
            view = view[done:]
        del view
        self._buf.clear()


_FLUSH = 1 << 20


def write(reader: Any, path: Path) -> None:
    """Write the fast postings of one leaf reader's ``text`` field to ``path`` (atomically).

    Reads the segment back: the term dictionary first (each term's UTF-8 and document count, from
    its term info: no postings decoded), then each term's postings, decoded in file order. Memory
    is the terms plus one posting list, not the segment's postings (263 MB for a 50,000-document
    site when they were gathered first). Segments the build did not write itself (a merge's, an
    index written before these files) get theirs this way; see ``write_terms`` for the others.
    """
    terms = ((raw, info.doc_frequency()) for raw, info in reader.iter_field(F.TEXT))
    _write(terms, lambda raw: leaf_postings(reader, F.TEXT, raw.decode("utf-8")),
           reader.doc_count_all(), path)


def write_terms(terms: Mapping[bytes, list[Any]], doc_count: int, path: Path) -> None:
    """The same file as ``write``, from the postings a writer still holds for the segment.

    ``terms``: each ``text`` term's UTF-8 and its postings as one flat list ``[docnum, weight,
    value, …]``, docnums ascending (``sitesearch.indexer``'s pool); ``doc_count``: the segment's
    documents. The full build calls it as it flushes a segment instead of decoding from disk
    every posting list it has just encoded (Whoosh's zlib-and-pickle blocks); the bytes are the
    same (``tests/sitesearch/test_cold_path.py`` compares them).
    """
    def postings(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
        flat = terms[raw]
        return np.array(flat[0::3], "<i4"), np.array(flat[1::3], "<f4")

    _write(((raw, len(flat) // 3) for raw, flat in terms.items()), postings, doc_count, path)


def _write(terms: Iterable[tuple[bytes, int]],
           postings: Callable[[bytes], tuple[np.ndarray, np.ndarray]], doc_count: int,
           path: Path) -> None:
    """Write the file of ``terms`` (UTF-8, document count) whose (ids, tf) ``postings`` gives,
    one term at a time in file order: the counts fix every array's size and place first."""
    raws = bytearray()
    ends = array("q")
    hashes = array("Q")
    counts = array("q")
    for raw, count in terms:
        raws += raw
        ends.append(len(raws))
        hashes.append(term_hash(raw))
        counts.append(count)
    nterms = len(hashes)
    term_end = np.frombuffer(ends, np.int64) if nterms else np.zeros(0, np.int64)
    term_start = np.concatenate(([0], term_end[:-1])) if nterms else term_end
    h = np.frombuffer(hashes, np.uint64) if nterms else np.zeros(0, np.uint64)
    # file order: by hash, then by the term's UTF-8 (equal hashes sorted by their bytes, whatever
    # order the terms came in)
    order = np.argsort(h, kind="stable")
    sorted_h = h[order]
    for same in np.flatnonzero(sorted_h[1:] == sorted_h[:-1]):
        group = np.flatnonzero(sorted_h == sorted_h[same])
        order[group] = sorted(order[group],
                              key=lambda i: bytes(raws[term_start[i]:term_end[i]]))
    length = (term_end - term_start)[order]
    df = (np.frombuffer(counts, np.int64) if nterms else np.zeros(0, np.int64))[order]
    npost = int(df.sum())
    blob = len(raws)
    arrays = _layout(nterms, npost, blob)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        header = _Region(fd, 0)
        header.write(MAGIC)
        header.write(np.array([nterms, npost, blob, doc_count], "<u8").tobytes())
        header.flush()
        region = {name: _Region(fd, offset) for name, _dtype, _count, offset in arrays}
        region["hashes"].write(sorted_h.astype("<u8").tobytes())
        region["terms"].write(np.concatenate(([0], np.cumsum(length))).astype("<i8").tobytes())
        region["starts"].write(np.concatenate(([0], np.cumsum(df))).astype("<i8").tobytes())
        for i, expected in zip(order.tolist(), df.tolist(), strict=True):
            raw = bytes(raws[term_start[i]:term_end[i]])
            region["blob"].write(raw)
            ids, tf = postings(raw)
            if len(ids) != expected:  # the arrays' places were fixed by the counts
                raise ValueError(f"{raw!r}: {len(ids)} postings, term info says {expected}")
            region["ids"].write(ids.astype("<i4", copy=False).tobytes())
            region["tf"].write(tf.astype("<f4", copy=False).tobytes())
        for r in region.values():
            r.flush()
        # the gaps between arrays (alignment) are zeros, written rather than left as holes
        for (_name, dtype, count, offset), following in zip(
                arrays, [a[3] for a in arrays[1:]], strict=False):
            end = offset + dtype.itemsize * count
            if following > end:
                os.pwrite(fd, b"\0" * (following - end), end)
    except BaseException:
        os.close(fd)
        tmp.unlink(missing_ok=True)
        raise
    os.close(fd)
    os.replace(tmp, path)


def write_missing(version_dir: str | os.PathLike[str]) -> int:
    """Give every segment of a (not yet published) version its file; drop files of gone segments.

    Returns how many files were written. Called by the build before it publishes the version.
    """
    from whoosh.filedb.filestore import FileStorage

    version_dir = Path(version_dir)
    ix = FileStorage(str(version_dir), supports_mmap=False).open_index()
    written = 0
    try:
        with ix.reader() as top:
            segments = {}
            for leaf, _offset in top.leaf_readers():
                segment = leaf.segment()
                if segment is None:  # an index without documents (a new site's): nothing to map
                    continue
                segments[segment.segment_id()] = leaf
            for segment_id, leaf in segments.items():
                if not path_for(version_dir, segment_id).exists():
                    write(leaf, path_for(version_dir, segment_id))
                    written += 1
    finally:
        ix.close()
    for entry in version_dir.glob(f"*{SUFFIX}"):
        if entry.name[: -len(SUFFIX)] not in segments:
            entry.unlink()
    return written


class FastPostings:
    """The fast postings of one segment, mapped read-only; ``Unusable`` if the file is not right."""

    def __init__(self, path: str | os.PathLike[str], doc_count: int) -> None:
        with open(path, "rb") as fh:
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        # checked before any array views the map (a map with views cannot be closed)
        problem = ""
        if len(self._map) < _HEADER or self._map[:8] != MAGIC:
            problem = "not a fast postings file"
        else:
            nterms, npost, blob, docs = struct.unpack_from("<4Q", self._map, 8)
            arrays = _layout(nterms, npost, blob)
            if docs != doc_count:
                problem = "written for another segment"
            elif any(offset + dtype.itemsize * count > len(self._map)
                     for _name, dtype, count, offset in arrays):
                problem = "cut short"
        if problem:
            self._map.close()
            raise Unusable(f"{path}: {problem}")
        view = {name: np.frombuffer(self._map, dtype, count, offset)
                for name, dtype, count, offset in arrays}
        self._hashes = view["hashes"]
        self._terms = view["terms"]
        self._starts = view["starts"]
        self._ids = view["ids"]
        self._tf = view["tf"]
        self._blob_at = arrays[-1][3]

    def get(self, term: Key | str) -> tuple[np.ndarray, np.ndarray] | None:
        """The term's (ids, tf) as read-only views of the map; None when the segment lacks it."""
        raw, h = term if isinstance(term, Key) else key(term)
        i = int(np.searchsorted(self._hashes, h))
        n = len(self._hashes)
        while i < n and self._hashes[i] == h:
            lo, hi = int(self._terms[i]), int(self._terms[i + 1])
            if self._map[self._blob_at + lo:self._blob_at + hi] == raw:
                a, b = int(self._starts[i]), int(self._starts[i + 1])
                return self._ids[a:b], self._tf[a:b]
            i += 1
        return None

    def close(self) -> None:
        # the arrays are views of the map: drop them first, or closing it raises BufferError
        self._hashes = self._terms = self._starts = self._ids = self._tf = None  # type: ignore[assignment]
        # a slice still referenced somewhere: the map goes with it
        with contextlib.suppress(BufferError):
            self._map.close()


class Unusable(Exception):
    """A fast postings file that does not belong to its segment or is damaged: read Whoosh."""
