"""A department's reply templates (常用答复)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.models.staff import Staff
from formsvc.models.workbench import ReplyTemplate
from formsvc.services.workbench.context import REPLY_MAX, ActionError, Context, NotFound, text_field


def templates_for(session: Session, staff: Staff, department_id: int | None) -> list[ReplyTemplate]:
    """The active templates of ``department_id`` that ``staff`` may use."""
    if department_id is None:
        return []
    if not staff.county_wide and staff.department_id != department_id:
        return []
    return list(session.scalars(select(ReplyTemplate).where(
        ReplyTemplate.department_id == department_id, ReplyTemplate.active.is_(True))
        .order_by(ReplyTemplate.title)))


def add_template(ctx: Context, staff: Staff, title: str, body: str) -> ReplyTemplate:
    """Save a new template for the staff member's own department."""
    if staff.department_id is None:
        raise ActionError("no_department", "只有部门工作人员可以维护本单位的答复模板")
    row = ReplyTemplate(department_id=staff.department_id,
                        title=text_field(title, "模板名称", limit=100, field_name="title"),
                        body=text_field(body, "模板内容", limit=REPLY_MAX, field_name="body"),
                        active=True, created_by_id=staff.id, created_at=ctx.now)
    ctx.session.add(row)
    ctx.commit()
    return row


def remove_template(ctx: Context, staff: Staff, template_id: int) -> None:
    """Retire one of the own department's templates (kept, no longer offered)."""
    row = ctx.session.get(ReplyTemplate, template_id)
    if row is None or row.department_id != staff.department_id or not row.active:
        raise NotFound(str(template_id))
    row.active = False
    ctx.commit()

