"""Routing a message: 分办 to a department, 不予受理, 转办 to another one, 退回分办, internal notes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from formsvc.models import Message
from formsvc.models.staff import Staff
from formsvc.models.workbench import ReplyDraft
from formsvc.services import notify
from formsvc.services.workbench.context import (
    ActionError,
    Context,
    active_department,
    apply,
    commit,
    get_message,
    text_field,
)
from formsvc.services.workbench.deadlines import change_due


def dispatch(ctx: Context, staff: Staff, number: str, department_code: str,
             note: str = "") -> Message:
    """分办: send a new message to the department that must answer it."""
    message = get_message(ctx, staff, number)
    dept = active_department(ctx, department_code)
    note = text_field(note, "分办说明", required=False)
    apply(ctx, staff, message, "dispatch", f"分办至{dept.name}")
    message.department = dept
    if note:
        apply(ctx, staff, message, "note", f"分办说明：{note}")
    to = notify.department_recipients(ctx.session, dept, ctx.config)
    notify.queue_all(ctx.session, to, "dispatched", message)
    commit(ctx)
    return message


def reject(ctx: Context, staff: Staff, number: str, reason: str) -> Message:
    """不予受理, with the reason the citizen reads on the tracking page."""
    message = get_message(ctx, staff, number)
    reason = text_field(reason, "不予受理的理由")
    apply(ctx, staff, message, "reject", reason)
    message.closed_at = ctx.now
    notify.queue_all(ctx.session, [message.email], "rejected", message, note=reason)
    commit(ctx)
    return message


def transfer(ctx: Context, staff: Staff, number: str, department_code: str, reason: str,
             new_due: date | None = None) -> Message:
    """转办 to another department; the original due date stays unless a supervisor sets one."""
    message = get_message(ctx, staff, number)
    dept = active_department(ctx, department_code)
    reason = text_field(reason, "转办理由")
    if message.department_id == dept.id:
        raise ActionError("same_department", "不能转办给本单位，请选择其他单位", "department")
    if new_due is not None and staff.role not in ("supervisor", "admin"):
        raise ActionError("forbidden", "只有督办员可以在转办时调整答复期限", "due_date")
    old = message.department
    old_name = old.name if old else "分办"
    apply(ctx, staff, message, "transfer", f"由{old_name}转至{dept.name}：{reason}")
    message.department = dept
    # the new department starts its own draft; the old one's stays in the event log only
    draft = ctx.session.scalar(select(ReplyDraft).where(ReplyDraft.message_id == message.id))
    if draft is not None:
        ctx.session.delete(draft)
    due_changed = new_due is not None and new_due != message.due_date
    if due_changed:
        change_due(ctx, staff, message, new_due, f"转办时调整：{reason}")  # type: ignore[arg-type]
    to = notify.department_recipients(ctx.session, dept, ctx.config)
    notify.queue_all(ctx.session, to, "transferred", message, from_department=old_name,
                     note=reason, due_changed=due_changed)
    commit(ctx)
    return message


def return_to_dispatcher(ctx: Context, staff: Staff, number: str, reason: str) -> Message:
    """退回分办: the department says the message is not theirs and does not know whose it is."""
    message = get_message(ctx, staff, number)
    reason = text_field(reason, "退回理由")
    old_name = message.department.name if message.department else ""
    apply(ctx, staff, message, "return", reason)
    to = notify.dispatcher_recipients(ctx.session, ctx.config)
    notify.queue_all(ctx.session, to, "returned", message, from_department=old_name, note=reason)
    commit(ctx)
    return message


def add_note(ctx: Context, staff: Staff, number: str, text: str) -> Message:
    """An internal note: staff see it on the timeline, citizens never do."""
    message = get_message(ctx, staff, number)
    apply(ctx, staff, message, "note", text_field(text, "内部备注"))
    commit(ctx)
    return message

