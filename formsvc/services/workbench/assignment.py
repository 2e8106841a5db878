"""Who in the department handles a message (指定承办人), and 分办 of several messages at once.

An assignee is an active handler or reviewer of the message's department; anyone else (another
department's staff, a county-wide role, a disabled account, an id that is no account) is refused
with the same message. The assignment is an internal event naming the handler, and a mail to
the handler (``assigned``, in the same transaction; not when naming oneself); the message leaves its assignee behind when it leaves the department (转办, 退回分办: routing.py).

Bulk 分办 is all or nothing: every number is checked and dispatched in one transaction, each with
its own event and notification; if any one cannot be dispatched (not in scope, no longer waiting
for 分办), nothing is, and the error names those numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.models import Message
from formsvc.models.staff import DEPARTMENT_ROLES, Staff
from formsvc.services import notify
from formsvc.services.workbench.context import (
    ActionError,
    Context,
    NotFound,
    get_message,
    messages_with_events,
    text_field,
)
from formsvc.services.workbench.routing import active_department, dispatch_steps

# the most messages one bulk 分办 takes (the queue shows 20 a page; a few pages at most)
BULK_MAX = 100
UNASSIGN = ""


def assignable(session: Session, message: Message) -> Sequence[Staff]:
    """The accounts that may be named the message's handler, by name."""
    if message.department_id is None:
        return []
    return session.scalars(select(Staff).where(
        Staff.department_id == message.department_id, Staff.active.is_(True),
        Staff.role.in_(sorted(DEPARTMENT_ROLES))).order_by(Staff.display_name, Staff.id)).all()


def assign(ctx: Context, staff: Staff, number: str, assignee: str) -> Message:
    """Name the handler (``assignee``: a staff id as the form sends it; "" clears it)."""
    message = get_message(ctx, staff, number)
    assignee = (assignee or "").strip()
    if assignee == UNASSIGN:
        if message.assignee_id is None:
            raise ActionError("unchanged", "该留言尚未指定承办人", "assignee")
        ctx.apply(staff, message, "assign", "取消指定承办人")
        message.assignee_id = None
        ctx.commit()
        return message
    chosen = {str(s.id): s for s in assignable(ctx.session, message)}.get(assignee)
    if chosen is None:
        raise ActionError("invalid_assignee", "请从本单位的承办人和审核人中选择", "assignee")
    if message.assignee_id == chosen.id:
        raise ActionError("unchanged", f"承办人已经是{chosen.display_name}", "assignee")
    ctx.apply(staff, message, "assign", f"指定承办人：{chosen.display_name}")
    message.assignee_id = chosen.id
    if chosen.id != staff.id:  # who names themselves needs no mail about it
        notify.tell_assignee(ctx.session, message, chosen)
    ctx.commit()
    return message


def dispatch_many(ctx: Context, staff: Staff, numbers: Iterable[str], department_code: str,
                  note: str = "") -> list[Message]:
    """分办 every message of ``numbers`` to one department, in one transaction, or none."""
    wanted = list(dict.fromkeys(n.strip().upper() for n in numbers if n and n.strip()))
    if not wanted:
        raise ActionError("none_selected", "请至少选择一件留言", "numbers")
    if len(wanted) > BULK_MAX:
        raise ActionError("too_many", f"一次最多分办 {BULK_MAX} 件", "numbers")
    dept = active_department(ctx, department_code)
    note = text_field(note, "分办说明", required=False)
    # one look-up for the batch: the messages in scope (with their events, which each step
    # appends to), and the department's recipients, the same for every message
    found = messages_with_events(ctx, staff, wanted)
    recipients = notify.department_recipients(ctx.session, dept, ctx.config)
    done: list[Message] = []
    refused: list[str] = []
    for number in wanted:
        try:
            if number not in found:
                raise NotFound(number)
            done.append(dispatch_steps(ctx, staff, found[number], dept, note, recipients))
        except (NotFound, ActionError):
            refused.append(number)
    if refused:
        ctx.session.rollback()
        raise ActionError("not_dispatchable", "以下留言不存在或已不在待分办状态，本次没有分办任何"
                          "留言，请刷新列表后重新选择：" + "、".join(refused), "numbers")
    ctx.commit()
    return done
