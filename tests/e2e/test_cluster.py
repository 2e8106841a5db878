"""Sub-sites of the cluster in the browser: a township's home page and a document, the 专题 site's
home page (a template override), at 360 and 1280 px, normal and 关怀版, axe-core without
violations (the checks of test_pages.check_page)."""

from __future__ import annotations

from pathlib import Path

import pytest

from portal.cluster import runner

from .test_pages import check_page


@pytest.fixture(scope="module")
def township(site_output: Path) -> str:
    """The demo's township site cgz and 专题 site xczx, built beside the county as the cluster
    build writes them."""
    cluster = runner.Cluster(site_output)
    for site_id in ("cgz", "xczx"):
        result = cluster.build_site(site_id, force=True)
        assert result.status == "built", result.log
    return "/"


@pytest.mark.parametrize(("name", "path", "accent"), [
    ("township-home", "cgz/", "teal"),
    ("township-document", "cgz/xxgk/wj/cgz-2026-101.html", "teal"),
    ("topic-home", "xczx/", "green"),
])
def test_subsite_page(name: str, path: str, accent: str, township: str, open_page, artifacts) -> None:
    page = open_page()
    response = page.goto(township + path)
    assert response is not None and response.status == 200
    assert f"gp-accent-{accent}" in (page.locator("body").get_attribute("class") or "")
    check_page(page, name, artifacts)
