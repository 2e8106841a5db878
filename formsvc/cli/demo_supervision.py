"""Demo data: a month of 电子监察 for the demo county (``flask demo-supervision``): messages
dispatched to several departments, signed on time or late, answered on time or late, rated
(some 不满意), some still overdue, and 督办/纠错 notices, one of them answered. Every step goes
through ``lifecycle.apply`` so that the history reads as the real workbench writes it; the
warning grades are then recorded by the same run as ``remind``'s (``warnings.regrade``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from formsvc.domain import kinds
from formsvc.domain.supervision import NOTICE_ANSWER_DAYS, Period
from formsvc.domain.workdays import Calendar
from formsvc.models import Department, Message
from formsvc.models.staff import Staff
from formsvc.models.supervision import SupervisionNotice
from formsvc.services import lifecycle, warnings
from formsvc.services.deadlines import first_count, working_days_between

# messages per department (in the registry's order): two fall below STATS_MIN_COUNT (5)
VOLUMES = (12, 9, 8, 6, 3, 2)
# the demo's messages are 咨询: their time limit is the kinds table's (after TIME_LIMITS)
KIND = "zx"
SUBJECTS = ("小区路灯不亮", "道路破损修补", "社保卡补办", "营业执照变更", "噪音扰民",
            "供暖不热", "校车接送", "农贸市场卫生")


def _at(day: date, hour: int) -> datetime:
    # county 09:00 + hour is UTC 01:00 + hour
    return datetime(day.year, day.month, day.day, 1 + hour, tzinfo=UTC)


def seed_month(session: Session, config: Mapping[str, Any], calendar: Calendar,
               period: Period, today: date) -> int:
    """The month's demo messages and notices; nothing when the month has demo messages already.
    Returns the messages added."""
    prefix = f"DM{period.start:%Y%m}"
    if session.scalar(select(func.count()).select_from(Message).where(
            Message.tracking_number.startswith(prefix))):
        return 0
    depts = list(session.scalars(select(Department).where(Department.active.is_(True))
                                 .order_by(Department.position).limit(len(VOLUMES))))
    supervisor = session.scalar(select(Staff).where(Staff.role == "supervisor").order_by(Staff.id))
    limit = kinds.time_limit(kinds.KINDS_BY_CODE[KIND], config)
    added = 0
    for d_i, (dept, volume) in enumerate(zip(depts, VOLUMES, strict=False)):
        for k in range(volume):
            n = added + 1
            day = period.start + timedelta(days=(k * 3 + d_i) % ((period.end - period.start).days
                                                                  + 1))
            due = first_count(calendar, day, limit).due
            m = Message(
                tracking_number=f"{prefix}-{n:05d}", query_code_hash="-", kind=KIND,
                department=None, project_slug="", name="示例群众", phone="13800000000",
                email="", address="", subject=SUBJECTS[(n + d_i) % len(SUBJECTS)],
                content="示例留言内容，请相关部门办理。", consent_publish=False, details={},
                submitted_at=_at(day, 0), received_on=day, due_date=due, time_limit_days=limit,
                extension_days=0, text_hash=f"demo-sup-{period.key}-{n}", reply_text="",
                rating="", rating_comment="", client_ip="", channel="web")
            session.add(m)
            lifecycle.apply(m, "submit", actor="citizen", role="citizen", now=_at(day, 0))
            lifecycle.apply(m, "dispatch", actor="system", role="dispatcher",
                            note=f"分办至{dept.name}", now=_at(day, 1))
            m.department = dept
            # one in five signs late (after three working days), the rest the same day
            sign_day = calendar.add_working_days(day, 3).due if (n + d_i) % 5 == 0 else day
            if sign_day <= today:
                lifecycle.apply(m, "sign", actor="system", role="handler",
                                note=f"{dept.name}签收", now=_at(sign_day, 2))
                m.signed_at = _at(sign_day, 2)
                m.sign_working_days = max(0, working_days_between(calendar, day, sign_day))
            # one in six still open (overdue once its due date has passed)
            if (n + 2 * d_i) % 6 == 0:
                added += 1
                continue
            # one in six answered late (two working days past the due date), the rest within
            # the time limit, on one of its last four working days
            late = (n + d_i) % 6 == 1
            replied = calendar.add_working_days(due, 2).due if late else \
                calendar.add_working_days(day, max(1, limit - n % 4)).due
            if replied > today:
                added += 1
                continue
            m.reply_text = "您好，您反映的问题已办理，感谢您的监督。"
            lifecycle.apply(m, "reply", actor="system", role="handler", now=_at(replied, 3))
            m.replied_at = _at(replied, 3)
            m.replied_on = replied
            m.reply_working_days = max(0, working_days_between(calendar, day, replied))
            rating = ("unsatisfied" if (n + d_i) % 7 == 0 else
                      "basically_satisfied" if n % 3 == 0 else "satisfied")
            rated = replied + timedelta(days=1)
            if rated <= today:
                lifecycle.apply(m, "rate", actor="citizen", role="citizen", now=_at(rated, 4))
                m.rating, m.rated_at, m.closed_at = rating, _at(rated, 4), _at(rated, 4)
                if rating == "unsatisfied":
                    m.rating_comment = "问题没有解决"
            added += 1
        session.flush()
    if supervisor is not None:
        _notices(session, calendar, supervisor, prefix)
    session.commit()
    warnings.regrade(session, config, calendar, datetime.now(UTC))
    return added


def _notices(session: Session, calendar: Calendar, supervisor: Staff, prefix: str) -> None:
    """A 督办 on the first overdue message (answered) and a 纠错 on a late reply (not yet)."""
    open_late = session.scalar(select(Message).where(
        Message.tracking_number.startswith(prefix), Message.status == "assigned")
        .order_by(Message.id))
    late_reply = session.scalar(select(Message).where(
        Message.tracking_number.startswith(prefix), Message.replied_on > Message.due_date)
        .order_by(Message.id))
    for m, kind, text, answered in (
            (open_late, "duban", f"该件已超过答复期限，请于 {NOTICE_ANSWER_DAYS} 个工作日内办结并书面说明原因。", True),
            (late_reply, "jiucuo", "答复未说明办理依据，请补充并书面回复。", False)):
        if m is None or m.department_id is None:
            continue
        issued_on = max(m.due_date, m.received_on) + timedelta(days=1)
        lifecycle.apply(m, "issue_notice", actor=supervisor.actor, role="supervisor",
                        note=f"{'督办通知' if kind == 'duban' else '纠错通知'}：{text}",
                        now=_at(issued_on, 5))
        notice = SupervisionNotice(
            message=m, department_id=m.department_id, kind=kind, text=text,
            issued_by_id=supervisor.id, issued_at=_at(issued_on, 5),
            answer_due=calendar.add_working_days(issued_on, NOTICE_ANSWER_DAYS).due, answer="")
        session.add(notice)
        if answered:
            lifecycle.apply(m, "answer_notice", actor="system", role="handler",
                            note="回复督办通知：已联系群众并安排办理，预计本周办结。",
                            now=_at(issued_on + timedelta(days=1), 6))
            notice.answer = "已联系群众并安排办理，预计本周办结。"
            notice.answered_at = _at(issued_on + timedelta(days=1), 6)
