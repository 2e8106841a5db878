"""scripts/new: the scaffold of every type passes the check once its blanks are filled."""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from portal import check, frontmatter, scaffold, schema
from portal.schema import Field

from .util import edit

REPO = Path(__file__).resolve().parents[2]
TODAY = date(2024, 6, 25)
TYPES = [t.name for t in schema.DOC_TYPES]


def new(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run scripts/new's main in-process (a subprocess per call would triple the suite's time)."""
    argv = [*args, "--content-dir", str(site), "--today", TODAY.isoformat()]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = scaffold.main(argv)
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


def test_script_wrapper_runs(site: Path) -> None:
    res = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "new"), "news", "--column", "yw", "--dry-run",
         "--content-dir", str(site)], capture_output=True, text=True, encoding="utf-8", check=False)
    assert res.returncode == 0, res.stderr
    assert "column: \"yw\"" in res.stdout


def _sample(f: Field) -> Any:
    """A valid value for an empty field, by kind: what an editor would type."""
    if f.kind in ("record", "records"):
        item = {sub.key: _sample(sub) for sub in f.item_fields if sub.required}
        return [item] if f.kind == "records" else item
    if f.kind == "choices":
        return [f.choices[0]]
    if f.kind == "choice":
        return f.choices[0]
    # fields with a grammar of their own: a 权力事项's code and a flow step's id
    by_key = {"code": "XK-FGW-001", "id": "shenqing"}
    if f.key in by_key:
        return by_key[f.key]
    samples = {"int": 1, "bool": False, "list": ["示例"], "dept": "fgw", "text": "示例文字", "column": "yw"}
    return samples.get(f.kind, "示例")


def _fill(meta: dict, fields: tuple[Field, ...]) -> None:
    for f in fields:
        value = meta.get(f.key)
        if value is None and f.key in meta:
            meta[f.key] = _sample(f)
        elif isinstance(value, dict):
            _fill(value, f.item_fields)
        elif isinstance(value, list) and f.item_fields:
            for item in value:
                _fill(item, f.item_fields)


def _args(type_name: str) -> list[str]:
    extra = {"disclosure": ["--dept", "xzfb"], "page": ["--slug", "xxgk/gk"]}
    return [type_name, *extra.get(type_name, [])]


@pytest.mark.parametrize("type_name", TYPES)
def test_untouched_scaffold_reports_its_blanks(site: Path, type_name: str) -> None:
    res = new(site, *_args(type_name))
    assert res.returncode == 0, res.stderr
    path = Path(res.stdout.strip())
    rel = path.resolve().relative_to(site.resolve()).as_posix()
    found = [p for p in check.run(site, TODAY, root=site.parent).problems
             if p.is_error and p.path == f"site/{rel}"]
    assert found, "an empty scaffold must not pass the check"
    assert any("必填字段" in p.message for p in found)


@pytest.mark.parametrize("type_name", TYPES)
def test_filled_scaffold_passes(site: Path, type_name: str) -> None:
    res = new(site, *_args(type_name))
    path = Path(res.stdout.strip())
    doc = frontmatter.parse(path)
    t = schema.doc_type_for(path.resolve().relative_to(site.resolve()).as_posix())
    assert t is not None and t.name == type_name
    # every required field is there, empty or filled; optional ones are commented out
    assert set(doc.meta) == {f.key for f in t.fields if f.required} | (
        {"date"} if type_name == "page" else set())
    _fill(doc.meta, t.fields)
    text = "---\n" + yaml.safe_dump(doc.meta, allow_unicode=True, sort_keys=False) + "---\n正文。\n"
    path.write_text(text, encoding="utf-8")
    report = check.run(site, TODAY, root=site.parent)
    assert [str(p) for p in report.errors] == []


def test_disclosure_gets_next_free_index_no(site: Path) -> None:
    res = new(site, "信息公开", "--dept", "xzfb", "--year", "2024", "--title", "新文件")
    path = Path(res.stdout.strip())
    assert path.parent.name == "2024"
    meta = frontmatter.parse(path).meta
    assert meta["index_no"] == "01150001-1/2024-00003"  # 00001 and 00002 are taken
    assert meta["title"] == "新文件" and meta["publisher"] == "xzfb"


def test_index_no_serial_starts_at_one_per_publisher_and_year(site: Path) -> None:
    assert scaffold.next_index_no(site, "01150002-2", 2024) == "01150002-2/2024-00001"
    assert scaffold.next_index_no(site, "01150001-1", 2025) == "01150001-1/2025-00001"


def test_index_no_is_never_reused_after_a_gap(site: Path) -> None:
    edit(site / "xxgk/wj/2024/zfxxgk-gzyd-xg.md", "2024-00002", "2024-00040")
    edit(site / "xxgk/wj/2024/zfxxgk-gzyd.md", "replaced_by: 01150001-1/2024-00002",
         "replaced_by: 01150001-1/2024-00040")
    assert scaffold.next_index_no(site, "01150001-1", 2024) == "01150001-1/2024-00041"


def test_refuses_to_overwrite(site: Path) -> None:
    res = new(site, "page", "--slug", "xxgk/zn")
    assert res.returncode == 1 and "不会覆盖" in res.stderr


def test_refuses_a_disclosure_slug_used_in_another_year(site: Path) -> None:
    res = new(site, "disclosure", "--slug", "zfxxgk-gzyd", "--year", "2023")
    assert res.returncode == 1 and "已存在" in res.stderr


def test_rejects_bad_slug_type_and_column(site: Path) -> None:
    assert "文件名" in new(site, "news", "--slug", "Hui_Yi").stderr
    assert "未知类型" in new(site, "博客").stderr
    assert "栏目 xx 不在 columns.yml 中；可用：yw、bmdt" in new(site, "新闻", "--column", "xx").stderr
    assert "不在 departments.yml" in new(site, "guide", "--dept", "nope").stderr


@pytest.mark.parametrize(
    ("alias", "directory"),
    [("信息公开", "xxgk/wj/2024"), ("办事指南", "bsfw"), ("招商项目", "zsyz/xm"),
     ("投资环境", "zsyz/tz"), ("优惠政策", "zsyz/tz"), ("新闻", "zwdt")],
)
def test_chinese_aliases(site: Path, alias: str, directory: str) -> None:
    res = new(site, alias, "--dry-run")
    assert res.returncode == 0
    first = res.stdout.splitlines()[0]
    assert f"site/{directory}/20240625-1.md" in first and "未写入" in first
    assert not list(site.rglob("20240625-1.md"))  # dry run writes nothing


def test_alias_presets_investment_kind(site: Path) -> None:
    path = Path(new(site, "优惠政策").stdout.strip())
    assert frontmatter.parse(path).meta["kind"] == "优惠政策"


def test_default_slugs_do_not_collide(site: Path) -> None:
    first = Path(new(site, "news", "--column", "yw").stdout.strip())
    second = Path(new(site, "news", "--column", "yw").stdout.strip())
    assert (first.name, second.name) == ("20240625-1.md", "20240625-2.md")


def test_page_needs_a_slug(site: Path) -> None:
    res = new(site, "页面")
    assert res.returncode == 1 and "--slug" in res.stderr


def test_news_scaffold_fills_column_and_dept(site: Path) -> None:
    path = Path(new(site, "news", "--column", "tzgg", "--dept", "scjgj", "--title", "通告").stdout.strip())
    meta = frontmatter.parse(path).meta
    assert (meta["column"], meta["department"], meta["title"]) == ("tzgg", "scjgj", "通告")
    assert meta["date"] == TODAY
