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


def write(reader: Any, path: Path) -> None:
    """Write the fast postings of one leaf reader's ``text`` field to ``path`` (atomically)."""
    entries = []
    for raw in reader.lexicon(F.TEXT):
        ids, tf = leaf_postings(reader, F.TEXT, raw.decode("utf-8"))
        entries.append((term_hash(raw), raw, ids, tf))
    entries.sort(key=lambda e: (e[0], e[1]))
    nterms = len(entries)
    npost = sum(len(e[2]) for e in entries)
    blob = b"".join(e[1] for e in entries)
    arrays = {
        "hashes": np.array([e[0] for e in entries], "<u8"),
        "terms": np.cumsum([0] + [len(e[1]) for e in entries], dtype="<i8"),
        "starts": np.cumsum([0] + [len(e[2]) for e in entries], dtype="<i8"),
        "ids": (np.concatenate([e[2] for e in entries]).astype("<i4") if entries
                else np.zeros(0, "<i4")),
        "tf": (np.concatenate([e[3] for e in entries]).astype("<f4") if entries
               else np.zeros(0, "<f4")),
        "blob": np.frombuffer(blob, "u1"),
    }
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(MAGIC)
        fh.write(np.array([nterms, npost, len(blob), reader.doc_count_all()], "<u8").tobytes())
        for name, _dtype, _count, offset in _layout(nterms, npost, len(blob)):
            fh.write(b"\0" * (offset - fh.tell()))
            fh.write(arrays[name].tobytes())
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
                segments[leaf.segment().segment_id()] = leaf
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
