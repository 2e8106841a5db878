"""Operator commands of the workbench: create-staff, staff-password, staff-active, staff-role,
remind, send-mail, consent-unconfirmed, consent-reconfirm. The account commands share their
services with the admin screen (services/auth.py, services/staff_admin.py), rules and record."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from formsvc.cli.common import holiday_calendar, session
from formsvc.models.staff import ROLE_LABELS, Staff
from formsvc.services import (
    auth,
    departments,
    outbox,
    procedure,
    reminders,
    sms,
    staff_admin,
    warnings,
)
from formsvc.services import workbench as wb
from formsvc.services.workbench import consent as wb_consent


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


def _account(s: object, username: str) -> Staff:
    staff = s.scalar(select(Staff).where(Staff.username == username))  # type: ignore[attr-defined]
    if staff is None:
        raise click.ClickException(f"账户 {username} 不存在")
    return staff


@click.command("staff-active")
@with_appcontext
@click.argument("username")
@click.argument("state", type=click.Choice(["on", "off"]))
def staff_active(username: str, state: str) -> None:
    """Enable (on) or disable (off) an account; the last active admin stays."""
    with session() as s:
        try:
            staff_admin.set_active(s, None, _account(s, username), state == "on")
        except auth.AuthError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"{username}：已{'启用' if state == 'on' else '停用'}")


@click.command("staff-role")
@with_appcontext
@click.argument("username")
@click.option("--role", required=True, type=click.Choice(list(ROLE_LABELS)))
@click.option("--department", "department_code", default="",
              help="机构代码；承办人和审核人必填，全县角色可省略")
def staff_role(username: str, role: str, department_code: str) -> None:
    """Change an account's role and department; the last active admin stays."""
    with session() as s:
        try:
            staff_admin.change_role(s, None, _account(s, username), role, department_code)
        except auth.AuthError as exc:
            raise click.ClickException(exc.message) from None
    click.echo(f"{username}：角色为{ROLE_LABELS[role]}" + (f"，机构 {department_code}"
                                                         if department_code else ""))


@click.command("remind")
def remind() -> None:
    """Queue reminders of overdue and due-soon messages (cron); close replies left unrated and
    disclosure requests whose 补正 period ended unanswered (视为放弃); record 预警 grade changes."""
    cal = holiday_calendar()
    with session() as s:
        result = reminders.run(s, current_app.config, cal)
        closed = reminders.close_unrated(s, current_app.config, cal)
        abandoned = procedure.close_abandoned(s, current_app.config, cal)
        lapsed = procedure.end_lapsed_consultations(s, current_app.config, cal)
        graded = warnings.regrade(s, current_app.config, cal)
    click.echo(result.summary())
    click.echo(graded.summary())
    click.echo(f"答复后逾期未评价、自动办结 {closed} 件")
    click.echo(f"逾期未补正、视为放弃申请 {abandoned} 件")
    click.echo(f"第三方逾期未提出意见、恢复计时 {lapsed} 件")
    for name in result.departments:
        click.echo(f"  {name}")


@click.command("send-mail")
@click.option("--limit", default=200, show_default=True, help="本次每个渠道最多发送的条数")
def send_mail(limit: int) -> None:
    """Deliver pending outbox notifications: mail (SMTP when MAIL_SERVER is set, else files),
    then SMS (the gateway when SMS_BACKEND = "http", else files)."""
    config, instance = current_app.config, current_app.instance_path
    backend = outbox.backend_from_config(config, instance)
    provider = sms.provider_from_config(config, instance)
    with session() as s:
        results = (("邮件", outbox.drain(s, config, backend, limit=limit)),
                   ("短信", outbox.drain_sms(s, config, provider, limit=limit)))
    for label, result in results:
        click.echo(f"{label}：{result.summary()}")
        for line in result.errors[:20]:
            click.echo("  失败：" + line)


@click.command("consent-unconfirmed")
@with_appcontext
def consent_unconfirmed() -> None:
    """List the messages whose 同意公开 = 是 must be asked again before publication."""
    with session() as s:
        rows = wb.unconfirmed_consent(s)
        for m in rows:
            letter = wb.letter_of(s, m)
            published = "，已公开" if letter is not None and letter.published else ""
            dept = m.department.name if m.department else departments.UNSURE
            click.echo(f"{m.tracking_number}\t{m.submitted_at:%Y-%m-%d}\t{dept}\t"
                       f"{m.subject}{published}")
    click.echo(f"共 {len(rows)} 件需向提交人重新确认公开意愿"
               "（consent-reconfirm 编号 --answer yes|no --note 确认方式 --staff 账户）")


@click.command("consent-reconfirm")
@with_appcontext
@click.argument("number")
@click.option("--answer", required=True, type=click.Choice(list(wb_consent.ANSWERS)),
              help="yes 同意公开，no 不同意公开（已公开的信件随即撤回）")
@click.option("--note", required=True, help="确认方式，如“12 月 6 日电话确认”")
@click.option("--staff", "username", required=True, help="记录这次确认的工作人员账户")
def consent_reconfirm(number: str, answer: str, note: str, username: str) -> None:
    """Record the citizen's answer when asked again about publication, as a staff account."""
    with session() as s:
        staff = s.scalar(select(Staff).where(Staff.username == username, Staff.active.is_(True)))
        if staff is None:
            raise click.ClickException(f"账户 {username} 不存在或已停用")
        ctx = wb.Context(s, current_app.config, holiday_calendar())
        try:
            wb.reconfirm_consent(ctx, staff, number.strip().upper(), answer, note)
        except wb.NotFound:
            raise click.ClickException(f"{number}：不存在或不在 {username} 的办理范围内") from None
        except wb.ActionError as exc:
            raise click.ClickException(f"{number}：{exc.message}") from None
    click.echo(f"{number}：已记录提交人{'同意' if answer == 'yes' else '不同意'}公开")


COMMANDS = (create_staff, staff_password, staff_active, staff_role, remind, send_mail, consent_unconfirmed, consent_reconfirm)
