"""Operator command of the 12345 exchange: import-work-orders (a batch file, as the API takes it)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from formsvc.cli.common import holiday_calendar, session
from formsvc.services import work_orders


@click.command("import-work-orders")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_work_orders(path: Path) -> None:
    """Import a batch file of 12345 work orders (docs/api.md); an order already imported is
    reported as existing, never stored twice."""
    try:
        batch = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise click.ClickException(f"{path} 不是 UTF-8 编码的 JSON：{exc}") from None
    orders = batch.get("orders") if isinstance(batch, dict) else None
    if not isinstance(orders, list) or not orders:
        raise click.ClickException(f"{path} 应为 {{\"orders\": [工单, …]}}（格式见 docs/api.md）")
    with session() as s:
        results = work_orders.import_batch(s, current_app.config, orders,
                                           calendar=holiday_calendar())
    for r in results:
        line = f"{r['index'] + 1}\t{r.get('external_id') or '-'}\t{r['result']}"
        if r.get("tracking_number"):
            line += f"\t{r['tracking_number']}"
        if r.get("fields"):
            line += "\t" + "；".join(f"{k}：{'、'.join(v)}" for k, v in r["fields"].items())
        if r.get("message"):
            line += f"\t{r['message']}"
        click.echo(line)
    totals = work_orders.counts(results)
    click.echo("新建 {created}，已存在 {existing}，有误 {invalid}，保存失败 {failed}".format(**totals))
    if totals[work_orders.INVALID] or totals[work_orders.FAILED]:
        raise SystemExit(1)


COMMANDS = (import_work_orders,)
