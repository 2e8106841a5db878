from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from formsvc.db import Base, UTCDateTime, utcnow

# who made a change from the command line (no account: the operator on the server)
CLI_ACTOR = "cli"


class AdminEvent(Base):
    """One change to an account or an API key, or a failed mail sent again (append-only, like a
    message's ``Event``): who did it (``staff:<id>`` on the admin screens, ``cli`` from the
    operator commands), what (``staff_create``, ``staff_disable`` …, ``api_key_rotate``,
    ``outbox_retry``), to whom (``staff:<id>``, ``api_key:<key_id>`` or ``outbox:<id>``) and a
    short note (old → new role). Never a password or a key."""

    __tablename__ = "admin_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(64), index=True)
    note: Mapped[str] = mapped_column(Text, default="")


def _refuse_change(_mapper: Any, _conn: Any, target: AdminEvent) -> None:
    # the record of who changed an account is evidence: corrections are new rows
    raise RuntimeError(f"admin_event {target.id} is append-only")


event.listen(AdminEvent, "before_update", _refuse_change)
event.listen(AdminEvent, "before_delete", _refuse_change)
