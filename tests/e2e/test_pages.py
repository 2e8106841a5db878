"""Every page type, in normal and 关怀版 mode, at 360 px and 1280 px: axe-core (WCAG 2.1 A + AA)
finds nothing, nothing scrolls sideways on a phone, every field is labelled, the page stays under
the weight budget; a full-page screenshot of each goes to the artifacts folder.

The pages are picked from the built demo site by what they are (a document with a 废止 banner, a
guide and its checklist …), not by hard-coded slugs, so editing content/ does not break the test.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e import support

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.e2e.conftest import Server


STATIC = [
    "home", "zwdt", "xxgk", "bsfw", "zsyz", "jg", "xxgk-catalog", "xxgk-topic", "xxgk-publisher",
    "xxgk-year", "xxgk-doc-valid", "xxgk-doc-modified", "xxgk-doc-repealed", "xxgk-guide",
    "xxgk-annual-report", "bsfw-department", "bsfw-type", "bsfw-life-event", "bsfw-business",
    "guide", "guide-checklist", "zsyz-projects", "zsyz-industry", "project", "zsyz-page",
    "news-column", "news-item", "department", "sitemap", "accessibility", "contact", "not-found",
    "power-catalogue", "power-category", "power-item",
]


# --- pages of the service: reached by doing what a citizen does -----------------------------------

Load = Callable[["Page", "Server"], int]


def _goto(path: str) -> Load:
    def load(page: Page, _server: Server) -> int:
        response = page.goto(path)
        assert response is not None
        return response.status
    return load


def _submit_empty(kind: str) -> Load:
    """The form page after pressing 提交 with nothing filled in."""
    def load(page: Page, _server: Server) -> int:
        page.goto(f"/hdjl/{kind}/new")
        with page.expect_navigation() as nav:
            page.locator("form.gp-form button[type=submit]").click()
        return nav.value.status
    return load


def _review(page: Page, _server: Server) -> int:
    page.goto("/hdjl/ysqgk/new")
    support.fill_disclosure(page)
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="下一步：核对申请内容").click()
    return nav.value.status


# 办理期限如何计算 on the receipt and the tracking page has a table of the days not counted when
# the five working days cross a weekend or a holiday (six receipts in seven), none when they do
# not (a Sunday's receipt), and a warning under it when they reach into a year whose holiday
# schedule is missing (late December). Besides today's, whatever the weekday, each of these is
# checked every day: the message just submitted is moved to a fixed receipt date.
def _first_unknown_year() -> int:
    from formsvc.domain.workdays import Calendar  # the schedules the server counts with

    calendar = Calendar.from_file(None)
    return next(y for y in range(date.today().year, date.today().year + 50)
                if not calendar.knows(y))


@dataclass(frozen=True)
class Window:
    received: Callable[[], date]
    table: bool  # the table of days not counted
    warning: bool  # the missing schedule's warning


WINDOWS: dict[str, Window] = {
    # a Sunday: Monday to Friday, nothing skipped
    "plain": Window(lambda: date(2026, 11, 29), table=False, warning=False),
    # 国庆节 and 中秋节 skipped, the make-up Saturday 10-10 counted
    "holidays": Window(lambda: date(2026, 9, 30), table=True, warning=False),
    # 元旦 and a weekend in a year no schedule covers
    "unknown-year": Window(lambda: date(_first_unknown_year() - 1, 12, 28), table=True,
                           warning=True),
}


# the messages moved to a fixed receipt date by the test under way (moved back after it)
MOVED: list[tuple[Server, str]] = []


@pytest.fixture(autouse=True)
def _moved_back() -> Iterator[None]:
    """A message moved weeks back is moved back to today after its test: overdue by weeks and
    never answered, it would head the workbench's queue, whose order tests/e2e/test_staff.py
    checks on the same server and database (one for the session's tests)."""
    yield
    while MOVED:
        server, number = MOVED.pop()
        receive_on(server, number, date.today())


def receive_on(server: Server, number: str, day: date) -> None:
    """Move a message's receipt date to ``day`` and its due date with it (counted as the server
    counts: its holiday file, the message's time limit), straight in the server's database: no
    form submits on another day than today."""
    from formsvc.domain.workdays import Calendar
    from formsvc.services.deadlines import first_count

    calendar = Calendar.from_file(Path(server.env["FORMSVC_INSTANCE_PATH"]) / "holidays.yml")
    with support.server_db(server) as conn:
        (limit,) = conn.execute("SELECT time_limit_days FROM message WHERE tracking_number = ?",
                                (number,)).fetchone()
        due = first_count(calendar, day, limit).due
        assert conn.execute("UPDATE message SET received_on = ?, due_date = ? "
                            "WHERE tracking_number = ?",
                            (day.isoformat(), due.isoformat(), number)).rowcount == 1


def _submit(page: Page) -> int:
    page.goto("/hdjl/zx/new")
    support.fill_message(page, "老年人优待证办理材料")
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="提交").click()
    return nav.value.status


def _receipt(window: str = "") -> Load:
    """The receipt shown after submitting; with ``window``, reloaded once the message has that
    window's receipt date."""
    def load(page: Page, server: Server) -> int:
        status = _submit(page)
        if not window:
            return status
        number = support.receipt_numbers(page)[0]
        receive_on(server, number, WINDOWS[window].received())
        MOVED.append((server, number))
        response = page.reload()
        assert response is not None
        return response.status
    return load


def _status(window: str = "") -> Load:
    """The tracking page of the message just submitted (with ``window``'s receipt date)."""
    def load(page: Page, server: Server) -> int:
        _submit(page)
        number, code = support.receipt_numbers(page)
        if window:
            receive_on(server, number, WINDOWS[window].received())
            MOVED.append((server, number))
        page.get_by_role("link", name="查询办理进度").click()
        page.get_by_label("查询码").fill(code)
        with page.expect_navigation() as nav:
            page.get_by_role("button", name="查询").click()
        assert number in page.locator("h1").inner_text()
        return nav.value.status
    return load


def _track_errors(page: Page, _server: Server) -> int:
    page.goto("/hdjl/track")
    with page.expect_navigation() as nav:
        page.get_by_role("button", name="查询").click()
    return nav.value.status


@dataclass(frozen=True)
class Service:
    load: Load
    status: int = 200
    route: str = ""  # one of conftest.OPTIONAL_ROUTES: skip, naming it, until it is served
    window: Window | None = None  # what 办理期限如何计算 must show


SERVICE: dict[str, Service] = {
    "hdjl": Service(_goto("/hdjl/")),
    **{f"form-{k}": Service(_goto(f"/hdjl/{k}/new")) for k in ("zx", "jy", "ts", "tz", "ysqgk")},
    **{f"form-{k}-errors": Service(_submit_empty(k), 400) for k in ("zx", "jy", "ts", "tz", "ysqgk")},
    "ysqgk-review": Service(_review),
    "receipt": Service(_receipt()),
    **{f"receipt-{w}": Service(_receipt(w), window=WINDOWS[w]) for w in WINDOWS},
    "track": Service(_goto("/hdjl/track")),
    "track-errors": Service(_track_errors, 400),
    "track-status": Service(_status()),
    **{f"track-status-{w}": Service(_status(w), window=WINDOWS[w]) for w in WINDOWS},
    "letters": Service(_goto("/hdjl/letters"), route="/hdjl/letters"),
    "stats": Service(_goto("/hdjl/stats"), route="/hdjl/stats"),
    "search": Service(_goto("/search?q=%E7%A4%BE%E4%BF%9D"), route="/search?q=test"),
}


# --- the test -------------------------------------------------------------------------------------

def _check_width(page: Page, name: str, mode: str, width: int, artifacts: Path) -> list[str]:
    page.set_viewport_size({"width": width, "height": 800})
    support.settle(page)
    failures = []
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        failures.append(f"{mode} {width}px: the page scrolls sideways by {overflow}px")
    failures += [f"{mode} {width}px: {problem}" for problem in support.layout_problems(page)]
    result = support.run_axe(page)
    support.json_dump(artifacts / "axe" / f"{name}-{mode}-{width}.json", result)
    page.screenshot(path=str(artifacts / f"{width}px" / f"{name}-{mode}.png"), full_page=True)
    if result["violations"]:
        failures.append(f"{mode} {width}px: axe-core violations:\n"
                        + support.describe_violations(result["violations"]))
    return failures


def check_page(page: Page, name: str, artifacts: Path) -> None:
    """The page as loaded (normal mode), then after pressing 关怀版, at both widths each."""
    assert page.locator("h1").count() == 1, "a page has exactly one <h1>"
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    unlabelled = support.unlabelled_controls(page)
    assert not unlabelled, f"form controls without a label: {unlabelled}"
    weight = support.page_weight(page)
    support.WEIGHTS[name] = weight
    failures = []
    total = sum(weight.values())
    if total > support.PAGE_WEIGHT_LIMIT:
        failures.append(f"{total / 1024:.1f} KB of HTML+CSS+JS > 100 KB ({weight})")
    failures += _check_width(page, name, "normal", 360, artifacts)
    failures += _check_width(page, name, "normal", 1280, artifacts)
    # the citizen presses 关怀版 (large text, high contrast); the same page is checked again
    toggle = page.locator(".gp-header [data-module='gp-care']")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    assert page.evaluate("document.documentElement.classList.contains('gp-care')")
    failures += _check_width(page, name, "care", 1280, artifacts)
    failures += _check_width(page, name, "care", 360, artifacts)
    assert not failures, f"{page.url}\n" + "\n".join(failures)


@pytest.mark.parametrize("name", STATIC)
def test_site_page(name: str, open_page, site_pages, artifacts) -> None:
    path = site_pages[name]
    if path is None:
        pytest.skip(f"the demo content has no page of type {name}")
    page = open_page()
    response = page.goto(path)
    assert response is not None
    assert response.status == (404 if name == "not-found" else 200), path
    check_page(page, name, artifacts)


@pytest.mark.parametrize("name", list(SERVICE))
def test_service_page(name: str, open_page, server, artifacts) -> None:
    spec = SERVICE[name]
    if spec.route and (why := server.missing(spec.route)):
        pytest.skip(why)
    page = open_page()
    assert spec.load(page, server) == spec.status, page.url
    if spec.window is not None:  # the case the window is there for, or its check proves nothing
        due = page.locator("section.gp-due")
        assert due.count() == 1
        assert due.locator("table").count() == int(spec.window.table), due.inner_text()
        assert due.locator(".gp-due__warning").count() == int(spec.window.warning), \
            due.inner_text()
    if spec.status == 400:  # a form with errors: the summary is announced and takes the focus
        assert page.locator(".gp-error-summary").get_attribute("role") == "alert"
        assert page.evaluate("document.activeElement.classList.contains('gp-error-summary')")
        assert page.locator("[aria-invalid='true']").count() > 0
    check_page(page, name, artifacts)
