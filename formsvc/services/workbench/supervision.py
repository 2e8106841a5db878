"""Supervision: 督办 notes, unsatisfied ratings flagged to the supervisors, reopening once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.db import utcnow
from formsvc.models import Message
from formsvc.models.staff import DEPARTMENT_ROLES, Staff
from formsvc.services import deadlines, lifecycle, notify
from formsvc.services.lifecycle import Status
from formsvc.services.workbench.context import (
    ActionError,
    Context,
    get_message,
    note_only,
    noted_action,
    scope_clause,
    text_field,
)
from formsvc.services.workbench.replies import draft_of


def supervise(ctx: Context, staff: Staff, number: str, note: str) -> Message:
    """督办: a supervisor's note to the department, logged and mailed."""
    message, note = noted_action(ctx, staff, number, "supervise", "督办意见", note)
    notify.tell_department(ctx.session, ctx.config, "supervise", message, roles=DEPARTMENT_ROLES,
                           note=note)
    ctx.commit()
    return message


def reopen(ctx: Context, staff: Staff, number: str, note: str) -> Message:
    """Reopen a message the citizen rated 不满意 (once); it gets a new full time limit."""
    message = get_message(ctx, staff, number)
    if message.rating != "unsatisfied":
        raise ActionError("not_unsatisfied", "只有评价为“不满意”的留言可以重新办理")
    note = text_field(note, "重新办理的意见")
    new_due = deadlines.reopen_count(ctx.calendar, ctx.today, message.time_limit_days).due
    ctx.apply(staff, message, "reopen", f"{note}（新的答复期限 {new_due.isoformat()}）")
    message.due_date = new_due
    # the citizen rates the new answer; the old rating stays in the event log
    message.rating, message.rating_comment, message.rated_at = "", "", None
    message.closed_at, message.replied_at = None, None
    message.replied_on = message.reply_working_days = None  # stats.record_reply's facts
    draft = draft_of(ctx.session, message)
    if draft is not None:
        draft.status = "draft"
    notify.tell_department(ctx.session, ctx.config, "reopened", message, roles=DEPARTMENT_ROLES,
                           note=note)
    ctx.commit()
    return message


def handle_flag(ctx: Context, staff: Staff, number: str, note: str) -> Message:
    """The supervisor has looked at an unsatisfied rating and decided not to reopen."""
    return note_only(ctx, staff, number, "flag_handled", "处理意见", note)


def on_rated(session: Session, config: Mapping[str, Any], message: Message,
             now: datetime | None = None) -> None:
    """Called in the rating transaction: an unsatisfied rating is flagged to the supervisors."""
    if message.rating != "unsatisfied":
        return
    lifecycle.apply(message, "flag_unsatisfied", actor="system", role="system",
                    note="群众评价不满意，已提请督办", now=now or utcnow(), public=False)
    notify.tell_supervisors(session, config, "unsatisfied", message)


def flagged(ctx: Context, staff: Staff) -> list[Message]:
    """Closed messages rated 不满意 that no supervisor has handled yet."""
    rows = ctx.session.scalars(select(Message).where(
        Message.rating == "unsatisfied", Message.status == Status.CLOSED,
        scope_clause(staff)).order_by(Message.rated_at))
    out = []
    for m in rows:
        handled = [e for e in m.events if e.action == "flag_handled"
                   and (m.rated_at is None or e.created_at >= m.rated_at)]
        if not handled:
            out.append(m)
    return out


def can_reopen(message: Message) -> bool:
    """Whether the 重新办理 button is offered: closed, rated 不满意, never reopened."""
    return (message.status == Status.CLOSED and message.rating == "unsatisfied"
            and not any(e.action == "reopen" for e in message.events))

