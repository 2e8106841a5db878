"""Four eyes on publication: ``letter_proposal`` holds a handler's proposal until a second person
approves or returns it.

Existing letters are untouched (published ones stay published, withdrawn ones withdrawn); from
now on a letter changes only through an approved proposal.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from formsvc.db import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "letter_proposal",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("message.id"), nullable=False,
                  unique=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("proposed_at", UTCDateTime(), nullable=False),
        sa.Column("reviewed_by_id", sa.Integer(), sa.ForeignKey("staff.id")),
        sa.Column("reviewed_at", UTCDateTime()),
        sa.Column("review_note", sa.Text(), nullable=False),
    )
    op.create_index("ix_letter_proposal_status", "letter_proposal", ["status"])


def downgrade() -> None:
    op.drop_index("ix_letter_proposal_status", "letter_proposal")
    op.drop_table("letter_proposal")
