"""意见征集 and 在线访谈 in Chromium: the comment journey with the keyboard only (from the draft's
static page to the thank-you page), and every participation page checked like the others
(axe-core 0 violations, layout rules) at 360 and 1280 px, normal and 关怀版."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e import support
from tests.e2e.test_keyboard import enter_and_wait, id_is, press, tab_to, text_is
from tests.e2e.test_pages import check_page

if TYPE_CHECKING:
    from playwright.sync_api import Page

DRAFT = "jujia-yanglao-fuwu-banfa"  # the demo's open draft (content/hd/yjzj)
CLOSED = "xiaoxue-ruxue-banfa"
INTERVIEW = "yanglao-fuwu-butie-2026"

PAGES = {
    "hd-index": "/hd/",
    "hd-draft": f"/hd/yjzj/{DRAFT}.html",
    "hd-closed-draft": f"/hd/yjzj/{CLOSED}.html",
    "hd-interview": f"/hd/ft/{INTERVIEW}.html",
    "hd-interview-past": "/hd/ft/yiwu-jiaoyu-zhaosheng-2025.html",
    "yjzj-comments": f"/hdjl/yjzj/{DRAFT}",
    "yjzj-closed": f"/hdjl/yjzj/{CLOSED}",
    "yjzj-form": f"/hdjl/yjzj/{DRAFT}/new?article=2",
    "yjzj-hearing": f"/hdjl/yjzj/{DRAFT}/hearing",
    "yjzj-form-closed": f"/hdjl/yjzj/{CLOSED}/new",
    "ft-live": f"/hdjl/ft/{INTERVIEW}",
    "ft-form": f"/hdjl/ft/{INTERVIEW}/new",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_participation_page(name: str, open_page, server, artifacts) -> None:
    page = open_page()
    response = page.goto(PAGES[name])
    assert response is not None and response.status == 200, PAGES[name]
    check_page(page, name, artifacts)


def test_comment_form_with_errors_is_accessible(open_page, server, artifacts) -> None:
    page = open_page()
    page.goto(PAGES["yjzj-form"])
    status = support.click_and_wait(page, page.locator("main button[type='submit'], main .gp-button").last)
    assert status == 400
    assert page.locator(".gp-error-summary").get_attribute("role") == "alert"
    check_page(page, "yjzj-form-errors", artifacts)


def type_into(page: Page, field_id: str, text: str) -> None:
    tab_to(page, id_is(field_id), field_id)
    page.keyboard.type(text)


def test_comment_journey_keyboard_only(open_page, server) -> None:
    """From the draft's page to the thank-you page without a mouse, in 关怀版 at 360 px."""
    page = open_page(width=360, care=True)
    page.goto(PAGES["hd-draft"])
    press(page, "Tab")  # the skip link first
    tab_to(page, text_is("对第3条提意见"), "the link to comment on article 3")
    assert enter_and_wait(page) == 200
    assert page.locator("#article").input_value() == "3"
    type_into(page, "text", "建议第三条写明农村互助幸福院可以承接助餐服务。")
    type_into(page, "name", "键盘用户")
    type_into(page, "phone", "13812349999")
    tab_to(page, text_is("提交"), "the submit button")
    assert enter_and_wait(page) == 200
    assert "提交成功" in page.locator("main").inner_text()
    assert "意见已收到" in page.locator("main").inner_text()


def test_live_interview_shows_a_new_answer_without_a_reload(open_page, server, staff) -> None:
    """With JavaScript on, a question answered by staff appears on the open live page by itself
    (live.js fetches the answers' fragment; the page is not reloaded). The page's timers run on
    Playwright's clock, moved past one refresh interval instead of waiting for it."""
    from tests.e2e.conftest import LIVE_INTERVIEW
    from tests.e2e.support import click_and_wait
    from tests.e2e.test_staff import log_in

    question = "八十岁以上的老人每月补贴多少？"
    answer = "八十岁以上老人每月补贴一百元，由民政局按月发放。"
    citizen = open_page()
    citizen.goto(f"/hdjl/ft/{LIVE_INTERVIEW}/new")
    citizen.fill("#text", question)
    citizen.fill("#name", "浏览器用户")
    citizen.fill("#phone", "13812340000")
    assert click_and_wait(citizen, citizen.locator("main button[type='submit']").last) == 200
    assert "问题已收到" in citizen.locator("main").inner_text()

    live = open_page()
    live.clock.install()
    live.goto(f"/hdjl/ft/{LIVE_INTERVIEW}")
    box = live.locator("#live-answers")
    assert box.get_attribute("data-module") == "gp-live"  # in progress: refreshes itself
    assert question not in box.inner_text()
    live.evaluate("window.__notReloaded = true")

    desk = open_page()
    log_in(desk, "fenban", staff["fenban"])
    desk.goto("/hdjl/staff/participation?status=pending")
    panel = desk.locator("section.gp-staff-panel", has_text=question).first
    panel.locator("textarea[name='answer']").fill(answer)
    assert click_and_wait(desk, panel.get_by_role("button", name="发布回答")) == 200

    assert answer not in box.inner_text()  # answered, but the open page does not know yet
    seconds = int(box.get_attribute("data-seconds") or "20")
    live.clock.run_for((seconds + 1) * 1000)
    live.locator("#live-answers dd", has_text=answer).wait_for(timeout=15_000)
    assert question in box.inner_text()
    assert "浏览器用户" not in box.inner_text()  # the asker's name is masked
    assert live.evaluate("window.__notReloaded === true")
