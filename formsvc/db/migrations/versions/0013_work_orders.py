"""12345 work orders: the sending system's own number on a message.

``message.external_id`` keeps a work order's 工单编号 (formsvc/services/work_orders.py) and
``ux_message_channel_external`` makes it unique per channel, so that a batch imported twice
finds its messages instead of storing them again, even when two imports race.

Existing messages get NULL (they came in by the form or the API, with no number of another
system); NULLs never collide in a unique index, on SQLite as on PostgreSQL, so no row is touched.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("message", sa.Column("external_id", sa.String(64), nullable=True))
    op.create_index("ux_message_channel_external", "message", ["channel", "external_id"],
                    unique=True)


def downgrade() -> None:
    op.drop_index("ux_message_channel_external", table_name="message")
    op.drop_column("message", "external_id")
