"""Operator commands of the workbench: create-staff, staff-password, remind, send-mail."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from formsvc.cli.common import holiday_calendar, session
from formsvc.models.staff import ROLE_LABELS, Staff
from formsvc.services import auth, outbox, procedure, reminders


def _password(value: str | None) -> str:
    if value:
        return value
    return click.prompt("密码（至少 10 个字符）", hide_input=True, confirmation_prompt="再次输入密码")


@click.command("create-staff")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(list(ROLE_LABELS)),
              help="dispatcher 分办员, handler 承办人, reviewer 审核人, supervisor 督办员, admin 管理员")
@click.option("--department", "department_code", default="",
              help="机构代码（content/departments.yml），承办人和审核人必填，如 rsj")
@click.option("--name", "display_name", default="", help="显示的姓名")
@click.option("--email", default="", help="接收通知的电子邮箱")
@click.option("--password", default=None,
              help="密码；省略时交互输入（推荐：命令行参数会留在 shell 历史中）")
def create_staff(username: str, role: str, department_code: str, display_name: str, email: str,
                 password: str | None) -> None:
    """Create a workbench account (argon2-hashed password)."""
    with session() as s:
        try:
            staff = auth.create_staff(s, username=username, password=_password(password),
                                      role=role, display_name=display_name,
                                      department_code=department_code, email=email)
        except auth.AuthError as exc:
            raise click.ClickException(exc.message) from None
        dept = f"，{staff.department.name}" if staff.department else ""
        click.echo(f"已创建账户 {staff.username}（{staff.role_label}{dept}）")


@click.command("staff-password")
@click.argument("username")
@click.option("--password", default=None, help="新密码；省略时交互输入")
def staff_password(username: str, password: str | None) -> None:
    """Set a new password (also ends the account's sessions and lifts a lockout)."""
    with session() as s:
        staff = s.scalar(select(Staff).where(Staff.username == username))
        if staff is None:
            raise click.ClickException(f"账户 {username} 不存在")
        try:
            auth.set_password(s, staff, _password(password))
        except auth.AuthError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"已重设 {username} 的密码")


@click.command("remind")
def remind() -> None:
    """Queue reminders of overdue and due-soon messages (cron); close replies left unrated and
    disclosure requests whose 补正 period ended unanswered (视为放弃)."""
    cal = holiday_calendar()
    with session() as s:
        result = reminders.run(s, current_app.config, cal)
        closed = reminders.close_unrated(s, current_app.config, cal)
        abandoned = procedure.close_abandoned(s, current_app.config, cal)
        lapsed = procedure.end_lapsed_consultations(s, current_app.config, cal)
    click.echo(result.summary())
    click.echo(f"答复后逾期未评价、自动办结 {closed} 件")
    click.echo(f"逾期未补正、视为放弃申请 {abandoned} 件")
    click.echo(f"第三方逾期未提出意见、恢复计时 {lapsed} 件")
    for name in result.departments:
        click.echo(f"  {name}")


@click.command("send-mail")
@click.option("--limit", default=200, show_default=True, help="本次最多发送的邮件数")
def send_mail(limit: int) -> None:
    """Deliver pending outbox notifications (SMTP when MAIL_SERVER is set, else files)."""
    backend = outbox.backend_from_config(current_app.config, current_app.instance_path)
    with session() as s:
        result = outbox.drain(s, current_app.config, backend, limit=limit)
    click.echo(result.summary())
    for line in result.errors[:20]:
        click.echo("  失败：" + line)


COMMANDS = (create_staff, staff_password, remind, send_mail)
