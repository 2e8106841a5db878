"""Masking personal data before anything goes public (letters, comments, search snippets, feeds,
open data): 居民身份证 numbers, phones, bank cards, e-mail addresses, QQ and WeChat IDs, licence
plates, addresses, and the submitter's own name, phone, e-mail, ID and address wherever they recur.

The text is normalised first (full-width forms, Chinese numerals, dashes: ``pii_text``), numbers are
read across the separators people put in them (``pii_numbers``), the other classes are patterns
(``pii_patterns``); the county's own published numbers (``public_numbers``) are never masked.
Masking is the default; staff then read the proposed text, with every masked span and every number
left highlighted (``review``), because no pattern catches everything (an address written as prose,
the name of a third person).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from formsvc.services import pii_numbers, pii_patterns
from formsvc.services.pii_text import NUMBER_GAP, Kind, Span, digits_of, normalise

PHONE_MASK = "[电话已隐去]"
EMAIL_MASK = "[邮箱已隐去]"
ID_MASK = "[证件号码已隐去]"
ADDRESS_MASK = "[地址已隐去]"
BANK_CARD_MASK = "[银行卡号已隐去]"
QQ_MASK = "[QQ号已隐去]"
WECHAT_MASK = "[微信号已隐去]"
PLATE_MASK = "[车牌号已隐去]"
NAME_MASK_SUFFIX = "**"
MARKERS = {Kind.PHONE: PHONE_MASK, Kind.EMAIL: EMAIL_MASK, Kind.ID: ID_MASK,
           Kind.ADDRESS: ADDRESS_MASK, Kind.BANK_CARD: BANK_CARD_MASK, Kind.QQ: QQ_MASK,
           Kind.WECHAT: WECHAT_MASK, Kind.PLATE: PLATE_MASK}
# what review() calls the spans that are not masked but worth a second look
PUBLIC, DIGITS = "public", "digits"

# text that is already a marker is never read again, so masking twice changes nothing
_ALREADY_MASKED = re.compile(r"\[[^\[\]\s]{1,12}已隐去\]|[^\s*]\*\*")
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
                      "宇文", "司徒", "夏侯", "令狐", "端木", "澹台", "申屠", "轩辕", "呼延", "南宫",
                      "万俟", "闻人", "独孤", "西门", "百里", "太史", "钟离", "赫连", "拓跋", "第五")
_PERSON_NAME = re.compile(r"[\u4e00-\u9fff]{2,4}|[\u4e00-\u9fff]{1,8}[·.][\u4e00-\u9fff]{1,8}")
_ORGANISATION = re.compile(r"(?:公司|厂|店|行|部|社|中心|协会|学校|医院|事务所|工作室|商会|集团|银行)$")
_NUMERIC = re.compile(r"[+()0-9\s\-.]+[Xx]?")
_MIN_EMAIL_LOCAL = 6  # "zhang" alone is a surname in pinyin, not an address
_LEFT_DIGITS = re.compile(rf"[0-9](?:(?:{NUMBER_GAP.pattern})?[0-9]){{4,}}")


class Masked(NamedTuple):
    """``text[start:end]`` is replaced by ``marker`` (``kind`` says which class it is)."""

    start: int
    end: int
    kind: Kind
    marker: str


class Segment(NamedTuple):
    """A piece of the masked text for the reviewer: ``kind`` is a class (masked), ``PUBLIC`` (a
    published number, kept), ``DIGITS`` (digits left in, to check) or None (plain text)."""

    text: str
    kind: str | None


def mask_name(name: str) -> str:
    """张三 → 张**; an organisation keeps no more than its first character either."""
    name = (name or "").strip()
    return (name[0] + NAME_MASK_SUFFIX) if name else "匿名"


def mask_text(text: str, known: Iterable[str] = (), public_numbers: Iterable[str] = ()) -> str:
    """``text`` with personal data and the given known values (the citizen's own name, phone,
    e-mail, address, ID number) replaced by markers; ``public_numbers`` are never masked."""
    text = _as_text(text)
    return _apply(text, masked_spans(text, known, public_numbers))


def contains_personal_data(text: str, known: Iterable[str] = (),
                           public_numbers: Iterable[str] = ()) -> bool:
    """True when masking would change ``text``: the publish step refuses such text."""
    return bool(masked_spans(text, known, public_numbers))


def masked_spans(text: str, known: Iterable[str] = (),
                 public_numbers: Iterable[str] = ()) -> list[Masked]:
    """What ``mask_text`` replaces, in the order of the text (offsets into ``text``)."""
    return [m for m in _read(_as_text(text), known, public_numbers) if m.marker]


def review(text: str, known: Iterable[str] = (),
           public_numbers: Iterable[str] = ()) -> list[Segment]:
    """The masked text in pieces for the reviewer: every marker, every published number kept and
    every run of five or more digits left in is its own segment. ``text`` may be masked already
    (a proposal waiting for approval): its markers are segments of their class too."""
    text = _as_text(text)
    segments: list[Segment] = []
    at = 0
    for m in _read(text, known, public_numbers, markers=True):
        segments += _plain(text[at:m.start])
        segments.append(Segment(m.marker, m.kind) if m.marker else
                        Segment(text[m.start:m.end], PUBLIC))
        at = m.end
    return segments + _plain(text[at:])


def _as_text(text: object) -> str:
    """None is no text; a number given where text belongs is masked as its digits."""
    return "" if text is None else str(text)


def _plain(text: str) -> list[Segment]:
    out, at = [], 0
    for m in _LEFT_DIGITS.finditer(normalise(text)):
        out += [Segment(text[at:m.start()], None), Segment(text[m.start():m.end()], DIGITS)]
        at = m.end()
    out.append(Segment(text[at:], None))
    return [s for s in out if s.text]


def _apply(text: str, spans: list[Masked]) -> str:
    parts, at = [], 0
    for m in spans:
        parts += [text[at:m.start], m.marker]
        at = m.end
    parts.append(text[at:])
    return "".join(parts)


@dataclass
class _Known:
    """The submitter's own values, sorted by how they are looked for."""

    digits: dict[str, Kind] = field(default_factory=dict)
    # (exact text, kind, replacement), longest first
    exact: list[tuple[str, Kind, str]] = field(default_factory=list)
    # looked for after the patterns, which know better where a span ends: the given name alone
    # (三丰 of 张三丰 in 三丰路12号), the local part of the e-mail address on its own, the phone
    # (+86 13907770123 is one number)
    late: list[tuple[str, Kind, str]] = field(default_factory=list)


def _values(values: Iterable[str] | str | None) -> list[str]:
    """The non-empty values as strings; one string is one value, not a list of characters."""
    if isinstance(values, str):
        values = [values]
    return [str(v).strip() for v in values or () if v is not None and str(v).strip()]


def _read_known(known: Iterable[str]) -> _Known:
    out = _Known()
    for value in _values(known):
        if len(value) < 2:
            continue
        flat = normalise(value)
        if pii_patterns.find_emails(flat) == [Span(0, len(flat), Kind.EMAIL)]:
            out.exact.append((value, Kind.EMAIL, EMAIL_MASK))
            local = value.split("@", 1)[0]
            if len(local) >= _MIN_EMAIL_LOCAL:
                out.late.append((local, Kind.EMAIL, EMAIL_MASK))
        elif _NUMERIC.fullmatch(flat):
            _read_known_number(flat, out)
        elif flat.isascii() and any(c.isdigit() for c in flat):  # 统一社会信用代码, a passport
            out.exact.append((value, Kind.ID, ID_MASK))
        elif flat.isascii() or _ORGANISATION.search(value):  # a name in letters, a company
            out.exact.append((value, Kind.NAME, mask_name(value)))
        elif _PERSON_NAME.fullmatch(value):
            out.exact.append((value, Kind.NAME, mask_name(value)))
            given = _given_name(value)
            if len(given) >= 2:
                out.late.append((given, Kind.NAME, mask_name(value)))
        else:
            out.exact.append((value, Kind.ADDRESS, ADDRESS_MASK))
    for values in (out.exact, out.late):
        values.sort(key=lambda e: len(e[0]), reverse=True)
    return out


def _read_known_number(flat: str, out: _Known) -> None:
    digits = digits_of(flat) + ("X" if flat[-1] in "Xx" else "")
    if pii_numbers.id_shaped(digits):
        out.digits[digits] = Kind.ID
        out.exact.append((flat, Kind.ID, ID_MASK))
        return
    if len(digits) < pii_numbers.MIN_DIGITS or not digits.isdigit():
        return
    out.late.append((flat, Kind.PHONE, PHONE_MASK))  # where no number is read (abc13907770123)
    for form in [digits, *pii_numbers.shorter_forms(digits)]:
        out.digits[form] = Kind.PHONE


def _given_name(name: str) -> str:
    if "·" in name or "." in name:
        return ""
    surname = next((s for s in _COMPOUND_SURNAMES if name.startswith(s)), name[0])
    return name[len(surname):]


def _public_keys(public_numbers: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    """(the published values compared without separators, the digits of the numbers)."""
    values = _values(public_numbers)
    keys = frozenset(k for k in (_key(v) for v in values) if k)
    digits = frozenset(d for d in (digits_of(v) for v in values) if len(d) >= 3)
    return keys, digits


def _key(value: str) -> str:
    return "".join(c for c in normalise(value).upper() if c.isalnum())


def _read(text: str, known: Iterable[str], public_numbers: Iterable[str],
          markers: bool = False) -> list[Masked]:
    """Every span found, masked ones with their marker and published ones with marker ''; with
    ``markers`` the markers already in ``text`` too (as spans replaced by themselves)."""
    if not text:
        return []
    flat = normalise(text)
    own = _read_known(known)
    public_keys, public_digits = _public_keys(public_numbers)
    spans = _Spans(flat, public_keys)
    for m in _ALREADY_MASKED.finditer(text):
        spans.claim(m.start(), m.end(), Masked(m.start(), m.end(), _marker_kind(m.group()),
                                               m.group()) if markers else None)
    # the first to claim a character keeps it: the submitter's own values, then the classes
    # whose pattern is surest, addresses (the loosest) last
    spans.claim_known(own.exact)
    for span in pii_patterns.find_emails(flat) + pii_patterns.find_im_ids(flat):
        spans.claim(span.start, span.end, Masked(*span, MARKERS[span.kind]))
    for number in pii_numbers.find_numbers(flat, own.digits, public_digits):
        kind = number.kind or Kind.PHONE
        spans.claim(number.start, number.end,
                    Masked(number.start, number.end, kind, MARKERS[kind] if number.kind else ""))
    for span in pii_patterns.find_plates(flat) + pii_patterns.find_addresses(flat):
        spans.claim(span.start, span.end, Masked(*span, MARKERS[span.kind]))
    spans.claim_known(own.late)
    return spans.found()


def _marker_kind(marker: str) -> Kind:
    """The class a marker stands for; a masked name (张**) has no marker of its own."""
    return next((k for k, v in MARKERS.items() if v == marker), Kind.NAME)


class _Spans:
    """The spans claimed so far: disjoint, in the order of the text."""

    def __init__(self, flat: str, public_keys: frozenset[str]) -> None:
        self.flat, self.public_keys = flat, public_keys
        self._starts: list[int] = []
        self._spans: list[tuple[int, int, Masked | None]] = []

    def claim(self, start: int, end: int, span: Masked | None) -> None:
        """Take ``flat[start:end]`` for ``span`` (None: for nobody) unless part of it is taken;
        a published value is kept unmasked."""
        at = bisect.bisect_left(self._starts, end)
        # spans are disjoint, so the last one starting before ``end`` reaches furthest
        if at and self._spans[at - 1][1] > start:
            return
        if span and span.marker and self.public_keys and _is_public(self.flat[start:end],
                                                                    self.public_keys):
            span = span._replace(marker="")
        self._starts.insert(at, start)
        self._spans.insert(at, (start, end, span))

    def claim_known(self, values: list[tuple[str, Kind, str]]) -> None:
        for value, kind, replacement in values:
            for m in re.finditer(re.escape(normalise(value)), self.flat, re.IGNORECASE):
                self.claim(m.start(), m.end(), Masked(m.start(), m.end(), kind, replacement))

    def found(self) -> list[Masked]:
        return [span for _, _, span in self._spans if span]


def _is_public(found: str, public_keys: frozenset[str]) -> bool:
    key = _key(found)
    return bool(key) and any(key == p or (len(key) >= 5 and key in p) for p in public_keys)
