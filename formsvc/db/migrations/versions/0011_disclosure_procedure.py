"""依申请公开 procedure: the clock's pauses (补正, third-party consultation) and why a file is kept.

- ``clock_pause``: one row per 补正 (Art. 30) or third-party consultation (Art. 32).
- ``reply_notice``: the 告知书 of a 依申请公开 reply, stored as issued.
- ``attachment.purpose``: every existing file was the citizen's submission ("submission").

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from formsvc.db import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clock_pause",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("message.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("started_by_id", sa.Integer, sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("answer_due", sa.Date, nullable=False),
        sa.Column("old_due_date", sa.Date, nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("ended_on", sa.Date, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("new_due_date", sa.Date, nullable=True),
    )
    op.create_index("ix_clock_pause_message_id", "clock_pause", ["message_id"])
    op.create_table(
        "reply_notice",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("message_id", sa.Integer, sa.ForeignKey("message.id"), nullable=False),
        sa.Column("issued_at", UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_reply_notice_message_id", "reply_notice", ["message_id"])
    with op.batch_alter_table("attachment") as batch:
        batch.add_column(sa.Column("purpose", sa.String(16), nullable=False,
                                   server_default="submission"))


def downgrade() -> None:
    with op.batch_alter_table("attachment") as batch:
        batch.drop_column("purpose")
    op.drop_index("ix_reply_notice_message_id", table_name="reply_notice")
    op.drop_table("reply_notice")
    op.drop_index("ix_clock_pause_message_id", table_name="clock_pause")
    op.drop_table("clock_pause")
