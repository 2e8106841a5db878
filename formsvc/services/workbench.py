"""The department workbench: every staff action on a message, scoped to the acting staff member.

Each public function takes the acting :class:`Staff` and looks the message up through
:func:`get_message`, which answers :class:`NotFound` for a message outside the staff member's
scope exactly as for one that does not exist, so guessing a number or an id shows nothing.
State changes go through :func:`formsvc.services.lifecycle.apply` (one event each, in the same
transaction as the change and its outbox notifications).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, select, true
from sqlalchemy.orm import Session

from formsvc.config import county_date, county_zone
from formsvc.db import utcnow
from formsvc.domain import kinds, personal_data
from formsvc.domain.outcomes import OUTCOMES, OUTCOMES_NEEDING_NOTE
from formsvc.domain.workdays import Calendar
from formsvc.models import Department, Event, Message
from formsvc.models.staff import Staff
from formsvc.models.workbench import ExtensionRequest, Letter, ReplyDraft, ReplyTemplate
from formsvc.services import lifecycle, masking, notify, search, stats
from formsvc.services.deadlines import Deadline, deadline, due_soon_days
from formsvc.services.lifecycle import Status

NOTE_MAX = 1000
REPLY_MAX = 5000
PER_PAGE = 20
# Staff-side labels of workbench actions that are not status changes (the timeline shows them).
REPLY_STATUS_LABELS = {"draft": "草稿", "pending_review": "待审核", "sent": "已发送"}
EXTENSION_STATUS_LABELS = {"pending": "待审批", "approved": "已批准", "refused": "未批准"}


class NotFound(LookupError):
    """No such message, or not one this staff member may see: the same answer for both."""


class ActionError(ValueError):
    """The action cannot be done; ``message`` is Chinese and ``field`` names the form field."""

    def __init__(self, code: str, message: str, field: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


@dataclass
class Context:
    """What every action needs besides the staff member: the session, settings, calendar, time."""

    session: Session
    config: Mapping[str, Any]
    calendar: Calendar
    now: datetime = field(default_factory=utcnow)

    @property
    def today(self) -> date:
        return county_date(self.config, self.now)

    def deadline(self, message: Message) -> Deadline:
        return deadline(self.calendar, message.status, message.due_date, self.today,
                        due_soon_days(self.config))


# --- scope -----------------------------------------------------------------------------------------

# A department sees a message once it was dispatched or transferred to it; before that (and after
# a return) it belongs to the dispatcher.
DEPARTMENT_VISIBLE = (Status.ASSIGNED, Status.REPLIED, Status.CLOSED)


def scope_clause(staff: Staff) -> Any:
    """The SQL condition "this staff member may see the message"."""
    if staff.county_wide:
        return true()
    if staff.department_id is None:
        return Message.id.is_(None)  # a misconfigured account sees nothing
    return and_(Message.department_id == staff.department_id,
                Message.status.in_([s.value for s in DEPARTMENT_VISIBLE]))


def get_message(ctx: Context, staff: Staff, number: str) -> Message:
    """The message with this tracking number if ``staff`` may see it; NotFound otherwise."""
    message = ctx.session.scalar(select(Message).where(
        Message.tracking_number == (number or "").strip().upper(), scope_clause(staff)))
    if message is None:
        raise NotFound(number)
    return message


def can(staff: Staff, message: Message, action: str) -> bool:
    """Whether the action's button is offered (the action itself re-checks everything)."""
    t = lifecycle.TRANSITIONS.get(action)
    return (t is not None and message.status in t.sources
            and (staff.role in t.roles or staff.role == "admin"))


def _role(staff: Staff, action: str) -> str:
    # administrators may act in any staff role; everyone else acts as what they are
    t = lifecycle.TRANSITIONS.get(action)
    if staff.role == "admin" and t is not None and "admin" not in t.roles:
        staff_roles = sorted(r for r in t.roles if r not in ("citizen", "system"))
        return staff_roles[0] if staff_roles else staff.role
    return staff.role


def _apply(ctx: Context, staff: Staff, message: Message, action: str, note: str = "",
           public: bool | None = None) -> Event:
    try:
        return lifecycle.apply(message, action, actor=staff.actor, role=_role(staff, action),
                               note=note, now=ctx.now, public=public)
    except lifecycle.TransitionError as exc:
        raise ActionError(exc.code, exc.message) from None


def _text(value: str | None, label: str, *, required: bool = True, limit: int = NOTE_MAX,
          field_name: str = "note") -> str:
    text = (value or "").strip()
    if required and not text:
        raise ActionError("note_required", f"请填写{label}", field_name)
    if len(text) > limit:
        raise ActionError("too_long", f"{label}不能超过 {limit} 个字", field_name)
    return text


def _commit(ctx: Context) -> None:
    try:
        ctx.session.commit()
    except Exception:
        ctx.session.rollback()
        raise


def _department(ctx: Context, code: str, field_name: str = "department") -> Department:
    dept = ctx.session.scalar(select(Department).where(Department.code == (code or "").strip(),
                                                       Department.active.is_(True)))
    if dept is None:
        raise ActionError("department_required", "请选择承办单位", field_name)
    return dept


# --- routing ---------------------------------------------------------------------------------------


def dispatch(ctx: Context, staff: Staff, number: str, department_code: str,
             note: str = "") -> Message:
    """分办: send a new message to the department that must answer it."""
    message = get_message(ctx, staff, number)
    dept = _department(ctx, department_code)
    note = _text(note, "分办说明", required=False)
    _apply(ctx, staff, message, "dispatch", f"分办至{dept.name}")
    message.department = dept
    if note:
        _apply(ctx, staff, message, "note", f"分办说明：{note}")
    to = notify.department_recipients(ctx.session, dept, ctx.config)
    notify.queue_all(ctx.session, to, "dispatched", message)
    _commit(ctx)
    return message


def reject(ctx: Context, staff: Staff, number: str, reason: str) -> Message:
    """不予受理, with the reason the citizen reads on the tracking page."""
    message = get_message(ctx, staff, number)
    reason = _text(reason, "不予受理的理由")
    _apply(ctx, staff, message, "reject", reason)
    message.closed_at = ctx.now
    notify.queue_all(ctx.session, [message.email], "rejected", message, note=reason)
    _commit(ctx)
    return message


def transfer(ctx: Context, staff: Staff, number: str, department_code: str, reason: str,
             new_due: date | None = None) -> Message:
    """转办 to another department; the original due date stays unless a supervisor sets one."""
    message = get_message(ctx, staff, number)
    dept = _department(ctx, department_code)
    reason = _text(reason, "转办理由")
    if message.department_id == dept.id:
        raise ActionError("same_department", "不能转办给本单位，请选择其他单位", "department")
    if new_due is not None and staff.role not in ("supervisor", "admin"):
        raise ActionError("forbidden", "只有督办员可以在转办时调整答复期限", "due_date")
    old = message.department
    old_name = old.name if old else "分办"
    _apply(ctx, staff, message, "transfer", f"由{old_name}转至{dept.name}：{reason}")
    message.department = dept
    # the new department starts its own draft; the old one's stays in the event log only
    draft = ctx.session.scalar(select(ReplyDraft).where(ReplyDraft.message_id == message.id))
    if draft is not None:
        ctx.session.delete(draft)
    due_changed = new_due is not None and new_due != message.due_date
    if due_changed:
        _change_due(ctx, staff, message, new_due, f"转办时调整：{reason}")  # type: ignore[arg-type]
    to = notify.department_recipients(ctx.session, dept, ctx.config)
    notify.queue_all(ctx.session, to, "transferred", message, from_department=old_name,
                     note=reason, due_changed=due_changed)
    _commit(ctx)
    return message


def return_to_dispatcher(ctx: Context, staff: Staff, number: str, reason: str) -> Message:
    """退回分办: the department says the message is not theirs and does not know whose it is."""
    message = get_message(ctx, staff, number)
    reason = _text(reason, "退回理由")
    old_name = message.department.name if message.department else ""
    _apply(ctx, staff, message, "return", reason)
    to = notify.dispatcher_recipients(ctx.session, ctx.config)
    notify.queue_all(ctx.session, to, "returned", message, from_department=old_name, note=reason)
    _commit(ctx)
    return message


def add_note(ctx: Context, staff: Staff, number: str, text: str) -> Message:
    """An internal note: staff see it on the timeline, citizens never do."""
    message = get_message(ctx, staff, number)
    _apply(ctx, staff, message, "note", _text(text, "内部备注"))
    _commit(ctx)
    return message


# --- deadlines -------------------------------------------------------------------------------------


def pending_extension(session: Session, message: Message) -> ExtensionRequest | None:
    return session.scalar(select(ExtensionRequest).where(
        ExtensionRequest.message_id == message.id, ExtensionRequest.status == "pending"))


def extensions(session: Session, message: Message) -> list[ExtensionRequest]:
    return list(session.scalars(select(ExtensionRequest).where(
        ExtensionRequest.message_id == message.id).order_by(ExtensionRequest.id)))


def request_extension(ctx: Context, staff: Staff, number: str, days: int | str,
                      reason: str) -> ExtensionRequest:
    """申请延期; a disclosure request may be extended once, by at most 20 working days (Art. 33)."""
    message = get_message(ctx, staff, number)
    kind = kinds.get(message.kind)
    limit = kinds.extension_limit(kind, ctx.config) if kind else 0
    if limit <= 0:
        raise ActionError("not_extendable", f"{kind.label if kind else '该类'}留言不能延期", "days")
    try:
        n = int(str(days).strip())
    except ValueError:
        raise ActionError("invalid_days", "延长天数应为整数", "days") from None
    if not 1 <= n <= limit:
        raise ActionError("invalid_days", f"延长天数应在 1 到 {limit} 个工作日之间", "days")
    reason = _text(reason, "延期理由")
    done = [e for e in extensions(ctx.session, message) if e.status in ("pending", "approved")]
    if done:
        raise ActionError("extension_used", "每件只能延期一次：已有延期申请或已延期", "days")
    _apply(ctx, staff, message, "request_extension", f"申请延长 {n} 个工作日：{reason}")
    req = ExtensionRequest(message_id=message.id, days=n, reason=reason, status="pending",
                           requested_by_id=staff.id, requested_at=ctx.now,
                           old_due_date=message.due_date, decision_note="")
    ctx.session.add(req)
    to = notify.supervisor_recipients(ctx.session, ctx.config)
    notify.queue_all(ctx.session, to, "extension_requested", message, days=n, note=reason)
    _commit(ctx)
    return req


def decide_extension(ctx: Context, staff: Staff, number: str, approve: bool,
                     note: str = "") -> ExtensionRequest:
    """Approve (the due date moves, the applicant is told) or refuse a pending extension."""
    message = get_message(ctx, staff, number)
    req = pending_extension(ctx.session, message)
    if req is None:
        raise ActionError("no_request", "没有待审批的延期申请")
    note = _text(note, "审批意见", required=not approve)
    if approve:
        new_due = ctx.calendar.add_working_days(message.due_date, req.days).due
        _apply(ctx, staff, message, "approve_extension",
               f"答复期限延长 {req.days} 个工作日，由 {message.due_date.isoformat()} 延至 "
               f"{new_due.isoformat()}。理由：{req.reason}")
        # the date the extension was counted from: a supervisor may have moved it since the
        # request (tracking explains the new date from these two)
        req.old_due_date, req.new_due_date = message.due_date, new_due
        message.due_date = new_due
        message.extension_days += req.days
        req.status = "approved"
        # Art. 33: the applicant is told of the extension
        notify.queue_all(ctx.session, [message.email], "extension_approved", message,
                         days=req.days, note=req.reason)
    else:
        _apply(ctx, staff, message, "refuse_extension", note)
        req.status = "refused"
    req.decided_by_id, req.decided_at, req.decision_note = staff.id, ctx.now, note
    to = notify.department_recipients(ctx.session, message.department, ctx.config)
    notify.queue_all(ctx.session, to, "extension_decided", message,
                     decision="已批准" if approve else "未获批准", note=note)
    _commit(ctx)
    return req


def _change_due(ctx: Context, staff: Staff, message: Message, new_due: date, reason: str) -> None:
    old = message.due_date
    _apply(ctx, staff, message, "change_due",
           f"答复期限由 {old.isoformat()} 调整为 {new_due.isoformat()}：{reason}")
    message.due_date = new_due


def change_due_date(ctx: Context, staff: Staff, number: str, new_due: date | None,
                    reason: str) -> Message:
    """A supervisor sets a different due date (the only way besides an approved extension)."""
    message = get_message(ctx, staff, number)
    if new_due is None:
        raise ActionError("invalid_date", "请填写新的答复期限（YYYY-MM-DD）", "due_date")
    if new_due < ctx.today:
        raise ActionError("invalid_date", "新的答复期限不能早于今天", "due_date")
    reason = _text(reason, "调整理由")
    _change_due(ctx, staff, message, new_due, reason)
    _commit(ctx)
    return message


# --- replies ---------------------------------------------------------------------------------------


def draft_of(session: Session, message: Message) -> ReplyDraft | None:
    return session.scalar(select(ReplyDraft).where(ReplyDraft.message_id == message.id))


def save_draft(ctx: Context, staff: Staff, number: str, text: str, outcome: str = "",
               outcome_note: str = "") -> ReplyDraft:
    """Save the reply being written; editing a draft under review takes it back from review."""
    message = get_message(ctx, staff, number)
    text = _text(text, "答复内容", limit=REPLY_MAX, field_name="text")
    outcome = (outcome or "").strip()
    if outcome and outcome not in OUTCOMES:
        raise ActionError("invalid_outcome", "请选择答复结果", "outcome")
    draft = draft_of(ctx.session, message)
    if draft is None:
        draft = ReplyDraft(message_id=message.id, text="", outcome="", outcome_note="",
                           status="draft", review_note="")
        ctx.session.add(draft)
    _apply(ctx, staff, message, "draft_reply",
           "修改答复（撤回审核）" if draft.status == "pending_review" else "保存答复草稿")
    draft.text, draft.outcome = text, outcome
    draft.outcome_note = _text(outcome_note, "答复结果说明", required=False)
    draft.status, draft.author_id, draft.updated_at = "draft", staff.id, ctx.now
    _commit(ctx)
    return draft


def _complete_draft(ctx: Context, message: Message) -> ReplyDraft:
    draft = draft_of(ctx.session, message)
    if draft is None or not draft.text.strip():
        raise ActionError("draft_required", "请先填写并保存答复内容", "text")
    if message.kind == "ysqgk":
        if draft.outcome not in OUTCOMES:
            raise ActionError("outcome_required", "依申请公开答复须选择答复结果", "outcome")
        need = OUTCOMES_NEEDING_NOTE.get(draft.outcome)
        if need and not draft.outcome_note.strip():
            raise ActionError("outcome_note_required", need, "outcome_note")
    return draft


def submit_for_review(ctx: Context, staff: Staff, number: str) -> ReplyDraft:
    message = get_message(ctx, staff, number)
    draft = _complete_draft(ctx, message)
    if draft.status == "pending_review":
        raise ActionError("already_pending", "答复已提交审核，等待审核")
    _apply(ctx, staff, message, "submit_review")
    draft.status, draft.updated_at = "pending_review", ctx.now
    to = notify.department_recipients(ctx.session, message.department, ctx.config,
                                      roles=("reviewer",))
    notify.queue_all(ctx.session, to, "review_requested", message)
    _commit(ctx)
    return draft


def return_draft(ctx: Context, staff: Staff, number: str, note: str) -> ReplyDraft:
    """The reviewer sends the draft back with their comments."""
    message = get_message(ctx, staff, number)
    draft = draft_of(ctx.session, message)
    if draft is None or draft.status != "pending_review":
        raise ActionError("not_pending", "没有待审核的答复")
    note = _text(note, "审核意见")
    _apply(ctx, staff, message, "return_draft", note)
    draft.status, draft.review_note, draft.reviewer_id = "draft", note, staff.id
    author = ctx.session.get(Staff, draft.author_id) if draft.author_id else None
    if author is not None:
        notify.queue_all(ctx.session, [author.email], "draft_returned", message, note=note)
    _commit(ctx)
    return draft


def approve_reply(ctx: Context, staff: Staff, number: str) -> Message:
    """The reviewer approves the draft under review; it is sent at once."""
    message = get_message(ctx, staff, number)
    draft = draft_of(ctx.session, message)
    if draft is None or draft.status != "pending_review":
        raise ActionError("not_pending", "没有待审核的答复")
    if staff.role not in ("reviewer", "admin"):
        raise ActionError("forbidden", "只有审核人可以审核答复")
    _apply(ctx, staff, message, "approve_reply")
    draft.reviewer_id = staff.id
    _send(ctx, staff, message, draft)
    _commit(ctx)
    return message


def send_reply(ctx: Context, staff: Staff, number: str) -> Message:
    """Send the saved draft; where the department requires review only a reviewer may."""
    message = get_message(ctx, staff, number)
    draft = _complete_draft(ctx, message)
    review = bool(message.department and message.department.review_required)
    if review and staff.role not in ("reviewer", "admin"):
        raise ActionError("review_required", "本单位的答复须经审核：请先提交审核，由审核人审核后发送")
    _send(ctx, staff, message, draft)
    _commit(ctx)
    return message


def _send(ctx: Context, staff: Staff, message: Message, draft: ReplyDraft) -> None:
    draft = _complete_draft(ctx, message)
    note = ""
    if message.kind == "ysqgk":
        note = f"答复结果：{OUTCOMES[draft.outcome]}" + (
            f"（{draft.outcome_note}）" if draft.outcome_note else "")
    _apply(ctx, staff, message, "reply", note)
    message.reply_text = draft.text + (f"\n\n{note}" if note else "")
    message.replied_at = ctx.now
    stats.record_reply(message, ctx.calendar, county_zone(ctx.config))
    draft.status, draft.sent_at, draft.updated_at = "sent", ctx.now, ctx.now
    notify.queue_all(ctx.session, [message.email], "reply", message, reply=message.reply_text)


# --- supervision -----------------------------------------------------------------------------------


def supervise(ctx: Context, staff: Staff, number: str, note: str) -> Message:
    """督办: a supervisor's note to the department, logged and mailed."""
    message = get_message(ctx, staff, number)
    note = _text(note, "督办意见")
    _apply(ctx, staff, message, "supervise", note)
    to = notify.department_recipients(ctx.session, message.department, ctx.config,
                                      roles=("handler", "reviewer"))
    notify.queue_all(ctx.session, to, "supervise", message, note=note)
    _commit(ctx)
    return message


def reopen(ctx: Context, staff: Staff, number: str, note: str) -> Message:
    """Reopen a message the citizen rated 不满意 (once); it gets a new full time limit."""
    message = get_message(ctx, staff, number)
    if message.rating != "unsatisfied":
        raise ActionError("not_unsatisfied", "只有评价为“不满意”的留言可以重新办理")
    note = _text(note, "重新办理的意见")
    new_due = ctx.calendar.add_working_days(ctx.today, message.time_limit_days).due
    _apply(ctx, staff, message, "reopen", f"{note}（新的答复期限 {new_due.isoformat()}）")
    message.due_date = new_due
    # the citizen rates the new answer; the old rating stays in the event log
    message.rating, message.rating_comment, message.rated_at = "", "", None
    message.closed_at, message.replied_at = None, None
    message.replied_on = message.reply_working_days = None  # stats.record_reply's facts
    draft = draft_of(ctx.session, message)
    if draft is not None:
        draft.status = "draft"
    to = notify.department_recipients(ctx.session, message.department, ctx.config,
                                      roles=("handler", "reviewer"))
    notify.queue_all(ctx.session, to, "reopened", message, note=note)
    _commit(ctx)
    return message


def handle_flag(ctx: Context, staff: Staff, number: str, note: str) -> Message:
    """The supervisor has looked at an unsatisfied rating and decided not to reopen."""
    message = get_message(ctx, staff, number)
    _apply(ctx, staff, message, "flag_handled", _text(note, "处理意见"))
    _commit(ctx)
    return message


def on_rated(session: Session, config: Mapping[str, Any], message: Message,
             now: datetime | None = None) -> None:
    """Called in the rating transaction: an unsatisfied rating is flagged to the supervisors."""
    if message.rating != "unsatisfied":
        return
    lifecycle.apply(message, "flag_unsatisfied", actor="system", role="system",
                    note="群众评价不满意，已提请督办", now=now or utcnow(), public=False)
    notify.queue_all(session, notify.supervisor_recipients(session, config), "unsatisfied",
                     message)


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
    return (message.status == Status.CLOSED and message.rating == "unsatisfied"
            and not any(e.action == "reopen" for e in message.events))


# --- public letters --------------------------------------------------------------------------------


def letter_of(session: Session, message: Message) -> Letter | None:
    return session.scalar(select(Letter).where(Letter.message_id == message.id))


def letter_draft(ctx: Context, message: Message) -> dict[str, str]:
    """The texts proposed for publication: masked by default, for staff to review and edit."""
    existing = letter_of(ctx.session, message)
    if existing is not None:
        return {"subject": existing.subject, "question": existing.question,
                "reply": existing.reply}
    known = personal_data.values(message)
    return {"subject": masking.mask_text(message.subject, known),
            "question": masking.mask_text(message.content, known),
            "reply": masking.mask_text(message.reply_text, known)}


def publish(ctx: Context, staff: Staff, number: str, subject: str, question: str, reply: str,
            reviewed: bool) -> Letter:
    """Publish the reviewed texts in the letter box (only with the citizen's consent)."""
    message = get_message(ctx, staff, number)
    if not message.consent_publish:
        raise ActionError("no_consent", "提交人未同意公开，不能在公开信箱发布")
    if message.replied_at is None or message.status not in (Status.REPLIED, Status.CLOSED):
        raise ActionError("not_replied", "答复后才能公开")
    if not reviewed:
        raise ActionError("not_reviewed", "请确认已审阅公开内容，且不含个人信息", "reviewed")
    known = personal_data.values(message)
    # masked again on the way in: a reviewer's edit must not bring personal data back
    texts = {
        "subject": masking.mask_text(_text(subject, "公开标题", limit=200, field_name="subject"),
                                     known),
        "question": masking.mask_text(_text(question, "公开的留言内容", limit=REPLY_MAX,
                                            field_name="question"), known),
        "reply": masking.mask_text(_text(reply, "公开的答复内容", limit=REPLY_MAX + 200,
                                         field_name="reply"), known),
    }
    letter = letter_of(ctx.session, message)
    _apply(ctx, staff, message, "publish_letter")
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
    _commit(ctx)
    search.publish_letter(ctx.config, letter)  # after the commit: the index is a copy
    return letter


def withdraw(ctx: Context, staff: Staff, number: str, reason: str) -> Letter:
    message = get_message(ctx, staff, number)
    letter = letter_of(ctx.session, message)
    if letter is None or not letter.published:
        raise ActionError("not_published", "该留言没有公开")
    _apply(ctx, staff, message, "withdraw_letter", _text(reason, "撤回理由"))
    letter.published, letter.withdrawn_at = False, ctx.now
    _commit(ctx)
    search.unpublish_letter(ctx.config, letter.id)
    return letter


# --- templates -------------------------------------------------------------------------------------


def templates_for(session: Session, staff: Staff, department_id: int | None) -> list[ReplyTemplate]:
    if department_id is None:
        return []
    if not staff.county_wide and staff.department_id != department_id:
        return []
    return list(session.scalars(select(ReplyTemplate).where(
        ReplyTemplate.department_id == department_id, ReplyTemplate.active.is_(True))
        .order_by(ReplyTemplate.title)))


def add_template(ctx: Context, staff: Staff, title: str, body: str) -> ReplyTemplate:
    if staff.department_id is None:
        raise ActionError("no_department", "只有部门工作人员可以维护本单位的答复模板")
    row = ReplyTemplate(department_id=staff.department_id,
                        title=_text(title, "模板名称", limit=100, field_name="title"),
                        body=_text(body, "模板内容", limit=REPLY_MAX, field_name="body"),
                        active=True, created_by_id=staff.id, created_at=ctx.now)
    ctx.session.add(row)
    _commit(ctx)
    return row


def remove_template(ctx: Context, staff: Staff, template_id: int) -> None:
    row = ctx.session.get(ReplyTemplate, template_id)
    if row is None or row.department_id != staff.department_id or not row.active:
        raise NotFound(str(template_id))
    row.active = False
    _commit(ctx)


# --- lists -----------------------------------------------------------------------------------------


@dataclass
class InboxFilter:
    kind: str = ""
    status: str = "open"  # "open", "" (all) or a Status value
    date_from: date | None = None
    date_to: date | None = None
    deadline: str = ""  # "", "overdue", "due_soon"
    department: str = ""  # county-wide roles only
    number: str = ""
    page: int = 1


@dataclass
class Row:
    message: Message
    deadline: Deadline


@dataclass
class Page:
    rows: list[Row]
    total: int
    page: int
    pages: int


def _filtered(ctx: Context, staff: Staff, f: InboxFilter) -> Select[tuple[Message]]:
    q = select(Message).where(scope_clause(staff))
    if f.kind:
        q = q.where(Message.kind == f.kind)
    if f.status == "open":
        q = q.where(Message.status.in_([s.value for s in lifecycle.OPEN_STATUSES]))
    elif f.status:
        q = q.where(Message.status == f.status)
    if f.date_from:
        q = q.where(Message.received_on >= f.date_from)
    if f.date_to:
        q = q.where(Message.received_on <= f.date_to)
    if f.number:
        q = q.where(Message.tracking_number.contains(f.number.strip().upper()))
    if f.department and staff.county_wide:
        q = q.join(Department, Message.department_id == Department.id).where(
            Department.code == f.department)
    if f.deadline:
        q = q.where(Message.status.in_([s.value for s in lifecycle.OPEN_STATUSES]))
        if f.deadline == "overdue":
            q = q.where(Message.due_date < ctx.today)
        elif f.deadline == "due_soon":
            edge = ctx.calendar.add_working_days(ctx.today, due_soon_days(ctx.config)).due
            q = q.where(Message.due_date >= ctx.today, Message.due_date <= edge)
    return q


def inbox(ctx: Context, staff: Staff, f: InboxFilter) -> Page:
    """The messages in scope matching ``f``, nearest due date first, one page."""
    q = _filtered(ctx, staff, f)
    total = ctx.session.scalar(select(func.count()).select_from(q.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, f.page), pages)
    offset = (page - 1) * PER_PAGE
    if f.status == "open" or f.deadline:
        rows = _open_page(ctx, q, offset)
    else:
        rows = list(ctx.session.scalars(q.order_by(Message.due_date, Message.id)
                                        .offset(offset).limit(PER_PAGE)))
    return Page([Row(m, ctx.deadline(m)) for m in rows], total, page, pages)


def _open_page(ctx: Context, q: Select[tuple[Message]], offset: int) -> list[Message]:
    """One page of open messages by due date, one status at a time, merged.

    ``status IN (…) ORDER BY due_date`` cannot be read in order from an index, so the databases
    walk the due-date index through every closed message instead (2 s at 1,000,000 messages);
    ``status = … ORDER BY due_date, id`` is a range of ``ix_message_status_due`` on both engines.
    """
    candidates: list[tuple[date, int]] = []
    for status in sorted(lifecycle.OPEN_STATUSES):
        candidates += [(due, mid) for due, mid in ctx.session.execute(
            q.where(Message.status == status.value)
            .with_only_columns(Message.due_date, Message.id)
            .order_by(Message.due_date, Message.id).limit(offset + PER_PAGE))]
    ids = [mid for _, mid in sorted(candidates)[offset:offset + PER_PAGE]]
    found = {m.id: m for m in ctx.session.scalars(select(Message).where(Message.id.in_(ids)))}
    return [found[i] for i in ids]


def dispatch_queue(ctx: Context, staff: Staff, page: int = 1) -> Page:
    """New and returned messages waiting for 分办, oldest first."""
    if not staff.county_wide:
        return Page([], 0, 1, 1)
    return inbox(ctx, staff, InboxFilter(status=Status.SUBMITTED, page=page))


def review_queue(ctx: Context, staff: Staff) -> list[Message]:
    return list(ctx.session.scalars(
        select(Message).join(ReplyDraft, ReplyDraft.message_id == Message.id)
        .where(ReplyDraft.status == "pending_review", scope_clause(staff))
        .order_by(Message.due_date)))


def pending_extensions(ctx: Context, staff: Staff) -> list[tuple[Message, ExtensionRequest]]:
    rows = ctx.session.execute(
        select(Message, ExtensionRequest).join(ExtensionRequest,
                                               ExtensionRequest.message_id == Message.id)
        .where(ExtensionRequest.status == "pending", scope_clause(staff))
        .order_by(Message.due_date))
    return [(m, e) for m, e in rows]


@dataclass
class DepartmentWatch:
    department: Department | None
    overdue: list[Row] = field(default_factory=list)
    due_soon: list[Row] = field(default_factory=list)


def watch_list(ctx: Context, staff: Staff) -> list[DepartmentWatch]:
    """Overdue and due-soon open messages grouped by department (the supervisor's page)."""
    edge = ctx.calendar.add_working_days(ctx.today, due_soon_days(ctx.config)).due
    q = select(Message).where(scope_clause(staff),
                              Message.status.in_([s.value for s in lifecycle.OPEN_STATUSES]),
                              Message.due_date <= edge).order_by(Message.due_date)
    groups: dict[int | None, DepartmentWatch] = {}
    for m in ctx.session.scalars(q):
        d = ctx.deadline(m)
        key = None if m.status == Status.SUBMITTED else m.department_id
        w = groups.setdefault(key, DepartmentWatch(None if key is None else m.department))
        (w.overdue if d.state == "overdue" else w.due_soon).append(Row(m, d))
    return sorted(groups.values(), key=lambda w: (-len(w.overdue), -len(w.due_soon),
                                                  w.department.position if w.department else -1))


def staff_names(session: Session, events: Iterable[Event]) -> dict[str, str]:
    """``Event.actor`` → a readable name for the staff timeline."""
    ids = {int(e.actor.split(":", 1)[1]) for e in events
           if e.actor.startswith("staff:") and e.actor.split(":", 1)[1].isdigit()}
    names = {"citizen": "提交人", "system": "系统"}
    if ids:
        for s in session.scalars(select(Staff).where(Staff.id.in_(ids))):
            dept = f"（{s.department.display_name}）" if s.department else ""
            names[s.actor] = f"{s.display_name}{dept}·{s.role_label}"
    return names
