"""Moderation of contributions (意见, 听证发言报名, 网友提问) in the workbench.

Scope: a department's handlers and reviewers see the contributions to their department's drafts
and interviews; the county-wide dispatcher and administrator see all; supervisors read all and
change nothing; a 12345 operator sees none. A contribution out of scope is :class:`NotFound`, like
an unknown one. Publishing masks the text as a letter's is masked (the contributor's own name and
phone, personal data patterns; the county's published numbers kept); each action is one event in
``contribution_event`` and one commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session

from formsvc.domain import participation as p
from formsvc.domain import personal_data
from formsvc.models import Contribution, ContributionEvent
from formsvc.models.staff import Staff
from formsvc.services import contribution_search, county_numbers, masking
from formsvc.services.workbench.context import (
    REPLY_MAX,
    ActionError,
    Context,
    NotFound,
    text_field,
)

# who may publish, hide, record adoption and answer; who may only read
MODERATOR_ROLES = frozenset({"handler", "reviewer", "dispatcher", "admin"})
READER_ROLES = MODERATOR_ROLES | {"supervisor"}


def scope_clause(staff: Staff) -> Any:
    """The SQL condition "this staff member may see the contribution"."""
    if staff.role not in READER_ROLES:
        return Contribution.id.is_(None)
    if staff.county_wide:
        return true()
    if staff.department_id is None:
        return Contribution.id.is_(None)
    return Contribution.department_id == staff.department_id


def can_read(staff: Staff) -> bool:
    """Whether the workbench offers ``staff`` the participation screen."""
    return staff.role in READER_ROLES


def listing(session: Session, staff: Staff, status: str = "", slug: str = "",
            limit: int = 200) -> list[Contribution]:
    """Contributions in scope, newest first; ``status`` and ``slug`` filter when given."""
    q = select(Contribution).where(scope_clause(staff))
    if status in p.MODERATION_LABELS:
        q = q.where(Contribution.status == status)
    if slug:
        q = q.where(Contribution.slug == slug)
    return list(session.scalars(q.order_by(Contribution.id.desc()).limit(limit)))


def counts(session: Session, staff: Staff) -> dict[str, int]:
    """Contributions in scope by moderation status."""
    rows = session.execute(select(Contribution.status, func.count()).where(scope_clause(staff))
                           .group_by(Contribution.status))
    found = {status: n for status, n in rows}
    return {s: found.get(s, 0) for s in p.MODERATION_LABELS}


def get(session: Session, staff: Staff, contribution_id: int) -> Contribution:
    """The contribution if ``staff`` may see it; NotFound otherwise."""
    row = session.scalar(select(Contribution).where(Contribution.id == contribution_id,
                                                    scope_clause(staff)))
    if row is None:
        raise NotFound(str(contribution_id))
    return row


def _moderated(ctx: Context, staff: Staff, contribution_id: int) -> Contribution:
    row = get(ctx.session, staff, contribution_id)
    if staff.role not in MODERATOR_ROLES:
        raise ActionError("forbidden", "您的角色只能查看，不能审核。")
    return row


def _event(ctx: Context, staff: Staff, row: Contribution, action: str, note: str = "") -> None:
    row.moderated_at = ctx.now
    ctx.session.add(ContributionEvent(contribution_id=row.id, created_at=ctx.now,
                                      actor=staff.actor, action=action, note=note))


def masked_text(ctx: Context, row: Contribution) -> str:
    """The text as it would be published: masked like a public letter."""
    numbers = county_numbers.public_numbers(ctx.session, ctx.config)
    return masking.mask_text(row.text, personal_data.contribution_values(row), numbers)


def publish(ctx: Context, staff: Staff, contribution_id: int, text: str | None = None) -> Contribution:
    """Publish the contribution with ``text`` (staff may edit the masked text) or the masked
    text; a 听证发言报名 is never published."""
    row = _moderated(ctx, staff, contribution_id)
    kind = p.kind(row.kind)
    if kind is None or not kind.publishable:
        raise ActionError("not_publishable", "听证发言报名不公开。")
    public = text_field(text, "公开内容", limit=p.TEXT_MAX, field_name="public_text") \
        if text is not None else masked_text(ctx, row)
    # the contributor's own name and phone never go out, even if staff typed them back in
    public = masking.mask_text(public, (row.name, row.phone),
                               county_numbers.public_numbers(ctx.session, ctx.config))
    row.public_text, row.status, row.hide_reason = public, p.PUBLISHED, ""
    _event(ctx, staff, row, "publish")
    ctx.commit()
    contribution_search.sync(ctx.session, ctx.config, row)  # after the commit: a copy
    return row


def hide(ctx: Context, staff: Staff, contribution_id: int, reason: str | None) -> Contribution:
    """Take the contribution off the public pages (or keep it off), with a reason."""
    row = _moderated(ctx, staff, contribution_id)
    reason = text_field(reason, "不予公开的理由", field_name="hide_reason")
    row.status, row.hide_reason, row.public_text = p.HIDDEN, reason, ""
    _event(ctx, staff, row, "hide", reason)
    ctx.commit()
    contribution_search.sync(ctx.session, ctx.config, row)
    return row


def adopt(ctx: Context, staff: Staff, contribution_id: int, adoption: str | None,
          reason: str | None) -> Contribution:
    """Record the 采纳情况 of a comment; partly or not adopted needs the reason."""
    row = _moderated(ctx, staff, contribution_id)
    if row.kind != "comment":
        raise ActionError("not_a_comment", "只有对征求意见稿的意见记录采纳情况。", "adoption")
    if adoption not in p.ADOPTION_LABELS:
        raise ActionError("bad_adoption", "请选择采纳情况", "adoption")
    reason = text_field(reason, "采纳情况说明", required=adoption in p.ADOPTION_NEEDS_REASON,
                        field_name="adoption_reason")
    row.adoption, row.adoption_reason = adoption, reason
    _event(ctx, staff, row, "adopt", f"{p.ADOPTION_LABELS[adoption]}：{reason}".rstrip("："))
    ctx.commit()
    contribution_search.sync(ctx.session, ctx.config, row)  # the 采纳情况 is searchable
    return row


def answer(ctx: Context, staff: Staff, contribution_id: int, text: str | None) -> Contribution:
    """The guest's answer to an interview question; answering publishes the question (masked)."""
    row = _moderated(ctx, staff, contribution_id)
    if row.kind != "question":
        raise ActionError("not_a_question", "只有访谈提问可以回答。", "answer")
    row.answer = text_field(text, "回答", limit=REPLY_MAX, field_name="answer")
    row.answered_at = ctx.now
    if row.status != p.PUBLISHED:
        row.public_text, row.status, row.hide_reason = masked_text(ctx, row), p.PUBLISHED, ""
    _event(ctx, staff, row, "answer")
    ctx.commit()
    contribution_search.sync(ctx.session, ctx.config, row)  # answered: now searchable
    return row
