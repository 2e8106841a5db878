"""Cross-file rules, the departments registry and the inspection warnings."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from portal import check

from .util import TODAY, edit, errors, line_of, only, problems

DISC = "xxgk/wj/2024/zfxxgk-gzyd.md"
DISC2 = "xxgk/wj/2024/zfxxgk-gzyd-xg.md"
REG = "departments.yml"


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


def test_empty_news_columns_warn(site: Path) -> None:
    found = [p for p in problems(site) if not p.is_error]
    assert sorted(p.message for p in found) == sorted(
        f"栏目 {label}（{code}）没有任何文章；检查指标把空白栏目计为不合格"
        for code, label in [("bmdt", "部门动态"), ("xzdt", "乡镇动态"), ("ldjh", "领导讲话")])
    assert {(p.path, p.line) for p in found} == {("site/zwdt", 0)}


def test_stale_news_column(site: Path) -> None:
    # yw's newest item is 2024-06-20; 15 days later it is older than FRESHNESS["news_days"]
    msgs = _warnings(site, date(2024, 7, 5))
    assert "栏目 要闻动态（yw）最近更新于 2024-06-20，已 15 天未更新，超过 14 天" in msgs
    assert not any("通知公告" in m for m in msgs)  # 17 days is fine for notices


def test_stale_notice_column_uses_notice_days(site: Path) -> None:
    msgs = _warnings(site, date(2024, 12, 19))  # 184 days after 2024-06-18
    assert any(m.startswith("栏目 通知公告（tzgg）最近更新于 2024-06-18，已 184 天") for m in msgs)


def test_whole_site_not_updated(site: Path) -> None:
    msgs = _warnings(site, date(2024, 7, 5))
    assert any(m.startswith("全站最近更新于 2024-06-20，已 15 天未更新") for m in msgs)
    assert not any(m.startswith("全站") for m in _warnings(site, TODAY))


def test_empty_type_directory(site: Path) -> None:
    shutil.rmtree(site / "zsyz/xm")
    found = [p for p in problems(site) if "招商项目目录" in p.message]
    assert [(p.path, p.line, p.severity) for p in found] == [("site/zsyz/xm", 0, "warning")]


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
