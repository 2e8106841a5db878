"""Operator commands for the API keys of trusted systems: ``api-key create|list|revoke|rotate``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from formsvc.cli.common import session
from formsvc.domain.channels import CHANNELS, KEY_CHANNELS, SCOPES
from formsvc.services import api_keys


def _show_once(key: str) -> None:
    click.echo("密钥（只显示这一次，请立即交给对接系统的管理员，妥善保存）：")
    click.echo(key)


@click.group("api-key", cls=AppGroup)  # AppGroup: each subcommand in the app context
def api_key() -> None:
    """API keys of trusted systems (12345 platform, county app, mini-program backend)."""


@api_key.command("create")
@click.argument("name")
@click.option("--owner", default="", help="负责的单位和联系人")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(list(SCOPES)),
              help="权限，可重复：" + "，".join(f"{k} {v}" for k, v in SCOPES.items()))
@click.option("--channel", default=KEY_CHANNELS[0], show_default=True,
              type=click.Choice(list(KEY_CHANNELS)),
              help="留言的渠道：" + "，".join(f"{k} {CHANNELS[k]}" for k in KEY_CHANNELS))
@click.option("--rate-limit", default="",
              help="该密钥的频率限制，如 “3000 per minute;200000 per day”；省略用 API_KEY_RATE_LIMIT")
def create(name: str, owner: str, scopes: tuple[str, ...], channel: str, rate_limit: str) -> None:
    """Create a key; it is printed once and stored only as a hash."""
    with session() as s:
        try:
            row, key = api_keys.create(s, name=name, owner=owner, scopes=scopes, channel=channel,
                                       rate_limit=rate_limit)
        except api_keys.ApiKeyError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"已创建密钥 {row.key_id}（{row.name}，渠道 {CHANNELS[row.channel]}）")
    _show_once(key)


@api_key.command("list")
def list_keys() -> None:
    """Every key: id, name, owner, scopes, channel, limit, created, last used, revoked."""
    with session() as s:
        rows = api_keys.listed(s)
        if not rows:
            click.echo("没有 API 密钥")
        for r in rows:
            state = f"已吊销 {r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "有效"
            used = f"{r.last_used_at:%Y-%m-%d %H:%M}" if r.last_used_at else "从未使用"
            click.echo(f"{r.key_id}  {r.name}  {r.owner or '-'}  权限 {','.join(r.scope_list)}  "
                       f"渠道 {r.channel}  限制 {r.rate_limit or '默认'}  "
                       f"创建 {r.created_at:%Y-%m-%d %H:%M}  最近使用 {used}  {state}")


@api_key.command("revoke")
@click.argument("key_id")
def revoke(key_id: str) -> None:
    """Revoke a key at once (by its id, the part after ``cpk_``)."""
    with session() as s:
        try:
            row = api_keys.revoke(s, key_id)
        except api_keys.ApiKeyError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"已吊销密钥 {row.key_id}（{row.name}）")


@api_key.command("rotate")
@click.argument("key_id")
def rotate(key_id: str) -> None:
    """Replace a key by a new one with the same settings; the old one stops working now."""
    with session() as s:
        try:
            row, key = api_keys.rotate(s, key_id)
        except api_keys.ApiKeyError as exc:
            raise click.ClickException(exc.message) from None
        click.echo(f"已吊销密钥 {key_id}，新密钥 {row.key_id}（{row.name}）")
    _show_once(key)


COMMANDS = (api_key,)
