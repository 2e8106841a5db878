"""Personal data that is not a bare number: e-mail addresses (also disguised), QQ and WeChat IDs
where the text introduces them as such, licence plates, street addresses and households.

Every function reads the normalised text (``pii_text.normalise``) and returns spans in it.
"""

from __future__ import annotations

import re

from formsvc.services.pii_text import Kind, Span

# --- e-mail: zhang@163.com, zhang at 163 dot com, zhang#163.com, zhang(at)qq.com, zhang艾特163点com
_LOCAL = r"[A-Za-z0-9](?:[A-Za-z0-9._%+\-]*[A-Za-z0-9_])?"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
_AT = r"(?:\s*(?:@|#|艾特|圈a|[(\[{]\s*at\s*[)\]}])\s*|\s+at\s+)"
_DOT = r"(?:\s*(?:\.|。|点|[(\[{]\s*dot\s*[)\]}])\s*|\s+dot\s+)"
# a disguised address must end in a domain people really use, or any prose would match
_TLD = r"(?:com|cn|net|org|edu|gov|info|biz|io|me|cc|tv|top|vip|xyz|co|hk|tw|mo|us|uk|jp|de|fr|ru|au|ca|sg)"
_EMAIL = re.compile(
    rf"(?<![A-Za-z0-9._%+\-])(?:{_LOCAL}@{_LABEL}(?:\.{_LABEL})*\.[A-Za-z]{{2,}}"
    rf"|{_LOCAL}{_AT}{_LABEL}(?:{_DOT}{_LABEL})*?{_DOT}{_TLD}(?:{_DOT}{_TLD})?)(?![A-Za-z0-9])",
    re.IGNORECASE)

# --- QQ and WeChat: the word that introduces the ID stays, the ID goes
_LEAD = r"\s*(?:号码|号|ID|id)?\s*(?:[:：]|就是|也是|是|为)?\s*[:：]?\s*"
_QQ = re.compile(rf"(?<![A-Za-z])(?:QQ|扣扣|企鹅号){_LEAD}(?P<id>[1-9][0-9]{{4,10}})(?![0-9])",
                 re.IGNORECASE)
_WECHAT = re.compile(
    rf"(?<![A-Za-z])(?:微信|薇信|威信|V信|VX|WX|weixin|wechat){_LEAD}"
    r"(?P<id>[A-Za-z0-9][A-Za-z0-9_\-]{5,19})(?![A-Za-z0-9_\-])", re.IGNORECASE)  # 6 to 20

# --- licence plates: 浙A12345, 浙A·12345, 浙AD12345 (new energy), 粤B12345F, 浙G12345挂
_PROVINCE = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(
    rf"(?<![A-Za-z0-9])[{_PROVINCE}][A-HJ-NP-Z]\s?[.\-]?\s?"
    r"(?P<serial>[DF][A-HJ-NP-Z0-9]{5}|[A-HJ-NP-Z0-9]{5}[DF]?)(?![A-Za-z0-9])[挂学警港澳]?",
    re.IGNORECASE)
_PLATE_MIN_DIGITS = 3  # real serials are mostly digits; 浙ABCDE is a word, not a plate

# --- addresses
# a level of an address: 12号, 3号楼 (followed by more), 8幢, 2单元, 301室, 5组, 16弄
_LEVEL = r"[0-9]+\s*(?:号楼(?=\s*[0-9])|号院|号|弄|幢|栋|座|单元|门(?=\s*[0-9])|室|户|层|组|楼(?=\s*[0-9]))"
# 3幢502, 2单元301: the room number after a building or a staircase needs no 室
# (starting only where a run of digits starts: inside a long run every start would be retried)
_CHAIN = re.compile(rf"(?<![0-9])(?:[0-9]+[-－][0-9]+[-－][0-9]+(?:\s*(?:室|号))?"
                    rf"|(?:{_LEVEL}\s*)*{_LEVEL}(?:(?<=[元幢栋门])\s*[0-9]{{3,4}}(?![0-9号室户]))?)")
_STREET_LEVEL = re.compile(r"号|弄")
_ROOM_LEVEL = re.compile(r"(?:[0-9]\s*(?:室|户)|[元幢栋门]\s*[0-9]{3,4})$")
_DASHED = re.compile(r"[0-9]+[-－][0-9]+[-－][0-9]+")
# the kinds of place a chain of numbers may follow (the longest first)
_STREETS = ("大道", "大街", "胡同", "路", "街", "巷", "弄", "村", "组", "道")
_ESTATES = ("小区", "花园", "家园", "新村", "公寓", "大厦", "大楼", "山庄", "社区", "广场", "公馆", "苑",
            "府", "庭", "园", "城", "湾", "区", "坞", "里")
# characters that end a place name when reading leftwards: verbs, particles, pronouns
_STOP = set("到在住于至往和及的是了从向去近旁对把被给让我你他她们这那家门映经过址为与或并而就也还又再朝沿"
            "离位处边侧说要想请找打叫有没议诉报查问题求助"
            "号室幢栋楼层户")  # and the levels of an address before it
# 楼道, 通道, 车道 … are no streets
_NOT_STREET_BEFORE_DAO = set("楼通车街过隧轨航频渠知报味难跑赛")
_MAX_PLACE_NAME = 16


def find_emails(flat: str) -> list[Span]:
    """E-mail addresses, also written with at/dot, #, (at), 艾特/点."""
    return [Span(m.start(), m.end(), Kind.EMAIL) for m in _EMAIL.finditer(flat)]


def find_im_ids(flat: str) -> list[Span]:
    """QQ numbers and WeChat IDs introduced as such (QQ：…, 微信号…, VX, wx, 薇信 …)."""
    return [Span(m.start("id"), m.end("id"), kind)
            for pattern, kind in ((_QQ, Kind.QQ), (_WECHAT, Kind.WECHAT))
            for m in pattern.finditer(flat)]


def find_plates(flat: str) -> list[Span]:
    """Licence plates, with or without the separator, new-energy ones included."""
    return [Span(m.start(), m.end(), Kind.PLATE) for m in _PLATE.finditer(flat)
            if sum(c.isdigit() for c in m.group("serial")) >= _PLATE_MIN_DIGITS]


def find_addresses(flat: str) -> list[Span]:
    """Street addresses with a house number, and households (a room in a numbered building)."""
    spans = []
    for m in _CHAIN.finditer(flat):
        chain = m.group().rstrip()
        place, place_at = _place_before(flat, m.start())
        is_street = place in _STREETS and _STREET_LEVEL.search(chain)
        levels = len(re.findall(r"[0-9]+", chain))
        # a room in a named estate or building (金都大厦1205室); elsewhere the building too
        # (8幢2单元301室), since 502室 alone is the neighbour upstairs; 12-3-502 is a household
        # only in an estate (2024-12-06 is a date)
        room = _ROOM_LEVEL.search(chain)
        is_household = (room and (levels >= 2 or place in _ESTATES)) or (
            place in _ESTATES and _DASHED.match(chain))
        if not (is_street or is_household):
            continue
        start = _name_start(flat, place_at) if place else m.start()
        end = m.start() + len(chain)
        if spans and spans[-1].end == start:  # 环城南路218号 + 金都大厦1205室: one address
            start = spans.pop().start
        spans.append(Span(start, end, Kind.ADDRESS))
    return spans


def _place_before(flat: str, at: int) -> tuple[str, int]:
    """The kind of place written just before the numbers (路, 小区 …) and where it starts."""
    before = flat[max(0, at - 4):at].rstrip()
    end = at - (len(flat[max(0, at - 4):at]) - len(before))
    for word in _STREETS + _ESTATES:
        if before.endswith(word):
            if word == "道" and len(before) >= 2 and before[-2] in _NOT_STREET_BEFORE_DAO:
                break
            return word, end - len(word)
    return "", at


def _name_start(flat: str, end: int) -> int:
    """Where the place name that ends with the kind of place at ``end`` starts: back over Chinese
    characters up to a particle or verb (在, 住, 的 …), punctuation, or a digit."""
    start = end
    while start > 0 and end - start < _MAX_PLACE_NAME:
        c = flat[start - 1]
        if not ("\u4e00" <= c <= "\u9fff") or c in _STOP:
            break
        start -= 1
    return start
