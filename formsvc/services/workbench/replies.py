"""The department's answer: a draft, review where the department requires it, sending."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.config import county_zone
from formsvc.domain import annual_report as report
from formsvc.domain import notices
from formsvc.domain.outcomes import OUTCOMES, OUTCOMES_NEEDING_NOTE
from formsvc.domain.procedure import DISCLOSURE_KIND
from formsvc.models import Attachment, Message, ReplyNotice
from formsvc.models.staff import Staff
from formsvc.models.workbench import ReplyDraft
from formsvc.services import notify, rating_links, stats, uploads
from formsvc.services.procedure import RELEASED_PURPOSE
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


def reply_files(message: Message) -> list[Attachment]:
    """The files staff attached to ``message``'s reply (the disclosed information)."""
    return [a for a in message.attachments if a.purpose == RELEASED_PURPOSE]


def attach_reply_files(ctx: Context, staff: Staff, number: str,
                       files: Iterable[tuple[str, bytes]]) -> list[Attachment]:
    """Attach the disclosed information to the reply being written: PDF and office files,
    checked as citizens' files are (and by VIRUS_SCAN_COMMAND); the applicant downloads them
    from the tracking page once the reply is sent."""
    message = get_message(ctx, staff, number)
    present = [(n, d) for n, d in files if n or d]
    if not present:
        raise ActionError("file_required", "请选择要附上的文件", "files")
    limit = int(ctx.config["MAX_REPLY_FILES"]) - len(reply_files(message))
    try:
        checked = uploads.check(present, max_count=max(limit, 0),
                                max_bytes=int(ctx.config["MAX_REPLY_FILE_BYTES"]),
                                accepted=uploads.REPLY_ACCEPTED,
                                accepted_label=uploads.REPLY_ACCEPTED_LABEL)
        uploads.scan(ctx.config.get("VIRUS_SCAN_COMMAND"), checked)
    except uploads.UploadError as exc:
        raise ActionError(exc.code, exc.message, "files") from None
    ctx.apply(staff, message, "attach_reply_file", "、".join(u.filename for u in checked))
    upload_dir = Path(ctx.config["UPLOAD_DIR"])
    written = uploads.write(upload_dir, checked)
    rows = uploads.attachment_rows(message.id, written, RELEASED_PURPOSE, ctx.now)
    with uploads.committed_or_removed(ctx.session, upload_dir, written):
        ctx.session.add_all(rows)
    return rows


def remove_reply_file(ctx: Context, staff: Staff, number: str, attachment_id: str) -> None:
    """Take a file off the reply before it is sent."""
    message = get_message(ctx, staff, number)
    found = next((a for a in reply_files(message) if str(a.id) == str(attachment_id).strip()),
                 None)
    if found is None:
        raise ActionError("no_file", "没有这个答复附件", "files")
    ctx.apply(staff, message, "remove_reply_file", found.original_name)
    stored = found.stored_name
    ctx.session.delete(found)
    ctx.commit()
    uploads.remove(Path(ctx.config["UPLOAD_DIR"]), [stored])


def notice_of(session: Session, message: Message) -> ReplyNotice | None:
    """The 告知书 issued with ``message``'s latest reply, if any (a reopened request answered
    again has a second one; the first is kept as issued)."""
    return session.scalar(select(ReplyNotice).where(ReplyNotice.message_id == message.id)
                          .order_by(ReplyNotice.id.desc()).limit(1))


def _issue_notice(ctx: Context, message: Message, draft: ReplyDraft) -> None:
    """Compose the 告知书 of a disclosure reply and keep it as issued."""
    dept = message.department
    notice = notices.compose(
        tracking_number=message.tracking_number, received_on=message.received_on,
        subject=message.subject, outcome=draft.outcome, outcome_note=draft.outcome_note,
        reply_text=draft.text, file_names=[a.original_name for a in reply_files(message)],
        issuer=dept.name if dept else "", issued_on=ctx.today)
    ctx.session.add(ReplyNotice(message_id=message.id, issued_at=ctx.now, outcome=draft.outcome,
                                title=notice.title, body="\n".join(notice.paragraphs)))


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
    if message.kind == DISCLOSURE_KIND:
        _issue_notice(ctx, message, draft)
    draft.status, draft.sent_at, draft.updated_at = "sent", ctx.now, ctx.now
    if message.email:
        ctx.session.flush()  # the link names the message by id
        notify.queue_all(ctx.session, [message.email], "reply", message,
                         reply=message.reply_text, rate_url=rating_links.url(ctx.config, message),
                         rate_days=rating_links.link_days(ctx.config))
    notify.queue_sms(ctx.session, message, "reply")  # when the citizen asked for SMS notices

