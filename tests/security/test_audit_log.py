"""The audit log: one JSON line per staff action, after it commits, without personal data.

The app writes to a file here (AUDIT_LOG=<path>, as in production); the tests act through the
workbench like a person would and parse what was written.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from formsvc import db
from formsvc.models import Attachment, Message
from formsvc.models.staff import Staff
from formsvc.services import lifecycle
from formsvc.services import workbench as wb
from formsvc.web.audit_log import FIELDS
from tests.formsvc.conftest import csrf_from, soup
from tests.formsvc.workbench.helpers import (
    PASSWORD,
    login,
    make_staff,
    post_action,
    run,
    submit,
)

PERSONAL = {"name": "欧阳测试", "phone": "13912345678", "email": "ouyang@example.com",
            "subject": "审计日志测试主题", "content": "这是一段不应出现在审计日志中的留言正文内容。"}


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"AUDIT_LOG": str(tmp_path / "audit.log"), "LOGIN_MAX_FAILURES": 2}


def lines(app: Flask) -> list[dict[str, Any]]:
    path = Path(app.config["AUDIT_LOG"])
    if not path.exists():
        return []
    # the fixtures' accounts (make_staff: a ``staff_create`` line of actor ``cli``) are left out:
    # the lines of account and key changes are tested in tests/formsvc/workbench/test_staff_admin.py
    return [e for e in (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
            if e["target"] is None]


def _client(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def test_logins_and_logout(app: Flask) -> None:
    make_staff(app, "h", "handler", "rsj")
    client = _client(app, "198.51.100.20")
    login(client, "nobody", "wrong-password-1")
    login(client, "h", "wrong-password-1")
    login(client, "h", "wrong-password-1")  # the second failure locks (LOGIN_MAX_FAILURES=2)
    login(client, "h")  # locked
    with app.app_context():
        s = db.new_session()
        s.scalar(select(Staff).where(Staff.username == "h")).locked_until = None
        s.commit()
        s.close()
    assert login(client, "h").status_code == 303
    r = client.post("/hdjl/staff/logout",
                    data={"csrf_token": csrf_from(soup(client.get("/hdjl/staff/inbox")))})
    got = lines(app)
    assert [(e["action"], e["outcome"], e["actor"]) for e in got] == [
        ("login", "unknown_user", None),  # the name typed is not logged: it may be a password
        ("login", "wrong_password", "h"),
        ("login", "lockout", "h"),
        ("login", "locked", "h"),
        ("login", "ok", "h"),
        ("logout", "ok", "h"),
    ]
    for entry in got:
        assert tuple(entry) == FIELDS
        assert entry["ip"] == "198.51.100.20"
        stamp = datetime.fromisoformat(entry["time"])
        assert entry["time"].endswith("Z") and stamp.utcoffset() == timedelta(0)
        assert abs(stamp - datetime.now(UTC)) < timedelta(hours=1)
    assert got[-1]["request_id"] == r.headers["X-Request-ID"]
    assert got[-1]["role"] == "handler" and got[-1]["department"] == "rsj"
    assert "nobody" not in Path(app.config["AUDIT_LOG"]).read_text(encoding="utf-8")


def test_workbench_actions(app: Flask) -> None:
    for username, role, dept in (("disp", "dispatcher", ""), ("h", "handler", "rsj"),
                                 ("other", "handler", "jyj")):
        make_staff(app, username, role, dept)
    number, _code = submit(app.test_client(), "zx", department="", **PERSONAL)
    dispatcher = _client(app, "198.51.100.1")
    login(dispatcher, "disp")
    handler = _client(app, "198.51.100.2")
    login(handler, "h")
    outsider = _client(app, "198.51.100.3")
    login(outsider, "other")
    start = len(lines(app))

    r = post_action(dispatcher, number, "dispatch", department="rsj")
    assert r.status_code == 303
    request_ids = [r.headers["X-Request-ID"]]
    assert post_action(handler, number, "note", note="内部备注").status_code == 303
    assert post_action(handler, number, "draft_reply",
                       text="您好，请携带身份证到县政务服务中心办理。").status_code == 303
    assert post_action(handler, number, "send_reply").status_code == 303
    assert post_action(handler, number, "note", note="").status_code == 400  # refused: no note
    r = outsider.post(f"/hdjl/staff/m/{number}/note", data={  # out of scope: as if unknown
        "csrf_token": csrf_from(soup(outsider.get("/hdjl/staff/inbox"))), "note": "看看"})
    assert r.status_code == 404
    token = csrf_from(soup(handler.get("/hdjl/staff/templates")))
    assert handler.post("/hdjl/staff/templates", data={
        "csrf_token": token, "title": "模板", "body": "模板内容"}).status_code == 303
    template_id = run(app, "h", lambda ctx, staff: wb.templates_for(
        ctx.session, staff, staff.department_id)[0].id)
    assert handler.post("/hdjl/staff/templates", data={
        "csrf_token": token, "remove": str(template_id)}).status_code == 303

    got = lines(app)[start:]
    assert [(e["actor"], e["action"], e["outcome"]) for e in got] == [
        ("disp", "dispatch", "ok"),
        ("h", "note", "ok"),
        ("h", "draft_reply", "ok"),
        ("h", "reply", "ok"),
        ("h", "note", "invalid"),
        ("other", "note", "not_found"),
        ("h", "template_add", "ok"),
        ("h", "template_remove", "ok"),
    ]
    assert got[0]["request_id"] == request_ids[0] and got[0]["ip"] == "198.51.100.1"
    assert got[0]["role"] == "dispatcher" and got[0]["department"] == "rsj"
    assert all(e["message"] == number for e in got[:6])
    assert got[5]["ip"] == "198.51.100.3" and got[5]["department"] == "jyj"
    text = Path(app.config["AUDIT_LOG"]).read_text(encoding="utf-8")
    for value in PERSONAL.values():
        assert value not in text
    assert "内部备注" not in text and "请携带身份证" not in text  # staff texts stay in the database


def test_a_refused_report_attachment(app: Flask) -> None:
    """A dispatcher who opens the address of a 举报's file (not listed for them): 403 and a line."""
    for username, role, dept in (("disp", "dispatcher", ""), ("h", "handler", "rsj")):
        make_staff(app, username, role, dept)
    number, _code = submit(app.test_client(), "jb", department="", **PERSONAL)
    run(app, "disp", wb.dispatch, number, "rsj")
    with app.app_context():
        s = db.new_session()
        message = s.scalar(select(Message).where(Message.tracking_number == number))
        row = Attachment(message_id=message.id, stored_name="0" * 32 + ".png",
                         original_name="举报材料.png", mime_type="image/png", size=1, sha256="0" * 64)
        s.add(row)
        s.commit()
        attachment_id = row.id
        s.close()
    client = _client(app, "198.51.100.4")
    login(client, "disp")
    start = len(lines(app))
    assert client.get(f"/hdjl/staff/m/{number}/files/{attachment_id}").status_code == 403
    got = lines(app)[start:]
    assert [(e["action"], e["outcome"], e["actor"], e["message"]) for e in got] == [
        ("attachment", "forbidden", "disp", number)]
    assert "举报材料" not in Path(app.config["AUDIT_LOG"]).read_text(encoding="utf-8")


def test_a_line_only_after_commit(app: Flask) -> None:
    """A flushed but rolled-back action writes nothing; outside a request ip and id are null."""
    staff_id = make_staff(app, "h", "handler", "rsj")
    number, _ = submit(app.test_client(), "zx")
    run(app, "h", lambda ctx, staff: None)  # nothing happens, nothing is written
    with app.app_context():
        s = db.new_session()
        message = s.scalar(select(Message).where(Message.tracking_number == number))
        lifecycle.apply(message, "note", actor=f"staff:{staff_id}", role="handler", note="甲")
        s.flush()
        s.rollback()
        assert lines(app) == []
        message = s.scalar(select(Message).where(Message.tracking_number == number))
        lifecycle.apply(message, "note", actor=f"staff:{staff_id}", role="handler", note="乙")
        s.commit()
        s.close()
    (entry,) = lines(app)
    assert (entry["actor"], entry["action"], entry["outcome"]) == ("h", "note", "ok")
    assert entry["ip"] is None and entry["request_id"] is None


def test_citizen_and_system_events_are_not_staff_actions(app: Flask) -> None:
    submit(app.test_client(), "zx")  # a "submit" event by the citizen
    assert lines(app) == []


def test_request_id_from_the_proxy(app: Flask) -> None:
    make_staff(app, "h", "handler", "rsj")
    client = app.test_client()
    token = csrf_from(soup(client.get("/hdjl/staff/login")))
    r = client.post("/hdjl/staff/login", data={"csrf_token": token, "username": "h",
                                               "password": PASSWORD},
                    headers={"X-Request-ID": "nginx-0123456789abcdef"})
    assert r.headers["X-Request-ID"] == "nginx-0123456789abcdef"
    r = client.get("/hdjl/staff/inbox", headers={"X-Request-ID": "<script>"})
    assert r.headers["X-Request-ID"] != "<script>" and len(r.headers["X-Request-ID"]) == 32
    assert lines(app)[-1]["request_id"] == "nginx-0123456789abcdef"
