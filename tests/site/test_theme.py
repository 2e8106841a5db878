"""The theme: base.html frame, document templates rendering every field, components, static files."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
import pytest
from bs4 import BeautifulSoup

from portal import schema
from tests.conftest import ROOT
from tests.site.test_catalogs import build_in_2025, make_content

THEME = ROOT / "theme"
TEMPLATES = THEME / "templates"
FOOTER_LABELS = ("主办单位", "承办单位", "地址", "电话", "网站标识码", "ICP备案号", "公安备案号")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("theme")
    return build_in_2025(make_content(root), root / "output")


def page(site: Path, rel: str) -> BeautifulSoup:
    return BeautifulSoup((site / rel).read_text(encoding="utf-8"), "html.parser")


def main_text(soup: BeautifulSoup) -> str:
    return soup.select_one("main").get_text(" ", strip=True)


def meta(soup: BeautifulSoup, name: str) -> str | None:
    tag = soup.find("meta", attrs={"name": name})
    return tag["content"] if tag else None


# ---- the frame ---------------------------------------------------------------------------------

PAGE_TYPES = {
    # rel path: (section code, title text before " - 示范县人民政府")
    "index.html": ("home", ""),
    "xxgk/wj/wj-2025-001.html": ("xxgk", "示范县公开文件2025第1号"),
    "bsfw/zn/dibao.html": ("bsfw", "最低生活保障申请 - 办事指南"),
    "bsfw/zn/dibao-qd.html": ("bsfw", "最低生活保障申请 - 材料清单"),
    "zsyz/xm/xm-a.html": ("zsyz", "现代农业产业园项目"),
    "zsyz/tz/tzhj.html": ("zsyz", "示范县投资环境"),
    "zwdt/bmdt/bmdt-1.html": ("zwdt", "县卫健局开展义诊活动"),
    "xxgk/zn.html": ("xxgk", "示范县人民政府信息公开指南"),
    "xxgk/ml/index.html": ("xxgk", "政府信息公开目录"),
    "zwdt/yw/index_2.html": ("zwdt", "要闻动态（第2页）"),
    "bsfw/gr/index.html": ("bsfw", "个人办事 - 办事服务"),
    "zsyz/xm/cy/xdny/index.html": ("zsyz", "现代农业 - 招商项目"),
    "jg/index.html": ("jg", "机构设置"),
    "jg/mzj.html": ("jg", "示范县民政局"),
    "404.html": (None, "页面未找到"),
    "sitemap.html": (None, "网站地图"),
}


@pytest.mark.parametrize("rel", sorted(PAGE_TYPES))
def test_frame_of_every_page_type(site, rel):
    section, title = PAGE_TYPES[rel]
    soup = page(site, rel)
    assert soup.html["lang"] == "zh-CN"
    assert soup.title.get_text() == (f"{title} - 示范县人民政府" if title else "示范县人民政府")
    assert len(soup.find_all("h1")) == 1 and soup.select_one("main h1")
    assert meta(soup, "SiteName") == "示范县人民政府"
    assert meta(soup, "SiteDomain") == "www.shifan.gov.cn"
    assert meta(soup, "SiteIDCode") == "1234560001"
    column = {"home": "首页", "xxgk": "信息公开", "bsfw": "办事服务", "zsyz": "招商引资",
              "zwdt": "政务动态", "jg": "机构设置", None: "首页"}[section]
    assert meta(soup, "ColumnName") == column
    for name in ("ColumnDescription", "ColumnKeywords", "ColumnType"):
        assert meta(soup, name)
    # skip link first, to the main landmark
    first_link = soup.body.find("a")
    assert first_link["href"] == "#main" and soup.find("main", id="main")
    # navigation: every section, the active one marked
    nav = soup.select_one("nav.gp-nav")
    assert [a["href"] for a in nav.find_all("a")] == [
        "/", "/zwdt/", "/xxgk/", "/bsfw/", "/zsyz/", "/hdjl/", "/jg/"]
    active = [a.get_text() for a in nav.select("a[aria-current]")]
    assert active == ([column] if section else [])
    # breadcrumb on every page except home
    crumbs = soup.select("nav.gp-breadcrumb li")
    if rel == "index.html" or rel == "404.html":
        assert not crumbs
    else:
        assert crumbs[0].a["href"] == "/" and crumbs[-1].get("aria-current") == "page"
    # one search box: in the header, or on the home page its own large one instead
    forms = soup.select("form[role=search][action='/search']")
    assert len(forms) == 1
    form = forms[0]
    assert form["method"] == "get"
    if rel in ("index.html", "404.html"):
        assert not soup.select_one("header form[role=search]")
        assert "gp-search--large" in form["class"]
    else:
        assert form.find_parent("header")
        assert soup.find("label", attrs={"for": form.input["id"]}).get_text(strip=True) == "搜索"
    # 关怀版 button: hidden until care.js shows it; the script loads in <head>, before the CSS
    button = soup.select_one("button[data-module=gp-care]")
    assert button.has_attr("hidden") and button["type"] == "button"
    head = [t.get("src") or t.get("href") for t in soup.head.find_all(["script", "link"])]
    assert head.index("/theme/js/care.js") < head.index("/theme/css/site.css")
    assert not soup.find_all("script", src=False)
    assert not soup.find_all(attrs={"onclick": True}) and not soup.find_all(attrs={"onsubmit": True})
    # footer
    footer = soup.select_one("footer.gp-footer")
    text = footer.get_text(" ", strip=True)
    for label in FOOTER_LABELS:
        assert label in text
    for value in ("1234560001", "示ICP备12345678号", "示公网安备12345602000001号", "0123-6612345"):
        assert value in text
    links = {a.get_text(strip=True): a["href"] for a in footer.find_all("a")}
    assert links["网站地图"] == "/sitemap.html" and links["联系我们"] == "/contact.html"
    assert links["我为政府网站找错"] == "/hdjl/jy/new" and links["无障碍 / 关怀版"] == "/accessibility.html"
    assert footer.select_one(".gp-footer__badge") is not None  # the 党政机关标识 slot
    # nothing from another host
    for tag in soup.find_all(["script", "link", "img"]):
        url = tag.get("src") or tag.get("href") or ""
        assert url.startswith("/") and not url.startswith("//"), url


def test_article_meta_tags(site):
    soup = page(site, "zwdt/bmdt/bmdt-1.html")
    assert meta(soup, "ArticleTitle") == "县卫健局开展义诊活动"
    assert meta(soup, "PubDate") == "2025-04-05 15:30"
    assert meta(soup, "ContentSource") == "县卫生健康局"
    assert meta(page(site, "index.html"), "ArticleTitle") is None


# ---- document templates: every field of each type ---------------------------------------------

def test_disclosure_renders_every_metadata_field(site):
    soup = page(site, "xxgk/wj/wj-2025-001.html")
    rows = {dt.get_text(strip=True): dd.get_text(" ", strip=True)
            for dt, dd in zip(soup.select(".gp-metadata dt"), soup.select(".gp-metadata dd"),
                              strict=True)}
    assert rows == {
        "索引号": "01150001-1/2025-00001", "主题分类": "综合政务", "发布机构": "示范县人民政府办公室",
        "体裁分类": "通知", "成文日期": "2025-03-01", "发布日期": "2025-03-03",
        "文号": "示政办〔2025〕1号", "有效性": "有效", "主题词": "政务公开　测试1",
        "内容概述": "文件2025-1的内容概述。",
    }
    assert soup.select_one(".gp-metadata a[href='/xxgk/ml/zt/01/']")
    assert soup.select_one(".gp-metadata a[href='/xxgk/ml/jg/xzfb/']")
    assert not soup.select(".gp-validity-banner")
    attachment = soup.select_one(".gp-attachments a")
    assert attachment["href"] == "/files/xxgk/2025/fujian.pdf" and "附件1 申请表" in attachment.text
    assert "正文。" in main_text(soup)
    # every disclosure field of the schema appears on the page (by label)
    # (文件类别 classifies documents for the annual report; it is not one of the ten rows)
    labels = {f.label for f in schema.DISCLOSURE.fields} - {"标题", "替代或修改文件", "失效日期", "附件",
                                                            "文件类别"}
    assert labels <= set(rows)


def test_repealed_document_has_banner_linking_the_replacement(site):
    soup = page(site, "xxgk/wj/wj-2024-001.html")
    banner = soup.select_one(".gp-validity-banner")
    assert banner is not None and "本文件已废止" in banner.get_text()
    assert "2025-01-01" in banner.get_text()
    assert banner.find("a")["href"] == "/xxgk/wj/wj-2025-001.html"
    assert banner.find_previous("h1") is not None  # the title comes first


def test_guide_renders_every_field(site):
    soup = page(site, "bsfw/zn/gsdj.html")
    text = main_text(soup)
    for f in schema.GUIDE.fields:
        if f.key in ("title", "date", "forms", "faq"):
            continue
        assert f.label.split("（")[0] in text, f.label
    for value in ("000201015000", "11990123011500066T500020101500001", "行政许可",
                  "《中华人民共和国测试法》第一条", "具有示范县户籍", "20个工作日", "5个工作日",
                  "承诺件", "每件10元", "《测试收费办法》", "县政务服务中心一楼", "工作日 8:30-17:30",
                  "0123-6610001", "0123-6610002", "批准决定书", "可以代办吗？", "可以，带上委托书。",
                  "示范县市场监督管理局", "个人", "法人", "设立变更", "就业创业"):
        assert value in text, value
    table = soup.select_one("table.gp-table--materials")
    headers = [th.get_text(strip=True) for th in table.select("thead th")]
    assert headers == ["序号", "材料名称", "材料形式", "份数", "是否必需", "来源渠道", "空白表格",
                       "示例样表", "备注"]
    first, second = ([td.get_text(" ", strip=True) for td in tr.find_all("td")]
                     for tr in table.select("tbody tr"))
    assert first[:6] == ["1", "申请表", "原件", "2", "必需", "窗口领取"]
    assert second[:6] == ["2", "居民身份证", "原件和复印件", "1", "非必需", "申请人自备"]
    assert second[8] == "代办时提供代办人身份证"
    assert [a["href"] for a in table.select("a")] == ["/files/bsfw/biao.pdf", "/files/bsfw/yangbiao.pdf"]
    assert table.find_parent(class_="gp-table-wrap")  # scrolls inside its wrapper on phones
    steps = soup.select("ol.gp-steps > li")
    assert [s.h3.get_text(strip=True) for s in steps] == ["申请", "受理"]
    assert soup.find("a", href="https://zwfw.shifan.gov.cn/x")  # 网上办理
    assert soup.find("a", href="/bsfw/zn/gsdj-qd.html")  # printable checklist
    assert soup.select_one("#bgxz").find_next("a")["href"] == "/files/bsfw/biao.pdf"
    assert soup.find("a", href="/bsfw/lx/xzxk/") and soup.find("a", href="/bsfw/fr/slbg/")


def test_project_renders_every_field_and_inquiry_link(site):
    soup = page(site, "zsyz/xm/xm-b.html")
    rows = {th.get_text(strip=True): td.get_text(" ", strip=True)
            for th, td in ((tr.th, tr.td) for tr in soup.select(".gp-summary-table tr"))}
    assert rows["所属产业"] == "装备制造" and rows["总投资"] == "24,000 万元"
    assert rows["合作方式"] == "合资" and rows["项目地点"] == "示范县河西镇"
    assert rows["用地情况"] == "约200亩，工业用地，挂牌出让" and rows["项目状态"] == "洽谈中"
    assert rows["责任单位"] == "示范县商务局（县投资促进中心）"
    assert rows["联系人"] == "张伟" and rows["联系电话"] == "0123-6618888"
    assert rows["电子邮箱"] == "tzcj@shifan.gov.cn" and rows["项目简介"] == "农机装备制造项目简介。"
    assert soup.find("a", href="/hdjl/tz/new?project=xm-b")
    assert soup.find("a", href="/zsyz/xm/cy/zbzz/")
    assert "2025-05-02" in main_text(soup)


def test_news_and_investment_pages(site):
    news = main_text(page(site, "zwdt/bmdt/bmdt-1.html"))
    for value in ("2025-04-05 15:30", "县卫生健康局", "李明", "部门动态", "正文。"):
        assert value in news
    summary = page(site, "zwdt/yw/yw-001.html").select_one(".gp-article__summary")
    assert summary.get_text(strip=True) == "摘要：要闻摘要1"
    inv = page(site, "zsyz/tz/yhzc.html")
    assert "优惠政策" in main_text(inv) and inv.find("a", href="/jg/swj.html")
    assert "2025-01-11" in main_text(inv)


def test_fixed_page_takes_its_section_from_its_url(site):
    soup = page(site, "xxgk/nb/2024.html")
    assert soup.select_one("nav.gp-nav a[aria-current]").get_text() == "信息公开"
    assert [li.get_text(strip=True) for li in soup.select("nav.gp-breadcrumb li")] == [
        "首页", "信息公开", "2024年政府信息公开工作年度报告"]


# ---- components (also used by formsvc, with autoescape on) ------------------------------------

@pytest.fixture(params=[False, True], ids=["pelican", "flask-autoescape"])
def env(request) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                              autoescape=request.param, trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined if False else jinja2.Undefined)


def render(env: jinja2.Environment, source: str, **context) -> BeautifulSoup:
    return BeautifulSoup(env.from_string(source).render(**context), "html.parser")


def test_field_text_with_hint_error_and_required(env):
    soup = render(env, '{% from "components/field.html" import field %}'
                       '{{ field({"name": "phone", "type": "tel", "label": "联系电话", "required": true,'
                       ' "hint": "手机或固定电话", "error": "请填写<联系电话>", "value": v,'
                       ' "autocomplete": "tel"}) }}', v='0123"x')
    group = soup.select_one(".gp-form-group")
    assert "gp-form-group--error" in group["class"]
    field = soup.find("input", id="phone")
    assert field["type"] == "tel" and field["name"] == "phone" and field["value"] == '0123"x'
    assert field.has_attr("required") and field["aria-invalid"] == "true"
    assert field["aria-describedby"] == "phone-hint phone-error"
    assert soup.find(id="phone-error").get_text() == "错误：请填写<联系电话>"
    assert soup.find(id="phone-hint").get_text() == "手机或固定电话"
    assert soup.find("label", attrs={"for": "phone"}).get_text() == "联系电话 （必填）"


@pytest.mark.parametrize("kind", ["radios", "checkboxes"])
def test_field_choices_in_a_fieldset(env, kind):
    soup = render(env, '{% from "components/field.html" import field %}'
                       '{{ field({"name": "kind", "type": kind, "label": "类型", "error": "请选择",'
                       ' "items": [("zx", "咨询"), {"value": "jy", "text": "建议", "hint": "对工作的建议"}],'
                       ' "value": ["jy"] if kind == "checkboxes" else "jy"}) }}', kind=kind)
    fieldset = soup.find("fieldset")
    assert fieldset.legend.get_text(strip=True) == "类型"
    assert fieldset["aria-describedby"] == "kind-error"
    inputs = soup.find_all("input")
    assert [i["id"] for i in inputs] == ["kind", "kind-2"]  # the summary links to #kind
    assert [i["type"] for i in inputs] == ["radio" if kind == "radios" else "checkbox"] * 2
    assert [i.has_attr("checked") for i in inputs] == [False, True]
    for i in inputs:
        assert soup.find("label", attrs={"for": i["id"]})
    assert inputs[1]["aria-describedby"] == "kind-2-item-hint"


def test_field_select_textarea_file(env):
    soup = render(env, '{% from "components/field.html" import field %}'
                       '{{ field({"name": "dept", "type": "select", "label": "部门",'
                       ' "items": [("", "请选择"), ("fgw", "发改局")], "value": "fgw"}) }}'
                       '{{ field({"name": "body", "type": "textarea", "label": "内容", "value": "<b>x</b>",'
                       ' "rows": 8, "maxlength": 2000}) }}'
                       '{{ field({"name": "files", "type": "file", "label": "附件", "accept": ".pdf,.jpg",'
                       ' "multiple": true, "hint": "不超过5个"}) }}')
    assert soup.find("select", id="dept").find("option", selected=True)["value"] == "fgw"
    area = soup.find("textarea", id="body")
    assert area.get_text() == "<b>x</b>" and area["rows"] == "8" and area["maxlength"] == "2000"
    upload = soup.find("input", id="files")
    assert upload["type"] == "file" and upload.has_attr("multiple") and upload["accept"] == ".pdf,.jpg"
    assert upload["aria-describedby"] == "files-hint"


def test_error_summary_and_button(env):
    soup = render(env, '{% from "components/error_summary.html" import error_summary %}'
                       '{% from "components/button.html" import button %}'
                       '{{ error_summary({"errors": [{"text": "请填写姓名", "href": "#name"},'
                       ' ("#phone", "电话<格式>不正确")]}) }}{{ error_summary({"errors": []}) }}'
                       '{{ button({"text": "提交"}) }}'
                       '{{ button({"text": "查询", "href": "/hdjl/track", "variant": "secondary"}) }}')
    summary = soup.select(".gp-error-summary")
    assert len(summary) == 1 and summary[0]["role"] == "alert"
    assert [(a["href"], a.get_text()) for a in summary[0].find_all("a")] == [
        ("#name", "请填写姓名"), ("#phone", "电话<格式>不正确")]
    assert soup.find("button", type="submit", class_="gp-button").get_text() == "提交"
    link = soup.find("a", class_="gp-button--secondary")
    assert link["href"] == "/hdjl/track" and link.get_text() == "查询"


def test_components_are_one_documented_macro_each():
    for path in sorted((TEMPLATES / "components").glob("*.html")):
        source = path.read_text(encoding="utf-8")
        assert source.startswith("{#-") and "example:" in source and "params" in source, path.name
        macros = re.findall(r"{% macro (\w+)\(params\)", source)
        assert macros == [path.stem], path.name


def test_pagination_component_elides_long_ranges(env):
    pages = [f"/p/{n}" for n in range(1, 31)]
    soup = render(env, '{% from "components/pagination.html" import pagination %}'
                       '{{ pagination({"number": 15, "pages": pages, "count": 600}) }}', pages=pages)
    numbers = [li.get_text(strip=True) for li in soup.select("li")]
    assert numbers == ["上一页", "1", "…", "13", "14", "第15页", "16", "17", "…", "30", "下一页"]
    single = render(env, '{% from "components/pagination.html" import pagination %}'
                         '{{ pagination({"number": 1, "pages": ["/"]}) }}')
    assert not single.find("nav")
    for number, total, expected in ((1, 2, ["1", "2"]), (5, 5, ["1", "…", "3", "4", "5"]),
                                    (1, 4, ["1", "2", "3", "4"]), (4, 7, list("1234567"))):
        soup = render(env, '{% from "components/pagination.html" import pagination %}'
                           '{{ pagination({"number": n, "pages": pages}) }}', n=number,
                      pages=[f"/p/{i}" for i in range(1, total + 1)])
        shown = [li.get_text(strip=True).replace(f"第{number}页", str(number))
                 for li in soup.select("li") if "页" not in li.get_text() or "第" in li.get_text()]
        assert shown == expected, (number, total, shown)


# ---- static files -------------------------------------------------------------------------------

def test_css_is_self_contained_and_has_form_styles():
    css = (THEME / "static/css/site.css").read_text(encoding="utf-8")
    assert "@import" not in css and "@font-face" not in css and "url(" not in css
    for font in ('"PingFang SC"', '"Microsoft YaHei"', '"Noto Sans CJK SC"', "sans-serif"):
        assert font in css
    for cls in ("gp-form-group", "gp-label", "gp-hint", "gp-error-message", "gp-input",
                "gp-textarea", "gp-select", "gp-radios", "gp-checkboxes", "gp-button",
                "gp-error-summary", "gp-form-group--error", "gp-skip-link", "gp-care"):
        assert f".{cls}" in css, cls
    assert ":focus-visible" in css and "html.gp-care" in css
    print_css = (THEME / "static/css/print.css").read_text(encoding="utf-8")
    assert ".gp-nav" in print_css and "@page" in print_css


def test_care_script_persists_the_choice():
    js = (THEME / "static/js/care.js").read_text(encoding="utf-8")
    assert "localStorage" in js and "gp-care" in js and "aria-pressed" in js
    assert "document.documentElement" in js


def test_base_renders_for_formsvc_with_autoescape():
    """formsvc renders base.html through its own (autoescaping) Jinja environment."""
    import pelicanconf

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
    settings = {k: getattr(pelicanconf, k) for k in (
        "SITENAME", "SITEURL", "SITE_DOMAIN", "SITE_ID_CODE", "FOOTER", "SECTIONS", "COLUMN_META")}
    child = env.from_string(
        '{% extends "base.html" %}{% set section = "hdjl" %}'
        '{% set breadcrumbs = [("互动交流", "/hdjl/"), ("我要咨询<>", None)] %}'
        '{% block title %}我要咨询{% endblock %}'
        '{% block content %}<h1>我要咨询</h1>{% endblock %}')
    soup = BeautifulSoup(child.render(**settings), "html.parser")
    assert soup.title.get_text() == "我要咨询 - 示范县人民政府"
    assert meta(soup, "ColumnName") == "互动交流"
    assert soup.select_one("nav.gp-nav a[aria-current]")["href"] == "/hdjl/"
    assert soup.select("nav.gp-breadcrumb li")[-1].get_text(strip=True) == "我要咨询<>"
    assert len(soup.find_all("h1")) == 1
    bare = env.from_string('{% extends "base.html" %}{% block content %}<h1>x</h1>{% endblock %}')
    assert "<html lang=\"zh-CN\"" in bare.render()  # renders even without any settings


@pytest.mark.parametrize("sites", [3, 100])
def test_the_footer_shows_the_cluster_it_is_given(sites):
    from portal.cluster import settings as cluster_settings

    listed = [{"id": "county", "name": "示范县人民政府", "kind": "门户网站", "url": "/"}] + [
        {"id": f"s{i:03}", "name": f"部门网站{i}", "kind": "部门网站", "url": f"/s{i:03}/"} for i in range(1, sites)]
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
    child = env.from_string('{% extends "base.html" %}{% block content %}<h1>x</h1>{% endblock %}')
    soup = BeautifulSoup(child.render(CLUSTER={"site": "s002"},
                                      CLUSTER_FOOTER=cluster_settings.footer_sites("s002", listed, "")),
                         "html.parser")
    links = [(a.get_text(), a["href"], a.get("aria-current")) for a in soup.select(".gp-footer__cluster a")]
    if sites <= cluster_settings.FOOTER_SITES_MAX:
        assert [href for _, href, _ in links] == ["/", "/s001/", "/s002/"]
    else:
        assert links == [("示范县人民政府（门户网站）", "/", None), ("部门网站2（部门网站）", "/s002/", "true"),
                         ("全部 100 个网站", "/sitemap.html#wzq", None)]
    alone = child.render(CLUSTER={"site": "county"}, CLUSTER_FOOTER=cluster_settings.footer_sites("county", listed[:1], ""))
    assert "gp-footer__cluster" not in alone  # a county without sub-sites has no 网站群


def test_item_info_names_the_department_with_or_without_its_page(env):
    import datetime as dt

    source = '{% from "components/item_info.html" import item_info %}{{ item_info(params) }}'
    soup = render(env, source, params={"department": "县市场监督管理局", "department_href": "/jg/scjgj.html",
                                       "date": dt.datetime(2024, 6, 1, 9, 30)})
    link = soup.select_one(".gp-article__info a")
    assert link["href"] == "/jg/scjgj.html" and link.get_text() == "县市场监督管理局"
    assert soup.find("time")["datetime"] == "2024-06-01" and soup.find("time").get_text() == "2024-06-01"
    plain = render(env, source, params={"department": "<b>nosuch</b>", "department_href": None,
                                        "date": dt.date(2024, 6, 1)})
    assert plain.select_one(".gp-article__info a") is None
    assert "实施主体：" in plain.get_text()


def test_a_guide_and_a_power_item_share_the_info_line(built_site):
    for page, date in (("bsfw/zn/spjy-xuke.html", "2024-05-20"), ("xxgk/ql/spjy-xuke.html", "2024-06-01")):
        info = BeautifulSoup((built_site / page).read_text(encoding="utf-8"), "html.parser").select_one(".gp-article__info")
        assert info.get_text(" ", strip=True) == f"实施主体： 示范县市场监督管理局 更新日期： {date}", page
        assert info.select_one("a")["href"] == "/jg/scjgj.html", page
        assert info.find("time")["datetime"] == date, page
