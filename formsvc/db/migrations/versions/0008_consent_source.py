"""Where each message's consent to publication came from: ``message.consent_source``.

Until this revision the API stored 同意公开 = 是 for ``"consent_publish": 0``, ``"0"``, ``"no"``,
``"否"`` or any other string (issue 19); the API now refuses anything but true/false. What those
earlier clients meant cannot be known, and neither can the channel of an earlier message: no
column or event recorded it. One thing tells: only the web form takes attachments. So

- a message with an attachment came through the form: ``web``;
- any other earlier message is ``unknown``; where its consent is 是, staff must ask the citizen
  again before it is published (formsvc.domain.consent; the ``consent-unconfirmed`` command lists
  them). An earlier 否 is safe whatever was meant: it is never published.

Downgrading drops the column (the values it holds are facts of the new code only).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# formsvc.domain.consent's values, written out: a migration is fixed in time
WEB, UNKNOWN = "web", "unknown"


def upgrade() -> None:
    # NOT NULL with a default: an ALTER TABLE ADD COLUMN on both SQLite and PostgreSQL (no
    # table rebuild, which SQLite's foreign keys to message would refuse)
    op.add_column("message", sa.Column("consent_source", sa.String(16), nullable=False,
                                       server_default=UNKNOWN))
    op.execute(f"UPDATE message SET consent_source = '{WEB}' WHERE EXISTS "
               "(SELECT 1 FROM attachment WHERE attachment.message_id = message.id)")


def downgrade() -> None:
    op.drop_column("message", "consent_source")
