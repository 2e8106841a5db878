"""What the department workbench keeps beside a message: the reply being drafted, extension
requests, reply templates, public letters and their proposals, mail delivery attempts."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from formsvc.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from formsvc.models.department import Department
    from formsvc.models.message import Message
    from formsvc.models.staff import Staff


class ReplyDraft(Base):
    """The department's answer to one message, from draft through review to sending.

    ``outcome`` is the Art. 36 result of a 依申请公开 request; it is kept apart from the message's
    workflow status (a request can be 已答复 with the outcome 不予公开).
    """

    __tablename__ = "reply_draft"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(String(32), default="")
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    # the annual report's row when the outcome spans several (不予公开: which of the eight
    # reasons; formsvc.domain.annual_report.OUTCOME_ROWS); "" for the outcome's default row
    report_row: Mapped[str] = mapped_column(String(32), default="")
    # draft → pending_review → (draft again | sent); draft → sent where no review is required
    status: Mapped[str] = mapped_column(String(16), default="draft")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    review_note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    message: Mapped[Message] = relationship()


class ExtensionRequest(Base):
    """A request to move a message's due date, and the decision on it."""

    __tablename__ = "extension_request"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # approved, refused
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    # the due date the extension counts from: the one when requested, the one when approved
    old_due_date: Mapped[date] = mapped_column(Date)
    new_due_date: Mapped[date | None] = mapped_column(Date)


class ReplyTemplate(Base):
    """A department's canned reply text (常用答复), pasted into the draft and edited."""

    __tablename__ = "reply_template"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department] = relationship()


class Letter(Base):
    """A reply published in the public letter box.

    Holds its own reviewed, masked copies of the texts: public pages read this table only and
    never the message, so personal data cannot leak through a forgotten field.
    """

    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    masked_name: Mapped[str] = mapped_column(String(50), default="")
    subject: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    reply: Mapped[str] = mapped_column(Text)
    received_on: Mapped[date] = mapped_column(Date)
    replied_on: Mapped[date] = mapped_column(Date, index=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship()
    publisher: Mapped[Staff | None] = relationship()


class LetterProposal(Base):
    """A proposal to publish (or change) a message's public letter, and its review: four eyes.

    One row per message, reused by each new proposal. The texts are the masked ones the proposer
    reviewed; the letter takes them only when a second person approves
    (services/workbench/letters.py), so the live letter never shows an unapproved edit.
    ``revision`` counts the proposals, so that an approval given on an older page is refused.
    """

    __tablename__ = "letter_proposal"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    reply: Mapped[str] = mapped_column(Text)
    # pending → approved | returned (a new proposal makes it pending again)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(Text, default="")

    message: Mapped[Message] = relationship()
    proposer: Mapped[Staff] = relationship(foreign_keys=[proposed_by_id])
    reviewer: Mapped[Staff | None] = relationship(foreign_keys=[reviewed_by_id])


class MailAttempt(Base):
    """One delivery attempt of an outbox row; failures stay recorded with their error."""

    __tablename__ = "mail_attempt"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ok: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str] = mapped_column(Text, default="")
