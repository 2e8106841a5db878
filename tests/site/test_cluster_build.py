"""The cluster build (``python -m portal.cluster build``): sub-sites under the county, the county's
catalogue listing their documents once, template overrides, skipped unchanged sites, a broken
site.yml. One build of a county without documents and two sub-sites (copies of the demo's cgz and rsj)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from harness import synth
from portal.cluster import runner
from portal.cluster import settings as cluster_settings
from tests.conftest import ROOT

CGZ_DOC = "cgz/xxgk/wj/cgz-2026-101.html"
CGZ_INDEX_NO = "01150017-7/2026-00101"
OVERRIDE = """{% extends "!theme/subsite_home.html" %}
{% block head %}<meta name="gp-override" content="cgz">{% endblock %}
"""


def cluster_cmd(repo: Path, output: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "portal.cluster", "build", "--repo", str(repo),
                           "--output", str(output), *extra], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A county (the registry and columns, no documents) and two sub-sites; cgz overrides its home page."""
    root = tmp_path_factory.mktemp("cluster") / "repo"
    for site_id in ("cgz", "rsj"):
        shutil.copytree(ROOT / "sites" / site_id, root / "sites" / site_id)
    (root / "sites" / "cgz" / "templates").mkdir()
    (root / "sites" / "cgz" / "templates" / "subsite_home.html").write_text(OVERRIDE, encoding="utf-8")
    shutil.copytree(ROOT / "content", root / "content", ignore=lambda d, names: [
        n for n in names if n not in ("departments.yml", "columns.yml") and d.endswith("content")])
    return root


@pytest.fixture(scope="module")
def out(repo: Path) -> Path:
    output = repo.parent / "output"
    run = cluster_cmd(repo, output, "--workers", "2")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "网站群：生成 3 个网站，跳过 0 个" in run.stdout
    return output


def page(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def test_each_subsite_is_written_under_the_county(out):
    assert (out / "index.html").is_file() and (out / "jg" / "cgz.html").is_file()
    for site_id in ("cgz", "rsj"):
        assert (out / site_id / "index.html").is_file()
        assert not (out / site_id / "jg").exists()  # the registry's pages are the county's
    assert (out / CGZ_DOC).is_file()
    assert not (out / "xxgk" / "wj" / "cgz-2026-101.html").exists()


def test_a_township_page_has_its_own_name_codes_colour_and_logo(out):
    soup = page(out / CGZ_DOC)
    assert soup.find("meta", attrs={"name": "SiteName"})["content"] == "示范县城关镇人民政府"
    assert soup.find("meta", attrs={"name": "SiteIDCode"})["content"] == "1234560017"
    assert "gp-accent-teal" in soup.body["class"]
    assert soup.select_one(".gp-header__emblem")["src"] == "/cgz/theme/logo.svg"
    assert (out / "cgz" / "theme" / "logo.svg").is_file()
    assert soup.select_one(".gp-header__county")["href"] == "/"
    # links inside the site carry its folder; the county's sections and services start at the root
    nav = {a.get_text(): a["href"] for a in soup.select(".gp-nav__link")}
    assert nav == {"首页": "/cgz/", "政务动态": "/cgz/zwdt/", "信息公开": "/cgz/xxgk/",
                   "互动交流": "/hdjl/", "机构设置": "/jg/"}
    form = soup.select_one("form.gp-search")
    assert form["action"] == "/search" and form.select_one("input[name=site]")["value"] == "cgz"
    # the 网站群 list in every footer
    cluster = [a["href"] for a in soup.select(".gp-footer__cluster a")]
    assert cluster == ["/", "/cgz/", "/rsj/"]


def test_the_county_sitemap_lists_the_cluster_by_kind(out):
    soup = page(out / "sitemap.html")
    section = next(s for s in soup.select("section") if s.h2 and s.h2.get_text() == "网站群")
    assert [h.get_text() for h in section.select("h3")] == ["门户网站", "部门网站", "乡镇网站"]
    # the footer's 「全部 N 个网站」 link of a large cluster opens the site map here
    assert section.h2["id"] == cluster_settings.SITES_ANCHOR
    assert [a["href"] for a in section.select("a")] == ["/", "/rsj/", "/cgz/"]


def test_a_township_home_page_sends_its_forms_to_its_own_department(out):
    hrefs = [a["href"] for a in page(out / "cgz" / "index.html").select("a[href*='/new']")]
    assert "/hdjl/zx/new?department=cgz" in hrefs and "/hdjl/ts/new?department=cgz" in hrefs
    county = [a["href"] for a in page(out / "index.html").select("a[href*='/new']")]
    assert "/hdjl/zx/new" in county and not [h for h in county if "department=" in h]


SERVICE_PATHS = ("/hdjl/", "/search", "/api/", "/open311/")


def test_every_link_from_the_root_on_every_site_names_a_page_of_the_cluster(out):
    """A sub-site's pages link to its own pages under /<id>/ and to the county's (registry, forms)
    from the root: none of them, nor any county page, points to nothing."""
    broken = set()
    for html in out.rglob("*.html"):
        for href in re.findall(r'href="(/[^"#?]*)', html.read_text(encoding="utf-8")):
            if href.startswith(SERVICE_PATHS) or href == "/hdjl":
                continue
            target = out / href.lstrip("/")
            if not (target / "index.html" if href.endswith("/") else target).is_file():
                broken.add((html.relative_to(out).as_posix(), href))
    assert not broken, sorted(broken)[:20]


def test_a_subsite_without_drafts_or_interviews_writes_no_empty_participation_list(out):
    """互动交流 is the county's (a sub-site's menu links /hdjl/): an empty /<id>/hd/ would be a
    page no one reaches that says there is nothing; the county's /hd/ stays (formsvc links it)."""
    assert (out / "hd" / "index.html").is_file()
    for site_id in ("cgz", "rsj"):
        assert not (out / site_id / "hd").exists()
        assert f"/{site_id}/hd/" not in (out / site_id / "sitemap.xml").read_text(encoding="utf-8")
        nav = {a.get_text(): a["href"] for a in page(out / site_id / "index.html").select(".gp-nav__link")}
        assert nav["互动交流"] == "/hdjl/"


def test_no_subsite_writes_an_empty_list_page(out):
    """A township without guides or projects has no 办事服务 or 招商引资 pages of its own: its site
    map (and its menu, when it names them) link to the county's; no list page of a sub-site says
    there is nothing to list."""
    for site_id in ("cgz", "rsj"):
        for section in ("bsfw", "zsyz", "hd"):
            assert not (out / site_id / section).exists(), (site_id, section)
        empty = [p.relative_to(out).as_posix() for p in (out / site_id).rglob("index*.html")
                 if page(p).select(".gp-doc-list--empty")]
        assert not empty
        sitemap = {a.get_text(): a["href"] for a in page(out / site_id / "sitemap.html").select("h2 a")}
        assert sitemap["办事服务"] == "/bsfw/" and sitemap["招商引资"] == "/zsyz/"
    assert (out / "bsfw" / "index.html").is_file() and (out / "zsyz" / "index.html").is_file()


def test_a_subsite_menu_names_the_countys_section_when_it_has_no_documents_of_it(tmp_path):
    from portal import sites as cluster_sites
    from portal.cluster import settings as cluster_settings

    shutil.copytree(ROOT / "sites" / "rsj", tmp_path / "sites" / "rsj")
    sites = cluster_sites.load_all(tmp_path)
    assert "bsfw" in sites[0].menu
    conf = cluster_settings.subsite_overrides(sites[0], sites, tmp_path / "output")
    assert ["办事服务", "/bsfw/", "bsfw"] in conf["SECTIONS"]
    assert conf["CATALOGS"]["county_sections"] == ["bsfw", "zsyz", "hd"]
    for rel in ("bsfw/x.md", "hd/ft/x.md"):  # a guide; an interview (its /hd/ list)
        doc = tmp_path / "sites" / "rsj" / "content" / rel
        doc.parent.mkdir(parents=True)
        doc.write_text("---\ntitle: x\n---\n", encoding="utf-8")
    conf = cluster_settings.subsite_overrides(sites[0], sites, tmp_path / "output")
    assert ["办事服务", "bsfw/", "bsfw"] in conf["SECTIONS"]  # its own, under /rsj/
    assert conf["CATALOGS"]["county_sections"] == ["zsyz"]


def test_a_template_override_is_searched_before_the_theme(out):
    assert page(out / "cgz" / "index.html").find("meta", attrs={"name": "gp-override"})["content"] == "cgz"
    assert page(out / "rsj" / "index.html").find("meta", attrs={"name": "gp-override"}) is None
    assert page(out / "index.html").find("meta", attrs={"name": "gp-override"}) is None


def test_two_sites_forked_by_one_server_keep_their_own_settings_and_menus(out):
    """Both sub-sites are built by children of one fork server: neither sees the other's settings,
    menu or template override (Pelican registers the plugins in each child, after the fork)."""
    def nav(site_id: str) -> list[str]:
        return [a["href"] for a in page(out / site_id / "index.html").select(".gp-nav__link")]

    assert nav("cgz") == ["/cgz/", "/cgz/zwdt/", "/cgz/xxgk/", "/hdjl/", "/jg/"]
    # rsj has no guides of its own: its 办事服务 is the county's (portal.sites.county_sections)
    assert nav("rsj") == ["/rsj/", "/rsj/zwdt/", "/rsj/xxgk/", "/bsfw/", "/hdjl/", "/jg/"]
    names = {site_id: page(out / site_id / "index.html").find("meta", attrs={"name": "SiteName"})["content"]
             for site_id in ("cgz", "rsj")}
    assert names == {"cgz": "示范县城关镇人民政府", "rsj": "示范县人力资源和社会保障局"}
    logs = {site_id: (out / "_cluster" / "logs" / f"{site_id}.log").read_text(encoding="utf-8")
            for site_id in ("cgz", "rsj")}
    assert all("Done: Processed" in log for log in logs.values()), logs
    assert "\x1b[" not in logs["cgz"] + logs["rsj"]  # the server's console is no terminal


# what differs between two builds of the same tree: the time each was written (the open data of
# portal.jsonfile is compact: `"generated":"…"`, to the minute)
TIMESTAMPS = re.compile(rb'"generated": ?"[^"]*"|<updated>[^<]*</updated>')


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): TIMESTAMPS.sub(b"", p.read_bytes())
            for p in sorted(root.rglob("*")) if p.is_file() and "_cluster/logs" not in p.as_posix()}


def test_a_forked_build_writes_what_pelican_on_its_own_writes(repo, out, tmp_path):
    """The fork server changes how a build starts, not what it writes: rsj built by
    ``python -m pelican`` with the same settings is the same tree, byte for byte but the times."""
    alone = runner.Cluster(tmp_path / "alone", repo=repo)
    argv = cluster_settings.pelican_argv(alone.overrides("rsj"))
    run = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    forked, own = tree(out / "rsj"), tree(tmp_path / "alone" / "rsj")
    assert sorted(forked) == sorted(own)
    assert [name for name in forked if forked[name] != own[name]] == []
    assert any(name.endswith(".html") for name in forked) and "_cluster/manifest.json" in forked


def test_the_county_catalogue_lists_a_subsite_document_once_at_its_url(out):
    rows = []
    for listing in sorted((out / "xxgk" / "ml").glob("index*.html")):
        rows += [a["href"] for a in page(listing).select("a") if a.get("href", "").endswith("cgz-2026-101.html")]
    assert rows == [f"/{CGZ_DOC}"]
    # and on the publisher's page of the catalogue and the department's page
    publisher = page(out / "jg" / "cgz.html")
    assert [a["href"] for a in publisher.select("a") if a["href"].endswith("cgz-2026-101.html")] == [f"/{CGZ_DOC}"]
    data = json.loads((out / "data" / "xxgk.json").read_text(encoding="utf-8"))
    mine = [r for r in data["items"] if r["index_no"] == CGZ_INDEX_NO]
    assert len(mine) == 1 and mine[0]["url"].endswith(f"/{CGZ_DOC}")
    assert mine[0]["publisher"] == {"code": "cgz", "name": "示范县城关镇人民政府"}
    assert data["count"] == len(data["items"])


def test_a_subsite_documents_attachments_are_in_the_county_open_data_at_the_subsite(out):
    county = json.loads((out / "data" / "xxgk.json").read_text(encoding="utf-8"))
    own = json.loads((out / "cgz" / "data" / "xxgk.json").read_text(encoding="utf-8"))
    mine = next(r for r in county["items"] if r["index_no"] == CGZ_INDEX_NO)
    assert mine["attachments"] == [{
        "title": "城关镇2026年老旧小区改造项目清单",
        "url": "https://www.shifan.gov.cn/cgz/files/xxgk/2026/cgz-2026-101-fj1.pdf"}]
    # the county's record says what the sub-site's own says
    assert mine["attachments"] == next(r for r in own["items"] if r["index_no"] == CGZ_INDEX_NO)["attachments"]
    listed = [a["url"] for data in (county, own) for r in data["items"] for a in r["attachments"]]
    assert listed
    missing = [u for u in listed if not (out / u.removeprefix("https://www.shifan.gov.cn/")).is_file()]
    assert not missing


def test_the_cluster_wide_lists_cover_every_site(out):
    data = json.loads((out / "data" / "cluster.json").read_text(encoding="utf-8"))
    assert [s["id"] for s in data["sites"]] == ["county", "cgz", "rsj"]
    urls = [d["url"] for d in data["items"]]
    assert len(urls) == len(set(urls)) == data["count"]
    assert sum(u.endswith(CGZ_DOC) for u in urls) == 1
    index = (out / "sitemap_index.xml").read_text(encoding="utf-8")
    assert re.findall(r"<loc>([^<]+)</loc>", index) == [
        "https://www.shifan.gov.cn/sitemap.xml", "https://www.shifan.gov.cn/cgz/sitemap.xml",
        "https://www.shifan.gov.cn/rsj/sitemap.xml"]
    assert "cgz/sitemap.xml" not in (out / "sitemap.xml").read_text(encoding="utf-8")
    assert f"/{CGZ_DOC}" in (out / "cgz" / "sitemap.xml").read_text(encoding="utf-8")
    feed = (out / "feeds" / "cluster.atom.xml").read_text(encoding="utf-8")
    assert feed.count("<entry>") == min(50, data["count"])


ORIGIN = "https://www.shifan.gov.cn/"


def test_robots_txt_names_the_cluster_sitemap_index_and_every_sitemap_is_reachable(out):
    robots = (out / "robots.txt").read_text(encoding="utf-8")
    named = re.findall(r"^Sitemap: (\S+)$", robots, re.M)
    assert named == [f"{ORIGIN}sitemap_index.xml", f"{ORIGIN}sitemap.xml"]
    assert all((out / url.removeprefix(ORIGIN)).is_file() for url in named)
    # a sub-site's own would never be read (it is a folder of the county's address)
    assert not (out / "cgz" / "robots.txt").exists() and not (out / "rsj" / "robots.txt").exists()
    # from the index, every site's sitemap, and from each sitemap pages that exist
    index = re.findall(r"<loc>([^<]+)</loc>", (out / "sitemap_index.xml").read_text(encoding="utf-8"))
    assert {url.removeprefix(ORIGIN).rpartition("/")[0] for url in index} == {"", "cgz", "rsj"}
    for url in index:
        pages = re.findall(r"<loc>([^<]+)</loc>", (out / url.removeprefix(ORIGIN)).read_text(encoding="utf-8"))
        assert pages
        for page_url in pages:
            rel = page_url.removeprefix(ORIGIN)
            assert (out / rel / "index.html" if rel.endswith("/") or not rel else out / rel).is_file(), page_url


def test_each_site_indexes_its_own_documents_with_its_id(out):
    current = (out / "_search" / "CURRENT").read_text(encoding="utf-8").split()
    assert sorted(current[0::2]) == ["cgz", "county", "rsj"]


def test_an_unchanged_site_is_not_rebuilt_and_an_edit_rebuilds_its_site_only(repo, out):
    # runs last in this module: it edits the sub-site
    lists = out / "data" / "cluster.json"
    made = lists.stat().st_mtime_ns
    again = cluster_cmd(repo, out)
    assert again.returncode == 0, again.stderr
    assert "网站群：生成 0 个网站，跳过 3 个" in again.stdout
    # nothing built, nothing to list anew: the lists keep the time they were made
    assert lists.stat().st_mtime_ns == made
    doc = repo / "sites" / "cgz" / "content" / "xxgk" / "wj" / "2026" / "cgz-2026-101.md"
    doc.write_text(doc.read_text(encoding="utf-8").replace("涉及居民2860户", "涉及居民2861户"),
                   encoding="utf-8")
    body = cluster_cmd(repo, out)
    assert body.returncode == 0, body.stderr
    assert re.search(r"^cgz: 已生成", body.stdout, re.M)
    # the manifest did not change (same title, URL, date): the county stays as it was, and so do
    # the cluster-wide lists made of the manifests
    assert "rsj: 未改动，跳过" in body.stdout and "county: 未改动，跳过" in body.stdout
    assert lists.stat().st_mtime_ns == made
    assert "2861户" in (out / CGZ_DOC).read_text(encoding="utf-8")
    doc.write_text(doc.read_text(encoding="utf-8").replace("title: 城关镇2026年老旧小区改造实施方案",
                                                           "title: 城关镇2026年老旧小区改造实施方案（修订）"),
                   encoding="utf-8")
    title = cluster_cmd(repo, out)
    assert title.returncode == 0, title.stderr
    assert re.search(r"^county: 已生成", title.stdout, re.M) and "rsj: 未改动，跳过" in title.stdout
    assert "老旧小区改造实施方案（修订）" in (out / "jg" / "cgz.html").read_text(encoding="utf-8")
    assert "老旧小区改造实施方案（修订）" in lists.read_text(encoding="utf-8")


def test_a_broken_site_yml_ends_the_build_with_its_line(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "sites" / "hxz", repo / "sites" / "hxz")
    shutil.copytree(ROOT / "content", repo / "content", ignore=lambda d, names: [
        n for n in names if n != "departments.yml" and d.endswith("content")])
    yml = repo / "sites" / "hxz" / "site.yml"
    yml.write_text(yml.read_text(encoding="utf-8").replace("accent: brown", "accent: pink"), encoding="utf-8")
    run = cluster_cmd(repo, tmp_path / "out")
    assert run.returncode == 1
    assert f"{yml}:7: 主题色 accent 应是网站配色中的一种" in run.stderr
    assert "网站设置有误，未生成网站" in run.stderr
    assert not (tmp_path / "out").exists()


def test_a_site_whose_build_fails_is_reported_and_the_run_fails(tmp_path):
    repo = tmp_path / "repo"
    shutil.copytree(ROOT / "sites" / "hxz", repo / "sites" / "hxz")
    doc = next((repo / "sites" / "hxz" / "content" / "xxgk").rglob("*.md"))
    doc.write_text(doc.read_text(encoding="utf-8").replace("publisher: hxz", "publisher: nosuch"),
                   encoding="utf-8")
    cluster = runner.Cluster(tmp_path / "out", repo=repo)
    results = cluster.build(only="hxz")
    assert [(r.site, r.status) for r in results] == [("hxz", "failed")]
    assert "nosuch" in results[0].log and "未生成网站" in results[0].log
    assert not (tmp_path / "out" / "_cluster" / "hxz.fingerprint").exists()


def test_sigterm_ends_the_builds_under_way_and_stores_no_fingerprint(tmp_path):
    repo = tmp_path / "repo"
    for site_id in ("hxz", "cgz"):
        shutil.copytree(ROOT / "sites" / site_id, repo / "sites" / site_id)
    # cgz made large enough to be still under way when the signal comes: a forked build of the
    # demo's few documents can end between its log's appearance and the signal
    synth.generate(repo / "sites" / "cgz" / "content", 400, seed=7, site="cgz")
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "portal.cluster", "build", "--repo", str(repo),
                             "--output", str(out), "--workers", "1"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    logs = out / "_cluster" / "logs"
    deadline = time.monotonic() + 120
    while not (logs.is_dir() and any(logs.iterdir())):  # a site's build has started
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no site build started"
        time.sleep(0.05)
    proc.terminate()
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, stdout + stderr
    assert "生成被中断" in stderr
    assert not list((out / "_cluster").glob("*.fingerprint"))


def test_a_forked_build_that_fails_reports_its_status_and_log(tmp_path):
    builds = runner.Builds()
    try:
        code, _wall, _cpu = builds.run([str(tmp_path / "nosuch"), "-s", str(cluster_settings.config_file(False)),
                                        "-o", str(tmp_path / "out")], tmp_path / "nosuch.log")
    finally:
        builds.close()
    assert code == 1
    assert "You need to specify a path" in (tmp_path / "nosuch.log").read_text(encoding="utf-8")
    assert builds.proc is not None and builds.proc.returncode == 0  # the server outlives a failed build and ends when told
    assert builds.server_cpu > 0  # its imports: counted once a run, in no build's figure


def test_a_build_asked_of_a_server_that_died_fails_with_a_chinese_message(tmp_path):
    builds = runner.Builds()
    server = builds.start()
    assert server is not None
    server.kill()
    server.wait()
    try:
        code, _wall, cpu = builds.run(["unused"], tmp_path / "site.log")
    finally:
        builds.close()
    assert (code, cpu) == (1, 0.0)
    assert "生成进程意外退出" in (tmp_path / "site.log").read_text(encoding="utf-8")


def test_a_run_that_builds_nothing_starts_no_server_and_a_closed_run_builds_nothing(tmp_path):
    builds = runner.Builds()
    builds.close()
    assert builds.proc is None and builds.server_cpu == 0.0
    code, _wall, cpu = builds.run(["unused"], tmp_path / "late.log")
    assert (code, cpu, builds.proc) == (1, 0.0, None)
    assert "生成已停止" in (tmp_path / "late.log").read_text(encoding="utf-8")
