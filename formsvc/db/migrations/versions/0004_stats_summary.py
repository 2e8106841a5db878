"""Statistics and the county-wide inbox at scale: reply facts, message_stats, two indexes.

- ``message.replied_on`` / ``reply_working_days``: the reply date in county time and the working
  days taken, fixed when the reply is sent (they need the time zone and the holiday calendar);
  backfilled here for existing replies.
- ``message_stats``: the statistics counters per (department, receipt date), filled here from
  ``message`` and kept in step by formsvc (services/stats.refresh).
- ``ix_message_status_due``: the county-wide inbox reads one status at a time by due date;
- ``ix_message_received_department``: recomputing one ``message_stats`` row.

This file is a snapshot: it repeats the counting rules and the working-day difference instead of
importing services/stats.py and services/deadlines.py, whose code may change later
(tests/formsvc/workbench/test_stats_summary.py checks both agree). Only the holiday calendar is
read live: it is data, the holiday file of the county that runs the migration.
The calendar and time zone are the app's when run inside it (``flask db-upgrade``, scripts/serve),
otherwise the built-in calendar and Asia/Shanghai.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COUNTERS = ("received", "replied", "on_time", "working_days_total", "rated", "satisfied",
            "duplicates", "rejected", "undispatched")


def _calendar_and_zone() -> tuple[Any, str]:
    from flask import current_app, has_app_context

    from formsvc.domain.workdays import Calendar

    if has_app_context():
        return (Calendar.from_file(current_app.config.get("HOLIDAYS_FILE")),
                current_app.config.get("TIMEZONE", "Asia/Shanghai"))
    return Calendar(), "Asia/Shanghai"


def _working_days_between(calendar: Any, start: date, end: date) -> int:
    """Working days in (start, end]; negative when end is before start (services/deadlines.py
    of this revision, frozen: beyond 400 days the count is estimated, 5 in every 7)."""
    if end == start:
        return 0
    sign, lo, hi = (1, start, end) if end > start else (-1, end, start)
    if (hi - lo).days > 400:
        return sign * int((hi - lo).days * 5 / 7)
    return sign * calendar.working_days_in(lo, hi)


def upgrade() -> None:
    op.add_column("message", sa.Column("replied_on", sa.Date()))
    op.add_column("message", sa.Column("reply_working_days", sa.Integer()))
    op.create_table(
        "message_stats",
        sa.Column("department_id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("received_on", sa.Date(), primary_key=True),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS],
    )
    _backfill_replies()
    # after the backfill, which rewrites every replied row: built once instead of row by row
    op.create_index("ix_message_status_due", "message", ["status", "due_date", "id"])
    op.create_index("ix_message_received_department", "message", ["received_on", "department_id"])
    _fill_stats()


def _backfill_replies() -> None:
    """Reply date and working days for existing replies: the working days are counted once per
    distinct (receipt, reply) date pair, then one UPDATE … FROM joins them in (each row of
    ``message`` is rewritten once, with every index: the costly part at a million rows)."""
    bind = op.get_bind()
    calendar, zone = _calendar_and_zone()
    m = sa.table("message", sa.column("id", sa.Integer()), sa.column("received_on", sa.Date()),
                 sa.column("replied_at", sa.DateTime()), sa.column("replied_on", sa.Date()),
                 sa.column("reply_working_days", sa.Integer()))
    # the reply date in county time: PostgreSQL converts a timestamptz itself; SQLite stores naive
    # UTC text, converted by a function registered on this connection (exact in any zone)
    if bind.dialect.name == "postgresql":
        local: Any = sa.cast(sa.func.timezone(zone, m.c.replied_at), sa.Date)
    else:
        tz = ZoneInfo(zone)

        def local_date(value: str | None) -> str | None:
            if value is None:
                return None
            utc = datetime.fromisoformat(str(value)).replace(tzinfo=UTC)
            return utc.astimezone(tz).date().isoformat()

        bind.connection.driver_connection.create_function(  # type: ignore[union-attr]
            "formsvc_local_date", 1, local_date, deterministic=True)
        local = sa.func.formsvc_local_date(m.c.replied_at, type_=sa.Date)
    pairs = bind.execute(sa.select(m.c.received_on, local).where(
        m.c.replied_at.is_not(None)).distinct()).all()
    if not pairs:
        return
    days = sa.Table("tmp_reply_days", sa.MetaData(),
                    sa.Column("received_on", sa.Date(), primary_key=True),
                    sa.Column("replied_on", sa.Date(), primary_key=True),
                    sa.Column("working_days", sa.Integer(), nullable=False),
                    prefixes=["TEMPORARY"])
    days.create(bind)
    rows = []
    for received_on, replied_on in pairs:
        received_on, replied_on = _as_date(received_on), _as_date(replied_on)
        rows.append({"received_on": received_on, "replied_on": replied_on,
                     "working_days": max(0, _working_days_between(calendar, received_on,
                                                                  replied_on))})
    for i in range(0, len(rows), 5000):
        bind.execute(days.insert(), rows[i:i + 5000])
    if bind.dialect.name == "postgresql":
        bind.execute(sa.text("ANALYZE tmp_reply_days"))
    bind.execute(m.update().where(
        m.c.replied_at.is_not(None), days.c.received_on == m.c.received_on,
        days.c.replied_on == local).values(replied_on=days.c.replied_on,
                                           reply_working_days=days.c.working_days))
    days.drop(bind)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _fill_stats() -> None:
    """message_stats from message: the counting rules of services/stats.py as of this revision."""
    m = sa.table("message", *[sa.column(c) for c in (
        "department_id", "received_on", "status", "duplicate_of_id", "replied_on", "due_date",
        "reply_working_days", "rating")])
    not_dup = m.c.duplicate_of_id.is_(None)
    counted = sa.and_(not_dup, m.c.status.not_in(["rejected", "submitted"]),
                      m.c.department_id.is_not(None))
    replied = sa.and_(counted, m.c.replied_on.is_not(None))

    def n(cond: Any, value: Any = 1) -> Any:
        return sa.func.coalesce(sa.func.sum(sa.case((cond, value), else_=0)), 0)

    counters = [
        n(counted), n(replied), n(sa.and_(replied, m.c.replied_on <= m.c.due_date)),
        n(replied, sa.func.coalesce(m.c.reply_working_days, 0)),
        n(sa.and_(counted, m.c.rating != "")),
        n(sa.and_(counted, m.c.rating.in_(["satisfied", "basically_satisfied"]))),
        n(~not_dup), n(sa.and_(not_dup, m.c.status == "rejected")),
        n(sa.and_(not_dup, m.c.status != "rejected",
                  sa.or_(m.c.status == "submitted", m.c.department_id.is_(None)))),
    ]
    dept = sa.func.coalesce(m.c.department_id, 0)
    s = sa.table("message_stats", sa.column("department_id"), sa.column("received_on"),
                 *[sa.column(c) for c in COUNTERS])
    op.get_bind().execute(s.insert().from_select(
        ["department_id", "received_on", *COUNTERS],
        sa.select(dept, m.c.received_on, *counters).group_by(dept, m.c.received_on)))


def downgrade() -> None:
    op.drop_table("message_stats")
    op.drop_index("ix_message_received_department", table_name="message")
    op.drop_index("ix_message_status_due", table_name="message")
    op.drop_column("message", "reply_working_days")
    op.drop_column("message", "replied_on")
