"""formsvc: the portal's message service (咨询, 建议, 投诉, 投资咨询, 依申请公开).

``create_app`` reads as the list of steps that build the application; each step is a small
function below, in the order it runs.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from formsvc import config as defaults

if TYPE_CHECKING:
    from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then FORMSVC_* env, then ``config``."""
    # imported here, not above: the site build imports formsvc.kinds and formsvc.config (the time
    # limits) and would otherwise load Flask for nothing (~55 ms of every build)
    from flask import Flask

    # no static folder: assets are the theme's, served with the portal from output/theme/
    app = Flask(__name__, instance_path=str(defaults.instance_path(config)),
                instance_relative_config=True, static_folder=None)
    steps: list[Callable[[Flask], None]] = [
        _load_config(config),
        _resolve_paths,
        _ensure_secret_key,
        _secure_cookies,
        _trust_proxies,
        _configure_json,
        _init_database,
        _init_audit_log,
        _init_extensions,
        _init_templates,
        _register_blueprints,
        _register_health,
        _register_error_handlers,
        _security_headers,
        _register_cli,
    ]
    for step in steps:
        step(app)
    return app


def _load_config(overrides: Mapping[str, Any] | None) -> Callable[[Flask], None]:
    def load_config(app: Flask) -> None:
        app.config.update(defaults.load(overrides))

    return load_config


def _resolve_paths(app: Flask) -> None:
    inst = Path(app.instance_path)
    cfg = app.config
    if not cfg.get("DATABASE_URL"):
        inst.mkdir(parents=True, exist_ok=True)
        cfg["DATABASE_URL"] = f"sqlite:///{inst / 'formsvc.sqlite3'}"
    # SQLAlchemy needs the psycopg 3 driver named; hosting panels hand out postgres://…
    url = cfg["DATABASE_URL"]
    for old in ("postgres://", "postgresql://"):
        if url.startswith(old):
            cfg["DATABASE_URL"] = "postgresql+psycopg://" + url[len(old):]
    cfg["UPLOAD_DIR"] = str(Path(cfg.get("UPLOAD_DIR") or inst / "uploads"))
    cfg["HOLIDAYS_FILE"] = str(Path(cfg.get("HOLIDAYS_FILE") or inst / "holidays.yml"))


def _ensure_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    # A fresh clone must work with `make run`: keep a random key in instance/, never in git.
    path = Path(app.instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
    app.config["SECRET_KEY"] = path.read_text().strip()


def _secure_cookies(app: Flask) -> None:
    from formsvc.session_cookie import CookieSessionInterface

    app.session_interface = CookieSessionInterface()
    # None: production unless debugging or testing; `make run` (plain http) passes False
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = not (app.debug or app.testing)


def _trust_proxies(app: Flask) -> None:
    n = int(app.config.get("PROXY_COUNT") or 0)
    if n:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]


def _configure_json(app: Flask) -> None:
    # API clients and people reading curl output get Chinese as Chinese, not \uXXXX escapes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]


def _init_database(app: Flask) -> None:
    from formsvc import db

    db.init_app(app)


def _init_audit_log(app: Flask) -> None:
    from formsvc import audit_log

    audit_log.init_app(app)


def _init_extensions(app: Flask) -> None:
    from formsvc.extensions import csrf, limiter

    csrf.init_app(app)
    limiter.init_app(app)


def _init_templates(app: Flask) -> None:
    from formsvc import templating

    templating.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from formsvc.api import bp as api_bp
    from formsvc.extensions import csrf
    from formsvc.letters import bp as letters_bp
    from formsvc.public import bp as public_bp
    from formsvc.search import bp as search_bp
    from formsvc.staff import bp as staff_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(letters_bp)  # /hdjl/letters, /hdjl/stats and their JSON
    app.register_blueprint(staff_bp)  # /hdjl/staff/: the department workbench
    app.register_blueprint(search_bp)  # /search and /api/v1/search
    # the JSON API is not cookie-authenticated, so CSRF does not apply to it
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)


def _register_health(app: Flask) -> None:
    from formsvc import health

    app.register_blueprint(health.bp)  # /api/v1/healthz for the load balancer


def _register_error_handlers(app: Flask) -> None:
    from formsvc import errors

    errors.register(app)


def _security_headers(app: Flask) -> None:
    from formsvc import security

    security.init_app(app)


def _register_cli(app: Flask) -> None:
    from formsvc import cli

    cli.register(app)
