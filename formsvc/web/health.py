"""Is this application server fit to take traffic? The checks behind ``GET /api/v1/healthz``
(formsvc/api/health.py), for the load balancer and monitoring.

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

from flask import Flask
from sqlalchemy import func, select, text

from formsvc.db import get_engine, utcnow
from formsvc.models.outbox import OutboxNotification

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


def check(app: Flask) -> dict[str, Any]:
    """The health report: status ok when the database answered in time, else unavailable."""
    database = _database(app, float(app.config.get("HEALTH_DB_TIMEOUT", 2.0)))
    return {"status": "ok" if database.get("database") == "ok" else "unavailable",
            **database, "search": _search(app)}


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
    from formsvc.services.search import index_dir, letters_dir
    from sitesearch.query import snapshot

    try:
        # cached per thread; reopened after a build
        snapshot(index_dir(app.config), letters_dir(app.config))
    except Exception:  # noqa: BLE001 - missing or unreadable: "unavailable", never a 500 here
        return "unavailable"
    return "ok"
