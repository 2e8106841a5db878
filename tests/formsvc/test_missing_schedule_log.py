"""The startup log names a year whose holiday schedule due dates need and the calendar lacks
(formsvc/web/runtime.py ``init_app``): the operator reads it where the server's other messages are."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from formsvc import create_app, db
from tests.formsvc.conftest import make_config


def _started(tmp_path: Path, database_url: str, content_dir: Path, today: date,
             monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the app's start logged at WARNING or above, 10:00 county time on ``today``."""
    monkeypatch.setattr("formsvc.web.runtime.utcnow",
                        lambda: datetime(today.year, today.month, today.day, 2, tzinfo=UTC))
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="formsvc.web.runtime"):
        app = create_app(make_config(tmp_path, database_url, content_dir))
    db.get_engine(app).dispose()
    return [r.getMessage() for r in caplog.records
            if r.name == "formsvc.web.runtime" and r.levelno >= logging.WARNING]


def test_the_startup_log_names_the_missing_year_and_where_to_add_it(
        tmp_path: Path, database_url: str, content_dir: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    lines = _started(tmp_path, database_url, content_dir, date(2031, 11, 5), monkeypatch, caplog)
    assert len(lines) == 1
    assert "2031 年、2032 年的法定节假日安排尚未收录" in lines[0]
    assert "formsvc/domain/holidays/2032.yml" in lines[0] and "README.md" in lines[0]
    # in June only this year's is expected
    lines = _started(tmp_path, database_url, content_dir, date(2031, 6, 1), monkeypatch, caplog)
    assert len(lines) == 1 and "2031 年" in lines[0] and "2032" not in lines[0]


def test_nothing_is_logged_when_the_schedules_are_in(
        tmp_path: Path, database_url: str, content_dir: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "holidays.yml").write_text(
        "2031:\n  holidays:\n    - {date: 2031-01-01, name: 元旦}\n"
        "2032:\n  holidays:\n    - {date: 2032-01-01, name: 元旦}\n", encoding="utf-8")
    assert _started(tmp_path, database_url, content_dir, date(2031, 11, 5), monkeypatch,
                    caplog) == []


def test_a_broken_holiday_file_is_an_error_in_the_log_and_the_server_still_starts(
        tmp_path: Path, database_url: str, content_dir: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "holidays.yml").write_text("2031: [\n", encoding="utf-8")
    lines = _started(tmp_path, database_url, content_dir, date(2031, 6, 1), monkeypatch, caplog)
    assert len(lines) == 1
    assert "节假日文件无法读取" in lines[0] and "holidays.yml" in lines[0]
