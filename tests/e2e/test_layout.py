"""The layout rules of the theme, measured in the browser where a person would look (issue 22).

test_pages.py checks every page type for what must never happen (sideways scrolling, a table cut
without a cue, a lone character on a line); these tests check where things are: what the first
screen of a phone holds, that filters come before the list they filter, that a document is one
column with its signature on the right.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.e2e import support

if TYPE_CHECKING:
    from playwright.sync_api import Page

PHONE, WIDE, SCREEN = 360, 1280, 800


def _box(page: Page, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, f"{selector} is not displayed"
    return box


@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
def test_home_first_phone_screen_holds_search_and_shortcuts(open_page, care: bool) -> None:
    page = open_page(width=PHONE, care=care, height=SCREEN)
    page.goto("/")
    support.settle(page)
    assert page.locator("form[role=search]").count() == 1, "one search box on the home page"
    shortcuts = page.locator(".gp-quick__link")
    assert shortcuts.count() == 4
    for i in range(4):
        box = shortcuts.nth(i).bounding_box()
        assert box is not None and box["y"] + box["height"] <= SCREEN, \
            f"shortcut {shortcuts.nth(i).inner_text()} is below the first screen"
    assert _box(page, "#home-q")["y"] < SCREEN


def test_home_wide_panels_line_up_with_the_hero(open_page) -> None:
    page = open_page(width=WIDE)
    page.goto("/")
    hero = _box(page, ".gp-home__hero")
    panels = page.locator(".gp-home .gp-panel")
    lefts = {round(b["x"]) for b in (panels.nth(i).bounding_box() for i in range(panels.count())) if b}
    rights = {round(b["x"] + b["width"]) for b in
              (panels.nth(i).bounding_box() for i in range(panels.count())) if b}
    assert round(hero["x"]) == min(lefts) and round(hero["x"] + hero["width"]) == max(rights)
    # 互动交流 keeps its own height beside the taller 招商引资 panel: no stretched empty box
    hdjl = _box(page, "section[aria-labelledby=home-hdjl]")
    zsyz = _box(page, "section[aria-labelledby=home-zsyz]")
    assert hdjl["height"] < zsyz["height"]


@pytest.mark.parametrize(("width", "care"), [(PHONE, False), (PHONE, True), (WIDE, True)])
def test_catalogue_filters_come_first_folded(open_page, width: int, care: bool) -> None:
    page = open_page(width=width, care=care)
    page.goto("/xxgk/ml/")
    summary = page.locator(".gp-fold__summary")
    assert summary.is_visible() and page.locator(".gp-fold").get_attribute("open") is None
    assert _box(page, ".gp-fold__summary")["y"] < _box(page, "table.gp-table--catalog")["y"]
    assert not page.locator(".gp-facet").first.is_visible(), "folded until asked for"
    summary.click()  # opens without JavaScript: a <details>
    assert page.locator(".gp-facet").first.is_visible()


def test_catalogue_filters_are_the_sidebar_on_a_wide_screen(open_page) -> None:
    page = open_page(width=WIDE)
    page.goto("/xxgk/ml/")
    assert not page.locator(".gp-fold__summary").is_visible()
    facets, table = _box(page, ".gp-facet"), _box(page, "table.gp-table--catalog")
    assert facets["x"] > table["x"] + table["width"], "the facets sit right of the list"


@pytest.mark.parametrize("care", [False, True], ids=["normal", "care"])
def test_document_is_one_column_signed_on_the_right(open_page, site_pages, care: bool) -> None:
    page = open_page(width=WIDE, care=care)
    page.goto(site_pages["xxgk-doc-valid"])
    widths = {sel: _box(page, sel)["width"] for sel in
              (".gp-article__header", ".gp-metadata", ".gp-prose", ".gp-article__footer")}
    assert max(widths.values()) - min(widths.values()) < 1, widths
    prose = _box(page, ".gp-prose")
    signature = page.locator(".gp-prose p.gp-signature")
    assert signature.count() >= 1
    for i in range(signature.count()):
        # the text's right edge, not the paragraph's box: right-aligned within 2 em of the edge
        right = signature.nth(i).evaluate(
            "p => { const r = document.createRange(); r.selectNodeContents(p);"
            " return r.getBoundingClientRect().right; }")
        font = float(signature.nth(i).evaluate("p => parseFloat(getComputedStyle(p).fontSize)"))
        assert prose["x"] + prose["width"] - right <= 2 * font + 1
        assert right - prose["x"] > prose["width"] / 2, "on the right half, not indented left"


def test_guide_materials_are_cards_on_a_phone(open_page, site_pages) -> None:
    page = open_page(width=PHONE)
    page.goto(site_pages["guide"])
    table = page.locator("table.gp-table--materials")
    assert table.evaluate("t => getComputedStyle(t).display") == "block"
    wrap = _box(page, ".gp-table-wrap:has(table.gp-table--materials)")
    assert _box(page, "table.gp-table--materials")["width"] <= wrap["width"] + 1
    # every value keeps its column's name
    cell = page.locator("table.gp-table--materials td[data-label='材料形式']").first
    assert cell.evaluate("td => getComputedStyle(td, '::before').content").startswith('"材料形式')


def test_message_form_has_notes_beside_it(open_page) -> None:
    page = open_page(width=WIDE)
    page.goto("/hdjl/zx/new")
    notes, form = _box(page, ".gp-notes"), _box(page, "form.gp-form")
    assert notes["x"] > form["x"] + form["width"] - 1, "留言须知 right of the form"
    assert form["width"] + notes["width"] > 0.8 * 1200
    assert "个工作日内答复" in page.locator(".gp-notes").inner_text()
