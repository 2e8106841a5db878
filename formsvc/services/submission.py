"""Submitting a message: one transaction for the message, its first event and its notifications.

The citizen sees the tracking number and query code only after ``submit`` returns, i.e. after the
commit; any failure rolls everything back, removes the files already written and raises
:class:`SubmissionFailed`.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, insert, select
from sqlalchemy.orm import Session

from formsvc.config import county_date
from formsvc.db import UTCDateTime, upsert, utcnow
from formsvc.db.prepared import Prepared
from formsvc.domain import channels, consent
from formsvc.domain import kinds as kinds_mod
from formsvc.domain.kinds import Kind
from formsvc.domain.workdays import Calendar, Count
from formsvc.models import Attachment, Department, Event, Message, OutboxNotification
from formsvc.services import codes, deadlines, departments, lifecycle, notify, stats, uploads
from formsvc.services.uploads import Upload

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
    consent_source: str = consent.WEB  # formsvc.domain.consent: the API says API
    notify_sms: bool = False  # 短信通知: the receipt, reply notice and 补正 request by SMS too
    project_slug: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    # where it came in (formsvc.domain.channels) and the API key it came with, if any
    channel: str = channels.WEB
    api_key_id: int | None = None
    # the sending system's own number (a 12345 work order's), unique per channel
    external_id: str | None = None
    # who filed it: the citizen, or the staff member who took the call (代录: "staff:<id>", role)
    actor: str = "citizen"
    actor_role: str = "citizen"
    # when the time limit starts, if another system took the request earlier (a 12345 work
    # order: services/work_orders.clock_start); None: our receipt. ``note`` goes on the first event.
    received_at: datetime | None = None
    note: str = ""


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
        """The receipt as the API returns it (and the receipt page shows it)."""
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
            "due": deadlines.as_due(self.count),
            "duplicate": self.duplicate,
            "department": self.department_name,
        }


class SubmissionFailed(RuntimeError):
    """Nothing was stored; the citizen should try again."""


def text_hash(text: str) -> str:
    # whitespace and case differences do not make a different message
    """The repeat check's key: the text without white space, lower-cased, hashed."""
    return hashlib.sha256(re.sub(r"\s+", "", text).lower().encode("utf-8")).hexdigest()


def submit(session: Session, config: Mapping[str, Any], data: NewMessage,
           attachments: list[Upload] | None = None, *, calendar: Calendar, client_ip: str = "",
           now: datetime | None = None) -> Receipt:
    """Store the message durably and return its receipt, or raise SubmissionFailed.

    Four statements and a COMMIT, no SELECT (this is the hot path: docs/performance.md):

    * the message, whose tracking number the UNIQUE constraint checks (``ON CONFLICT DO NOTHING``
      returns no row, and another random number is tried) and whose repeat check is a subquery
      of the same INSERT on ``ix_message_phone_text``;
    * its first event; its notifications (one statement for one or two rows); its row in the
      statistics summary (an O(1) upsert); its attachments, if any.

    Everything else (the department from the per-process registry, the hash of the query code,
    the rows' values) is ready before the first INSERT, so SQLite's write lock is held only for
    the INSERTs and the commit.
    """
    now = now or utcnow()
    received_on = county_date(config, data.received_at or now)
    limit = kinds_mod.time_limit(data.kind, config)
    count = deadlines.first_count(calendar, received_on, limit)
    upload_dir = Path(config["UPLOAD_DIR"])
    written: list[tuple[Upload, str]] = []
    code = codes.query_code()
    department = _department(session, data)
    thash = text_hash(data.content)
    row = {
        "query_code_hash": codes.hash_code(code), "kind": data.kind.code, "status": _SUBMIT_STATUS,
        "department_id": department.id if department else None,
        "project_slug": data.project_slug, "name": data.name, "phone": data.phone,
        "email": data.email, "address": data.address, "subject": data.subject,
        "content": data.content, "consent_publish": data.consent_publish,
        "consent_source": data.consent_source, "notify_sms": data.notify_sms,
        "details": data.details, "submitted_at": now, "received_on": received_on,
        "due_date": count.due, "time_limit_days": limit, "extension_days": 0,
        "text_hash": thash, "reply_text": "", "rating": "", "rating_comment": "",
        "client_ip": client_ip, "channel": data.channel, "api_key_id": data.api_key_id,
        "external_id": data.external_id,
        # the repeat check (same phone, same text, within the window) inside the INSERT
        "dup_phone": data.phone, "dup_text_hash": thash,
        "dup_since": now - timedelta(hours=config["DUPLICATE_WINDOW_HOURS"]),
    }
    try:
        written = uploads.write(upload_dir, attachments) if attachments else []
        with _transaction(session) as conn:
            message_id, original, number = _write(conn, config, data, row, received_on,
                                                  department, count, written, now, code)
    except Exception as exc:
        session.rollback()
        uploads.remove(upload_dir, [s for _, s in written])
        log.exception("formsvc: submission failed, nothing stored")
        if isinstance(exc, SubmissionFailed):
            raise
        raise SubmissionFailed(str(exc)) from exc
    return Receipt(number, code, data.kind, now, received_on, count, original is not None,
                   department.display_name if department else departments.UNSURE)


@contextmanager
def _transaction(session: Session) -> Iterator[Connection]:
    """The submission's one transaction: committed when the block ends, rolled back on error.

    A session with nothing in progress (every request's, at this point) lends its engine: a Core
    connection and transaction skip the ORM session's own begin and commit bookkeeping, 3.9 % of
    the instructions of an API submission (docs/performance.md). A session already in a
    transaction, or bound to a connection rather than an engine, keeps it and commits as before.
    """
    bind = session.get_bind()
    if isinstance(bind, Engine) and not session.in_transaction():
        with bind.begin() as conn:
            yield conn
        return
    yield session.connection()
    session.commit()


def _write(conn: Connection, config: Mapping[str, Any], data: NewMessage, row: dict[str, Any],
           received_on: date, department: Department | None, count: Count,
           written: list[tuple[Upload, str]], now: datetime,
           query_code: str) -> tuple[int, Any, str]:
    """The statements of one submission; (message id, id of its original or None, number)."""
    for _ in range(10):
        # 31^6 ≈ 887 million per kind and day: a collision is rare; the constraint decides
        number = codes.tracking_number(data.kind.prefix, received_on)
        stored = _MESSAGE_INSERT.first(conn, {**row, "tracking_number": number})
        if stored is not None:
            break
    else:
        raise SubmissionFailed("no free tracking number after 10 tries")
    message_id, original = stored
    note = "重复提交（24 小时内同一电话的相同内容）" if original else ""
    if data.channel == channels.PHONE:
        note = "；".join(filter(None, ["工作人员电话代录", note]))
    note = "；".join(filter(None, [note, data.note]))
    _EVENT_INSERT.execute(conn, lifecycle.event_row(message_id, "submit", status=None,
                                                    actor=data.actor, role=data.actor_role,
                                                    now=now, note=note))
    _OUTBOX_INSERT.executemany(conn, [
        *({"message_id": message_id, "created_at": now, "channel": notify.EMAIL,
           "recipient": recipient, "template": template, "payload": payload,
           "status": "pending", "attempts": 0, "last_error": ""}
          for recipient, template, payload in notify.new_message_mails(
              config, number, data.kind, data.subject, count.due, department, data.email)),
        *({"message_id": message_id, "created_at": now, **sms}
          for sms in notify.new_message_sms(number, query_code, data.phone, data.notify_sms))])
    # the statistics summary (the ORM flush hook in models/message.py does not see Core)
    stats.count_new_message(conn, message_id)
    if written:
        conn.execute(_ATTACHMENT_INSERT, [
            {"message_id": message_id, "stored_name": stored_name,
             "original_name": up.filename, "mime_type": up.mime_type, "size": up.size,
             "sha256": up.sha256, "created_at": now} for up, stored_name in written])
    return message_id, original, number


# The status of a new message, from the lifecycle's table (one source of truth for statuses).
_SUBMIT_STATUS = str(lifecycle.TRANSITIONS["submit"].target)
_ATTACHMENT_INSERT = insert(Attachment.__table__)


def _insert_message(dialect: str) -> Any:
    """INSERT … ON CONFLICT (tracking_number) DO NOTHING RETURNING id, duplicate_of_id."""
    m = Message.__table__
    # min(): the first of the earlier copies, without a LIMIT (a post-compiled parameter)
    earlier = (select(func.min(m.c.id))
               .where(m.c.phone == bindparam("dup_phone"),
                      m.c.text_hash == bindparam("dup_text_hash"),
                      m.c.submitted_at >= bindparam("dup_since", type_=UTCDateTime()))
               .scalar_subquery())
    return (upsert(dialect, m).values(duplicate_of_id=earlier)
            .on_conflict_do_nothing(index_elements=[m.c.tracking_number])
            .returning(m.c.id, m.c.duplicate_of_id))


# The hot path's statements, compiled once per engine (formsvc/db/prepared.py) with the columns of
# the values given; every column with a Python-side default must be among them.
_MESSAGE_INSERT = Prepared(_insert_message)
_EVENT_INSERT = Prepared(insert(Event.__table__))
_OUTBOX_INSERT = Prepared(insert(OutboxNotification.__table__))


def _department(session: Session, data: NewMessage) -> Department | None:
    if not data.department_code:
        return None
    # the per-process copy of the registry (services/departments.py): no query per submission
    dept = departments.by_code(session, data.department_code)
    if dept is None:  # the form validated it; the registry changed in between
        raise SubmissionFailed(f"unknown department {data.department_code}")
    return dept
