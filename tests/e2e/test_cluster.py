"""A township site of the cluster in the browser: its home page and a document, at 360 and 1280 px,
normal and 关怀版, axe-core without violations (the checks of test_pages.check_page)."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.cluster import runner

from .test_pages import check_page


@pytest.fixture(scope="module")
def township(site_output: Path) -> str:
    """The demo's township site cgz, built beside the county as the cluster build writes it."""
    result = runner.Cluster(site_output).build_site("cgz", force=True)
    assert result.status == "built", result.log
    return "/cgz/"


@pytest.mark.parametrize(("name", "path"), [
    ("township-home", ""),
    ("township-document", "xxgk/wj/cgz-2026-101.html"),
])
def test_township_page(name: str, path: str, township: str, open_page, artifacts) -> None:
    page = open_page()
    response = page.goto(township + path)
    assert response is not None and response.status == 200
    assert "gp-accent-teal" in (page.locator("body").get_attribute("class") or "")
    check_page(page, name, artifacts)
