"""The SMS gateway adapter, for real, against a fake gateway on loopback: success, retries with
back-off on 5xx, an error code, a gateway that hangs, and two overlapping send-mail runs."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from formsvc import db
from formsvc.db import utcnow
from formsvc.models import OutboxNotification
from formsvc.models.workbench import MailAttempt
from formsvc.services import notify, outbox, sms
from tests.formsvc.workbench.test_notifications import queued

SECRET = "s3cr3t-app-secret-never-logged"
CODES = {"receipt": "SMS_0001", "reply": "SMS_0002", "correction_requested": "SMS_0003"}


class FakeGateway:
    """A gateway on 127.0.0.1: answers each request from ``script`` (then "ok"): "ok", an HTTP
    status (503), an error code ("isv.BUSINESS_LIMIT_CONTROL") or "hang" (no answer until the
    test ends). Records every request's body and signature."""

    def __init__(self, script: list[Any] | None = None, delay: float = 0.0) -> None:
        self.script = list(script or [])
        self.delay = delay
        self.received: list[tuple[dict[str, Any], str, bytes]] = []
        self.release = threading.Event()
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server hook's name
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                with gateway.lock:
                    step = gateway.script.pop(0) if gateway.script else "ok"
                    gateway.received.append((json.loads(raw), self.headers["X-Signature"], raw))
                if step == "hang":
                    gateway.release.wait(10)
                    return
                if gateway.delay:
                    gateway.release.wait(gateway.delay)
                if isinstance(step, int):
                    self.send_response(step)
                    self.end_headers()
                    return
                answer = {"code": "OK", "message": "OK", "biz_id": "1"} if step == "ok" else \
                    {"code": step, "message": "触发业务流控"}
                body = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            def handle_error(self, request: Any, client_address: Any) -> None:
                pass  # the client gave up on a hanging answer: nothing to report

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeGateway:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()  # joins the handler threads
        self.thread.join()


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    with FakeGateway() as g:
        yield g


def adapter(url: str, timeout: float = 5.0) -> sms.HttpGateway:
    config = {"SMS_BACKEND": "http", "SMS_GATEWAY_URL": url, "SMS_APP_KEY": "county-app",
              "SMS_APP_SECRET": SECRET, "SMS_SIGN_NAME": "示范县人民政府", "SMS_TEMPLATES": CODES,
              "SMS_TIMEOUT_SECONDS": timeout}
    provider = sms.provider_from_config(config, "/nonexistent")
    assert isinstance(provider, sms.HttpGateway)
    return provider


def queue(app: Flask, n: int = 1) -> list[int]:
    """``n`` SMS receipts in the outbox, as a submission writes them."""
    with app.app_context():
        s = db.new_session()
        rows = [OutboxNotification(**notify.sms_row(
            f"1390000{i:04d}", "receipt",
            {"tracking_number": f"ZX20261206-A{i:05d}", "query_code": "EGWG7ETU"}),
            created_at=utcnow()) for i in range(n)]
        s.add_all(rows)
        s.commit()
        ids = [r.id for r in rows]
        s.close()
        return ids


def drain(app: Flask, provider: sms.Provider, **kwargs: Any) -> outbox.SendResult:
    with app.app_context():
        s = db.new_session()
        try:
            return outbox.drain_sms(s, app.config, provider, **kwargs)
        finally:
            s.close()


def test_a_text_goes_out_signed(wbapp: Flask, gateway: FakeGateway) -> None:
    queue(wbapp)
    assert drain(wbapp, adapter(gateway.url)).sent == 1
    [(body, signature, raw)] = gateway.received
    assert body["app_key"] == "county-app" and body["sign_name"] == "示范县人民政府"
    assert body["phone_numbers"] == "13900000000" and body["template_code"] == "SMS_0001"
    assert json.loads(body["template_param"]) == {"tracking_number": "ZX20261206-A00000",
                                                  "query_code": "EGWG7ETU"}
    assert signature == hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert SECRET not in raw.decode()  # the secret signs; it never travels
    [row] = queued(wbapp)
    assert row.status == "sent" and "query_code" not in row.payload


def test_5xx_is_retried_with_backoff(wbapp: Flask) -> None:
    queue(wbapp)
    now = utcnow()
    with FakeGateway([503, 502]) as g:
        provider = adapter(g.url)
        assert drain(wbapp, provider, now=now).retry == 1
        assert drain(wbapp, provider, now=now + timedelta(seconds=30)).waiting == 1  # backing off
        assert len(g.received) == 1
        assert drain(wbapp, provider, now=now + timedelta(minutes=2)).retry == 1
        assert drain(wbapp, provider, now=now + timedelta(minutes=3)).waiting == 1  # 2 min now
        assert drain(wbapp, provider, now=now + timedelta(minutes=7)).sent == 1
        assert len(g.received) == 3
    [row] = queued(wbapp)
    assert row.status == "sent" and row.attempts == 3
    with wbapp.app_context():
        s = db.new_session()
        errors = [a.error for a in s.scalars(select(MailAttempt).order_by(MailAttempt.id))]
        s.close()
    assert errors == ["SmsError: 短信网关 HTTP 503", "SmsError: 短信网关 HTTP 502", ""]


# SMS has its own attempts: mail's (8 here) do not keep a text retrying
@pytest.mark.parametrize("app_config", [{"SMS_MAX_ATTEMPTS": 2, "MAIL_MAX_ATTEMPTS": 8}])
def test_an_error_code_is_recorded_and_given_up_after_the_attempts(
        wbapp: Flask, caplog: pytest.LogCaptureFixture) -> None:
    queue(wbapp)
    now = utcnow()
    caplog.set_level(logging.DEBUG)
    with FakeGateway(["isv.BUSINESS_LIMIT_CONTROL"] * 2) as g:
        provider = adapter(g.url)
        first = drain(wbapp, provider, now=now)
        assert first.retry == 1 and "isv.BUSINESS_LIMIT_CONTROL" in first.errors[0]
        assert drain(wbapp, provider, now=now + timedelta(minutes=5)).failed == 1
    [row] = queued(wbapp)
    assert row.status == "failed" and "isv.BUSINESS_LIMIT_CONTROL" in row.last_error
    assert "query_code" not in row.payload  # given up: the code is not kept either
    # neither the secret nor the citizen's number reaches the log
    assert SECRET not in caplog.text and "13900000000" not in caplog.text
    assert "outbox" in caplog.text


@pytest.mark.parametrize("app_config", [{"SMS_MAX_ATTEMPTS": 5}])
def test_a_permanent_refusal_fails_at_once(wbapp: Flask) -> None:
    """An invalid number (a code of SMS_PERMANENT_CODES) is given up after one attempt; a
    passing refusal (flow control) keeps its retries."""
    queue(wbapp, 2)
    now = utcnow()
    with FakeGateway(["isv.MOBILE_NUMBER_ILLEGAL", "isv.BUSINESS_LIMIT_CONTROL"]) as g:
        provider = adapter(g.url)
        provider.permanent_codes = frozenset(wbapp.config["SMS_PERMANENT_CODES"])
        first = drain(wbapp, provider, now=now)
        assert (first.failed, first.retry) == (1, 1)
        assert "不再重试" in first.errors[0]
        # hours later: the refused one is not tried again, the other one is (and goes out)
        later = drain(wbapp, provider, now=now + timedelta(hours=5))
        assert (later.sent, later.failed, later.retry) == (1, 0, 0)
        assert len(g.received) == 3
    refused, retried = queued(wbapp)
    assert (refused.status, refused.attempts) == ("failed", 1)
    assert "isv.MOBILE_NUMBER_ILLEGAL" in refused.last_error
    assert "query_code" not in refused.payload
    assert (retried.status, retried.attempts) == ("sent", 2)


def test_the_permanent_codes_come_from_the_settings() -> None:
    config = {"SMS_BACKEND": "http", "SMS_GATEWAY_URL": "http://127.0.0.1:9/", "SMS_APP_KEY": "k",
              "SMS_APP_SECRET": SECRET, "SMS_SIGN_NAME": "示范县人民政府", "SMS_TEMPLATES": CODES,
              "SMS_PERMANENT_CODES": ["BAD_NUMBER", 17]}
    provider = sms.provider_from_config(config, "/nonexistent")
    assert isinstance(provider, sms.HttpGateway)
    assert provider.permanent_codes == frozenset({"BAD_NUMBER", "17"})
    assert sms.provider_from_config({**config, "SMS_PERMANENT_CODES": None},
                                    "/nonexistent").permanent_codes == frozenset()


def test_staff_see_an_undelivered_text(wbapp: Flask) -> None:
    from formsvc.services import workbench as wb
    from tests.formsvc.workbench.helpers import login, make_staff, run, submit

    make_staff(wbapp, "disp", "dispatcher")
    make_staff(wbapp, "rsj_h", "handler", "rsj")
    number, _ = submit(wbapp.test_client(), "zx", notify_sms=True, department="")
    run(wbapp, "disp", wb.dispatch, number, "rsj")
    client = wbapp.test_client()
    login(client, "rsj_h")
    from tests.formsvc.conftest import soup

    assert soup(client.get(f"/hdjl/staff/m/{number}")).find(id="sms-failed") is None
    with FakeGateway(["isv.MOBILE_NUMBER_ILLEGAL"]) as g:
        provider = adapter(g.url)
        provider.permanent_codes = frozenset({"isv.MOBILE_NUMBER_ILLEGAL"})
        assert drain(wbapp, provider).failed == 1
    shown = soup(client.get(f"/hdjl/staff/m/{number}")).find(id="sms-failed")
    assert shown is not None and "未能送达" in shown.get_text()
    assert "isv.MOBILE_NUMBER_ILLEGAL" in shown.get_text()


def test_a_hanging_gateway_times_out(wbapp: Flask) -> None:
    queue(wbapp)
    with FakeGateway(["hang"]) as g:
        result = drain(wbapp, adapter(g.url, timeout=0.3))
    assert result.retry == 1 and "无应答" in result.errors[0] and "0.3 秒" in result.errors[0]
    [row] = queued(wbapp)
    assert row.status == "pending" and row.attempts == 1  # tried again after the back-off


def test_a_missing_template_code_is_an_error_not_a_crash(wbapp: Flask,
                                                         gateway: FakeGateway) -> None:
    with wbapp.app_context():
        s = db.new_session()
        s.add(OutboxNotification(**notify.sms_row("13900000000", "reply",
                                                  {"tracking_number": "ZX1"}),
                                 created_at=utcnow()))
        s.commit()
        s.close()
    provider = adapter(gateway.url)
    provider.template_codes = {"receipt": "SMS_0001"}
    result = drain(wbapp, provider)
    assert result.retry == 1 and "SMS_TEMPLATES" in result.errors[0]
    assert gateway.received == []


def test_overlapping_runs_never_send_a_text_twice(wbapp: Flask) -> None:
    ids = queue(wbapp, 20)
    results: list[outbox.SendResult] = []
    with FakeGateway(delay=0.01) as g:
        provider = adapter(g.url)
        threads = [threading.Thread(target=lambda: results.append(drain(wbapp, provider)))
                   for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        received = Counter(body["phone_numbers"] for body, _, _ in g.received)
    assert sum(r.sent for r in results) == 20
    assert len(received) == 20 and set(received.values()) == {1}
    assert {r.status for r in queued(wbapp)} == {"sent"}
    with wbapp.app_context():
        s = db.new_session()
        ok = Counter(a.outbox_id for a in s.scalars(select(MailAttempt).where(MailAttempt.ok)))
        s.close()
    assert ok == dict.fromkeys(ids, 1)
