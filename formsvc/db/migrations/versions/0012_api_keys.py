"""API keys for trusted systems; the channel of every message.

- ``api_key``: one row per key of a trusted system (12345 platform, county app, mini-program
  backend): its public ``key_id``, the SHA-256 of its secret (never the secret), name, owner,
  scopes, the channel its messages get, its own rate limit, created / last used / revoked.
- ``message.channel`` (web, api, phone, sms, 12345: formsvc/domain/channels.py) and
  ``message.api_key_id`` (the key it came through).

Existing messages: before 0012 the form and the API wrote the same rows and the same first
event (actor "citizen", the same note), so neither the message nor its event log tells which
way it came in, and no phone, SMS or 12345 intake existed. Every existing row therefore gets
``web`` (the server default fills them in one statement, no row is lost or rewritten by hand)
and no key.

``message.api_key_id`` has no foreign key: keys are never deleted (revoked instead), and SQLite
can add or drop a column with a foreign key only by copying the whole ``message`` table.

``ix_message_received_department`` gains ``channel`` as its last column: the statistics count
messages by channel for a period from this index alone, without a new index to write per
submission.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from formsvc.db import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key_id", sa.String(16), nullable=False, unique=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("scopes", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("rate_limit", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_used_at", UTCDateTime(), nullable=True),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
    )
    op.add_column("message", sa.Column("channel", sa.String(16), nullable=False,
                                       server_default="web"))
    op.add_column("message", sa.Column("api_key_id", sa.Integer(), nullable=True))
    op.drop_index("ix_message_received_department", table_name="message")
    op.create_index("ix_message_received_department", "message",
                    ["received_on", "department_id", "channel"])


def downgrade() -> None:
    op.drop_index("ix_message_received_department", table_name="message")
    op.create_index("ix_message_received_department", "message", ["received_on", "department_id"])
    op.drop_column("message", "api_key_id")
    op.drop_column("message", "channel")
    op.drop_table("api_key")
