"""Upkeep commands: the department registry, the daily content check, retention, the letters'
search index and masking, the calendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from formsvc import db
from formsvc.cli.common import holiday_calendar, session
from formsvc.services import content_check, departments, drafts


@click.command("sync-departments")
@with_appcontext
def sync_departments() -> None:
    """Upsert departments from content/departments.yml; removed ones are deactivated, never deleted."""
    with session() as s:
        result = departments.sync(s, current_app.config["CONTENT_DIR"])
    click.echo("机构同步完成：" + result.summary())
    for label, codes in (("新增", result.added), ("更新", result.updated),
                         ("停用", result.deactivated)):
        if codes:
            click.echo(f"  {label}：{', '.join(codes)}")


@click.command("check-content")
@with_appcontext
@click.option("--published", type=click.Path(file_okay=False, path_type=Path),
              help="发布目录，默认为 OUTPUT_DIR")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), help="按这一天检查时效")
def check_content(published: Path | None, today: Any) -> None:
    """Check CONTENT_DIR and the published tree; mail the problems to CHECK_MAIL_TO (daily timer)."""
    with session() as s:
        result = content_check.run(s, current_app.config, published_dir=published,
                                   today=today.date() if today else None)
    click.echo(result.summary())


@click.command("purge-drafts")
@with_appcontext
def purge_drafts() -> None:
    """Remove 依申请公开 drafts abandoned for more than a day."""
    n = drafts.purge(current_app.config["UPLOAD_DIR"])
    click.echo(f"已清理 {n} 份过期草稿")


@click.command("purge-personal-data")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="只统计到期的数据，不做任何修改")
def purge_personal_data(dry_run: bool) -> None:
    """Delete personal data past the privacy statement's retention periods (daily timer)."""
    from formsvc.services import retention

    result = retention.purge(db.get_engine().begin, current_app.config, dry_run=dry_run)
    click.echo(("（试运行，未修改）" if dry_run else "") + result.summary())


def rebuild_letters_index() -> None:
    """Rebuild the published letters' search index from the database, and say so."""
    from formsvc.services import contribution_search, search

    with session() as s:
        n = search.reindex_letters(s, current_app.config)
        counts = contribution_search.reindex(s, current_app.config)
    click.echo(f"已重建公开信件的搜索索引：{n} 件（{search.letters_dir(current_app.config)}）；"
               f"公开的意见 {counts['comment']} 条，已回答的网友提问 {counts['question']} 条")


@click.command("reindex-letters")
@with_appcontext
def reindex_letters() -> None:
    """Rebuild the published letters' (and comments' and answered questions') search index."""
    rebuild_letters_index()


@click.command("remask-letters")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="只列出会改变的信件，不做任何修改")
def remask_letters(dry_run: bool) -> None:
    """Mask the published letters again with the present rules; rebuild their search index."""
    from formsvc.services import remask

    with session() as s:
        result = remask.remask_letters(s, current_app.config, dry_run=dry_run)
    click.echo(("（试运行，未修改）" if dry_run else "") + result.summary())
    for letter_id in result.changed:
        click.echo(f"  /hdjl/letters/{letter_id}")


@click.command("due-date")
@with_appcontext
@click.argument("start", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("days", type=int)
def due_date(start: object, days: int) -> None:
    """Show how a due date is counted: START (YYYY-MM-DD) plus DAYS working days."""
    cal = holiday_calendar()
    start_date: date = start.date()  # type: ignore[attr-defined]
    count = cal.add_working_days(start_date, days)
    click.echo(count.explanation)
    for d in count.skipped + count.makeup:
        click.echo(f"  {d.date.isoformat()} {d.as_dict()['weekday']} {d.label}（{d.source}）")
    for w in count.warnings:
        click.echo("  注意：" + w)


COMMANDS = (sync_departments, check_content, purge_drafts, purge_personal_data, reindex_letters,
            remask_letters, due_date)
