"""formsvc.web.session_cookie: the same sessions as Flask's, no signer for requests without a cookie."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask, session

from formsvc.web.session_cookie import CookieSessionInterface


@pytest.fixture()
def app() -> Flask:
    app = Flask(__name__)
    app.secret_key = "test-secret"
    app.session_interface = CookieSessionInterface()

    @app.get("/count")
    def count() -> str:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    @app.get("/peek")
    def peek() -> str:
        return str(session.get("n", 0))

    return app


def test_a_session_round_trips_through_its_cookie(app: Flask) -> None:
    client = app.test_client()
    assert [client.get("/count").text for _ in range(3)] == ["1", "2", "3"]
    assert client.get("/peek").text == "3"


def test_no_cookie_no_signer_and_no_cookie_set(app: Flask, monkeypatch: Any) -> None:
    def refuse(*_a: Any) -> None:
        raise AssertionError("signer built for a request without a session cookie")

    monkeypatch.setattr(CookieSessionInterface, "get_signing_serializer", refuse)
    r = app.test_client().get("/peek")
    assert r.text == "0"
    assert "Set-Cookie" not in r.headers


def test_a_forged_cookie_gives_an_empty_session(app: Flask) -> None:
    client = app.test_client()
    client.get("/count")
    client.set_cookie("session", client.get_cookie("session").value[:-2] + "xx")
    assert client.get("/peek").text == "0"


def test_the_portal_uses_it() -> None:
    from formsvc import create_app

    portal = create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "SECRET_KEY": "k"})
    assert isinstance(portal.session_interface, CookieSessionInterface)
