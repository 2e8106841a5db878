"""The signed, expiring link of a reply mail that rates the answer without the query code.

The link carries the message's id and the instant of the reply it rates, signed with the app's
secret (itsdangerous, its own salt); never the query code. It expires after RATING_LINK_DAYS
days, and a reply sent again (a reopened message) makes the old link void. A forged, altered or
expired link is refused with a Chinese message and changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app, has_app_context
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from formsvc.config import setting
from formsvc.models import Message
from formsvc.services.errors import ServiceError

_SALT = "formsvc.rating-link"
PATH = "/hdjl/rate/"
INVALID_MESSAGE = "评价链接无效（可能不完整或已被改动）。请凭受理编号和查询码查询办理进度后评价。"
EXPIRED_MESSAGE = "评价链接已过期。请凭受理编号和查询码查询办理进度后评价。"


class LinkError(ServiceError):
    """A rating link refused: forged, altered, expired or for an earlier reply."""


def link_days(config: Mapping[str, Any]) -> int:
    """RATING_LINK_DAYS: how long a reply mail's rating link works."""
    return int(setting(config, "RATING_LINK_DAYS"))


def _serializer(config: Mapping[str, Any]) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(config["SECRET_KEY"]), salt=_SALT)


def _reply_mark(message: Message) -> int:
    assert message.replied_at is not None
    return int(message.replied_at.timestamp())


def token(config: Mapping[str, Any], message: Message) -> str:
    """The signed token of ``message``'s reply (sent, so ``replied_at`` is set)."""
    return str(_serializer(config).dumps({"m": message.id, "r": _reply_mark(message)}))


def url(config: Mapping[str, Any], message: Message) -> str:
    """The link for the reply mail: PUBLIC_BASE_URL, or https:// and the site's domain."""
    base = config.get("PUBLIC_BASE_URL") or ""
    if not base and has_app_context():
        domain = current_app.extensions.get("formsvc.site", {}).get("SITE_DOMAIN", "")
        base = f"https://{domain}" if domain else ""
    return f"{base.rstrip('/')}{PATH}{token(config, message)}"


def message_of(session: Session, config: Mapping[str, Any], value: str) -> Message:
    """The message a link rates; LinkError when the link is forged, expired or outdated."""
    try:
        data = _serializer(config).loads(value, max_age=link_days(config) * 86400)
    except SignatureExpired:
        raise LinkError("link_expired", EXPIRED_MESSAGE) from None
    except BadSignature:
        raise LinkError("link_invalid", INVALID_MESSAGE) from None
    if not isinstance(data, dict) or not isinstance(data.get("m"), int):
        raise LinkError("link_invalid", INVALID_MESSAGE)
    message = session.get(Message, data["m"])
    if message is None or message.replied_at is None or _reply_mark(message) != data.get("r"):
        raise LinkError("link_invalid", INVALID_MESSAGE)
    return message
