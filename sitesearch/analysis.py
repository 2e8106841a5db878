"""Chinese text analysis for the site search: normalisation, character bigrams, 文号 and 索引号.

Chosen on measured figures (``docs/search.md``): every run of Chinese characters is indexed as
overlapping character bigrams, so a word is found wherever it occurs, also inside a longer compound
(审批 in 行政审批). jieba's segmentation depends on context and missed documents; the comparison
lives with the harnesses (``harness.search.jieba_text``, ``scripts/bench-search --quality``).

The same functions run at index time and at query time; that is what makes matching exact.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from whoosh import fields
from whoosh.analysis import Token, Tokenizer
from whoosh.system import pack_uint

from portal import doc_no, index_no

# The characters editors write (CJK Unified Ideographs, Extension A, the compatibility block).
_CJK = doc_no.CJK_CHARS
_RUNS = re.compile(rf"([{_CJK}]+)|([0-9a-z]+)")
_CJK_RUN = re.compile(rf"^[{_CJK}]+$")

# 发文机关代字 + 〔year〕 + serial + 号 as people type it (``portal.doc_no``, the checker's grammar).
# Mentions in running text also get the words before the issuer, so ``code_terms`` indexes every
# 2–6 character suffix.
_DOC_NO = doc_no.LOOSE_DOC_NO_RE
# What ``index_counts`` counts: overlapping bigrams inside Chinese runs, the last character of each
# run, whole ASCII words (the same multiset of tokens as ``index_tokens``).
_BIGRAMS = re.compile(rf"(?=([{_CJK}]{{2}}))")
_RUN_ENDS = re.compile(rf"[{_CJK}](?![{_CJK}])")
_WORDS = re.compile(r"[0-9a-z]+")
_DASHES = str.maketrans({c: "-" for c in "‐‑‒–—―−﹣"})


class _FoldTable(dict):
    """``str.translate`` table: a character to its NFKC lower-case form when that is one character.

    Filled the first time a character is seen, so folding runs at C speed afterwards (whole-string
    NFKC is ~2x slower on Chinese text, whose full-width punctuation defeats its quick check).
    Keeping one character per character also keeps offsets, which snippets rely on.
    """

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        folded = unicodedata.normalize("NFKC", ch).lower().translate(_DASHES)
        self[code] = value = folded if len(folded) == 1 else ch
        return value


_FOLD = _FoldTable()


def normalize(text: str) -> str:
    """Full-width digits, letters and brackets to ASCII, lower case; on documents and queries alike.

    Offsets are kept: ``normalize(text)[i]`` is the folded ``text[i]``.
    """
    return text.translate(_FOLD)


def runs(text: str) -> list[tuple[str, str]]:
    """The runs of the normalised text in order: (Chinese run, "") or ("", letters and digits)."""
    return _RUNS.findall(normalize(text))


def index_tokens(text: str) -> list[str]:
    """Tokens of a text for the index, in order (a token's index is its position).

    A Chinese run gives its bigrams plus its last character alone, so that a one-character query
    (a prefix query) finds the character also where it ends a run; letters and digits stay whole.
    """
    return _tokens(runs(text), lambda i, n: True)


def _tokens(parts: list[tuple[str, str]], last_char: Callable[[int, int], bool]) -> list[str]:
    """Bigrams of Chinese runs, whole ASCII words; a run's last character alone where
    ``last_char(i, len(parts))`` says so for run ``i`` (one-character runs are always alone)."""
    out: list[str] = []
    for i, (cjk, word) in enumerate(parts):
        if word:
            out.append(word)
        elif len(cjk) == 1:
            out.append(cjk)
        else:
            out.extend([cjk[j : j + 2] for j in range(len(cjk) - 1)])
            if last_char(i, len(parts)):
                out.append(cjk[-1])
    return out


def index_counts(normalized: str) -> Counter[str]:
    """How often each token of ``index_tokens`` occurs, given the ``normalize``d text.

    The index stores no positions, only these counts. Three C-level scans instead of a Python loop
    per run: ~2x faster, and the caller normalises once for this and ``codes_in``. The tests check
    that it equals ``Counter(index_tokens(text))``.
    """
    counts = Counter(_BIGRAMS.findall(normalized))
    counts.update(_RUN_ENDS.findall(normalized))
    counts.update(_WORDS.findall(normalized))
    return counts


class CountedText(str):
    """A text that carries its ``index_counts``: the writer then need not tokenise it again.

    Still a ``str`` for every other reader of a document's field values (the quality comparison
    with jieba in ``harness.search``).
    """

    counts: Counter[str]

    @classmethod
    def of(cls, normalized: str, text: str) -> CountedText:
        out = cls(text)
        out.counts = index_counts(normalized)
        return out


def query_tokens(word: str, *, phrase: bool = False) -> list[str]:
    """Tokens a query word must match: bigrams of Chinese runs, whole ASCII words.

    A one-character Chinese run is returned alone; ``sitesearch.query`` turns it into a prefix
    query. In a phrase, inner runs keep their last-character token so positions line up with
    ``index_tokens``; the final run does not, because in the document the run may go on.
    """
    return _tokens(runs(word), lambda i, n: phrase and i < n - 1)


def is_single_char(token: str) -> bool:
    """A one-character Chinese token: matched by prefix (see ``index_tokens``)."""
    return len(token) == 1 and bool(_CJK_RUN.fullmatch(token))


def normalize_doc_no(text: str) -> str | None:
    """The canonical 文号 (示政办〔2024〕12号) of a string that is one, else None.

    Accepts [2024], (2024), 【2024】, ［2024］, （2024）, full-width digits, spaces and leading zeros.
    """
    m = _DOC_NO.fullmatch(normalize(text).strip())
    return doc_no.canonical(m[1], m[2], m[3]) if m else None


def normalize_index_no(text: str) -> str | None:
    """The canonical 索引号 (01150001-1/2024-00012) of a string that is one, else None.

    The grammar is the checker's (``portal.index_no``), so every number it accepts is found.
    """
    m = index_no.LOOSE_INDEX_NO_RE.fullmatch(normalize(text).strip())
    return index_no.canonical(m) if m else None


def normalize_code(text: str) -> str | None:
    """A 文号 or 索引号 in canonical form, else None: the one function used on both sides."""
    return normalize_doc_no(text) or normalize_index_no(text)


def code_terms(text: str) -> set[str]:
    """Canonical 文号 and 索引号 mentioned anywhere in a text, for exact lookup.

    A 文号 in running text has no clear start (根据示政办〔2024〕12号), so every 2–6 character
    suffix of the issuer is indexed; a query for any of them then matches exactly.
    """
    return codes_in(normalize(text))


def codes_in(norm: str) -> set[str]:
    """``code_terms`` of an already ``normalize``d text."""
    out: set[str] = set()
    for m in _DOC_NO.finditer(norm):
        issuer, rest = m[1], doc_no.canonical("", m[2], m[3])
        for n in range(2, min(6, len(issuer)) + 1):
            out.add(issuer[-n:] + rest)
        if len(issuer) < 2:
            out.add(issuer + rest)
    out.update(index_no.canonical(m) for m in index_no.LOOSE_INDEX_NO_RE.finditer(norm))
    return out


class BigramTokenizer(Tokenizer):
    """Whoosh tokenizer over ``index_tokens`` (query parsing; indexing goes through BigramText)."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "",
                 **kwargs) -> Iterator[Token]:
        t = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, text in enumerate(index_tokens(value), start_pos):
            t.text = text
            t.boost = 1.0
            t.stopped = False
            if positions:
                t.pos = pos
            yield t


class BigramText(fields.TEXT):
    """A TEXT field of bigram frequencies whose ``index`` skips Whoosh's per-token objects.

    No positions are stored: a quoted phrase is checked against the stored text instead
    (``sitesearch.query``), which halves the index and speeds up indexing.
    ``Counter`` counts in C; the generic analyzer path builds a Token object per bigram.
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(analyzer=BigramTokenizer(), phrase=False, **kwargs)

    def index(self, value: str, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        """Postings of a text (its ``index_counts`` when it is a ``CountedText``)."""
        boost = self.format.field_boost
        counts = getattr(value, "counts", None) or Counter(index_tokens(value))
        for tok, freq in counts.items():
            yield tok.encode("utf-8"), freq, freq * boost, packed_frequency(freq)


def packed_frequency(freq: int, _cache: dict[int, bytes] = {}) -> bytes:  # noqa: B006 - a memo
    """Whoosh's Frequency posting value (a packed uint), memoised: most frequencies are small."""
    value = _cache.get(freq)
    if value is None:
        value = _cache[freq] = pack_uint(freq)
    return value
