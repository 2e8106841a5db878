"""Three indexes fewer on ``message``: every submission writes one page per index to the WAL.

``ix_message_status`` is the first column of ``ix_message_status_due`` (status, due_date, id), which
serves every lookup it served. ``ix_message_kind`` has five values over all messages: a kind
filter is one more condition on rows another index found, and where SQLite took it instead, a
department's inbox filtered by kind read 200,000 rows (159 ms at 1,000,000 messages; 24 ms
without it). ``ix_message_submitted_at`` is read by no query: the repeat check has
``ix_message_phone_text`` (phone, text_hash, submitted_at) and the daily address purge walks
the primary key (0.45–1.3 s at 1,000,000 messages, as with the index: the rows it filters out
are the same). A submission appended 18.5 pages to the WAL with them, 15.0 without
(docs/performance.md, "Message service").

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_message_status", table_name="message")
    op.drop_index("ix_message_kind", table_name="message")
    op.drop_index("ix_message_submitted_at", table_name="message")


def downgrade() -> None:
    op.create_index("ix_message_submitted_at", "message", ["submitted_at"])
    op.create_index("ix_message_kind", "message", ["kind"])
    op.create_index("ix_message_status", "message", ["status"])
