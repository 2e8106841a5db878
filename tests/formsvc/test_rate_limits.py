"""formsvc.extensions.Limiter: the before-request pass is skipped only while it has nothing to check.

Each test builds its own small app and limiter: the portal's limiter is one object shared by every
app of the test run, and Flask-Limiter keeps configured default limits on it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Blueprint, Flask

from formsvc.extensions import Limiter, client_address


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
