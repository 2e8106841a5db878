"""Cross-file rules, the departments registry and the inspection warnings."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from portal import check

from .util import TODAY, edit, errors, line_of, only, problems

DISC = "xxgk/wj/2024/zfxxgk-gzyd.md"
DISC2 = "xxgk/wj/2024/zfxxgk-gzyd-xg.md"
REG = "departments.yml"
ROOT = Path(__file__).resolve().parents[2]


def test_duplicate_index_no_reports_both_files(site: Path) -> None:
    edit(site / DISC2, "index_no: 01150001-1/2024-00002", "index_no: 01150001-1/2024-00001")
    found = [p for p in errors(site) if "重复" in p.message]
    assert sorted((p.path, p.line) for p in found) == sorted([
        (f"site/{DISC}", line_of(site / DISC, "index_no:")),
        (f"site/{DISC2}", line_of(site / DISC2, "index_no:")),
    ])
    assert f"与 site/{DISC} 重复" in next(p.message for p in found if p.path.endswith(DISC2))


def test_replaced_by_unknown_index_no(site: Path) -> None:
    f = site / DISC
    edit(f, "replaced_by: 01150001-1/2024-00002", "replaced_by: 01150001-1/2024-00009")
    p = only(errors(site), "replaced_by")
    assert (p.path, p.line) == (f"site/{DISC}", line_of(f, "replaced_by:"))
    assert "不是任何信息公开文件的索引号" in p.message


def test_replaced_by_unreadable_file_is_not_reported_twice(site: Path) -> None:
    # DISC2 has a YAML error: that is the one problem, not also DISC's reference to it
    edit(site / DISC2, "keywords:\n", "keywords: [\n")
    (p,) = errors(site)
    assert p.path == f"site/{DISC2}" and "YAML" in p.message


def test_same_slug_twice_in_one_type_clashes(site: Path) -> None:
    (site / "xxgk/wj/2023").mkdir()
    clash = site / "xxgk/wj/2023/zfxxgk-gzyd-xg.md"
    shutil.copy(site / DISC2, clash)
    edit(clash, "index_no: 01150001-1/2024-00002", "index_no: 01150001-1/2023-00001")
    edit(clash, "written: 2024-06-10", "written: 2023-06-10")
    edit(clash, "date: 2024-06-12", "date: 2023-06-12")
    edit(clash, "{filename}zfxxgk-gzyd.md", "{filename}../2024/zfxxgk-gzyd.md")
    found = [p for p in errors(site)]
    assert sorted((p.path, p.line) for p in found) == [
        ("site/xxgk/wj/2023/zfxxgk-gzyd-xg.md", 1), (f"site/{DISC2}", 1)]
    assert all("网址 /xxgk/wj/zfxxgk-gzyd-xg.html" in p.message for p in found)


def test_page_clashing_with_a_news_url(site: Path) -> None:
    (site / "pages/zwdt/yw").mkdir(parents=True)
    (site / "pages/zwdt/yw/2024-gzhy.md").write_text("---\ntitle: 冲突\n---\n正文\n", "utf-8")
    found = errors(site)
    assert {p.path for p in found} == {"site/pages/zwdt/yw/2024-gzhy.md", "site/zwdt/2024-gzhy.md"}


# --- departments.yml ---------------------------------------------------------------------------


def _registry_problems(site: Path) -> list[check.Problem]:
    return check.check_registry(site)


def test_registry_is_valid(site: Path) -> None:
    assert _registry_problems(site) == []


def test_registry_required_field_missing(site: Path) -> None:
    f = site / REG
    edit(f, "    phone: 0123-6612402\n", "")
    (p,) = _registry_problems(site)
    assert p.line == line_of(f, "  - code: fgw")
    assert p.message == "必填字段 机构 fgw 的 phone（联系电话） 缺失"
    assert p.path.endswith("site/departments.yml")


def test_registry_duplicate_code(site: Path) -> None:
    f = site / REG
    edit(f, "  - code: scjgj", "  - code: fgw")
    found = _registry_problems(site)
    p = only(found, "重复")
    first = line_of(f, "  - code: fgw")
    assert p.line > first
    assert f"机构代码 fgw 重复（第 {first} 行已使用）" == p.message


def test_registry_unknown_parent(site: Path) -> None:
    f = site / REG
    edit(f, "    short_name: 县发改局", "    short_name: 县发改局\n    parent: xzfbb")
    p = only(_registry_problems(site), "parent")
    assert p.line == line_of(f, "parent:")
    assert "“xzfbb” 不是名录中的机构代码，是否为 xzfb？" in p.message


def test_registry_org_code_format(site: Path) -> None:
    f = site / REG
    edit(f, "org_code: 01150002-2", "org_code: 0115000-22")
    p = only(_registry_problems(site), "org_code")
    assert p.line == line_of(f, "org_code: 0115000-22")
    assert "格式不对" in p.message


def test_registry_org_code_duplicate(site: Path) -> None:
    f = site / REG
    edit(f, "org_code: 01150014-4", "org_code: 01150002-2")
    p = only(_registry_problems(site), "org_code")
    first = line_of(f, "org_code: 01150002-2")
    assert p.line > first
    assert f"与机构 fgw（第 {first} 行）重复" in p.message


def test_registry_org_code_read_as_octal(site: Path) -> None:
    # YAML 1.1 reads 0115000222 as an octal number: the editor must quote it
    edit(site / REG, "org_code: 01150002-2", "org_code: 0115000222")
    p = only(_registry_problems(site), "org_code")
    assert "被 YAML 读成了数字 20185234，请给值加引号" in p.message


def test_registry_kind_not_in_list(site: Path) -> None:
    f = site / REG
    edit(f, "    kind: 政府工作部门\n    duties:\n      - 拟订",
         "    kind: 工作部门\n    duties:\n      - 拟订")
    p = only(_registry_problems(site), "kind")
    assert p.line == line_of(f, "kind: 工作部门")
    assert "“政府工作部门”" in p.message


def test_registry_yaml_error(site: Path) -> None:
    edit(site / REG, "    hours: 周一至周五 8:30-12:00，14:30-17:30\n    phone: 0123-6612402",
         "    hours: [周一\n    phone: 0123-6612402")
    (p,) = _registry_problems(site)
    assert "YAML 格式错误" in p.message and p.line > 1


def test_registry_errors_appear_in_check_tree(site: Path) -> None:
    edit(site / REG, "org_code: 01150002-2", "org_code: x")
    assert any(p.path == "site/departments.yml" for p in errors(site))


# --- inspection warnings --------------------------------------------------------------------------


def _warnings(site: Path, today: date) -> list[str]:
    return [p.message for p in problems(site, today) if not p.is_error]


def test_empty_columns_warn(site: Path) -> None:
    # the tiny tree fills yw, tzgg and one of each other type; content/columns.yml has more columns
    found = [p for p in problems(site) if not p.is_error]
    empty = {(p.path, p.message) for p in found if "空白栏目计为不合格" in p.message}
    assert empty == {
        (path, f"栏目 {label}（{code}）没有任何内容；检查指标把空白栏目计为不合格")
        for path, code, label in [
            ("site/zwdt", "bmdt", "部门动态"), ("site/zwdt", "xzdt", "乡镇动态"),
            ("site/zwdt", "ldjh", "领导讲话"), ("site/zwdt", "yshj", "优化营商环境"),
            ("site/zsyz/tz", "zsyz-yhzc", "优惠政策"), ("site/pages/xxgk/nb", "xxgk-nb", "政府信息公开工作年度报告"),
        ]}
    # six empty columns: the inspection fails the site at five
    assert ("site", "共有 6 个栏目是空白栏目；检查指标中达到 5 个即为单项否决") in {
        (p.path, p.message) for p in found}
    assert all(p.line == 0 for p in found)


def test_stale_news_column(site: Path) -> None:
    # yw's newest item is 2024-06-20; 15 days later it is older than the 动态要闻类 14 days
    msgs = _warnings(site, date(2024, 7, 5))
    assert "栏目 要闻动态（yw）最近更新于 2024-06-20，已 15 天未更新，超过动态要闻类的 14 天" in msgs
    assert not any("通知公告" in m for m in msgs)  # 17 days is fine for notices


def test_five_stale_columns_are_a_veto(site: Path) -> None:
    msgs = _warnings(site, date(2030, 1, 1))
    stale = [m for m in msgs if "天未更新" in m]
    assert len(stale) >= 5
    assert f"共有 {len(stale)} 个栏目超过更新时限；检查指标中达到 5 个即为单项否决" in msgs
    assert not any(m.startswith("共有") and "超过更新时限" in m for m in _warnings(site, TODAY))


def test_stale_notice_column_uses_notice_days(site: Path) -> None:
    msgs = _warnings(site, date(2024, 12, 19))  # 184 days after 2024-06-18
    assert any(m.startswith("栏目 通知公告（tzgg）最近更新于 2024-06-18，已 184 天") for m in msgs)
    assert not any(m.startswith("栏目 通知公告") for m in _warnings(site, date(2024, 12, 18)))


def test_annual_columns_use_one_year(site: Path) -> None:
    # the guide and the 投资环境 page are annual: 365 days pass, 366 do not
    guide_date = date(2024, 6, 5)
    edit(site / "bsfw/spjy-xuke.md", _date_line(site / "bsfw/spjy-xuke.md"), 'date: "2024-06-05"')
    day_before = guide_date + timedelta(days=365)
    assert not any("办事指南（bsfw-zn）" in m for m in _warnings(site, day_before))
    msgs = _warnings(site, day_before + timedelta(days=1))
    assert "栏目 办事指南（bsfw-zn）最近更新于 2024-06-05，已 366 天未更新，超过人事、规划、年报类的 365 天" \
        in msgs


def test_each_catalogue_topic_is_a_column(site: Path) -> None:
    # both disclosure files are 综合政务; another topic gets a page (and a watch) once it has one
    edit(site / DISC2, "topic: 综合政务", "topic: 科技、教育")
    edit(site / DISC2, _date_line(site / DISC2), 'date: "2023-01-10"')
    msgs = _warnings(site, TODAY)
    hits = [m for m in msgs if "信息公开目录主题分类" in m]
    assert hits == ["栏目 信息公开目录主题分类“科技、教育”（xxgk-zt）最近更新于 2023-01-10，已 532 天未更新，"
                    "超过通知公告、政策文件类的 183 天"]


def test_item_without_date_counts_as_not_updated(site: Path) -> None:
    page = site / "pages/xxgk/nb/2024.md"
    page.parent.mkdir(parents=True)
    page.write_text("---\ntitle: 2024年政府信息公开工作年度报告\n---\n正文\n", "utf-8")
    msgs = _warnings(site, TODAY)
    assert "栏目 政府信息公开工作年度报告（xxgk-nb）的内容都没有发布日期，视为未更新" in msgs


def test_whole_site_not_updated(site: Path) -> None:
    msgs = _warnings(site, date(2024, 7, 5))
    assert any(m.startswith("栏目 首页（sy）最近更新于 2024-06-20，已 15 天未更新") for m in msgs)
    assert not any("首页（sy）" in m for m in _warnings(site, TODAY))


def test_empty_type_directory(site: Path) -> None:
    shutil.rmtree(site / "zsyz/xm")
    found = [p for p in problems(site) if "招商项目（zsyz-xm）" in p.message]
    assert [(p.path, p.line, p.severity) for p in found] == [("site/zsyz/xm", 0, "warning")]


def test_editor_added_column_is_watched_and_accepted(site: Path) -> None:
    text = (ROOT / "content/columns.yml").read_text(encoding="utf-8")
    (site / "columns.yml").write_text(text + _NEW_COLUMN, encoding="utf-8")
    news = site / "zwdt/2024-gzhy.md"
    edit(news, "column: yw", "column: xczx")
    assert errors(site) == []
    assert "栏目 乡村振兴（xczx）最近更新于 2024-06-20，已 15 天未更新，超过动态要闻类的 14 天" in \
        _warnings(site, date(2024, 7, 5))


def test_unknown_news_column_names_columns_yml(site: Path) -> None:
    news = site / "zwdt/2024-gzhy.md"
    edit(news, "column: yw", "column: xczx")
    p = only(errors(site), "column（栏目）")
    assert (p.path, p.line) == ("site/zwdt/2024-gzhy.md", line_of(news, "column:"))
    assert "“xczx” 不是 columns.yml 中的栏目" in p.message


_NEW_COLUMN = """  - id: xczx
    name: 乡村振兴
    parent: ztzl
    freshness: dynamic
"""


def _date_line(path: Path) -> str:
    return next(line for line in path.read_text(encoding="utf-8").split("\n") if line.startswith("date:"))


@pytest.mark.parametrize("today", [TODAY, date(2030, 1, 1)])
def test_warnings_never_are_errors(site: Path, today: date) -> None:
    assert errors(site, today) == []


def test_missing_holiday_schedule_warns_from_1_november(site: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        tmp_path: Path) -> None:
    """Due dates of next year need the State Council's schedule (formsvc/domain/holidays/)."""
    monkeypatch.setenv("FORMSVC_HOLIDAYS_FILE", str(tmp_path / "none.yml"))
    found = [p for p in problems(site, date(2026, 12, 6)) if "法定节假日安排" in p.message]
    assert len(found) == 1 and not found[0].is_error
    assert "2027 年的法定节假日安排尚未收录" in found[0].message
    assert not [p for p in problems(site, date(2026, 10, 31)) if "法定节假日安排" in p.message]
    (tmp_path / "h.yml").write_text("2027:\n  holidays:\n    - {date: 2027-01-01, name: 元旦}\n",
                                    encoding="utf-8")
    monkeypatch.setenv("FORMSVC_HOLIDAYS_FILE", str(tmp_path / "h.yml"))
    assert not [p for p in problems(site, date(2026, 12, 6)) if "法定节假日安排" in p.message]
