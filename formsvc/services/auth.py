"""Staff accounts: argon2 password hashes, lockout after repeated failures, session freshness.

Login failures all read the same (:func:`login_failed_message`) whether the name is unknown, the
password wrong or the account locked, and take the same path, so the form cannot be used to find
account names.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import case, literal, or_, select, update
from sqlalchemy.orm import Session, joinedload

from formsvc.config import setting
from formsvc.db import UTCDateTime, utcnow
from formsvc.models import Department
from formsvc.models.staff import COUNTY_ROLES, DEPARTMENT_ROLES, ROLE_LABELS, Staff
from formsvc.services import admin_events
from formsvc.services.errors import ServiceError

_hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
_DUMMY_HASH = _hasher.hash("no-such-account")

LOGIN_FAILED = "用户名或密码错误"
PASSWORD_MIN = 10
# a login name: no spaces or control characters (they are invisible when it is read out)
USERNAME_RE = re.compile(r"^[^\s\x00-\x1f\x7f]+$")


class AuthError(ServiceError):
    """A refused login or account change."""

    def __init__(self, code: str, message: str, staff: Staff | None = None) -> None:
        super().__init__(code, message)
        self.staff = staff  # the account a failed login named, if it exists (audit log)


def hash_password(password: str) -> str:
    """The argon2 hash of ``password``."""
    return _hasher.hash(password)


def create_staff(session: Session, *, username: str, password: str, role: str,
                 display_name: str = "", department_code: str = "", email: str = "",
                 by: Staff | None = None) -> Staff:
    """Create an account (``create-staff``, the admin screen: ``by`` is the admin, None for the
    command line); raises AuthError with a Chinese message on bad input. Recorded in
    ``admin_event`` in the same transaction."""
    username = username.strip()
    if not username or len(username) > 64 or not USERNAME_RE.fullmatch(username):
        raise AuthError("invalid_username", "用户名不能为空，不超过 64 个字符，不含空格")
    if role not in ROLE_LABELS:
        raise AuthError("invalid_role", "角色应为：" + "、".join(
            f"{k}（{v}）" for k, v in ROLE_LABELS.items()))
    if len(display_name) > 100 or len(email) > 200:
        raise AuthError("too_long", "姓名不超过 100 个字符，电子邮箱不超过 200 个字符")
    if len(password) < PASSWORD_MIN:
        raise AuthError("weak_password", f"密码至少 {PASSWORD_MIN} 个字符")
    if session.scalar(select(Staff.id).where(Staff.username == username)) is not None:
        raise AuthError("username_taken", f"用户名 {username} 已存在")
    department = role_department(session, role, department_code)
    staff = Staff(username=username, display_name=display_name.strip() or username,
                  email=email.strip(), role=role, department=department,
                  password_hash=hash_password(password), active=True, failed_logins=0,
                  created_at=utcnow())
    session.add(staff)
    session.flush()  # the id, for the record
    admin_events.add(session, by, "staff_create", f"staff:{staff.id}",
                     f"{username}，{ROLE_LABELS[role]}" + (f"，{department.code}" if department
                                                           else ""))
    session.commit()
    return staff


def role_department(session: Session, role: str, department_code: str) -> Department | None:
    """The department an account of ``role`` gets from ``department_code`` ("" = none);
    AuthError for an unknown role or code, or a department role without one."""
    if role not in ROLE_LABELS:
        raise AuthError("invalid_role", "角色应为：" + "、".join(
            f"{k}（{v}）" for k, v in ROLE_LABELS.items()))
    department = None
    if department_code:
        department = session.scalar(select(Department).where(Department.code == department_code))
        if department is None:
            raise AuthError("unknown_department",
                            f"机构代码 {department_code} 不存在（先运行 sync-departments）")
    if role in DEPARTMENT_ROLES and department is None:
        raise AuthError("department_required", f"{ROLE_LABELS[role]}必须属于一个机构")
    return department


def set_password(session: Session, staff: Staff, password: str, by: Staff | None = None) -> None:
    """Set a new password; ends the account's sessions and lifts a lockout. Recorded in
    ``admin_event`` (``by``: the admin, None for ``staff-password``)."""
    if len(password) < PASSWORD_MIN:
        raise AuthError("weak_password", f"密码至少 {PASSWORD_MIN} 个字符")
    staff.password_hash = hash_password(password)
    staff.failed_logins = 0
    staff.locked_until = None
    admin_events.add(session, by, "staff_password", f"staff:{staff.id}", staff.username)
    session.commit()


def login_failed_message(config: Mapping[str, Any]) -> str:
    """The one answer to every failed login: unknown name, wrong password, locked account."""
    return (f"{LOGIN_FAILED}。连续 {int(config.get('LOGIN_MAX_FAILURES', 5))} 次登录失败后账户将"
            f"锁定 {int(config.get('LOGIN_LOCKOUT_MINUTES', 15))} 分钟，锁定期间请勿再试")


def login(session: Session, config: Mapping[str, Any], username: str, password: str,
          now: datetime | None = None) -> Staff:
    """The account if the password is right and it is not locked; AuthError otherwise.

    Every failure takes the same path whatever the name: one argon2 verification (against a dummy
    hash for unknown names), one UPDATE of the failure counter (matching no row for unknown names
    and locked accounts) and one commit, and the same message. A locked account therefore reads
    like an unknown name or a wrong password, and an attacker cannot tell names that exist from
    names that do not, nor learn a password by guessing during the lockout. The counter and the
    lock live in the staff row and change in one statement, so every gunicorn worker and every
    application server sees them and concurrent failures are all counted.
    AuthError.code says which failure it was (for the audit log, never for the page).
    """
    now = now or utcnow()
    name = username.strip()
    # the department comes in the same query: the audit log reads it, and a lazy load would be
    # one more query (and a little more time) for names that exist
    staff = session.scalar(select(Staff).options(joinedload(Staff.department))
                           .where(Staff.username == name))
    try:
        ok = _hasher.verify(staff.password_hash if staff else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        ok = False
    locked = staff is not None and staff.locked_until is not None and staff.locked_until > now
    if staff is not None and staff.active and ok and not locked:
        staff.failed_logins = 0
        staff.locked_until = None
        staff.last_login_at = now
        if _hasher.check_needs_rehash(staff.password_hash):
            staff.password_hash = hash_password(password)
        session.commit()
        return staff
    lock_until = now + timedelta(minutes=int(setting(config, "LOGIN_LOCKOUT_MINUTES")))
    reaching = Staff.failed_logins + 1 >= int(setting(config, "LOGIN_MAX_FAILURES"))
    rows = session.execute(
        update(Staff)
        .where(Staff.username == name,
               or_(Staff.locked_until.is_(None), Staff.locked_until <= now))
        .values(locked_until=case((reaching, literal(lock_until, UTCDateTime())),
                                  else_=Staff.locked_until),
                failed_logins=case((reaching, 0), else_=Staff.failed_logins + 1))
        .returning(Staff.failed_logins)
        .execution_options(synchronize_session=False)).all()
    session.commit()
    # (the UPDATE went around the identity map: this session's copy keeps the old counters; the
    # session ends with the request and nothing here reads them)
    code = ("unknown_user" if staff is None else "inactive" if not staff.active
            else "locked" if locked else "lockout" if rows and rows[0][0] == 0
            else "wrong_password")
    raise AuthError(code, login_failed_message(config), staff)


def fingerprint(staff: Staff) -> str:
    """Part of the hash kept in the session: a new password ends every older session."""
    return staff.password_hash[-16:]


def session_fresh(config: Mapping[str, Any], login_at: float, seen_at: float, now: float) -> bool:
    """Idle and absolute limits of a staff session (seconds since the epoch)."""
    idle = float(setting(config, "STAFF_SESSION_IDLE_MINUTES")) * 60
    absolute = float(setting(config, "STAFF_SESSION_MAX_HOURS")) * 3600
    return now - seen_at <= idle and now - login_at <= absolute


def load_staff(session: Session, staff_id: int, fp: str) -> Staff | None:
    """The active account of a session, if its fingerprint still matches."""
    staff = session.get(Staff, staff_id)
    if staff is None or not staff.active or fingerprint(staff) != fp:
        return None
    return staff


__all__ = ["COUNTY_ROLES", "AuthError", "create_staff", "login", "load_staff", "session_fresh"]
