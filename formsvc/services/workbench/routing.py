"""Routing a message: 分办 to a department, 不予受理, 转办 to another one, 退回分办, internal notes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from formsvc.models import Department, Message
from formsvc.models.staff import Staff
from formsvc.services import notify
from formsvc.services.workbench.context import (
    ActionError,
    Context,
    NotFound,
    get_message,
    messages_with_events,
    note_only,
    noted_action,
    text_field,
)
from formsvc.services.workbench.deadlines import change_due
from formsvc.services.workbench.replies import draft_of


def dispatch(ctx: Context, staff: Staff, number: str, department_code: str,
             note: str = "") -> Message:
    """分办: send a new message to the department that must answer it."""
    # everything read before the first change, as for a bulk 分办: the changes then flush once,
    # at the commit, and the statistics of each key are refreshed once
    message = messages_with_events(ctx, staff, [number]).get((number or "").strip().upper())
    if message is None:
        raise NotFound(number)
    dept = active_department(ctx, department_code)
    note = text_field(note, "分办说明", required=False)
    recipients = notify.department_recipients(ctx.session, dept, ctx.config)
    dispatch_steps(ctx, staff, message, dept, note, recipients)
    ctx.commit()
    return message


def dispatch_steps(ctx: Context, staff: Staff, message: Message, dept: Department,
                   note: str, recipients: Sequence[str] | None = None) -> Message:
    """分办's changes to one message, uncommitted (one 分办, or each of a bulk 分办:
    assignment.dispatch_many): the event, the department, the note, the department's mail
    (to ``recipients`` when the caller looked them up once for many messages)."""
    ctx.apply(staff, message, "dispatch", f"分办至{dept.name}")
    message.department = dept
    if note:
        ctx.apply(staff, message, "note", f"分办说明：{note}")
    if recipients is None:
        recipients = notify.department_recipients(ctx.session, dept, ctx.config)
    notify.queue_all(ctx.session, recipients, "dispatched", message)
    return message


def reject(ctx: Context, staff: Staff, number: str, reason: str) -> Message:
    """不予受理, with the reason the citizen reads on the tracking page."""
    message = get_message(ctx, staff, number)
    reason = text_field(reason, "不予受理的理由")
    ctx.apply(staff, message, "reject", reason)
    message.closed_at = ctx.now
    notify.queue_all(ctx.session, [message.email], "rejected", message, note=reason)
    ctx.commit()
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
    ctx.apply(staff, message, "transfer", f"由{old_name}转至{dept.name}：{reason}")
    message.department = dept
    message.assignee_id = None  # the named handler was the old department's
    # the new department starts its own draft; the old one's stays in the event log only
    draft = draft_of(ctx.session, message)
    if draft is not None:
        ctx.session.delete(draft)
    due_changed = new_due is not None and new_due != message.due_date
    if due_changed:
        change_due(ctx, staff, message, new_due, f"转办时调整：{reason}")  # type: ignore[arg-type]
    notify.tell_department(ctx.session, ctx.config, "transferred", message,
                           from_department=old_name, note=reason, due_changed=due_changed)
    ctx.commit()
    return message


def return_to_dispatcher(ctx: Context, staff: Staff, number: str, reason: str) -> Message:
    """退回分办: the department says the message is not theirs and does not know whose it is."""
    message, reason = noted_action(ctx, staff, number, "return", "退回理由", reason)
    message.assignee_id = None  # back to the dispatcher: no one in the department handles it
    old_name = message.department.name if message.department else ""
    notify.tell_dispatchers(ctx.session, ctx.config, "returned", message,
                            from_department=old_name, note=reason)
    ctx.commit()
    return message


def add_note(ctx: Context, staff: Staff, number: str, text: str) -> Message:
    """An internal note: staff see it on the timeline, citizens never do."""
    return note_only(ctx, staff, number, "note", "内部备注", text)


def active_department(ctx: Context, code: str, field_name: str = "department") -> Department:
    """The active department of ``code``; the form error that asks to choose one otherwise."""
    dept = ctx.session.scalar(select(Department).where(Department.code == (code or "").strip(),
                                                       Department.active.is_(True)))
    if dept is None:
        raise ActionError("department_required", "请选择承办单位", field_name)
    return dept
