"""The department's answer: a draft, review where the department requires it, sending."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.config import county_zone
from formsvc.domain import annual_report as report
from formsvc.domain.outcomes import OUTCOMES, OUTCOMES_NEEDING_NOTE
from formsvc.models import Message
from formsvc.models.staff import Staff
from formsvc.models.workbench import ReplyDraft
from formsvc.services import notify, stats
from formsvc.services.workbench.context import (
    REPLY_MAX,
    ActionError,
    Context,
    get_message,
    text_field,
)

# Staff-side labels of workbench actions that are not status changes (the timeline shows them).
REPLY_STATUS_LABELS = {"draft": "草稿", "pending_review": "待审核", "sent": "已发送"}


def draft_of(session: Session, message: Message) -> ReplyDraft | None:
    """The reply being written for ``message``, if any."""
    return session.scalar(select(ReplyDraft).where(ReplyDraft.message_id == message.id))


# What the reply form's buttons ask for besides saving: nothing, review, or sending.
REPLY_STEPS = ("draft", "review", "send")


def save_draft(ctx: Context, staff: Staff, number: str, text: str, outcome: str = "",
               outcome_note: str = "", report_row: str = "") -> ReplyDraft:
    """Save the reply being written; editing a draft under review takes it back from review."""
    return write_reply(ctx, staff, number, text, outcome, outcome_note, "draft", report_row)


def write_reply(ctx: Context, staff: Staff, number: str, text: str, outcome: str = "",
                outcome_note: str = "", step: str = "draft", report_row: str = "") -> ReplyDraft:
    """The reply form in one step: save what was written and then, as ``step`` says, nothing
    more ("draft"), hand it to the department's reviewers ("review") or send it ("send").
    All or nothing: a reply that cannot be sent is not saved half-way either.

    ``report_row`` is the annual report's row of an outcome that has several (不予公开: which
    reason); it is kept only when it belongs to the outcome."""
    if step not in REPLY_STEPS:
        raise ActionError("invalid_step", "请选择发送答复、提交审核或保存草稿")
    message = get_message(ctx, staff, number)
    try:
        draft = _write(ctx, staff, message, text, outcome, outcome_note, step, report_row)
        if step == "review":
            _to_review(ctx, staff, message, draft)
        elif step == "send":
            _check_may_send(staff, message)
            _send(ctx, staff, message, draft)
    except ActionError:
        ctx.session.rollback()
        raise
    ctx.commit()
    return draft


def _write(ctx: Context, staff: Staff, message: Message, text: str, outcome: str,
           outcome_note: str, step: str, report_row: str) -> ReplyDraft:
    text = text_field(text, "答复内容", limit=REPLY_MAX, field_name="text")
    outcome = (outcome or "").strip()
    if outcome and outcome not in OUTCOMES:
        raise ActionError("invalid_outcome", "请选择答复结果", "outcome")
    outcome_note = text_field(outcome_note, "答复结果说明", required=False,
                              field_name="outcome_note")
    report_row = (report_row or "").strip()
    if report_row and report_row not in dict(report.reason_choices(outcome)):
        raise ActionError("invalid_report_row", "所选统计类别与答复结果不符，请重新选择",
                          "report_row")
    draft = draft_of(ctx.session, message)
    if draft is None:
        draft = ReplyDraft(message_id=message.id, text="", outcome="", outcome_note="",
                           status="draft", review_note="")
        ctx.session.add(draft)
    if step == "draft":
        # sending or submitting records its own event; a saved draft records this one
        ctx.apply(staff, message, "draft_reply",
                  "修改答复（撤回审核）" if draft.status == "pending_review" else "保存答复草稿")
    draft.text, draft.outcome, draft.outcome_note = text, outcome, outcome_note
    draft.report_row = report_row
    draft.status, draft.author_id, draft.updated_at = "draft", staff.id, ctx.now
    return draft


def complete_draft(ctx: Context, message: Message) -> ReplyDraft:
    """The saved draft when it can be sent (text, and for 依申请公开 its outcome)."""
    draft = draft_of(ctx.session, message)
    if draft is None or not draft.text.strip():
        raise ActionError("draft_required", "请先填写并保存答复内容", "text")
    if message.kind == "ysqgk":
        if draft.outcome not in OUTCOMES:
            raise ActionError("outcome_required", "依申请公开答复须选择答复结果", "outcome")
        need = OUTCOMES_NEEDING_NOTE.get(draft.outcome)
        if need and not draft.outcome_note.strip():
            raise ActionError("outcome_note_required", need, "outcome_note")
        if draft.outcome in report.REASON_REQUIRED and not draft.report_row:
            raise ActionError("report_row_required", "请选择统计类别（不予公开的理由，年度报告按此统计）",
                              "report_row")
    return draft


def submit_for_review(ctx: Context, staff: Staff, number: str) -> ReplyDraft:
    """Send the draft to the department's reviewers."""
    message = get_message(ctx, staff, number)
    draft = complete_draft(ctx, message)
    if draft.status == "pending_review":
        raise ActionError("already_pending", "答复已提交审核，等待审核")
    _to_review(ctx, staff, message, draft)
    ctx.commit()
    return draft


def _to_review(ctx: Context, staff: Staff, message: Message, draft: ReplyDraft) -> None:
    complete_draft(ctx, message)
    ctx.apply(staff, message, "submit_review")
    draft.status, draft.updated_at = "pending_review", ctx.now
    notify.tell_department(ctx.session, ctx.config, "review_requested", message,
                           roles=("reviewer",))


def return_draft(ctx: Context, staff: Staff, number: str, note: str) -> ReplyDraft:
    """The reviewer sends the draft back with their comments."""
    message = get_message(ctx, staff, number)
    draft = draft_of(ctx.session, message)
    if draft is None or draft.status != "pending_review":
        raise ActionError("not_pending", "没有待审核的答复")
    note = text_field(note, "审核意见")
    ctx.apply(staff, message, "return_draft", note)
    draft.status, draft.review_note, draft.reviewer_id = "draft", note, staff.id
    author = ctx.session.get(Staff, draft.author_id) if draft.author_id else None
    if author is not None:
        notify.queue_all(ctx.session, [author.email], "draft_returned", message, note=note)
    ctx.commit()
    return draft


def approve_reply(ctx: Context, staff: Staff, number: str) -> Message:
    """The reviewer approves the draft under review; it is sent at once."""
    message = get_message(ctx, staff, number)
    draft = draft_of(ctx.session, message)
    if draft is None or draft.status != "pending_review":
        raise ActionError("not_pending", "没有待审核的答复")
    if staff.role not in ("reviewer", "admin"):
        raise ActionError("forbidden", "只有审核人可以审核答复")
    ctx.apply(staff, message, "approve_reply")
    draft.reviewer_id = staff.id
    _send(ctx, staff, message, draft)
    ctx.commit()
    return message


def send_reply(ctx: Context, staff: Staff, number: str) -> Message:
    """Send the saved draft; where the department requires review only a reviewer may."""
    message = get_message(ctx, staff, number)
    draft = complete_draft(ctx, message)
    _check_may_send(staff, message)
    _send(ctx, staff, message, draft)
    ctx.commit()
    return message


def must_review(staff: Staff, message: Message) -> bool:
    """Whether ``staff``'s reply to ``message`` goes to a reviewer before it is sent."""
    review = bool(message.department and message.department.review_required)
    return review and staff.role not in ("reviewer", "admin")


def _check_may_send(staff: Staff, message: Message) -> None:
    if must_review(staff, message):
        raise ActionError("review_required", "本单位的答复须经审核：请先提交审核，由审核人审核后发送")


def _send(ctx: Context, staff: Staff, message: Message, draft: ReplyDraft) -> None:
    draft = complete_draft(ctx, message)
    note = ""
    if message.kind == "ysqgk":
        note = f"答复结果：{OUTCOMES[draft.outcome]}" + (
            f"（{draft.outcome_note}）" if draft.outcome_note else "")
    ctx.apply(staff, message, "reply", note)
    message.reply_text = draft.text + (f"\n\n{note}" if note else "")
    message.replied_at = ctx.now
    stats.record_reply(message, ctx.calendar, county_zone(ctx.config))
    draft.status, draft.sent_at, draft.updated_at = "sent", ctx.now, ctx.now
    notify.queue_all(ctx.session, [message.email], "reply", message, reply=message.reply_text)

