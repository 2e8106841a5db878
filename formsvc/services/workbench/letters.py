"""The public letter box, with four eyes: one person proposes the masked texts, a second approves
them (and only then are they published) or returns them with a reason; withdrawing at once.

Who may approve: a reviewer of the message's department; where the department has no active
reviewer besides the proposer, a county dispatcher (an administrator acts as either). Nobody
approves their own proposal, whatever their roles. The event log holds both steps
(``propose_letter`` by the proposer, ``publish_letter`` by the approver, naming the proposer).

The search index follows after each commit (services/search.py): the database is the record, and
every public view reads ``Letter.published``, so a withdrawal hides the letter even when the index
could not be updated.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from formsvc.config import county_zone
from formsvc.domain import consent, kinds, personal_data
from formsvc.models import Message
from formsvc.models.staff import Staff
from formsvc.models.workbench import Letter, LetterProposal
from formsvc.services import county_numbers, masking, notify, search
from formsvc.services.lifecycle import Status
from formsvc.services.workbench.context import (
    REPLY_MAX,
    ActionError,
    Context,
    get_message,
    scope_clause,
    text_field,
)

PENDING, APPROVED, RETURNED = "pending", "approved", "returned"
# what staff read about a proposal (the message page, the queue)
PROPOSAL_STATUS_LABELS = {PENDING: "待审核公开", APPROVED: "已审核发布", RETURNED: "已退回修改"}
# the public texts, in the order the forms and the review show them
LETTER_FIELDS = (("subject", "公开标题"), ("question", "公开的留言内容"), ("reply", "公开的答复内容"))


def letter_of(session: Session, message: Message) -> Letter | None:
    """The letter-box entry of ``message``, published or withdrawn, if any."""
    return session.scalar(select(Letter).where(Letter.message_id == message.id))


def proposal_of(session: Session, message: Message) -> LetterProposal | None:
    """The latest proposal to publish ``message`` (pending, approved or returned), if any."""
    return session.scalar(select(LetterProposal).where(LetterProposal.message_id == message.id))


def letter_draft(ctx: Context, message: Message) -> dict[str, str]:
    """The texts proposed for publication: the open proposal's, the letter's, or the message's
    masked, for staff to review and edit."""
    proposal = proposal_of(ctx.session, message)
    if proposal is not None and proposal.status != APPROVED:
        return {name: getattr(proposal, name) for name, _ in LETTER_FIELDS}
    existing = letter_of(ctx.session, message)
    if existing is not None:
        return {name: getattr(existing, name) for name, _ in LETTER_FIELDS}
    known = personal_data.values(message)
    numbers = county_numbers.public_numbers(ctx.session, ctx.config)
    return {"subject": masking.mask_text(message.subject, known, numbers),
            "question": masking.mask_text(message.content, known, numbers),
            "reply": masking.mask_text(message.reply_text, known, numbers)}


def review_of(ctx: Context, message: Message,
              proposal: LetterProposal) -> dict[str, list[masking.Segment]]:
    """The proposal's texts for the approver: every masked span, kept public number and run of
    digits left in as its own segment (masking.review)."""
    known = personal_data.values(message)
    numbers = county_numbers.public_numbers(ctx.session, ctx.config)
    return {name: masking.review(getattr(proposal, name), known, numbers)
            for name, _ in LETTER_FIELDS}


def _check_publishable(message: Message) -> None:
    """What both steps require of the message itself: a kind that may be published, the
    citizen's consent and a reply."""
    kind = kinds.get(message.kind)
    if kind is not None and not kind.publishable:
        raise ActionError("not_publishable", f"{kind.label}不在公开信箱发布")
    if not message.consent_publish:
        raise ActionError("no_consent", "提交人未同意公开，不能在公开信箱发布")
    if consent.needs_reconfirmation(message.consent_publish, message.consent_source):
        raise ActionError("consent_unconfirmed", consent.UNCONFIRMED_MESSAGE)
    if message.replied_at is None or message.status not in (Status.REPLIED, Status.CLOSED):
        raise ActionError("not_replied", "答复后才能公开")


def propose(ctx: Context, staff: Staff, number: str, subject: str, question: str, reply: str,
            reviewed: bool) -> LetterProposal:
    """Propose the reviewed texts for publication; a second person approves them."""
    message = get_message(ctx, staff, number)
    _check_publishable(message)
    if not reviewed:
        raise ActionError("not_reviewed", "请确认已审阅公开内容，且不含个人信息", "reviewed")
    known = personal_data.values(message)
    numbers = county_numbers.public_numbers(ctx.session, ctx.config)
    given = {"subject": subject, "question": question, "reply": reply}
    limits = {"subject": 200, "question": REPLY_MAX, "reply": REPLY_MAX + 200}
    # masked on the way in: an edit must not bring personal data back
    texts = {name: masking.mask_text(text_field(given[name], label, limit=limits[name],
                                                field_name=name), known, numbers)
             for name, label in LETTER_FIELDS}
    proposal = proposal_of(ctx.session, message)
    ctx.apply(staff, message, "propose_letter",
              "修改后重新提请" if proposal is not None and proposal.status == PENDING else "")
    if proposal is None:
        proposal = LetterProposal(message_id=message.id, revision=0)
        ctx.session.add(proposal)
    for name, text in texts.items():
        setattr(proposal, name, text)
    # a new revision: an approval given on a page showing the older texts is refused
    proposal.revision = (proposal.revision or 0) + 1
    proposal.status, proposal.proposed_by_id, proposal.proposed_at = PENDING, staff.id, ctx.now
    proposal.reviewed_by_id, proposal.reviewed_at, proposal.review_note = None, None, ""
    notify.queue_all(ctx.session, _approvers(ctx, message, staff), "letter_proposed", message)
    ctx.commit()
    return proposal


def _approvers(ctx: Context, message: Message, proposer: Staff) -> list[str]:
    """Whom to tell of a proposal: the department's other reviewers, else the dispatchers."""
    if _has_reviewer(ctx.session, message.department_id, proposer.id):
        emails = notify.staff_emails(ctx.session, ["reviewer"], message.department_id)
    else:
        emails = notify.dispatcher_recipients(ctx.session, ctx.config)
    return [e for e in emails if e != proposer.email]


def approval_refusal(session: Session, staff: Staff, message: Message,
                     proposal: LetterProposal | None) -> ActionError | None:
    """Why ``staff`` may not approve (or return) ``proposal``, or None when they may."""
    if proposal is None or proposal.status != PENDING:
        return ActionError("not_pending", "没有待审核的公开申请（可能已由他人审核）")
    if proposal.proposed_by_id == staff.id:
        return ActionError("own_proposal", "不能审核自己提请的公开，须由另一位工作人员审核")
    if staff.role == "reviewer":
        if staff.department_id is None or staff.department_id != message.department_id:
            return ActionError("forbidden", "只能审核本单位的公开申请")
        return None
    if staff.role == "admin":
        return None
    if staff.role == "dispatcher":
        if _has_reviewer(session, message.department_id, proposal.proposed_by_id):
            return ActionError("reviewer_exists", "承办单位有审核人，须由本单位审核人审核公开")
        return None
    return ActionError("forbidden", "公开须由本单位审核人审核（本单位无审核人时由分办员审核）")


def _has_reviewer(session: Session, department_id: int | None, besides: int) -> bool:
    """Whether the department has an active reviewer other than the account ``besides``."""
    if department_id is None:
        return False
    return bool(session.scalar(select(func.count()).select_from(Staff).where(
        Staff.role == "reviewer", Staff.department_id == department_id,
        Staff.active.is_(True), Staff.id != besides)))


def _pending(ctx: Context, staff: Staff, number: str,
             revision: int | str | None) -> tuple[Message, LetterProposal]:
    """The message and its proposal when ``staff`` may decide on exactly this revision."""
    message = get_message(ctx, staff, number)
    proposal = proposal_of(ctx.session, message)
    refusal = approval_refusal(ctx.session, staff, message, proposal)
    if refusal is not None:
        raise refusal
    assert proposal is not None  # approval_refusal said so
    if str(revision or "").strip() != str(proposal.revision):
        raise ActionError("stale", "公开内容在您打开页面后已被修改，请重新审阅后再审核")
    return message, proposal


def approve(ctx: Context, staff: Staff, number: str, revision: int | str | None) -> Letter:
    """Approve the pending proposal: its texts, exactly as reviewed, are published now."""
    message, proposal = _pending(ctx, staff, number, revision)
    _check_publishable(message)
    proposer = ctx.session.get(Staff, proposal.proposed_by_id)
    ctx.apply(staff, message, "publish_letter",
              f"提请人：{proposer.display_name if proposer else proposal.proposed_by_id}")
    letter = letter_of(ctx.session, message)
    if letter is None:
        letter = Letter(message_id=message.id)
    tz = county_zone(ctx.config)
    letter.kind, letter.department_id = message.kind, message.department_id
    letter.masked_name = masking.mask_name(message.name)
    letter.subject, letter.question, letter.reply = (proposal.subject, proposal.question,
                                                     proposal.reply)
    letter.received_on = message.received_on
    assert message.replied_at is not None  # _check_publishable said so
    letter.replied_on = message.replied_at.astimezone(tz).date()
    letter.published, letter.published_at, letter.published_by_id = True, ctx.now, staff.id
    letter.withdrawn_at = None
    proposal.status, proposal.reviewed_by_id, proposal.reviewed_at = APPROVED, staff.id, ctx.now
    ctx.session.add(letter)
    ctx.commit()
    search.publish_letter(ctx.config, letter)  # after the commit: the index is a copy
    return letter


def send_back(ctx: Context, staff: Staff, number: str, revision: int | str | None,
              reason: str) -> LetterProposal:
    """Return the pending proposal to its proposer with a reason; nothing is published."""
    message, proposal = _pending(ctx, staff, number, revision)
    reason = text_field(reason, "退回理由")
    ctx.apply(staff, message, "return_letter", reason)
    proposal.status, proposal.review_note = RETURNED, reason
    proposal.reviewed_by_id, proposal.reviewed_at = staff.id, ctx.now
    proposer = ctx.session.get(Staff, proposal.proposed_by_id)
    if proposer is not None:
        notify.queue_all(ctx.session, [proposer.email], "letter_returned", message, note=reason)
    ctx.commit()
    return proposal


def publication_queue(ctx: Context, staff: Staff) -> list[tuple[Message, LetterProposal]]:
    """The pending proposals ``staff`` may approve, oldest first."""
    rows = ctx.session.execute(
        select(Message, LetterProposal)
        .join(LetterProposal, LetterProposal.message_id == Message.id)
        .where(LetterProposal.status == PENDING, scope_clause(staff))
        .order_by(LetterProposal.proposed_at, LetterProposal.id)).all()
    return [(m, p) for m, p in rows if approval_refusal(ctx.session, staff, m, p) is None]


def withdraw(ctx: Context, staff: Staff, number: str, reason: str) -> Letter:
    """Take a published letter out of the letter box (and the search) at once, with a reason.

    One person may withdraw (removing is the safe direction); a proposal still waiting is
    returned with the same reason, so that approving it later cannot bring the letter back
    unnoticed."""
    message = get_message(ctx, staff, number)
    letter = letter_of(ctx.session, message)
    if letter is None or not letter.published:
        raise ActionError("not_published", "该留言没有公开")
    reason = text_field(reason, "撤回理由")
    ctx.apply(staff, message, "withdraw_letter", reason)
    letter.published, letter.withdrawn_at = False, ctx.now
    proposal = proposal_of(ctx.session, message)
    if proposal is not None and proposal.status == PENDING:
        proposal.status, proposal.review_note = RETURNED, f"公开已撤回：{reason}"
        proposal.reviewed_by_id, proposal.reviewed_at = staff.id, ctx.now
    ctx.commit()
    search.unpublish_letter(ctx.config, letter.id)  # a failure is logged; the pages filter
    return letter
