"""Departments: synced from content/departments.yml (the one registry), never deleted."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.db import utcnow
from formsvc.models import Department
from portal import departments as registry


@dataclass
class SyncResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deactivated: list[str] = field(default_factory=list)
    unchanged: int = 0

    def summary(self) -> str:
        return (f"新增 {len(self.added)}，更新 {len(self.updated)}，停用 {len(self.deactivated)}，"
                f"未变 {self.unchanged}")


_SYNCED = ("name", "short_name", "org_code", "kind", "parent_code", "email", "phone",
           "review_required", "accepts_disclosure_requests", "active", "position")


def sync(session: Session, content_dir: Path | str) -> SyncResult:
    """Upsert departments by code and deactivate those gone from the registry, in one transaction."""
    reg = registry.load(content_dir)
    result = SyncResult()
    existing = {d.code: d for d in session.scalars(select(Department))}
    try:
        for position, entry in enumerate(reg):
            values = {
                "name": entry.name, "short_name": entry.short_name, "org_code": entry.org_code,
                "kind": entry.kind, "parent_code": entry.parent, "email": entry.email,
                "phone": entry.phone, "review_required": entry.review_required,
                "accepts_disclosure_requests": entry.accepts_disclosure_requests,
                "active": True, "position": position,
            }
            row = existing.pop(entry.code, None)
            if row is None:
                session.add(Department(code=entry.code, updated_at=utcnow(), **values))
                result.added.append(entry.code)
            elif any(getattr(row, k) != values[k] for k in _SYNCED):
                for k, v in values.items():
                    setattr(row, k, v)
                row.updated_at = utcnow()
                result.updated.append(entry.code)
            else:
                result.unchanged += 1
        # messages refer to departments: a removed one is only marked inactive
        for row in existing.values():
            if row.active:
                row.active = False
                row.updated_at = utcnow()
                result.deactivated.append(row.code)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return result


def active(session: Session) -> list[Department]:
    return list(session.scalars(
        select(Department).where(Department.active.is_(True)).order_by(Department.position)))


def by_code(session: Session, code: str) -> Department | None:
    return session.scalar(select(Department).where(Department.code == code))


def disclosure_offices(session: Session) -> list[Department]:
    """The offices that receive 依申请公开 requests (政府信息公开工作机构)."""
    return [d for d in active(session) if d.accepts_disclosure_requests]
