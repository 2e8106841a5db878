"""The annual report (政府信息公开工作年度报告, issue 20): its tables from the records as JSON, CSV
or an HTML page, and the 行政复议 / 行政诉讼 cases staff enter for it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from flask import current_app, render_template
from flask.cli import with_appcontext

from formsvc.cli import demo
from formsvc.cli.common import session
from formsvc.config import county_date
from formsvc.db import utcnow
from formsvc.domain import annual_report as t
from formsvc.services import annual_report
from portal import report as content_report

FORMATS = ("json", "csv", "html")


def as_html(data: dict[str, Any]) -> str:
    """The tables as a page of the portal (theme base.html)."""
    with current_app.test_request_context():
        return render_template("report/annual.html", report=data,
                               parts=content_report.page_parts(data), downloads=())


@click.command("annual-report")
@with_appcontext
@click.option("--year", type=int, required=True, help="报告年度，如 2025")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="json",
              help="输出格式：json（默认）、csv、html")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="写入文件；省略时输出到屏幕")
def annual_report_command(year: int, fmt: str, output: Path | None) -> None:
    """政府信息公开工作年度报告的表格（二、三、四及网站年度报表数据），按记录统计。"""
    this_year = county_date(current_app.config, utcnow()).year
    if not 2000 <= year <= this_year:
        raise click.BadParameter(f"年度应在 2000 至 {this_year} 之间", param_hint="--year")
    with session() as s:
        data = annual_report.report(s, current_app.config, year)
    text = {"json": lambda: json.dumps(data, ensure_ascii=False, indent=1) + "\n",
            "csv": lambda: annual_report.as_csv(data), "html": lambda: as_html(data)}[fmt]()
    if output:
        output.write_text(text, encoding="utf-8")
        click.echo(f"已写入 {output}")
    else:
        click.echo(text, nl=False)


@click.command("report-case")
@with_appcontext
@click.option("--kind", type=click.Choice([k for k, _ in t.CASE_KINDS]), required=True,
              help="；".join(f"{k}：{label}" for k, label in t.CASE_KINDS))
@click.option("--received", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="收到复议申请或起诉的日期 YYYY-MM-DD")
@click.option("--result", type=click.Choice([r for r, _ in t.CASE_RESULTS]), default="pending",
              help="；".join(f"{r}：{label}" for r, label in t.CASE_RESULTS))
@click.option("--decided", type=click.DateTime(["%Y-%m-%d"]), help="审结日期 YYYY-MM-DD")
@click.option("--number", default="", help="案号")
@click.option("--note", default="", help="备注")
def report_case(kind: str, received: Any, result: str, decided: Any, number: str,
                note: str) -> None:
    """登记一件政府信息公开行政复议或行政诉讼案件（年度报告表四）。"""
    with session() as s:
        try:
            case = annual_report.add_case(s, kind, received.date(), result,
                                          decided.date() if decided else None, number, note)
        except annual_report.ReportError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"已登记案件 {case.id}：{dict(t.CASE_KINDS)[kind]}，"
                   f"{dict(t.CASE_RESULTS)[case.result]}")


@click.command("demo-disclosure")
@with_appcontext
@click.option("--year", type=int, default=demo.DEMO_YEAR, show_default=True, help="年度")
def demo_disclosure(year: int) -> None:
    """示范数据：一年的依申请公开申请（各种办理结果和申请人类型）及复议诉讼案件，供年度报告演示。"""
    from formsvc.web.runtime import calendar

    with session() as s:
        n = demo.seed_disclosure_year(s, year, calendar(), current_app.config)
    click.echo(f"已添加 {year} 年示例申请 {n} 件" if n else f"{year} 年已有依申请公开申请，未添加示例数据")


@click.command("demo-surveys")
@with_appcontext
def demo_surveys() -> None:
    """示范数据：演示县网上调查的答卷（已结束调查的结果和公开的建议，进行中调查的实时计数）。"""
    from flask import current_app

    from formsvc.web.runtime import surveys

    with session() as s:
        n = demo.seed_surveys(s, surveys(), current_app.config)
    click.echo(f"已添加示例答卷 {n} 份" if n else "演示调查已有答卷，未添加示例数据")


COMMANDS = (annual_report_command, report_case, demo_disclosure, demo_surveys)
