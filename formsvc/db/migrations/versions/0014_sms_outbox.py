"""SMS notices: whether the citizen asked for them.

- ``message.notify_sms``: the citizen ticked "短信通知" (the form's checkbox, the API's strict
  boolean ``notify_sms``). The receipt, the reply notice and the 补正 request then also go to the
  message's mobile number as outbox rows with ``channel = "sms"``.

The outbox needs no change: it has carried a ``channel`` (only ever ``email`` so far) and a
``recipient`` of 200 characters since 0001, and an SMS row is a row of the same queue with the
same claim, retries and back-off. Existing messages never asked for SMS, so every one gets
false from the server default in one statement; nothing is rewritten or lost.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("message", sa.Column("notify_sms", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))


def downgrade() -> None:
    op.drop_column("message", "notify_sms")
