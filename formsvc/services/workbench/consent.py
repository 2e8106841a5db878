"""Consent to publication that must be asked again (formsvc.domain.consent): the list and the
staff action that records the citizen's answer (publication's own check is in letters.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.domain import consent
from formsvc.models import Message
from formsvc.models.staff import Staff
from formsvc.services.workbench.context import ActionError, Context, get_message, text_field
from formsvc.services.workbench.letters import letter_of, withdraw

# the answers staff record, form value → consent_publish
ANSWERS = {"yes": True, "no": False}


def unconfirmed(session: Session) -> list[Message]:
    """Every message whose 同意公开 = 是 must be asked again before publication, oldest first."""
    return list(session.scalars(
        select(Message).where(Message.consent_publish.is_(True),
                              Message.consent_source == consent.UNKNOWN).order_by(Message.id)))


def reconfirm(ctx: Context, staff: Staff, number: str, answer: str, how: str) -> Message:
    """Record what the citizen answered when asked again (``answer`` yes/no) and how they were
    asked; a 否 takes an already published letter out of the letter box at once."""
    message = get_message(ctx, staff, number)
    if not consent.needs_reconfirmation(message.consent_publish, message.consent_source):
        raise ActionError("not_unconfirmed", "该留言的公开意愿不需要重新确认")
    if answer not in ANSWERS:
        raise ActionError("answer_required", "请选择提交人的答复：同意公开或不同意公开", "answer")
    how = text_field(how, "确认方式（如 12 月 6 日电话确认）")
    agreed = ANSWERS[answer]
    ctx.apply(staff, message, "reconfirm_consent",
              f"{'同意公开' if agreed else '不同意公开'}。{how}")
    message.consent_publish, message.consent_source = agreed, consent.STAFF
    ctx.commit()
    letter = letter_of(ctx.session, message)
    if not agreed and letter is not None and letter.published:
        withdraw(ctx, staff, number, "提交人重新确认时不同意公开")
    return message
