"""The office without the command line: an administrator makes an account on the workbench and
the new colleague logs in with the password shown once; an API key is made and shown once; a
dispatcher sends several messages to one department at once from the queue. axe on each screen,
at a phone's width and a desktop's.
"""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tests.e2e import support
from tests.e2e.conftest import ROOT, STAFF_PASSWORD
from tests.e2e.support import click_and_wait, h1, main
from tests.e2e.test_staff import log_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

ADMIN = "xitong"


@pytest.fixture(scope="module")
def admin(staff: dict[str, str], server) -> str:
    """An administrator, made the way the first one is made: ``create-staff --role admin``."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "formsvc", "create-staff", ADMIN, "--role",
         "admin", "--name", "钱管理", "--password", STAFF_PASSWORD],
        cwd=ROOT, env=server.env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return ADMIN


def _axe_at_widths(page: Page, artifacts, name: str) -> None:
    for width in support.WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        support.settle(page)
        page.screenshot(path=str(artifacts / f"{width}px" / f"staff-{name}.png"), full_page=True)
        result = support.run_axe(page)
        assert not result["violations"], support.describe_violations(result["violations"])
    page.set_viewport_size({"width": 1280, "height": 800})


def test_admin_creates_an_account_and_a_key(open_page, admin, artifacts) -> None:
    page = open_page()
    log_in(page, admin, STAFF_PASSWORD)
    click_and_wait(page, page.get_by_role("link", name="账户管理"))
    assert h1(page) == "账户管理"
    form = page.locator("form", has=page.get_by_role("button", name="创建账户"))
    form.get_by_label("用户名").fill("jyj-sun")
    form.get_by_label("姓名").fill("孙承办")
    form.get_by_label("角色").select_option("handler")
    form.get_by_label("所属机构").select_option("jyj")
    assert click_and_wait(page, form.get_by_role("button", name="创建账户")) == 200
    password = page.locator("#new-password").inner_text().strip()
    assert len(password) >= 10
    _axe_at_widths(page, artifacts, "admin-staff")
    # the colleague logs in with it
    colleague = open_page()
    log_in(colleague, "jyj-sun", password)
    assert "孙承办" in colleague.locator("#staff-who").inner_text()
    # disabled: the colleague's next page is the login page
    row = page.locator("#staff-list tr", has_text="jyj-sun")
    click_and_wait(page, row.get_by_role("button", name="停用 jyj-sun"))
    assert "已停用" in main(page).inner_text()
    colleague.goto("/hdjl/staff/inbox")
    assert h1(colleague) == "互动交流工作台登录"

    click_and_wait(page, page.get_by_role("link", name="API 密钥"))
    form = page.locator("form", has=page.get_by_role("button", name="创建密钥"))
    form.get_by_label("名称").fill("县政府客户端")
    form.get_by_label("代为提交留言").check()
    form.get_by_label("凭受理编号查询本密钥提交的留言（无需查询码）").check()
    assert click_and_wait(page, form.get_by_role("button", name="创建密钥")) == 200
    key = page.locator("#new-key").inner_text().strip()
    assert key.startswith("cpk_")
    _axe_at_widths(page, artifacts, "admin-api-keys")
    page.goto("/hdjl/staff/admin/api-keys")
    assert key not in page.content() and key.split("_")[1] in page.content()


def test_bulk_dispatch_from_the_queue(open_page, staff, artifacts) -> None:
    page = open_page()
    numbers = []
    for i in range(2):
        r = page.request.post("/api/v1/messages", data={
            "kind": "zx", "name": "周五", "phone": "13812345670", "email": "",
            "department": "", "subject": f"批量分办测试 {i}",
            "content": f"人民路第 {i} 段的路灯不亮，请相关部门处理。"})
        assert r.status == 201, r.text()
        numbers.append(r.json()["tracking_number"])
    log_in(page, "fenban", staff["fenban"])
    page.goto("/hdjl/staff/queue")
    for number in numbers:
        page.get_by_label(f"选择 {number}").check()
    _axe_at_widths(page, artifacts, "bulk-dispatch")
    for number in numbers:  # (the checks survive the resizing)
        assert page.get_by_label(f"选择 {number}").is_checked()
    form = page.locator("#bulk-dispatch")
    form.get_by_label("承办单位").select_option("rsj")
    assert click_and_wait(page, form.get_by_role("button", name="分办所选留言")) == 200
    text = main(page).inner_text()
    assert "已分办 2 件留言" in text
    for number in numbers:
        assert page.get_by_label(f"选择 {number}").count() == 0
