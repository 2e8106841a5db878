"""The preview's incremental step: one changed document updates its page and its lists."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from harness import synth
from portal.preview import Preview, fingerprint, site_preview
from tests.conftest import ROOT


def newest_news(content: Path) -> Path:
    def date_of(p: Path) -> str:
        return re.search(r"^date: (.*)$", p.read_text(encoding="utf-8"), re.M).group(1)

    return max((content / "zwdt").glob("*.md"), key=date_of)


def set_title(path: Path, title: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"^title: .*$", f"title: {title}", text, count=1, flags=re.M),
                    encoding="utf-8")


@pytest.fixture
def preview(tmp_path) -> Preview:
    content = tmp_path / "content"
    synth.generate(content, 60, seed=3)
    p = Preview(content, tmp_path / "output")
    update = p.build()
    assert update.problems == []
    return p


def column_of(path: Path) -> str:
    return re.search(r"^column: (\w+)$", path.read_text(encoding="utf-8"), re.M).group(1)


def test_changed_title_appears_on_its_page_and_in_its_list(preview):
    doc = newest_news(preview.content)
    set_title(doc, "县政府召开预览测试专题会议")
    update = preview.poll()
    assert update is not None and update.ok and not update.full_rebuild
    page = preview.output / "zwdt" / column_of(doc) / f"{doc.stem}.html"
    assert "县政府召开预览测试专题会议" in page.read_text(encoding="utf-8")
    listing = preview.output / "zwdt" / column_of(doc) / "index.html"
    assert "县政府召开预览测试专题会议" in listing.read_text(encoding="utf-8")
    home = preview.output / "index.html"
    assert str(home.relative_to(preview.output)) in update.written
    # pages that do not show the document are left alone
    assert update.skipped > 0
    assert "xxgk/ml/index.html" not in update.written


def test_nothing_changed_means_no_update(preview):
    assert preview.poll() is None


def test_error_in_changed_file_is_shown_not_raised(preview):
    doc = newest_news(preview.content)
    page = preview.output / "zwdt" / column_of(doc) / f"{doc.stem}.html"
    text = doc.read_text(encoding="utf-8")
    doc.write_text(text.replace("date: ", "date: 不是日期 ", 1), encoding="utf-8")
    update = preview.poll()
    assert update is not None and not update.ok
    assert any("date" in p for p in update.problems)
    shown = page.read_text(encoding="utf-8")
    assert "有错误" in shown and "date" in shown
    assert preview.status()["problems"]
    # fixing it brings the real page back
    doc.write_text(text, encoding="utf-8")
    update = preview.poll()
    assert update.ok
    assert "有错误" not in page.read_text(encoding="utf-8")
    assert preview.status()["problems"] == []


def test_unreadable_front_matter_is_shown(preview):
    doc = newest_news(preview.content)
    doc.write_text("没有元数据块\n", encoding="utf-8")
    update = preview.poll()
    assert not update.ok
    assert "YAML" in " ".join(update.problems) or "---" in " ".join(update.problems)


def test_removed_document_leaves_page_and_lists(preview):
    doc = newest_news(preview.content)
    column = column_of(doc)
    title = re.search(r"^title: (.*)$", doc.read_text(encoding="utf-8"), re.M).group(1)
    doc.unlink()
    update = preview.poll()
    assert update.ok
    assert not (preview.output / "zwdt" / column / f"{doc.stem}.html").exists()
    assert title not in (preview.output / "zwdt" / column / "index.html").read_text(encoding="utf-8")


def test_new_document_is_added_to_its_list(preview):
    src = newest_news(preview.content)
    new = src.with_name("yulan-xinjian-wenzhang.md")
    new.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    set_title(new, "预览新建的一篇动态")
    update = preview.poll()
    assert update.ok, update.problems
    column = column_of(new)
    assert (preview.output / "zwdt" / column / "yulan-xinjian-wenzhang.html").exists()
    assert "预览新建的一篇动态" in (preview.output / "zwdt" / column / "index.html").read_text(
        encoding="utf-8")


def test_registry_change_rebuilds_everything(preview):
    reg = preview.content / "departments.yml"
    reg.write_text(reg.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    update = preview.poll()
    assert update.full_rebuild


def test_fingerprint_follows_document_versions():
    class Doc:
        relative_source_path = "zwdt/a.md"
        metadata: dict = {}

    versions: dict[str, int] = {}
    before = fingerprint({"items": [Doc()], "n": 1}, versions)
    assert fingerprint({"items": [Doc()], "n": 1}, versions) == before
    versions["zwdt/a.md"] = 1
    assert fingerprint({"items": [Doc()], "n": 1}, versions) != before


def test_a_power_item_added_then_edited_gets_its_flowchart(preview):
    src = Path(__file__).resolve().parents[1] / "data" / "site" / "xxgk" / "ql" / "spjy-chufa.md"
    target = preview.content / "xxgk" / "ql" / "spjy-chufa.md"
    target.parent.mkdir(parents=True)
    text = src.read_text(encoding="utf-8").replace("date: 2024-06-01", "date: 2024-06-20")
    target.write_text(text, encoding="utf-8")
    update = preview.poll()
    assert update is not None and update.ok, update.problems
    page = preview.output / "xxgk" / "ql" / "spjy-chufa.html"
    html = page.read_text(encoding="utf-8")
    assert html.count('class="gp-flow__svg"') == 2 and "调查取证" in html
    assert (preview.output / "xxgk" / "ql" / "index.html").exists()
    target.write_text(text.replace("name: 调查取证", "name: 现场调查取证"), encoding="utf-8")
    update = preview.poll()
    assert update is not None and update.ok, update.problems
    html = page.read_text(encoding="utf-8")
    assert "现场调查取证" in html.split('class="gp-flow__svg"')[1]  # in the chart, not only the list


@pytest.fixture
def small_preview(tmp_path, site_copy) -> Preview:
    """The tiny test tree (its two 权力事项 and the guide that implements one) in a preview."""
    p = Preview(site_copy, tmp_path / "output")
    assert p.build().problems == []
    return p


def guides_of(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    return html.split("办事指南</th>", 1)[1].split("</tr>", 1)[0]


def test_a_guide_moved_to_another_power_item_is_listed_there_and_no_longer_on_the_old(small_preview):
    guide = small_preview.content / "bsfw" / "spjy-xuke.md"
    xuke = small_preview.output / "xxgk" / "ql" / "spjy-xuke.html"
    chufa = small_preview.output / "xxgk" / "ql" / "spjy-chufa.html"
    assert "bsfw/zn/spjy-xuke.html" in guides_of(xuke) and "本事项无对外办事指南" in guides_of(chufa)
    guide.write_text(guide.read_text(encoding="utf-8").replace("power: XK-SCJGJ-001", "power: CF-SCJGJ-001"),
                     encoding="utf-8")
    update = small_preview.poll()
    assert update is not None and update.ok and not update.full_rebuild, update.problems
    assert {"xxgk/ql/spjy-xuke.html", "xxgk/ql/spjy-chufa.html"} <= set(update.written)
    assert "bsfw/zn/spjy-xuke.html" in guides_of(chufa)
    assert "本事项无对外办事指南" in guides_of(xuke)
    # a title change of the guide alone reaches its item's list too
    set_title(guide, "食品经营许可（预览改名）")
    assert small_preview.poll().ok
    assert "食品经营许可（预览改名）" in guides_of(chufa)


GUIDE = """---
title: 就业登记
base_code: "000133101000"
impl_code: "11990123011500144X400013310100001"
item_type: 公共服务
basis:
  - 《就业服务与就业管理规定》第六十二条
department: rsj
audience:
  - 个人
life_events:
  - 就业创业
conditions:
  - 在示范县就业的劳动者
materials:
  - name: 居民身份证
    form: 原件
    copies: 1
    required: true
    source: 申请人自备
steps:
  - name: 申请
    description: 到窗口提交材料。
legal_limit: 10个工作日
promised_limit: 5个工作日
case_type: 即办件
fees:
  charged: false
place: 示范县政务服务中心二楼人社窗口
hours: 周一至周五 8:30-12:00，14:30-17:30
visits: 0
phone: 0123-6613008
complaint_phone: 0123-6613100
result: 就业登记
date: 2026-11-20
---
办理前可先拨打咨询电话确认材料。
"""


def test_a_subsite_preview_takes_its_first_guide_without_a_restart(tmp_path):
    """``make preview SITE=rsj``: while rsj has no guides its 办事服务 is the county's (no list
    page of its own); its first guide makes the section its own on the next pass."""
    repo = tmp_path / "repo"
    (repo / "content").mkdir(parents=True)
    for name in ("departments.yml", "columns.yml"):
        shutil.copy(ROOT / "content" / name, repo / "content" / name)
    shutil.copytree(ROOT / "sites" / "rsj", repo / "sites" / "rsj")
    content, output, decide = site_preview("rsj", None, tmp_path / "out", repo=repo)
    p = Preview(content, output, decide=decide)
    p.build()
    assert "bsfw" in p.overrides["CATALOGS"]["county_sections"]
    assert not (output / "bsfw").exists()
    (content / "bsfw").mkdir()
    (content / "bsfw" / "jiuye-dengji.md").write_text(GUIDE, encoding="utf-8")
    update = p.poll()
    assert update is not None and update.full_rebuild and update.problems == []
    assert "bsfw" not in p.overrides["CATALOGS"]["county_sections"]
    assert (output / "bsfw" / "index.html").is_file() and (output / "bsfw" / "zn" / "jiuye-dengji.html").is_file()
    assert ["办事服务", "bsfw/", "bsfw"] in p.overrides["SECTIONS"]  # the menu names its own
    # its last guide removed: the county's again
    (content / "bsfw" / "jiuye-dengji.md").unlink()
    update = p.poll()
    assert update is not None and update.full_rebuild
    assert "bsfw" in p.overrides["CATALOGS"]["county_sections"]
