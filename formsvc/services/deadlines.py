"""Due soon and overdue, derived from the stored due date and the working-day calendar.

Nothing here is stored: a message is overdue because today is past its due date, so a changed
holiday file or a moved due date is reflected at once (Alaveteli's lesson).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from formsvc.services.lifecycle import OPEN_STATUSES
from formsvc.workdays import Calendar

DEFAULT_DUE_SOON_DAYS = 2
# Longer spans are not counted day by day: the answer is only "far away" anyway.
_MAX_SPAN = 400


@dataclass(frozen=True)
class Deadline:
    state: str  # "overdue", "due_soon", "ok", "done" (replied, closed or rejected)
    working_days: int  # left (ok, due_soon) or past (overdue); 0 when done
    label: str

    @property
    def css(self) -> str:
        return {"overdue": "gp-tag gp-tag--overdue", "due_soon": "gp-tag gp-tag--due-soon"}.get(
            self.state, "gp-tag")


def working_days_between(calendar: Calendar, start: date, end: date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end == start:
        return 0
    sign, lo, hi = (1, start, end) if end > start else (-1, end, start)
    if (hi - lo).days > _MAX_SPAN:
        return sign * int((hi - lo).days * 5 / 7)
    return sign * calendar.working_days_in(lo, hi)


def due_soon_days(config: Mapping[str, Any]) -> int:
    return int(config.get("DUE_SOON_DAYS", DEFAULT_DUE_SOON_DAYS))


def deadline(calendar: Calendar, status: str, due: date, today: date, soon_days: int) -> Deadline:
    """Where a message stands against its due date today."""
    if status not in OPEN_STATUSES:
        return Deadline("done", 0, "")
    if today > due:
        past = max(1, working_days_between(calendar, due, today))
        return Deadline("overdue", past, f"已超期 {past} 个工作日")
    left = working_days_between(calendar, today, due)
    if left <= soon_days:
        return Deadline("due_soon", left, "今日到期" if left == 0 else f"{left} 个工作日内到期")
    return Deadline("ok", left, f"剩余 {left} 个工作日")
