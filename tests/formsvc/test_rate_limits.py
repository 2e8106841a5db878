"""Rate limits: formsvc.web.extensions' Limiter and the portal's shared scopes.

The Limiter tests build their own small app and limiter: the portal's limiter is one object
shared by every app of the test run, and Flask-Limiter keeps configured default limits on it.
test_tracking.py has the scopes shared by the form and the API, the 429 page and Retry-After.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient

from formsvc.web.extensions import Limiter, client_address
from tests.formsvc.conftest import api_submit, count_rows


def _app(limiter: Limiter, config: dict[str, Any] | None = None,
         decorate: Callable[[Limiter], Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update({"RATELIMIT_STORAGE_URI": "memory://", **(config or {})})

    @app.get("/plain")
    def plain() -> str:
        return "ok"

    @app.get("/limited")
    @limiter.limit("2 per minute")
    def limited() -> str:
        return "ok"

    bp = Blueprint("area", __name__)

    @bp.get("/area")
    def area() -> str:
        return "ok"

    if decorate is not None:
        decorate(limiter)(bp)
    app.register_blueprint(bp)
    limiter.init_app(app)
    return app


def _codes(app: Flask, path: str, n: int = 3) -> list[int]:
    client = app.test_client()
    return [client.get(path).status_code for _ in range(n)]


def test_view_limits_hold_without_the_before_request_pass() -> None:
    limiter = Limiter(key_func=client_address)
    app = _app(limiter)
    assert not limiter.checks_before_request()
    assert _codes(app, "/limited") == [200, 200, 429]
    assert _codes(app, "/plain") == [200, 200, 200]


@pytest.mark.parametrize("config", [
    {"RATELIMIT_DEFAULT": "2 per minute"},
    {"RATELIMIT_APPLICATION": "2 per minute"},
], ids=["default", "application"])
def test_configured_limits_run_the_before_request_pass(config: dict[str, Any]) -> None:
    limiter = Limiter(key_func=client_address)
    app = _app(limiter, config)
    assert limiter.checks_before_request()
    assert _codes(app, "/plain") == [200, 200, 429]


def test_a_blueprint_limit_runs_the_before_request_pass() -> None:
    limiter = Limiter(key_func=client_address)
    app = _app(limiter, decorate=lambda lim: lim.limit("2 per minute"))
    assert limiter.checks_before_request()
    assert _codes(app, "/area") == [200, 200, 429]
    assert _codes(app, "/plain") == [200, 200, 200]


# --- the portal's own scopes (formsvc.web.extensions.shared_scope_limit) -------------------------------


@pytest.mark.parametrize("app_config", [{"SUBMIT_RATE_LIMIT": "3 per hour;2 per day"}])
def test_every_limit_of_the_setting_counts(client: FlaskClient, app: Flask) -> None:
    assert api_submit(client, "zx").status_code == 201
    assert api_submit(client, "jy", content="第二个问题，内容不同，请答复。").status_code == 201
    blocked = api_submit(client, "ts", content="第三个问题，内容又不同，请答复。")
    assert blocked.status_code == 429
    # the day's window is the one that ran out: Retry-After says so, not the hour's
    assert int(blocked.headers["Retry-After"]) > 3600
    assert count_rows(app)["message"] == 2


@pytest.mark.parametrize("app_config", [{"SUBMIT_RATE_LIMIT": "1 per hour",
                                         "TRACK_RATE_LIMIT": "1 per hour"}])
def test_scopes_are_separate_allowances(client: FlaskClient) -> None:
    sub = api_submit(client, "zx").get_json()
    creds = {"tracking_number": sub["tracking_number"], "query_code": sub["query_code"]}
    # tracking draws on its own allowance, not on the submissions'
    assert client.post("/api/v1/track", json=creds).status_code == 200
    assert client.post("/api/v1/track", json=creds).status_code == 429
    assert api_submit(client, "jy", content="另一个不同的问题，请答复。").status_code == 429


@pytest.mark.parametrize("app_config", [{"SUBMIT_RATE_LIMIT": "1 per hour",
                                         "RATELIMIT_ENABLED": False}])
def test_rate_limiting_can_be_switched_off(client: FlaskClient, app: Flask) -> None:
    for n in range(3):
        assert api_submit(client, "zx", content=f"第 {n} 个不同的问题，请答复。").status_code == 201
    assert count_rows(app)["message"] == 3


# Nothing listens on port 1: the counters cannot be reached, as when Redis is down.
UNREACHABLE = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0", "SUBMIT_RATE_LIMIT": "1 per hour"}


@pytest.mark.parametrize("app_config", [UNREACHABLE])
def test_submissions_go_through_when_the_counters_are_unreachable(
        client: FlaskClient, app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("redis")
    for n in range(2):  # over the limit of one: nothing counts while Redis is away
        assert api_submit(client, "zx", content=f"第 {n} 个不同的问题，请答复。").status_code == 201
    assert count_rows(app)["message"] == 2
    assert "rate-limit storage unreachable; submit not counted" in caplog.text


@pytest.mark.parametrize("app_config", [{**UNREACHABLE, "RATELIMIT_SWALLOW_ERRORS": False}])
def test_without_swallowing_an_unreachable_store_refuses_and_stores_nothing(
        client: FlaskClient, app: Flask) -> None:
    pytest.importorskip("redis")
    r = api_submit(client, "zx")
    assert r.status_code == 500 and "query_code" not in r.get_json()
    assert count_rows(app)["message"] == 0


@pytest.mark.parametrize("app_config", [UNREACHABLE])
def test_the_staff_login_answers_when_the_counters_are_unreachable(client: FlaskClient) -> None:
    pytest.importorskip("redis")
    from tests.formsvc.workbench.helpers import login

    # a wrong password is refused as usual (400), not a 500 from the limiter
    assert login(client, "nobody", "wrong-password-1").status_code == 400
