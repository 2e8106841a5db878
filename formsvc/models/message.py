from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from formsvc.db import Base, UTCDateTime, utcnow
from formsvc.domain import consent
from formsvc.domain.channels import EXTERNAL_ID_MAX

if TYPE_CHECKING:
    from formsvc.models.attachment import Attachment
    from formsvc.models.department import Department
    from formsvc.models.event import Event
    from formsvc.models.procedure import ClockPause
    from formsvc.models.workbench import ExtensionRequest

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
        # the county-wide inbox: one status at a time by due date (migration 0004)
        Index("ix_message_status_due", "status", "due_date", "id"),
        # refreshing one row of message_stats after a change (migration 0004); channel last so
        # that the counts by channel read the index alone (migration 0012), no index more
        Index("ix_message_received_department", "received_on", "department_id", "channel"),
        # a 12345 work order's own number, once per channel: a re-imported batch finds its
        # messages instead of storing them twice (migration 0013)
        Index("ux_message_channel_external", "channel", "external_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tracking_number: Mapped[str] = mapped_column(String(32), unique=True)
    query_code_hash: Mapped[str] = mapped_column(String(255))
    # no index of their own (migration 0005): status leads ix_message_status_due, and five kinds
    # select nothing; each index is one more page written per submission
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    # the department the citizen chose; None means 不确定 (the dispatcher routes it)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    # the named handler within the department (staff.id; migration 0018, no foreign key like
    # api_key_id): set by 指定承办人, cleared when the message leaves the department
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    project_slug: Mapped[str] = mapped_column(String(100), default="")

    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    subject: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    consent_publish: Mapped[bool] = mapped_column(Boolean, default=False)
    # where that consent came from (formsvc.domain.consent; migration 0008)
    # (a row written without it, as by a restore of an old dump, is one whose channel is unknown)
    consent_source: Mapped[str] = mapped_column(String(consent.SOURCE_MAX), default=consent.WEB,
                                                server_default=consent.UNKNOWN)
    # the citizen asked for the receipt, reply notice and 补正 request by SMS too (migration 0014)
    notify_sms: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # kind-specific fields (依申请公开: applicant type, ID document, form and way of receiving …)
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    # no index of its own (migration 0005): the repeat check reads ix_message_phone_text
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the legal receipt date (for 依申请公开 the date both sides confirmed), county time
    received_on: Mapped[date] = mapped_column(Date)
    # no index of its own (migration 0006): every query by due date also filters by status
    due_date: Mapped[date] = mapped_column(Date)
    time_limit_days: Mapped[int] = mapped_column(Integer)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)

    # sha256 of the normalised content: the same text from the same phone within 24 h is a repeat
    text_hash: Mapped[str] = mapped_column(String(64))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))

    reply_text: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Facts of the reply that need the county's time zone and working-day calendar, fixed when
    # the reply is sent (services/stats.record_reply; migration 0004 for older replies) so that
    # the statistics never read messages one by one. None while there is no reply.
    replied_on: Mapped[date | None] = mapped_column(Date)
    reply_working_days: Mapped[int | None] = mapped_column(Integer)
    rating: Mapped[str] = mapped_column(String(32), default="")
    rating_comment: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    client_ip: Mapped[str] = mapped_column(String(64), default="")
    # where it came in (formsvc.domain.channels.CHANNELS) and, through an API key, which key
    channel: Mapped[str] = mapped_column(String(16), server_default="web")
    # no foreign key: keys are revoked, never deleted (migration 0012 says why)
    api_key_id: Mapped[int | None] = mapped_column(Integer)
    # the sending system's own number (a 12345 work order's 工单编号); None for the other channels
    external_id: Mapped[str | None] = mapped_column(String(EXTERNAL_ID_MAX))
    # 签收 (migration 0017): when the holding department signed for it, and the working days
    # from the dispatch (formsvc/services/workbench/signing.py); None until signed, and again
    # after a transfer or reopening hands it to a department that has not signed yet
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sign_working_days: Mapped[int | None] = mapped_column(Integer)
    # the last 预警 grade the grading run saw (formsvc.domain.supervision; "" none, yellow, red)
    warning_grade: Mapped[str] = mapped_column(String(8), server_default="")

    department: Mapped[Department | None] = relationship(foreign_keys=[department_id])
    events: Mapped[list[Event]] = relationship(
        back_populates="message", order_by="Event.id", cascade="save-update, merge"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.id"
    )
    # read when tracking explains a due date an approved extension set (services/deadlines.py)
    extension_requests: Mapped[list[ExtensionRequest]] = relationship(
        order_by="ExtensionRequest.id", viewonly=True
    )
    # 补正 and third-party consultations (services/procedure.py), oldest first
    pauses: Mapped[list[ClockPause]] = relationship(order_by="ClockPause.id")

    @property
    def open_pause(self) -> ClockPause | None:
        """The pause stopping the clock now, if any."""
        return next((p for p in self.pauses if p.ended_at is None), None)

    @property
    def is_duplicate(self) -> bool:
        """A repeat of an earlier message (same phone, same text, within the window)."""
        return self.duplicate_of_id is not None


class MessageStats(Base):
    """Statistics figures per (department, receipt date): a summary of ``message``, never edited.

    Rows are recomputed from ``message`` whenever a message changes (services/stats.refresh, run
    in the same flush by the session hook services/stats.watch installs on the app's sessions),
    so the statistics page reads ~17 × days rows instead of every message.
    ``department_id`` 0 holds messages without a department (not dispatched).
    """

    __tablename__ = "message_stats"
    # SQLite: the rows live in the primary key's b-tree, one page per change, not two (0006)
    __table_args__ = {"sqlite_with_rowid": False}

    department_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    received_on: Mapped[date] = mapped_column(Date, primary_key=True)
    received: Mapped[int] = mapped_column(Integer, default=0)
    replied: Mapped[int] = mapped_column(Integer, default=0)
    on_time: Mapped[int] = mapped_column(Integer, default=0)
    working_days_total: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    duplicates: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    undispatched: Mapped[int] = mapped_column(Integer, default=0)
    # 签收 (migration 0017): signed for, and signed within SIGN_WITHIN_WORKING_DAYS (响应率)
    signed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    responded: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
