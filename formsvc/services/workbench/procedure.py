"""Staff actions that stop a 依申请公开 request's clock: 告知补正 (Art. 30) and 征求第三方意见
(Art. 32), and the consultation's end. The rules are domain/procedure.py; the applicant's answer
and the closing of unanswered 补正 are services/procedure.py."""

from __future__ import annotations

from datetime import date

from formsvc.domain import procedure as rules
from formsvc.models import ClockPause, Message
from formsvc.models.staff import Staff
from formsvc.services import notify
from formsvc.services.procedure import correction_days, finish_consultation
from formsvc.services.workbench.context import ActionError, Context, get_message, text_field


def _disclosure(ctx: Context, staff: Staff, number: str) -> Message:
    message = get_message(ctx, staff, number)
    if message.kind != rules.DISCLOSURE_KIND:
        raise ActionError("not_disclosure", "只有依申请公开的申请可以告知补正或征求第三方意见")
    if message.open_pause is not None:
        raise ActionError("already_paused",
                          f"本件正在{rules.PAUSE_LABELS[message.open_pause.kind]}，已暂停计时")
    return message


def _stop_clock(ctx: Context, staff: Staff, message: Message, kind: str, reason: str,
                answer_due: date) -> ClockPause:
    pause = ClockPause(kind=kind, reason=reason, started_by_id=staff.id, started_at=ctx.now,
                       started_on=ctx.today, answer_due=answer_due,
                       old_due_date=message.due_date, outcome="", answer="")
    message.pauses.append(pause)
    return pause


def request_correction(ctx: Context, staff: Staff, number: str, reason: str,
                       days: int | str = "") -> ClockPause:
    """告知补正: once, with what to complete, within 7 working days of receipt; the applicant
    has ``days`` working days (CORRECTION_DAYS when empty) and is told by mail."""
    message = _disclosure(ctx, staff, number)
    if any(p.kind == "correction" for p in message.pauses):
        raise ActionError("correction_used", "每件申请只能告知补正一次：本件已告知过补正")
    last = ctx.calendar.add_working_days(message.received_on, rules.CORRECTION_WINDOW_DAYS).due
    if ctx.today > last:
        raise ActionError("correction_too_late",
                          f"告知补正须在收到申请之日起 {rules.CORRECTION_WINDOW_DAYS} 个工作日内"
                          f"（本件至 {last.isoformat()}）；已超过期限，不能再告知补正")
    text = str(days).strip()
    try:
        n = int(text) if text else correction_days(ctx.config)
    except ValueError:
        raise ActionError("invalid_days", "补正期限应为整数个工作日", "days") from None
    if not 1 <= n <= rules.CORRECTION_DAYS_MAX:
        raise ActionError("invalid_days",
                          f"补正期限应在 1 到 {rules.CORRECTION_DAYS_MAX} 个工作日之间", "days")
    reason = text_field(reason, "需要补正的事项和理由")
    answer_due = ctx.calendar.add_working_days(ctx.today, n).due
    ctx.apply(staff, message, "request_correction",
              f"请于 {answer_due.isoformat()} 前补正：{reason}")
    pause = _stop_clock(ctx, staff, message, "correction", reason, answer_due)
    notify.queue_all(ctx.session, [message.email], "correction_requested", message,
                     note=reason, answer_due=answer_due.isoformat(), days=n)
    notify.queue_sms(ctx.session, message, "correction_requested",
                     answer_due=answer_due.isoformat())
    ctx.commit()
    return pause


def start_consultation(ctx: Context, staff: Staff, number: str, note: str) -> ClockPause:
    """征求第三方意见: the clock stops; ``note`` (who, what) stays internal."""
    message = _disclosure(ctx, staff, number)
    note = text_field(note, "征求意见的对象和事项")
    answer_due = ctx.calendar.add_working_days(ctx.today, rules.THIRD_PARTY_MAX_DAYS).due
    ctx.apply(staff, message, "start_consultation", rules.CONSULTATION_STARTED_NOTE)
    ctx.apply(staff, message, "note", f"征求第三方意见：{note}")
    pause = _stop_clock(ctx, staff, message, "third_party", note, answer_due)
    ctx.commit()
    return pause


def end_consultation(ctx: Context, staff: Staff, number: str, note: str) -> ClockPause:
    """The third party answered: the clock restarts and the due date moves by the working days
    the consultation took (at most 15; ``remind`` ends a lapsed one itself)."""
    message = get_message(ctx, staff, number)
    pause = message.open_pause
    if pause is None or pause.kind != "third_party":
        raise ActionError("not_consulting", "本件没有正在进行的第三方意见征求")
    note = text_field(note, "第三方意见或征求结果")
    finish_consultation(ctx.session, ctx.calendar, message, pause, ctx.today, ctx.now, note,
                        lambda action, text: ctx.apply(staff, message, action, text))
    ctx.commit()
    return pause
