"""签收: the department holding a dispatched message acknowledges it.

The time to sign is counted in working days from the latest handover (分办, 转办, 重新办理:
``lifecycle.HANDOVER_ACTIONS``, which also clear an earlier signature) to the signature, both
county dates; signed within ``SIGN_WITHIN_WORKING_DAYS`` is the 响应率 of the statistics
(``services/stats.py`` counts ``sign_working_days``).
"""

from __future__ import annotations

from formsvc.config import county_date
from formsvc.models import Message
from formsvc.models.staff import Staff
from formsvc.services.deadlines import working_days_between
from formsvc.services.lifecycle import HANDOVER_ACTIONS
from formsvc.services.workbench.context import ActionError, Context, get_message


def sign(ctx: Context, staff: Staff, number: str) -> Message:
    """签收 the message for the staff member's department; once per handover."""
    message = get_message(ctx, staff, number)
    if message.signed_at is not None:
        raise ActionError("already_signed", "本单位已签收该留言")
    handed = [e.created_at for e in message.events if e.action in HANDOVER_ACTIONS]
    handed_on = county_date(ctx.config, handed[-1]) if handed else message.received_on
    days = max(0, working_days_between(ctx.calendar, handed_on, ctx.today))
    # the citizen's timeline shows this event: it names the department, not how late it signed
    # (the working days are on the message for staff and the statistics)
    ctx.apply(staff, message, "sign", f"{staff.department.name if staff.department else ''}签收")
    message.signed_at = ctx.now
    message.sign_working_days = days
    ctx.commit()
    return message


def can_sign(staff: Staff, message: Message) -> bool:
    """Whether the 签收 button is offered: the department holds it and has not signed yet."""
    return (message.signed_at is None and message.status == "assigned"
            and staff.department_id is not None and staff.department_id == message.department_id
            and staff.role in ("handler", "reviewer"))
