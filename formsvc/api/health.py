"""``GET /api/v1/healthz``: 200 while this server is fit to take traffic, 503 when its database
is not (the checks: formsvc/web/health.py). No rate limit, no session, no personal data."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, jsonify

from formsvc.api.blueprint import bp
from formsvc.api.oas import json_response, obj, ref
from formsvc.web import health
from formsvc.web.extensions import limiter


@bp.get("/healthz")
@limiter.exempt
def healthz() -> Any:
    """The health report; its status decides the HTTP status (200 or 503)."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    body = health.check(app)
    resp = jsonify(body)
    resp.status_code = 200 if body["status"] == "ok" else 503
    resp.headers["Cache-Control"] = "no-store"
    return resp


# --- OpenAPI -------------------------------------------------------------------------------------

SCHEMAS: dict[str, Any] = {
    "Health": obj({
        "status": {"type": "string", "enum": ["ok", "unavailable"],
                   "description": "ok：可以接收请求；unavailable：数据库无法访问"},
        "database": {"type": "string", "enum": ["ok", "unavailable", "timeout"]},
        "search": {"type": "string", "enum": ["ok", "unavailable"],
                   "description": "站内搜索索引；unavailable 时表单和查询照常可用"},
        "outbox_pending": {"type": "integer", "minimum": 0, "maximum": health.OUTBOX_COUNT_CAP,
                           "description": f"待发送的通知数（最多数到 {health.OUTBOX_COUNT_CAP}）"},
        "oldest_pending_minutes": {"type": "integer", "minimum": 0,
                                   "description": "最早一条待发送通知已等待的分钟数（没有时为 0）"},
        "holidays": {"type": "string", "enum": ["ok", "missing", "unreadable"],
                     "description": "法定节假日安排：missing 表示计算办理期限所需年份的安排尚未收录"
                                    "（年份见 holidays_missing，期限暂按周末和固定日期的节日计算）；"
                                    "unreadable 表示节假日文件无法读取；不影响 status"},
        "holidays_missing": {"type": "array", "items": {"type": "integer"},
                             "description": "尚未收录法定节假日安排的年份（今年；11 月 1 日起含明年）"},
        "replica": {"type": "string",
                    "enum": ["ok", "not_in_recovery", "unavailable", "timeout"],
                    "description": "只读副本（配置了 DATABASE_REPLICA_URL 时才有）："
                                   "not_in_recovery 表示它已不是副本（如切换后被提升为主库）；"
                                   "不影响 status"},
        "replica_lag_seconds": {"type": ["number", "null"], "minimum": 0,
                                "description": "副本落后主库的秒数（已重放完收到的日志时为 0；"
                                               "无法得知时为 null）"},
    }, required=["status", "database", "search", "holidays", "holidays_missing"]),
}

PATHS: dict[str, Any] = {
    "/healthz": {"get": {
        "operationId": "health", "summary": "健康检查（负载均衡和监控用）",
        "description": "数据库在 HEALTH_DB_TIMEOUT 秒内应答时为 200；搜索不可用只影响 search 字段。",
        "responses": {
            "200": json_response("Health", "可以接收请求"),
            "503": {"description": "数据库无法访问或超时",
                    "content": {"application/json": {"schema": ref("Health")}}},
        }}},
}
