"""scripts/check on 权力事项: the fields, the code, the 裁量基准 of a 处罚, the flows, the guides' links."""

from __future__ import annotations

from pathlib import Path

from .util import edit, errors, line_of, only

PENALTY = "xxgk/ql/spjy-chufa.md"
LICENCE = "xxgk/ql/spjy-xuke.md"
GUIDE = "bsfw/spjy-xuke.md"


def test_test_tree_powers_pass(site: Path) -> None:
    assert errors(site) == []


def test_duplicate_code_reports_both_files(site: Path) -> None:
    edit(site / LICENCE, "code: XK-SCJGJ-001", "code: CF-SCJGJ-001")
    found = [p for p in errors(site) if "重复" in p.message]
    assert sorted(p.path for p in found) == [f"site/{PENALTY}", f"site/{LICENCE}"]
    assert all(p.line == 3 for p in found)


def test_malformed_code(site: Path) -> None:
    edit(site / LICENCE, "code: XK-SCJGJ-001", "code: xk001")
    found = [p for p in errors(site) if "code（事项编码）“xk001” 格式不对" in p.message]
    assert len(found) == 1 and found[0].line == 3


def test_wrong_kinds_are_reported_not_crashed_on(site: Path) -> None:
    edit(site / LICENCE, "code: XK-SCJGJ-001", "code: 1001")
    edit(site / LICENCE, "power_type: 行政许可", "power_type: [行政许可]")
    edit(site / LICENCE, "    next: shencha", "    next: [shencha]")
    edit(site / PENALTY, "flow_internal:\n", "flow_internal:\n  - 法制审核\n")
    found = [str(p) for p in errors(site)]
    assert any("“1001” 格式不对" in m for m in found), found
    assert any("power_type（职权类别） 应为" in m for m in found), found
    assert any("next（下一环节）" in m and "不是列表" in m for m in found), found
    assert any("flow_internal（内部流程）第 1 项应为若干“键: 值”" in m for m in found), found


def test_basis_is_required_and_needs_the_article(site: Path) -> None:
    edit(site / LICENCE, "    article: 第三十五条第一款\n", "")
    p = only(errors(site), "article（条款）")
    assert p.line == line_of(site / LICENCE, "- law:")
    text = (site / LICENCE).read_text(encoding="utf-8")
    start, end = text.index("basis:"), text.index("department:")
    (site / LICENCE).write_text(text[:start] + text[end:], encoding="utf-8")
    only(errors(site), "必填字段 basis（实施依据） 缺失")


def test_a_penalty_needs_its_discretion_table(site: Path) -> None:
    text = (site / PENALTY).read_text(encoding="utf-8")
    start, end = text.index("discretion:"), text.index("flow_external:")
    (site / PENALTY).write_text(text[:start] + text[end:], encoding="utf-8")
    p = only(errors(site), "自由裁量基准")
    assert p.line == line_of(site / PENALTY, "power_type:")


def test_a_category_outside_the_list(site: Path) -> None:
    edit(site / LICENCE, "power_type: 行政许可", "power_type: 许可")
    p = only(errors(site), "power_type（职权类别）")
    assert "不在允许范围内" in p.message and "行政许可" in p.message


def test_flow_with_a_missing_step_is_reported_at_its_line(site: Path) -> None:
    edit(site / LICENCE, "    if_yes: jueding", "    if_yes: juedin")
    p = only(errors(site), "flow_external（外部流程）第 2 个环节")
    assert p.line == line_of(site / LICENCE, "if_yes: juedin")
    assert "“juedin” 不存在" in p.message


def test_orphan_step_and_yaml_yes_no_trap(site: Path) -> None:
    edit(site / PENALTY, "    next: jueding\n", "")
    found = [p for p in errors(site) if "flow_external" in p.message]
    assert any("走不到" in p.message and "作出处罚决定" in p.message for p in found)
    # `yes:` is read by YAML as true: the key is unknown, and the decision lacks its branch
    edit(site / LICENCE, "    if_yes: jueding", "    yes: jueding")
    found = [str(p) for p in errors(site) if p.path.endswith(LICENCE)]
    assert any("缺少 if_yes" in m for m in found), found


def test_a_flow_of_the_wrong_shape(site: Path) -> None:
    text = (site / PENALTY).read_text(encoding="utf-8")
    start, end = text.index("flow_internal:"), text.index("date:")
    (site / PENALTY).write_text(text[:start] + "flow_internal: 审核后签批\n" + text[end:], encoding="utf-8")
    p = only(errors(site), "flow_internal（内部流程）")
    assert "应为列表" in p.message


def test_a_guide_naming_an_unknown_power(site: Path) -> None:
    edit(site / GUIDE, "power: XK-SCJGJ-001", "power: XK-SCJGJ-002")
    p = only(errors(site), "power（权力事项）")
    assert p.path == f"site/{GUIDE}" and p.line == line_of(site / GUIDE, "power:")
    assert "是否为 XK-SCJGJ-001" in p.message
