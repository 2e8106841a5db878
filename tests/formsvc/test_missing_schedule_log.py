"""The server's startup log names a year whose holiday schedule due dates need and the calendar
lacks (formsvc/web/runtime.py ``log_calendar_state``, called by gunicorn's ``when_ready`` and
``scripts/serve``): the operator reads it where the server's other messages are."""

from __future__ import annotations

import logging
import runpy
import sys
import types
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import Flask

from formsvc import create_app, db
from formsvc.web import runtime
from tests.formsvc.conftest import make_config

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _every_message_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pelican's import makes every logger created after it drop a message it logged before
    (``pelican.log.LimitFilter``): in a test process that built a site first, the runtime's
    logger would say a year's warning only once for all these tests. A server never imports
    Pelican."""
    monkeypatch.setattr(runtime.log, "filters", [])


@pytest.fixture
def started(tmp_path: Path, database_url: str, content_dir: Path) -> Iterator[Flask]:
    app = create_app(make_config(tmp_path, database_url, content_dir))
    yield app
    db.get_engine(app).dispose()


def _logged(app: Flask, today: date, monkeypatch: pytest.MonkeyPatch,
            caplog: pytest.LogCaptureFixture) -> list[str]:
    """What a server start logs at WARNING or above, 10:00 county time on ``today``."""
    monkeypatch.setattr("formsvc.web.runtime.utcnow",
                        lambda: datetime(today.year, today.month, today.day, 2, tzinfo=UTC))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="formsvc.web.runtime"):
        runtime.log_calendar_state(app)
    return [r.getMessage() for r in caplog.records
            if r.name == "formsvc.web.runtime" and r.levelno >= logging.WARNING]


def test_the_startup_log_names_the_missing_year_and_where_to_add_it(
        started: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    lines = _logged(started, date(2031, 11, 5), monkeypatch, caplog)
    assert len(lines) == 1
    assert "2031 年、2032 年的法定节假日安排尚未收录" in lines[0]
    assert "formsvc/domain/holidays/2032.yml" in lines[0] and "README.md" in lines[0]
    # in June only this year's is expected
    lines = _logged(started, date(2031, 6, 1), monkeypatch, caplog)
    assert len(lines) == 1 and "2031 年" in lines[0] and "2032" not in lines[0]


def test_nothing_is_logged_when_the_schedules_are_in(
        started: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    Path(started.config["HOLIDAYS_FILE"]).write_text(
        "2031:\n  holidays:\n    - {date: 2031-01-01, name: 元旦}\n"
        "2032:\n  holidays:\n    - {date: 2032-01-01, name: 元旦}\n", encoding="utf-8")
    assert _logged(started, date(2031, 11, 5), monkeypatch, caplog) == []


def test_a_broken_holiday_file_is_an_error_in_the_log(
        started: Flask, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    Path(started.config["HOLIDAYS_FILE"]).write_text("2031: [\n", encoding="utf-8")
    lines = _logged(started, date(2031, 6, 1), monkeypatch, caplog)
    assert len(lines) == 1
    assert "节假日文件无法读取" in lines[0] and "holidays.yml" in lines[0]


def test_creating_the_app_logs_nothing(tmp_path: Path, database_url: str, content_dir: Path,
                                       monkeypatch: pytest.MonkeyPatch,
                                       caplog: pytest.LogCaptureFixture) -> None:
    """The timers' commands create the app every minute: only a server's start says it."""
    monkeypatch.setattr("formsvc.web.runtime.utcnow", lambda: datetime(2031, 11, 5, 2, tzinfo=UTC))
    with caplog.at_level(logging.WARNING):
        app = create_app(make_config(tmp_path, database_url, content_dir))
    db.get_engine(app).dispose()
    assert not [r for r in caplog.records if "法定节假日安排" in r.getMessage()]


def test_gunicorn_says_it_once_when_ready(started: Flask, monkeypatch: pytest.MonkeyPatch,
                                          caplog: pytest.LogCaptureFixture) -> None:
    """deploy/gunicorn.conf.py's when_ready hook logs it for the app it serves."""
    wsgi = types.ModuleType("formsvc.server.wsgi")
    wsgi.app = started  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "formsvc.server.wsgi", wsgi)
    monkeypatch.setattr("formsvc.web.runtime.utcnow", lambda: datetime(2031, 6, 1, 2, tzinfo=UTC))
    hooks = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    with caplog.at_level(logging.WARNING, logger="formsvc.web.runtime"):
        hooks["when_ready"](None)
    assert [r.getMessage() for r in caplog.records
            if "2031 年的法定节假日安排尚未收录" in r.getMessage()]
