"""jieba segmentation, for the measured comparison with bigrams only (docs/search.md).

The site search indexes character bigrams (``sitesearch.analysis``); ``harness.search.quality``
builds a second index with these words and compares recall and precision on the same queries.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from typing import Any

from whoosh import fields

from sitesearch.analysis import BigramTokenizer, packed_frequency, runs

_JIEBA = None


def jieba_module() -> Any:
    """jieba, loaded once and quietly (its dictionary costs ~0.7 s; it logs to stderr)."""
    global _JIEBA
    if _JIEBA is None:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _JIEBA = jieba
    return _JIEBA


def jieba_tokens(text: str) -> list[str]:
    """jieba search-mode words, positions counted in words (not characters, unlike ChineseAnalyzer)."""
    jb = jieba_module()
    out: list[str] = []
    for cjk, word in runs(text):
        if word:
            out.append(word)
        else:
            out.extend(w for w in jb.cut_for_search(cjk) if w.strip())
    return out


def jieba_query_tokens(word: str, *, phrase: bool = False) -> list[str]:
    """What a query word becomes under jieba: its search-mode words, all required."""
    return jieba_tokens(word)


class JiebaText(fields.TEXT):
    """TEXT indexed with jieba search-mode words (the comparison in docs/search.md only)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(analyzer=BigramTokenizer(), phrase=False, **kwargs)

    def index(self, value: str, **kwargs: Any) -> Iterator[tuple[bytes, int, float, bytes]]:
        for tok, freq in Counter(jieba_tokens(value)).items():
            yield tok.encode("utf-8"), freq, float(freq), packed_frequency(freq)
