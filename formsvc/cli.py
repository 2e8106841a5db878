"""Operator commands: ``flask --app formsvc <command>`` or ``python -m formsvc <command>``."""

from __future__ import annotations

from datetime import date

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from formsvc import db, migrate, workbench_cli
from formsvc.config import county_zone
from formsvc.services import departments, drafts
from formsvc.workdays import Calendar, HolidayFileError


@click.command("db-upgrade")
@with_appcontext
def db_upgrade() -> None:
    """Apply the database migrations (creates the schema on a new database)."""
    engine = db.get_engine()
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    click.echo(f"数据库结构：{before or '（空）'} → {after}" if before != after
               else f"数据库结构已是最新（{after}）")


@click.command("sync-departments")
@with_appcontext
def sync_departments() -> None:
    """Upsert departments from content/departments.yml; removed ones are deactivated, never deleted."""
    session = db.new_session()
    try:
        result = departments.sync(session, current_app.config["CONTENT_DIR"])
    finally:
        session.close()
    click.echo("机构同步完成：" + result.summary())
    for label, codes in (("新增", result.added), ("更新", result.updated),
                         ("停用", result.deactivated)):
        if codes:
            click.echo(f"  {label}：{', '.join(codes)}")


@click.command("purge-drafts")
@with_appcontext
def purge_drafts() -> None:
    """Remove 依申请公开 drafts abandoned for more than a day."""
    n = drafts.purge(current_app.config["UPLOAD_DIR"])
    click.echo(f"已清理 {n} 份过期草稿")


def _holiday_calendar() -> Calendar:
    """The working-day calendar with the holiday file; a broken file is the command's error."""
    try:
        return Calendar.from_file(current_app.config["HOLIDAYS_FILE"])
    except HolidayFileError as exc:
        raise click.ClickException(str(exc)) from None


@click.command("due-date")
@with_appcontext
@click.argument("start", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("days", type=int)
def due_date(start: object, days: int) -> None:
    """Show how a due date is counted: START (YYYY-MM-DD) plus DAYS working days."""
    cal = _holiday_calendar()
    start_date: date = start.date()  # type: ignore[attr-defined]
    count = cal.add_working_days(start_date, days)
    click.echo(count.explanation)
    for d in count.skipped + count.makeup:
        click.echo(f"  {d.date.isoformat()} {d.as_dict()['weekday']} {d.label}（{d.source}）")
    for w in count.warnings:
        click.echo("  注意：" + w)


@click.command("stats-recount")
@with_appcontext
@click.option("--rebuild", is_flag=True,
              help="另外按全部留言重建整个统计汇总表（批量导入数据之后用）")
def stats_recount(rebuild: bool) -> None:
    """Recount replies' working days with the current holiday file (after it changed for past
    dates) and update the published statistics; --rebuild also recomputes the whole summary."""
    from formsvc.services import stats

    cal = _holiday_calendar()
    tz = county_zone(current_app.config)
    with db.get_engine().begin() as conn:
        changed = stats.recount_replies(conn, cal, tz)
    click.echo(f"按当前节假日文件重算答复用时：{changed} 条留言的工作日数有变化，相应统计已更新")
    if rebuild:
        with db.get_engine().begin() as conn:
            rows = stats.rebuild(conn)
        click.echo(f"统计汇总表已按全部留言重建：{rows} 行")


@click.command("purge-personal-data")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="只统计到期的数据，不做任何修改")
def purge_personal_data(dry_run: bool) -> None:
    """Delete personal data past the privacy statement's retention periods (daily timer)."""
    from formsvc.services import retention

    result = retention.purge(db.get_engine().begin, current_app.config, dry_run=dry_run)
    click.echo(("（试运行，未修改）" if dry_run else "") + result.summary())


@click.command("backup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False))
def backup_command(file: str) -> None:
    """Write a consistent, engine-independent backup (database + attachments) to FILE."""
    from formsvc import backup

    try:
        summary = backup.backup(db.get_engine(), current_app.config["UPLOAD_DIR"], file,
                                current_app.config)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"备份已写入 {file}")
    for line in summary.lines():
        click.echo(line)


@click.command("restore")
@with_appcontext
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="目标数据库不是空的时先清空它（慎用）")
def restore_command(file: str, force: bool) -> None:
    """Restore a backup FILE into this (new, empty) database; counts and hashes are verified."""
    from formsvc import backup

    try:
        summary = backup.restore(db.get_engine(), current_app.config["UPLOAD_DIR"], file,
                                 force=force, config=current_app.config)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已从 {file} 恢复，行数和内容校验一致")
    for line in summary.lines():
        click.echo(line)
    # the letters' search index is a copy of the database: rebuilt from what was restored
    _reindex_letters()


def _reindex_letters() -> None:
    from formsvc.services import search

    session = db.new_session()
    try:
        n = search.reindex_letters(session, current_app.config)
    finally:
        session.close()
    click.echo(f"已重建公开信件的搜索索引：{n} 件（{search.letters_dir(current_app.config)}）")


@click.command("reindex-letters")
@with_appcontext
def reindex_letters() -> None:
    """Rebuild the published letters' search index from the database."""
    _reindex_letters()


def register(app: Flask) -> None:
    for command in (db_upgrade, sync_departments, purge_drafts, due_date, stats_recount,
                    purge_personal_data, backup_command, restore_command, reindex_letters):
        app.cli.add_command(command)
    # the name the issue and docs also use
    app.cli.add_command(db_upgrade, "init-db")
    # create-staff, staff-password, remind, send-mail
    workbench_cli.register(app)
