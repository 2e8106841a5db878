"""The annual report's records: the row of a reply's outcome, and the review and litigation cases.

- ``reply_draft.report_row``: which of the template's rows an outcome with several goes to
  (不予公开: the eight reasons). Existing replies get "" (the outcome's default row).
- ``disclosure_case``: 行政复议 and 行政诉讼 cases about government information, entered by staff.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from formsvc.db import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reply_draft") as batch:
        batch.add_column(sa.Column("report_row", sa.String(32), nullable=False,
                                   server_default=""))
    op.create_table(
        "disclosure_case",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("case_number", sa.String(100), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("decided_on", sa.Date()),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_disclosure_case_received_on", "disclosure_case", ["received_on"])


def downgrade() -> None:
    op.drop_index("ix_disclosure_case_received_on", table_name="disclosure_case")
    op.drop_table("disclosure_case")
    with op.batch_alter_table("reply_draft") as batch:
        batch.drop_column("report_row")
