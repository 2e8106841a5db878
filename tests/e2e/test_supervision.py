"""A month of 电子监察 on the demo data (``flask demo-supervision``): the supervisor reads the
warning grades, the notices, the ranked performance table and the monthly report (HTML and PDF);
a department answers its open 纠错 notice from its inbox; the public reads the report's public
part on the portal. axe finds no violation on the new pages."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from typing import TYPE_CHECKING

from tests.e2e import support
from tests.e2e.conftest import ROOT, STAFF_PASSWORD
from tests.e2e.support import click_and_wait, h1, main
from tests.e2e.test_staff import action, log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page


def _flask(server, *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "formsvc", *args], cwd=ROOT,
                          env=server.env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _last_month() -> str:
    first = date.today().replace(day=1)
    return f"{first.year - (first.month == 1)}-{(first.month - 2) % 12 + 1:02d}"


def _nav(page: Page, name: str):
    return page.get_by_role("navigation", name="工作台导航").get_by_role("link", name=name)


def _no_violations(page: Page) -> None:
    result = support.run_axe(page)
    assert not result["violations"], support.describe_violations(result["violations"])


def test_a_month_of_supervision(open_page, staff, server, artifacts) -> None:
    month = _last_month()
    assert "示例留言 40 件" in _flask(server, "demo-supervision", "--month", month)

    sup = open_page()
    log_in(sup, "ducha", staff["ducha"])
    sup.goto("/hdjl/staff/supervision")
    grades = sup.locator("#warning-grades")
    assert grades.count() == 1 and "红色预警" in grades.inner_text()
    _no_violations(sup)

    click_and_wait(sup, _nav(sup, "督办通知"))
    notices = sup.locator("#notices").inner_text()
    assert "督办通知" in notices and "纠错通知" in notices and "待回复" in notices
    _no_violations(sup)

    click_and_wait(sup, _nav(sup, "绩效评估"))
    sup.get_by_role("textbox", name="评估期").fill(month)
    click_and_wait(sup, sup.get_by_role("button", name="查看"))
    ranking = sup.locator("#ranking").inner_text()
    assert "不参与排名" in ranking and "得分" in ranking
    click_and_wait(sup, sup.get_by_role("button", name="按当前数据存档"))
    assert "已于" in sup.locator("#score-state").inner_text()
    _no_violations(sup)

    click_and_wait(sup, _nav(sup, "月度通报"))
    sup.goto(f"/hdjl/staff/report?month={month}")
    assert "内部版" in h1(sup)
    assert "超期未答复" in sup.locator("#late-table").inner_text()
    assert sup.locator("#unsatisfied-table").count() == 1
    sup.screenshot(path=str(artifacts / "supervision-report.png"), full_page=True)
    _no_violations(sup)
    pdf = sup.request.get(f"/hdjl/staff/report?month={month}&format=pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")

    # the department with the open 纠错 notice answers it
    with support.server_db(server) as conn:
        code, number = conn.execute(
            "SELECT d.code, m.tracking_number FROM supervision_notice n JOIN department d "
            "ON d.id = n.department_id JOIN message m ON m.id = n.message_id "
            "WHERE n.answered_at IS NULL").fetchone()
    _flask(server, "create-staff", f"{code}-e2e", "--role", "handler", "--name", "纠错承办",
           "--password", STAFF_PASSWORD, "--department", code)
    dept = open_page()
    log_in(dept, f"{code}-e2e", STAFF_PASSWORD)
    dept.goto("/hdjl/staff/inbox")
    counts = dept.locator("#warning-counts").inner_text()
    assert "待回复督办通知 1 件" in counts.replace("\n", "")
    dept.goto(f"/hdjl/staff/m/{number}")
    form = action(dept, "回复纠错通知")
    form.get_by_label("回复内容").fill("已补充办理依据并重新告知群众。")
    click_and_wait(dept, form.get_by_role("button", name="提交回复"))
    assert "已回复通知" in main(dept).inner_text()
    _no_violations(dept)
    sup.goto("/hdjl/staff/notices")
    assert "已补充办理依据" in sup.locator("#notices").inner_text()

    # the public part on the portal: figures and grades, no cases
    citizen = open_page()
    citizen.goto(f"/hdjl/report?month={month}")
    assert "留言办理情况通报" in h1(citizen)
    assert citizen.locator("#score-table").count() == 1
    assert citizen.locator("#late-table").count() == 0
    assert number not in main(citizen).inner_text()
    for width in support.WIDTHS:
        citizen.set_viewport_size({"width": width, "height": 800})
        support.settle(citizen)
        citizen.screenshot(path=str(artifacts / f"{width}px" / "public-report.png"),
                           full_page=True)
        _no_violations(citizen)
