"""formsvc: the portal's message service (咨询, 建议, 投诉, 投资咨询, 依申请公开).

``create_app`` reads as the list of steps that build the application, in the order they run:
a small function below, or ``_call(module, function)`` where a module's own ``init_app`` (or
``register``) is the whole step.
"""

from __future__ import annotations

import importlib
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
    # imported here, not above: the site build imports formsvc.domain.kinds and formsvc.config (the time
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
        _call("formsvc.db", "init_app"),  # the engine and the request's session
        _call("formsvc.web.replica", "init_app"),  # read-only public pages on the replica
        _watch_sessions,
        _call("formsvc.web.audit_log", "init_app"),
        _init_extensions,
        _call("formsvc.web.templating", "init_app"),  # render through the portal's theme
        _register_blueprints,
        _call("formsvc.web.errors", "register"),
        _call("formsvc.web.security", "init_app"),  # the headers every response carries
        _call("formsvc.cli", "register"),
    ]
    for step in steps:
        step(app)
    return app


def _call(module: str, function: str) -> Callable[[Flask], None]:
    """A step that imports ``module`` when it runs (a light ``import formsvc``) and calls its
    ``function(app)``."""

    def step(app: Flask) -> None:
        getattr(importlib.import_module(module), function)(app)

    step.__qualname__ = step.__name__ = f"{module}.{function}"
    return step


def _load_config(overrides: Mapping[str, Any] | None) -> Callable[[Flask], None]:
    def load_config(app: Flask) -> None:
        app.config.update(defaults.load(overrides))

    return load_config


def _resolve_paths(app: Flask) -> None:
    inst = Path(app.instance_path)
    cfg = app.config
    cfg["INSTANCE_PATH"] = str(inst)
    if not cfg.get("DATABASE_URL"):
        inst.mkdir(parents=True, exist_ok=True)
        cfg["DATABASE_URL"] = f"sqlite:///{inst / 'formsvc.sqlite3'}"
    # SQLAlchemy needs the psycopg 3 driver named; hosting panels hand out postgres://…
    for key in ("DATABASE_URL", "DATABASE_REPLICA_URL"):
        url = cfg.get(key) or ""
        for old in ("postgres://", "postgresql://"):
            if url.startswith(old):
                cfg[key] = "postgresql+psycopg://" + url[len(old):]
    cfg["UPLOAD_DIR"] = str(Path(cfg.get("UPLOAD_DIR") or inst / "uploads"))
    cfg["REPORT_DIR"] = str(Path(cfg.get("REPORT_DIR") or inst / "tongbao"))
    cfg["HOLIDAYS_FILE"] = str(defaults.holidays_file(cfg))
    cfg["SEARCH_INDEX_DIR"] = str(Path(cfg.get("SEARCH_INDEX_DIR")
                                       or Path(cfg["OUTPUT_DIR"]) / "_search"))
    cfg["SEARCH_LETTERS_DIR"] = str(Path(cfg.get("SEARCH_LETTERS_DIR") or inst / "search-letters"))


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
    from formsvc.web.session_cookie import CookieSessionInterface

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


def _watch_sessions(app: Flask) -> None:
    from formsvc.services import departments, stats

    # the hooks live with the rules they apply; the models import no service
    maker = app.extensions["formsvc.sessionmaker"]
    stats.watch(maker)  # message_stats follows every change of a message
    departments.watch(maker)  # the per-process registry copy follows a changed department


def _init_extensions(app: Flask) -> None:
    from formsvc.web.extensions import csrf, limiter

    csrf.init_app(app)
    limiter.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from formsvc.api import bp as api_bp
    from formsvc.api import open311_bp
    from formsvc.letters import bp as letters_bp
    from formsvc.participation import bp as participation_bp
    from formsvc.public import bp as public_bp
    from formsvc.search import bp as search_bp
    from formsvc.staff import bp as staff_bp
    from formsvc.surveys import bp as surveys_bp
    from formsvc.web.extensions import csrf

    app.register_blueprint(public_bp)
    app.register_blueprint(letters_bp)  # /hdjl/letters, /hdjl/stats
    app.register_blueprint(staff_bp)  # /hdjl/staff/: the department workbench
    app.register_blueprint(search_bp)  # /search
    app.register_blueprint(participation_bp)  # /hdjl/yjzj/, /hdjl/ft/: drafts and interviews
    app.register_blueprint(surveys_bp)  # /hdjl/surveys: 网上调查
    # every /api/v1 route, /api/v1/healthz for the load balancer too; the JSON API is not
    # cookie-authenticated, so CSRF does not apply to it
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(open311_bp)  # Open311 GeoReport v2: the same keys, no cookies
    app.register_blueprint(open311_bp)
