"""Masking personal data before anything goes public: names, and phone, e-mail, ID and address
patterns inside free text.

Masking is the default; staff then read and edit the public text before publishing, because no
pattern catches everything (an address written as prose, a name of a third person).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

PHONE_MASK = "[电话已隐去]"
EMAIL_MASK = "[邮箱已隐去]"
ID_MASK = "[证件号码已隐去]"
ADDRESS_MASK = "[地址已隐去]"
NAME_MASK_SUFFIX = "**"

_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# 居民身份证 (18, or the old 15 digits), passport-like codes and 统一社会信用代码 are all caught by
# "a long run of digits, maybe ending in X"
_ID_RE = re.compile(r"(?<![0-9A-Za-z])\d{15}(?:\d{2}[0-9Xx])?(?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d(?:[\s-]?\d{4}){2}(?!\d)")
_LANDLINE_RE = re.compile(r"(?<!\d)(?:0\d{2,3}[\s\-－—]?)?\d{7,8}(?!\d)")
# 某某路 12 号, 某某街 3 号院 5 栋 2 单元 301 室, 某小区 8 号楼 …; the name before 路/街 stops at
# words like 到/住/在, which start a clause rather than a place name
_ADDRESS_RE = re.compile(
    r"(?:(?![到在住于至往和及的是了从向去近旁])[\u4e00-\u9fa5A-Za-z0-9]){0,8}"
    r"(?:路|街|巷|道|大道|胡同|小区|花园|村|组|社区|苑|公寓)"
    r"[\u4e00-\u9fa5]{0,4}\d+(?:[-－]\d+)?\s*(?:号|弄|栋|幢|楼|单元|室|户|组)"
    r"(?:[\u4e00-\u9fa5]{0,4}\d+\s*(?:号|弄|栋|幢|楼|单元|室|户))*")


def mask_name(name: str) -> str:
    """张三 → 张**; an organisation keeps no more than its first character either."""
    name = (name or "").strip()
    return (name[0] + NAME_MASK_SUFFIX) if name else "匿名"


def mask_text(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with personal data patterns and the given known values (the citizen's own name,
    phone, e-mail, address, ID number) replaced by markers."""
    out = text or ""
    # exact known values first: they may not look like any pattern (a name, a free-form address)
    for value in sorted({v.strip() for v in known if v and len(v.strip()) >= 2},
                        key=len, reverse=True):
        out = out.replace(value, _marker_for(value))
    out = _EMAIL_RE.sub(EMAIL_MASK, out)
    out = _ID_RE.sub(ID_MASK, out)
    out = _MOBILE_RE.sub(PHONE_MASK, out)
    out = _LANDLINE_RE.sub(PHONE_MASK, out)
    out = _ADDRESS_RE.sub(ADDRESS_MASK, out)
    return out


def _marker_for(value: str) -> str:
    if _EMAIL_RE.fullmatch(value):
        return EMAIL_MASK
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 15:
        return ID_MASK
    if len(digits) >= 7:
        return PHONE_MASK
    if len(value) <= 4:  # a personal name
        return mask_name(value)
    return ADDRESS_MASK


def contains_personal_data(text: str, known: Iterable[str] = ()) -> bool:
    """True when masking would change ``text``: the publish step refuses such text."""
    return mask_text(text, known) != (text or "")
