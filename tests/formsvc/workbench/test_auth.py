"""Staff accounts: the CLI, argon2 hashes, login errors, lockout, rate limit, session expiry.

Brute force: every failed login (unknown name, wrong password, locked or inactive account) reads the
same and runs the same statements; the lockout lives in the staff row, so every worker sees it; the
login limit counts per client address (the forwarded one behind nginx) across every name tried,
and through Redis across workers.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select

from formsvc import create_app, db
from formsvc.models.staff import Staff
from formsvc.services import auth
from tests.formsvc.conftest import check_page, csrf_from, make_config, soup, summary_texts
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
    assert r.status_code == 400 and "锁定 15 分钟" in summary(r)
    assert wbclient.get("/hdjl/staff/inbox").status_code == 303  # no session
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


# --- brute force: no account enumeration, lockout in the database, limits per address -------------


def summary(response: Any) -> str:
    return " / ".join(summary_texts(soup(response)))


def test_every_failure_reads_the_same(wbapp: Flask, wbclient: FlaskClient) -> None:
    """Unknown name, wrong password, locked account, inactive account: one answer."""
    make_staff(wbapp, "h", "handler", "rsj")
    make_staff(wbapp, "gone", "handler", "rsj")
    with wbapp.app_context():
        s = db.new_session()
        s.scalar(select(Staff).where(Staff.username == "gone")).active = False
        s.commit()
        s.close()
    answers = [login(wbclient, "nobody", "wrong-password-1"),
               login(wbclient, "h", "wrong-password-1"),
               login(wbclient, "gone", PASSWORD)]
    for _ in range(3):
        login(wbclient, "h", "wrong-password-1")
    answers.append(login(wbclient, "h", PASSWORD))  # locked: the right password changes nothing
    texts = {summary(r) for r in answers}
    assert {r.status_code for r in answers} == {400} and len(texts) == 1, texts
    assert texts == {"用户名或密码错误。连续 3 次登录失败后账户将锁定 15 分钟，锁定期间请勿再试"}


def test_lockout_holds_for_unknown_names(wbapp: Flask, wbclient: FlaskClient) -> None:
    """After the lockout threshold an unknown name answers exactly like a locked account."""
    make_staff(wbapp, "h", "handler", "rsj")
    known, unknown = [], []
    for _ in range(4):
        known.append(login(wbclient, "h", "wrong-password-1"))
        unknown.append(login(wbclient, "nobody", "wrong-password-1"))
    assert staff_row(wbapp, "h").locked_until is not None
    assert [(r.status_code, summary(r)) for r in known] == \
        [(r.status_code, summary(r)) for r in unknown]


def _trace_failed_login(app: Flask, username: str, password: str,
                        monkeypatch: pytest.MonkeyPatch) -> tuple[str, list[str], int]:
    """(failure code, SQL statements run, argon2 verifications) of one failed login."""
    statements: list[str] = []
    verified = []
    real = auth._hasher

    class CountingHasher:
        def verify(self, hash_: str, secret: str) -> bool:
            verified.append(1)
            return real.verify(hash_, secret)

        def __getattr__(self, name: str) -> Any:
            return getattr(real, name)

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not statement.startswith("PRAGMA"):
            statements.append(" ".join(statement.split()))

    monkeypatch.setattr(auth, "_hasher", CountingHasher())
    engine = db.get_engine(app)
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        with app.app_context():
            s = db.new_session()
            with pytest.raises(auth.AuthError) as failed:
                auth.login(s, app.config, username, password)
            s.close()
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    return failed.value.code, statements, len(verified)


def test_failures_take_the_same_path(wbapp: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same SQL, one argon2 verification each: no timing difference between the cases."""
    make_staff(wbapp, "h", "handler", "rsj")
    make_staff(wbapp, "locked", "handler", "rsj")
    with wbapp.app_context():
        s = db.new_session()
        s.scalar(select(Staff).where(Staff.username == "locked")).locked_until = \
            datetime.now(UTC) + timedelta(minutes=10)
        s.commit()
        s.close()
    traces = {name: _trace_failed_login(wbapp, name, pw, monkeypatch) for name, pw in (
        ("nobody", "wrong-password-1"), ("h", "wrong-password-1"), ("locked", PASSWORD))}
    assert [t[0] for t in traces.values()] == ["unknown_user", "wrong_password", "locked"]
    paths = {(tuple(t[1]), t[2]) for t in traces.values()}
    assert len(paths) == 1, traces
    statements, verifications = paths.pop()
    assert verifications == 1
    assert sum(st.startswith("UPDATE staff") for st in statements) == 1
    assert staff_row(wbapp, "h").failed_logins == 1
    assert staff_row(wbapp, "locked").failed_logins == 0  # a locked row is not touched


def test_lockout_is_in_the_database(wbapp: Flask, tmp_path: Path, database_url: str,
                                    content_dir: Path) -> None:
    """Two apps on one database (two gunicorn workers, or two servers) share counter and lock."""
    make_staff(wbapp, "h", "handler", "rsj")
    other = create_app(make_config(tmp_path / "worker2", database_url, content_dir,
                                   LOGIN_MAX_FAILURES=3, LOGIN_RATE_LIMIT="100 per minute"))
    try:
        clients = [wbapp.test_client(), other.test_client()]
        for i in range(3):  # failures alternate between the workers and all count
            login(clients[i % 2], "h", "wrong-password-1")
        assert staff_row(wbapp, "h").locked_until is not None
        for client in clients:
            r = login(client, "h")
            assert r.status_code == 400 and client.get("/hdjl/staff/inbox").status_code == 303
    finally:
        db.get_engine(other).dispose()


def client_at(app: Flask, address: str, forwarded: str = "") -> FlaskClient:
    """A client whose requests come from ``address`` (through a proxy that says ``forwarded``)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if forwarded:
        client.environ_base["HTTP_X_FORWARDED_FOR"] = forwarded
    return client


def test_login_rate_limit_is_per_address(wbapp: Flask) -> None:
    """Many names from one address hit the limit; another address keeps its own allowance."""
    attacker = client_at(wbapp, "203.0.113.7")
    codes = [login(attacker, f"name{i}", "wrong-password-1").status_code for i in range(9)]
    assert codes == [400] * 8 + [429]
    # without a trusted proxy (PROXY_COUNT=0) a forged X-Forwarded-For changes nothing
    forged = client_at(wbapp, "203.0.113.7", forwarded="198.51.100.1")
    assert login(forged, "x", "wrong-password-1").status_code == 429
    colleague = client_at(wbapp, "203.0.113.8")
    assert login(colleague, "name0", "wrong-password-1").status_code == 400


def test_login_rate_limit_behind_the_proxy(tmp_path: Path, database_url: str,
                                           content_dir: Path) -> None:
    """With nginx in front (PROXY_COUNT=1) the limit follows the client's forwarded address."""
    app = create_app(make_config(tmp_path, database_url, content_dir, PROXY_COUNT=1,
                                 LOGIN_RATE_LIMIT="3 per minute"))
    try:
        def attempt(client_ip: str) -> int:
            return login(client_at(app, "127.0.0.1", client_ip), "x",
                         "wrong-password-1").status_code

        assert [attempt("198.51.100.1") for _ in range(4)][-1] == 429
        assert attempt("198.51.100.2") != 429
    finally:
        db.get_engine(app).dispose()


def test_login_rate_limit_is_shared_through_redis(tmp_path: Path, database_url: str,
                                                  content_dir: Path) -> None:
    """With RATELIMIT_STORAGE_URI=redis://… every worker draws on one allowance per address."""
    redis = pytest.importorskip("redis")
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"formsvc-test-{uuid.uuid4().hex}"
    apps = [create_app(make_config(tmp_path / f"w{i}", database_url, content_dir,
                                   RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
                                   RATELIMIT_KEY_PREFIX=prefix, LOGIN_RATE_LIMIT="4 per minute"))
            for i in range(2)]
    try:
        # an address of this test's own: the limiter is one object for every app of the process,
        # and the engine before this one (same test, other database) counted 127.0.0.1 already
        address = f"2001:db8::{uuid.uuid4().hex[:4]}"
        codes = [login(client_at(apps[i % 2], address), f"name{i}", "wrong-password-1").status_code
                 for i in range(5)]
        assert codes == [400] * 4 + [429]
        # the count is Redis's, not one process's memory
        assert redis.Redis(host="127.0.0.1", port=6379).keys(f"*{address}*staff.login*")
    finally:
        for app in apps:
            db.get_engine(app).dispose()
