"""The list pages written by plugins/catalogs, on a generated content tree with known counts."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from portal import check
from tests.conftest import ROOT, build_site

NEWS_YW = 45  # three pages of 20
DOCS_2024 = 14
DOCS_2025 = 11


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _doc(path: Path, meta: str, body: str = "正文。") -> None:
    _write(path, f"---\n{meta.strip()}\n---\n\n{body}\n")


def make_content(root: Path) -> Path:
    """A small, valid content tree whose counts the tests know."""
    content = root / "content"
    content.mkdir(parents=True)
    shutil.copy(ROOT / "content" / "departments.yml", content / "departments.yml")
    for name in ("files/xxgk/2025/fujian.pdf", "files/bsfw/biao.pdf", "files/bsfw/yangbiao.pdf"):
        _write(content / name, "%PDF-1.4\n%%EOF\n")

    for i in range(1, NEWS_YW + 1):
        day = 1 + (i - 1) % 28
        month = 1 + (i - 1) // 28
        _doc(content / f"zwdt/yw-{i:03d}.md", f"""
title: 县政府要闻第{i}号
column: yw
department: xzfb
date: 2025-{month:02d}-{day:02d} 09:{i % 60:02d}
summary: 要闻摘要{i}
""", f"要闻正文第{i}号。")
    for i in range(1, 4):
        _doc(content / f"zwdt/tzgg-{i}.md", f"""
title: 关于节日值班安排的通知{i}
column: tzgg
department: xzfb
date: 2025-04-0{i} 10:00
""")
    _doc(content / "zwdt/bmdt-1.md", """
title: 县卫健局开展义诊活动
column: bmdt
department: wsjkj
source: 县卫生健康局
author: 李明
date: 2025-04-05 15:30
""")

    serial = 0
    for year, count in ((2024, DOCS_2024), (2025, DOCS_2025)):
        for i in range(1, count + 1):
            serial += 1
            publisher, org = ("xzfb", "01150001-1") if i % 2 else ("wsjkj", "01150013-3")
            topic = "综合政务" if i % 3 else "卫生、体育"
            validity = "有效"
            extra = ""
            if year == 2024 and i == 1:
                validity = "废止"
                extra = "invalid_from: 2025-01-01\nreplaced_by: 01150001-1/2025-00001\n"
            attachments = ""
            if year == 2025 and i == 1:
                attachments = ("attachments:\n  - title: 附件1 申请表\n"
                               "    file: files/xxgk/2025/fujian.pdf\n")
            _doc(content / f"xxgk/wj/{year}/wj-{year}-{i:03d}.md", f"""
title: 示范县公开文件{year}第{i}号
index_no: {org}/{year}-{i:05d}
topic: {topic}
genre: 通知
publisher: {publisher}
written: {year}-03-{i:02d}
date: {year}-03-{i + 2:02d} 10:00
doc_no: 示政办〔{year}〕{i}号
validity: {validity}
{extra}keywords:
  - 政务公开
  - 测试{i}
summary: 文件{year}-{i}的内容概述。
{attachments}""")

    guide_common = """
base_code: "000201015000"
impl_code: "11990123011500066T500020101500001"
basis:
  - 《中华人民共和国测试法》第一条
conditions:
  - 具有示范县户籍
materials:
  - name: 申请表
    form: 原件
    copies: 2
    required: true
    source: 窗口领取
    blank_form: files/bsfw/biao.pdf
    sample: files/bsfw/yangbiao.pdf
  - name: 居民身份证
    form: 原件和复印件
    copies: 1
    required: false
    source: 申请人自备
    note: 代办时提供代办人身份证
steps:
  - name: 申请
    description: 向窗口提出申请。
  - name: 受理
    description: 当场受理。
legal_limit: 20个工作日
promised_limit: 5个工作日
case_type: 承诺件
fees:
  charged: true
  standard: 每件10元
  basis: 《测试收费办法》
place: 县政务服务中心一楼
hours: 工作日 8:30-17:30
visits: 1
online_url: https://zwfw.shifan.gov.cn/x
phone: 0123-6610001
complaint_phone: 0123-6610002
result: 批准决定书
faq:
  - q: 可以代办吗？
    a: 可以，带上委托书。
forms:
  - title: 申请表
    file: files/bsfw/biao.pdf
date: 2025-02-01 09:00
"""
    guides = (
        ("dibao", "最低生活保障申请", "mzj", "行政给付", "[个人]", "[社会保障]"),
        ("hunyin", "结婚登记", "mzj", "行政确认", "[个人]", "[婚姻登记]"),
        ("gsdj", "个体工商户设立登记", "scjgj", "行政许可", "[个人, 法人]", "[设立变更, 就业创业]"),
    )
    for slug, title, dept, item_type, audience, events in guides:
        _doc(content / f"bsfw/{slug}.md", f"""
title: {title}
department: {dept}
item_type: {item_type}
audience: {audience}
life_events: {events}
{guide_common}""")

    projects = (
        ("xm-a", "现代农业产业园项目", "现代农业", "招商中"),
        ("xm-b", "农机装备制造项目", "装备制造", "洽谈中"),
        ("xm-c", "智慧农业示范项目", "现代农业", "已签约"),
    )
    for i, (slug, title, industry, status) in enumerate(projects, 1):
        _doc(content / f"zsyz/xm/{slug}.md", f"""
title: {title}
industry: {industry}
amount: {i * 12000}
cooperation: 合资
location: 示范县河西镇
land: 约200亩，工业用地，挂牌出让
status: {status}
department: swj
contact:
  name: 张伟
  phone: 0123-6618888
  email: tzcj@shifan.gov.cn
summary: {title}简介。
date: 2025-05-0{i} 09:00
""")
    _doc(content / "zsyz/tz/tzhj.md", """
title: 示范县投资环境
kind: 投资环境
department: swj
date: 2025-01-10
""")
    _doc(content / "zsyz/tz/yhzc.md", """
title: 示范县招商引资优惠政策
kind: 优惠政策
department: swj
date: 2025-01-11
""")
    _doc(content / "pages/xxgk/zn.md", "title: 示范县人民政府信息公开指南\ncolumn: 信息公开\ndate: 2025-01-02")
    _doc(content / "pages/xxgk/nb/2024.md", "title: 2024年政府信息公开工作年度报告\ncolumn: 信息公开\ndate: 2025-03-20")
    return content


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("catalogs")
    return build_in_2025(make_content(root), root / "output")


def build_in_2025(content: Path, output: Path, **overrides) -> Path:
    """Build the tree as checked in its own time: from 1 April of a year whose last year's
    report page is missing (2025's, in 2026) the build fails (portal/report_check.py)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(check, "today_in_china", lambda: date(2025, 6, 1))
        return build_site(content, output, **overrides)


def page(site: Path, rel: str) -> BeautifulSoup:
    path = site / rel
    assert path.exists(), f"{rel} was not written"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def list_titles(soup: BeautifulSoup, selector: str = ".gp-main .gp-doc-list__link") -> list[str]:
    return [a.get_text(strip=True) for a in soup.select(selector)]


def facet_counts(soup: BeautifulSoup, title: str) -> dict[str, int]:
    """{value text: count} of the facet_list whose heading is ``title``."""
    for nav in soup.select("nav.gp-facet"):
        if nav.select_one(".gp-facet__title").get_text(strip=True) == title:
            out = {}
            for link in nav.select(".gp-facet__link"):
                count = link.select_one(".gp-facet__count").get_text(strip=True).rstrip("条")
                out[link.select_one(".gp-facet__text").get_text(strip=True)] = int(count)
            return out
    raise AssertionError(f"no facet {title!r}")


def current_facet(soup: BeautifulSoup) -> list[str]:
    return [a.select_one(".gp-facet__text").get_text(strip=True)
            for a in soup.select(".gp-facet__link[aria-current]")]


# ---- home -------------------------------------------------------------------------------------

def test_home_lists_latest_news_notices_and_disclosure(site):
    soup = page(site, "index.html")
    headlines = soup.select_one("#home-yw").find_parent("section")
    assert list_titles(headlines, ".gp-doc-list__link") == [
        f"县政府要闻第{i}号" for i in range(NEWS_YW, NEWS_YW - 8, -1)
    ]
    notices = soup.select_one("#home-tzgg").find_parent("section")
    assert list_titles(notices, ".gp-doc-list__link") == [
        "关于节日值班安排的通知3", "关于节日值班安排的通知2", "关于节日值班安排的通知1"]
    disclosure = soup.select_one("#home-xxgk").find_parent("section")
    assert list_titles(disclosure, ".gp-doc-list__link")[0] == f"示范县公开文件2025第{DOCS_2025}号"
    for item in soup.select(".gp-doc-list__item"):
        if item.find_parent("section", class_="gp-panel") and item.select_one(".gp-doc-list__link"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", item.select_one("time").get_text(strip=True))


def test_home_has_services_investment_interaction_and_search(site):
    soup = page(site, "index.html")
    hrefs = {a["href"] for a in soup.find_all("a", href=True)}
    assert {"/bsfw/zn/dibao.html", "/bsfw/zn/hunyin.html", "/bsfw/zn/gsdj.html"} <= hrefs
    assert "/bsfw/gr/shbz/" in hrefs and "/bsfw/fr/slbg/" in hrefs  # life events
    assert {"/zsyz/xm/xm-a.html", "/zsyz/xm/xm-b.html", "/zsyz/xm/xm-c.html"} <= hrefs
    assert {"/hdjl/zx/new", "/hdjl/track", "/hdjl/letters", "/hdjl/ysqgk/new"} <= hrefs
    form = soup.select_one("main form[role=search]")
    assert form["action"] == "/search" and form["method"] == "get"
    assert form.find("input", attrs={"name": "q"})
    assert soup.find("label", attrs={"for": form.find("input")["id"]})


# ---- 政务动态 -------------------------------------------------------------------------------

def test_news_column_is_paginated_by_twenty(site):
    first = page(site, "zwdt/yw/index.html")
    second = page(site, "zwdt/yw/index_2.html")
    third = page(site, "zwdt/yw/index_3.html")
    assert not (site / "zwdt/yw/index_4.html").exists()
    assert len(list_titles(first)) == 20 and len(list_titles(second)) == 20
    assert list_titles(third) == [f"县政府要闻第{i}号" for i in range(5, 0, -1)]
    assert list_titles(first)[0] == f"县政府要闻第{NEWS_YW}号"
    nav = second.select_one("nav.gp-pagination")
    assert nav.find("a", rel="prev")["href"] == "/zwdt/yw/"
    assert nav.find("a", rel="next")["href"] == "/zwdt/yw/index_3.html"
    assert nav.select_one("[aria-current=page]").get_text(strip=True) == "第2页"
    assert "共 45 条" in nav.get_text()
    assert first.find("a", rel="prev") is None and third.find("a", rel="next") is None
    # every item carries its date
    for soup in (first, second, third):
        for item in soup.select(".gp-main .gp-doc-list__item"):
            assert re.fullmatch(r"\d{4}-\d\d-\d\d", item.time["datetime"])


def test_news_overview_lists_every_column_with_counts(site):
    soup = page(site, "zwdt/index.html")
    more = {a["href"]: a.get_text(strip=True) for a in soup.select(".gp-panel__more")}
    # every news column and 专题 of content/columns.yml
    assert set(more) == {"/zwdt/yw/", "/zwdt/bmdt/", "/zwdt/xzdt/", "/zwdt/tzgg/", "/zwdt/ldjh/",
                         "/zwdt/yshj/"}
    assert "45" in more["/zwdt/yw/"] and "3" in more["/zwdt/tzgg/"]
    empty = page(site, "zwdt/ldjh/index.html")  # an empty column still has its page
    assert "暂无" in empty.select_one("main").get_text()
    column = page(site, "zwdt/tzgg/index.html")
    assert facet_counts(column, "政务动态栏目")["要闻动态"] == NEWS_YW
    assert current_facet(column) == ["通知公告"]


# ---- 信息公开 -------------------------------------------------------------------------------

def catalog_rows(soup: BeautifulSoup) -> list[list[str]]:
    return [[td.get_text(" ", strip=True) for td in tr.find_all("td")]
            for tr in soup.select("table.gp-table--catalog tbody tr")]


def test_catalog_table_newest_first_and_paginated(site):
    soup = page(site, "xxgk/ml/index.html")
    headers = [th.get_text(strip=True) for th in soup.select("table.gp-table--catalog thead th")]
    assert headers == ["索引号", "标题", "发布机构", "成文日期", "发布日期", "有效性"]
    rows = catalog_rows(soup)
    assert len(rows) == 20
    assert rows[0][0] == f"01150001-1/2025-{DOCS_2025:05d}"
    assert rows[0][1].startswith(f"示范县公开文件2025第{DOCS_2025}号")
    assert rows[0][2] == "示范县人民政府办公室"
    assert rows[0][3] == f"2025-03-{DOCS_2025:02d}" and rows[0][4] == f"2025-03-{DOCS_2025 + 2:02d}"
    assert rows[0][5] == "有效"
    dates = [r[4] for r in rows + catalog_rows(page(site, "xxgk/ml/index_2.html"))]
    assert len(dates) == DOCS_2024 + DOCS_2025 and dates == sorted(dates, reverse=True)
    assert catalog_rows(page(site, "xxgk/ml/index_2.html"))[-1][5] == "废止"


def test_catalog_facets_have_counts_and_pages(site):
    soup = page(site, "xxgk/ml/index.html")
    total = DOCS_2024 + DOCS_2025
    topics = facet_counts(soup, "按主题分类")
    general = sum(1 for n in range(1, DOCS_2024 + 1) if n % 3) + sum(
        1 for n in range(1, DOCS_2025 + 1) if n % 3)
    assert topics == {"全部": total, "综合政务": general, "卫生、体育": total - general}
    assert facet_counts(soup, "按年度") == {"全部": total, "2025年": DOCS_2025, "2024年": DOCS_2024}
    publishers = facet_counts(soup, "按发布机构")
    assert publishers["示范县人民政府办公室"] + publishers["示范县卫生健康局"] == total

    topic = page(site, "xxgk/ml/zt/01/index.html")  # 综合政务 is vocab.TOPICS[0]
    assert len(catalog_rows(topic)) == min(general, 20)
    assert current_facet(topic) == ["综合政务"]
    assert topic.h1.get_text(strip=True) == "政府信息公开目录：综合政务"
    health = page(site, "xxgk/ml/zt/12/index.html")  # 卫生、体育
    assert {r[1].split()[0] for r in catalog_rows(health)} == {
        f"示范县公开文件{y}第{n}号" for y, c in ((2024, DOCS_2024), (2025, DOCS_2025))
        for n in range(1, c + 1) if n % 3 == 0}
    year = page(site, "xxgk/ml/nd/2024/index.html")
    assert len(catalog_rows(year)) == DOCS_2024
    assert all(r[0].split("/")[1].startswith("2024") for r in catalog_rows(year))
    dept = page(site, "xxgk/ml/jg/wsjkj/index.html")
    assert {r[2] for r in catalog_rows(dept)} == {"示范县卫生健康局"}
    assert current_facet(dept) == ["示范县卫生健康局"]
    assert not (site / "xxgk/ml/zt/02").exists()  # no documents, no page


def test_disclosure_section_page_links_guide_catalog_reports_and_requests(site):
    soup = page(site, "xxgk/index.html")
    hrefs = {a["href"] for a in soup.select("main a[href]")}
    assert {"/xxgk/zn.html", "/xxgk/ml/", "/xxgk/nb/2024.html", "/hdjl/ysqgk/new"} <= hrefs
    assert "/xxgk/zd.html" not in hrefs  # that page does not exist in this tree


# ---- 办事服务 ------------------------------------------------------------------------------

def guide_titles(soup: BeautifulSoup) -> set[str]:
    return {a.get_text(strip=True)[4:] for a in soup.select(".gp-main .gp-doc-list__link")}


def test_service_browse_pages(site):
    assert guide_titles(page(site, "bsfw/bm/mzj/index.html")) == {"最低生活保障申请", "结婚登记"}
    assert guide_titles(page(site, "bsfw/bm/scjgj/index.html")) == {"个体工商户设立登记"}
    assert guide_titles(page(site, "bsfw/lx/xzxk/index.html")) == {"个体工商户设立登记"}
    assert guide_titles(page(site, "bsfw/lx/xzgf/index.html")) == {"最低生活保障申请"}
    assert guide_titles(page(site, "bsfw/gr/index.html")) == {
        "最低生活保障申请", "结婚登记", "个体工商户设立登记"}
    assert guide_titles(page(site, "bsfw/fr/index.html")) == {"个体工商户设立登记"}
    assert guide_titles(page(site, "bsfw/gr/hydj/index.html")) == {"结婚登记"}
    assert guide_titles(page(site, "bsfw/gr/jycy/index.html")) == {"个体工商户设立登记"}
    assert guide_titles(page(site, "bsfw/fr/slbg/index.html")) == {"个体工商户设立登记"}
    index = page(site, "bsfw/index.html")
    assert facet_counts(index, "按实施部门") == {"示范县民政局": 2, "示范县市场监督管理局": 1}
    assert facet_counts(index, "按事项类型") == {"行政许可": 1, "行政给付": 1, "行政确认": 1}
    assert facet_counts(page(site, "bsfw/gr/index.html"), "按服务对象") == {"个人办事": 3, "法人办事": 1}
    assert current_facet(page(site, "bsfw/lx/xzqr/index.html")) == ["行政确认"]


def test_materials_checklist_page(site):
    soup = page(site, "bsfw/zn/dibao-qd.html")
    boxes = soup.select("input[type=checkbox]")
    assert len(boxes) == 2
    for box in boxes:
        assert soup.find("label", attrs={"for": box["id"]})
    labels = soup.select(".gp-checklist__label")
    assert "申请表" in labels[0].get_text() and "必需" in labels[0].get_text()
    assert "原件 2 份" in labels[0].get_text()
    assert soup.select_one("[data-module=gp-print]") is not None
    assert soup.find("a", href="/bsfw/zn/dibao.html")
    assert soup.find("link", rel="stylesheet", media="print")


# ---- 招商引资 ------------------------------------------------------------------------------

def test_project_list_filter_pages_by_industry(site):
    soup = page(site, "zsyz/xm/index.html")
    assert facet_counts(soup, "按产业筛选") == {"全部": 3, "现代农业": 2, "装备制造": 1}
    links = {a.select_one(".gp-facet__text").get_text(strip=True): a["href"]
             for a in soup.select(".gp-facet__link")}
    assert links["现代农业"] == "/zsyz/xm/cy/xdny/" and links["装备制造"] == "/zsyz/xm/cy/zbzz/"
    farming = page(site, "zsyz/xm/cy/xdny/index.html")
    titles = [a.get_text(strip=True) for a in farming.select(".gp-main .gp-doc-list__link")]
    assert [t[3:] for t in titles] == ["智慧农业示范项目", "现代农业产业园项目"]
    assert current_facet(farming) == ["现代农业"]
    assert not farming.find("script", src=lambda s: s and "filter" in s)
    home = page(site, "zsyz/index.html")
    hrefs = {a["href"] for a in home.select("main a[href]")}
    assert {"/zsyz/tz/tzhj.html", "/zsyz/tz/yhzc.html", "/zsyz/xm/", "/hdjl/tz/new"} <= hrefs
    # the section page's 全部 chip leads to the full list; it is not the page's own list
    assert current_facet(soup) == ["全部"] and current_facet(home) == []
    figures = {li.select_one(".gp-facts__label").get_text(strip=True):
               li.select_one(".gp-facts__value").get_text("", strip=True)
               for li in home.select(".gp-facts__item")}
    # counted from the three projects: 12,000 + 24,000 + 36,000 万元, one signed, two industries
    assert figures == {"在推招商项目": "3个", "计划总投资": "7.2亿元", "涉及产业": "2个",
                       "已签约项目": "1个"}
    image = home.select_one(".gp-showcase img")
    assert image["src"] == "/theme/images/zsyz-county.svg" and image["alt"]
    # the 投资环境 pages show the same picture; a policy page is text
    environment = page(site, "zsyz/tz/tzhj.html").select_one(".gp-article img")
    assert environment["src"] == image["src"] and environment["alt"] == image["alt"]
    assert not page(site, "zsyz/tz/yhzc.html").select_one(".gp-article img")


# ---- 机构设置 ------------------------------------------------------------------------------

def test_department_tree_and_pages(site):
    tree = page(site, "jg/index.html")
    links = {a["href"] for a in tree.select(".gp-tree a")}
    codes = re.findall(r"^  - code: (\w+)", (ROOT / "content/departments.yml").read_text(), re.M)
    assert links == {f"/jg/{c}.html" for c in codes}
    for code in codes:
        assert (site / f"jg/{code}.html").exists()
    mzj = page(site, "jg/mzj.html")
    text = mzj.select_one("main").get_text(" ", strip=True)
    for label in ("主要职责", "办公地址", "办公时间", "联系电话", "传真", "电子邮箱"):
        assert label in text
    guides = mzj.select_one("#blk-guide").find_parent("section")
    assert {a.get_text(strip=True) for a in guides.select("a.gp-doc-list__link")} == {
        "最低生活保障申请", "结婚登记"}
    xzfb = page(site, "jg/xzfb.html")
    docs = xzfb.select_one("#blk-disclosure").find_parent("section")
    assert len(docs.select(".gp-doc-list__item")) == 10  # department_items
    assert docs.select_one(".gp-panel__more")["href"] == "/xxgk/ml/jg/xzfb/"
    assert xzfb.select_one("#blk-news")  # its news
    swj = page(site, "jg/swj.html")
    assert len(swj.select_one("#blk-project").find_parent("section").select("li")) == 3
    xzf = page(site, "jg/xzf.html")
    assert xzf.select_one("#ldxx")  # leaders table


# ---- misc --------------------------------------------------------------------------------

def test_not_found_and_sitemap_pages(site):
    nf = page(site, "404.html")
    assert nf.h1.get_text(strip=True).startswith("抱歉")
    assert nf.select_one("main form[action='/search'] input[name=q]")
    assert {"/zwdt/", "/xxgk/", "/bsfw/", "/zsyz/", "/jg/"} <= {a["href"] for a in nf.select("main a")}
    sm = page(site, "sitemap.html")
    hrefs = {a["href"] for a in sm.select("main a")}
    assert {"/zwdt/yw/", "/xxgk/ml/", "/xxgk/zn.html", "/bsfw/gr/", "/zsyz/xm/cy/xdny/",
            "/jg/xzf.html"} <= hrefs
    assert page(site, "accessibility.html").h1  # written because content has none


def test_catalog_settings_change_page_size(tmp_path):
    content = make_content(tmp_path)
    out = build_in_2025(content, tmp_path / "out", CATALOGS={"news_per_page": 10,
                                                            "popular_guides": ["hunyin"]})
    assert (out / "zwdt/yw/index_5.html").exists() and not (out / "zwdt/yw/index_6.html").exists()
    home = page(out, "index.html")
    assert home.select_one(".gp-home__services .gp-card__link")["href"] == "/bsfw/zn/hunyin.html"
