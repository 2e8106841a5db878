"""Statistics per department and period: received, replied, reply rate, on-time rate, mean working
days to reply, overdue now, satisfaction.

Counting rules (also shown on the public page):
- a message counts for the department that holds it now, in the period of its receipt date;
- duplicates (the same text from the same phone within 24 h) and messages not accepted
  (不予受理) or not yet dispatched are left out of the department figures;
- "overdue now" counts every open message past its due date today, whatever the period;
- rates are ranked only where the department received at least ``STATS_MIN_COUNT`` messages,
  so one message answered on time does not top the table (FixMyStreet #1957).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.models import Department, Message
from formsvc.services.deadlines import working_days_between
from formsvc.services.lifecycle import OPEN_STATUSES, Status
from formsvc.workdays import Calendar

DEFAULT_MIN_COUNT = 5
SATISFIED = ("satisfied", "basically_satisfied")


@dataclass
class DepartmentStats:
    code: str
    name: str
    received: int = 0
    replied: int = 0
    on_time: int = 0
    overdue_now: int = 0
    rated: int = 0
    satisfied: int = 0
    working_days_total: int = 0
    ranked: bool = False
    rank: int | None = None

    @property
    def reply_rate(self) -> float | None:
        return self.replied / self.received if self.received else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.replied if self.replied else None

    @property
    def mean_working_days(self) -> float | None:
        return self.working_days_total / self.replied if self.replied else None

    @property
    def satisfaction_rate(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("working_days_total")
        for key in ("reply_rate", "on_time_rate", "satisfaction_rate", "mean_working_days"):
            value = getattr(self, key)
            d[key] = None if value is None else round(value, 4 if key != "mean_working_days" else 2)
        return d


@dataclass
class Stats:
    date_from: date | None
    date_to: date | None
    today: date
    min_count: int
    departments: list[DepartmentStats] = field(default_factory=list)
    total: DepartmentStats = field(default_factory=lambda: DepartmentStats("", "合计"))
    undispatched: int = 0
    rejected: int = 0
    duplicates: int = 0

    @property
    def ranked(self) -> list[DepartmentStats]:
        return [d for d in self.departments if d.ranked]

    def as_dict(self) -> dict[str, Any]:
        return {
            "period": {"from": self.date_from.isoformat() if self.date_from else None,
                       "to": self.date_to.isoformat() if self.date_to else None},
            "as_of": self.today.isoformat(),
            "min_count": self.min_count,
            "departments": [d.as_dict() for d in self.departments],
            "total": self.total.as_dict(),
            "undispatched": self.undispatched,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
        }


def compute(session: Session, config: Mapping[str, Any], calendar: Calendar, today: date,
            date_from: date | None = None, date_to: date | None = None) -> Stats:
    """The figures for messages received in [date_from, date_to] (either end open)."""
    min_count = int(config.get("STATS_MIN_COUNT", DEFAULT_MIN_COUNT))
    tz = ZoneInfo(config.get("TIMEZONE", "Asia/Shanghai"))
    result = Stats(date_from, date_to, today, min_count)
    depts = list(session.scalars(select(Department).order_by(Department.position)))
    by_id = {d.id: DepartmentStats(d.code, d.name) for d in depts}
    # only the columns the figures need: no personal data is read here
    cols = (Message.department_id, Message.status, Message.received_on, Message.due_date,
            Message.replied_at, Message.rating, Message.duplicate_of_id)
    for dept_id, status, received_on, due, replied_at, rating, dup in session.execute(
            select(*cols)):
        row = by_id.get(dept_id) if dept_id is not None else None
        open_now = status in OPEN_STATUSES
        if row is not None and open_now and status != Status.SUBMITTED and due < today:
            row.overdue_now += 1
            result.total.overdue_now += 1
        if (date_from and received_on < date_from) or (date_to and received_on > date_to):
            continue
        if dup is not None:
            result.duplicates += 1
            continue
        if status == Status.REJECTED:
            result.rejected += 1
            continue
        if status == Status.SUBMITTED or row is None:
            result.undispatched += 1
            continue
        for target in (row, result.total):
            target.received += 1
            if replied_at is not None:
                replied_on = replied_at.astimezone(tz).date()
                target.replied += 1
                target.on_time += replied_on <= due
                target.working_days_total += max(0, working_days_between(
                    calendar, received_on, replied_on))
            if rating:
                target.rated += 1
                target.satisfied += rating in SATISFIED
    rows = [r for r in by_id.values() if r.received or r.overdue_now]
    for r in rows:
        r.ranked = r.received >= min_count and r.replied > 0
    ranked = sorted((r for r in rows if r.ranked),
                    key=lambda r: (-(r.on_time_rate or 0), -(r.reply_rate or 0),
                                   -(r.satisfaction_rate or 0), r.code))
    for i, r in enumerate(ranked, 1):
        r.rank = i
    rest = sorted((r for r in rows if not r.ranked), key=lambda r: (-r.received, r.code))
    result.departments = ranked + rest
    return result


CSV_COLUMNS = (
    ("rank", "排名"), ("code", "机构代码"), ("name", "机构"), ("received", "收件数"),
    ("replied", "答复数"), ("reply_rate", "答复率"), ("on_time", "按期答复数"),
    ("on_time_rate", "按期答复率"), ("mean_working_days", "平均答复用时（工作日）"),
    ("overdue_now", "当前超期数"), ("rated", "评价数"), ("satisfied", "满意及基本满意数"),
    ("satisfaction_rate", "满意率"),
)


def to_csv(stats: Stats) -> str:
    """CSV with Chinese headers; a BOM so that spreadsheet programs read UTF-8 correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([label for _, label in CSV_COLUMNS])
    for r in [*stats.departments, stats.total]:
        d = r.as_dict()
        writer.writerow(["" if d[k] is None else d[k] for k, _ in CSV_COLUMNS])
    return "\ufeff" + buf.getvalue()


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"
