"""Reading one term's postings from a Whoosh segment: all of them at once, as numpy arrays.

Used by the query (``sitesearch.query``) and by the writer of the fast postings
(``sitesearch.fastpost``), which both need a term's whole list rather than Whoosh's matcher.
"""

from __future__ import annotations

import io
import itertools
import pickle
import zlib
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC
from whoosh.matching import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.system import _INT_SIZE, unpack_int

from sitesearch.mapped import MappedTerms

ID = np.int32  # document numbers, as in sitesearch.query
_ID = ID


def leaf_postings(reader: Any, fieldname: str, text: str, terms_map: MappedTerms | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """All (docnum, weight) of a term in one leaf reader; TermNotFound when it has none.

    W3 codec internals: the term's extent in the postings file comes from its term info, and the
    posting list is read in one go; going through ``reader.postings`` first builds a matcher
    that reads the list's header and first block (half the cost of a rare term, paid for every
    site's part). With ``terms_map`` (the leaf's segment mapped), the look-up and the read are
    slices of the map (``sitesearch.mapped``: a tenth of the cost of the file reads).
    """
    if terms_map is not None:
        data = terms_map.term_info(fieldname, text)
        if data is None:
            raise TermNotFound(f"{fieldname}:{text}")
        raw = terms_map.postings(data)
        if raw is not None:
            return decode_blocks(raw)
        return decode(reader.postings(fieldname, text))  # inlined in the term info
    try:
        terms = reader._terms
        postfile = terms._postfile
    except AttributeError:
        return decode(reader.postings(fieldname, text))
    info = terms.term_info(fieldname, text.encode("utf-8"))
    if info.is_inlined():
        return decode(reader.postings(fieldname, text))
    offset, length = info.extent()
    # a term info read from disk holds its length as a 1-tuple (unpack_int's result)
    return decode_blocks(postfile.get(offset, length[0] if isinstance(length, tuple) else length))


def decode(matcher: Any) -> tuple[np.ndarray, np.ndarray]:
    """All (docnum, weight) of one leaf matcher: its whole posting list read at once."""
    if isinstance(matcher, FilterMatcher):  # deleted documents are masked by Snapshot.live
        matcher = matcher.child
    try:
        # W3 codec internals (whoosh-reloaded 2.7): the term's extent in the postings file
        # (a term info read from disk holds its length as a 1-tuple: unpack_int's result)
        length = matcher._length
        raw = matcher._postfile.get(matcher._startoffset,
                                    length[0] if isinstance(length, tuple) else length)
    except AttributeError:  # another codec, or postings inlined in the term info: the public way
        pairs = list(matcher.items_as("weight"))
        return (np.fromiter((p[0] for p in pairs), _ID, len(pairs)),
                np.fromiter((p[1] for p in pairs), np.float32, len(pairs)))
    return decode_blocks(raw)


def decode_blocks(raw: bytes) -> tuple[np.ndarray, np.ndarray]:
    """The posting blocks of one term as the W3 codec writes them: a magic number, then per
    block its signed length (negative: the last), a pickled info tuple and the (compressed)
    pickled tuple of delta-coded ids and weights. Parsed from one bytes object, instead of
    several seeks and reads per block through the matcher (3x slower on files not mapped)."""
    f = io.BytesIO(raw)
    if f.read(4) != WHOOSH3_HEADER_MAGIC:
        raise ValueError("not a W3 posting list")
    deltas: list[int] = []
    weights: list[float] = []
    last = 0
    while True:
        start = f.tell()
        (length,) = unpack_int(f.read(_INT_SIZE))
        count, maxid, _maxweight, compression, _minlen, _maxlen = pickle.load(f)
        stop = start + _INT_SIZE + abs(length)
        data = raw[f.tell():stop]
        ids, block_weights, _values = pickle.loads(zlib.decompress(data) if compression else data)
        first = len(deltas)
        deltas.extend(ids)
        # a block's ids are coded from 0: its first one becomes a step from the last block's
        # last id, so one cumulative sum decodes every block
        deltas[first] -= last
        last = maxid
        if block_weights is None:
            weights.extend(itertools.repeat(1.0, count))
        elif isinstance(block_weights, float):
            weights.extend(itertools.repeat(block_weights, count))
        else:
            weights.extend(block_weights)
        if length < 0:
            break
        f.seek(stop)
    return np.cumsum(np.array(deltas, _ID), dtype=_ID), np.array(weights, np.float32)
