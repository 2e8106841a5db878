"""Staff accounts managed by an administrator on the workbench (and the same rules for the
commands): list, create with a one-time password, disable and enable, reset the password,
change role and department.

Every change goes through ``auth`` (hashes, the department rule) and adds its ``admin_event``
row in its own transaction. Two rules keep the office from locking itself out: an admin never
disables or demotes their own account here (another admin must), and no change leaves the
service without an active admin. The count of active admins is read with ``FOR UPDATE`` on
PostgreSQL, so two admins disabling each other at the same moment cannot both succeed.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from formsvc.models.staff import ROLE_LABELS, Staff
from formsvc.services import admin_events, auth
from formsvc.services.auth import AuthError

ADMIN = "admin"


def new_password() -> str:
    """A password to show once: 16 characters from 96 random bits (above auth.PASSWORD_MIN)."""
    return secrets.token_urlsafe(12)


def listed(session: Session) -> Sequence[Staff]:
    """Every account, active first, then by role's order and name."""
    order = {role: i for i, role in enumerate(ROLE_LABELS)}
    rows = session.scalars(select(Staff).options(joinedload(Staff.department))).all()
    return sorted(rows, key=lambda s: (not s.active, order.get(s.role, 99), s.username))


def get(session: Session, staff_id: int) -> Staff:
    """The account ``staff_id``; AuthError ``unknown_staff`` when there is none."""
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise AuthError("unknown_staff", "账户不存在")
    return staff


def create(session: Session, by: Staff | None, *, username: str, role: str,
           department_code: str = "", display_name: str = "", email: str = "") -> tuple[Staff, str]:
    """A new account with a generated password: (the account, the password to show once)."""
    password = new_password()
    staff = auth.create_staff(session, username=username, password=password, role=role,
                              department_code=department_code, display_name=display_name,
                              email=email, by=by)
    return staff, password


def reset_password(session: Session, by: Staff | None, staff: Staff) -> str:
    """A new generated password (ends the account's sessions, lifts a lockout), shown once."""
    password = new_password()
    auth.set_password(session, staff, password, by=by)
    return password


def _other_active_admins(session: Session, staff: Staff) -> int:
    ids = session.scalars(select(Staff.id).where(
        Staff.role == ADMIN, Staff.active.is_(True), Staff.id != staff.id)
        .with_for_update()).all()
    return len(ids)


def _keep_an_admin(session: Session, by: Staff | None, staff: Staff, what: str) -> None:
    """Refuse ``what`` (停用, 取消系统管理员角色) on the admin's own account, or when ``staff``
    is the last active admin."""
    if by is not None and by.id == staff.id:
        session.rollback()
        raise AuthError("own_account", f"不能{what}：这是您自己的账户，请另一位系统管理员操作")
    if staff.role == ADMIN and staff.active and _other_active_admins(session, staff) == 0:
        session.rollback()
        raise AuthError("last_admin", f"不能{what}：这是唯一有效的系统管理员账户，"
                        "请先创建或启用另一位系统管理员")


def set_active(session: Session, by: Staff | None, staff: Staff, active: bool) -> None:
    """Disable (ends its sessions at the next request: ``auth.load_staff``) or enable."""
    if staff.active == active:
        raise AuthError("unchanged", "账户已经是" + ("启用" if active else "停用") + "状态")
    if not active:
        _keep_an_admin(session, by, staff, "停用该账户")
    staff.active = active
    admin_events.add(session, by, "staff_enable" if active else "staff_disable",
                     f"staff:{staff.id}", staff.username)
    session.commit()


def change_role(session: Session, by: Staff | None, staff: Staff, role: str,
                department_code: str) -> None:
    """A new role and department ("" = none; handlers and reviewers need one)."""
    department = auth.role_department(session, role, department_code)
    old_dept = staff.department.code if staff.department is not None else ""
    if role == staff.role and department_code == old_dept:
        raise AuthError("unchanged", "角色和机构没有变化")
    if staff.role == ADMIN and role != ADMIN:
        _keep_an_admin(session, by, staff, "取消该账户的系统管理员角色")
    note = f"{staff.username}：{staff.role}/{old_dept or '-'} → {role}/{department_code or '-'}"
    staff.role, staff.department = role, department
    admin_events.add(session, by, "staff_role", f"staff:{staff.id}", note)
    session.commit()


def admin_count(session: Session) -> int:
    """Active admin accounts (the admin screen warns when there is one)."""
    return session.scalar(select(func.count()).select_from(Staff).where(
        Staff.role == ADMIN, Staff.active.is_(True))) or 0
