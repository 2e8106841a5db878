"""Publishing a reply in the public letter box, masked, with the citizen's consent; withdrawing it.

The search index follows after each commit (services/search.py): the database is the record.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.config import county_zone
from formsvc.domain import consent, personal_data
from formsvc.models import Message
from formsvc.models.staff import Staff
from formsvc.models.workbench import Letter
from formsvc.services import county_numbers, masking, search
from formsvc.services.lifecycle import Status
from formsvc.services.workbench.context import (
    REPLY_MAX,
    ActionError,
    Context,
    get_message,
    text_field,
)


def letter_of(session: Session, message: Message) -> Letter | None:
    """The letter-box entry of ``message``, published or withdrawn, if any."""
    return session.scalar(select(Letter).where(Letter.message_id == message.id))


def letter_draft(ctx: Context, message: Message) -> dict[str, str]:
    """The texts proposed for publication: masked by default, for staff to review and edit."""
    existing = letter_of(ctx.session, message)
    if existing is not None:
        return {"subject": existing.subject, "question": existing.question,
                "reply": existing.reply}
    known = personal_data.values(message)
    numbers = county_numbers.public_numbers(ctx.session, ctx.config)
    return {"subject": masking.mask_text(message.subject, known, numbers),
            "question": masking.mask_text(message.content, known, numbers),
            "reply": masking.mask_text(message.reply_text, known, numbers)}


def publish(ctx: Context, staff: Staff, number: str, subject: str, question: str, reply: str,
            reviewed: bool) -> Letter:
    """Publish the reviewed texts in the letter box (only with the citizen's consent)."""
    message = get_message(ctx, staff, number)
    if not message.consent_publish:
        raise ActionError("no_consent", "提交人未同意公开，不能在公开信箱发布")
    if consent.needs_reconfirmation(message.consent_publish, message.consent_source):
        raise ActionError("consent_unconfirmed", consent.UNCONFIRMED_MESSAGE)
    if message.replied_at is None or message.status not in (Status.REPLIED, Status.CLOSED):
        raise ActionError("not_replied", "答复后才能公开")
    if not reviewed:
        raise ActionError("not_reviewed", "请确认已审阅公开内容，且不含个人信息", "reviewed")
    known = personal_data.values(message)
    numbers = county_numbers.public_numbers(ctx.session, ctx.config)
    # masked again on the way in: a reviewer's edit must not bring personal data back
    texts = {
        "subject": masking.mask_text(text_field(subject, "公开标题", limit=200, field_name="subject"),
                                     known, numbers),
        "question": masking.mask_text(text_field(question, "公开的留言内容", limit=REPLY_MAX,
                                                 field_name="question"), known, numbers),
        "reply": masking.mask_text(text_field(reply, "公开的答复内容", limit=REPLY_MAX + 200,
                                              field_name="reply"), known, numbers),
    }
    letter = letter_of(ctx.session, message)
    ctx.apply(staff, message, "publish_letter")
    if letter is None:
        letter = Letter(message_id=message.id)
    tz = county_zone(ctx.config)
    letter.kind, letter.department_id = message.kind, message.department_id
    letter.masked_name = masking.mask_name(message.name)
    letter.subject, letter.question, letter.reply = (texts["subject"], texts["question"],
                                                     texts["reply"])
    letter.received_on = message.received_on
    letter.replied_on = message.replied_at.astimezone(tz).date()
    letter.published, letter.published_at, letter.published_by_id = True, ctx.now, staff.id
    letter.withdrawn_at = None
    ctx.session.add(letter)
    ctx.commit()
    search.publish_letter(ctx.config, letter)  # after the commit: the index is a copy
    return letter


def withdraw(ctx: Context, staff: Staff, number: str, reason: str) -> Letter:
    """Take a published letter out of the letter box (and the search), with a reason."""
    message = get_message(ctx, staff, number)
    letter = letter_of(ctx.session, message)
    if letter is None or not letter.published:
        raise ActionError("not_published", "该留言没有公开")
    ctx.apply(staff, message, "withdraw_letter", text_field(reason, "撤回理由"))
    letter.published, letter.withdrawn_at = False, ctx.now
    ctx.commit()
    search.unpublish_letter(ctx.config, letter.id)
    return letter

