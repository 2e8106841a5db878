"""网上调查: answers, their free-text parts and counters per option (issue 23).

Three new tables, nothing existing changes: ``survey_response`` (one row per answer, the
answers as given), ``survey_text`` (free-text answers, published by staff), ``survey_count``
(per survey, question, option and shard, kept in step with the answers in their transaction).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

_BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "survey_response",
        sa.Column("id", _BIG_ID, primary_key=True),
        sa.Column("survey", sa.String(64), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answers", _JSON, nullable=False),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("phone", sa.String(30), nullable=False),
    )
    op.create_index("ix_survey_response_survey_id", "survey_response", ["survey", "id"])
    op.create_table(
        "survey_text",
        sa.Column("id", _BIG_ID, primary_key=True),
        sa.Column("response_id", _BIG_ID, sa.ForeignKey("survey_response.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("survey", sa.String(64), nullable=False),
        sa.Column("question", sa.SmallInteger(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("public_text", sa.Text(), nullable=False),
        sa.Column("published_by", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_survey_text_response_id", "survey_text", ["response_id"])
    op.create_index("ix_survey_text_survey_published", "survey_text", ["survey", "published", "id"])
    op.create_table(
        "survey_count",
        sa.Column("survey", sa.String(64), primary_key=True),
        sa.Column("question", sa.SmallInteger(), primary_key=True),
        sa.Column("option", sa.SmallInteger(), primary_key=True),
        sa.Column("shard", sa.SmallInteger(), primary_key=True),
        sa.Column("n", sa.BigInteger(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("survey_count")
    op.drop_table("survey_text")
    op.drop_table("survey_response")
