"""The 12345 work-order exchange: orders in as messages of channel 12345, status and replies out.

Import is idempotent: an order whose number (``external_id``) is already stored is the same
message, reported ``existing`` and never stored twice, also when two imports of the same batch
race (the unique index ``ux_message_channel_external`` decides; migration 0013). Each order is
its own transaction (formsvc/services/submission.py): a failed one leaves nothing behind and
does not stop the others.

Export reads the messages of channel 12345 that changed (an event was recorded) in a window
``(since, until]``; the platform polls with the ``until`` of its last answer as the next
``since``, so a change is delivered at least once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from formsvc.db import utcnow
from formsvc.domain import channels
from formsvc.domain.workdays import Calendar
from formsvc.forms import work_orders as orders_form
from formsvc.models import Event, Message
from formsvc.services import departments, lifecycle, submission, tracking

CREATED = "created"
EXISTING = "existing"
INVALID = "invalid"
FAILED = "failed"  # not stored for a passing reason (the database): send the order again
RESULTS = (CREATED, EXISTING, INVALID, FAILED)
PER_PAGE = 100
MAX_PER_PAGE = 500


def clock_start(config: Mapping[str, Any], received_at: datetime | None,
                now: datetime) -> tuple[datetime, str]:
    """When a work order's time limit starts, and why not at 12345's receipt if not ("" if so).

    The citizen's call was taken at ``received_at``, so the working days count from then; a
    time after ``now`` (a wrong clock or zone) or older than WORK_ORDER_MAX_AGE_DAYS (a typo, an
    order resent from an archive) cannot be trusted, and our receipt starts the clock instead."""
    if received_at is None:
        return now, ""
    shown = received_at.isoformat(timespec="minutes")
    if received_at > now:
        return now, f"12345 受理时间（{shown}）晚于本系统收到工单的时间，办理期限从本系统收到之日起算"
    max_age = int(config["WORK_ORDER_MAX_AGE_DAYS"])
    if now - received_at > timedelta(days=max_age):
        return now, (f"12345 受理时间（{shown}）早于 {max_age} 天前，不予采用，"
                     "办理期限从本系统收到之日起算")
    return received_at, ""


def _stored(session: Session, external_id: str) -> Message | None:
    return session.scalar(select(Message).where(Message.channel == channels.HOTLINE,
                                                Message.external_id == external_id))


def import_order(session: Session, config: Mapping[str, Any], data: submission.NewMessage,
                 *, calendar: Calendar, client_ip: str = "") -> dict[str, Any]:
    """Store one parsed order (channel 12345, its ``external_id`` set) unless it is stored
    already; its result: ``created`` with the receipt, ``existing`` with the stored message's
    number, or ``failed`` (nothing stored; a retry is safe)."""
    assert data.external_id, "a work order has its number"
    found = _stored(session, data.external_id)
    if found is None:
        now = utcnow()
        start, why = clock_start(config, data.received_at, now)
        data.received_at = start
        data.note = "；".join(filter(None, [data.note, why]))
        try:
            receipt = submission.submit(session, config, data, [], calendar=calendar,
                                        client_ip=client_ip, now=now)
        except submission.SubmissionFailed:
            session.rollback()
            # the same order stored by a concurrent import in between: the unique index refused
            # this copy, and the order is there
            found = _stored(session, data.external_id)
            if found is None:
                return {"external_id": data.external_id, "result": FAILED,
                        "message": "系统暂时无法保存该工单，未保存任何内容，请稍后重新推送"}
        else:
            return {"external_id": data.external_id, "result": CREATED, **receipt.as_dict()}
    return {"external_id": data.external_id, "result": EXISTING,
            "tracking_number": found.tracking_number, "status": found.status,
            "status_label": lifecycle.STATUS_LABELS.get(found.status, found.status)}


def import_batch(session: Session, config: Mapping[str, Any], orders: list[Any], *,
                 calendar: Calendar, api_key_id: int | None = None,
                 client_ip: str = "") -> list[dict[str, Any]]:
    """Each order of a batch checked and stored on its own (one failing order stops nothing):
    its result with its position in the batch (``index``), in the batch's order."""
    active = departments.active(session)
    results = []
    for index, order in enumerate(orders):
        parsed = orders_form.parse(order, config, active)
        if isinstance(parsed, orders_form.Parsed):
            parsed.data.api_key_id = api_key_id
            result = import_order(session, config, parsed.data, calendar=calendar,
                                  client_ip=client_ip)
        else:
            number = order.get("external_id") if isinstance(order, dict) else None
            result = {"external_id": number if isinstance(number, str) else None,
                      "result": INVALID, "fields": parsed}
        results.append({"index": index, **result})
    return results


def counts(results: list[dict[str, Any]]) -> dict[str, int]:
    """How many orders of a batch had each result."""
    return {name: sum(r["result"] == name for r in results) for name in RESULTS}


@dataclass
class Changes:
    """One page of the work orders that changed in ``(since, until]``."""

    total: int
    page: int
    pages: int
    items: list[dict[str, Any]]


def changed(session: Session, since: datetime, until: datetime, page: int = 1,
            per_page: int = PER_PAGE) -> Changes:
    """The 12345 messages with an event in ``(since, until]``, in the order of their last such
    change (then id), as the platform reads them back."""
    last = (select(Event.message_id, func.max(Event.created_at).label("changed_at"))
            .where(Event.created_at > since, Event.created_at <= until)
            .group_by(Event.message_id).subquery())
    base = (select(Message, last.c.changed_at).join(last, last.c.message_id == Message.id)
            .where(Message.channel == channels.HOTLINE, Message.external_id.is_not(None)))
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // per_page))
    rows = session.execute(base.options(joinedload(Message.department))
                           .order_by(last.c.changed_at, Message.id)
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return Changes(total, page, pages, [_exported(m, at) for m, at in rows])


def _exported(message: Message, changed_at: datetime) -> dict[str, Any]:
    reply = tracking.sent_reply(message)
    dept = message.department
    return {
        "external_id": message.external_id,
        "tracking_number": message.tracking_number,
        "status": message.status,
        "status_label": lifecycle.STATUS_LABELS.get(message.status, message.status),
        "department": dept.name if dept else departments.UNSURE,
        "department_code": dept.code if dept else "",
        "due_date": message.due_date.isoformat(),
        "reply_text": reply["text"] if reply else None,
        "replied_at": reply["replied_at"] if reply else None,
        "changed_at": changed_at.isoformat(),
    }
