"""What the masking detectors share: the kinds of personal data, a found span, and the normalised
text they all read.

Normalisation maps the text character for character (full-width to ASCII, the dashes to ``-``,
digits written in Chinese numerals to ASCII digits), so every offset in the normalised text is the
same offset in the original and a span found in one is replaced in the other.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import NamedTuple


class Kind(StrEnum):
    """A class of personal data; each has its own marker (``formsvc.services.masking``)."""

    ID = "id"
    PHONE = "phone"
    BANK_CARD = "bank_card"
    EMAIL = "email"
    QQ = "qq"
    WECHAT = "wechat"
    PLATE = "plate"
    NAME = "name"
    ADDRESS = "address"


class Span(NamedTuple):
    """``text[start:end]`` is personal data of ``kind``."""

    start: int
    end: int
    kind: Kind


DIGITS = "0123456789"
# one character for one character: ＡＢＣ１２３＠．, the ideographic space, every dash people type
_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_WIDTH[0x3000] = ord(" ")
_WIDTH.update({ord(c): ord("-") for c in "‐‑‒–—―−﹣"})
_WIDTH.update({ord(c): ord(".") for c in "·•・"})

# 幺 (yao) is how 1 is read out in phone numbers; 〇/○ are written for 0 as often as 零
_CHINESE_DIGITS = {"〇": "0", "零": "0", "○": "0", "一": "1", "壹": "1", "幺": "1", "二": "2",
                   "贰": "2", "三": "3", "叁": "3", "四": "4", "肆": "4", "五": "5", "伍": "5",
                   "六": "6", "陆": "6", "七": "7", "柒": "7", "八": "8", "捌": "8", "九": "9",
                   "玖": "9"}
_ANY_DIGIT = "".join(_CHINESE_DIGITS) + DIGITS
# what may stand between the pieces of one number: "139 1234", "0579-8212", "(0579)8212", "0579 - 8"
NUMBER_GAP = re.compile(r"[ \t\-.()]{1,3}")
# a slash also stands inside numbers ("139/1234/0006"); pii_numbers says when it joins pieces
_DIGIT_RUN = re.compile(rf"[{_ANY_DIGIT}](?:[ \t\-.()/]{{0,3}}[{_ANY_DIGIT}])*")
# a run of Chinese numerals becomes digits only when it is as long as the shortest local phone
# number: shorter ones are dates (二〇二四), counts (一一) and words
_MIN_CHINESE_RUN = 7
_TO_ASCII = str.maketrans(_CHINESE_DIGITS)
_HAS_CHINESE_DIGIT = re.compile(f"[{''.join(_CHINESE_DIGITS)}]")


def normalise(text: str) -> str:
    """``text`` with full-width forms, dashes and long Chinese-numeral runs as ASCII, same length."""
    flat = text.translate(_WIDTH)
    if not _HAS_CHINESE_DIGIT.search(flat):
        return flat
    parts, last = [], 0
    for run in _DIGIT_RUN.finditer(flat):
        chars = run.group()
        digits = sum(c in _ANY_DIGIT for c in chars)
        if digits >= _MIN_CHINESE_RUN and any(c in _CHINESE_DIGITS for c in chars):
            parts += [flat[last:run.start()], chars.translate(_TO_ASCII)]
            last = run.end()
    parts.append(flat[last:])
    return "".join(parts)


def digits_of(value: str) -> str:
    """The ASCII digits of ``value`` after normalisation (full-width, Chinese numerals)."""
    return "".join(c for c in normalise(value) if c in DIGITS)
