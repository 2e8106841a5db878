"""content/columns.yml: the rules an editor's change must pass, and the build agreeing with the check."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from portal import check, columns

from .util import edit, errors, line_of, only

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = "columns.yml"


@pytest.fixture
def site_columns(site: Path) -> Path:
    """The test tree with its own copy of the repository's columns.yml."""
    path = site / COLUMNS
    path.write_text((ROOT / "content" / COLUMNS).read_text(encoding="utf-8"), encoding="utf-8")
    return path


def test_repository_columns_are_valid() -> None:
    declared = columns.default()
    assert declared.problems == []
    assert list(declared.news)[:5] == ["yw", "bmdt", "xzdt", "tzgg", "ldjh"]
    assert "yshj" in declared.news and "ztzl" not in declared.news  # a 专题, and its group
    assert {c: cls.days for c, cls in ((c.id, cls) for c, cls in declared.watched())}["tzgg"] == 183


def test_tree_without_columns_yml_uses_the_repository_s(site: Path) -> None:
    assert columns.path_for(site) == ROOT / "content" / COLUMNS


@pytest.mark.parametrize(("old", "new", "needle", "expected"), [
    ("    freshness: notice\n    home: notices", "    freshness: monthly\n    home: notices", "freshness: monthly",
     "栏目 tzgg 的 freshness（更新时限类别）“monthly” 不在 freshness 列表中"),
    ("  - id: ldjh\n", "  - id: yw  # 重复\n", "# 重复",
     "栏目代码 yw 重复（第 "),
    ("    name: 领导讲话\n", "", "  - id: ldjh", "栏目 ldjh 缺少 name"),
    ("    name: 乡镇动态\n    parent: zwdt", "    name: 乡镇动态\n    parent: zwtd", "parent: zwtd",
     "栏目 xzdt 的 parent（上级）“zwtd” 既不是频道代码也不是本表中的栏目，是否为 “zwdt”？"),
    ("    name: 乡镇动态\n    parent: zwdt", "    name: 乡镇动态\n    parent: xxgk", "parent: xxgk",
     "栏目 xzdt 没有 source，是政务动态类栏目，只能放在 zwdt"),
    ("    name: 领导讲话\n    parent: zwdt\n    freshness: dynamic\n",
     "    name: 领导讲话\n    parent: zwdt\n", "  - id: ldjh", "栏目 ldjh 缺少 freshness"),
    ("    days: 14\n", "    days: 两周\n", "days: 两周", "更新时限类别 dynamic 的 days 应为大于 0 的整数"),
    ("    home: headlines\n", "    home: top\n", "home: top", "栏目 yw 的 home “top” 不是首页区块"),
    ("      types: [guide]\n", "      types: [guides]\n", "types: [guides]",
     "栏目 bsfw-zn 的 source.types 中 “guides” 不是文档类型，是否为 “guide”？"),
    ("  - id: yshj\n", "  - id: YSHJ\n", "id: YSHJ", "栏目代码 “YSHJ” 只能用小写英文字母、数字和连字符"),
    ("    name: 专题专栏\n    parent: zwdt\n", "    name: 专题专栏\n    parent: zwdt\n    freshness: notice  # 组\n",
     "# 组", "栏目 ztzl 下面还有栏目，是栏目组，不填 freshness"),
    ("    name: 办事指南\n", "    name: 办事指南\n    home: notices  # 指南\n", "# 指南",
     "栏目 bsfw-zn 有 source，home 只用于政务动态类栏目"),
])
def test_broken_columns_yml_is_an_error_at_its_line(site: Path, site_columns: Path, old: str, new: str,
                                                    needle: str, expected: str) -> None:
    edit(site_columns, old, new)
    p = only(errors(site), expected)
    assert (p.path, p.line) == (f"site/{COLUMNS}", line_of(site_columns, needle))


def test_yaml_error_in_chinese_with_line(site: Path, site_columns: Path) -> None:
    edit(site_columns, "  - id: bmdt\n", "  - id: [bmdt\n")
    found = errors(site)
    yaml_errors = [p for p in found if p.path == f"site/{COLUMNS}"]
    assert len(yaml_errors) == 1 and yaml_errors[0].message.startswith("YAML 格式错误")
    # an unreadable column list does not also flag every news item's column
    assert not [p for p in found if "column（栏目）" in p.message]


def test_build_fails_on_a_broken_columns_yml_like_the_check(site: Path, site_columns: Path,
                                                           tmp_path: Path, caplog) -> None:
    from tests.conftest import build_site
    from yamlmeta.yamlmeta import ContentError

    edit(site_columns, "    freshness: notice\n    home: notices", "    freshness: monthly\n    home: notices")
    checked = [str(p) for p in check.run(site, root=site.parent).errors]
    with caplog.at_level(logging.ERROR), pytest.raises(ContentError):
        build_site(site, tmp_path / "out")
    built = [r.getMessage().split(" ", 1)[1] for r in caplog.records if r.levelno >= logging.ERROR
             and r.getMessage().startswith("yamlmeta:")]
    assert checked == built == [f"site/{COLUMNS}:{line_of(site_columns, 'monthly')}: 栏目 tzgg 的 freshness"
                                "（更新时限类别）“monthly” 不在 freshness 列表中；可用：dynamic、notice、annual"]


def test_a_new_column_and_zhuanti_are_built(site: Path, site_columns: Path, tmp_path: Path) -> None:
    from tests.conftest import build_site

    # the new 专题 also takes over the home page's headline block from yw
    edit(site_columns, "    home: headlines\n", "")
    site_columns.write_text(site_columns.read_text(encoding="utf-8")
                            + "  - id: xczx\n    name: 乡村振兴\n    parent: ztzl\n    freshness: dynamic\n"
                            "    home: headlines\n", encoding="utf-8")
    edit(site / "zwdt/2024-gzhy.md", "column: yw", "column: xczx")
    out = build_site(site, tmp_path / "out")
    page = (out / "zwdt/xczx/2024-gzhy.html").read_text(encoding="utf-8")
    assert "乡村振兴" in page
    assert "乡村振兴" in (out / "zwdt/xczx/index.html").read_text(encoding="utf-8")
    assert "乡村振兴" in (out / "sitemap.html").read_text(encoding="utf-8")
    assert (out / "feeds/zwdt-xczx.atom.xml").is_file()
    home = (out / "index.html").read_text(encoding="utf-8")
    assert '<span>乡村振兴</span> <a class="gp-panel__more" href="/zwdt/xczx/">' in home
    assert 'href="/zwdt/yw/">更多' not in home
    assert '<span>通知公告</span> <a class="gp-panel__more" href="/zwdt/tzgg/">' in home
    assert '<span>部门和乡镇动态</span> <a class="gp-panel__more" href="/zwdt/">' in home


def test_demo_note_explains_its_warnings_once(site: Path, capsys) -> None:
    assert check.main([str(site), "--today", "2024-06-25"]) == 0
    assert "演示内容" not in capsys.readouterr().out  # not the demo: no note
    (site / "DEMO.txt").write_text("\n提示：这是演示内容，日期是写死的。\n", encoding="utf-8")
    assert check.main([str(site), "--today", "2024-06-25"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines.count("提示：这是演示内容，日期是写死的。") == 1
    assert lines[-1].startswith("检查通过")


def test_repository_demo_has_its_note() -> None:
    from portal import freshness

    assert freshness.demo_note(ROOT / "content").startswith("提示：这是虚构的示范县演示内容")


def test_build_warns_about_the_same_columns_as_the_check(site: Path, tmp_path: Path, caplog,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from pelican.log import LimitFilter

    from tests.conftest import build_site

    # Pelican logs a warning once per process: an earlier build of this tree would hide them
    monkeypatch.setattr(LimitFilter, "_raised_messages", set())
    with caplog.at_level(logging.WARNING):
        build_site(site, tmp_path / "out")
    built = sorted(r.getMessage().split(" ", 1)[1] for r in caplog.records
                   if r.levelno == logging.WARNING and r.getMessage().startswith("yamlmeta:"))
    checked = sorted(str(p) for p in check.run(site, root=site.parent).warnings)
    assert any("栏目 首页（sy）" in line for line in checked)  # the tree is old: stale columns
    assert built == checked
