"""电子监察 commands: ``supervision-report`` writes a month's 定期通报 (public HTML and PDF, the
internal PDF) and stores the month's performance scores with the rule's version;
``demo-supervision`` seeds a month of demo data (formsvc/cli/demo_supervision.py)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from formsvc.cli import demo_supervision as demo_supervision_data
from formsvc.cli.common import holiday_calendar, session
from formsvc.config import county_date
from formsvc.db import utcnow
from formsvc.domain.supervision import month_of, parse_period
from formsvc.letters import report as report_view
from formsvc.services import monthly_report, performance, report_files


@click.command("supervision-report")
@with_appcontext
@click.option("--month", help="通报月份，如 2026-11；默认上一个月")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="另外写入一份的目录；默认只写入 REPORT_DIR（<instance>/tongbao）")
@click.option("--store/--no-store", default=True, show_default=True,
              help="同时存档该月的绩效评估（按当前评分规则版本）")
def supervision_report(month: str | None, out: Path | None, store: bool) -> None:
    """生成月度通报：公开版 HTML 和 PDF、内部版 PDF，并存档当月绩效评估。

    The PDFs replace the stored ones in REPORT_DIR, which the report pages serve (run it again
    after late changes to a month's records); ``--out`` also writes the three files elsewhere."""
    today = county_date(current_app.config, utcnow())
    try:
        period = parse_period(month) if month else month_of(today).previous()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    if period.kind != "month" or period.start > month_of(today).start:
        raise click.BadParameter("请给出已开始的月份，如 2026-11", param_hint="--month")
    cal = holiday_calendar()
    with session() as s:
        report = monthly_report.build(s, current_app.config, cal, period, today)
        if store:
            n = performance.store(s, report.scores)
            click.echo(f"已存档 {period.label} 绩效评估 {n} 个单位（规则 {report.scores.rule_version}）")
    public = report.public_copy()
    with current_app.test_request_context():
        page = report_view.html(public, "report/monthly_public.html", latest=period)
        pdfs = {True: report_view.pdf(public), False: report_view.pdf(report)}
    stored = Path(current_app.config["REPORT_DIR"])
    files = {f"tongbao-{period.key}.html": page.encode("utf-8")}
    for is_public, body in pdfs.items():
        files[report_files.pdf_name(period, is_public)] = body
        click.echo(f"已写入 {report_files.store(current_app.config, period, is_public, body)}")
    if out is None:
        out = stored
    for name, body in files.items():
        if out.resolve() != stored.resolve() or name.endswith(".html"):
            report_files.write(out / name, body)
            click.echo(f"已写入 {out / name}")


@click.command("demo-supervision")
@with_appcontext
@click.option("--month", help="示例数据的月份，如 2026-11；默认上一个月")
def demo_supervision(month: str | None) -> None:
    """为示范县生成一个月的电子监察示例数据（签收、逾期、不满意、督办和纠错通知）。"""
    today = county_date(current_app.config, utcnow())
    try:
        period = parse_period(month) if month else month_of(today).previous()
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    if period.kind != "month" or period.start > today:
        raise click.BadParameter("请给出已开始的月份，如 2026-11", param_hint="--month")
    with session() as s:
        n = demo_supervision_data.seed_month(s, current_app.config, holiday_calendar(), period,
                                             today)
    click.echo(f"已生成 {period.label} 的示例留言 {n} 件" if n else
               f"{period.label} 已有示例数据，未重复生成")


COMMANDS = (supervision_report, demo_supervision)
