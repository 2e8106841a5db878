"""Submitting a message: one transaction for the message, its first event and its notifications.

The citizen sees the tracking number and query code only after ``submit`` returns, i.e. after the
commit; any failure rolls everything back, removes the files already written and raises
:class:`SubmissionFailed`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc import kinds as kinds_mod
from formsvc.db import utcnow
from formsvc.kinds import Kind
from formsvc.models import Attachment, Department, Message, OutboxNotification
from formsvc.services import codes, lifecycle, uploads
from formsvc.services.uploads import Upload
from formsvc.workdays import Calendar, Count

log = logging.getLogger(__name__)


@dataclass
class NewMessage:
    """Validated input of one message (forms and the API both produce it)."""

    kind: Kind
    name: str
    phone: str
    subject: str
    content: str
    email: str = ""
    address: str = ""
    department_code: str = ""  # "" = 不确定, the dispatcher routes it
    consent_publish: bool = False
    project_slug: str = ""
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Receipt:
    """What the citizen is shown once, after the commit."""

    tracking_number: str
    query_code: str
    kind: Kind
    submitted_at: datetime
    received_on: date
    count: Count
    duplicate: bool
    department_name: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "tracking_number": self.tracking_number,
            "query_code": self.query_code,
            "kind": self.kind.code,
            "kind_label": self.kind.label,
            "status": lifecycle.Status.SUBMITTED.value,
            "status_label": lifecycle.STATUS_LABELS[lifecycle.Status.SUBMITTED],
            "submitted_at": self.submitted_at.isoformat(),
            "received_on": self.received_on.isoformat(),
            "due_date": self.count.due.isoformat(),
            "due": self.count.as_dict(),
            "duplicate": self.duplicate,
            "department": self.department_name,
        }


class SubmissionFailed(RuntimeError):
    """Nothing was stored; the citizen should try again."""


def local_today(config: Mapping[str, Any], now: datetime) -> date:
    return now.astimezone(ZoneInfo(config.get("TIMEZONE", "Asia/Shanghai"))).date()


def text_hash(text: str) -> str:
    # whitespace and case differences do not make a different message
    return hashlib.sha256(re.sub(r"\s+", "", text).lower().encode("utf-8")).hexdigest()


def submit(session: Session, config: Mapping[str, Any], data: NewMessage,
           attachments: list[Upload] | None = None, *, calendar: Calendar, client_ip: str = "",
           now: datetime | None = None) -> Receipt:
    """Store the message durably and return its receipt, or raise SubmissionFailed."""
    now = now or utcnow()
    received_on = local_today(config, now)
    limit = kinds_mod.time_limit(data.kind, config)
    count = calendar.add_working_days(received_on, limit)
    upload_dir = Path(config["UPLOAD_DIR"])
    written: list[tuple[Upload, str]] = []
    code = codes.query_code()
    try:
        department = _department(session, data)
        number = _unused_number(session, data.kind, received_on)
        thash = text_hash(data.content)
        original = session.scalar(
            select(Message.id).where(
                Message.phone == data.phone, Message.text_hash == thash,
                Message.submitted_at >= now - timedelta(hours=config["DUPLICATE_WINDOW_HOURS"]),
            ).order_by(Message.id).limit(1))
        message = Message(
            tracking_number=number, query_code_hash=codes.hash_code(code), kind=data.kind.code,
            department=department, project_slug=data.project_slug, name=data.name,
            phone=data.phone, email=data.email, address=data.address, subject=data.subject,
            content=data.content, consent_publish=data.consent_publish, details=data.details,
            submitted_at=now, received_on=received_on, due_date=count.due,
            time_limit_days=limit, extension_days=0, text_hash=thash, duplicate_of_id=original,
            reply_text="", rating="", rating_comment="", client_ip=client_ip,
        )
        session.add(message)
        note = "重复提交（24 小时内同一电话的相同内容）" if original else ""
        lifecycle.apply(message, "submit", actor="citizen", role="citizen", now=now, note=note)
        written = uploads.write(upload_dir, attachments or [])
        for up, stored in written:
            message.attachments.append(Attachment(
                stored_name=stored, original_name=up.filename, mime_type=up.mime_type,
                size=up.size, sha256=up.sha256, created_at=now))
        for row in _notifications(config, message, department, count):
            session.add(row)
        session.commit()
    except Exception as exc:
        session.rollback()
        uploads.remove(upload_dir, [s for _, s in written])
        log.exception("formsvc: submission failed, nothing stored")
        raise SubmissionFailed(str(exc)) from exc
    return Receipt(number, code, data.kind, now, received_on, count, original is not None,
                   department.display_name if department else "不确定（由县政府办公室分办）")


def _department(session: Session, data: NewMessage) -> Department | None:
    if not data.department_code:
        return None
    dept = session.scalar(select(Department).where(Department.code == data.department_code))
    if dept is None:  # the form validated it; the registry changed in between
        raise SubmissionFailed(f"unknown department {data.department_code}")
    return dept


def _unused_number(session: Session, kind: Kind, day: date) -> str:
    # 31^6 ≈ 887 million per kind and day: a collision is rare, but check rather than hope
    for _ in range(10):
        number = codes.tracking_number(kind.prefix, day)
        if session.scalar(select(Message.id).where(Message.tracking_number == number)) is None:
            return number
    raise SubmissionFailed("no free tracking number after 10 tries")


def _notifications(config: Mapping[str, Any], message: Message, department: Department | None,
                   count: Count) -> list[OutboxNotification]:
    payload = {
        "tracking_number": message.tracking_number, "kind": message.kind,
        "subject": message.subject, "due_date": count.due.isoformat(),
    }
    staff = (department.email if department and department.email else "") or config[
        "DISPATCHER_EMAIL"]
    rows = [OutboxNotification(recipient=staff, template="new_message", payload=payload,
                               channel="email", status="pending", attempts=0, last_error="")]
    if message.email:
        # the citizen's copy carries the number but never the query code (it is stored hashed)
        rows.append(OutboxNotification(recipient=message.email, template="receipt",
                                       payload=payload, channel="email", status="pending",
                                       attempts=0, last_error=""))
    for row in rows:
        row.message = message
    return rows

