"""``remind`` (run by cron on working days): tell departments and supervisors what is overdue
or due soon, through the outbox, and log a ``remind`` event on each message reminded.

A message is reminded at most once a day, so running the command twice sends nothing new.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.config import county_zone, setting
from formsvc.db import utcnow
from formsvc.domain.workdays import Calendar
from formsvc.models import Event, Message
from formsvc.models.staff import DEPARTMENT_ROLES
from formsvc.services import deadlines, departments, lifecycle, notify, workbench
from formsvc.services.lifecycle import Status


@dataclass
class RemindResult:
    reminded: int = 0
    overdue: int = 0
    due_soon: int = 0
    mails: int = 0
    departments: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The run's counts, for the operator."""
        return (f"提醒 {self.reminded} 件（超期 {self.overdue}，即将到期 {self.due_soon}），"
                f"生成邮件 {self.mails} 封")


def run(session: Session, config: Mapping[str, Any], calendar: Calendar,
        now: datetime | None = None) -> RemindResult:
    """Queue the reminders for today in one transaction."""
    ctx = workbench.Context(session, config, calendar, now or utcnow())
    result = RemindResult()
    edge = deadlines.due_soon_edge(calendar, ctx.today, config)
    # "today" in county time, as a UTC instant: events after it were written today
    local = ctx.now.astimezone(county_zone(config))
    start_of_day = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)
    already = set(session.scalars(select(Event.message_id).where(
        Event.action == "remind", Event.created_at >= start_of_day)))
    messages = session.scalars(select(Message).where(
        Message.status.in_([s.value for s in lifecycle.OPEN_STATUSES]),
        Message.due_date <= edge).order_by(Message.due_date))
    groups: dict[int | None, list[tuple[Message, deadlines.Deadline]]] = {}
    for m in messages:
        if m.id in already:
            continue
        d = ctx.deadline(m)
        if d.state not in ("overdue", "due_soon"):
            continue
        key = None if m.status == Status.SUBMITTED else m.department_id
        groups.setdefault(key, []).append((m, d))
        lifecycle.apply(m, "remind", actor="system", role="system", note=d.label, now=ctx.now,
                        public=False)
        result.reminded += 1
        if d.state == "overdue":
            result.overdue += 1
        else:
            result.due_soon += 1
    summary_lines = []
    for key, items in groups.items():
        dept = items[0][0].department if key is not None else None
        name = dept.name if dept else f"待分办（{departments.DISPATCH_OFFICE}）"
        lines = "\n".join(f"- {m.tracking_number} {m.subject}（期限 {m.due_date.isoformat()}，"
                          f"{d.label}）" for m, d in items)
        n_over = sum(d.state == "overdue" for _, d in items)
        recipients = (notify.department_recipients(session, dept, config,
                                                      roles=DEPARTMENT_ROLES)
                      if dept else notify.dispatcher_recipients(session, config))
        for r in recipients:
            notify.queue(session, r, "remind_department",
                         {"department": name, "lines": lines, "overdue": n_over,
                          "due_soon": len(items) - n_over})
            result.mails += 1
        summary_lines.append(f"{name}：超期 {n_over} 件，即将到期 {len(items) - n_over} 件")
        result.departments.append(name)
    if summary_lines:
        for r in notify.supervisor_recipients(session, config):
            notify.queue(session, r, "remind_supervisor",
                         {"lines": "\n".join(summary_lines), "overdue": result.overdue,
                          "due_soon": result.due_soon})
            result.mails += 1
    session.commit()
    return result


def close_unrated(session: Session, config: Mapping[str, Any], calendar: Calendar,
                  now: datetime | None = None) -> int:
    """办结 replies the citizen has not rated within RATING_WINDOW_DAYS working days."""
    ctx = workbench.Context(session, config, calendar, now or utcnow())
    window = int(setting(config, "RATING_WINDOW_DAYS"))
    tz = county_zone(config)
    closed = 0
    for m in session.scalars(select(Message).where(Message.status == Status.REPLIED,
                                                   Message.replied_at.is_not(None))):
        replied_on = m.replied_at.astimezone(tz).date()  # type: ignore[union-attr]
        if calendar.add_working_days(replied_on, window).due >= ctx.today:
            continue
        lifecycle.apply(m, "timeout_close", actor="system", role="system", now=ctx.now,
                        note=f"答复后 {window} 个工作日内未评价")
        m.closed_at = ctx.now
        closed += 1
    session.commit()
    return closed
