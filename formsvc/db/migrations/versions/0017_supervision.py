"""电子监察: 签收, warning grades, 督办/纠错 notices, performance scores.

- ``message.signed_at`` and ``sign_working_days``: the department's 签收 and how many working
  days after the dispatch it came (响应率); ``message.warning_grade``: the last 预警 grade seen.
- ``message_stats.signed`` and ``responded``: the counters of the 响应率, 0 for every existing
  row (nothing was signed before this revision, so 0 is the truth, not a guess).
- ``supervision_notice``: a supervisor's 督办 or 纠错 notice and the department's answer.
- ``performance_score``: a department's score for a period, with the rule version.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    # plain ALTER TABLE on both engines (SQLite ≥ 3.35 adds and drops columns in place; a
    # batch copy of ``message`` would trip over the tables that refer to it)
    op.add_column("message", sa.Column("signed_at", UTC_DATETIME, nullable=True))
    op.add_column("message", sa.Column("sign_working_days", sa.Integer(), nullable=True))
    op.add_column("message", sa.Column("warning_grade", sa.String(8), nullable=False,
                                       server_default=""))
    op.add_column("message_stats", sa.Column("signed", sa.Integer(), nullable=False,
                                             server_default="0"))
    op.add_column("message_stats", sa.Column("responded", sa.Integer(), nullable=False,
                                             server_default="0"))
    op.create_table(
        "supervision_notice",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("message.id"), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("department.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("issued_at", UTC_DATETIME, nullable=False),
        sa.Column("answer_due", sa.Date(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_by_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("answered_at", UTC_DATETIME, nullable=True),
    )
    op.create_index("ix_supervision_notice_message_id", "supervision_notice", ["message_id"])
    op.create_index("ix_supervision_notice_department_answered", "supervision_notice",
                    ["department_id", "answered_at"])
    op.create_index("ix_supervision_notice_issued", "supervision_notice", ["issued_at"])
    op.create_table(
        "performance_score",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("period", sa.String(8), nullable=False),
        sa.Column("rule_version", sa.String(16), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("department.id"), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("ranked", sa.Boolean(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("figures", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=False),
        sa.Column("computed_at", UTC_DATETIME, nullable=False),
    )
    op.create_index("ux_performance_score", "performance_score",
                    ["period", "rule_version", "department_id"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_performance_score", table_name="performance_score")
    op.drop_table("performance_score")
    op.drop_index("ix_supervision_notice_issued", table_name="supervision_notice")
    op.drop_index("ix_supervision_notice_department_answered", table_name="supervision_notice")
    op.drop_index("ix_supervision_notice_message_id", table_name="supervision_notice")
    op.drop_table("supervision_notice")
    op.drop_column("message_stats", "responded")
    op.drop_column("message_stats", "signed")
    op.drop_column("message", "warning_grade")
    op.drop_column("message", "sign_working_days")
    op.drop_column("message", "signed_at")
