"""Keyboard only: no mouse from the home page to a sent message and its tracking page, in 关怀版.

Every stop of the Tab key shows where the focus is, nothing traps it, and an error message
brings the keyboard user back to the field.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tests.e2e import support

if TYPE_CHECKING:
    from playwright.sync_api import Page

Focus = dict[str, Any]
TAB_LIMIT = 250  # more Tab presses than any page of the portal has stops


def press(page: Page, key: str) -> Focus:
    page.keyboard.press(key)
    focus = support.focus_indicator(page)
    if focus["tag"] != "body":
        assert focus["visible"], f"no visible focus indicator on {focus}"
        assert focus["onscreen"], f"the focused element is off screen: {focus}"
    return focus


def tab_to(page: Page, wanted: Callable[[Focus], bool], what: str) -> Focus:
    for _ in range(TAB_LIMIT):
        focus = press(page, "Tab")
        if wanted(focus):
            return focus
    raise AssertionError(f"{what} not reached with the Tab key on {page.url}")


def text_is(text: str) -> Callable[[Focus], bool]:
    return lambda f: f["text"] == text


def id_is(element_id: str) -> Callable[[Focus], bool]:
    return lambda f: f["id"] == element_id


def enter_and_wait(page: Page, key: str = "Enter") -> int:
    with page.expect_navigation() as nav:
        page.keyboard.press(key)
    return nav.value.status


def assert_no_keyboard_trap(page: Page) -> None:
    """From the first element of the page (the skip link), Tab visits distinct elements, each with
    a visible focus, up to the last focusable element of the page (in the footer) and then leaves
    the page or starts over: nothing holds the focus. Shift+Tab walks back in."""
    last = page.evaluate("""() => {
        const all = Array.from(document.querySelectorAll(
            "a[href], button, input, select, textarea, [tabindex]")).filter((el) =>
            el.tabIndex >= 0 && !el.disabled && el.getClientRects().length &&
            getComputedStyle(el).visibility !== "hidden");
        const el = all[all.length - 1];
        el.dataset.gpLast = "1";
        return (el.textContent || el.value || "").trim().slice(0, 40);
    }""")
    page.locator(".gp-skip-link").focus()
    key_of = """() => { const el = document.activeElement;
        if (!el.dataset.gpSeen) el.dataset.gpSeen = String(Math.random()); return el.dataset.gpSeen; }"""
    seen = [page.evaluate(key_of)]
    reached_last = False
    for _ in range(TAB_LIMIT):
        focus = press(page, "Tab")
        if focus["tag"] == "body":
            break
        key = page.evaluate(key_of)
        if key == seen[0]:
            break
        assert key not in seen, f"Tab came back to {focus} before the end of the page: a trap"
        seen.append(key)
        reached_last = reached_last or page.evaluate("document.activeElement.dataset.gpLast === '1'")
    else:
        raise AssertionError(f"still inside the page after {TAB_LIMIT} Tab presses")
    assert reached_last, f"Tab never reached the last element of the page ({last})"
    for _ in range(2):
        press(page, "Shift+Tab")
    assert support.focus_indicator(page)["tag"] != "body", "Shift+Tab did not move back into the page"


def test_keyboard_only_care_mode_message_and_tracking(open_page, artifacts) -> None:
    page = open_page(width=1280)
    page.goto("/")

    # 1. the first Tab shows the skip link; Enter jumps to the main content
    focus = press(page, "Tab")
    assert focus["text"] == "跳到主要内容"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"

    # 2. 关怀版 with the keyboard: Tab on to the header's button (the page starts over after the
    #    content), Space presses it
    tab_to(page, lambda f: f["text"] in ("关怀版", "标准版"), "the 关怀版 button")
    page.keyboard.press("Space")
    assert page.evaluate("document.documentElement.classList.contains('gp-care')")
    assert_no_keyboard_trap(page)

    # 3. to 我要咨询 and into the form
    tab_to(page, text_is("我要咨询"), "the 我要咨询 link")
    assert enter_and_wait(page) == 200
    assert page.locator("h1").inner_text() == "我要咨询"
    assert page.evaluate("document.documentElement.classList.contains('gp-care')")
    assert_no_keyboard_trap(page)

    # 4. fill in with the keyboard (a wrong phone number), tick the box with Space, send
    tab_to(page, id_is("name"), "the 姓名 field")
    page.keyboard.type(support.CITIZEN["name"])
    assert press(page, "Tab")["id"] == "phone"
    page.keyboard.type("123")
    assert press(page, "Tab")["id"] == "email"
    assert press(page, "Tab")["id"] == "department"
    assert press(page, "Tab")["id"] == "subject"
    page.keyboard.type("老年人优待证")
    assert press(page, "Tab")["id"] == "content"
    page.keyboard.type(support.CITIZEN["content"])
    assert press(page, "Tab")["id"] == "consent_publish"
    page.keyboard.press("Space")
    assert page.locator("#consent_publish").is_checked()
    focus = tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "提交", "the 提交 button")
    assert enter_and_wait(page) == 400

    # 5. the error summary has the focus; its link leads to the field; fix and send again
    assert page.evaluate("document.activeElement.classList.contains('gp-error-summary')")
    focus = press(page, "Tab")
    assert focus["tag"] == "a" and focus["href"] == "#phone", focus
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "phone"
    page.keyboard.press("Control+A")
    page.keyboard.type(support.CITIZEN["phone"])
    assert page.locator("#consent_publish").is_checked(), "the form kept the ticked box"
    tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "提交", "the 提交 button")
    assert enter_and_wait(page) == 200
    number, code = support.receipt_numbers(page)
    page.screenshot(path=str(artifacts / "journeys" / "keyboard-receipt-care.png"), full_page=True)

    # 6. from the receipt to the tracking page; Enter in the last field sends the form
    tab_to(page, text_is("查询办理进度"), "the 查询办理进度 link")
    assert enter_and_wait(page) == 200
    tab_to(page, id_is("query_code"), "the 查询码 field")
    page.keyboard.type(code)
    assert enter_and_wait(page) == 200
    assert page.locator("h1").inner_text() == f"办理进度：{number}"
    assert page.evaluate("document.documentElement.classList.contains('gp-care')")
    assert_no_keyboard_trap(page)
