from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from formsvc.db import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from formsvc.models.department import Department

# Roles, in the order the workbench lists them; what each may do is in services/lifecycle.py.
ROLE_LABELS: dict[str, str] = {
    "dispatcher": "分办员",
    "handler": "承办人",
    "reviewer": "审核人",
    "supervisor": "督办员",
    "admin": "系统管理员",
    "intake": "热线代录员",  # a 12345 operator: files messages for callers (代录)
}
# County-wide roles see every department's messages; the others only their own department's.
COUNTY_ROLES = frozenset({"dispatcher", "supervisor", "admin", "intake"})
# Who may file a message for a caller on the phone (代录, channel phone).
INTAKE_ROLES = frozenset({"intake", "dispatcher"})
DEPARTMENT_ROLES = frozenset({"handler", "reviewer"})


class Staff(Base):
    """A workbench account, created by ``flask --app formsvc create-staff`` (no self-registration)."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16), index=True)
    # required for handlers and reviewers; optional for county-wide roles
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship()

    @property
    def role_label(self) -> str:
        """The role as staff read it."""
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def county_wide(self) -> bool:
        """Whether the account sees every department's messages."""
        return self.role in COUNTY_ROLES

    @property
    def actor(self) -> str:
        """The ``Event.actor`` string of this account."""
        return f"staff:{self.id}"
