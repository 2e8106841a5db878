"""电子监察's records beside a message: the supervisors' notices (督办, 纠错) with the department's
answer, and the stored performance scores (one row per department, period and rule version)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from formsvc.db import Base, UTCDateTime, utcnow
from formsvc.models.message import Message

JSONType = JSON().with_variant(JSONB(), "postgresql")


class SupervisionNotice(Base):
    """A 督办 or 纠错 notice to the department holding a message, and its answer."""

    __tablename__ = "supervision_notice"
    __table_args__ = (
        # the unanswered notices of a department (its inbox count, the notices page)
        Index("ix_supervision_notice_department_answered", "department_id", "answered_at"),
        # the notices of a period (the monthly report, the performance table)
        Index("ix_supervision_notice_issued", "issued_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    kind: Mapped[str] = mapped_column(String(16))  # formsvc.domain.supervision.NOTICE_KINDS
    text: Mapped[str] = mapped_column(Text)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer_due: Mapped[date] = mapped_column(Date)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    message: Mapped[Message] = relationship()


class PerformanceScore(Base):
    """One department's figures and score for a period, as one version of the rule computed it."""

    __tablename__ = "performance_score"
    __table_args__ = (
        Index("ux_performance_score", "period", "rule_version", "department_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period: Mapped[str] = mapped_column(String(8))  # 2026-11, 2026-Q4, 2026
    rule_version: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    score: Mapped[float] = mapped_column(Float)
    ranked: Mapped[bool] = mapped_column(default=False)
    rank: Mapped[int | None] = mapped_column(Integer)
    figures: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
