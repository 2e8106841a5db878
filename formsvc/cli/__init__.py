"""Operator commands: ``flask --app formsvc <command>`` or ``python -m formsvc <command>``.

One module per kind of work: database (schema, backup, restore, statistics), upkeep (registry,
retention, search, the calendar), workbench (accounts, reminders, mail), api_keys (the keys
of trusted systems), work_orders (12345 batches), supervision (the monthly 定期通报) and the demo accounts of ``make run``. Every command takes its session from :func:`formsvc.cli.common.session`.
"""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Add every command to ``app.cli`` (a create_app step)."""
    from formsvc.cli import (
        api_keys,
        database,
        participation,
        report,
        supervision,
        upkeep,
        work_orders,
        workbench,
    )

    for module in (database, report, upkeep, workbench, api_keys, work_orders, supervision,
                   participation):
        for command in module.COMMANDS:
            app.cli.add_command(command)
    # the name the issue and docs also use
    app.cli.add_command(database.db_upgrade, "init-db")
