"""Security headers on every answer, one policy for formsvc and nginx, no inline code anywhere.

The one-port app of ``make run`` (``formsvc.server.serve.make_wsgi``: formsvc plus a built site) is
asked for every page type of the built site and every GET route of formsvc, the workbench's
included; each answer must carry the headers of ``formsvc.web.security`` exactly once. The nginx file
production uses must say the same. Every HTML page (built by the theme, or rendered by the service
with a message full of markup in it) must work under a policy without 'unsafe-inline': no inline
<script>, no <style>, no style="", no on* handler, no javascript: URL.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import pytest
from flask import Flask
from werkzeug.serving import make_server
from werkzeug.test import Client, TestResponse

from formsvc import create_app, db
from formsvc.db import migrate
from formsvc.server.serve import make_wsgi
from formsvc.services import auth, departments
from formsvc.web import security
from harness.ports import reserved_port

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx" / "security-headers.conf"
PASSWORD = "headers-Passw0rd-示范"
MARKUP = '<script>window.__xss(1)</script><img src=x onerror="__xss(2)"> " onfocus="__xss(3)'


# --- the policy ------------------------------------------------------------------------------------

def nginx_headers(text: str) -> tuple[dict[str, str], set[str]]:
    """add_header name → value, and the proxy_hide_header names, of an nginx include file."""
    added = dict(re.findall(r'^\s*add_header\s+([\w-]+)\s+"([^"]*)"\s+always\s*;', text, re.M))
    hidden = set(re.findall(r"^\s*proxy_hide_header\s+([\w-]+)\s*;", text, re.M))
    return added, hidden


def test_policy_has_no_inline_or_eval_and_covers_framing() -> None:
    csp = security.CONTENT_SECURITY_POLICY
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'self'"
    assert directives["frame-ancestors"] == "'self'"
    assert not re.search(r"https?:|\*", csp), "nothing from another host"
    base = security.headers({})
    for name in ("X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options",
                 "Permissions-Policy"):
        assert base[name]
    assert security.HSTS not in base  # only when configured for production


def test_nginx_file_sends_exactly_the_service_policy() -> None:
    added, hidden = nginx_headers(NGINX_CONF.read_text(encoding="utf-8"))
    production = security.headers({"HSTS_MAX_AGE": security.PRODUCTION_HSTS_MAX_AGE})
    assert added == production
    # behind nginx the service's own copies are hidden, so each header arrives once
    assert hidden == set(production)
    assert [f'add_header {k} "{v}" always;' for k, v in added.items()] == security.nginx_lines()


def test_the_e2e_tests_use_the_same_policy() -> None:
    from tests.e2e import support

    assert support.production_csp() == security.CONTENT_SECURITY_POLICY


NGINX = Path("/usr/sbin/nginx")
NGINX_TEST_CONF = """
user root;
pid {root}/nginx.pid;
error_log {root}/error.log;
events {{}}
http {{
  access_log off;
  client_body_temp_path {root}/tmp-body; proxy_temp_path {root}/tmp-proxy;
  fastcgi_temp_path {root}/tmp-fcgi; uwsgi_temp_path {root}/tmp-uwsgi; scgi_temp_path {root}/tmp-scgi;
  include portal/portal-zones.conf;
  upstream formsvc {{ server 127.0.0.1:{upstream}; }}
  server {{
    listen 127.0.0.1:{port};
    root {root}/output;
    include portal/security-headers.conf;
    include portal/portal-locations.conf;
  }}
}}
"""


@pytest.mark.skipif(not NGINX.is_file(), reason="nginx is not installed (apt-get install nginx)")
def test_nginx_sends_each_header_once_static_and_proxied(tmp_path: Path) -> None:
    """The deployed include files in a real nginx in front of a service that sends the headers
    too: every header arrives once (the service's copies are hidden), static files the same."""
    upstream = make_server("127.0.0.1", 0, _upstream_app, threaded=True)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    (tmp_path / "portal").mkdir()
    for conf in NGINX_CONF.parent.glob("*.conf"):  # the include files; portal.conf is the site
        if conf.name != "portal.conf":
            shutil.copy(conf, tmp_path / "portal" / conf.name)
    (tmp_path / "output").mkdir()
    (tmp_path / "output" / "index.html").write_text("<h1>首页</h1>", encoding="utf-8")
    with reserved_port() as port:  # nginx binds it; no other worker is given it meanwhile
        (tmp_path / "nginx.conf").write_text(NGINX_TEST_CONF.format(
            root=tmp_path, upstream=upstream.server_port, port=port), encoding="utf-8")
        proc = subprocess.Popen([str(NGINX), "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                                 "-g", "daemon off;"], stderr=subprocess.PIPE)
        try:
            for _ in range(100):
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.1):
                    break
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=0.05)
                    pytest.fail(f"nginx exited: {proc.stderr.read().decode() if proc.stderr else ''}")
            production = security.headers({"HSTS_MAX_AGE": security.PRODUCTION_HSTS_MAX_AGE})
            for path in ("/", "/hdjl/"):
                with urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
                    for name, value in production.items():
                        assert r.headers.get_all(name) == [value], (path, name, r.headers.get_all(name))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
            if proc.stderr:
                proc.stderr.close()
            upstream.shutdown()
            upstream.server_close()


def _upstream_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    # what formsvc sends behind nginx: its own copy of every header (other values, to tell apart)
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                              *((k, "formsvc-copy") for k in security.headers({"HSTS_MAX_AGE": 1}))])
    return ["<h1>互动交流</h1>".encode()]


# --- the one-port app ----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def app(built_site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    inst = tmp_path_factory.mktemp("headers-instance")
    app = create_app({
        "TESTING": True, "SECRET_KEY": "headers-test", "WTF_CSRF_ENABLED": False,
        "INSTANCE_PATH": str(inst), "DATABASE_URL": f"sqlite:///{inst / 'db.sqlite3'}",
        "OUTPUT_DIR": str(built_site), "CONTENT_DIR": str(ROOT / "content"),
        "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        engine = db.get_engine()
        migrate.upgrade(engine)
        session = db.new_session()
        departments.sync(session, app.config["CONTENT_DIR"])
        auth.create_staff(session, username="h-admin", password=PASSWORD, role="admin")
        session.close()
    yield app
    db.get_engine(app).dispose()


class Buffered(Client):
    # buffered: a static file's stream is closed by the time the test reads the body
    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="module")
def portal(app: Flask) -> Client:
    return Buffered(make_wsgi(app))


@pytest.fixture(scope="module")
def seeded(portal: Client) -> dict[str, str]:
    """One message with markup in every text field, dispatched, so every workbench page shows it."""
    r = portal.post("/api/v1/messages", json={
        "kind": "zx", "name": MARKUP[:50], "phone": "13912345678", "subject": MARKUP,
        "content": "留言内容：" + MARKUP, "consent_publish": True})
    assert r.status_code == 201, r.get_data(as_text=True)
    receipt = r.get_json()
    assert portal.post("/hdjl/staff/login", data={"username": "h-admin", "password": PASSWORD}
                       ).status_code == 303
    return {"number": receipt["tracking_number"], "code": receipt["query_code"]}


def assert_security_headers(r: TestResponse, where: str, hsts: bool = False) -> None:
    for name, value in security.headers({}).items():
        got = r.headers.getlist(name)
        assert got == [value], f"{where}: {name} = {got!r}"
    assert (security.HSTS in r.headers) is hsts, where


def static_paths(out: Path) -> list[str]:
    """One URL per kind of file the build writes (every HTML page; the first of other types)."""
    paths, seen = [], set()
    for f in sorted(out.rglob("*")):
        if not f.is_file() or "_search" in f.parts:
            continue
        rel = "/" + f.relative_to(out).as_posix()
        if f.suffix == ".html":
            paths.append(rel.removesuffix("index.html"))
        elif f.suffix not in seen:
            seen.add(f.suffix)
            paths.append(rel)
    return paths + ["/no-such-page.html", "/xxgk"]  # the 404 page and a directory redirect


def test_every_static_file_type_has_the_headers(portal: Client, built_site: Path) -> None:
    paths = static_paths(built_site)
    assert len(paths) > 10 and any(p.endswith(".css") for p in paths)
    for path in paths:
        assert_security_headers(portal.get(path), path)


def service_get_paths(app: Flask, seeded: dict[str, str]) -> list[str]:
    """Every GET rule of formsvc with sample arguments (the seeded message's number, letter 1)."""
    samples = {"number": seeded["number"], "kind_code": "zx", "letter_id": "1",
               "attachment_id": "1", "filename": "staff.css",
               # the tracking page's downloads and the rating link (refused here: no session,
               # no valid signature; the refusals carry the headers too)
               "stored_name": "0" * 32 + ".pdf", "token": "x",
               "service_request_id": seeded["number"],
               # the open demo draft and live interview of tests/formsvc/participation_data.py,
               # the open survey of the test content (tests/formsvc/conftest.py)
               "slug": "open-draft", "text_id": "1",
               # a key reads what it submitted (answers 401 here: no key)
               "tracking_number": seeded["number"]}
    out = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()):
            continue
        path = rule.rule
        for arg in rule.arguments:
            path = re.sub(rf"<(?:\w+:)?{arg}>", samples[arg], path)
        out.append(path.replace("/ft/open-draft", "/ft/live")
                   .replace("/surveys/open-draft", "/surveys/rsj-open"))
    return sorted(set(out))


def test_every_service_route_has_the_headers(app: Flask, portal: Client,
                                             seeded: dict[str, str]) -> None:
    paths = service_get_paths(app, seeded)
    assert {"/hdjl/staff/inbox", "/hdjl/letters", "/api/v1/openapi.json"} <= set(paths)
    for path in paths:
        assert_security_headers(portal.get(path), path)
    for path, kwargs in (("/api/v1/messages", {"json": {}}), ("/hdjl/track", {"data": {}}),
                         ("/api/v1/nothing", {})):
        assert_security_headers(portal.post(path, **kwargs), f"POST {path}")
    # gunicorn serves formsvc without scripts/serve's wrapper: the app adds them itself
    alone = app.test_client()
    for path in paths:
        assert_security_headers(alone.get(path, buffered=True), f"formsvc alone: {path}")


def test_hsts_only_when_configured(built_site: Path, tmp_path: Path) -> None:
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "INSTANCE_PATH": str(tmp_path),
                      "OUTPUT_DIR": str(built_site), "HSTS_MAX_AGE": 31536000})
    client = Buffered(make_wsgi(app))
    for path in ("/", "/api/v1/openapi.json"):
        r = client.get(path)
        assert r.headers.getlist(security.HSTS) == ["max-age=31536000"], path


# --- no inline code in any HTML ------------------------------------------------------------------

class _InlineCode(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' blocks, or what only injected markup would be."""

    URL_ATTRS = ("href", "src", "action", "formaction", "xlink:href")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script":
            self._script = True
            if not names.get("src"):
                self.found.append("inline <script> (no src)")
        if tag == "style":
            self.found.append("<style> element")
        for attr, value in attrs:
            if attr.startswith("on"):
                self.found.append(f"{attr}= handler on <{tag}>")
            if attr == "style":
                self.found.append(f'style="{(value or "")[:40]}" on <{tag}>')
            if attr in self.URL_ATTRS and re.sub(r"[\s\x00-\x1f]", "", value or "").lower(
                    ).startswith(("javascript:", "vbscript:")):
                self.found.append(f"{attr}={(value or '')[:40]} on <{tag}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = False

    def handle_data(self, data: str) -> None:
        if self._script and data.strip():
            self.found.append(f"inline script text: {data.strip()[:60]}")


def inline_code(html: str) -> list[str]:
    """Inline script or style, on* handlers and javascript: URLs in ``html``."""
    parser = _InlineCode()
    parser.feed(html)
    parser.close()
    return parser.found


def test_the_scan_finds_inline_code() -> None:
    bad = ('<script>x()</script><script src="/a.js"></script><style>p{}</style>'
           '<p style="color:red" onclick="x()"><a href=" JavaScript:x()">a</a></p>')
    found = " | ".join(inline_code(bad))
    for what in ("inline <script>", "inline script text", "<style>", 'style="', "onclick=",
                 "href="):
        assert what in found, what
    assert inline_code('<script src="/theme/js/site.js" defer></script><p class="x">a</p>') == []


def test_built_site_has_no_inline_code(built_site: Path) -> None:
    pages = sorted(built_site.rglob("*.html"))
    assert len(pages) > 10
    problems = [f"{p.relative_to(built_site)}: {x}" for p in pages
                for x in inline_code(p.read_text(encoding="utf-8"))]
    assert not problems, "\n".join(problems)


def test_service_pages_have_no_inline_code(app: Flask, portal: Client,
                                           seeded: dict[str, str]) -> None:
    number = seeded["number"]
    assert portal.post(f"/hdjl/staff/m/{number}/note", data={"note": MARKUP}).status_code == 303
    pages = {path: portal.get(path) for path in service_get_paths(app, seeded)}
    pages["POST /hdjl/track"] = portal.post("/hdjl/track", data={
        "tracking_number": number, "query_code": seeded["code"]})
    pages["POST /hdjl/zx/new (errors)"] = portal.post("/hdjl/zx/new", data={"subject": MARKUP})
    html = {k: r for k, r in pages.items() if r.mimetype == "text/html"}
    assert len(html) > 15
    shown = html[f"/hdjl/staff/m/{number}"].get_data(as_text=True)
    assert "&lt;script&gt;window.__xss(1)&lt;/script&gt;" in shown  # the markup is there, as text
    problems = [f"{path}: {x}" for path, r in html.items()
                for x in inline_code(r.get_data(as_text=True))]
    assert not problems, "\n".join(problems)
