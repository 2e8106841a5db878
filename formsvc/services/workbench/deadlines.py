"""Staff actions on a due date: 申请延期 and its decision, a supervisor's new date.

How a due date is counted (and explained to the citizen) is services/deadlines.py; here the
requests, the checks and the events.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.domain import kinds
from formsvc.models import Message
from formsvc.models.staff import Staff
from formsvc.models.workbench import ExtensionRequest
from formsvc.services import deadlines, notify
from formsvc.services.workbench.context import ActionError, Context, get_message, text_field

EXTENSION_STATUS_LABELS = {"pending": "待审批", "approved": "已批准", "refused": "未批准"}


def pending_extension(session: Session, message: Message) -> ExtensionRequest | None:
    """The extension request of ``message`` waiting for a decision, if any."""
    return session.scalar(select(ExtensionRequest).where(
        ExtensionRequest.message_id == message.id, ExtensionRequest.status == "pending"))


def extensions(session: Session, message: Message) -> list[ExtensionRequest]:
    """Every extension request of ``message``, oldest first."""
    return list(session.scalars(select(ExtensionRequest).where(
        ExtensionRequest.message_id == message.id).order_by(ExtensionRequest.id)))


def request_extension(ctx: Context, staff: Staff, number: str, days: int | str,
                      reason: str) -> ExtensionRequest:
    """申请延期; a disclosure request may be extended once, by at most 20 working days (Art. 33)."""
    message = get_message(ctx, staff, number)
    kind = kinds.get(message.kind)
    limit = kinds.extension_limit(kind, ctx.config) if kind else 0
    if limit <= 0:
        raise ActionError("not_extendable", f"{kind.label if kind else '该类'}留言不能延期", "days")
    try:
        n = int(str(days).strip())
    except ValueError:
        raise ActionError("invalid_days", "延长天数应为整数", "days") from None
    if not 1 <= n <= limit:
        raise ActionError("invalid_days", f"延长天数应在 1 到 {limit} 个工作日之间", "days")
    reason = text_field(reason, "延期理由")
    done = [e for e in extensions(ctx.session, message) if e.status in ("pending", "approved")]
    if done:
        raise ActionError("extension_used", "每件只能延期一次：已有延期申请或已延期", "days")
    ctx.apply(staff, message, "request_extension", f"申请延长 {n} 个工作日：{reason}")
    req = ExtensionRequest(message_id=message.id, days=n, reason=reason, status="pending",
                           requested_by_id=staff.id, requested_at=ctx.now,
                           old_due_date=message.due_date, decision_note="")
    ctx.session.add(req)
    notify.tell_supervisors(ctx.session, ctx.config, "extension_requested", message, days=n,
                            note=reason)
    ctx.commit()
    return req


def decide_extension(ctx: Context, staff: Staff, number: str, approve: bool,
                     note: str = "") -> ExtensionRequest:
    """Approve (the due date moves, the applicant is told) or refuse a pending extension."""
    message = get_message(ctx, staff, number)
    req = pending_extension(ctx.session, message)
    if req is None:
        raise ActionError("no_request", "没有待审批的延期申请")
    note = text_field(note, "审批意见", required=not approve)
    if approve:
        new_due = deadlines.extension_count(ctx.calendar, message.due_date, req.days).due
        ctx.apply(staff, message, "approve_extension",
                  f"答复期限延长 {req.days} 个工作日，由 {message.due_date.isoformat()} 延至 "
                  f"{new_due.isoformat()}。理由：{req.reason}")
        # the date the extension was counted from: a supervisor may have moved it since the
        # request (tracking explains the new date from these two)
        req.old_due_date, req.new_due_date = message.due_date, new_due
        message.due_date = new_due
        message.extension_days += req.days
        req.status = "approved"
        # Art. 33: the applicant is told of the extension
        notify.queue_all(ctx.session, [message.email], "extension_approved", message,
                         days=req.days, note=req.reason)
    else:
        ctx.apply(staff, message, "refuse_extension", note)
        req.status = "refused"
    req.decided_by_id, req.decided_at, req.decision_note = staff.id, ctx.now, note
    notify.tell_department(ctx.session, ctx.config, "extension_decided", message,
                           decision="已批准" if approve else "未获批准", note=note)
    ctx.commit()
    return req


def change_due(ctx: Context, staff: Staff, message: Message, new_due: date, reason: str) -> None:
    """Set a new due date by hand (a supervisor's change, alone or with a transfer)."""
    old = message.due_date
    ctx.apply(staff, message, "change_due",
              f"答复期限由 {old.isoformat()} 调整为 {new_due.isoformat()}：{reason}")
    message.due_date = new_due


def change_due_date(ctx: Context, staff: Staff, number: str, new_due: date | None,
                    reason: str) -> Message:
    """A supervisor sets a different due date (the only way besides an approved extension)."""
    message = get_message(ctx, staff, number)
    if new_due is None:
        raise ActionError("invalid_date", "请填写新的答复期限（YYYY-MM-DD）", "due_date")
    if new_due < ctx.today:
        raise ActionError("invalid_date", "新的答复期限不能早于今天", "due_date")
    reason = text_field(reason, "调整理由")
    change_due(ctx, staff, message, new_due, reason)
    ctx.commit()
    return message

