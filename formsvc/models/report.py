"""What the annual report needs that no message holds: the 行政复议 and 行政诉讼 cases about
government information, entered by staff (``flask annual-report case-add``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from formsvc.db import Base, UTCDateTime, utcnow


class DisclosureCase(Base):
    """One 行政复议 or 行政诉讼 case about government information, and its result.

    ``kind`` and ``result`` are codes of ``formsvc.domain.annual_report.CASE_KINDS`` and
    ``CASE_RESULTS``; the report counts a case in the year it was received, as 尚未审结 while it
    had no decision by the end of that year.
    """

    __tablename__ = "disclosure_case"
    __table_args__ = (Index("ix_disclosure_case_received_on", "received_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    case_number: Mapped[str] = mapped_column(String(100), default="")  # 案号
    received_on: Mapped[date] = mapped_column(Date)
    result: Mapped[str] = mapped_column(String(16), default="pending")
    decided_on: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
