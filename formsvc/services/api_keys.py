"""API keys of trusted systems: create, list, revoke, rotate, and check a key a request carries.

A key is ``cpk_<key_id>_<secret>``: ``key_id`` (12 hex digits) finds the row, the secret (32
random bytes) is stored only as its SHA-256. A high-entropy secret needs no slow hash, and the
check is one indexed SELECT. The full key exists only in the answer of :func:`create` and
:func:`rotate`; nothing here logs it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from limits import parse_many
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from formsvc.db import utcnow
from formsvc.domain.channels import CHANNELS, KEY_CHANNELS, SCOPES
from formsvc.models import ApiKey
from formsvc.models.staff import Staff
from formsvc.services import admin_events
from formsvc.services.errors import ServiceError

PREFIX = "cpk"
_KEY = re.compile(rf"{PREFIX}_([0-9a-f]{{12}})_([A-Za-z0-9_-]{{43}})")
# last_used_at is written at most this often per key: a busy key would otherwise write its row on
# every request
_TOUCH_EVERY = timedelta(minutes=1)


class ApiKeyError(ServiceError):
    """A refused key or a bad key command (Chinese message, stable code)."""


@dataclass(frozen=True)
class KeyUse:
    """What a request knows of the key it came with (no secret, no hash)."""

    id: int
    name: str
    scopes: frozenset[str]
    channel: str
    rate_limit: str  # "" = the service default (API_KEY_RATE_LIMIT)
    lineage: int = 0  # the rotation chain (ApiKey.lineage): whose messages it reads on behalf


def parts(presented: str) -> tuple[str, str] | None:
    """(key_id, secret) of a well-formed key, else None. The secret's alphabet has ``_``, so a
    key is not split on it; the whole string must match (a trailing newline is not a key)."""
    match = _KEY.fullmatch(presented)
    return (match.group(1), match.group(2)) if match else None


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("ascii")).hexdigest()


def _new_secret(row: ApiKey) -> str:
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    row.key_id, row.secret_hash = key_id, _hash(secret)
    return f"{PREFIX}_{key_id}_{secret}"


def _checked(name: str, scopes: Iterable[str], channel: str, rate_limit: str) -> list[str]:
    if not name.strip() or len(name) > 100:
        raise ApiKeyError("invalid_name", "密钥名称不能为空，且不超过 100 个字符")
    scopes = list(dict.fromkeys(scopes))
    unknown = [s for s in scopes if s not in SCOPES]
    if not scopes or unknown:
        raise ApiKeyError("invalid_scope", "权限应为：" + "、".join(
            f"{k}（{v}）" for k, v in SCOPES.items()))
    if channel not in KEY_CHANNELS:
        raise ApiKeyError("invalid_channel", "渠道应为：" + "、".join(
            f"{k}（{CHANNELS[k]}）" for k in KEY_CHANNELS))
    if len(rate_limit) > 100:
        raise ApiKeyError("invalid_rate_limit", "频率限制不超过 100 个字符")
    if rate_limit:
        try:
            parse_many(rate_limit)
        except ValueError:
            raise ApiKeyError("invalid_rate_limit",
                              "频率限制格式应如 “3000 per minute;100000 per day”") from None
    return scopes


def create(session: Session, *, name: str, owner: str = "", scopes: Iterable[str],
           channel: str, rate_limit: str = "", by: Staff | None = None) -> tuple[ApiKey, str]:
    """Store a new key; (its row, the full key, to be shown once). ``by``: the admin on the
    workbench, None for the command line (the ``admin_event`` row's actor)."""
    scope_list = _checked(name, scopes, channel, rate_limit)
    if len(owner) > 200:
        raise ApiKeyError("invalid_owner", "负责单位和联系人不超过 200 个字符")
    row = ApiKey(name=name.strip(), owner=owner.strip(), scopes=" ".join(scope_list),
                 channel=channel, rate_limit=rate_limit, created_at=utcnow())
    key = _new_secret(row)
    session.add(row)
    admin_events.add(session, by, "api_key_create", f"api_key:{row.key_id}",
                     f"{row.name}，{row.scopes}，{row.channel}")
    session.commit()
    return row, key


def listed(session: Session) -> list[ApiKey]:
    """Every key, revoked ones too, oldest first."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def _active(session: Session, key_id: str) -> ApiKey:
    row = session.scalar(select(ApiKey).where(ApiKey.key_id == key_id))
    if row is None or row.revoked_at is not None:
        raise ApiKeyError("unknown_key", f"没有有效的密钥 {key_id}")
    return row


def revoke(session: Session, key_id: str, now: datetime | None = None,
           by: Staff | None = None) -> ApiKey:
    """Revoke the key at once; its row stays (messages name it)."""
    row = _active(session, key_id)
    row.revoked_at = now or utcnow()
    admin_events.add(session, by, "api_key_revoke", f"api_key:{row.key_id}", row.name)
    session.commit()
    return row


def rotate(session: Session, key_id: str, by: Staff | None = None) -> tuple[ApiKey, str]:
    """Replace a key by a new one with the same name, owner, scopes, channel and limit; the old
    one is revoked in the same transaction. (the new row, the full new key)."""
    old = _active(session, key_id)
    old.revoked_at = utcnow()
    row = ApiKey(name=old.name, owner=old.owner, scopes=old.scopes, channel=old.channel,
                 rate_limit=old.rate_limit, created_at=old.revoked_at, lineage_id=old.lineage)
    key = _new_secret(row)
    session.add(row)
    admin_events.add(session, by, "api_key_rotate", f"api_key:{old.key_id}",
                     f"{old.name}：新密钥 {row.key_id}")
    session.commit()
    return row, key


def authenticate(session: Session, presented: str, now: datetime | None = None) -> KeyUse:
    """The key of ``presented`` (the bearer token), or ApiKeyError ``invalid_api_key`` for a
    malformed, unknown or revoked one (one answer for all three). Notes the use."""
    found = parts(presented)
    row = session.scalar(select(ApiKey).where(ApiKey.key_id == found[0])) if found else None
    if (found is None or row is None or row.revoked_at is not None
            or not hmac.compare_digest(row.secret_hash, _hash(found[1]))):
        session.rollback()
        raise ApiKeyError("invalid_api_key", "API 密钥无效或已吊销")
    use = KeyUse(row.id, row.name, frozenset(row.scope_list), row.channel, row.rate_limit,
                 row.lineage)
    now = now or utcnow()
    if row.last_used_at is None or row.last_used_at < now - _TOUCH_EVERY:
        session.execute(update(ApiKey).where(ApiKey.id == row.id, or_(
            ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - _TOUCH_EVERY))
            .values(last_used_at=now))
    session.commit()
    return use
