"""Audit log of staff actions: one JSON line per action, written after its transaction commits.

The append-only ``Event`` rows are the record in the database; this log is the copy that leaves the
database, for the log store and for alerts (a burst of failed logins, actions at 3 a.m.). A
SQLAlchemy ``after_flush`` hook on the app's sessions notes every new Event made by a staff member
(and every reply-template change, which has no Event), ``after_commit`` writes the noted lines and
``after_rollback`` drops them, so a line means the action is stored. Logins and logouts change no
Event and are written by the login view through :func:`record`; every request made with an API
key by :func:`record_key_use` (formsvc/web/api_keys.py); refused workbench actions (an
invalid form, a message out of scope) by an ``after_request`` hook.

Each line has the same keys: time (ISO 8601, UTC), actor (username), actor_id, role, action,
message (tracking number), department (code), ip, request_id, outcome and target (the account
``staff:<id>``, key ``api_key:<key_id>`` or mail ``outbox:<id>`` an admin changed: an ``AdminEvent`` row, written by
the admin screens and the account and key commands; actor ``cli`` for a command). Never the citizen's
personal data: no name, phone, address, subject or text.

Destination: ``AUDIT_LOG`` — "stderr" (default), a file path, or "" to configure the
``formsvc.audit`` logger yourself (``JSONFormatter`` is usable from a logging dictConfig).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
from datetime import UTC, datetime
from logging.handlers import WatchedFileHandler
from typing import Any

from flask import Flask, g, has_request_context, request
from sqlalchemy import event, inspect
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from formsvc.models import AdminEvent, Event
from formsvc.models.staff import Staff
from formsvc.models.workbench import ReplyTemplate

LOGGER_NAME = "formsvc.audit"
log = logging.getLogger(LOGGER_NAME)

FIELDS = ("time", "actor", "actor_id", "role", "action", "message", "department", "ip",
          "request_id", "outcome", "target")
_PENDING = "formsvc.audit.pending"
# a client's or nginx's X-Request-ID is kept when it is a plain token; anything else is replaced
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# answers of a refused workbench action → outcome
_REFUSED = {400: "invalid", 403: "forbidden", 404: "not_found", 429: "rate_limited"}


class JSONFormatter(logging.Formatter):
    """One JSON object per line: the record's ``audit`` fields, or its message for other records."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one JSON line."""
        fields = getattr(record, "audit", None)
        entry: dict[str, Any] = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds").replace("+00:00", "Z")}
        if isinstance(fields, dict):
            entry.update({k: fields.get(k) for k in FIELDS if k != "time"})
        else:
            entry.update(level=record.levelname, logger=record.name, text=record.getMessage())
        return json.dumps(entry, ensure_ascii=False)


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """stderr as it is when the line is written (test runners and daemons swap sys.stderr)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property  # type: ignore[override]
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def init_app(app: Flask) -> None:
    """A create_app step: the logger, the session hooks and the request hooks."""
    _configure_logger(str(app.config.get("AUDIT_LOG", "stderr") or ""))
    maker = app.extensions["formsvc.sessionmaker"]
    event.listen(maker, "after_flush", _after_flush)
    event.listen(maker, "after_commit", _after_commit)
    event.listen(maker, "after_rollback", _after_rollback)
    app.before_request(_assign_request_id)
    app.after_request(_after_request)


def _configure_logger(destination: str) -> None:
    if not destination:
        return  # the operator's logging configuration owns the logger
    ours = [h for h in log.handlers if hasattr(h, "formsvc_audit")]
    if any(h.formsvc_audit == destination for h in ours):  # type: ignore[attr-defined]
        return
    for old in ours:  # one destination per process: the last app configured wins (tests)
        log.removeHandler(old)
        old.close()
    # delay: the file opens at the first line, so commands that log no staff action (the mail
    # and reminder timers) never need to write there
    handler: logging.Handler = _Stderr() if destination == "stderr" else \
        WatchedFileHandler(destination, encoding="utf-8", delay=True)
    handler.formsvc_audit = destination  # type: ignore[attr-defined]
    handler.setFormatter(JSONFormatter())
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False  # audit lines go to their own destination, not into the error log


def record(action: str, outcome: str, *, staff: Staff | None = None, username: str = "",
           message: str | None = None, department: str | None = None) -> None:
    """Write one line now (for what changes no Event: login, logout, refused actions)."""
    _emit(_entry(action, outcome, staff=staff, username=username, message=message,
                 department=department if department is not None else _dept_code(staff)))


def record_key_use(name: str, key_id: int, action: str, outcome: str, *,
                   message: str | None = None) -> None:
    """Write the line of one request made with an API key: the key by its name and row id (role
    ``api_key``), never the key itself."""
    entry = _entry(action, outcome, username=name, message=message)
    entry.update(actor_id=key_id, role="api_key")
    _emit(entry)


def _entry(action: str, outcome: str, *, staff: Staff | None = None, username: str = "",
           message: str | None = None, department: str | None = None) -> dict[str, Any]:
    in_request = has_request_context()
    return {
        "actor": staff.username if staff is not None else (username or None),
        "actor_id": staff.id if staff is not None else None,
        "role": staff.role if staff is not None else None,
        "action": action, "message": message, "department": department,
        "ip": (request.remote_addr or None) if in_request else None,
        "request_id": g.get("request_id") if in_request else None,
        "outcome": outcome, "target": None,
    }


def _emit(entry: dict[str, Any]) -> None:
    log.info("%s %s", entry["action"], entry["outcome"], extra={"audit": entry})


def _dept_code(staff: Staff | None) -> str | None:
    if staff is None or staff.department_id is None:
        return None
    try:
        return staff.department.code if staff.department is not None else None
    except SQLAlchemyError:
        # the database went away mid-request (lazy load): the line still goes out, and the
        # request keeps its 503 instead of turning into a 500 here
        return None


# --- the session hooks -----------------------------------------------------------------------------


def _after_flush(session: Session, _flush_context: Any) -> None:
    # session.new/dirty still list what this flush wrote; ids are assigned
    pending: list[dict[str, Any]] = session.info.setdefault(_PENDING, [])
    for obj in session.new:
        if isinstance(obj, Event) and (obj.actor or "").startswith("staff:"):
            staff = _staff(session, obj.actor.partition(":")[2])
            msg = obj.message
            dept = msg.department.code if msg is not None and msg.department is not None else None
            pending.append(_entry(obj.action, "ok", staff=staff,
                                  message=msg.tracking_number if msg is not None else None,
                                  department=dept))
        elif isinstance(obj, AdminEvent):
            staff = _staff(session, obj.actor.partition(":")[2])
            entry = _entry(obj.action, "ok", staff=staff, username=obj.actor,
                           department=_dept_code(staff))
            entry["target"] = obj.target
            pending.append(entry)
        elif isinstance(obj, ReplyTemplate):
            staff = _staff(session, str(obj.created_by_id or ""))
            pending.append(_entry("template_add", "ok", staff=staff, department=_dept_code(staff)))
    for obj in session.dirty:
        if isinstance(obj, ReplyTemplate) and _became_inactive(obj):
            staff = g.get("staff") if has_request_context() else None
            pending.append(_entry("template_remove", "ok", staff=staff,
                                  department=_dept_code(staff)))


def _became_inactive(row: ReplyTemplate) -> bool:
    history = inspect(row).attrs.active.history
    return bool(history.deleted) and history.deleted[0] and not row.active


def _staff(session: Session, staff_id: str) -> Staff | None:
    if not staff_id.isdigit():
        return None
    with session.no_autoflush:
        return session.get(Staff, int(staff_id))


def _after_commit(session: Session) -> None:
    for entry in session.info.pop(_PENDING, []):
        _emit(entry)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


# --- request hooks ---------------------------------------------------------------------------------


def _assign_request_id() -> None:
    given = request.headers.get("X-Request-ID", "")
    g.request_id = given if _REQUEST_ID.fullmatch(given) else secrets.token_hex(16)


def _after_request(resp: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        resp.headers["X-Request-ID"] = request_id
    # a workbench action that was refused commits nothing, so no Event; log the attempt
    if request.endpoint == "staff.act" and resp.status_code >= 400 and g.get("staff") is not None:
        args = request.view_args or {}
        record(str(args.get("action", "")), _REFUSED.get(resp.status_code,
                                                         f"http_{resp.status_code}"),
               staff=g.staff, message=str(args.get("number", "")).upper() or None,
               department=None)
    return resp
