"""scripts/check rules of issue 20 (portal/report_check.py) and the build's report tables
(portal/report.py): the annual report, typed tables, the 公开指南, Art. 26."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

from bs4 import BeautifulSoup

from portal import report
from tests.conftest import ROOT

from .util import edit, line_of, problems

DISC = "xxgk/wj/2024/zfxxgk-gzyd.md"
PAGE = """---
title: 示范县人民政府{year}年政府信息公开工作年度报告
column: 信息公开
---

## 一、总体情况

正文。

## 三、收到和处理政府信息公开申请情况

{body}
"""


def write_report(site: Path, year: int, body: str) -> Path:
    path = site / "pages" / "xxgk" / "nb" / f"{year}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(PAGE.format(year=year, body=body), encoding="utf-8")
    return path


def found(site: Path, needle: str, today: date = date(2024, 6, 25)) -> list:
    return [p for p in problems(site, today) if needle in p.message]


MARKERS = "{{统计表：依申请公开}}\n\n{{统计表：复议诉讼}}\n"


def data(site: Path, year: int) -> None:
    path = site / report.data_file(year)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"year": year, "requests": {"columns": [], "rows": []},
                                "cases": {"results": [], "kinds": []},
                                "website": {"messages_received": 3, "messages_answered": 2,
                                            "average_working_days": 4.5,
                                            "letters_published": 1}}), encoding="utf-8")


def test_last_years_report_missing_warns_then_is_overdue(site: Path) -> None:
    write_report(site, 2022, MARKERS)
    data(site, 2022)
    assert not found(site, "年度报告尚未发布", date(2024, 1, 31))
    warn = found(site, "2023年政府信息公开工作年度报告尚未发布", date(2024, 2, 1))
    assert len(warn) == 1 and not warn[0].is_error and "1月31日" in warn[0].message
    assert warn[0].path == "site/pages/xxgk/nb/2023.md"
    assert not found(site, "2023年政府信息公开工作年度报告尚未发布", date(2024, 3, 31))[0].is_error
    late = found(site, "2023年政府信息公开工作年度报告尚未发布", date(2024, 4, 1))
    assert len(late) == 1 and "3月31日前公布，已逾期" in late[0].message
    assert late[0].is_error  # after 31 March (issue 20)
    write_report(site, 2023, MARKERS)
    data(site, 2023)
    assert not found(site, "年度报告尚未发布", date(2024, 4, 1))


def test_the_demo_content_stays_buildable_a_year_on(site: Path) -> None:
    """The demo county (content/DEMO.txt) is dated once: its missing report is a warning that
    says why, so `make run` still builds it after 31 March; the rule holds for real content."""
    write_report(site, 2022, MARKERS)
    data(site, 2022)
    (site / "DEMO.txt").write_text("提示：这是虚构的示范县演示内容。\n", encoding="utf-8")
    late = found(site, "2023年政府信息公开工作年度报告尚未发布", date(2024, 4, 1))
    assert len(late) == 1 and not late[0].is_error and "演示内容" in late[0].message
    (site / "DEMO.txt").unlink()
    assert found(site, "2023年政府信息公开工作年度报告尚未发布", date(2024, 4, 1))[0].is_error


def test_a_typed_table_is_an_error_and_markers_need_their_data(site: Path) -> None:
    path = write_report(site, 2023, "| 项目 | 自然人 | 总计 |\n|---|---:|---:|\n"
                                    "| 一、本年新收政府信息公开申请数量 | 3 | 3 |\n")
    typed = found(site, "不得手工填写")
    assert len(typed) == 1 and typed[0].is_error
    assert typed[0].line == line_of(path, "一、本年新收")
    # bold and indented labels are the same rows
    write_report(site, 2023, "| **（三）不予公开** | **1** |\n| 　1.属于国家秘密 | 1 |\n")
    assert len(found(site, "不得手工填写")) == 1
    write_report(site, 2023, MARKERS)
    missing = found(site, "缺少统计数据 files/xxgk/nb/2023.json")
    assert len(missing) == 1 and missing[0].is_error and "annual-report --year 2023" in \
        missing[0].message
    data(site, 2023)
    # (the column's freshness, portal.freshness, is another rule: the test report has no date)
    assert not [p for p in problems(site) if ("年度报告" in p.message or "统计" in p.message)
                and not p.message.startswith("栏目 ")]
    write_report(site, 2023, "{{统计表：依申请公开}}\n")
    warn = found(site, "年度报告缺少统计表")
    assert len(warn) == 1 and not warn[0].is_error and "{{统计表：复议诉讼}}" in warn[0].message


def test_the_guide_must_exist(site: Path) -> None:
    assert not found(site, "政府信息公开指南")
    (site / "pages" / "xxgk" / "zn.md").unlink()
    p = found(site, "缺少政府信息公开指南")
    assert len(p) == 1 and not p[0].is_error


def test_article_26_late_publication_warns(site: Path) -> None:
    assert not found(site, "第二十六条")
    # written Fri 2024-03-01; 20 working days later is 2024-03-29; published 2024-04-01
    edit(site / DISC, "date: 2024-03-05 09:30", "date: 2024-04-01 09:30")
    p = found(site, "第二十六条")
    assert len(p) == 1 and not p[0].is_error
    assert p[0].path == f"site/{DISC}" and p[0].line == line_of(site / DISC, "date: 2024-04-01")
    assert "21 个工作日" in p[0].message and "应于 2024-03-29 前公开" in p[0].message
    edit(site / DISC, "date: 2024-04-01 09:30", "date: 2024-03-29 09:30")
    assert not found(site, "第二十六条")


def test_fill_page_puts_the_tables_at_the_markers(site: Path) -> None:
    data(site, 2023)
    html = "<p>前言</p><p>{{统计表：主动公开}}</p><p>{{统计表：网站}}</p>"
    docs = report.load_documents(site)
    out = report.fill_page("pages/xxgk/nb/2023.md", html, docs, site)
    page = BeautifulSoup(out, "html.parser")
    assert "统计表：" not in page.get_text() and "前言" in page.get_text()
    assert page.select_one('td[data-cell="messages_received"]').get_text() == "3"
    assert page.select_one('td[data-cell="average_working_days"]').get_text() == "4.5"
    # table 二 is counted by the build from the documents, whatever the data file says
    assert page.select_one('td[data-cell="行政规范性文件/made"]').get_text() == "0"
    assert report.fill_page("pages/about.md", html, docs, site) == html
    assert report.fill_page("pages/xxgk/nb/2019.md", html, docs, site) == html  # no data


def test_proactive_counts(site: Path) -> None:
    edit(site / DISC, "validity: 已修改", "validity: 废止\ninvalid_from: 2025-02-01\n"
                                       "doc_class: 行政规范性文件")
    docs = report.load_documents(site)

    def cells(year: int) -> dict[str, int]:
        return report.proactive(docs, year)["rows"][1]["cells"]
    assert cells(2024) == {"made": 1, "repealed": 0, "in_force": 1}
    assert cells(2025) == {"made": 0, "repealed": 1, "in_force": 0}
    assert cells(2023) == {"made": 0, "repealed": 0, "in_force": 0}


def test_the_guide_states_the_limits_applied(site: Path, monkeypatch) -> None:
    guide = site / "pages" / "xxgk" / "zn.md"
    guide.write_text(guide.read_text(encoding="utf-8") + (
        "\n主动公开的政府信息，自该信息形成或者变更之日起20个工作日内予以公开。\n"
        "\n- 自收到申请之日起**20个工作日**内予以答复。\n"
        "- 延长的期限最长不超过**20个工作日**。\n"), encoding="utf-8")
    assert not found(site, "指南写的")
    monkeypatch.setenv("FORMSVC_TIME_LIMITS", '{"ysqgk": 15}')
    p = found(site, "指南写的")
    assert [x.message for x in p] == ["指南写的依申请公开答复期限是 20 个工作日，系统按 15 个工作日办理；请核对后统一"]
    assert p[0].line == line_of(guide, "内予以答复") and not p[0].is_error
    guide.write_text(guide.read_text(encoding="utf-8").replace("起20个工作日内予以公开",
                                                               "起30个工作日内予以公开"),
                     encoding="utf-8")
    assert len(found(site, "主动公开期限（《条例》第二十六条）是 30 个工作日")) == 1


def test_the_build_agrees_with_the_check_on_a_missing_report(site: Path, tmp_path: Path,
                                                            caplog, monkeypatch) -> None:
    """The build checks on its own day what scripts/check does: after 31 March a missing report
    fails both with the same error; before, both only warn; a tree without report pages is
    not checked at all. (In 2025, so that no date of the test tree is in the future.)"""
    import contextlib
    import logging

    import pytest
    from pelican.log import LimitFilter

    from portal import check
    from tests.conftest import build_site
    from yamlmeta.yamlmeta import ContentError

    def built(today: date, out: str) -> list[str]:
        monkeypatch.setattr(check, "today_in_china", lambda: today)
        monkeypatch.setattr(LimitFilter, "_raised_messages", set())  # warn again in each build
        caplog.clear()
        # the late build fails: its log is read all the same
        with caplog.at_level(logging.WARNING), contextlib.suppress(ContentError):
            build_site(site, tmp_path / out)
        return [r.getMessage().split(" ", 1)[1] for r in caplog.records
                if "年度报告尚未发布" in r.getMessage() and r.getMessage().startswith("yamlmeta:")]

    def checked(today: date) -> list[str]:
        return [str(p) for p in found(site, "年度报告尚未发布", today)]

    assert not checked(date(2025, 4, 1))  # no report page: the site publishes them elsewhere
    write_report(site, 2023, MARKERS)
    data(site, 2023)
    late = checked(date(2025, 4, 1))
    assert len(late) == 1 and late[0].startswith("site/pages/xxgk/nb/2024.md")
    assert "警告" not in late[0]
    monkeypatch.setattr(check, "today_in_china", lambda: date(2025, 4, 1))
    with pytest.raises(ContentError):
        build_site(site, tmp_path / "late")
    assert built(date(2025, 4, 1), "late2") == late
    early = checked(date(2025, 2, 1))
    assert len(early) == 1 and "警告" in early[0]
    assert built(date(2025, 2, 1), "early") == early
    assert (tmp_path / "early" / "xxgk" / "nb" / "2023.html").is_file()  # built, not failed


def test_the_demo_reports_narrative_states_the_generated_figures() -> None:
    """The figures the editor typed in the demo's 依申请公开 paragraph are those of its data file
    (regenerated with flask demo-disclosure / annual-report, docs/annual-report.md)."""
    said = re.compile(r"新收政府信息公开申请(\d+)件，上年结转(\d+)件[，；]办结(\d+)件"
                      r"[，（]其中申请人逾期不补正、视为放弃申请(\d+)件）?，结转下年度(\d+)件")
    for year in (2024, 2025):
        text = (ROOT / "content" / "pages" / "xxgk" / "nb" / f"{year}.md").read_text(
            encoding="utf-8")
        figures = json.loads((ROOT / "content" / report.data_file(year)).read_text(
            encoding="utf-8"))
        totals = {r["code"]: r["total"] for r in figures["requests"]["rows"]}
        m = said.search(text)
        assert m, year
        assert [int(n) for n in m.groups()] == [
            totals[c] for c in ("new", "carried_in", "total", "other.no_correction",
                                "carried_out")], year
