from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from formsvc.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from formsvc.models.attachment import Attachment
    from formsvc.models.department import Department
    from formsvc.models.event import Event

JSONType = JSON().with_variant(JSONB(), "postgresql")


class Message(Base):
    """What a citizen sent, with its workflow status and its deadline.

    Personal data (name, phone, e-mail, address, ID number in ``details``) never leaves the
    service except to the handling department; public views use masked copies.
    """

    __tablename__ = "message"
    __table_args__ = (
        Index("ix_message_phone_text", "phone", "text_hash", "submitted_at"),
        # the department inbox: its open messages by due date (migration 0003)
        Index("ix_message_department_status_due", "department_id", "status", "due_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(32), unique=True)
    query_code_hash: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    # the department the citizen chose; None means 不确定 (the dispatcher routes it)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    project_slug: Mapped[str] = mapped_column(String(100), default="")

    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    subject: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    consent_publish: Mapped[bool] = mapped_column(Boolean, default=False)
    # kind-specific fields (依申请公开: applicant type, ID document, form and way of receiving …)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # the legal receipt date (for 依申请公开 the date both sides confirmed), county time
    received_on: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date, index=True)
    time_limit_days: Mapped[int] = mapped_column(Integer)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)

    # sha256 of the normalised content: the same text from the same phone within 24 h is a repeat
    text_hash: Mapped[str] = mapped_column(String(64))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))

    reply_text: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[str] = mapped_column(String(32), default="")
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_ip: Mapped[str] = mapped_column(String(64), default="")

    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    events: Mapped[list[Event]] = relationship(
        back_populates="message", order_by="Event.id", cascade="save-update, merge"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.id"
    )

    @property
    def is_duplicate(self) -> bool:
        return self.duplicate_of_id is not None
