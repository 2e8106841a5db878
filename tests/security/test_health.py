"""GET /api/v1/healthz: 200 while the database answers, 503 when it does not; search is a detail.

Bodies are checked against the published OpenAPI schema ("Health").
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from jsonschema import Draft202012Validator
from sqlalchemy import event, update

from formsvc import config, create_app, db
from formsvc.api.openapi import document
from formsvc.db import utcnow
from formsvc.models.outbox import OutboxNotification
from formsvc.web import health
from formsvc.web.extensions import limiter
from sitesearch import indexer
from tests.formsvc.conftest import api_submit, make_config
from tests.sitesearch.conftest import make_doc

URL = "/api/v1/healthz"


def check(r: Any, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.get_data(as_text=True)
    doc = document()
    assert str(status) in doc["paths"]["/healthz"]["get"]["responses"]
    body = r.get_json()
    Draft202012Validator({"$ref": "#/components/schemas/Health",
                          "components": doc["components"]}).validate(body)
    assert r.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in r.headers
    return body


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    # no index here unless a test builds one
    return {"SEARCH_INDEX_DIR": str(tmp_path / "_search")}


def _today(monkeypatch: pytest.MonkeyPatch, day: date) -> None:
    """The health check's clock at 10:00 county time on ``day``."""
    monkeypatch.setattr("formsvc.web.health.utcnow",
                        lambda: datetime(day.year, day.month, day.day, 2, tzinfo=UTC))


def test_healthy_without_search(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    _today(monkeypatch, date(2026, 10, 15))  # 2026's schedule is known; 2027's not yet expected
    body = check(app.test_client().get(URL), 200)
    assert body == {"status": "ok", "database": "ok", "search": "unavailable",
                    "outbox_pending": 0, "oldest_pending_minutes": 0,
                    "holidays": "ok", "holidays_missing": []}


def test_a_missing_holiday_schedule_is_reported_not_fatal(app: Flask,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Due dates counted without a year's schedule: monitoring is told which years, the server
    still takes traffic (its due dates skip weekends and the fixed-date holidays)."""
    client = app.test_client()
    _today(monkeypatch, date(2031, 6, 1))  # a year no schedule covers
    body = check(client.get(URL), 200)
    assert body["status"] == "ok"
    assert (body["holidays"], body["holidays_missing"]) == ("missing", [2031])
    _today(monkeypatch, date(2031, 11, 5))  # from 1 November next year's is expected too
    assert check(client.get(URL), 200)["holidays_missing"] == [2031, 2032]
    holidays = Path(app.config["HOLIDAYS_FILE"])
    holidays.write_text("2031:\n  holidays:\n    - {date: 2031-01-01, name: 元旦}\n"
                        "2032:\n  holidays:\n    - {date: 2032-01-01, name: 元旦}\n",
                        encoding="utf-8")
    body = check(client.get(URL), 200)
    assert (body["holidays"], body["holidays_missing"]) == ("ok", [])
    holidays.write_text("2031: [\n", encoding="utf-8")  # an editor's broken file
    os.utime(holidays, (1, 1))  # a new mtime even within the file system's resolution
    body = check(client.get(URL), 200)
    assert (body["status"], body["holidays"], body["holidays_missing"]) == ("ok", "unreadable", [])
    assert str(holidays) not in client.get(URL).get_data(as_text=True)


def test_search_ok_when_the_index_is_there(app: Flask) -> None:
    indexer.build(Path(app.config["SEARCH_INDEX_DIR"]), [make_doc(1)])
    assert check(app.test_client().get(URL), 200)["search"] == "ok"
    (Path(app.config["SEARCH_INDEX_DIR"]) / "CURRENT").write_text("v999999\n")  # broken
    assert check(app.test_client().get(URL), 200)["search"] == "unavailable"


def test_outbox_figures(app: Flask) -> None:
    client = app.test_client()
    for _ in range(2):  # each submission notifies the dispatcher (and the citizen by e-mail)
        assert api_submit(client, "zx", department="").status_code == 201
    with app.app_context():
        s = db.new_session()
        pending = s.query(OutboxNotification).filter_by(status="pending").count()
        oldest = min(r.id for r in s.query(OutboxNotification))
        s.execute(update(OutboxNotification).where(OutboxNotification.id == oldest)
                  .values(created_at=utcnow() - timedelta(minutes=90)))
        s.commit()
        s.close()
    assert pending >= 2
    body = check(client.get(URL), 200)
    assert body["outbox_pending"] == pending
    assert body["oldest_pending_minutes"] in (90, 91)


def test_database_down(tmp_path: Path, content_dir: Path) -> None:
    url = "postgresql+psycopg://portal:pw-health-canary@127.0.0.1:9/portal?connect_timeout=2"
    broken = create_app(make_config(tmp_path, url, content_dir))
    try:
        r = broken.test_client().get(URL)
        body = check(r, 503)
        assert body["status"] == "unavailable" and body["database"] == "unavailable"
        assert "pw-health-canary" not in r.get_data(as_text=True)
    finally:
        db.get_engine(broken).dispose()


def test_database_too_slow(app: Flask) -> None:
    """A database that does not answer within HEALTH_DB_TIMEOUT: 503, and probes do not pile up."""
    app.config["HEALTH_DB_TIMEOUT"] = 0.05
    engine = db.get_engine(app)
    release = threading.Event()

    def hang(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.strip() == "SELECT 1":
            release.wait(30)

    event.listen(engine, "before_cursor_execute", hang)
    try:
        client = app.test_client()
        assert check(client.get(URL), 503)["database"] == "timeout"
        # the first check still hangs: the next probe answers at once, starting no second one
        threads = threading.active_count()
        assert check(client.get(URL), 503)["database"] == "timeout"
        assert threading.active_count() == threads
    finally:
        release.set()
        event.remove(engine, "before_cursor_execute", hang)
    for t in threading.enumerate():
        if t.name == "formsvc-healthz":
            t.join(5)
    # probes work again once the database answers; with the configured timeout, since 0.05 s is
    # less than a plain SELECT 1 takes on a loaded machine
    app.config["HEALTH_DB_TIMEOUT"] = config.HEALTH_DB_TIMEOUT
    assert check(app.test_client().get(URL), 200)["database"] == "ok"


@pytest.fixture
def shared_limiter_restored() -> Iterator[None]:
    """Flask-Limiter keeps RATELIMIT_DEFAULT on the one Limiter every app shares (once set, a
    later app's init_app does not clear it): put it back for the tests that follow."""
    manager = limiter.limit_manager
    saved = list(manager._default_limits)
    yield
    manager.set_default_limits(saved)


@pytest.mark.usefixtures("shared_limiter_restored")
def test_probes_are_never_rate_limited(tmp_path: Path, database_url: str,
                                       content_dir: Path) -> None:
    """A monitor polling every few seconds from one address must not be told the server is down.

    With a default limit on every route (an operator's RATELIMIT_DEFAULT), other routes answer
    429 from one address while the health check keeps answering.
    """
    limited = create_app(make_config(tmp_path, database_url, content_dir,
                                     RATELIMIT_DEFAULT="3 per minute"))
    try:
        client = limited.test_client()
        assert [client.get("/api/v1/kinds").status_code for _ in range(4)] == [200] * 3 + [429]
        for _ in range(10):
            check(client.get(URL), 200)
    finally:
        db.get_engine(limited).dispose()


# --- the replica (DATABASE_REPLICA_URL) ----------------------------------------------------------


@contextlib.contextmanager
def _app_with_replica(tmp_path: Path, database_url: str, content_dir: Path,
                      replica_url: str) -> Iterator[Flask]:
    app = create_app(make_config(tmp_path, database_url, content_dir,
                                 DATABASE_REPLICA_URL=replica_url,
                                 SEARCH_INDEX_DIR=str(tmp_path / "_search")))
    try:
        yield app
    finally:
        db.get_engine(app).dispose()
        app.extensions["formsvc.replica_engine"].dispose()


def test_a_replica_that_answers_is_reported(tmp_path: Path, database_url: str,
                                            content_dir: Path) -> None:
    from formsvc.db import migrate

    replica = f"sqlite:///{tmp_path / 'replica.sqlite3'}"
    engine = db.make_engine(replica)
    migrate.upgrade(engine)
    engine.dispose()
    with _app_with_replica(tmp_path, database_url, content_dir, replica) as app:
        body = check(app.test_client().get(URL), 200)
    # a copy without streaming replication answers; its lag cannot be known
    assert body["replica"] == "ok" and body["replica_lag_seconds"] is None


def test_an_unreachable_replica_is_reported_without_failing_the_check(
        tmp_path: Path, database_url: str, content_dir: Path) -> None:
    replica = "postgresql+psycopg://portal:pw-health-canary@127.0.0.1:9/portal?connect_timeout=2"
    with _app_with_replica(tmp_path, database_url, content_dir, replica) as app:
        r = app.test_client().get(URL)
    body = check(r, 200)  # the primary answers: this server still takes traffic
    assert body["status"] == "ok" and body["replica"] == "unavailable"
    assert body["replica_lag_seconds"] is None
    assert "pw-health-canary" not in r.get_data(as_text=True)


def test_a_replica_that_hangs_is_a_timeout_and_probes_do_not_pile_up(
        tmp_path: Path, database_url: str, content_dir: Path) -> None:
    from formsvc.db import migrate

    replica = f"sqlite:///{tmp_path / 'replica.sqlite3'}"
    engine = db.make_engine(replica)
    migrate.upgrade(engine)
    engine.dispose()
    with _app_with_replica(tmp_path, database_url, content_dir, replica) as app:
        app.config["HEALTH_DB_TIMEOUT"] = 0.5
        release = threading.Event()
        replica_engine = app.extensions["formsvc.replica_engine"]

        def hang(*_args: Any) -> None:
            release.wait(10)

        event.listen(replica_engine, "before_cursor_execute", hang)
        try:
            client = app.test_client()
            first = check(client.get(URL), 200)
            assert first["replica"] == "timeout" and first["database"] == "ok"
            threads = threading.active_count()
            assert check(client.get(URL), 200)["replica"] == "timeout"
            assert threading.active_count() == threads  # the hanging probe is not started again
        finally:
            release.set()
            event.remove(replica_engine, "before_cursor_execute", hang)
            health._replica_running.thread.join(5)  # type: ignore[union-attr]


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="needs PostgreSQL")
def test_a_postgresql_server_that_is_not_in_recovery_is_not_a_replica(
        tmp_path: Path, database_url: str, content_dir: Path) -> None:
    # the test database is a primary: after a failover the old replica is one too, and still named
    # by DATABASE_REPLICA_URL until the setting is changed
    replica = os.environ["TEST_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    with _app_with_replica(tmp_path, database_url, content_dir, replica) as app:
        body = check(app.test_client().get(URL), 200)
    assert body["replica"] == "not_in_recovery" and body["replica_lag_seconds"] is None
