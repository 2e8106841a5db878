"""Indexes for the department inbox at scale: a department's open messages by due date.

The inbox filters by ``department_id`` (and status) and orders by ``due_date``; without an index on
the department the query reads every message (docs/performance.md, 1,000,000 messages).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_message_department_status_due", "message",
                    ["department_id", "status", "due_date"])


def downgrade() -> None:
    op.drop_index("ix_message_department_status_due", table_name="message")
