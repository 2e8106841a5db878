"""What odd characters in people's text become: decided here, once, for every form and the API.

Text is *cleaned*, not rejected: citizens paste from Word, WeChat and PDF viewers, which bring
invisible characters nobody typed on purpose, and "your text contains U+202E" is no message a
person can act on. Cleaning removes

* C0 control characters except line feed and tab (NUL, ESC, backspace …), DEL and C1 controls:
  terminals and mail clients act on them, and PostgreSQL refuses NUL in text outright;
* bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): they reorder
  what staff read ("申请.exe" shown as "申请exe.") and are never needed in Chinese text;
* lone surrogates (valid in JSON "\\ud800", impossible in UTF-8, so unstorable), the byte-order
  mark U+FEFF and the non-characters U+FFFE/U+FFFF;

turns CR LF and lone CR into LF, and in single-line fields turns line feeds and tabs into spaces.
Everything else (all of CJK, emoji, full-width forms, zero-width joiners inside emoji) is kept.
Length limits count the cleaned text.
"""

from __future__ import annotations

import re
from typing import Any

_DROP = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 except \t \n \r, DEL, C1
    "\u202a-\u202e\u2066-\u2069"  # bidi embeddings, overrides, isolates
    "\ud800-\udfff"  # lone surrogates
    "\ufeff\ufffe\uffff]"
)
_NEWLINES = re.compile(r"\r\n?")
_LINE_BREAKS = re.compile(r"[\n\t]")


def clean_text(value: str, *, multiline: bool = False) -> str:
    """``value`` without the characters above, surrounding whitespace stripped."""
    value = _DROP.sub("", _NEWLINES.sub("\n", value))
    if not multiline:
        value = _LINE_BREAKS.sub(" ", value)
    return value.strip()


def clean_or_keep(value: Any, *, multiline: bool = False) -> Any:
    """:func:`clean_text` for strings; anything else (None, booleans, lists) unchanged."""
    return clean_text(value, multiline=multiline) if isinstance(value, str) else value
