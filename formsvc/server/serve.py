"""``scripts/serve``: migrate, sync departments, then serve the portal and formsvc on one port."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from flask import Flask
from werkzeug.serving import run_simple

from formsvc import create_app, db
from formsvc.cli import demo
from formsvc.cli import participation as participation_demo
from formsvc.cli.common import session
from formsvc.db import migrate
from formsvc.server.site import make_portal_app
from formsvc.services import departments
from formsvc.web import runtime, security
from portal import ports


def prepare(app: Flask, demo_staff: bool = False) -> None:
    """Bring the database to the current schema and the departments up to date."""
    with app.app_context():
        engine = db.get_engine()
        before = migrate.current_revision(engine)
        migrate.upgrade(engine)
        if before != migrate.current_revision(engine):
            print(f"数据库已升级到 {migrate.current_revision(engine)}（{engine.url.render_as_string()}）")
        with session() as s:
            result = departments.sync(s, app.config["CONTENT_DIR"])
            print("机构同步：" + result.summary())
            created = demo.ensure_demo_staff(s) if demo_staff else []
            if created:  # a fresh demo database: the demo drafts' comments and questions too
                participation_demo.seed_demo(s, app.config)
            if demo_staff:  # the demo county's 网上调查 show figures too
                from formsvc.web.runtime import surveys

                demo.seed_surveys(s, surveys(), app.config)
        if created:
            print(f"演示用工作台账户（密码均为 {demo.DEMO_PASSWORD}，仅供演示）：")
            for username, _role, _dept, name in created:
                print(f"  {username:10} {name}")


def make_wsgi(app: Flask) -> security.SecurityHeaders:
    """The one-port app: formsvc plus output/, every response with the security headers (the
    static files too, as nginx sends them in production)."""
    return security.SecurityHeaders(make_portal_app(app), security.headers(app.config))


def main(argv: list[str] | None = None) -> int:
    """``scripts/serve``: migrate, sync departments, then serve on one port until stopped."""
    parser = argparse.ArgumentParser(
        prog="scripts/serve", description="启动示范县门户（静态站点 + 互动交流服务），单一端口")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--debug", action="store_true", help="代码变化时自动重启（开发用）")
    parser.add_argument("--demo-staff", action="store_true",
                        help="数据库中还没有工作人员账户时，创建演示账户（仅用于演示）")
    args = parser.parse_args(argv)
    if (busy := ports.busy_port_message(args.host, args.port, "make run")) is not None:
        print(busy, file=sys.stderr)
        return 1
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # plain http on this machine: a Secure cookie would not come back from other browsers
    app = create_app({"SESSION_COOKIE_SECURE": False})
    prepare(app, demo_staff=args.demo_staff)
    runtime.log_calendar_state(app)  # a missing holiday schedule, before the first request
    output = Path(app.config["OUTPUT_DIR"])
    if not (output / "index.html").is_file():
        print(f"注意：{output} 中没有生成的门户，请先运行 make build；互动交流服务照常可用。",
              file=sys.stderr)
    print(f"门户：http://{args.host}:{args.port}/    互动交流：http://{args.host}:{args.port}/hdjl/"
          f"    API：http://{args.host}:{args.port}/api/v1/openapi.json")
    run_simple(args.host, args.port, make_wsgi(app), threaded=True,
               use_reloader=args.debug, use_debugger=False)
    return 0
