"""督办 and 纠错 notices: a supervisor asks the department holding a message to act or to correct
something, and the department must answer in writing within ``NOTICE_ANSWER_DAYS`` working days.

Each step is an event of the message (``issue_notice``, ``answer_notice``) and a row of
``supervision_notice`` that keeps who answered when; answered and unanswered notices are counted
per department for the supervision page, the inbox and the performance score.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from formsvc.config import county_date
from formsvc.domain.supervision import NOTICE_ANSWER_DAYS, NOTICE_KINDS
from formsvc.models import Department, Message
from formsvc.models.staff import DEPARTMENT_ROLES, Staff
from formsvc.models.supervision import SupervisionNotice
from formsvc.services import notify
from formsvc.services.workbench.context import ActionError, Context, get_message, text_field


def issue(ctx: Context, staff: Staff, number: str, kind: str, text: str) -> SupervisionNotice:
    """A supervisor's 督办 or 纠错 notice to the department holding the message."""
    message = get_message(ctx, staff, number)
    if not isinstance(kind, str) or kind not in NOTICE_KINDS:
        raise ActionError("invalid_kind", "请选择通知类型（督办或纠错）", "kind")
    text = text_field(text, "通知内容")
    if message.department_id is None:
        raise ActionError("no_department", "留言尚未分办，不能发出督办或纠错通知")
    ctx.apply(staff, message, "issue_notice", f"{NOTICE_KINDS[kind]}：{text}")
    due = ctx.calendar.add_working_days(ctx.today, NOTICE_ANSWER_DAYS).due
    notice = SupervisionNotice(message=message, department_id=message.department_id, kind=kind,
                               text=text, issued_by_id=staff.id, issued_at=ctx.now,
                               answer_due=due, answer="")
    ctx.session.add(notice)
    notify.tell_department(ctx.session, ctx.config, "supervise", message,
                           roles=DEPARTMENT_ROLES, note=f"{NOTICE_KINDS[kind]}：{text}")
    ctx.commit()
    return notice


def answer(ctx: Context, staff: Staff, number: str, notice_id: str | int | None,
           text: str) -> SupervisionNotice:
    """The department's written answer to one open notice of the message."""
    message = get_message(ctx, staff, number)
    notice = next((n for n in open_notices(ctx.session, message)
                   if str(n.id) == str(notice_id or "").strip()), None)
    if notice is None:
        raise ActionError("no_notice", "没有待回复的督办或纠错通知", "notice")
    if staff.department_id != notice.department_id and staff.role != "admin":
        raise ActionError("forbidden", "只有承办单位可以回复通知")
    text = text_field(text, "回复内容")
    ctx.apply(staff, message, "answer_notice", f"回复{NOTICE_KINDS[notice.kind]}：{text}")
    notice.answer, notice.answered_by_id, notice.answered_at = text, staff.id, ctx.now
    notify.tell_supervisors(ctx.session, ctx.config, "notice_answered", message,
                            notice_kind=NOTICE_KINDS[notice.kind], note=text)
    ctx.commit()
    return notice


def open_notices(session: Session, message: Message) -> list[SupervisionNotice]:
    """The message's notices not answered yet, oldest first."""
    return list(session.scalars(select(SupervisionNotice).where(
        SupervisionNotice.message_id == message.id, SupervisionNotice.answered_at.is_(None))
        .order_by(SupervisionNotice.id)))


def notices_of(session: Session, message: Message) -> list[SupervisionNotice]:
    """Every notice of the message, oldest first."""
    return list(session.scalars(select(SupervisionNotice).where(
        SupervisionNotice.message_id == message.id).order_by(SupervisionNotice.id)))


@dataclass
class NoticeRow:
    notice: SupervisionNotice
    number: str
    subject: str
    department: str
    late: bool  # unanswered past its answer date, or answered after it


def listing(ctx: Context, staff: Staff, unanswered_only: bool = False,
            limit: int = 200) -> list[NoticeRow]:
    """Notices the staff member may see: all for county-wide roles, the own department's else."""
    q = (select(SupervisionNotice, Message.tracking_number, Message.subject, Department.name)
         .join(Message, SupervisionNotice.message_id == Message.id)
         .join(Department, SupervisionNotice.department_id == Department.id))
    if not staff.county_wide:
        q = q.where(SupervisionNotice.department_id == (staff.department_id or -1))
    if unanswered_only:
        q = q.where(SupervisionNotice.answered_at.is_(None))
    rows = ctx.session.execute(q.order_by(SupervisionNotice.answered_at.is_not(None),
                                          SupervisionNotice.answer_due,
                                          SupervisionNotice.id).limit(limit))
    return [NoticeRow(n, num, subj, dept, _late(ctx, n)) for n, num, subj, dept in rows]


def _late(ctx: Context, n: SupervisionNotice) -> bool:
    answered: date = (ctx.today if n.answered_at is None
                      else county_date(ctx.config, n.answered_at))
    return answered > n.answer_due


def unanswered_counts(session: Session) -> dict[int, int]:
    """Unanswered notices per department id."""
    return dict(session.execute(select(SupervisionNotice.department_id, func.count()).where(
        SupervisionNotice.answered_at.is_(None)).group_by(SupervisionNotice.department_id)).all())
