"""The test tree itself: valid, with only the inspection warnings a tiny tree must have."""

from __future__ import annotations

import os
from pathlib import Path

from portal import check, frontmatter, schema
from portal.departments import load

from .util import DATA_SITE, TODAY, edit, problems


def test_test_tree_has_no_errors() -> None:
    found = check.run(DATA_SITE, TODAY).problems
    assert [str(p) for p in found if p.is_error] == []


def test_test_tree_has_a_document_of_every_type() -> None:
    report = check.run(DATA_SITE, TODAY)
    assert all(n >= 1 for n in report.counts.values()), report.counts


def test_problem_str_formats() -> None:
    assert str(check.Problem("content/a.md", 3, "错")) == "content/a.md:3: 错"
    assert str(check.Problem("content/a.md", 3, "旧", "warning")) == "content/a.md:3: 警告：旧"
    assert str(check.Problem("content/zwdt", 0, "空", "warning")) == "content/zwdt: 警告：空"


def test_problems_sort_by_path_then_line(site: Path) -> None:
    found = problems(site)
    assert found == sorted(found)


def test_check_document_does_not_walk_the_tree(site: Path, monkeypatch) -> None:
    # the build calls check_document 100,000 times: the Site must have cached the file list
    s = check.Site(site, load(site), site.parent)
    rel = "xxgk/wj/2024/zfxxgk-gzyd.md"
    doc = frontmatter.parse(site / rel)

    def no_walk(*args, **kwargs):
        raise AssertionError("file-system walk per document")

    monkeypatch.setattr(os, "walk", no_walk)
    monkeypatch.setattr(Path, "exists", no_walk)
    assert check.check_document(doc, rel, s) == []


def test_check_document_paths_are_shown_under_root(site: Path) -> None:
    s = check.Site(site, load(site), site.parent)
    rel = "zwdt/2024-gzhy.md"
    doc = frontmatter.parse(site / rel)
    doc.meta["column"] = "xx"
    (p,) = check.check_document(doc, rel, s)
    assert p.path == "site/zwdt/2024-gzhy.md"
    assert "column（栏目）" in p.message


def test_fast_type_lookup_agrees_with_schema() -> None:
    paths = ["xxgk/wj/2024/a.md", "xxgk/wj/a.md", "xxgk/a.md", "xxgk/wj", "bsfw/a.md",
             "bsfw/x/a.md", "zsyz/xm/a.md", "zsyz/tz/a.md", "zsyz/a.md", "zwdt/a.md",
             "pages/xxgk/zn.md", "pages/a.md", "pages", "files/a.pdf", "a.md", "zwdtx/a.md"]
    for p in paths:
        assert check.doc_type_of(p) is schema.doc_type_for(p), p


def test_check_tree_api(site: Path) -> None:
    edit(site / "zwdt/2024-gzhy.md", "column: yw", "column: yaowen")
    found = check.check_tree(site, TODAY)
    assert found == sorted(found)
    (error,) = [p for p in found if p.is_error]
    assert error.path.endswith("site/zwdt/2024-gzhy.md") and error.line == 3


def test_check_file_survives_an_impossible_date(site: Path) -> None:
    # PyYAML raises a bare ValueError on 2024-13-01; check_file turns it into a located problem
    f = site / "zwdt/2024-gzhy.md"
    edit(f, "date: 2024-06-20 10:00", "date: 2024-13-01")
    s = check.Site(site, load(site), site.parent, today=TODAY)
    doc, found = check.check_file(f, s)
    assert doc is not None
    assert [(p.path, p.line) for p in found] == [("site/zwdt/2024-gzhy.md", 7)]
    assert "“2024-13-01” 不存在" in found[0].message
