"""定期通报: the monthly report for leaders, generated from the records.

:func:`build` gathers what the report says: the month's totals, each department's figures, score
and 等次 (``services/performance.py``), the trend against the previous months (totals only, from
``message_stats``), and, for the internal part only, the late and unsatisfied cases and the
督办/纠错 notices. The public part (:attr:`MonthlyReport.public`) leaves the cases out: it names
no citizen and no message. Rendering is elsewhere (HTML: ``formsvc/letters/report.py``; PDF:
``services/report_pdf.py``); the ``supervision-report`` command writes both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.orm import Session

from formsvc.db import utcnow
from formsvc.domain.supervision import NOTICE_KINDS, Period
from formsvc.domain.workdays import Calendar
from formsvc.models import Department, Message
from formsvc.models.message import MessageStats
from formsvc.models.supervision import SupervisionNotice
from formsvc.services import performance, stats
from formsvc.services.lifecycle import Status

TREND_MONTHS = 6  # the report's month and the five before it
CASES_MAX = 200  # cases listed per table (the count says how many there were)


@dataclass
class TrendPoint:
    period: Period
    received: int
    reply_rate: float | None
    on_time_rate: float | None
    satisfaction_rate: float | None
    response_rate: float | None


@dataclass
class Case:
    number: str
    subject: str
    department: str
    received_on: date
    due_date: date
    replied_on: date | None
    note: str  # why it is listed: 逾期答复, 超期未答复, the rating comment


@dataclass
class MonthlyReport:
    period: Period
    generated_at: datetime
    totals: stats.Stats
    scores: performance.Scores
    trend: list[TrendPoint]
    late: list[Case] = field(default_factory=list)
    late_count: int = 0
    unsatisfied: list[Case] = field(default_factory=list)
    unsatisfied_count: int = 0
    notices_issued: int = 0
    notices_answered: int = 0
    notice_kinds: dict[str, int] = field(default_factory=dict)
    public: bool = False  # True: the cases are left out (the portal's copy)

    def public_copy(self) -> MonthlyReport:
        """The same report without the cases: what the portal publishes."""
        return MonthlyReport(self.period, self.generated_at, self.totals, self.scores, self.trend,
                             notices_issued=self.notices_issued,
                             notices_answered=self.notices_answered,
                             notice_kinds=dict(self.notice_kinds), public=True)


def trend(session: Session, period: Period, months: int = TREND_MONTHS) -> list[TrendPoint]:
    """The county's totals for ``period`` and the months before it, oldest first: one grouped
    read of ``message_stats`` (a few thousand rows for half a year)."""
    periods = [period]
    for _ in range(months - 1):
        periods.insert(0, periods[0].previous())
    s = MessageStats.__table__.c
    counted = ("received", "replied", "on_time", "rated", "satisfied", "responded")
    month = func.extract("month", s.received_on)
    year = func.extract("year", s.received_on)
    q = (select(year, month, *[func.sum(s[k]) for k in counted])
         .where(s.received_on >= periods[0].start, s.received_on <= period.end,
                s.department_id != 0)
         .group_by(year, month))
    sums = {(int(y), int(m)): dict(zip(counted, (int(v or 0) for v in vals), strict=True))
            for y, m, *vals in session.execute(q)}
    out = []
    for p in periods:
        v = sums.get((p.start.year, p.start.month), dict.fromkeys(counted, 0))

        def rate(a: str, b: str, v: dict[str, int] = v) -> float | None:
            return v[a] / v[b] if v[b] else None

        out.append(TrendPoint(p, v["received"], rate("replied", "received"),
                              rate("on_time", "replied"), rate("satisfied", "rated"),
                              rate("responded", "received")))
    return out


def _cases(session: Session, condition: Any, note: Any, limit: int) -> list[Case]:
    # in receipt order alone, so that the database walks the receipt-date index and stops at
    # ``limit`` matches instead of sorting the month (the counts come from the statistics)
    rows = session.execute(select(
        Message.tracking_number, Message.subject, Department.name, Message.received_on,
        Message.due_date, Message.replied_on, note).join(
        Department, Message.department_id == Department.id).where(condition)
        .order_by(Message.received_on).limit(limit))
    return [Case(*r) for r in rows]


def build(session: Session, config: Mapping[str, Any], calendar: Calendar, period: Period,
          today: date, now: datetime | None = None) -> MonthlyReport:
    """The report of ``period`` (a month) as of ``today``: computed, not stored."""
    totals = stats.compute(session, config, calendar, today, period.start, period.end)
    scores = performance.compute(session, config, calendar, period, today, figures=totals)
    report = MonthlyReport(period, now or utcnow(), totals, scores, trend(session, period))
    # the statistics' counting rule (stats._counters): dispatched, not a duplicate, not refused
    in_month = and_(Message.received_on >= period.start, Message.received_on <= period.end,
                    Message.duplicate_of_id.is_(None), Message.department_id.is_not(None),
                    Message.status != Status.REJECTED.value,
                    Message.status != Status.SUBMITTED.value)
    late_reply = and_(Message.replied_on.is_not(None), Message.replied_on > Message.due_date)
    open_late = and_(Message.status == Status.ASSIGNED.value, Message.due_date < today)
    note = case((late_reply, literal("逾期答复")), else_=literal("超期未答复"))
    report.late = _cases(session, and_(in_month, or_(late_reply, open_late)), note, CASES_MAX)
    report.unsatisfied = _cases(session, and_(in_month, Message.rating == "unsatisfied"),
                                Message.rating_comment, CASES_MAX)
    # the counts are the statistics' (late replies, unsatisfied = rated − satisfied) and the
    # performance table's open overdue messages: the same figures the tables above show
    total = totals.total
    report.late_count = (total.replied - total.on_time) + sum(
        r.figures["overdue_open"] for r in scores.rows)
    report.unsatisfied_count = total.rated - total.satisfied
    counts = performance.notice_counts(session, config, period)
    report.notices_issued = sum(n for n, _ in counts.values())
    report.notices_answered = sum(a for _, a in counts.values())
    start, end = performance.utc_bounds(config, period)
    report.notice_kinds = {NOTICE_KINDS[k]: n for k, n in session.execute(
        select(SupervisionNotice.kind, func.count()).where(
            SupervisionNotice.issued_at >= start, SupervisionNotice.issued_at < end)
        .group_by(SupervisionNotice.kind)) if k in NOTICE_KINDS}
    return report
