"""The 索引号 grammar, declared once: the checker, ``scripts/new`` and the search all build on it.

索引号 = 组织机构代码 / year - 5-digit serial, e.g. ``01150001-1/2024-00012``. The organisation code
is 8 digits or capital letters, a hyphen and a check character: codes taken from a 统一社会信用代码
carry letters (``MA1G4XYZ-8/2024-00012``). Front matter must hold the exact form; citizens type it
in lower case, with spaces or without the leading zeros, and documents cite it in running text,
so the search matches a looser form and brings every match to ``canonical``.
"""

from __future__ import annotations

import re

# the parts, each once
ORG_CHARS = "0-9A-Z"  # digits and capitals: 统一社会信用代码 use no other characters
ORG_LENGTH = 8  # characters before the hyphen and the check character


def _org_parts(chars: str) -> tuple[str, str]:
    """The organisation code's body and check character over a character class."""
    return rf"[{chars}]{{{ORG_LENGTH}}}", rf"[{chars}]"


ORG_BODY, CHECK_CHAR = _org_parts(ORG_CHARS)
YEAR = r"(?:19|20)\d\d"
SERIAL_DIGITS = 5
ORG_CODE = rf"{ORG_BODY}-{CHECK_CHAR}"
INDEX_NO = rf"({ORG_CODE})/({YEAR})-(\d{{{SERIAL_DIGITS}}})"

# 组织机构代码 of the department registry
ORG_CODE_RE = re.compile(rf"^{ORG_CODE}$")
# a 索引号 as front matter must hold it; groups: organisation code, year, serial
INDEX_NO_RE = re.compile(rf"^{INDEX_NO}$")
# the index_no line of a front matter that YAML cannot read (its number must stay known)
INDEX_LINE_RE = re.compile(rf"^index_no:\s*[\"']?({ORG_CODE}/{YEAR}-\d{{{SERIAL_DIGITS}}})", re.M)
# as people type and cite it: any case, spaces around the separators, serial without its zeros;
# not the tail of a longer run of letters and digits. Lower case is spelt out in the classes:
# re.IGNORECASE made the search's scan of every document a third slower.
_ANY_CASE = f"{ORG_CHARS}a-z"
_LOOSE_BODY, _LOOSE_CHECK = _org_parts(_ANY_CASE)
LOOSE_INDEX_NO_RE = re.compile(
    rf"(?<![{_ANY_CASE}])({_LOOSE_BODY})\s*-\s*({_LOOSE_CHECK})\s*/\s*({YEAR})\s*-\s*"
    rf"(\d{{1,{SERIAL_DIGITS}}})")


def canonical(match: re.Match[str]) -> str:
    """The exact form of a ``LOOSE_INDEX_NO_RE`` match: capitals, 5-digit serial."""
    body, check, year, serial = match.groups()
    return f"{body.upper()}-{check.upper()}/{year}-{int(serial):0{SERIAL_DIGITS}d}"
