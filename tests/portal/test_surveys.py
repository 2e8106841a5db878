"""网上调查 definitions: the parser's rules and that scripts/check reports them at their line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from portal import check, slugs, surveys

ROOT = Path(__file__).resolve().parents[2]

GOOD = """title: 停车调查
department: zjj
opens: 2026-12-01
closes: 2026-12-31
questions:
  - id: often
    type: single
    text: 多久停车一次？
    options: [每天, 很少]
  - id: score
    type: scale
    text: 满意吗？
"""


def problems(text: str, slug: str = "s") -> list[tuple[int, str]]:
    return surveys.parse_text(text, slug, ["zjj"]).problems


def test_a_good_survey_parses_with_defaults() -> None:
    parsed = surveys.parse_text(GOOD, "parking", ["zjj"])
    assert parsed.problems == []
    s = parsed.survey
    assert s is not None and s.anonymous is True
    assert [q.number for q in s.questions] == [1, 2]
    assert s.questions[1].choices == tuple((i, str(i)) for i in range(1, 6))  # scale 5 by default
    assert s.state(s.opens) == "open" and s.state(s.closes) == "open"
    assert s.state(s.closes.replace(day=31).fromordinal(s.closes.toordinal() + 1)) == "closed"


def test_each_mistake_is_reported_in_chinese_at_its_line() -> None:
    text = GOOD.replace("department: zjj", "department: nobody").replace(
        "    type: scale\n", "    type: scale\n    scale: 11\n    options: [a, b]\n").replace(
        "closes: 2026-12-31", "closes: 2026-11-30")
    found = problems(text)
    assert (2, "department（发布机构）“nobody” 不是机构名录 departments.yml 中的机构代码") in found
    assert any(line == 4 and "早于" in m for line, m in found)
    assert any(line == 12 and "scale（量表级数）应为 2 到 10" in m for line, m in found)
    assert any(line == 13 and "options（选项）只用于单选和多选题" in m for line, m in found)


def test_hostile_definitions() -> None:
    assert problems("- a\n- b\n")[0][1].startswith("调查文件应为")
    assert "YAML 格式错误" in problems("title: [\n")[0][1]
    assert any("重复" in m for _, m in problems(GOOD + "  - id: often\n    type: text\n    text: x\n"))
    assert any("max_choices" in m for _, m in problems(
        GOOD.replace("type: single", "type: multiple\n    max_choices: 5")))
    assert any("文件名" in m for _, m in problems(GOOD, "Bad Slug"))
    assert any("不认识的键" in m for _, m in problems(GOOD + "colour: red\n"))
    assert any("options（选项）每一项" in m for _, m in problems(GOOD.replace("[每天, 很少]", "[每天, true]")))


def test_scripts_check_reports_survey_errors_and_keeps_them_off_stray_files(tmp_path: Path) -> None:
    content = tmp_path / "content"
    content.mkdir()
    shutil.copy(ROOT / "content" / "departments.yml", content / "departments.yml")
    shutil.copy(ROOT / "content" / "columns.yml", content / "columns.yml")
    (content / "surveys").mkdir()
    (content / "surveys" / "good.yml").write_text(GOOD, encoding="utf-8")
    (content / "surveys" / "bad.yml").write_text(GOOD.replace("type: single", "type: radio"),
                                                 encoding="utf-8")
    found = check.run(content).problems
    messages = [str(p) for p in found if "surveys" in p.path]
    assert len(messages) == 1
    assert messages[0].endswith("surveys/bad.yml:7: 第 1 个问题的 type（题型）应为 single（单选）、"
                                "multiple（多选）、scale（量表）、text（填空） 之一")
    assert not any("不会被发布" in str(p) for p in found)


def test_the_demo_surveys_are_valid() -> None:
    assert set(surveys.load(ROOT / "content")) == {"parking-2026", "school-meals-2026"}


@pytest.mark.parametrize(("slug", "document_ok", "survey_ok"), [
    ("a", True, True),
    ("a" * 63, True, True),
    ("a" * 64, True, False),  # a document slug has no cap; a survey's stops at 63
    ("a" * 200, True, False),
    ("2026-minyi", True, True),
    ("-a", False, False),
    ("Ab", False, False),
    ("a_b", False, False),
    ("", False, False),
    ("a\n", False, False),  # `$` matches before a final newline: the code calls fullmatch
])
def test_one_slug_rule_with_the_surveys_length_cap(slug: str, document_ok: bool, survey_ok: bool) -> None:
    assert bool(slugs.SLUG_RE.fullmatch(slug)) is document_ok
    assert bool(surveys.SLUG_RE.fullmatch(slug)) is survey_ok
    assert bool(re.fullmatch(slugs.SLUG_RE.pattern, slug)) is document_ok  # as the API documents it


def test_a_slug_pattern_needs_a_positive_length() -> None:
    assert slugs.pattern(1).fullmatch("a") and not slugs.pattern(1).fullmatch("ab")
    for bad in (0, -1, True, "63", 2.5):
        with pytest.raises(ValueError):
            slugs.pattern(bad)
