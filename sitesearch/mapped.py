"""Term look-ups and posting reads of one Whoosh segment through a read-only memory map.

A query worker's first use of a word looks the word up in every site's index (100 at a province's
scale). Through Whoosh's own files a look-up is five to eight seek-and-read pairs on the compound
segment (the hash slot, the key lengths, the key, the term info): 15 µs, 42 µs on first touch
under load; on a map of the same file it is a few slices, 3.4 µs (16 µs), and the posting list
one more slice. The map is the page cache's own memory: nothing is copied into the worker
(Whoosh's mmap mode wraps each mapped file in a ``BytesIO``, which copies it; that is why
``query._open_part`` turns it off).

W3 codec internals (whoosh-reloaded 2.7): the terms file is a CDB-style hash file
(``whoosh.filedb.filetables.HashReader``) inside the compound segment, its values are
``W3TermInfo`` bytes. ``MappedTerms(reader)`` raises ``Unsupported`` for any other layout, and the
caller goes on through Whoosh.
"""

from __future__ import annotations

import mmap
import struct
from typing import Any

# filetables' structs: a hash slot (key hash, item position), an item's (key length, value length)
_POINTER = struct.Struct("!Iq")
_LENGTHS = struct.Struct("!ii")
# W3TermInfo: flags, weight, doc freq, min/max length bytes, max weight, min/max id; then, when the
# postings are not inlined, their offset (long) and length (int) in the postings file
_TERMINFO = struct.Struct("!BfIBBfII")
_EXTENT = struct.Struct("!qi")


class Unsupported(Exception):
    """The segment is not a W3 compound segment read through its file: use Whoosh's own reads."""


class MappedTerms:
    """The term dictionary and postings of one leaf reader, read from a map of its segment file."""

    def __init__(self, reader: Any) -> None:
        try:
            terms = reader._terms
            tindex = terms._tindex
            self._keycoder = terms._keycoder
            self._hashfn = tindex.hashfn
            self._tables: list[tuple[int, int]] = list(tindex.tables)
            tfile = tindex.dbfile.file  # compound.SubFile: (the segment file, offset)
            pfile = terms._postfile.file
            segment = tfile._file
            if pfile._file is not segment or tindex.startoffset:
                raise Unsupported("terms and postings in different files")
            self._tbase = int(tfile._offset)
            self._pbase = int(pfile._offset)
            self._map = mmap.mmap(segment.fileno(), 0, access=mmap.ACCESS_READ)
        except (AttributeError, TypeError, ValueError, OSError) as exc:
            raise Unsupported(str(exc)) from exc

    def term_info(self, fieldname: str, text: str) -> bytes | None:
        """The term's W3TermInfo bytes, or None when the segment does not have the term."""
        key = self._keycoder(fieldname, text.encode("utf-8"))
        keyhash = self._hashfn(key)
        tablestart, numslots = self._tables[keyhash & 255]
        if not numslots:
            return None
        m, base = self._map, self._tbase
        slot = (keyhash >> 8) % numslots
        for _ in range(numslots):
            slothash, itempos = _POINTER.unpack_from(m, base + tablestart + slot * _POINTER.size)
            if not itempos:
                return None
            if slothash == keyhash:
                keylen, datalen = _LENGTHS.unpack_from(m, base + itempos)
                start = base + itempos + _LENGTHS.size
                if keylen == len(key) and m[start:start + keylen] == key:
                    return m[start + keylen:start + keylen + datalen]
            slot = (slot + 1) % numslots
        return None

    def postings(self, info: bytes) -> bytes | None:
        """The raw posting blocks a term info points at; None when they are inlined in it."""
        if info[0]:  # flags: the postings are pickled inside the term info
            return None
        offset, length = _EXTENT.unpack_from(info, _TERMINFO.size)
        start = self._pbase + offset
        return self._map[start:start + length]

    def close(self) -> None:
        self._map.close()
