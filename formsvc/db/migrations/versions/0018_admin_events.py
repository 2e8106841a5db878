"""The record of account and API-key changes; a key's rotation chain; a message's named handler.

- ``admin_event``: one append-only row per change to a staff account (created, disabled,
  enabled, password reset, role or department changed) or an API key (created, revoked,
  rotated): who (``staff:<id>`` or ``cli``), what, to whom (``staff:<id>`` or
  ``api_key:<key_id>``), a short note. Never a password or a key.

- ``api_key.lineage_id``: the first key of a key's rotation chain (null: the key is the first),
  so that a key with the ``track_on_behalf`` scope reads the messages submitted by the keys it
  replaced too.
- ``message.assignee_id``: the staff member of the department who handles the message
  (指定承办人; the inbox's "mine" filter). No foreign key, as for ``message.api_key_id`` (0012):
  SQLite adds a column with one only by copying the whole table, and accounts are disabled,
  never deleted. Existing messages have no named handler (null): the department handled them
  as a whole, and nothing recorded who.

Existing accounts and keys: nothing recorded their history before 0018, so the table starts
empty. Before 0018 a rotation did not note which key it replaced (only the same name and the
revocation time tell), so existing keys start chains of their own (null); a key rotated before
0018 reads on behalf only what it submitted itself. No existing row changes.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from formsvc.db import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_admin_event_created_at", "admin_event", ["created_at"])
    op.create_index("ix_admin_event_target", "admin_event", ["target"])
    op.add_column("api_key", sa.Column("lineage_id", sa.Integer(), nullable=True))
    op.add_column("message", sa.Column("assignee_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("message", "assignee_id")
    op.drop_column("api_key", "lineage_id")
    op.drop_index("ix_admin_event_target", table_name="admin_event")
    op.drop_index("ix_admin_event_created_at", table_name="admin_event")
    op.drop_table("admin_event")
