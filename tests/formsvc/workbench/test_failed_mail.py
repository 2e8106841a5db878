"""发送失败的邮件: the admin screen of the mail the outbox gave up, and its retry.

Who may open it is in the access matrix (test_access.py), its token in the CSRF suite; here what
an admin sees (never a whole address) and what a retry does, pressed twice, on a row that is not
failed, on a text message.
"""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from formsvc import db
from formsvc.db import utcnow
from formsvc.models import AdminEvent, OutboxNotification
from formsvc.services import notify, outbox
from tests.formsvc.conftest import csrf_from, soup
from tests.formsvc.workbench.helpers import login, make_staff, submit
from tests.formsvc.workbench.test_notifications import queued

CITIZEN = "zhangsan.mail@example.com"


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"MAIL_MAX_ATTEMPTS": 1, "AUDIT_LOG": str(tmp_path / "audit.log"),
            "MAIL_FILE_DIR": str(tmp_path / "mail")}


class Down:
    def send(self, mail: EmailMessage) -> None:
        raise ConnectionRefusedError("mail server down")


class Refused:
    def send(self, mail: EmailMessage) -> None:
        raise smtplib.SMTPRecipientsRefused({mail["To"]: (550, b"5.1.1 user unknown")})


class Kept:
    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    def send(self, mail: EmailMessage) -> None:
        self.sent.append(mail)


def _drain(app: Flask, backend: Any) -> outbox.SendResult:
    with app.app_context():
        s = db.new_session()
        try:
            return outbox.drain(s, app.config, backend)
        finally:
            s.close()


def _events(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        s = db.new_session()
        try:
            return [(e.actor, e.action, e.target) for e in s.scalars(
                select(AdminEvent).where(AdminEvent.action == "outbox_retry")
                .order_by(AdminEvent.id))]
        finally:
            s.close()


def _given_up(app: Flask, client: FlaskClient) -> str:
    """A message whose two mails (receipt, new message) were given up; its tracking number."""
    number, _ = submit(client, "zx", email=CITIZEN)
    assert _drain(app, Down()).failed == 2
    return number


def _admin(app: Flask) -> tuple[FlaskClient, int]:
    admin_id = make_staff(app, "adm", "admin")
    client = app.test_client()
    assert login(client, "adm").status_code == 303
    return client, admin_id


def test_the_screen_lists_failed_mail_masked(wbapp: Flask) -> None:
    number = _given_up(wbapp, wbapp.test_client())
    client, _ = _admin(wbapp)
    page = client.get("/hdjl/staff/admin/failed-mail")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert CITIZEN not in html  # masked, whatever else the page shows
    rows = soup(page).select("#failed-mail tbody tr")
    assert len(rows) == 2
    texts = [r.get_text(" ", strip=True) for r in rows]
    assert any("z***@example.com" in t for t in texts)
    assert all(number in t and "ConnectionRefusedError" in t and "mail server down" in t
               for t in texts)
    assert all(r.find("td", attrs={"data-label": "尝试次数"}).get_text(strip=True) == "1"
               for r in rows)
    assert all(r.find("td", attrs={"data-label": "最后尝试"}).get_text(strip=True) != "—"
               for r in rows)


def test_an_error_naming_the_address_is_masked_too(wbapp: Flask) -> None:
    submit(wbapp.test_client(), "zx", email=CITIZEN)
    assert _drain(wbapp, Refused()).failed == 2
    assert CITIZEN in queued(wbapp)[0].last_error + queued(wbapp)[1].last_error  # as stored
    client, _ = _admin(wbapp)
    page = client.get("/hdjl/staff/admin/failed-mail")
    assert CITIZEN not in page.get_data(as_text=True)
    assert "z***@example.com" in soup(page).find(id="failed-mail").get_text()
    assert "user unknown" in page.get_data(as_text=True)


def test_an_empty_list_says_so(wbapp: Flask) -> None:
    client, _ = _admin(wbapp)
    assert soup(client.get("/hdjl/staff/admin/failed-mail")).find(id="no-failed-mail")


def test_retry_queues_the_mail_once_records_it_and_sends_it(wbapp: Flask) -> None:
    _given_up(wbapp, wbapp.test_client())
    client, admin_id = _admin(wbapp)
    page = soup(client.get("/hdjl/staff/admin/failed-mail"))
    token = csrf_from(page)
    first = queued(wbapp)[0]
    r = client.post(f"/hdjl/staff/admin/failed-mail/{first.id}/retry",
                    data={"csrf_token": token})
    assert r.status_code == 303 and r.headers["Location"].endswith("/admin/failed-mail")
    again, other = queued(wbapp)
    assert (again.status, again.attempts) == ("pending", 0)
    assert other.status == "failed"  # only the row asked for
    assert _events(wbapp) == [(f"staff:{admin_id}", "outbox_retry", f"outbox:{first.id}")]
    lines = [json.loads(line) for line in
             Path(wbapp.config["AUDIT_LOG"]).read_text(encoding="utf-8").splitlines()]
    assert any(e["action"] == "outbox_retry" and e["target"] == f"outbox:{first.id}"
               and e["actor"] == "adm" for e in lines)
    assert not any(CITIZEN in line for line in
                   Path(wbapp.config["AUDIT_LOG"]).read_text(encoding="utf-8").splitlines())
    listed = soup(client.get("/hdjl/staff/admin/failed-mail"))
    assert listed.find(id=f"outbox-{first.id}") is None
    assert "重新加入发送队列" in listed.get_text()
    # pressed again (a second tab, a second admin): nothing left to retry, nothing recorded
    r = client.post(f"/hdjl/staff/admin/failed-mail/{first.id}/retry",
                    data={"csrf_token": token})
    assert r.status_code == 404
    assert len(_events(wbapp)) == 1
    kept = Kept()
    assert _drain(wbapp, kept).sent == 1
    assert [m["Subject"] for m in kept.sent] == [outbox.render(first.template,
                                                               first.payload)[0]]
    assert queued(wbapp)[0].status == "sent"


@pytest.mark.parametrize("target", ["unknown", "sent", "sms", "not-a-number"])
def test_retry_refuses_what_is_not_a_failed_mail(wbapp: Flask, target: str) -> None:
    _given_up(wbapp, wbapp.test_client())
    with wbapp.app_context():
        s = db.new_session()
        sent = OutboxNotification(channel="email", recipient="a@gov.test", template="notice",
                                  payload={}, status="sent", attempts=1, created_at=utcnow())
        text = OutboxNotification(**notify.sms_row("13900000000", "reply",
                                                   {"tracking_number": "ZX1"}),
                                  created_at=utcnow())
        text.status, text.attempts = "failed", 3
        s.add_all([sent, text])
        s.commit()
        ids = {"unknown": str(sent.id + text.id + 100), "sent": str(sent.id),
               "sms": str(text.id), "not-a-number": "1x"}
        s.close()
    client, _ = _admin(wbapp)
    token = csrf_from(soup(client.get("/hdjl/staff/admin/failed-mail")))
    before = [(r.id, r.status, r.attempts) for r in queued(wbapp)]
    r = client.post(f"/hdjl/staff/admin/failed-mail/{ids[target]}/retry",
                    data={"csrf_token": token})
    assert r.status_code == 404
    assert [(r.id, r.status, r.attempts) for r in queued(wbapp)] == before
    assert _events(wbapp) == []


def test_the_screen_lists_no_text_messages(wbapp: Flask) -> None:
    with wbapp.app_context():
        s = db.new_session()
        text = OutboxNotification(**notify.sms_row("13912345678", "reply",
                                                   {"tracking_number": "ZX1"}),
                                  created_at=utcnow())
        text.status = "failed"
        s.add(text)
        s.commit()
        s.close()
    client, _ = _admin(wbapp)
    page = soup(client.get("/hdjl/staff/admin/failed-mail"))
    assert page.find(id="no-failed-mail") is not None
    assert "1391" not in page.get_text()


@pytest.mark.parametrize(("recipient", "shown"), [
    ("zhangsan@example.com", "z***@example.com"),
    ("a@b.cn", "a***@b.cn"),
    ("13912345678", "139****5678"),
    ("1234567", "*******"),
    ("", ""),
])
def test_masked_recipient(recipient: str, shown: str) -> None:
    assert outbox.masked_recipient(recipient) == shown
