"""Department workbench: staff accounts, reply drafts, extensions, templates, letters, mail attempts.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from formsvc.db import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("username", sa.String(64), nullable=False, unique=True),
        sa.Column("display_name", sa.String(100), nullable=False),
        sa.Column("email", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("department.id")),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime()),
        sa.Column("last_login_at", UTCDateTime()),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_staff_role", "staff", ["role"])
    op.create_index("ix_staff_department_id", "staff", ["department_id"])
    op.create_table(
        "reply_draft",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("message.id"), nullable=False,
                  unique=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("outcome_note", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("staff.id")),
        sa.Column("reviewer_id", sa.Integer(), sa.ForeignKey("staff.id")),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime()),
    )
    op.create_table(
        "extension_request",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("message.id"), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("staff.id")),
        sa.Column("decided_at", UTCDateTime()),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("old_due_date", sa.Date(), nullable=False),
        sa.Column("new_due_date", sa.Date()),
    )
    op.create_index("ix_extension_request_message_id", "extension_request", ["message_id"])
    op.create_table(
        "reply_template",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("department.id"), nullable=False),
        sa.Column("title", sa.String(100), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("staff.id")),
        sa.Column("created_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_reply_template_department_id", "reply_template", ["department_id"])
    op.create_table(
        "letter",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("message_id", sa.Integer(), sa.ForeignKey("message.id"), nullable=False,
                  unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("department_id", sa.Integer(), sa.ForeignKey("department.id")),
        sa.Column("masked_name", sa.String(50), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("replied_on", sa.Date(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("published_at", UTCDateTime()),
        sa.Column("published_by_id", sa.Integer(), sa.ForeignKey("staff.id")),
        sa.Column("withdrawn_at", UTCDateTime()),
    )
    op.create_index("ix_letter_kind", "letter", ["kind"])
    op.create_index("ix_letter_department_id", "letter", ["department_id"])
    op.create_index("ix_letter_replied_on", "letter", ["replied_on"])
    op.create_index("ix_letter_published", "letter", ["published"])
    op.create_table(
        "mail_attempt",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("outbox_id", sa.Integer(), sa.ForeignKey("outbox.id"), nullable=False),
        sa.Column("attempted_at", UTCDateTime(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
    )
    op.create_index("ix_mail_attempt_outbox_id", "mail_attempt", ["outbox_id"])


def downgrade() -> None:
    for table in ("mail_attempt", "letter", "reply_template", "extension_request", "reply_draft",
                  "staff"):
        op.drop_table(table)
