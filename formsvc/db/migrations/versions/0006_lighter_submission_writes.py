"""Two pages fewer per submission: ``ix_message_due_date`` goes, ``message_stats`` loses its rowid.

Every submission writes one WAL page per index of ``message`` and per b-tree of
``message_stats``, each with its own two ``pwrite`` calls inside the write lock
(docs/performance.md, "Message service").

- ``ix_message_due_date`` (due_date alone) serves no query the other indexes do not: every
  query by due date also filters by status, which ``ix_message_status_due`` (status, due_date,
  id) and ``ix_message_department_status_due`` lead with. Where PostgreSQL chose it, it walked
  the closed messages and filtered them out (docs/performance.md, "County-wide inbox").
- ``message_stats`` on SQLite was a rowid table plus the index of its primary key (department,
  receipt date): two b-trees for one row. ``WITHOUT ROWID`` keeps the rows in the primary
  key's b-tree. PostgreSQL has no rowid; nothing changes there.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_COUNTERS = ("received", "replied", "on_time", "working_days_total", "rated", "satisfied",
             "duplicates", "rejected", "undispatched")


def _rebuild_stats(without_rowid: bool) -> None:
    """SQLite cannot change a table's rowid in place: copy it into a new table."""
    counters = ",\n".join(f"    {c} INTEGER NOT NULL" for c in _COUNTERS)
    suffix = " WITHOUT ROWID" if without_rowid else ""
    op.execute(f"""CREATE TABLE message_stats_new (
    department_id INTEGER NOT NULL,
    received_on DATE NOT NULL,
{counters},
    PRIMARY KEY (department_id, received_on)
){suffix}""")
    columns = ", ".join(("department_id", "received_on", *_COUNTERS))
    op.execute(f"INSERT INTO message_stats_new ({columns}) SELECT {columns} FROM message_stats")
    op.execute("DROP TABLE message_stats")
    op.execute("ALTER TABLE message_stats_new RENAME TO message_stats")


def upgrade() -> None:
    op.drop_index("ix_message_due_date", table_name="message")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_stats(without_rowid=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_stats(without_rowid=False)
    op.create_index("ix_message_due_date", "message", ["due_date"])
