"""send-mail: the outbox is delivered, retried with back-off when the server is down, never lost."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from formsvc import db
from formsvc.db import utcnow
from formsvc.models import OutboxNotification
from formsvc.models.workbench import MailAttempt
from formsvc.services import outbox
from tests.formsvc.workbench.helpers import submit


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"MAIL_FILE_DIR": str(tmp_path / "mail"), "MAIL_MAX_ATTEMPTS": 3}


class Down:
    def send(self, mail: EmailMessage) -> None:
        raise ConnectionRefusedError("mail server down")


def rows(app: Flask) -> list[OutboxNotification]:
    with app.app_context():
        s = db.new_session()
        out = list(s.scalars(select(OutboxNotification).order_by(OutboxNotification.id)))
        s.close()
        return out


def test_file_backend_by_default(wbapp: Flask, wbclient: FlaskClient) -> None:
    number, code = submit(wbclient, "zx")
    with wbapp.app_context():
        r = wbapp.test_cli_runner().invoke(args=["send-mail"])
    assert r.exit_code == 0, r.output
    assert "发送成功 2" in r.output
    assert all(o.status == "sent" and o.sent_at for o in rows(wbapp))
    files = sorted(Path(wbapp.config["MAIL_FILE_DIR"]).glob("*.eml"))
    assert len(files) == 2
    mails = [message_from_bytes(f.read_bytes()) for f in files]
    recipients = {m["To"] for m in mails}
    assert len(recipients) == 2 and "zhangsan@example.com" in recipients
    for m in mails:
        body = m.get_payload(decode=True).decode("utf-8")
        assert number in m["Subject"] or number in body
        assert code not in body  # the query code is never mailed
    with wbapp.app_context():
        r = wbapp.test_cli_runner().invoke(args=["send-mail"])
    assert "发送成功 0" in r.output


def test_retry_with_backoff_then_give_up(wbapp: Flask, wbclient: FlaskClient) -> None:
    submit(wbclient, "zx", email="")
    now = utcnow()
    with wbapp.app_context():
        s = db.new_session()
        first = outbox.drain(s, wbapp.config, Down(), now=now)
        assert (first.sent, first.retry) == (0, 1)
        again = outbox.drain(s, wbapp.config, Down(), now=now + timedelta(seconds=30))
        assert again.waiting == 1 and again.retry == 0  # backing off
        second = outbox.drain(s, wbapp.config, Down(), now=now + timedelta(minutes=2))
        assert second.retry == 1
        third = outbox.drain(s, wbapp.config, Down(), now=now + timedelta(minutes=10))
        assert third.failed == 1
        attempts = s.scalars(select(MailAttempt)).all()
        assert len(attempts) == 3 and all("mail server down" in a.error for a in attempts)
        s.close()
    (row,) = rows(wbapp)
    assert row.status == "failed" and row.attempts == 3 and "ConnectionRefusedError" in row.last_error


def test_smtp_down_loses_nothing(wbapp: Flask, wbclient: FlaskClient) -> None:
    submit(wbclient, "zx")
    wbapp.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=9)  # nothing listens there
    with wbapp.app_context():
        r = wbapp.test_cli_runner().invoke(args=["send-mail"])
    assert r.exit_code == 0, r.output
    assert "稍后重试 2" in r.output
    assert [o.status for o in rows(wbapp)] == ["pending", "pending"]
    # the server is back: a later run (after the back-off) delivers both
    wbapp.config.update(MAIL_SERVER=None, MAIL_BACKOFF_MINUTES=0)
    with wbapp.app_context():
        r = wbapp.test_cli_runner().invoke(args=["send-mail"])
    assert "发送成功 2" in r.output


def test_backoff_grows_and_is_capped() -> None:
    cfg = {"MAIL_BACKOFF_MINUTES": 1, "MAIL_BACKOFF_MAX_MINUTES": 30,
           "SMS_BACKOFF_MINUTES": 2, "SMS_BACKOFF_MAX_MINUTES": 10}
    assert [outbox.backoff(n, cfg).total_seconds() / 60 for n in (1, 2, 3, 4, 9)] == [
        1, 2, 4, 8, 30]
    # SMS: its own settings
    assert [outbox.backoff(n, cfg, "sms").total_seconds() / 60 for n in (1, 2, 3, 9)] == [
        2, 4, 8, 10]
