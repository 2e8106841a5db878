from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from formsvc.db import Base, UTCDateTime


class ClockPause(Base):
    """A stop of a 依申请公开 request's clock: a 补正 (Art. 30) or a third party's consultation
    (Art. 32). Open while ``ended_at`` is None; a message has at most one open pause.

    ``reason`` is what staff wrote: for a 补正 the applicant reads it (what to complete); for a
    consultation it stays internal (it may name the third party). ``answer`` is the applicant's
    补正 text, or the staff's note of the third party's answer.
    """

    __tablename__ = "clock_pause"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # a key of domain.procedure.PAUSE_LABELS
    reason: Mapped[str] = mapped_column(Text, default="")
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_on: Mapped[date] = mapped_column(Date)  # county date
    # the applicant's last day to 补正 / the third party's last day (Art. 32: 15 working days)
    answer_due: Mapped[date] = mapped_column(Date)
    old_due_date: Mapped[date] = mapped_column(Date)  # the due date when the clock stopped
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_on: Mapped[date | None] = mapped_column(Date)
    # "answered" (补正 received), "abandoned" (视为放弃), "ended" (consultation over)
    outcome: Mapped[str] = mapped_column(String(16), default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    new_due_date: Mapped[date | None] = mapped_column(Date)


class ReplyNotice(Base):
    """The 告知书 of a 依申请公开 reply, stored as issued (domain/notices.py composed it): later
    changes of the legal texts never alter a notice already sent. One per reply sent."""

    __tablename__ = "reply_notice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)  # the paragraphs, one per line
