"""Error answers: Chinese, no stack trace, no file path, no SQL, no secret.

Exceptions are forced inside a view (a service raising with secrets and SQL in its message) and
inside the database layer (every statement failing with the driver's error, and a database that
cannot be reached at all), with TESTING off as in production. Every HTML page and JSON body must
hold the Chinese apology and none of the leak markers. 404, 405, 413 and 429 are checked the same
way, as pages and as JSON.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from formsvc import create_app, db
from formsvc.config import HOTLINE
from formsvc.services import tracking
from formsvc.web.errors import MESSAGES, with_hotline
from tests.formsvc.conftest import ROOT, csrf_from, make_config, soup
from tests.formsvc.workbench.helpers import login, make_staff

SECRET_KEY = "sk-leak-canary-9f8e7d6c5b4a"
QUERY_CODE_KEY = "qk-leak-canary-1a2b3c4d5e6f"
DB_PASSWORD = "pw-leak-canary-77e1"
SQL = "SELECT message.phone, message.name FROM message WHERE message.tracking_number = 'ZX1'"
CJK = re.compile(r"[\u4e00-\u9fff]{4,}")
# what an error answer must never contain
LEAKS = [SECRET_KEY, QUERY_CODE_KEY, DB_PASSWORD, "Traceback", 'File "', ".py", str(ROOT),
         "SELECT", "FROM message", "sqlalchemy", "sqlite3", "psycopg", "OperationalError",
         "RuntimeError", "Werkzeug Debugger", "postgresql"]


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"TESTING": False, "SECRET_KEY": SECRET_KEY, "QUERY_CODE_KEY": QUERY_CODE_KEY,
            "MAX_CONTENT_LENGTH": 64 * 1024, "TRACK_RATE_LIMIT": "3 per minute",
            "LOGIN_RATE_LIMIT": "100 per minute"}


# a database that fails is a 500, or a 503 ("try again later") where the app tells them apart
DB_DOWN = (500, 503)


def assert_clean(r: Any, status: int | tuple[int, ...], what: str) -> None:
    body = r.get_data(as_text=True)
    allowed = status if isinstance(status, tuple) else (status,)
    assert r.status_code in allowed, (what, r.status_code, body[:300])
    status = r.status_code
    for leak in LEAKS:
        assert leak not in body, f"{what}: {leak!r} in the answer"
    for name, value in r.headers.items():
        for leak in (SECRET_KEY, QUERY_CODE_KEY, DB_PASSWORD, "Traceback"):
            assert leak not in value, f"{what}: {leak!r} in header {name}"
    # the shared messages of formsvc.web.errors; a 503 may say more specifically what failed
    message = (with_hotline(MESSAGES[status][1], {"HOTLINE": HOTLINE})
               if status in MESSAGES and status != 503 else "")
    if r.is_json:
        data = r.get_json()
        assert set(data) <= {"code", "message", "fields"} and data["code"], (what, data)
        text = data["message"]
    else:
        page = soup(r)
        assert page.html is not None and page.html.get("lang") == "zh-CN", what
        main = page.find("main") or page
        text = main.get_text(" ", strip=True)
    assert message in text and CJK.search(text), (what, message, text[:200])


def _track_form(client: FlaskClient) -> dict[str, str]:
    token = csrf_from(soup(client.get("/hdjl/track")))
    return {"csrf_token": token, "tracking_number": "ZX20261123-ABCDEF", "query_code": "ABCDEF"}


# --- an exception inside a view --------------------------------------------------------------------


def test_exception_in_a_view(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError(f"boom {SECRET_KEY} {QUERY_CODE_KEY} {SQL} at {ROOT}/formsvc/x.py")

    monkeypatch.setattr(tracking, "find", explode)
    client = app.test_client()
    assert_clean(client.post("/hdjl/track", data=_track_form(client)), 500, "HTML view")
    r = client.post("/api/v1/track", json={"tracking_number": "ZX20261123-ABCDEF",
                                           "query_code": "ABCDEF"})
    assert_clean(r, 500, "JSON view")
    assert r.get_json()["code"] == "internal_error"


# --- the database layer failing --------------------------------------------------------------------


def test_exception_in_the_database_layer(app: Flask) -> None:
    make_staff(app, "h", "handler", "rsj")
    client = app.test_client()
    assert login(client, "h").status_code == 303
    track_form = _track_form(client)
    visitor = app.test_client()  # someone about to log in
    login_form = {"csrf_token": csrf_from(soup(visitor.get("/hdjl/staff/login"))),
                  "username": "h", "password": "x" * 12}
    engine = db.get_engine(app)

    def fail(*_args: Any) -> None:
        raise OperationalError(SQL, {"password": DB_PASSWORD, "key": SECRET_KEY},
                               Exception(f"disk I/O error in {ROOT}/instance/formsvc.sqlite3"))

    event.listen(engine, "before_cursor_execute", fail)
    try:
        cases = [
            ("HTML tracking", client.post("/hdjl/track", data=track_form)),
            ("HTML letters", client.get("/hdjl/letters")),
            ("HTML form", client.get("/hdjl/zx/new")),
            ("workbench page (session check)", client.get("/hdjl/staff/inbox")),
            ("login", visitor.post("/hdjl/staff/login", data=login_form)),
            ("JSON departments", client.get("/api/v1/departments")),
            ("JSON track", client.post("/api/v1/track", json={
                "tracking_number": "ZX20261123-ABCDEF", "query_code": "ABCDEF"})),
        ]
    finally:
        event.remove(engine, "before_cursor_execute", fail)
    for what, r in cases:
        assert_clean(r, DB_DOWN, what)


def test_unreachable_database(tmp_path: Path, content_dir: Path) -> None:
    """A database that refuses connections: pages and JSON say sorry, never the URL."""
    url = f"postgresql+psycopg://portal:{DB_PASSWORD}@127.0.0.1:9/portal?connect_timeout=2"
    broken = create_app(make_config(tmp_path, url, content_dir, TESTING=False,
                                    SECRET_KEY=SECRET_KEY, QUERY_CODE_KEY=QUERY_CODE_KEY))
    client = broken.test_client()
    try:
        assert_clean(client.get("/hdjl/letters"), DB_DOWN, "HTML letters")
        assert_clean(client.post("/hdjl/track", data=_track_form(client)), DB_DOWN,
                     "HTML tracking")
        assert_clean(client.get("/api/v1/departments"), DB_DOWN, "JSON departments")
        r = client.get("/api/v1/healthz")
        assert r.status_code == 503 and r.get_json()["database"] == "unavailable"
        assert DB_PASSWORD not in r.get_data(as_text=True)
    finally:
        db.get_engine(broken).dispose()


# --- 404, 405, 413, 429 ----------------------------------------------------------------------------


def test_client_errors_in_chinese(app: Flask) -> None:
    client = app.test_client()
    assert_clean(client.get("/hdjl/no-such-page"), 404, "HTML 404")
    assert_clean(client.get("/hdjl/letters/999999"), 404, "HTML 404 (unknown letter)")
    assert_clean(client.get("/api/v1/no-such-thing"), 404, "JSON 404")
    assert_clean(client.get("/hdjl/track/rate"), 405, "HTML 405")
    assert_clean(client.get("/api/v1/messages"), 405, "JSON 405")
    big = "长" * (64 * 1024)
    token = csrf_from(soup(client.get("/hdjl/zx/new")))
    assert_clean(client.post("/hdjl/zx/new", data={"csrf_token": token, "content": big}), 413,
                 "HTML 413")
    assert_clean(client.post("/api/v1/messages", json={"kind": "zx", "content": big}), 413,
                 "JSON 413")
    api = [client.post("/api/v1/track", json={"tracking_number": "ZX1", "query_code": "X"})
           for _ in range(4)]
    assert_clean(api[-1], 429, "JSON 429")
    assert int(api[-1].headers["Retry-After"]) > 0
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    pages = [other.post("/hdjl/track", data=_track_form(other)) for _ in range(4)]
    assert_clean(pages[-1], 429, "HTML 429")
