"""The 职权目录 in the browser (issue 24): a 权力事项's flowcharts as a person sees them.

With the real fonts every label fits its box, boxes do not touch, the chart scrolls inside its own
focusable region on a phone instead of the page, and 关怀版 keeps the chart readable; axe-core
finds nothing on the item and the catalogue pages at 360 and 1280 px, normal and 关怀版 (the
page-type sweep in test_pages.py covers them too). Element screenshots of each chart go to the
artifacts folder for a person to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e import support

if TYPE_CHECKING:
    from playwright.sync_api import Page

# Every text of a chart inside its shape, and no two shapes overlapping, measured on the
# rendered SVG (getBBox: the glyphs of the fonts the browser really uses).
_CHART_JS = """
(svg) => {
  const problems = [];
  const nodes = [...svg.querySelectorAll('g.gp-flow__node')];
  const boxes = nodes.map(g => g.querySelector('rect, polygon').getBBox());
  nodes.forEach((g, i) => {
    const b = boxes[i];
    const diamond = !!g.querySelector('polygon');
    const cx = b.x + b.width / 2, cy = b.y + b.height / 2;
    for (const t of g.querySelectorAll('text')) {
      const r = t.getBBox();
      // every corner of the text inside the shape: a rectangle, or a diamond |dx|/A + |dy|/B <= 1
      const dx = Math.max(Math.abs(r.x - cx), Math.abs(r.x + r.width - cx));
      const dy = Math.max(Math.abs(r.y - cy), Math.abs(r.y + r.height - cy));
      const inside = diamond ? dx / (b.width / 2) + dy / (b.height / 2) <= 1.0
                             : dx <= b.width / 2 - 2 && dy <= b.height / 2;
      if (!inside) problems.push(`${g.dataset.step}: “${t.textContent}” overflows its shape`);
    }
    boxes.forEach((o, j) => {
      if (j > i && b.x < o.x + o.width && o.x < b.x + b.width && b.y < o.y + o.height && o.y < b.y + b.height) {
        problems.push(`${g.dataset.step} overlaps ${nodes[j].dataset.step}`);
      }
    });
  });
  const vb = svg.viewBox.baseVal;
  const all = svg.getBBox();
  if (all.x < vb.x - 1 || all.y < vb.y - 1 || all.x + all.width > vb.x + vb.width + 1
      || all.y + all.height > vb.y + vb.height + 1) {
    problems.push('the drawing is cut off by its viewBox');
  }
  return problems;
}
"""


def _charts(page: Page, name: str, artifacts: Path, mode: str, width: int) -> None:
    charts = page.locator("svg.gp-flow__svg")
    assert charts.count() == 2, "an item with both flows has two charts"
    for i in range(charts.count()):
        chart = charts.nth(i)
        problems = chart.evaluate(_CHART_JS)
        assert not problems, f"{mode} {width}px chart {i + 1}: {problems}"
        region = chart.locator("xpath=..")
        assert region.get_attribute("role") == "region" and region.get_attribute("tabindex") == "0"
        # the chart scrolls inside its region: the page itself never scrolls sideways
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{mode} {width}px: the page scrolls sideways by {overflow}px"
        # drawn at its own size, never squeezed (text would shrink below 14 px); larger in 关怀版
        ratio = chart.evaluate("s => s.getBoundingClientRect().width / s.viewBox.baseVal.width")
        assert ratio == pytest.approx(1.25 if mode == "care" else 1, abs=0.01), ratio
        region.screenshot(path=str(artifacts / f"{width}px" / f"{name}-chart{i + 1}-{mode}.png"))


def test_power_item_flowcharts_render_cleanly(open_page, site_pages, artifacts) -> None:
    path = site_pages["power-item"]
    assert path, "the demo content publishes a 处罚 with its 裁量基准 and both flows"
    for care in (False, True):
        mode = "care" if care else "normal"
        for width in (360, 1280):
            page = open_page(width=width, care=care)
            assert page.goto(path).status == 200
            support.settle(page)
            _charts(page, "power-item", artifacts, mode, width)
            result = support.run_axe(page)
            assert not result["violations"], support.describe_violations(result["violations"])
            # the steps again as an ordered list, for screen readers and print
            for flow in ("flow-external", "flow-internal"):
                nodes = page.locator(f"section:has(#{flow}) g.gp-flow__node").count()
                assert page.locator(f"section:has(#{flow}) ol.gp-flow__steps > li").count() == nodes
            page.close()


def test_catalogue_leads_to_an_item_and_its_guide(open_page, site_pages) -> None:
    page = open_page(width=360)
    assert page.goto(site_pages["power-catalogue"]).status == 200
    assert support.h1(page) == "职权目录"
    result = support.run_axe(page)
    assert not result["violations"], support.describe_violations(result["violations"])
    # a citizen follows the 行政许可 category, then an item that has a 办事指南
    assert support.click_and_wait(page, page.locator("main h2 a", has_text="行政许可")) == 200
    assert support.h1(page) == "行政许可"
    link = page.get_by_role("link", name="食品经营许可", exact=True)
    assert support.click_and_wait(page, link) == 200
    assert support.h1(page) == "食品经营许可"
    guide = page.locator(".gp-summary-table a[href^='/bsfw/zn/']").first
    assert support.click_and_wait(page, guide) == 200
    assert "食品经营许可" in support.h1(page)
    back = page.locator(".gp-summary-table a[href^='/xxgk/ql/']")
    assert back.count() == 1 and "含运行流程图" in back.locator("xpath=..").inner_text()


def test_every_demo_chart_fits_its_text(open_page, site_output: Path) -> None:
    """All the demo county's charts, measured with the browser's fonts (one page, many frames
    would be slower than loading each item once)."""
    items = sorted(p for p in (site_output / "xxgk" / "ql").glob("*.html"))
    assert len(items) >= 40
    page = open_page(width=1280)
    failures = []
    for item in items:
        page.goto(f"/xxgk/ql/{item.name}")
        for i, chart in enumerate(page.locator("svg.gp-flow__svg").all()):
            failures += [f"{item.name} chart {i + 1}: {p}" for p in chart.evaluate(_CHART_JS)]
    assert not failures, "\n".join(failures)
