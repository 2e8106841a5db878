"""The 职权目录 in a built site (plugins/powers): the item page with its flowcharts, the catalogue
pages, the links between a 权力事项 and its 办事指南, open data and search."""

from __future__ import annotations

import json
from pathlib import Path

from bs4 import BeautifulSoup


def _page(site: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((site / rel).read_text(encoding="utf-8"), "html.parser")


def svg_id(svg) -> str:
    return svg["aria-labelledby"].split()[0].removesuffix("-title")


def test_power_page_has_both_flowcharts_and_their_steps_as_lists(built_site: Path) -> None:
    soup = _page(built_site, "xxgk/ql/spjy-chufa.html")
    assert soup.h1.get_text(strip=True) == "对未取得食品经营许可从事食品经营活动的处罚"
    svgs = soup.select("svg.gp-flow__svg")
    assert len(svgs) == 2
    for svg, steps in zip(svgs, (4, 2), strict=True):
        assert svg["role"] == "img"
        title_id, desc_id = svg["aria-labelledby"].split()
        assert svg.find("title", id=title_id) and svg.find("desc", id=desc_id)
        assert len(svg.select("g.gp-flow__node")) == steps
        # the same steps as an ordered list after the chart, each linked to where it goes
        section = svg.find_parent("section")
        items = section.select("ol.gp-flow__steps > li")
        nodes = svg.select("g.gp-flow__node")
        assert [f"{svg_id(svg)}-{g['data-step']}" for g in nodes] == [li["id"] for li in items]
        for g, li in zip(nodes, items, strict=True):
            # a box shows the step's name, a diamond its question: the list item says both
            drawn = "".join(t.get_text() for t in g.select("text.gp-flow__name tspan"))
            assert drawn and drawn in li.get_text()
    # the category and the department lead to their catalogue pages
    assert [a["href"] for a in soup.select(".gp-breadcrumb a")][-1] == "/xxgk/ql/lb/xzcf/"
    rows = {tr.th.get_text(): tr.td for tr in soup.select(".gp-summary-table tr")}
    assert rows["职权类别"].a["href"] == "/xxgk/ql/lb/xzcf/"
    assert rows["实施主体"].a["href"] == "/xxgk/ql/bm/scjgj/"
    decision = soup.select_one("#flow-external-lian .gp-flow__step-next")
    assert "是否符合立案条件？" in decision.get_text()
    assert [a["href"] for a in decision.select("a")] == ["#flow-external-diaocha", "#flow-external-buyu"]
    labels = sorted(t.get_text() for t in svgs[0].select("text.gp-flow__label"))
    assert labels == ["否", "是"]
    # the 裁量基准 table of a 处罚
    rows = soup.select("table.gp-table--discretion tbody tr")
    assert [r.td.get_text() for r in rows] == ["轻微", "严重"]


def test_power_and_guide_link_to_each_other(built_site: Path) -> None:
    power = _page(built_site, "xxgk/ql/spjy-xuke.html")
    guide_links = [a["href"] for a in power.select(".gp-summary-table a") if "/bsfw/zn/" in a["href"]]
    assert guide_links == ["/bsfw/zn/spjy-xuke.html"]
    guide = _page(built_site, "bsfw/zn/spjy-xuke.html")
    row = next(tr for tr in guide.select(".gp-summary-table tr") if tr.th.get_text() == "权力事项")
    assert row.a["href"] == "/xxgk/ql/spjy-xuke.html" and "XK-SCJGJ-001" in row.get_text()
    # a power no guide names says so
    assert "本事项无对外办事指南" in _page(built_site, "xxgk/ql/spjy-chufa.html").get_text()


def test_catalogue_pages_by_category_and_department(built_site: Path) -> None:
    index = _page(built_site, "xxgk/ql/index.html")
    assert index.h1.get_text(strip=True) == "职权目录"
    links = {a["href"] for a in index.select("main a")}
    assert {"/xxgk/ql/spjy-xuke.html", "/xxgk/ql/spjy-chufa.html"} <= links
    assert {"/xxgk/ql/lb/xzxk/", "/xxgk/ql/lb/xzcf/", "/xxgk/ql/bm/scjgj/"} <= links
    penalty = _page(built_site, "xxgk/ql/lb/xzcf/index.html")
    titles = [a.get_text() for a in penalty.select("table a")]
    assert titles == ["对未取得食品经营许可从事食品经营活动的处罚"]
    current = penalty.select('a[aria-current="page"]')
    assert [a["href"] for a in current] == ["/xxgk/ql/lb/xzcf/"]
    dept = _page(built_site, "xxgk/ql/bm/scjgj/index.html")
    assert len(dept.select("table a")) == 2
    assert not (built_site / "xxgk/ql/lb/xzqz").exists()  # no empty category pages
    # reached from the 信息公开 page, the human sitemap and the department's page
    for rel in ("xxgk/index.html", "sitemap.html", "jg/scjgj.html"):
        assert _page(built_site, rel).select('a[href^="/xxgk/ql/"]'), rel


def test_open_data_has_every_power_with_its_flows(built_site: Path) -> None:
    data = json.loads((built_site / "data" / "ql.json").read_text(encoding="utf-8"))
    assert data["count"] == 2 == len(data["items"])
    item = next(i for i in data["items"] if i["code"] == "XK-SCJGJ-001")
    assert item["power_type"] == "行政许可" and item["department"]["code"] == "scjgj"
    assert item["guides"] == ["https://www.shifan.gov.cn/bsfw/zn/spjy-xuke.html"]
    assert [s["id"] for s in item["flow_external"]] == ["shenqing", "shencha", "buzheng", "jueding"]
    assert item["discretion"] is None
    guides = json.loads((built_site / "data" / "bsfw.json").read_text(encoding="utf-8"))
    assert guides["items"][0]["power"] == "XK-SCJGJ-001"


def test_a_large_catalogue_is_paginated_and_its_front_page_stays_short(site_copy: Path, site_builder) -> None:
    src = (site_copy / "xxgk/ql/spjy-xuke.md").read_text(encoding="utf-8")
    for i in range(2, 62):  # 61 licences in all: two pages of 50 and 11
        text = src.replace("code: XK-SCJGJ-001", f"code: XK-SCJGJ-{i:03d}")
        text = text.replace("title: 食品经营许可", f"title: 测试许可事项{i:03d}")
        (site_copy / f"xxgk/ql/xuke-{i:03d}.md").write_text(text, encoding="utf-8")
    out = site_builder(site_copy)
    first = _page(out, "xxgk/ql/lb/xzxk/index.html")
    second = _page(out, "xxgk/ql/lb/xzxk/index_2.html")
    assert len(first.select("table tbody tr")) == 50 and len(second.select("table tbody tr")) == 11
    assert "（第2页）" in second.title.get_text()
    assert second.select_one('a[href="/xxgk/ql/lb/xzxk/"]') is not None  # the pager leads back
    front = _page(out, "xxgk/ql/index.html")
    licences = front.find("a", string="行政许可").find_parent("section")
    assert len(licences.select("table tbody tr")) == 10
    (more,) = [a for a in licences.select("a") if a.get_text().startswith("查看行政许可全部")]
    assert more["href"] == "/xxgk/ql/lb/xzxk/" and "61 项" in more.get_text()
    # the penalty category has one item: listed in full, no link to more
    penalties = front.find("a", string="行政处罚").find_parent("section")
    assert len(penalties.select("table tbody tr")) == 1
    assert not [a for a in penalties.select("a") if a.get_text().startswith("查看")]
