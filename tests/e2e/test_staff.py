"""The closed loop: a citizen asks, the dispatcher routes, the department answers, the citizen
sees the answer and rates it, the letter is published and the statistics count it.

Staff reach the workbench at /hdjl/staff/ (there is no link to it on the public pages) and log in
with accounts made by `flask --app formsvc create-staff`.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
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
    click_and_wait(handler, form.get_by_role("button", name="发送答复"))  # one step (issue 22)
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


# --- the workbench as staff see it (issue 22) ------------------------------------------------------

# Lines of each element's own text: one for a header or a count's label, at most two for a deadline.
LINES = """(selector) => Array.from(document.querySelectorAll(selector)).filter((el) =>
    el.getClientRects().length).map((el) => {
        // the lines of its text nodes (an inline-block tag's own box has another top)
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        const lines = [];
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const range = document.createRange();
            range.selectNodeContents(node);
            for (const r of range.getClientRects()) {
                if (r.width > 0 && !lines.some((l) => Math.abs(l - r.bottom) < r.height / 2)) {
                    lines.push(r.bottom);
                }
            }
        }
        return [el.textContent.trim(), lines.length];
    })"""
ONE_LINE = ("main h1", "thead th", ".gp-staff-counts__label", ".gp-staff-nav__link",
            ".gp-staff-due time")


def look(page: Page, artifacts, name: str) -> None:
    """At both widths: a screenshot to look at, no sideways scroll, headers on one line, the
    deadline on one or two, axe without violations."""
    for width in support.WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        support.settle(page)
        page.screenshot(path=str(artifacts / f"{width}px" / f"staff-{name}.png"), full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} {width}px scrolls sideways by {overflow}px"
        for selector in ONE_LINE:
            broken = [t for t, n in page.evaluate(LINES, selector) if n > 1]
            assert not broken, f"{name} {width}px: {selector} over several lines: {broken}"
        deadlines = [n for _, n in page.evaluate(LINES, ".gp-staff-due")]
        assert all(n <= 2 for n in deadlines), f"{name} {width}px: deadline lines {deadlines}"
        result = support.run_axe(page)
        assert not result["violations"], support.describe_violations(result["violations"])
    page.set_viewport_size({"width": 1280, "height": 800})


def overdue(server, number: str, days: int) -> None:
    """Move a message's due date into the past, straight in the server's database (no workbench
    action sets a past date): the lists then show what an overdue message looks like."""
    with support.server_db(server) as conn:
        due = (date.today() - timedelta(days=days)).isoformat()
        assert conn.execute("UPDATE message SET due_date = ? WHERE tracking_number = ?",
                            (due, number)).rowcount == 1


def test_the_workbench_at_360_and_1280_with_its_shortcuts(open_page, server, staff,
                                                          artifacts) -> None:
    from playwright.sync_api import expect  # (imported here: the suite skips without Playwright)

    citizen = open_page()
    numbers = []
    for subject, content in (("小区物业乱收费", "我们小区物业公司擅自提高物业费，请住建部门管一管物业管理。"),
                             ("灵活就业社保补贴", "我是灵活就业人员，请问社会保险补贴怎么申领？")):
        citizen.goto("/hdjl/zx/new")
        support.fill_message(citizen, subject, content=content)
        click_and_wait(citizen, citizen.get_by_role("button", name="提交"))
        numbers.append(receipt(citizen, "咨询")[0])
    overdue(server, numbers[0], 12)

    page = open_page()
    page.goto("/hdjl/staff/login")
    look(page, artifacts, "login")
    log_in(page, "fenban", staff["fenban"])
    assert h1(page) == "待分办留言"
    # its own frame: no public menu, search or 关怀版; the account in the header
    for public in (".gp-nav", ".gp-search", ".gp-care-toggle", ".gp-footer"):
        assert page.locator(public).count() == 0, public
    assert "王分办" in page.locator("#staff-who").inner_text()
    assert int(page.locator("#count-submitted .gp-staff-counts__n").inner_text()) >= 2
    assert int(page.locator("#count-overdue .gp-staff-counts__n").inner_text()) >= 1
    # the overdue message first, marked
    first_row = page.locator("table[data-staff-list] tbody tr").first
    assert numbers[0] in first_row.inner_text() and "已超期" in first_row.inner_text()
    look(page, artifacts, "queue")

    # ? shows the help, Esc closes it; j moves down the list and Enter opens the message
    page.keyboard.press("?")
    assert page.get_by_role("dialog", name="键盘快捷键").is_visible()
    page.keyboard.press("Escape")
    assert not page.get_by_role("dialog", name="键盘快捷键").is_visible()
    page.keyboard.press("j")
    first = page.locator("table[data-staff-list] tbody tr").first
    assert "gp-staff-current" in (first.get_attribute("class") or "")
    number = first.locator("a").first.inner_text().strip()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"/m/{number}")

    # the message: 分办 first and open, the suggestion; d goes to the picker's filter
    page.goto(f"/hdjl/staff/m/{numbers[1]}")
    assert "示范县人力资源和社会保障局" in page.locator("#dispatch-suggestion").inner_text()
    look(page, artifacts, "message-dispatch")
    page.keyboard.press("d")
    assert page.evaluate("document.activeElement.id") == "dispatch-filter"
    page.keyboard.type("住房")
    picker = page.locator("#dispatch-department")
    assert picker.input_value() == "zjj"  # the one department left
    page.get_by_role("button", name="选用建议单位").click()
    assert picker.input_value() == "rsj"
    # typing in a field is typing: "j" there is a letter, not a shortcut
    page.locator("#dispatch-note").type("j")
    assert page.locator("#dispatch-note").input_value() == "j"
    page.locator("#dispatch-note").fill("")
    click_and_wait(page, page.locator("#dispatch").get_by_role("button", name="分办"))
    assert "已分办" in page.get_by_role("status").first.inner_text()

    # the department's handler: one reply form, 发送答复 first; r goes to the text
    handler = open_page()
    log_in(handler, "rsj-li", staff["rsj-li"])
    handler.goto(f"/hdjl/staff/m/{numbers[1]}")
    look(handler, artifacts, "message-reply")
    handler.keyboard.press("r")
    assert handler.evaluate("document.activeElement.id") == "draft_reply-text"
    form = handler.locator("#draft_reply form")
    assert [b.inner_text().strip() for b in form.get_by_role("button").all()] == ["发送答复", "保存草稿"]

    # the one-key shortcuts can be turned off in the help (WCAG 2.1.4); "?" still opens it
    page.goto("/hdjl/staff/queue")
    page.keyboard.press("?")
    page.get_by_label("启用单键快捷键").uncheck()
    page.keyboard.press("Escape")
    page.keyboard.press("j")
    assert page.locator("tr.gp-staff-current").count() == 0
    page.reload()
    page.keyboard.press("j")
    assert page.locator("tr.gp-staff-current").count() == 0  # remembered
    page.keyboard.press("?")
    page.get_by_label("启用单键快捷键").check()
    assert page.evaluate("localStorage.getItem('gp-staff-shortcuts')") == "on"
    page.keyboard.press("Escape")
    assert not page.get_by_role("dialog", name="键盘快捷键").is_visible()
    page.keyboard.press("j")
    expect(page.locator("tr.gp-staff-current")).to_have_count(1)

    # the supervisor's page
    supervisor = open_page()
    log_in(supervisor, "ducha", staff["ducha"])
    click_and_wait(supervisor, supervisor.get_by_role("link", name="督办", exact=True))
    assert numbers[0] in supervisor.locator("main").inner_text()
    look(supervisor, artifacts, "supervision")
    click_and_wait(supervisor, supervisor.get_by_role("link", name="全部留言"))
    look(supervisor, artifacts, "inbox")
