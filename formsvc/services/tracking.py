"""Tracking and rating: a tracking number plus its query code opens one message.

An unknown number and a wrong code raise the same :class:`NotFound` after the same work, so the
answer never tells which of the two was wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, joinedload

from formsvc.config import county_zone
from formsvc.db import utcnow
from formsvc.domain import kinds
from formsvc.domain.ratings import RATINGS
from formsvc.domain.workdays import Calendar
from formsvc.models import ApiKey, Message
from formsvc.services import codes, deadlines, departments, lifecycle, procedure, workbench
from formsvc.services.errors import ServiceError

NOT_FOUND_MESSAGE = "未找到对应的留言，请核对受理编号和查询码（查询码在提交成功页面显示）"

RATING_COMMENT_MAX = 500


class NotFound(LookupError):
    code = "not_found"
    message = NOT_FOUND_MESSAGE


class RatingError(ServiceError):
    """A rating refused (not replied yet, already rated, a bad value)."""


def find(session: Session, number: str, code: str) -> Message:
    """The message with this number if the code matches; NotFound otherwise (either way)."""
    number = codes.normalize_number(number)
    message = None
    if codes.NUMBER_RE.fullmatch(number):
        # everything the citizen's page shows in one round trip: the department joined, the
        # events in the same statement's rows (three lazy loads cost a third of a lookup)
        message = session.scalars(
            select(Message).options(joinedload(Message.department), joinedload(Message.events))
            .where(Message.tracking_number == number)).unique().first()
    # verify even when there is no message: the same effort for both failures
    ok = codes.verify_code(message.query_code_hash if message else None, code)
    if message is None or not ok:
        raise NotFound(NOT_FOUND_MESSAGE)
    return message


def find_on_behalf(session: Session, number: str, lineage: int) -> Message:
    """The message with this number if a key of the rotation chain ``lineage`` submitted it
    (the ``track_on_behalf`` scope: no query code); NotFound otherwise, the same for a number
    that does not exist and one that another system or a citizen submitted."""
    number = codes.normalize_number(number)
    message = None
    if codes.NUMBER_RE.fullmatch(number):
        chain = select(ApiKey.id).where(or_(ApiKey.id == lineage, ApiKey.lineage_id == lineage))
        message = session.scalars(
            select(Message).options(joinedload(Message.department), joinedload(Message.events))
            .where(Message.tracking_number == number, Message.api_key_id.in_(chain))
        ).unique().first()
    if message is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return message


def public_view(message: Message, config: Mapping[str, Any],
                calendar: Calendar) -> dict[str, Any]:
    """What the citizen may see: status, public timeline, reply, rating, and how the stored due
    date came about."""
    dept = message.department
    return {
        "tracking_number": message.tracking_number,
        "kind": message.kind,
        "kind_label": kinds.label(message.kind),
        "subject": message.subject,
        "status": message.status,
        "status_label": lifecycle.STATUS_LABELS.get(message.status, message.status),
        # the full name, as the timeline's notes ("分办至…") give it: one name on the page
        "department": dept.name if dept else departments.UNSURE,
        "submitted_at": message.submitted_at.isoformat(),
        "received_on": message.received_on.isoformat(),
        "due_date": message.due_date.isoformat(),
        "due": deadlines.explain_due(message, calendar, county_zone(config)),
        # 补正 asked or a third party consulted: the clock is stopped, and why (never who)
        "pause": procedure.pause_view(message),
        "duplicate": message.duplicate_of_id is not None,
        "timeline": [
            {"at": e.created_at.isoformat(), "action": e.action,
             "label": lifecycle.TRANSITIONS[e.action].label if e.action in lifecycle.TRANSITIONS
             else e.action,
             "status": e.to_status,
             "status_label": lifecycle.STATUS_LABELS.get(e.to_status, e.to_status),
             "note": e.note}
            for e in message.events if e.public
        ],
        "reply": sent_reply(message),
        "rating": ({"value": message.rating, "label": RATINGS.get(message.rating, ""),
                    "comment": message.rating_comment,
                    "rated_at": message.rated_at.isoformat() if message.rated_at else None}
                   if message.rating else None),
        "can_rate": lifecycle.allowed(message, "rate") and not message.rating,
    }


def sent_reply(message: Message) -> dict[str, str] | None:
    """The reply as sent to the citizen (text, replied_at), or None before it is sent (a draft
    or a reply under review is not one) and after a supervisor reopened the message."""
    if message.status not in (lifecycle.Status.REPLIED, lifecycle.Status.CLOSED) \
            or message.replied_at is None:
        return None
    return {"text": message.reply_text, "replied_at": message.replied_at.isoformat()}


def tracked(session: Session, number: str) -> Message:
    """The message of a number this browser opened with its query code (the caller checks the
    session); NotFound otherwise."""
    message = session.scalar(select(Message).where(
        Message.tracking_number == codes.normalize_number(number)))
    if message is None:
        raise NotFound(NOT_FOUND_MESSAGE)
    return message


def rate(session: Session, number: str, code: str, rating: str, comment: str = "",
         now: datetime | None = None) -> Message:
    """Record the citizen's rating of the reply; this closes the message."""
    return record_rating(session, find(session, number, code), rating, comment, now)


def record_rating(session: Session, message: Message, rating: str, comment: str = "",
                  now: datetime | None = None) -> Message:
    """Rate ``message`` (found by its code, or by a signed rating link); this closes it."""
    if rating not in RATINGS:
        raise RatingError("invalid_rating", "请选择满意、基本满意或不满意")
    if len(comment) > RATING_COMMENT_MAX:
        raise RatingError("comment_too_long", f"评价意见不能超过 {RATING_COMMENT_MAX} 个字")
    if message.rating:
        raise RatingError("already_rated", "该留言已评价，不能重复评价")
    if not lifecycle.allowed(message, "rate"):
        raise RatingError("not_replied", "留言答复后才能评价")
    now = now or utcnow()
    try:
        message.rating = rating
        message.rating_comment = comment
        message.rated_at = now
        message.closed_at = now
        lifecycle.apply(message, "rate", actor="citizen", role="citizen", now=now,
                        note=RATINGS[rating] + (f"：{comment}" if comment else ""))
        # 不满意 goes to the supervisors (event + outbox) in the same transaction
        workbench.on_rated(session, current_app.config if has_app_context() else {}, message,
                           now)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return message
