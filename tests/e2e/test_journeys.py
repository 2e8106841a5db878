"""Journeys as people make them: from the home page, clicking what a citizen sees.

Each test starts a fresh browser (no cookies, no saved 关怀版) at the home page. Links and fields
are found by their visible text and labels, the way a person (or a screen reader) finds them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest

from tests.e2e import support
from tests.e2e.support import NUMBER, click_and_wait, h1, main, receipt, track

if TYPE_CHECKING:
    from playwright.sync_api import Page

# --- find a service guide ---------------------------------------------------------------------

def check_guide_and_checklist(page: Page, title: str, artifacts) -> None:
    """On a guide page: open its printable materials checklist and print it."""
    assert h1(page) == title
    materials = page.locator("table.gp-table--materials tbody tr").count()
    assert materials > 0, "a guide lists its materials"
    click_and_wait(page, main(page).get_by_role("link", name="材料清单（可打印）"))
    assert h1(page) == f"{title}：申请材料清单"
    boxes = page.get_by_role("checkbox")
    assert boxes.count() == materials, "one tick box per material"
    # a box is ticked by clicking its material's name too (a large target)
    page.locator("label.gp-checklist__label").first.click()
    assert boxes.first.is_checked()
    # the print button appears with JavaScript and calls the browser's print
    print_button = page.get_by_role("button", name="打印清单")
    print_button.click()
    assert page.evaluate("window.__printed") == 1
    # on paper: the site's name as a letterhead, the list and its notes; no navigation,
    # search box, buttons or 关怀版 switch
    page.emulate_media(media="print")
    assert page.locator(".gp-header__name").is_visible()
    for hidden in (".gp-nav", ".gp-search", ".gp-care-toggle", ".gp-breadcrumb"):
        assert page.locator(hidden).first.is_hidden(), hidden
    assert print_button.is_hidden()
    assert page.locator(".gp-checklist").is_visible()
    page.screenshot(path=str(artifacts / "journeys" / "checklist-print.png"), full_page=True)
    page.emulate_media(media="screen")


def test_find_a_guide_by_browsing_and_print_its_checklist(open_page, artifacts) -> None:
    page = open_page()
    page.goto("/")
    click_and_wait(page, page.get_by_role("navigation", name="主导航").get_by_role("link", name="办事服务"))
    assert h1(page) == "办事服务"
    # 个人主题服务: the first life event (生育收养, 户籍办理 …)
    event = main(page).locator("h2:has-text('个人主题服务') + ul a").first
    event_name = event.inner_text().split("\n")[0].strip()
    click_and_wait(page, event)
    assert h1(page) == event_name
    guide = main(page).locator(".gp-doc-list__link").first
    title = guide.inner_text().strip()
    tag = guide.locator(".gp-doc-list__tag").inner_text().strip()
    title = title.removeprefix(tag).strip()
    click_and_wait(page, guide)
    check_guide_and_checklist(page, title, artifacts)


def test_find_a_guide_by_search(open_page, server, artifacts) -> None:
    if why := server.missing("/search?q=test"):
        pytest.skip(f"search step: {why}")
    page = open_page()
    page.goto("/")
    page.get_by_label("搜索政策文件、办事指南和新闻").fill("生育登记")
    click_and_wait(page, page.locator("#home-q + .gp-search__button, form:has(#home-q) button").first)
    assert "生育登记" in page.title()
    hit = main(page).get_by_role("link", name=re.compile("生育登记")).first
    title = hit.inner_text().strip()
    click_and_wait(page, hit)
    assert h1(page) == title
    check_guide_and_checklist(page, title, artifacts)


# --- send every kind of message, keep the numbers, look them up --------------------------------

def test_send_each_kind_of_message_and_track_it(open_page, site_pages) -> None:
    page = open_page()
    receipts: list[tuple[str, str, str]] = []

    # 咨询: home page → 互动交流 panel → 我要咨询
    page.goto("/")
    click_and_wait(page, page.get_by_role("link", name="我要咨询"))
    assert h1(page) == "我要咨询"
    support.fill_message(page, "老年人优待证办理", department="示范县民政局")
    page.get_by_label("同意在“公开信件”栏目公开本留言及答复").check()
    assert click_and_wait(page, page.get_by_role("button", name="提交")) == 200
    receipts.append((*receipt(page, "咨询"), "老年人优待证办理"))

    # 建议: the footer's 我为政府网站找错
    page.goto("/")
    click_and_wait(page, page.get_by_role("link", name="我为政府网站找错"))
    assert h1(page) == "我要建议"
    support.fill_message(page, "网站办事指南建议增加办理地点地图")
    assert click_and_wait(page, page.get_by_role("button", name="提交")) == 200
    receipts.append((*receipt(page, "建议"), "网站办事指南建议增加办理地点地图"))

    # 投资咨询: 招商引资 → a project → 投资咨询 (the project is chosen already)
    page.goto("/")
    click_and_wait(page, page.get_by_role("navigation", name="主导航").get_by_role("link", name="招商引资"))
    project = main(page).locator(f"a[href$='{site_pages['project']}']").first
    click_and_wait(page, project)
    project_title = h1(page)
    click_and_wait(page, main(page).get_by_role("link", name="投资咨询"))
    assert h1(page) == "我要投资咨询"
    chosen = page.get_by_label("招商项目").evaluate("s => s.options[s.selectedIndex].text")
    assert project_title in chosen
    support.fill_message(page, "项目用地和配套政策咨询")
    assert click_and_wait(page, page.get_by_role("button", name="提交")) == 200
    receipts.append((*receipt(page, "投资咨询"), "项目用地和配套政策咨询"))

    # 依申请公开: the home page's 政府信息公开 panel → 依申请公开 → 核对 → 返回修改 → 确认提交
    page.goto("/")
    click_and_wait(page, page.locator("#home-xxgk").locator("..").get_by_role("link", name="依申请公开"))
    assert h1(page) == "依申请公开申请"
    support.fill_disclosure(page)
    click_and_wait(page, page.get_by_role("button", name="下一步：核对申请内容"))
    assert h1(page) == "核对申请内容"
    assert "2024年县级财政预算执行情况" in main(page).inner_text()
    click_and_wait(page, page.get_by_role("link", name="返回修改"))  # a link styled as a button
    assert page.get_by_label("所需政府信息的名称").input_value() == "2024年县级财政预算执行情况"
    page.get_by_label("所需政府信息的名称").fill("2024年县级财政预算执行情况报告")
    click_and_wait(page, page.get_by_role("button", name="下一步：核对申请内容"))
    assert "2024年县级财政预算执行情况报告" in main(page).inner_text()
    assert click_and_wait(page, page.get_by_role("button", name="确认提交")) == 200
    receipts.append((*receipt(page, "依申请公开"), "2024年县级财政预算执行情况报告"))

    # every message is found with its number and query code
    for number, code, subject in receipts:
        status = track(page, number, code)
        assert status, number
        assert subject in page.locator(".gp-metadata").inner_text()

    # a wrong query code finds nothing, and says so
    number = receipts[0][0]
    page.goto("/hdjl/track")
    page.get_by_label("受理编号").fill(number)
    page.get_by_label("查询码").fill("WRONG999")
    assert click_and_wait(page, page.get_by_role("button", name="查询")) == 404
    assert "未找到对应的留言" in page.get_by_role("alert").inner_text()


def test_complaint_corrected_after_the_error_message(open_page) -> None:
    """投诉 with a wrong phone number and no title: the errors are announced, linked to their
    fields, explained next to them; the citizen fixes them and the complaint goes through."""
    page = open_page()
    page.goto("/")
    click_and_wait(page, page.get_by_role("navigation", name="主导航").get_by_role("link", name="互动交流"))
    click_and_wait(page, main(page).get_by_role("link", name=re.compile("^我要投诉")))
    assert h1(page) == "我要投诉"
    support.fill_message(page, "", phone="1381234")
    assert click_and_wait(page, page.get_by_role("button", name="提交")) == 400
    assert page.title().startswith("错误：")

    summary = page.get_by_role("alert")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.classList.contains('gp-error-summary')"), \
        "focus moves to the error summary, so it is read first"
    errors = summary.get_by_role("link")
    assert errors.count() == 2, summary.inner_text()
    phone = page.get_by_label("联系电话")
    assert phone.get_attribute("aria-invalid") == "true"
    described = phone.get_attribute("aria-describedby").split()
    message = page.locator("#phone-error")
    assert "phone-error" in described and message.is_visible()
    assert message.inner_text().replace("错误：", "").strip() in summary.inner_text()
    # what was typed is kept
    assert page.get_by_label("姓名").input_value() == support.CITIZEN["name"]
    assert phone.input_value() == "1381234"

    # the summary's link takes the citizen to the field
    summary.get_by_role("link", name=message.inner_text().replace("错误：", "").strip()).click()
    assert page.evaluate("document.activeElement.id") == "phone"
    phone.fill("0123-6612345")
    page.get_by_label("标题").fill("窗口工作人员态度生硬")
    assert click_and_wait(page, page.get_by_role("button", name="提交")) == 200
    number, code = receipt(page, "投诉")
    assert NUMBER.match(number) and number.startswith("TS")
    # straight from the receipt to the tracking page, the number already filled in
    click_and_wait(page, page.get_by_role("link", name="查询办理进度"))
    assert page.get_by_label("受理编号").input_value() == number
    page.get_by_label("查询码").fill(code)
    click_and_wait(page, page.get_by_role("button", name="查询"))
    assert h1(page) == f"办理进度：{number}"


# --- 关怀版 ---------------------------------------------------------------------------------------

def care_on(page: Page) -> bool:
    return page.evaluate("document.documentElement.classList.contains('gp-care')")


def test_care_mode_persists_across_pages_and_into_the_service(open_page, site_pages) -> None:
    page = open_page()
    page.goto("/")
    assert not care_on(page)
    toggle = page.get_by_role("button", name="关怀版")
    assert toggle.get_attribute("aria-pressed") == "false"
    base_size = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    toggle.click()
    assert care_on(page)
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") > base_size
    toggle = page.locator(".gp-care-toggle")
    assert toggle.inner_text() == "标准版" and toggle.get_attribute("aria-pressed") == "true"

    # the static portal, page after page
    click_and_wait(page, page.get_by_role("navigation", name="主导航").get_by_role("link", name="信息公开"))
    assert care_on(page)
    page.goto(site_pages["xxgk-doc-repealed"])
    assert care_on(page)
    # into the service (formsvc pages), and after a failed submission
    click_and_wait(page, page.get_by_role("navigation", name="主导航").get_by_role("link", name="互动交流"))
    assert care_on(page) and page.locator(".gp-care-toggle").inner_text() == "标准版"
    click_and_wait(page, main(page).get_by_role("link", name=re.compile("^我要咨询")))
    assert care_on(page)
    click_and_wait(page, page.get_by_role("button", name="提交"))
    assert care_on(page)
    # a new tab of the same browser, and after a reload
    second = page.context.new_page()
    second.goto("/bsfw/")
    assert care_on(second)
    second.reload()
    assert care_on(second)
    # back to the standard look, which sticks too
    second.get_by_role("button", name="标准版").click()
    assert not care_on(second)
    second.goto("/hdjl/track")
    assert not care_on(second)
    assert second.get_by_role("button", name="关怀版").get_attribute("aria-pressed") == "false"
