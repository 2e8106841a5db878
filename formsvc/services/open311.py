"""What Open311 GeoReport v2 ``GET requests`` may show of a message: public facts only.

A row carries the tracking number, the kind, the Open311 status, the dates and the department's
name. The description is the masked question of the published letter (the ``letter`` table's
reviewed copy) and nothing when the letter is not published: the citizen's own text, name and
contact details never leave through here. Only the kinds that are Open311 services are shown
(formsvc/domain/open311.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from formsvc.domain import kinds, open311
from formsvc.models import Department, Event, Message
from formsvc.models.workbench import Letter
from formsvc.services.lifecycle import STATUS_LABELS

# GeoReport v2: "may not span more than 90 days"; without dates, the most recent 90 days
MAX_SPAN_DAYS = 90
# the most requests one answer lists (the spec lets the server set it: 1000 in its example)
MAX_REQUESTS = 1000


@dataclass(frozen=True)
class Query:
    """The filters of ``GET requests.json``, already checked (formsvc/api/open311.py)."""

    numbers: Sequence[str] = ()  # service_request_id: overrides every other filter
    service_codes: Sequence[str] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: Sequence[str] = ()  # open, closed


def find(session: Session, query: Query) -> list[dict[str, Any]]:
    """The requests the query selects, newest first, as GeoReport v2 request objects."""
    # the last step on the citizen's timeline: internal notes do not tell the world their time
    updated = (select(Event.message_id, func.max(Event.created_at).label("at"))
               .where(Event.public.is_(True)).group_by(Event.message_id).subquery())
    q = (select(Message.tracking_number, Message.kind, Message.status, Message.submitted_at,
                updated.c.at, Department.name, Letter.question)
         .outerjoin(updated, updated.c.message_id == Message.id)
         .outerjoin(Department, Department.id == Message.department_id)
         .outerjoin(Letter, (Letter.message_id == Message.id) & Letter.published.is_(True))
         .where(Message.kind.in_(list(open311.SERVICES_BY_CODE))))
    if query.numbers:
        q = q.where(Message.tracking_number.in_(list(query.numbers)))
    else:
        if query.service_codes:
            q = q.where(Message.kind.in_(list(query.service_codes)))
        if query.start is not None:
            q = q.where(Message.submitted_at >= query.start)
        if query.end is not None:
            q = q.where(Message.submitted_at <= query.end)
        if query.statuses:
            q = q.where(Message.status.in_(
                [s for status in query.statuses for s in open311.statuses_of(status)]))
    rows = session.execute(q.order_by(Message.submitted_at.desc(), Message.id.desc())
                           .limit(MAX_REQUESTS))
    return [_request(*row) for row in rows]


def _request(number: str, kind: str, status: str, submitted_at: datetime,
             updated_at: datetime | None, department: str | None,
             question: str | None) -> dict[str, Any]:
    # location, media and contact fields stay null: the message's own values are personal data
    return {
        "service_request_id": number,
        "status": open311.STATUSES.get(status, open311.OPEN),
        "status_notes": STATUS_LABELS.get(status, ""),
        "service_name": kinds.label(kind),
        "service_code": kind,
        "description": question or None,
        "agency_responsible": department or None,
        "service_notice": None,
        "requested_datetime": submitted_at.isoformat(),
        "updated_datetime": (updated_at or submitted_at).isoformat(),
        "expected_datetime": None,
        "address": None,
        "address_id": None,
        "zipcode": None,
        "lat": None,
        "long": None,
        "media_url": None,
    }
