from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from formsvc.db import Base, UTCDateTime, utcnow


class Department(Base):
    """A routing target, copied from content/departments.yml by ``sync-departments``.

    Rows are never deleted: messages keep pointing at a department that left the registry,
    which is then only marked inactive.
    """

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(100), default="")
    org_code: Mapped[str] = mapped_column(String(20), default="")
    kind: Mapped[str] = mapped_column(String(50), default="")
    parent_code: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    review_required: Mapped[bool] = mapped_column(Boolean, default=False)
    accepts_disclosure_requests: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order in the registry
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def display_name(self) -> str:
        """The short name where there is one."""
        return self.short_name or self.name
