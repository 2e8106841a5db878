"""The session cookie: HttpOnly and SameSite=Lax always, Secure in production by default.

SESSION_COOKIE_SECURE left unset (None) means production: create_app turns it on unless DEBUG or
TESTING is set. ``make run`` serves plain http and passes False itself; nothing in the deployed
environment file may turn it off.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from formsvc import create_app, db
from tests.formsvc.conftest import ROOT, make_config
from tests.formsvc.workbench.helpers import login, make_staff


def session_cookie(app: Flask) -> dict[str, Any]:
    """The attributes of the session cookie set by a staff login."""
    make_staff(app, "h", "handler", "rsj")
    client = app.test_client()
    r = login(client, "h")
    assert r.status_code == 303
    headers = [v for v in r.headers.getlist("Set-Cookie") if v.startswith("session=")]
    assert len(headers) == 1, r.headers.getlist("Set-Cookie")
    parts = [p.strip() for p in headers[0].split(";")[1:]]
    attrs: dict[str, Any] = {}
    for part in parts:
        key, _, value = part.partition("=")
        attrs[key.lower()] = value or True
    return attrs


def _app(tmp_path: Path, database_url: str, content_dir: Path, **extra: Any) -> Flask:
    return create_app(make_config(tmp_path, database_url, content_dir, **extra))


@pytest.mark.parametrize(("extra", "secure"), [
    ({"TESTING": False}, True),  # production: nothing set
    ({"TESTING": False, "SESSION_COOKIE_SECURE": False}, False),  # `make run`, plain http
    ({"TESTING": False, "DEBUG": True}, False),
    ({"TESTING": True}, False),
])
def test_session_cookie_attributes(tmp_path: Path, database_url: str, content_dir: Path,
                                   app: Flask, extra: dict[str, Any], secure: bool) -> None:
    # ``app`` (the shared fixture) has synced the departments and empties the tables afterwards
    probe = _app(tmp_path / "probe", database_url, content_dir, **extra)
    try:
        attrs = session_cookie(probe)
    finally:
        db.get_engine(probe).dispose()
    assert attrs.get("httponly") is True
    assert attrs.get("samesite") in ("Lax", "Strict")
    assert attrs.get("path") == "/"
    assert ("secure" in attrs) is secure, (extra, attrs)


def test_secure_from_the_environment(tmp_path: Path, database_url: str, content_dir: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """FORMSVC_SESSION_COOKIE_SECURE=false/true (JSON-decoded) wins over the automatic choice."""
    for value, expected in (("false", False), ("true", True)):
        monkeypatch.setenv("FORMSVC_SESSION_COOKIE_SECURE", value)
        probe = create_app({"TESTING": True, "SECRET_KEY": "x",
                            "INSTANCE_PATH": str(tmp_path / value), "DATABASE_URL": database_url})
        assert probe.config["SESSION_COOKIE_SECURE"] is expected
        db.get_engine(probe).dispose()


def test_deployed_environment_keeps_cookies_secure() -> None:
    text = (ROOT / "deploy" / "formsvc.env.example").read_text(encoding="utf-8")
    settings = dict(re.findall(r"^\s*([A-Z_]+)=(.*)$", text, re.M))
    assert settings.get("FORMSVC_SESSION_COOKIE_SECURE", "true").strip('"').lower() != "false"
    assert "FORMSVC_DEBUG" not in settings and "FLASK_DEBUG" not in settings
