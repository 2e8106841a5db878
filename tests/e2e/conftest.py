"""Browser tests: the real portal (built demo site + formsvc on one port) in Debian's Chromium.

The session builds content/ with Pelican into a temporary folder (as `make build` does), starts
``scripts/serve`` on a free port with a fresh SQLite database in a temporary instance folder (as
`make run` does), and drives /usr/bin/chromium through Playwright for Python. No browser is
downloaded: Playwright only talks to the Chromium Debian installed.

Skipped as a whole, with the reason in pytest's summary, when Chromium or Playwright is missing.
Environment:
  GP_E2E=0               skip the browser tests on purpose
  GP_E2E_REQUIRED=1      fail instead of skipping when they cannot run (CI sets it)
  GP_E2E_CHROMIUM=path   another Chromium binary (default /usr/bin/chromium)
  GP_E2E_ARTIFACTS=dir   where screenshots and reports go (default tests/e2e/artifacts/)
  GP_E2E_PELICAN_SETTINGS='KEY=json;KEY2=json'  extra settings for the site build (pelican -e),
                         e.g. PLUGINS=[...] to try a plugin before pelicanconf.py lists it
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest

from harness import stop
from harness.ports import reserved_port
from tests.e2e import support
from tests.e2e.support import ARTIFACTS, CHROMIUM, unavailable

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run",
               "--lang=zh-CN"]  # the browser's own words (file picker …) in Chinese, as at home
SERVER_START_SECONDS = 60


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = unavailable()
    mine = [item for item in items if HERE in item.path.parents]
    support.COLLECTED["e2e"] = support.COLLECTED["e2e"] or bool(mine)
    if reason and mine and os.environ.get("GP_E2E_REQUIRED") == "1":
        raise pytest.UsageError(f"GP_E2E_REQUIRED=1 but the browser tests cannot run: {reason}")
    for item in mine:
        item.add_marker(pytest.mark.e2e)
        if reason:
            item.add_marker(pytest.mark.skip(reason=f"browser tests skipped: {reason}"))


# --- the site and the server ---------------------------------------------------------------------

# Service routes other parts of the project are still wiring; tests that need one skip, naming it,
# while it answers 404 (not served) or 503 (served, but e.g. the search index is not built).
OPTIONAL_ROUTES = ("/search?q=test", "/hdjl/letters", "/hdjl/stats", "/hdjl/staff/login")


@dataclass
class Server:
    base: str
    log: Path
    output: Path
    env: dict[str, str] = field(default_factory=dict)
    optional: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base + path

    def missing(self, route: str) -> str | None:
        """Why ``route`` (one of OPTIONAL_ROUTES) cannot be tested yet, or None."""
        status = self.optional.get(route)
        if status == 404:
            return f"{route.split('?')[0]} is not served yet (no formsvc route answers it)"
        if status is not None and status >= 500:
            return (f"{route.split('?')[0]} answers {status} (for /search: the search index is not "
                    "built, i.e. the searchindex plugin is not in pelicanconf.PLUGINS yet)")
        return None

    def log_size(self) -> int:
        return self.log.stat().st_size

    def errors_since(self, offset: int) -> list[str]:
        """Tracebacks and 5xx answers the server logged since ``offset``."""
        text = self.log.read_bytes()[offset:].decode("utf-8", "replace")
        return [line for line in text.splitlines()
                if "Traceback" in line or '" 50' in line or line.startswith("ERROR")]


@pytest.fixture(scope="session")
def artifacts() -> Path:
    if ARTIFACTS.exists():
        shutil.rmtree(ARTIFACTS)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def e2e_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


@pytest.fixture(scope="session")
def site_output(e2e_root: Path) -> Path:
    """`make build` into a temporary folder: the real content, settings, plugins and theme."""
    out = e2e_root / "output"
    extra = os.environ.get("GP_E2E_PELICAN_SETTINGS", "")
    done = subprocess.run(
        [sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", str(out),
         *(["-e", *extra.split(";")] if extra else [])],
        cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0 and (out / "index.html").is_file(), \
        f"site build failed:\n{done.stdout}\n{done.stderr}"
    return out


# An 在线访谈 in progress while the tests run (its start in the past, its end in the future),
# written into the e2e copy of content/ that formsvc reads (tests/e2e/test_participation.py).
LIVE_INTERVIEW = "e2e-live-interview"


@pytest.fixture(scope="session")
def e2e_content(e2e_root: Path) -> Path:
    """formsvc's content folder: a copy of content/ plus :data:`LIVE_INTERVIEW`, whose dates
    are relative to now (China time), so the live page refreshes whenever the tests run."""
    from datetime import timedelta

    from portal.participation import china_now

    content = e2e_root / "content"
    shutil.copytree(ROOT / "content", content)
    now, fmt = china_now(), "%Y-%m-%d %H:%M"
    (content / "hd" / "ft" / f"{LIVE_INTERVIEW}.md").write_text(f"""---
title: 浏览器测试直播访谈
department: mzj
starts: "{(now - timedelta(minutes=30)).strftime(fmt)}"
ends: "{(now + timedelta(hours=3)).strftime(fmt)}"
date: "{(now - timedelta(days=1)).strftime(fmt)}"
guests:
  - name: 陈立新
    role: 县民政局局长
---
""", encoding="utf-8")
    return content


@pytest.fixture(scope="session")
def server(e2e_root: Path, site_output: Path, e2e_content: Path) -> Iterator[Server]:
    """`make run` on a free port: scripts/serve (migrations, department sync, portal + formsvc)."""
    instance = e2e_root / "instance"
    instance.mkdir()
    log = e2e_root / "serve.log"
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update({
        "FORMSVC_INSTANCE_PATH": str(instance),  # fresh SQLite database, secret key, uploads
        "FORMSVC_OUTPUT_DIR": str(site_output),
        "FORMSVC_CONTENT_DIR": str(e2e_content),  # content/ and a live interview
        # every test submits from 127.0.0.1: lift the per-address limits (they have their own tests)
        "FORMSVC_SUBMIT_RATE_LIMIT": "10000 per hour",
        "FORMSVC_TRACK_RATE_LIMIT": "10000 per hour",
        "FORMSVC_SURVEY_RATE_LIMIT": "10000 per hour",
        "FORMSVC_SURVEY_ANSWERS_PER_ADDRESS": "10000 per day",
        # the browser tests log staff in more than 60 times an hour (tests/formsvc/workbench/test_auth.py
        # holds the login limit)
        "FORMSVC_LOGIN_RATE_LIMIT": "10000 per hour",
        "PYTHONUNBUFFERED": "1",
    })
    with reserved_port() as port:  # no other worker's server takes it before serve binds it
        with open(log, "wb") as fh:
            proc = subprocess.Popen(
                [sys.executable, str(ROOT / "scripts" / "serve"), "--host", "127.0.0.1", "--port", str(port)],
                cwd=ROOT, env=env, stdout=fh, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + SERVER_START_SECONDS
            while True:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
                if time.monotonic() > deadline:
                    pytest.fail(f"scripts/serve did not listen within {SERVER_START_SECONDS} s:\n"
                                + log.read_text(errors="replace"))
                # waits on the process (and notices when it dies), not a blind sleep
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=0.1)
                    pytest.fail(f"scripts/serve exited with {proc.returncode}:\n"
                                + log.read_text(errors="replace"))
            srv = Server(f"http://127.0.0.1:{port}", log, site_output, env)
            for route in OPTIONAL_ROUTES:
                try:
                    with urlopen(srv.url(route), timeout=30) as r:
                        srv.optional[route] = r.status
                except HTTPError as exc:
                    srv.optional[route] = exc.code
            yield srv
        finally:
            stop(proc)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield b
        b.close()


STAFF = {  # username: (role, department, display name); one password for the test accounts
    "fenban": ("dispatcher", "", "王分办"),
    "rsj-li": ("handler", "rsj", "李承办"),
    "rsj-shen": ("reviewer", "rsj", "沈审核"),
    "ducha": ("supervisor", "", "赵督办"),
    "xzfb-zhang": ("handler", "xzfb", "张公开"),  # 依申请公开 (tests/e2e/test_disclosure.py)
}
STAFF_PASSWORD = "e2e-Passw0rd-示范"


@pytest.fixture(scope="session")
def staff(server: Server) -> dict[str, str]:
    """Workbench accounts, made the way an operator makes them (`flask --app formsvc create-staff`)."""
    if why := server.missing("/hdjl/staff/login"):
        pytest.skip(f"staff journeys: {why}")
    for username, (role, dept, name) in STAFF.items():
        args = [sys.executable, "-m", "flask", "--app", "formsvc", "create-staff", username,
                "--role", role, "--name", name, "--password", STAFF_PASSWORD]
        if dept:
            args += ["--department", dept]
        done = subprocess.run(args, cwd=ROOT, env=server.env, capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, f"create-staff {username}: {done.stdout}{done.stderr}"
    return dict.fromkeys(STAFF, STAFF_PASSWORD)


@pytest.fixture(scope="session")
def site_pages(site_output: Path) -> dict[str, str | None]:
    """Page type → URL of one page of that type in the built demo site."""
    return support.discover(site_output)


# --- a page for each test -------------------------------------------------------------------------

@dataclass
class Opened:
    page: Page
    guard: support.Guard


@pytest.fixture
def open_page(browser: Browser, server: Server) -> Iterator[Callable[..., Page]]:
    """Factory: a fresh browser context (no cookies, no storage) at a width, normal or 关怀版.

    Every context routes all requests (anything not to 127.0.0.1 is aborted and recorded) and
    listens for console errors; the test fails at teardown if any happened, or if the server
    logged a traceback or a 5xx while it ran.
    """
    opened: list[Opened] = []
    log_start = server.log_size()

    def _open(width: int = 1280, care: bool = False, height: int = 800) -> Page:
        storage: Any = {"cookies": [], "origins": []}
        if care:  # what care.js stores when the 关怀版 button is pressed
            storage["origins"].append({"origin": server.base,
                                       "localStorage": [{"name": "gp-care", "value": "1"}]})
        context = browser.new_context(
            base_url=server.base, viewport={"width": width, "height": height}, locale="zh-CN",
            timezone_id="Asia/Shanghai", storage_state=storage)
        context.set_default_timeout(15_000)
        guard = support.Guard()
        guard.attach(context)
        page = context.new_page()
        # window.print() would open a dialog; record the call instead
        page.add_init_script("window.print = () => { window.__printed = (window.__printed || 0) + 1; };")
        opened.append(Opened(page, guard))
        return page

    yield _open
    problems = []
    for o in opened:
        problems += o.guard.problems()
        o.page.context.close()
    problems += [f"server log: {line}" for line in server.errors_since(log_start)]
    assert not problems, "\n".join(problems)
