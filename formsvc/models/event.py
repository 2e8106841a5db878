from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from formsvc.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from formsvc.models.message import Message


class Event(Base):
    """One entry of a message's append-only history: every state change and every action."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), index=True)
    # indexed (0019): the 12345 platform polls by event time (services/work_orders.changed)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))  # "citizen", "system", "staff:<id>"
    action: Mapped[str] = mapped_column(String(32))  # a key of lifecycle.TRANSITIONS
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    # shown on the citizen's tracking page; internal notes stay False
    public: Mapped[bool] = mapped_column(Boolean, default=True)

    message: Mapped[Message] = relationship(back_populates="events")


def _refuse_change(_mapper: Any, _conn: Any, target: Event) -> None:
    # The log is evidence for supervisors and inspections; corrections are new events.
    raise RuntimeError(f"event {target.id} is append-only")


event.listen(Event, "before_update", _refuse_change)
event.listen(Event, "before_delete", _refuse_change)
