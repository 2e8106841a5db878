from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from formsvc.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from formsvc.models.message import Message


# Why a file is kept with a message: the citizen's submission, their 补正 (Art. 30), their
# 补充材料 before 分办, the disclosed information staff attach to the reply (the applicant
# downloads it when tracking).
ATTACHMENT_PURPOSES = ("submission", "correction", "supplement", "reply")


class Attachment(Base):
    """A file kept with a message; stored under UPLOAD_DIR with a random name, never served
    publicly. ``purpose`` is one of ATTACHMENT_PURPOSES."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    purpose: Mapped[str] = mapped_column(String(16), default="submission",
                                         server_default="submission")

    message: Mapped[Message] = relationship(back_populates="attachments")
