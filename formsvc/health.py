"""``GET /api/v1/healthz``: is this application server fit to take traffic (load balancer, monitoring)?

200 when the database answers ``SELECT 1`` within HEALTH_DB_TIMEOUT seconds, 503 otherwise. A
missing or broken search index is "degraded", still 200: forms, tracking and the workbench work
without it. The outbox figures tell monitoring that mail is stuck. No personal data, no big counts
(at most OUTBOX_COUNT_CAP pending rows are counted), no rate limit, no session.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import func, select, text

from formsvc.db import get_engine, utcnow
from formsvc.extensions import limiter
from formsvc.models.outbox import OutboxNotification
from formsvc.oas import json_response, obj, ref

bp = Blueprint("health", __name__, url_prefix="/api/v1")
limiter.exempt(bp)

# "outbox_pending" stops counting here: the check stays cheap when mail has been down for days
OUTBOX_COUNT_CAP = 1000


@dataclass
class _Check:
    result: dict[str, Any] | None = None
    error: str = ""
    thread: threading.Thread | None = None


# One database check in flight per process: while the database hangs, further probes answer
# 503 at once instead of piling up threads that wait on it.
_lock = threading.Lock()
_running: _Check | None = None


@bp.get("/healthz")
def healthz() -> Any:
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    database = _database(app, float(app.config.get("HEALTH_DB_TIMEOUT", 2.0)))
    body: dict[str, Any] = {"status": "ok" if database.get("database") == "ok" else "unavailable",
                            **database, "search": _search(app)}
    resp = jsonify(body)
    resp.status_code = 200 if body["status"] == "ok" else 503
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _database(app: Flask, timeout: float) -> dict[str, Any]:
    global _running
    with _lock:
        if _running is not None and _running.thread is not None and _running.thread.is_alive():
            return {"database": "timeout"}
        check = _running = _Check()
        thread = check.thread = threading.Thread(target=_query, args=(app, check), daemon=True,
                                                 name="formsvc-healthz")
        thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return {"database": "timeout"}
    if check.result is None:
        return {"database": "unavailable"}
    return check.result


def _query(app: Flask, check: _Check) -> None:
    try:
        with get_engine(app).connect() as conn:
            conn.execute(text("SELECT 1"))
            pending = select(OutboxNotification.created_at).where(
                OutboxNotification.status == "pending")
            count = conn.execute(select(func.count()).select_from(
                pending.limit(OUTBOX_COUNT_CAP).subquery())).scalar_one()
            oldest = conn.execute(select(func.min(OutboxNotification.created_at)).where(
                OutboxNotification.status == "pending")).scalar_one()
        check.result = {"database": "ok", "outbox_pending": int(count),
                        "oldest_pending_minutes": _minutes_since(oldest)}
    except Exception as exc:  # noqa: BLE001 - any failure means "not fit for traffic"
        # the class name only: driver messages may name the host, the user or the query
        check.error = type(exc).__name__


def _minutes_since(value: datetime | None) -> int:
    if value is None:
        return 0
    return max(0, int((utcnow() - value).total_seconds() // 60))


def _search(app: Flask) -> str:
    from formsvc.search import index_dir, letters_dir
    from sitesearch.query import snapshot

    try:
        snapshot(index_dir(app), letters_dir(app))  # cached per thread; reopened after a build
    except Exception:  # noqa: BLE001 - missing or unreadable: "unavailable", never a 500 here
        return "unavailable"
    return "ok"


# --- OpenAPI fragment (merged into /api/v1/openapi.json by formsvc.api.openapi) --------------------

SCHEMAS: dict[str, Any] = {
    "Health": obj({
        "status": {"type": "string", "enum": ["ok", "unavailable"],
                   "description": "ok：可以接收请求；unavailable：数据库无法访问"},
        "database": {"type": "string", "enum": ["ok", "unavailable", "timeout"]},
        "search": {"type": "string", "enum": ["ok", "unavailable"],
                   "description": "站内搜索索引；unavailable 时表单和查询照常可用"},
        "outbox_pending": {"type": "integer", "minimum": 0, "maximum": OUTBOX_COUNT_CAP,
                           "description": f"待发送的通知数（最多数到 {OUTBOX_COUNT_CAP}）"},
        "oldest_pending_minutes": {"type": "integer", "minimum": 0,
                                   "description": "最早一条待发送通知已等待的分钟数（没有时为 0）"},
    }, required=["status", "database", "search"]),
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
