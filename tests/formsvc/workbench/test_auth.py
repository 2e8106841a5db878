"""Staff accounts: the CLI, argon2 hashes, login errors, lockout, rate limit, session expiry."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from formsvc import db
from formsvc.models.staff import Staff
from tests.formsvc.conftest import check_page, csrf_from, soup
from tests.formsvc.workbench.helpers import PASSWORD, login, make_staff


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"LOGIN_RATE_LIMIT": "8 per minute", "LOGIN_MAX_FAILURES": 3}


def cli(app: Flask, *args: str) -> Any:
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def staff_row(app: Flask, username: str) -> Staff:
    with app.app_context():
        s = db.new_session()
        row = s.scalar(select(Staff).where(Staff.username == username))
        s.close()
        assert row is not None
        return row


def test_create_staff_cli(wbapp: Flask) -> None:
    r = cli(wbapp, "create-staff", "wang", "--role", "handler", "--department", "rsj",
            "--name", "王办理", "--email", "wang@gov.test", "--password", PASSWORD)
    assert r.exit_code == 0, r.output
    assert "已创建账户 wang（承办人，示范县人力资源和社会保障局）" in r.output
    row = staff_row(wbapp, "wang")
    assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    r = cli(wbapp, "create-staff", "wang", "--role", "handler", "--department", "rsj",
            "--password", PASSWORD)
    assert r.exit_code != 0 and "已存在" in r.output
    r = cli(wbapp, "create-staff", "li", "--role", "reviewer", "--password", PASSWORD)
    assert r.exit_code != 0 and "必须属于一个机构" in r.output
    r = cli(wbapp, "create-staff", "zhao", "--role", "supervisor", "--password", "short")
    assert r.exit_code != 0 and "至少 10 个字符" in r.output
    r = cli(wbapp, "create-staff", "qian", "--role", "dispatcher", "--department", "nope",
            "--password", PASSWORD)
    assert r.exit_code != 0 and "不存在" in r.output


def test_login_page_and_errors(wbapp: Flask, wbclient: FlaskClient) -> None:
    make_staff(wbapp, "h", "handler", "rsj")
    page = soup(wbclient.get("/hdjl/staff/login"))
    check_page(page)
    assert page.find("meta", attrs={"name": "robots"})["content"].startswith("noindex")
    wrong = soup(login(wbclient, "h", "wrong-password-1"))
    unknown = soup(login(wbclient, "nobody", "wrong-password-1"))
    assert wrong.select_one(".gp-error-summary").get_text() == \
        unknown.select_one(".gp-error-summary").get_text()
    assert "用户名或密码错误" in wrong.get_text()
    r = wbclient.post("/hdjl/staff/login", data={"username": "h", "password": PASSWORD})
    assert r.status_code == 400  # no CSRF token
    r = login(wbclient, "h")
    assert r.status_code == 303
    r = wbclient.get("/hdjl/staff/inbox")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store" and "noindex" in r.headers["X-Robots-Tag"]


def test_lockout(wbapp: Flask, wbclient: FlaskClient) -> None:
    make_staff(wbapp, "h", "handler", "rsj")
    for _ in range(3):
        login(wbclient, "h", "wrong-password-1")
    r = login(wbclient, "h")  # the right password, but locked
    assert r.status_code == 400 and "暂时锁定" in soup(r).get_text()
    with wbapp.app_context():
        s = db.new_session()
        row = s.scalar(select(Staff).where(Staff.username == "h"))
        assert row.locked_until is not None
        row.locked_until = row.locked_until.replace(year=2000)  # the lockout has run out
        s.commit()
        s.close()
    assert login(wbclient, "h").status_code == 303


def test_login_rate_limit(wbapp: Flask, wbclient: FlaskClient) -> None:
    codes = [login(wbclient, f"nobody{i}", "wrong-password-1").status_code for i in range(9)]
    assert codes[:8] == [400] * 8 and codes[8] == 429


def test_session_expires(wbapp: Flask, wbclient: FlaskClient) -> None:
    make_staff(wbapp, "h", "handler", "rsj")
    login(wbclient, "h")
    assert wbclient.get("/hdjl/staff/inbox").status_code == 200
    with wbclient.session_transaction() as sess:
        sess["staff"] = {**sess["staff"], "seen_at": time.time() - 31 * 60}
    r = wbclient.get("/hdjl/staff/inbox")
    assert r.status_code == 303 and "/hdjl/staff/login" in r.headers["Location"]
    login(wbclient, "h")
    with wbclient.session_transaction() as sess:
        sess["staff"] = {**sess["staff"], "login_at": time.time() - 11 * 3600}
    assert wbclient.get("/hdjl/staff/inbox").status_code == 303


def test_new_password_ends_sessions(wbapp: Flask, wbclient: FlaskClient) -> None:
    make_staff(wbapp, "h", "handler", "rsj")
    login(wbclient, "h")
    r = cli(wbapp, "staff-password", "h", "--password", "another-password-2")
    assert r.exit_code == 0, r.output
    assert wbclient.get("/hdjl/staff/inbox").status_code == 303
    assert login(wbclient, "h", "another-password-2").status_code == 303


def test_logout_and_safe_next(wbapp: Flask, wbclient: FlaskClient) -> None:
    make_staff(wbapp, "h", "handler", "rsj")
    r = wbclient.get("/hdjl/staff/inbox?kind=zx")
    assert r.headers["Location"].endswith("/hdjl/staff/login?next=/hdjl/staff/inbox?kind%3Dzx")
    token = csrf_from(soup(wbclient.get("/hdjl/staff/login")))
    r = wbclient.post("/hdjl/staff/login?next=https://evil.example/x",
                      data={"csrf_token": token, "username": "h", "password": PASSWORD})
    assert r.headers["Location"] == "/hdjl/staff/"
    token = csrf_from(soup(wbclient.get("/hdjl/staff/inbox")))
    r = wbclient.post("/hdjl/staff/logout", data={"csrf_token": token})
    assert r.status_code == 303
    assert wbclient.get("/hdjl/staff/inbox").status_code == 303
