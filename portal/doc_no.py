"""The 文号 grammar, declared once: the checker and the search both build on it.

文号 = 发文机关代字 〔year〕 serial 号, e.g. ``示政办发〔2024〕12号`` (GB/T 9704: the year in 六角括号, the
serial without leading zeros and without 第). Front matter must hold that exact form; citizens type
[2024], (2024) or 【2024】, full-width digits, spaces, 第 and leading zeros, and documents cite it
in running text, so the search matches a looser form and brings every match to ``canonical``.
"""

from __future__ import annotations

import re

# Chinese characters as editors write them: CJK Unified Ideographs, Extension A and the
# compatibility block. The search's analysis reads the same class.
CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
ISSUER_MAX = 12  # characters of a 发文机关代字 (the longest joint issuers run to about ten)
YEAR = r"(?:19|20)\d\d"
SERIAL_DIGITS = 5

# as front matter must hold it; groups: issuer, year, serial
DOC_NO_RE = re.compile(
    rf"^([{CJK_CHARS}]{{1,{ISSUER_MAX}}})〔({YEAR})〕([1-9]\d{{0,{SERIAL_DIGITS - 1}}})号$")

# Brackets people type around the year instead of 〔〕 (after NFKC, which already turns
# full-width ［］（） into ASCII and ﹝﹞ into 〔〕).
OPEN_BRACKETS = r"\[\(【〔{〈《「"
CLOSE_BRACKETS = r"\]\)】〕}〉》」"
# As people type and cite it, over NFKC-folded text. The issuer's quantifier is possessive: giving
# back a character could never help (what follows the issuer is a space or a bracket, never a
# Chinese character), and not trying it makes the search's scan of a document ~3x faster.
LOOSE_DOC_NO_RE = re.compile(
    rf"([{CJK_CHARS}]{{1,{ISSUER_MAX}}}+)\s*[{OPEN_BRACKETS}]\s*({YEAR})\s*[{CLOSE_BRACKETS}]"
    rf"\s*第?\s*0*(\d{{1,{SERIAL_DIGITS}}})\s*号")


def canonical(issuer: str, year: str, serial: str) -> str:
    """The exact form of a 文号 from its parts: 〔〕 around the year, no leading zeros."""
    return f"{issuer}〔{year}〕{int(serial)}号"
