"""The cluster's settings files and rules: site.yml, a site's settings, the cross-site check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from portal import check, scaffold
from portal import sites as cluster_sites
from portal.cluster import checks
from portal.cluster import settings as cluster_settings

from .util import DATA_SITE

REPO = cluster_sites.REPO_ROOT


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with a county tree (the test site, the real registry) and two sub-sites."""
    root = tmp_path / "repo"
    shutil.copytree(DATA_SITE, root / "content")
    shutil.copy(REPO / "content" / "departments.yml", root / "content" / "departments.yml")
    for site_id in ("cgz", "rsj"):
        shutil.copytree(REPO / "sites" / site_id, root / "sites" / site_id)
    monkeypatch.setattr(cluster_sites, "REPO_ROOT", root)
    return root


def write_site_yml(repo: Path, site_id: str, text: str) -> Path:
    path = repo / "sites" / site_id / "site.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_demo_cluster_has_three_departments_two_townships_and_one_topic():
    kinds = [s.kind for s in cluster_sites.load_all()]
    assert sorted(kinds) == ["department"] * 3 + ["topic"] + ["township"] * 2


def test_every_accent_of_the_palette_carries_white_text():
    assert set(cluster_sites.accessible_accents()) == set(cluster_sites.palette())
    assert len(cluster_sites.palette()) >= 5
    for colour, dark in cluster_sites.palette().values():
        assert cluster_sites.contrast_with_white(colour) >= 4.5
        assert cluster_sites.contrast_with_white(dark) >= 4.5
    assert cluster_sites.contrast_with_white("#ffcc00") < 4.5  # the focus yellow would fail


@pytest.mark.parametrize(("change", "line", "words"), [
    (("accent: teal", "accent: yellow"), 7, "主题色 accent 应是网站配色中的一种"),
    (("accent: teal", "accent: 3"), 7, "accent 应是一段文字"),
    (("department: cgz", "department: nosuch"), 5, "机构代码 nosuch 不在机构名录"),
    (("department: cgz", "department: rsj"), 5, "乡镇网站应属于乡镇或街道"),
    (("kind: township", "kind: county"), 4, "kind 应是"),
    (('site_id_code: "1234560017"', 'site_id_code: "12345"'), 6, "网站标识码"),
    (("logo: logo.svg", "logo: nosuch.svg"), 8, "找不到标志文件"),
    (("menu: [home, zwdt, xxgk, hdjl, jg]", "menu: [zwdt, home]"), 9, "第一项应是 home"),
    (("menu: [home, zwdt, xxgk, hdjl, jg]", "menu: [home, news]"), 9, "菜单 menu 应是栏目代码的列表"),
    (("name: 示范县城关镇人民政府", "name: [a, b]"), 2, "name 应是一段文字"),
    (("name: 示范县城关镇人民政府", "name：示范县城关镇人民政府"), 2, "中文冒号"),
    (("short_name: 城关镇", "colour: red"), 3, "未知的设置项 colour"),
])
def test_a_broken_site_yml_is_named_with_its_line(repo, change, line, words):
    path = repo / "sites" / "cgz" / "site.yml"
    text = path.read_text(encoding="utf-8")
    assert change[0] in text
    write_site_yml(repo, "cgz", text.replace(change[0], change[1]))
    with pytest.raises(cluster_sites.SiteError) as caught:
        cluster_sites.load_all(repo)
    assert caught.value.line == line, caught.value
    assert words in caught.value.message
    assert str(caught.value).startswith(f"{path}:{line}: ")


@pytest.mark.parametrize("text", ["", "- a\n- b\n", "name: [unclosed\n", b"\xff\xfe".decode("latin-1")])
def test_a_site_yml_that_is_no_mapping_is_refused_in_chinese(repo, text):
    write_site_yml(repo, "cgz", text)
    with pytest.raises(cluster_sites.SiteError) as caught:
        cluster_sites.load_all(repo)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in caught.value.message)


def test_a_site_folder_whose_name_is_no_site_id_is_refused(repo):
    shutil.copytree(repo / "sites" / "cgz", repo / "sites" / "Bad.Name")
    with pytest.raises(cluster_sites.SiteError, match="不能用作网站代码"):
        cluster_sites.load_all(repo)


def test_a_subsite_inherits_the_county_settings_and_overrides_its_own(repo):
    sites = cluster_sites.load_all(repo)
    cgz = next(s for s in sites if s.id == "cgz")
    base = cluster_settings.base_settings(False)
    out = cluster_settings.subsite_overrides(cgz, sites, repo / "output")
    assert out["SITENAME"] == "示范县城关镇人民政府"
    assert out["SITE_ID_CODE"] == "1234560017" != base["SITE_ID_CODE"]
    assert out["SITEURL"] == "/cgz" and out["OUTPUT_PATH"].endswith("/output/cgz")
    # the footer: its own sponsor, the county's ICP and 公安备案 numbers
    assert out["FOOTER"]["sponsor"] == "示范县城关镇人民政府"
    assert out["FOOTER"]["icp"] == base["FOOTER"]["icp"]
    # theme, plugins, Markdown and everything else not named stay pelicanconf's
    for key in ("THEME", "PLUGINS", "MARKDOWN", "JINJA_ENVIRONMENT", "TIMEZONE"):
        assert key not in out
    assert out["SEARCHINDEX"]["site"] == "cgz" and out["SEARCHINDEX"]["dir"].endswith("/output/_search")
    # hdjl and jg are the county's: their menu links start from the county's root
    menu = {code: url for _label, url, code in out["SECTIONS"]}
    assert menu == {"home": "", "zwdt": "zwdt/", "xxgk": "xxgk/", "hdjl": "/hdjl/", "jg": "/jg/"}
    assert out["SERVICE_QUERY"] == "?department=cgz"
    assert out["THEME_STATIC_PATHS"][0] == "static"
    assert "THEME_TEMPLATES_OVERRIDES" not in out  # cgz has no templates/ folder
    (repo / "sites" / "cgz" / "templates").mkdir()
    out = cluster_settings.subsite_overrides(cgz, sites, repo / "output")
    assert out["THEME_TEMPLATES_OVERRIDES"] == [str((repo / "sites" / "cgz" / "templates").resolve())]


def test_the_publishing_settings_put_a_subsite_under_the_county_origin(repo):
    sites = cluster_sites.load_all(repo)
    rsj = next(s for s in sites if s.id == "rsj")
    out = cluster_settings.subsite_overrides(rsj, sites, repo / "output", publish=True)
    assert out["SITEURL"] == "https://www.shifan.gov.cn/rsj"
    assert out["SERVICE_URL"] == "https://www.shifan.gov.cn"


def test_the_county_reads_its_subsites_manifests(repo):
    sites = cluster_sites.load_all(repo)
    out = cluster_settings.county_overrides(sites, repo / "output")
    assert [Path(m).parts[-4:] for m in out["CLUSTER"]["manifests"]] == [
        ("output", "cgz", "_cluster", "manifest.json"), ("output", "rsj", "_cluster", "manifest.json")]
    assert [s["id"] for s in out["CLUSTER_SITES"]] == ["county", "cgz", "rsj"]


def test_a_small_clusters_footer_lists_every_site(repo):
    sites = cluster_sites.load_all(repo)
    out = cluster_settings.overrides_for("cgz", sites, repo / "output")
    assert out["CLUSTER_FOOTER"] == {"sites": out["CLUSTER_SITES"], "more": None}


def listed_sites(n: int) -> list[dict[str, str]]:
    return [{"id": "county", "name": "示范县人民政府", "kind": "门户网站", "url": "/"}] + [
        {"id": f"s{i:03}", "name": f"部门{i}", "kind": "部门网站", "url": f"/s{i:03}/"} for i in range(1, n)]


def test_a_large_clusters_footer_names_the_county_and_the_site_and_links_to_the_whole_list():
    biggest = listed_sites(cluster_settings.FOOTER_SITES_MAX)
    assert cluster_settings.footer_sites("s003", biggest, "")["sites"] == biggest
    listed = listed_sites(100)
    footer = cluster_settings.footer_sites("s042", listed, "https://www.example.gov.cn")
    assert [s["id"] for s in footer["sites"]] == ["county", "s042"]
    assert footer["more"] == {"count": 100, "url": "https://www.example.gov.cn/sitemap.html#wzq"}
    county = cluster_settings.footer_sites("county", listed_sites(cluster_settings.FOOTER_SITES_MAX + 1), "")
    assert [s["id"] for s in county["sites"]] == ["county"]
    assert county["more"] == {"count": cluster_settings.FOOTER_SITES_MAX + 1, "url": "/sitemap.html#wzq"}


def test_the_publishing_county_build_keeps_the_subsites_in_its_output(repo):
    sites = cluster_sites.load_all(repo)
    out = cluster_settings.county_overrides(sites, repo / "output", publish=True)
    assert set(out["OUTPUT_RETENTION"]) >= {".well-known", "_search", "_cluster", "cgz", "rsj"}
    assert "OUTPUT_RETENTION" not in cluster_settings.county_overrides(sites, repo / "output")


def test_pelican_gets_every_setting_in_one_extra_settings_flag(repo):
    sites = cluster_sites.load_all(repo)
    argv = cluster_settings.pelican_argv(cluster_settings.overrides_for("cgz", sites, repo / "output"))
    assert argv.count("-e") == 1  # a second -e would replace the first's pairs
    assert any(a.startswith("SITENAME=") for a in argv)


# --- the cross-site rules of scripts/check -------------------------------------------------------


def add_doc(tree: Path, rel: str, text: str) -> Path:
    path = tree / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_one_index_no_in_two_sites_is_an_error_at_both(repo):
    cgz_doc = repo / "sites" / "cgz" / "content" / "xxgk" / "wj" / "2026" / "cgz-2026-101.md"
    copy = add_doc(repo / "content", "xxgk/wj/2026/copy.md", cgz_doc.read_text(encoding="utf-8"))
    reports, own = checks.run(repo=repo)
    dupes = [p for p in own if "01150017-7/2026-00101" in p.message]
    assert len(dupes) == 2 and all(p.is_error for p in dupes)
    assert {p.path.rsplit("/", 1)[1] for p in dupes} == {"copy.md", "cgz-2026-101.md"}
    assert all(p.line == 3 for p in dupes)
    copy.unlink()
    _reports, own = checks.run(repo=repo)
    assert not [p for p in own if p.is_error]


NEWS = """---
title: 链接测试
column: {column}
department: {dept}
summary: 链接测试
date: "2026-11-01 09:00"
---

见[{what}]({href})。
"""


@pytest.mark.parametrize(("href", "ok"), [
    ("/cgz/xxgk/wj/cgz-2026-101.html", True),
    ("/cgz/zwdt/xzdt/cgz-shequ-shitang.html", True),
    ("/cgz/zwdt/", True),  # another site's list page
    ("/cgz/xxgk/wj/nosuch.html", False),
    ("/rsj/zwdt/bmdt/cgz-shequ-shitang.html", False),  # a page of cgz, not of rsj
])
def test_a_county_link_into_a_subsite_is_checked_against_that_site(repo, href, ok):
    add_doc(repo / "content", "zwdt/link-test.md", NEWS.format(column="yw", dept="xzfb", what="乡镇", href=href))
    report = check.run(repo / "content")
    problems = [p for p in report.errors if p.path.endswith("link-test.md")]
    assert (problems == []) is ok, problems
    if not ok:
        assert "网站群中网站" in problems[0].message and problems[0].line == 9


@pytest.mark.parametrize(("href", "ok"), [
    ("/jg/cgz.html", True),  # the county's registry page, from a township site
    ("/xxgk/ml/", True),  # the county's catalogue
    ("/rsj/xxgk/wj/rsj-2026-101.html", True),
    ("/xxgk/wj/cgz-2026-101.html", False),  # the township's own page is /cgz/…, not the county's
    ("/rsj/xxgk/wj/nosuch.html", False),
])
def test_a_subsite_link_from_the_root_is_the_countys_or_another_sites(repo, href, ok):
    tree = repo / "sites" / "cgz" / "content"
    add_doc(tree, "zwdt/link-test.md", NEWS.format(column="xzdt", dept="cgz", what="页面", href=href))
    report = check.run(tree)
    problems = [p for p in report.errors if p.path.endswith("link-test.md")]
    assert (problems == []) is ok, problems


@pytest.mark.parametrize(("href", "ok"), [
    ("/zwdt/yw/2024-gzhy.html", True),
    ("/zwdt/tzgg/2024-gzhy.html", False),  # the county's news item is in 要闻
])
def test_a_subsite_link_to_a_county_news_item_names_its_column(repo, href, ok):
    tree = repo / "sites" / "cgz" / "content"
    add_doc(tree, "zwdt/link-test.md", NEWS.format(column="xzdt", dept="cgz", what="新闻", href=href))
    site = check.Site(tree, check.load_registry(tree), root=tree.parent)
    problems = [p for p in check.run(tree).errors if p.path.endswith("link-test.md")]
    assert (problems == []) is ok, problems
    if ok:
        check.check_file(tree / "zwdt/link-test.md", site, "zwdt/link-test.md")
        assert list(site.cross_links.values()) == [[("county", "zwdt/2024-gzhy.md")]]
    else:
        assert "网页地址是 /zwdt/yw/2024-gzhy.html" in problems[0].message and problems[0].line == 9


@pytest.mark.parametrize(("href", "ok"), [
    ("/cgz/zwdt/", True),
    ("/cgz/bsfw/", False),  # cgz has no guides: its 办事服务 is the county's
    ("/cgz/bsfw/gr/", False),
    ("/cgz/zsyz/xm/", False),
    ("/cgz/hd/", False),  # nor drafts or interviews: no 互动交流 list of its own
    ("/cgz/jg/", False),  # the registry's pages are the county's
    ("/bsfw/", True), ("/hd/", True), ("/jg/", True),
])
def test_a_subsite_link_to_its_own_list_pages_names_only_those_it_writes(repo, href, ok):
    tree = repo / "sites" / "cgz" / "content"
    add_doc(tree, "zwdt/link-test.md", NEWS.format(column="xzdt", dept="cgz", what="页面", href=href))
    problems = [p for p in check.run(tree).errors if p.path.endswith("link-test.md")]
    assert (problems == []) is ok, problems
    if not ok:
        assert "不存在的列表页" in problems[0].message and "“/cgz/" in problems[0].message  # its own pages


def test_the_countys_participation_list_is_a_page_a_document_may_link(repo):
    add_doc(repo / "content", "zwdt/link-test.md", NEWS.format(column="yw", dept="xzfb", what="互动", href="/hd/"))
    assert not [p for p in check.run(repo / "content").errors if p.path.endswith("link-test.md")]


def test_check_without_a_site_checks_every_site(repo, capsys):
    assert check.main(["--today", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert "county：检查通过" in out and "cgz：检查通过" in out and "rsj：检查通过" in out
    assert "网站群检查通过：3 个网站" in out
    assert check.main(["--site", "cgz", "--today", "2026-12-01"]) == 0
    out = capsys.readouterr().out
    assert "信息公开文件 2 篇" in out and "网站群" not in out
    assert check.main(["--site", "nosuch"]) == 2
    write_site_yml(repo, "rsj", "name: x\n")
    assert check.main(["--today", "2026-12-01"]) == 1
    assert "sites/rsj/site.yml:1: 缺少必填项 kind" in capsys.readouterr().out.replace(str(repo) + "/", "")


def test_scripts_new_numbers_across_the_cluster(repo):
    # rsj's site holds 01150008-8/2026-00101 and -00102: the county's next rsj document is 00103
    path, text = scaffold.build("disclosure", repo / "content", dept="rsj", year=2026, title="新文件",
                                also=[d for d in cluster_sites.content_dirs(repo) if d.name == "content"
                                      and d.parent.name != "repo"])
    assert 'index_no: "01150008-8/2026-00103"' in text
    assert scaffold.main(["disclosure", "--site", "cgz", "--dept", "cgz", "--title", "新文件",
                          "--year", "2026", "--dry-run"]) == 0
