"""scripts/check: output format, exit status, summary line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .util import edit

REPO = Path(__file__).resolve().parents[2]


def run_check(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(REPO / "scripts" / "check"), *args],
                          capture_output=True, text=True, encoding="utf-8", check=False)


def test_clean_tree_exits_zero_with_summary(site: Path) -> None:
    res = run_check(str(site), "--today", "2024-06-25")
    assert res.returncode == 0, res.stdout + res.stderr
    lines = res.stdout.splitlines()
    assert lines[-1] == ("检查通过：信息公开文件 2 篇、办事指南 1 项、招商项目 1 个、投资环境与优惠政策 1 篇、"
                         "政务动态 2 篇、固定页面 1 个、意见征集 1 篇、在线访谈 1 篇、权力事项 2 项，警告 7 条")
    assert all("警告：" in line for line in lines[:-1])


def test_strict_fails_on_warnings(site: Path) -> None:
    assert run_check(str(site), "--today", "2024-06-25", "--strict").returncode == 1


def test_errors_exit_one_as_path_line_message(site: Path) -> None:
    edit(site / "zwdt/2024-gzhy.md", "column: yw", "column: yaowen")
    res = run_check(str(site), "--today", "2024-06-25")
    assert res.returncode == 1
    error = [line for line in res.stdout.splitlines() if "yaowen" in line]
    assert len(error) == 1
    assert error[0].endswith("zwdt/2024-gzhy.md:3: column（栏目） 的值 “yaowen” 不是 columns.yml 中的栏目，"
                             "是否为 “yw”？可选：“yw（要闻动态）”、“bmdt（部门动态）”、“xzdt（乡镇动态）”、"
                             "“tzgg（通知公告）”、“ldjh（领导讲话）”、“yshj（优化营商环境）”")
    assert res.stdout.splitlines()[-1].startswith("检查未通过：错误 1 处，警告 8 条")  # yw is now empty too


def test_output_is_sorted_by_path_and_line(site: Path) -> None:
    edit(site / "zwdt/2024-gzhy.md", "column: yw", "column: yaowen")
    edit(site / "zwdt/2024-gzhy.md", "author: 县政府办", "autor: 县政府办")
    edit(site / "bsfw/spjy-xuke.md", "visits: 0", "visits: 零")
    lines = run_check(str(site), "--today", "2024-06-25").stdout.splitlines()[:-1]
    keys = []
    for line in lines:
        path, _, rest = line.partition(": ")
        name, _, num = path.rpartition(":")
        keys.append((name, int(num)) if num.isdigit() else (path, 0))
    assert keys == sorted(keys)


def test_bad_today_is_a_usage_error(site: Path) -> None:
    res = run_check(str(site), "--today", "2024/06/25")
    assert res.returncode == 2 and "YYYY-MM-DD" in res.stderr


def test_missing_content_dir(tmp_path: Path) -> None:
    res = run_check(str(tmp_path / "nope"))
    assert res.returncode == 2 and "找不到内容目录" in res.stderr
