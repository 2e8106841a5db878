"""An index on ``event.created_at``: the 12345 platform polls the work orders that changed in a
window of event times (services/work_orders.changed), and without it every poll read the whole
event table, which only grows (append-only). No row changes.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_event_created_at", "event", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_event_created_at", table_name="event")
