"""Query-string filters that a page and its JSON twin both read (letters, statistics): parsed
once, so /hdjl/letters and /api/v1/letters, /hdjl/stats and /api/v1/stats cannot differ."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from formsvc.domain import kinds
from formsvc.forms.text import clean_text

# Ids are INTEGER columns (32-bit on PostgreSQL); a larger number in the URL cannot name a row
# and would overflow the database driver: a 500 instead of a 404.
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class LetterFilters:
    kind: str = ""
    department: str = ""
    page: int = 1


def letter_filters(args: Any) -> LetterFilters:
    """?kind=&department=&page= of the letter box; an unknown kind is no filter."""
    kind = args.get("kind", "")
    # cleaned: a NUL in the filter reaches PostgreSQL as a query parameter it refuses (a 500)
    dept = clean_text(args.get("department") or "")[:32]
    return LetterFilters(kind if kinds.get(kind) else "", dept,
                         args.get("page", 1, type=int) or 1)


def letter_filter_errors(args: Any, known_department: Callable[[str], bool],
                         max_per_page: int) -> dict[str, list[str]]:
    """What is wrong with ?kind=&department=&page=&per_page= for a client that must be told
    (the API): the page reads a wrong value as no filter, a program gets a 400 naming it.
    An empty value is no filter, as in the page's own links."""
    wrong: dict[str, list[str]] = {}
    if args.get("kind") and not kinds.get(args["kind"]):
        wrong["kind"] = ["留言类型应为 " + "、".join(k.code for k in kinds.KINDS) + " 之一"]
    if args.get("department") and not known_department(args["department"]):
        wrong["department"] = ["未找到该机构代码，可选值见 /api/v1/departments"]
    for name, high in (("page", MAX_ID), ("per_page", max_per_page)):
        if args.get(name) and not _in_range(args[name], 1, high):
            wrong[name] = [f"应为 1 至 {high} 的整数"]
    return wrong


def _in_range(value: str, low: int, high: int) -> bool:
    return value.isascii() and value.isdigit() and low <= int(value) <= high


def parse_date(value: str | None) -> date | None:
    """YYYY-MM-DD, or None for anything else."""
    try:
        return date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None


@dataclass
class Period:
    """?from=&to= of the statistics; ``errors`` are (field, Chinese message) pairs."""

    date_from: date | None
    date_to: date | None
    errors: list[tuple[str, str]] = field(default_factory=list)


def stats_period(args: Mapping[str, Any], today: date) -> Period:
    """The period from ?from=&to=, by default the current year so far."""
    raw_from, raw_to = args.get("from"), args.get("to")
    period = Period(parse_date(raw_from), parse_date(raw_to))
    if raw_from and period.date_from is None:
        period.errors.append(("from", "开始日期格式应为 YYYY-MM-DD"))
    if raw_to and period.date_to is None:
        period.errors.append(("to", "结束日期格式应为 YYYY-MM-DD"))
    if not raw_from and not raw_to:
        period.date_from, period.date_to = date(today.year, 1, 1), today
    if period.date_from and period.date_to and period.date_from > period.date_to:
        period.errors.append(("from", "开始日期不能晚于结束日期"))
    return period
