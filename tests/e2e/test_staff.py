"""The closed loop: a citizen asks, the dispatcher routes, the department answers, the citizen
sees the answer and rates it, the letter is published and the statistics count it.

Staff reach the workbench at /hdjl/staff/ (there is no link to it on the public pages) and log in
with accounts made by `flask --app formsvc create-staff`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tests.e2e import support
from tests.e2e.support import click_and_wait, h1, main, receipt, track

if TYPE_CHECKING:
    from playwright.sync_api import Page

DEPARTMENT = "示范县人力资源和社会保障局"
SUBJECT = "灵活就业人员社保补贴申领"
REPLY = "您好！灵活就业人员社会保险补贴可携带身份证和就业登记证明到县政务服务中心人社窗口申领，每季度首月受理。"


def stats_row(page: Page) -> dict[str, str]:
    """From the home page: 办理情况统计 → the department's row of the table."""
    page.goto("/")
    click_and_wait(page, page.get_by_role("link", name="办理情况统计"))
    table = page.locator("#stats-table")
    headers = [th.inner_text().strip() for th in table.locator("thead th").all()]
    row = table.locator("tbody tr", has_text=DEPARTMENT.removeprefix("示范县"))
    if row.count() == 0:
        return {}
    cells = [td.inner_text().strip() for td in row.first.locator("td, th").all()]
    return dict(zip(headers, cells, strict=False))


def log_in(page: Page, username: str, password: str) -> None:
    page.goto("/hdjl/staff/")
    assert h1(page) == "互动交流工作台登录"
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    assert click_and_wait(page, page.get_by_role("button", name="登录")) == 200
    assert h1(page) != "互动交流工作台登录", main(page).inner_text()[:300]


def open_message(page: Page, number: str) -> None:
    link = main(page).get_by_role("link", name=re.compile(f"{number}|{SUBJECT}")).first
    click_and_wait(page, link)
    assert SUBJECT in h1(page)


def action(page: Page, summary: str):
    """Open one of the workbench's action panels (<details>) and return its form."""
    details = page.locator("details", has=page.locator("summary", has_text=summary)).first
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    return details.locator("form").first


def test_dispatch_reply_rate_publish_and_count(open_page, staff, artifacts) -> None:
    citizen = open_page()
    before = stats_row(citizen)

    # the citizen asks 人社局 and agrees to publication
    citizen.goto("/")
    click_and_wait(citizen, citizen.get_by_role("link", name="我要咨询"))
    # (a text of its own: the same text from the same phone within 24 h counts as a duplicate)
    support.fill_message(citizen, SUBJECT, department=DEPARTMENT,
                         content="我是灵活就业人员，请问社保补贴怎么申领，需要什么材料？")
    citizen.get_by_label("同意在“公开信件”栏目公开本留言及答复").check()
    click_and_wait(citizen, citizen.get_by_role("button", name="提交"))
    number, code = receipt(citizen, "咨询")

    # the dispatcher logs in and routes it (分办) to 人社局
    dispatcher = open_page()
    log_in(dispatcher, "fenban", staff["fenban"])
    open_message(dispatcher, number)
    form = action(dispatcher, "分办")
    form.get_by_label("承办单位").select_option(label=DEPARTMENT)
    click_and_wait(dispatcher, form.get_by_role("button", name="分办"))
    assert track(citizen, number, code) != "已提交，待分办"

    # the department's handler answers
    handler = open_page()
    log_in(handler, "rsj-li", staff["rsj-li"])
    open_message(handler, number)
    form = action(handler, "答复")
    form.get_by_label("答复内容").fill(REPLY)
    click_and_wait(handler, form.get_by_role("button", name="保存草稿"))
    click_and_wait(handler, handler.get_by_role("button", name="发送答复"))
    for width in support.WIDTHS:  # the workbench is used on phones too
        handler.set_viewport_size({"width": width, "height": 800})
        support.settle(handler)
        result = support.run_axe(handler)
        handler.screenshot(path=str(artifacts / f"{width}px" / "staff-message-normal.png"),
                           full_page=True)
        assert not result["violations"], support.describe_violations(result["violations"])
    handler.set_viewport_size({"width": 1280, "height": 800})

    # the citizen sees the reply and rates it
    track(citizen, number, code)
    assert REPLY in main(citizen).inner_text()
    citizen.get_by_label("满意", exact=True).check()
    citizen.get_by_label("评价意见").fill("答复清楚，谢谢。")
    assert click_and_wait(citizen, citizen.get_by_role("button", name="提交评价")) == 200
    assert "感谢您的评价" in citizen.get_by_role("status").first.inner_text()

    # the handler proposes the letter (names and contact details are masked) …
    handler.reload()
    form = action(handler, "提请公开")
    # a careless edit puts the citizen's phone back: masked again on the way in
    form.get_by_label("公开的答复内容").fill(f"{REPLY}如有疑问请拨打{support.CITIZEN['phone']}。")
    form.get_by_label("我已审阅公开内容，其中不含个人信息，可以公开").check()
    click_and_wait(handler, form.get_by_role("button", name="提请公开"))
    assert handler.locator("#letter-review").count() == 0  # nobody approves their own

    # … and the department's reviewer approves what they see will be public
    reviewer = open_page()
    log_in(reviewer, "rsj-shen", staff["rsj-shen"])
    click_and_wait(reviewer, reviewer.get_by_role("link", name="待审核公开"))
    open_message(reviewer, number)
    review = reviewer.locator("#letter-review")
    assert "已隐去" in review.locator("mark.gp-review-mark").first.text_content()  # read aloud
    assert support.CITIZEN["phone"] not in review.inner_text()
    result = support.run_axe(reviewer)
    assert not result["violations"], support.describe_violations(result["violations"])
    form = action(reviewer, "审核通过并发布")
    click_and_wait(reviewer, form.get_by_role("button", name="审核通过并发布"))

    # the public letter box shows it, without the citizen's name or phone
    citizen.goto("/")
    click_and_wait(citizen, citizen.get_by_role("link", name="公开信件"))
    click_and_wait(citizen, main(citizen).get_by_role("link", name=re.compile(SUBJECT)).first)
    letter_url = citizen.url
    letter = main(citizen).inner_text()
    assert REPLY in letter
    assert support.CITIZEN["name"] not in letter and support.CITIZEN["phone"] not in letter

    # withdrawn by the handler: gone from the letter box and its page at once
    handler.reload()
    form = action(handler, "撤回公开")
    form.get_by_label("撤回理由").fill("提交人要求撤回")
    click_and_wait(handler, form.get_by_role("button", name="撤回"))
    assert "提交人要求撤回" in handler.locator("#timeline").inner_text()
    assert citizen.goto(letter_url).status == 404
    citizen.goto("/hdjl/letters")
    assert SUBJECT not in main(citizen).inner_text()

    # and the statistics count it: one more received and replied for 人社局
    after = stats_row(citizen)
    assert int(after["收件"]) == int(before.get("收件", 0)) + 1, (before, after)
    assert int(after["答复"]) == int(before.get("答复", 0)) + 1, (before, after)
