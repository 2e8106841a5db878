"""Error pages and JSON errors: Chinese messages, 4xx for bad input, never a stack trace.

Under /api/ every error is ``{"code": "...", "message": "...", "fields": {...}}``; under
/open311/ it is GeoReport v2's ``[{"code": 400, "description": "..."}]``; elsewhere a themed page. The 500 handler logs the exception and shows a plain apology.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

# status → (stable code, Chinese message)
MESSAGES: dict[int, tuple[str, str]] = {
    400: ("bad_request", "请求有误，请检查后重新提交"),
    401: ("unauthorized", "需要有效的 API 密钥"),
    403: ("forbidden", "没有访问权限"),
    404: ("not_found", "您访问的页面不存在"),
    405: ("method_not_allowed", "不支持该请求方法"),
    413: ("payload_too_large", "提交的内容过大：文字请控制在限定字数内，每个附件不超过 5 MB，最多 3 个"),
    415: ("unsupported_media_type", "请以 JSON 格式提交（Content-Type: application/json）"),
    429: ("rate_limited", "操作过于频繁，请稍后再试"),
    # {hotline}: the HOTLINE setting, filled in when the answer is made
    500: ("internal_error", "系统出现错误，请稍后再试；如多次出现，请拨打 {hotline} 反映"),
    503: ("unavailable", "系统暂时无法保存，请稍后再试；您的留言没有被保存"),
}


# The database is down, unreachable or locked: a 503 that says to come back, never a 500. Nothing
# is half-written (every change is one transaction, rolled back), and the next request after the
# database returns works again by itself (pooled connections are pinged or replaced).
DB_UNAVAILABLE_MESSAGE = "系统暂时无法访问数据库，请稍后再试；如您正在提交留言，留言没有被保存，请稍后重新提交"
DB_RETRY_AFTER_SECONDS = 30


def with_hotline(message: str, config: Mapping[str, Any]) -> str:
    """A message of MESSAGES with the county's hotline (the HOTLINE setting) filled in."""
    return message.replace("{hotline}", str(config.get("HOTLINE") or "12345"))


def is_db_unavailable(exc: BaseException) -> bool:
    """A database that cannot be reached or used right now (as opposed to a bug in a query)."""
    if isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError):
        return True
    return isinstance(exc, sa_exc.DBAPIError) and bool(exc.connection_invalidated)


OPEN311_PREFIX = "/open311/"


def wants_json() -> bool:
    """Whether the answer is JSON (under /api/ and /open311/) rather than a page."""
    return request.path.startswith(("/api/", OPEN311_PREFIX))


def error_response(status: int, code: str | None = None, message: str | None = None,
                   fields: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None) -> Any:
    """An error as the client expects it: JSON {code, message, fields} under /api/, the
    GeoReport v2 list under /open311/, else a page."""
    default_code, default_message = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
    code, message = code or default_code, message or default_message
    message = with_hotline(message, current_app.config)
    if wants_json():
        body: Any = {"code": code, "message": message}
        if fields:
            body["fields"] = fields
        if request.path.startswith(OPEN311_PREFIX):
            # GeoReport v2's error format: a list of {code: the HTTP status, description}
            body = [{"code": status, "description": message + "".join(
                f"；{name}：{'、'.join(msgs)}" for name, msgs in (fields or {}).items())}]
        resp = jsonify(body)
        resp.status_code = status
        for k, val in (headers or {}).items():
            resp.headers[k] = val
        return resp, status
    return render_template("formsvc/error.html", status=status, code=code,
                           message=message), status, headers or {}


def register(app: Flask) -> None:
    """A create_app step: Chinese error pages and JSON errors, never a traceback."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        return error_response(400, "csrf_failed", "页面已过期或来源无法验证，请返回刷新页面后重新提交")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        code, message = MESSAGES.get(status, (None, None))
        if status == 429:
            return error_response(429, headers={"Retry-After": str(_retry_after(exc))})
        return error_response(status, code, message)

    @app.errorhandler(sa_exc.SQLAlchemyError)
    def database_error(exc: sa_exc.SQLAlchemyError) -> Any:
        if not is_db_unavailable(exc):
            return unexpected(exc)
        log.error("formsvc: database unavailable on %s %s: %s", request.method, request.path,
                  str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        _rollback_request_session()
        return error_response(503, "unavailable", DB_UNAVAILABLE_MESSAGE,
                              headers={"Retry-After": str(DB_RETRY_AFTER_SECONDS)})

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Any:
        # never show a traceback to citizens; the log has it
        log.exception("formsvc: unhandled error on %s %s", request.method, request.path)
        return error_response(500)


def _rollback_request_session() -> None:
    # the failed transaction must be rolled back before anything after this handler (logging,
    # after_request hooks) touches the request's session again
    session = g.get("db_session")
    if session is not None:
        try:
            session.rollback()
        except sa_exc.SQLAlchemyError:
            session.invalidate()


def _retry_after(exc: HTTPException) -> int:
    limit = getattr(exc, "limit", None)
    try:
        return int(limit.limit.get_expiry()) if limit is not None else 60
    except Exception:
        return 60
