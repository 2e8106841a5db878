"""The one writer of ``admin_event`` rows: every change to an account or an API key, and every
failed mail sent again, from the admin screens or the operator commands, adds its row in the change's own transaction (the audit
log writes its line after that commit, formsvc/web/audit_log.py)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.db import utcnow
from formsvc.models.admin_event import CLI_ACTOR, AdminEvent
from formsvc.models.staff import Staff

# action → what the admin screen's history says
ACTION_LABELS: dict[str, str] = {
    "staff_create": "创建账户",
    "staff_disable": "停用账户",
    "staff_enable": "启用账户",
    "staff_password": "重设密码",
    "staff_role": "更改角色或机构",
    "api_key_create": "创建 API 密钥",
    "api_key_revoke": "吊销 API 密钥",
    "api_key_rotate": "轮换 API 密钥",
    "outbox_retry": "重新发送失败的邮件",
}


def actor_of(by: Staff | None) -> str:
    """The ``actor`` of a change: the admin's account, or the operator's command line."""
    return by.actor if by is not None else CLI_ACTOR


def add(session: Session, by: Staff | None, action: str, target: str, note: str = "") -> AdminEvent:
    """Add (not commit) the row of one change; the caller commits it with the change."""
    if action not in ACTION_LABELS:
        raise ValueError(f"unknown admin action {action}")
    row = AdminEvent(actor=actor_of(by), action=action, target=target, note=note[:500],
                     created_at=utcnow())
    session.add(row)
    return row


def recent(session: Session, limit: int = 30) -> list[AdminEvent]:
    """The latest changes, newest first (the admin screen's history)."""
    return list(session.scalars(select(AdminEvent).order_by(AdminEvent.id.desc()).limit(limit)))
