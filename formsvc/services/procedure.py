"""The clock of a 依申请公开 request stopped and restarted: 补正 (Art. 30) and third-party
consultation (Art. 32). The rules are in domain/procedure.py, the counting in services/deadlines.py;
here the citizen's 补正 answer, the closing of unanswered 补正 (``remind``), and what the tracking
page says while the clock is stopped. The staff actions are services/workbench/procedure.py.

The stored due date stays as it was while the clock is stopped; a message with an open
:class:`~formsvc.models.ClockPause` is neither due soon nor overdue (services/deadlines.py), and its
new due date is set when the pause ends.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.config import county_date, setting
from formsvc.db import utcnow
from formsvc.domain import procedure as rules
from formsvc.domain.workdays import Calendar
from formsvc.models import Attachment, ClockPause, Message
from formsvc.services import deadlines, lifecycle, notify, uploads
from formsvc.services.errors import ServiceError

CORRECTION_PURPOSE = "correction"  # Attachment.purpose of the files sent with a 补正
RELEASED_PURPOSE = "reply"  # the disclosed files staff attached to the reply


def released_files(message: Message) -> list[Attachment]:
    """The reply's files the applicant may download: only once the reply is sent."""
    if message.replied_at is None:
        return []
    return [a for a in message.attachments if a.purpose == RELEASED_PURPOSE]


def released_file(message: Message, stored_name: str) -> Attachment | None:
    """One of :func:`released_files` by its stored (random) name."""
    return next((a for a in released_files(message) if a.stored_name == stored_name), None)


class CorrectionError(ServiceError):
    """A 补正 answer refused (none asked, too late, empty, too long)."""


def open_pause_clause() -> Any:
    """The SQL condition "the message's clock is stopped now"."""
    return Message.pauses.any(ClockPause.ended_at.is_(None))


def is_paused(message: Message) -> bool:
    """Whether ``message``'s clock is stopped (only a disclosure request's ever is)."""
    return message.kind == rules.DISCLOSURE_KIND and message.open_pause is not None


def correction_days(config: Mapping[str, Any]) -> int:
    """CORRECTION_DAYS: the applicant's default period to 补正, in working days."""
    return int(setting(config, "CORRECTION_DAYS"))


def pause_view(message: Message) -> dict[str, Any] | None:
    """What the applicant reads while the clock is stopped (never the third party's name)."""
    pause = message.open_pause if message.kind == rules.DISCLOSURE_KIND else None
    if pause is None:
        return None
    text = rules.PAUSE_EXPLANATIONS[pause.kind].format(
        answer_due=pause.answer_due.isoformat(), max_days=rules.THIRD_PARTY_MAX_DAYS)
    view: dict[str, Any] = {"kind": pause.kind, "label": rules.PAUSE_LABELS[pause.kind],
                            "since": pause.started_on.isoformat(), "explanation": text}
    if pause.kind == "correction":
        view["reason"] = pause.reason
        view["answer_due"] = pause.answer_due.isoformat()
    return view


def answer_correction(session: Session, config: Mapping[str, Any], calendar: Calendar,
                      message: Message, text: str, files: list[uploads.Upload],
                      now: datetime | None = None) -> ClockPause:
    """The applicant's 补正: stored with its files, the clock restarts from today (Art. 30).

    Refused with a Chinese message (and nothing changed) when no 补正 is asked, after its
    deadline, or when it is empty or too long. Files are written before the commit and removed
    again if the commit fails, as a submission's are.
    """
    now = now or utcnow()
    today = county_date(config, now)
    pause = message.open_pause
    if pause is None or pause.kind != "correction":
        raise CorrectionError("no_correction", "本件没有待补正的事项")
    if today > pause.answer_due:
        raise CorrectionError("correction_late",
                              f"补正期限已于 {pause.answer_due.isoformat()} 届满，不能再提交补正；"
                              "如仍需获取该信息，请重新提出申请")
    text = (text or "").strip()
    limit = int(config["CONTENT_MAX"])
    if not text and not files:
        raise CorrectionError("correction_empty", "请填写补正内容或上传补正材料")
    if len(text) > limit:
        raise CorrectionError("correction_too_long", f"补正内容不能超过 {limit} 个字")
    upload_dir = Path(config["UPLOAD_DIR"])
    written = uploads.write(upload_dir, files) if files else []
    with uploads.committed_or_removed(session, upload_dir, written):
        count = deadlines.correction_count(calendar, today, message.time_limit_days)
        pause.ended_at, pause.ended_on, pause.outcome = now, today, "answered"
        pause.answer, pause.new_due_date = text, count.due
        session.add_all(uploads.attachment_rows(message.id, written, CORRECTION_PURPOSE, now))
        lifecycle.apply(message, "correction_received", actor="citizen", role="citizen",
                        now=now, note=f"答复期限自收到补正之日起重新计算，至 {count.due.isoformat()}")
        message.due_date = count.due
        notify.tell_department(session, config, "correction_received", message,
                               note=text[:200])
    return pause


def finish_consultation(session: Session, calendar: Calendar, message: Message,
                        pause: ClockPause, today: date, now: datetime, answer: str,
                        apply: Callable[[str, str], object]) -> None:
    """End a third party's consultation: the due date moves by the working days it took (at
    most 15), the applicant is told. ``apply(action, note)`` writes the events as the actor."""
    days = deadlines.consultation_days(calendar, pause.started_on, today)
    new_due = deadlines.consultation_count(calendar, pause.old_due_date, days).due
    apply("end_consultation", f"征求意见用时 {days} 个工作日，不计入答复期限；答复期限由 "
                              f"{pause.old_due_date.isoformat()} 顺延至 {new_due.isoformat()}")
    apply("note", f"第三方意见：{answer}")
    pause.ended_at, pause.ended_on, pause.outcome = now, today, "ended"
    pause.answer, pause.new_due_date = answer, new_due
    message.due_date = new_due
    notify.queue_all(session, [message.email], "consultation_ended", message)


def _lapsed(session: Session, kind: str, today: date,
            action: str) -> Iterator[tuple[ClockPause, Message]]:
    """Open pauses of ``kind`` whose last day is past, with messages ``action`` may move."""
    for pause in session.scalars(select(ClockPause).where(
            ClockPause.kind == kind, ClockPause.ended_at.is_(None),
            ClockPause.answer_due < today)):
        message = session.get(Message, pause.message_id)
        if message is not None and lifecycle.allowed(message, action):
            yield pause, message


def end_lapsed_consultations(session: Session, config: Mapping[str, Any], calendar: Calendar,
                             now: datetime | None = None) -> int:
    """End the consultations whose third party let its 15 working days pass without an answer
    (Art. 32: the office then decides); the clock runs again. Run by ``remind``."""
    now = now or utcnow()
    today = county_date(config, now)
    ended = 0
    for pause, message in _lapsed(session, "third_party", today, "end_consultation"):

        def apply(action: str, note: str, message: Message = message) -> None:
            lifecycle.apply(message, action, actor="system", role="system", note=note, now=now)

        finish_consultation(session, calendar, message, pause, pause.answer_due, now,
                            rules.THIRD_PARTY_LAPSED_NOTE, apply)
        notify.tell_department(session, config, "consultation_ended", message)
        ended += 1
    session.commit()
    return ended


def close_abandoned(session: Session, config: Mapping[str, Any], calendar: Calendar,
                    now: datetime | None = None) -> int:
    """Close the requests whose 补正 period ended unanswered: 视为放弃 (Art. 30), the applicant
    told by mail. Run by ``remind``; running it twice closes nothing twice."""
    now = now or utcnow()
    today = county_date(config, now)
    closed = 0
    for pause, message in _lapsed(session, "correction", today, "correction_abandoned"):
        pause.ended_at, pause.ended_on, pause.outcome = now, today, rules.CORRECTION_ABANDONED
        lifecycle.apply(message, "correction_abandoned", actor="system", role="system",
                        now=now, note=rules.CORRECTION_ABANDONED_NOTE)
        message.closed_at = now
        notify.queue_all(session, [message.email], "correction_abandoned", message,
                         answer_due=pause.answer_due.isoformat(),
                         note=rules.CORRECTION_ABANDONED_NOTE)
        notify.tell_department(session, config, "correction_abandoned", message,
                               answer_due=pause.answer_due.isoformat(),
                               note=rules.CORRECTION_ABANDONED_NOTE)
        closed += 1
    session.commit()
    return closed
