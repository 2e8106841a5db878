"""Organisations that applied for information get the type the annual report counts them by.

The form asked 公民 / 法人或其他组织 only; the national annual-report template counts 法人或其他组织
in five columns (formsvc/domain/applicants.py). Each stored 依申请公开 request of an organisation
gets ``details.org_type``: what its name tells (…律师事务所 is a 法律服务机构, …研究院 a 科研机构,
…有限公司 a 商业企业, …基金会 a 社会公益组织), otherwise ``other`` (其他), which is what the
report did with them before. Nothing else changes; a request that already has a type keeps it.

The downgrade leaves the key: the older code ignores it, and taking it away would lose what
staff may have corrected since.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

# Frozen here (a migration must not follow later edits of live code): name endings → type.
# Checked in this order: a 律师事务所有限公司 does not exist, a 科技有限公司 is a business.
_BY_NAME = (
    ("legal_service", ("律师事务所", "公证处", "司法鉴定", "法律援助", "法律服务")),
    ("research", ("研究院", "研究所", "研究中心", "科学院", "大学", "学院", "实验室")),
    ("public_welfare", ("基金会", "公益", "慈善", "志愿者", "红十字会", "社会服务中心")),
    ("business", ("有限公司", "有限责任公司", "股份公司", "集团", "公司", "厂", "合作社",
                  "商行", "企业")),
)
_TYPES = ("business", "research", "public_welfare", "legal_service", "other")

_JSON = sa.JSON().with_variant(JSONB(), "postgresql")
_message = sa.table("message", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                    sa.column("details", _JSON))


def org_type_of(name: str) -> str:
    """The report's type of an organisation called ``name`` (``other`` when it does not tell)."""
    for code, words in _BY_NAME:
        if any(w in name for w in words):
            return code
    return "other"


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(_message.c.id, _message.c.details)
                        .where(_message.c.kind == "ysqgk")).all()
    for mid, details in rows:
        details = dict(details or {})
        if details.get("applicant_type") != "organization" or details.get("org_type") in _TYPES:
            continue
        details["org_type"] = org_type_of(str(details.get("org_name") or ""))
        conn.execute(sa.update(_message).where(_message.c.id == mid).values(details=details))


def downgrade() -> None:
    pass
