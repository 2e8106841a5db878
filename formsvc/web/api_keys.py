"""``Authorization: Bearer <key>`` on the JSON API: who the trusted system is, what it may do,
and one audit line per use.

A request without the header is a citizen's (or a browser's) as before: per-address limits,
channel ``api``. With the header the key must be valid: a malformed, unknown or revoked key is
a 401 ``invalid_api_key`` (the same answer for all three), a key without the route's scope a 403
``insufficient_scope``. A valid key's own limit replaces the per-address ones
(formsvc/web/extensions.py) and its messages carry its channel and id.

The key is read from the header only, never from the URL, and is never written anywhere: the
audit line names the key by its name and row id.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, current_app, g, request
from werkzeug.wrappers import Response

from formsvc.db import get_session
from formsvc.domain.channels import (
    API,
    READ_LETTERS,
    SUBMIT,
    TRACK,
    TRACK_ON_BEHALF,
    WORK_ORDERS,
)
from formsvc.services import api_keys
from formsvc.web import audit_log, errors

# (method, path as the OpenAPI document writes it) → the scope a key needs; the other routes are
# public and any valid key may call them. formsvc/api/openapi.py documents the same from here.
REQUIRED_SCOPES: dict[tuple[str, str], str] = {
    ("post", "/messages"): SUBMIT,
    ("post", "/track"): TRACK,
    ("post", "/rate"): TRACK,
    ("get", "/letters"): READ_LETTERS,
    ("get", "/letters/{letter_id}"): READ_LETTERS,
    ("post", "/work-orders"): WORK_ORDERS,
    ("get", "/work-orders"): WORK_ORDERS,
    # Open311 GeoReport v2 (formsvc/api/open311.py), under its own prefix /open311/v2
    ("post", "/requests.json"): SUBMIT,
    # 意见征集 and 在线访谈 (formsvc/api/participation.py)
    ("post", "/consultations/{slug}/comments"): SUBMIT,
    ("post", "/interviews/{slug}/questions"): SUBMIT,
    # a message by its number alone, for the key that submitted it (formsvc/api/on_behalf.py)
    ("get", "/messages/{tracking_number}"): TRACK_ON_BEHALF,
}
# the routes that take no request without a key (the others serve a citizen without one too):
# the 12345 exchange and filing through Open311
KEY_REQUIRED = frozenset({("post", "/work-orders"), ("get", "/work-orders"),
                          ("post", "/requests.json"), ("get", "/messages/{tracking_number}")})
_RULE_ARG = re.compile(r"<(?:[^:>]+:)?([^>]+)>")
_AUDIT_OUTCOMES = {400: "invalid", 403: "forbidden", 404: "not_found", 409: "conflict",
                   429: "rate_limited"}


def current_key() -> api_keys.KeyUse | None:
    """The valid key of this request, if it came with one."""
    return g.get("api_key")


def message_channel() -> tuple[str, int | None]:
    """(channel, key id) of a message submitted through the API by this request."""
    key = current_key()
    return (key.channel, key.id) if key is not None else (API, None)


def note_message(tracking_number: str) -> None:
    """Name the message this request stored in the request's audit line."""
    g.api_key_message = tracking_number


def init_blueprint(bp: Blueprint) -> None:
    """Check the key before every API request and write the audit line after it."""
    bp.before_request(_authenticate)
    bp.after_request(_audit)


def _authenticate() -> Any:
    header = request.headers.get("Authorization")
    needed = REQUIRED_SCOPES.get((request.method.lower(), _route()))
    if header is None:
        if (request.method.lower(), _route()) in KEY_REQUIRED:
            audit_log.record(f"api:{request.endpoint or request.path}", "missing_key")
            return errors.error_response(
                401, "api_key_required", "该接口需要 API 密钥：请在 Authorization 头中以 Bearer "
                "方式发送（不接受 api_key 表单字段或查询参数）",
                headers={"WWW-Authenticate": "Bearer"})
        return None
    scheme, _, token = header.strip().partition(" ")
    try:
        if scheme.lower() != "bearer":
            raise api_keys.ApiKeyError("invalid_api_key", "API 密钥无效或已吊销")
        # the primary: it notes the key's last use, on any endpoint (the replica refuses writes)
        key = api_keys.authenticate(get_session(primary=True), token.strip())
    except api_keys.ApiKeyError as exc:
        audit_log.record(f"api:{request.endpoint or request.path}", "invalid_key")
        return errors.error_response(401, exc.code, exc.message + "：请在 Authorization 头中以 "
                                     "Bearer 方式发送有效的密钥",
                                     headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})
    g.api_key = key
    if needed is not None and needed not in key.scopes:
        return errors.error_response(403, "insufficient_scope",
                                     f"该 API 密钥没有 {needed} 权限")
    return None


def _route() -> str:
    """This request's route as the OpenAPI document writes it (without its blueprint's prefix,
    /api/v1 or /open311/v2): /letters/{letter_id}."""
    rule = request.url_rule.rule if request.url_rule is not None else request.path
    blueprint = current_app.blueprints.get(request.blueprint or "")
    prefix = (blueprint.url_prefix if blueprint is not None else None) or ""
    return _RULE_ARG.sub(r"{\1}", rule.removeprefix(prefix))


def _audit(resp: Response) -> Response:
    key = current_key()
    if key is not None:
        outcome = "ok" if resp.status_code < 400 else _AUDIT_OUTCOMES.get(
            resp.status_code, f"http_{resp.status_code}")
        audit_log.record_key_use(key.name, key.id, f"api:{request.endpoint or request.path}",
                                 outcome, message=g.get("api_key_message"))
    return resp
