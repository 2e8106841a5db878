"""The checker's rules for 意见征集 and 在线访谈 beyond each field's own: dates in order,
articles numbered 1, 2, 3 … without gaps, a hearing's registration before the hearing.

Called by ``portal.check.check_document`` with its context (``line``, ``error``, ``warn``).
"""

from __future__ import annotations

from typing import Any, Protocol

from portal.participation import as_date, as_datetime


class Reporter(Protocol):
    def line(self, *keys: str | int) -> int: ...
    def error(self, line: int, message: str) -> None: ...
    def warn(self, line: int, message: str) -> None: ...


def check_consultation(meta: dict[str, Any], ctx: Reporter) -> None:
    """A draft's dates and article numbers."""
    opens, closes = as_date(meta.get("opens")), as_date(meta.get("closes"))
    if opens and closes and closes < opens:
        ctx.error(ctx.line("closes"), f"closes（征求意见截止日期）{closes} 早于开始日期 {opens}")
    published = as_date(meta.get("date"))
    if opens and published and published > opens:
        ctx.warn(ctx.line("date"), f"发布日期 {published} 晚于征求意见开始日期 {opens}；"
                                   "征求意见稿应在开始前或当天发布")
    articles = meta.get("articles")
    if isinstance(articles, list):
        numbers = [a.get("number") for a in articles if isinstance(a, dict)]
        for i, number in enumerate(numbers):
            if isinstance(number, int) and number != i + 1:
                ctx.error(ctx.line("articles", i, "number"),
                          f"articles（条文）第 {i + 1} 项的条号是 {number}，应为 {i + 1}；"
                          "条号从 1 起连续编号，意见按条号对应条文")
                break
    hearing = meta.get("hearing")
    if isinstance(hearing, dict):
        at = as_datetime(hearing.get("date"))
        deadline = as_date(hearing.get("registration_deadline"))
        if at and deadline and deadline > at.date():
            ctx.error(ctx.line("hearing", "registration_deadline"),
                      f"hearing.registration_deadline（报名截止日期）{deadline} "
                      f"晚于听证日期 {at.date()}")
        if at and opens and at.date() < opens:
            ctx.error(ctx.line("hearing", "date"),
                      f"hearing.date（听证时间）{at.date()} 早于征求意见开始日期 {opens}")


def check_interview(meta: dict[str, Any], ctx: Reporter) -> None:
    """An interview's times: it ends after it starts."""
    starts, ends = as_datetime(meta.get("starts")), as_datetime(meta.get("ends"))
    if starts and ends and ends <= starts:
        ctx.error(ctx.line("ends"), f"ends（访谈结束时间）{ends:%Y-%m-%d %H:%M} "
                                    f"不晚于开始时间 {starts:%Y-%m-%d %H:%M}")
