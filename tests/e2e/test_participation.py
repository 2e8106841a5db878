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
