"""Links between sites in real cluster builds (``portal.cluster.crosslinks``): each good build keeps
the index of its links into other sites; a page removed from one site fails the build of each site
whose documents link to it, and of no other, with the check's Chinese message, also when the
linking document's check is reused from the reader cache. Without building:
tests/portal/test_cluster_runner.py."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from portal.cluster import crosslinks
from tests.conftest import ROOT
from tests.site.test_cluster_build import cluster_cmd

NEWS = """---
title: 县里转发乡镇的方案
column: yw
department: xzfb
summary: 县里转发乡镇的方案。
date: "2026-11-01 09:00"
---

见[城关镇的方案](/cgz/xxgk/wj/cgz-2026-102.html?from=county#top)。
"""
SITES = ("county", "cgz", "rsj", "hxz")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The county (one news item, linking into cgz) and three demo sub-sites: cgz links to the
    county's item, rsj to a cgz news item by the portal's full address, hxz names that item's
    stem in a sentence but links nowhere."""
    root = tmp_path / "repo"
    for site_id in SITES[1:]:
        shutil.copytree(ROOT / "sites" / site_id, root / "sites" / site_id)
    shutil.copytree(ROOT / "content", root / "content", ignore=lambda d, names: [
        n for n in names if n not in ("departments.yml", "columns.yml") and d.endswith("content")])
    (root / "content" / "zwdt").mkdir()
    (root / "content" / "zwdt" / "link-county.md").write_text(NEWS, encoding="utf-8")
    append(root / "sites" / "cgz" / "content" / "zwdt" / "cgz-dongji-anquan.md",
           "\n县里的[转发](/zwdt/yw/link-county.html)。\n")
    append(root / "sites" / "rsj" / "content" / "zwdt" / "rsj-jineng-peixun.md",
           "\n另见[城关镇社区食堂](https://www.shifan.gov.cn/cgz/zwdt/xzdt/cgz%2Dshequ%2Dshitang.html)。\n")
    append(root / "sites" / "hxz" / "content" / "zwdt" / "hxz-shuiku-xunjian.md",
           "\n参照城关镇 cgz-shequ-shitang 的做法。\n")
    return root


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def line(stdout: str, site: str) -> str:
    return next((x for x in stdout.splitlines() if x.startswith(f"{site}: ")), "")


def content(repo: Path, site_id: str) -> Path:
    return repo / "content" if site_id == "county" else repo / "sites" / site_id / "content"


def test_a_removed_page_fails_the_builds_of_the_sites_linking_to_it_and_only_theirs(repo, tmp_path):
    out = tmp_path / "out"
    first = cluster_cmd(repo, out, "--workers", "2")
    assert first.returncode == 0, first.stdout + first.stderr
    rsj_links = {("cgz", "zwdt/cgz-shequ-shitang.md")}
    assert crosslinks.links(out, "rsj") == rsj_links
    assert crosslinks.links(out, "county") == {("cgz", "xxgk/wj/2026/cgz-2026-102.md")}
    assert crosslinks.links(out, "cgz") == {("county", "zwdt/link-county.md")}
    assert crosslinks.links(out, "hxz") == set()
    for site_id in SITES:  # what a tree built before the index is seeded with is what a build keeps
        assert crosslinks.checked(content(repo, site_id)) == crosslinks.links(out, site_id)

    # another document of rsj edited: the linking one's check is reused, its links kept with it
    append(repo / "sites" / "rsj" / "content" / "zwdt" / "rsj-dongji-zhaopin.md", "\n又一段正文。\n")
    again = cluster_cmd(repo, out, "--workers", "2")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "增量" in line(again.stdout, "rsj")
    assert crosslinks.links(out, "rsj") == rsj_links

    (repo / "sites" / "cgz" / "content" / "zwdt" / "cgz-shequ-shitang.md").unlink()
    gone = cluster_cmd(repo, out, "--workers", "2")
    assert gone.returncode == 1
    assert "生成失败" in line(gone.stdout, "rsj") and "（增量" not in line(gone.stdout, "rsj")
    assert re.search(r"rsj-jineng-peixun\.md:\d+: 站内链接 \S*cgz%2Dshequ%2Dshitang\.html 指向网站群中网站 cgz 的页面",
                     gone.stdout + gone.stderr)
    assert "未改动，跳过" in line(gone.stdout, "hxz")  # its stem in a sentence is no link
    assert "已生成" in line(gone.stdout, "cgz")
    assert crosslinks.links(out, "rsj") == rsj_links  # a failed build keeps the last good one's

    doc = repo / "sites" / "rsj" / "content" / "zwdt" / "rsj-jineng-peixun.md"
    doc.write_text(doc.read_text(encoding="utf-8").split("\n另见")[0] + "\n", encoding="utf-8")
    fixed = cluster_cmd(repo, out, "--workers", "2")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert crosslinks.links(out, "rsj") == set()

    (repo / "content" / "zwdt" / "link-county.md").unlink()  # a sub-site's link into the county
    county_gone = cluster_cmd(repo, out, "--workers", "2")
    assert county_gone.returncode == 1
    assert "生成失败" in line(county_gone.stdout, "cgz")
    assert "站内链接 /zwdt/yw/link-county.html 指向网站群中网站 county 的页面" in county_gone.stdout + county_gone.stderr
    assert "未改动，跳过" in line(county_gone.stdout, "rsj") and "未改动，跳过" in line(county_gone.stdout, "hxz")
