"""Participation: comments on drafts, hearing registrations, interview questions (issue 23).

- ``contribution``: one generic moderated record per citizen's contribution, keyed by the
  content's type and slug (the draft or interview is content, not a table) and, for a comment
  on one article, the article number; name and phone never published; moderation state, the
  masked public text, 采纳情况 and an interview question's answer.
- ``contribution_event``: its append-only history (submission, publish, hide, adoption, answer).

New tables only: nothing existing changes, and the downgrade drops them (their rows with them).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from formsvc.db import UTCDateTime

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "contribution",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("slug", sa.String(120), nullable=False),
        sa.Column("article", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("department.id"), nullable=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("duplicate_of_id", sa.Integer(), sa.ForeignKey("contribution.id"),
                  nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("public_text", sa.Text(), nullable=False),
        sa.Column("hide_reason", sa.Text(), nullable=False),
        sa.Column("adoption", sa.String(16), nullable=False),
        sa.Column("adoption_reason", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("moderated_at", UTCDateTime(), nullable=True),
    )
    op.create_index("ix_contribution_target", "contribution", ["target", "slug", "status"])
    op.create_index("ix_contribution_phone_text", "contribution",
                    ["phone", "text_hash", "submitted_at"])
    op.create_index("ix_contribution_department_status", "contribution",
                    ["department_id", "status"])
    op.create_table(
        "contribution_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("contribution_id", sa.Integer(), sa.ForeignKey("contribution.id"),
                  nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_contribution_event_contribution_id", "contribution_event",
                    ["contribution_id"])


def downgrade() -> None:
    op.drop_index("ix_contribution_event_contribution_id", table_name="contribution_event")
    op.drop_table("contribution_event")
    op.drop_index("ix_contribution_department_status", table_name="contribution")
    op.drop_index("ix_contribution_phone_text", table_name="contribution")
    op.drop_index("ix_contribution_target", table_name="contribution")
    op.drop_table("contribution")
