"""Is this application server fit to take traffic? The checks behind ``GET /api/v1/healthz``
(formsvc/api/health.py), for the load balancer and monitoring.

200 when the database answers ``SELECT 1`` within HEALTH_DB_TIMEOUT seconds, 503 otherwise. A
missing or broken search index is "degraded", still 200: forms, tracking and the workbench work
without it. The outbox figures tell monitoring that mail is stuck; ``holidays`` that due dates are
being counted without a year's holiday schedule (``workdays.missing_schedules``), which also
leaves the status alone: submissions still work, only their due dates may be wrong. No personal
data, no big counts (at most OUTBOX_COUNT_CAP pending rows are counted), no rate limit, no session.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import func, select, text

from formsvc import db
from formsvc.config import county_date, setting
from formsvc.db import get_engine, utcnow
from formsvc.domain.workdays import HolidayFileError, missing_schedules
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
    """The health report: status ok when the database answered in time, else unavailable.

    With ``DATABASE_REPLICA_URL`` the replica is reported too (``replica``, ``replica_lag_seconds``)
    without deciding the status: this server's writes and most reads use the primary.
    """
    timeout = float(setting(app.config, "HEALTH_DB_TIMEOUT"))
    database = _database(app, timeout)
    report = {"status": "ok" if database.get("database") == "ok" else "unavailable",
              **database, "search": _search(app), **_holidays(app)}
    if db.has_replica(app):
        report.update(_replica(app, timeout))
    return report


# How far the replica is behind: 0 when it has replayed all the WAL it received (an idle primary
# sends none, so the age of the last replayed transaction alone would read as a growing lag).
_REPLICA_LAG = text(
    "SELECT pg_is_in_recovery(), CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() "
    "THEN 0 ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END")
_replica_lock = threading.Lock()
_replica_running: _Check | None = None


def _replica(app: Flask, timeout: float) -> dict[str, Any]:
    """``replica``: ok, lagging is told by the seconds; not_in_recovery (a primary, e.g. after a
    failover, or a wrong URL); unavailable; timeout. One check in flight, as for the primary."""
    global _replica_running
    with _replica_lock:
        if (_replica_running is not None and _replica_running.thread is not None
                and _replica_running.thread.is_alive()):
            return {"replica": "timeout", "replica_lag_seconds": None}
        probe = _replica_running = _Check()
        thread = probe.thread = threading.Thread(target=_query_replica, args=(app, probe),
                                                 daemon=True, name="formsvc-healthz-replica")
        thread.start()
    thread.join(timeout)
    if thread.is_alive():
        return {"replica": "timeout", "replica_lag_seconds": None}
    return probe.result or {"replica": "unavailable", "replica_lag_seconds": None}


def _query_replica(app: Flask, probe: _Check) -> None:
    try:
        with app.extensions["formsvc.replica_engine"].connect() as conn:
            if conn.dialect.name != "postgresql":  # a copy without streaming: it answers, no lag
                conn.execute(text("SELECT 1"))
                probe.result = {"replica": "ok", "replica_lag_seconds": None}
                return
            in_recovery, lag = conn.execute(_REPLICA_LAG).one()
        probe.result = {"replica": "ok" if in_recovery else "not_in_recovery",
                        # max: the replica's clock may be a little behind the primary's
                        "replica_lag_seconds": (max(0.0, round(float(lag), 3)) if in_recovery
                                                and lag is not None else None)}
    except Exception as exc:  # noqa: BLE001 - any failure means "unavailable"
        probe.error = type(exc).__name__


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


def _holidays(app: Flask) -> dict[str, Any]:
    """``holidays``: ok; missing (the years in ``holidays_missing``); unreadable (the holiday
    file; ``scripts/check`` and the startup log name its error, this report never does)."""
    from formsvc.web.runtime import calendar

    try:
        with app.app_context():
            missing = missing_schedules(calendar(), county_date(app.config, utcnow()))
    except HolidayFileError:
        return {"holidays": "unreadable", "holidays_missing": []}
    return {"holidays": "missing" if missing else "ok", "holidays_missing": missing}


def _search(app: Flask) -> str:
    from formsvc.services.search import index_dir, letters_dir
    from sitesearch.query import snapshot

    try:
        # cached per thread; reopened after a build
        snapshot(index_dir(app.config), letters_dir(app.config))
    except Exception:  # noqa: BLE001 - missing or unreadable: "unavailable", never a 500 here
        return "unavailable"
    return "ok"
