"""Commands on the database: the schema, backup and restore, the statistics summary."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from formsvc import db
from formsvc.cli.common import holiday_calendar
from formsvc.cli.upkeep import rebuild_letters_index
from formsvc.config import county_zone
from formsvc.db import backup, migrate


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


@click.command("backup")
@with_appcontext
@click.argument("file", type=click.Path(dir_okay=False))
def backup_command(file: str) -> None:
    """Write a consistent, engine-independent backup (database + attachments) to FILE."""
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
    try:
        summary = backup.restore(db.get_engine(), current_app.config["UPLOAD_DIR"], file,
                                 force=force, config=current_app.config)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"已从 {file} 恢复，行数和内容校验一致")
    for line in summary.lines():
        click.echo(line)
    # the letters' search index is a copy of the database: rebuilt from what was restored
    rebuild_letters_index()


@click.command("stats-recount")
@with_appcontext
@click.option("--rebuild", is_flag=True,
              help="另外按全部留言重建整个统计汇总表（批量导入数据之后用）")
def stats_recount(rebuild: bool) -> None:
    """Recount replies' working days with the current holiday file (after it changed for past
    dates) and update the published statistics; --rebuild also recomputes the whole summary."""
    from formsvc.services import stats

    cal = holiday_calendar()
    tz = county_zone(current_app.config)
    with db.get_engine().begin() as conn:
        changed = stats.recount_replies(conn, cal, tz)
    click.echo(f"按当前节假日文件重算答复用时：{changed} 条留言的工作日数有变化，相应统计已更新")
    if rebuild:
        with db.get_engine().begin() as conn:
            rows = stats.rebuild(conn)
        click.echo(f"统计汇总表已按全部留言重建：{rows} 行")


COMMANDS = (db_upgrade, backup_command, restore_command, stats_recount)
