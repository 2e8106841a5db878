"""Personal numbers in free text: 居民身份证, mobile and landline phones, bank cards.

People split numbers as they read them out ("139 1234 0006", "330106-19900101-1117"), so digits
are read in groups: runs of digits joined by a short separator (spaces, dots, dashes, brackets).
A whole group is classified first (an ID number in four pieces is one ID); a group that is no
number as a whole is split into pieces that are numbers on their own evidence (a check digit, the
shape of a mobile or of a landline with its area code). Bare local numbers and IDs whose check digit
fails are taken only where the words before them say what they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import NamedTuple

from formsvc.services.pii_text import NUMBER_GAP, Kind

_CHUNK = re.compile(r"[0-9]+")
_LETTER = re.compile(r"[A-Za-z]")
# 139/1234/0006 is one number, 82123456/82123457 two: a slash joins pieces unless both could
# be numbers of their own
_SLASH_GAP = re.compile(r"\s?/\s?")
_SPACED_X = re.compile(rf"(?:{NUMBER_GAP.pattern})[Xx](?![A-Za-z])")
# letters that may touch a number without making it a code (Tel13857901234)
_PREFIX_WORDS = ("tel", "phone", "mobile", "mob")
_EXTENSION = re.compile(r"\s*(?:转分机|转|分机|ext\.?|x)\s*([0-9]{1,5})(?![0-9])", re.IGNORECASE)
MIN_DIGITS = 7  # the shortest local phone number
_MAX_DIGITS = 19  # a bank card; an ID is 18, a mobile with 0086 15, a landline with extension 17

# the nearest of these words before a number says what it is
_LABELS = re.compile(
    r"(?:(?P<id>身份证|证件|身份|公民身份)"
    r"|(?P<code>编号|单号|批号|工号|户号|序号|案号|文号|证号|索引|注册|许可证|订单|合同|发票|流水|条码|型号"
    r"|车架|执照|代码)"
    r"|(?P<card>账户|帐户|卡|账|帐)"
    r"|(?P<phone>电话|座机|手机|固话|传真|联系|致电|拨打|打|来电|回电|热线|tel|phone|call|fax))(?:号码|号)?"
    r"|(?P<number>号码)", re.IGNORECASE)
_CONTEXT_CHARS = 10
_LIST = re.compile(r"[0-9 \t\-.()、,/或和及]+")
_BETWEEN_LISTED = re.compile(r"\s*(?:[、,/或和及]|或者)\s*")
# a quantity, a date or an ordinal, not a phone number
_UNIT_AFTER = re.compile(r"\s*(?:元|块|角|万|亿|千|百|年|月|日|号|时|点|分|秒|岁|人|次|个|件|份|户|亩|平|米|"
                         r"公里|千米|吨|斤|克|度|%|‰|条|页|字|天|周|台|辆|套|间|张|本|册|倍|kg|km|cm|mm)",
                         re.IGNORECASE)

_MOBILE = re.compile(r"(?:00)?(?:86)?(1[3-9][0-9]{9})")
# area codes are 010, 02x and 0xxx; 01xx is no real one but is what careless forms hold
_LANDLINE = re.compile(r"(0[1-9][0-9]{1,2})([2-9][0-9]{6,7})")
_LOCAL = re.compile(r"[2-9][0-9]{6,7}")
# first two digits of 居民身份证 numbers: the provinces' codes
_PROVINCES = {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36",
              "37", "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62",
              "63", "64", "65", "71", "81", "82"}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_LUHN_DOUBLED = {str(d): (2 * d) - 9 * (d > 4) for d in range(10)}


class Found(NamedTuple):
    """A personal number at ``text[start:end]``; ``kind`` None means a published number, kept."""

    start: int
    end: int
    kind: Kind | None


def id_check_digit(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character of an 18-digit 居民身份证 number."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def luhn_valid(digits: str) -> bool:
    """The Luhn check of bank card numbers."""
    total = sum(map(int, digits[-1::-2])) + sum(_LUHN_DOUBLED[d] for d in digits[-2::-2])
    return total % 10 == 0


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def id_shaped(number: str) -> bool:
    """Province code and a real birth date where a 15 or 18-character 居民身份证 number has them."""
    if len(number) not in (15, 18) or not number[:17].isdigit():
        return False
    if number[:2] not in _PROVINCES:
        return False
    if len(number) == 18:
        return 1900 <= int(number[6:10]) <= 2099 and _is_date(
            int(number[6:10]), int(number[10:12]), int(number[12:14]))
    return _is_date(1900 + int(number[6:8]), int(number[8:10]), int(number[10:12]))


class _Context(NamedTuple):
    phone: bool
    id: bool
    card: bool
    code: bool
    unit_after: bool


class _Reader:
    """Reads the numbers of one text; remembers what the words before each position say."""

    def __init__(self, flat: str, known: Mapping[str, Kind], public: frozenset[str]) -> None:
        self.flat, self.known, self.public = flat, known, public
        self._said: dict[int, str | None] = {}
        self.last_phone_end = -1

    def group(self, group: list[_Chunk]) -> list[Found]:
        """The numbers of one group: the split covering most digits with the fewest pieces."""
        n = len(group)
        # best[i]: (digits covered, -pieces, pieces) for the chunks from i on
        best: list[tuple[int, int, list[Found]]] = [(0, 0, [])] * (n + 1)
        for i in range(n - 1, -1, -1):
            best[i] = best[i + 1]
            number = ""
            for j in range(i, n):
                number += group[j].digits
                if len(number) > _MAX_DIGITS:
                    break
                piece = self.piece(group[i].start, group[j].end, number, whole=(i, j) == (0, n - 1))
                ext = group[j].digits
                if piece is None and j > i and len(ext) <= 5 and _LANDLINE.fullmatch(
                        number[:-len(ext)]):
                    # 010-62345678-802: the last piece is the extension
                    piece = self.piece(group[i].start, group[j - 1].end, number[:-len(ext)],
                                       whole=False)
                    piece = piece._replace(end=group[j].end) if piece else None
                if piece is None:
                    continue
                covered, pieces, items = best[j + 1]
                candidate = (covered + len(number), pieces - 1, [piece, *items])
                if candidate[:2] > best[i][:2]:
                    best[i] = candidate
        found = [self._with_extension(f) for f in best[0][2]]
        phones = [f.end for f in found if f.kind is Kind.PHONE]
        if phones:
            self.last_phone_end = phones[-1]
        return found

    def piece(self, start: int, end: int, number: str, whole: bool) -> Found | None:
        """``number`` at ``flat[start:end]`` as a number of its own, or None."""
        if len(number) < MIN_DIGITS:
            return None
        if _public_match(number.rstrip("X"), self.public):
            return Found(start, end, None)
        kind = self.classify(number, start, end, whole)
        if kind is None:
            return None
        # the sign or bracket that opens the number goes with it: +86 …, (0579)…
        flat = self.flat
        if start and (flat[start - 1] == "+" or (flat[start - 1] == "(" and ")" in flat[start:end])):
            start -= 1
        return Found(start, end, kind)

    def classify(self, number: str, start: int, end: int, whole: bool) -> Kind | None:
        """The kind of ``number`` (its digits, an ID's X kept) at ``flat[start:end]``, or None.

        ``whole``: the number is a whole group, so weaker evidence (the words before it) may
        decide.
        """
        bare = _MOBILE.fullmatch(number)
        for candidate in (number, bare.group(1) if bare else None):
            if candidate in self.known:
                return self.known[candidate]
        length = len(number)
        an_id = id_shaped(number)
        if an_id and length == 18 and number[17] == id_check_digit(number[:17]):
            return Kind.ID
        if bare:
            return Kind.PHONE
        landline = _LANDLINE.fullmatch(number)
        if not (an_id or landline or 16 <= length <= 19 or (whole and _LOCAL.fullmatch(number))):
            return None
        # the rest is weaker evidence, so the words around the number decide too
        ctx = self.context(start, end)
        if an_id and (ctx.id or (length == 15 and whole and not ctx.code and not ctx.unit_after)):
            return Kind.ID
        if not number.isdigit() or ctx.code:
            return None
        if landline:
            return Kind.PHONE
        if 16 <= length <= 19 and (luhn_valid(number) or ctx.card):
            return Kind.BANK_CARD
        if whole and _LOCAL.fullmatch(number) and ctx.phone and not ctx.unit_after and not (
                length == 8 and _is_date(int(number[:4]), int(number[4:6]), int(number[6:]))):
            return Kind.PHONE
        return None

    def context(self, start: int, end: int) -> _Context:
        if start not in self._said:
            # "电话82123456、82123457": the words before a list of numbers speak for each of them
            before = _LIST.sub("", self.flat[max(0, start - 4 * _CONTEXT_CHARS):start])
            labels = list(_LABELS.finditer(before[-_CONTEXT_CHARS:]))
            self._said[start] = labels[-1].lastgroup if labels else None
        said = self._said[start]
        # 0579-82123456/82123457: the next number in a list of phone numbers
        after_phone = self.last_phone_end >= 0 and bool(
            _BETWEEN_LISTED.fullmatch(self.flat, self.last_phone_end, start))
        return _Context(said in ("phone", "number") or after_phone, said == "id", said == "card",
                        said == "code", bool(_UNIT_AFTER.match(self.flat, end)))

    def _with_extension(self, found: Found) -> Found:
        ext = _EXTENSION.match(self.flat, found.end) if found.kind in (Kind.PHONE, None) else None
        return found._replace(end=ext.end()) if ext else found


def shorter_forms(digits: str) -> list[str]:
    """How else a phone number is written: a mobile without +86, a landline without area code."""
    forms = []
    mobile = _MOBILE.fullmatch(digits)
    if mobile and mobile.group(1) != digits:
        forms.append(mobile.group(1))
    landline = _LANDLINE.fullmatch(digits)
    if landline:
        forms.append(landline.group(2))
    return forms


class _Chunk(NamedTuple):
    start: int
    end: int
    digits: str


def _groups(flat: str) -> list[list[_Chunk]]:
    groups: list[list[_Chunk]] = []
    for m in _CHUNK.finditer(flat):
        start, end, digits = m.start(), m.end(), m.group()
        # an ID's check character X belongs to the number
        if end < len(flat) and flat[end] in "Xx" and not _LETTER.match(flat, end + 1):
            end, digits = end + 1, digits + "X"
        if _touches_letters(flat, start, end):
            continue
        chunk = _Chunk(start, end, digits)
        prev = groups[-1][-1] if groups else None
        if prev and not prev.digits.endswith("X") and (
                NUMBER_GAP.fullmatch(flat, prev.end, start) or (
                    _SLASH_GAP.fullmatch(flat, prev.end, start)
                    and min(len(prev.digits), len(digits)) < MIN_DIGITS)):
            groups[-1].append(chunk)
        else:
            groups.append([chunk])
        # "330106 19900101 111 X": the X after a gap, where 17 digits stand before it
        spaced_x = _SPACED_X.match(flat, end)
        if spaced_x and sum(len(c.digits) for c in groups[-1]) == 17:
            groups[-1][-1] = _Chunk(start, spaced_x.end(), digits + "X")
    return groups


def _touches_letters(flat: str, start: int, end: int) -> bool:
    if end < len(flat) and _LETTER.match(flat, end):
        return True
    if start == 0 or not _LETTER.match(flat, start - 1):
        return False
    word_start = start - 1
    while word_start > 0 and _LETTER.match(flat, word_start - 1):
        word_start -= 1
    return flat[word_start:start].lower() not in _PREFIX_WORDS


def _public_match(number: str, public: frozenset[str]) -> bool:
    if number in public:
        return True
    # a department's number written without its area code, or with an extension
    return any((len(number) >= 7 and p.endswith(number)) or
               (number.startswith(p) and len(number) - len(p) <= 5 and len(p) >= 7)
               for p in public)


def find_numbers(flat: str, known: Mapping[str, Kind], public: frozenset[str]) -> list[Found]:
    """Personal numbers (and the published ones, as kept spans) in normalised text ``flat``.

    ``known`` maps the submitter's own numbers (digits) to their kind; ``public`` holds the digits
    of the county's published numbers.
    """
    reader = _Reader(flat, known, public)
    return [found for group in _groups(flat) for found in reader.group(group)]
