"""Citizens' contributions to 意见征集, 网上听证 and 在线访谈: storing them and reading the
published ones. Moderation is in ``formsvc/services/workbench/moderation.py``.

A contribution is accepted only while its draft or interview takes input (``portal.participation``
decides, at the moment of the request, from the content's own dates) and is committed before the
citizen sees the thank-you page. The repeat check is the messages' (same phone, same text without
white space, within ``DUPLICATE_WINDOW_HOURS``): a repeat is stored and flagged, never refused.
The department that owns the draft or interview gets a mail (``new_contribution``) written in
the contribution's transaction (services/notify.py).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from formsvc.config import county_date
from formsvc.db import utcnow
from formsvc.domain import participation as p
from formsvc.domain.participation import ParticipationKind
from formsvc.models import Contribution, ContributionEvent
from formsvc.services import departments, notify
from formsvc.services.errors import ServiceError
from formsvc.services.masking import mask_name
from formsvc.services.submission import text_hash
from portal import participation as content
from portal.participation import Consultation, Interview

log = logging.getLogger(__name__)

Target = Consultation | Interview


@dataclass(frozen=True)
class NewContribution:
    """A validated contribution (formsvc/forms/participation.py builds it)."""

    kind: ParticipationKind
    slug: str
    name: str
    phone: str
    text: str
    article: int | None = None


class Refused(ServiceError):
    """The draft or interview does not take this contribution (closed, unknown article)."""


class SubmissionFailed(RuntimeError):
    """Nothing was stored; the citizen should try again."""


def closed_message(kind: ParticipationKind, target: Target, now: datetime | None = None) -> str:
    """Why ``target`` takes no ``kind`` now, in Chinese; "" while it does."""
    if isinstance(target, Interview):
        if target.accepts_questions(now):
            return ""
        return f"本期访谈已于 {target.ends:%Y-%m-%d %H:%M} 结束，不再接受提问。"
    if kind.code == "speaker":
        phase = target.registration_phase(now)
        if phase == content.OPEN:
            return ""
        if target.hearing is None:
            return "本次征求意见不举行听证。"
        if phase == content.NOT_YET:
            return f"听证发言报名自 {target.opens} 开始。"
        return f"听证发言报名已于 {target.hearing.registration_deadline} 截止，不再接受报名。"
    phase = target.phase(now)
    if phase == content.OPEN:
        return ""
    if phase == content.NOT_YET:
        return f"征求意见自 {target.opens} 开始，届时可以提交意见。"
    return f"征求意见已于 {target.closes} 截止，不再接受意见。"


def submit(session: Session, config: Mapping[str, Any], data: NewContribution, target: Target,
           *, now: datetime | None = None) -> Contribution:
    """Store ``data`` durably (committed) and return it; Refused when ``target`` does not take
    it now, SubmissionFailed when the database did not store it."""
    now = now or utcnow()
    if data.kind.target != (p.INTERVIEW if isinstance(target, Interview) else p.CONSULTATION):
        raise Refused("wrong_kind", "该事项不接受这类意见。")
    refusal = closed_message(data.kind, target, now)
    if refusal:
        raise Refused("closed", refusal)
    if data.article is not None and (not isinstance(target, Consultation)
                                     or target.article(data.article) is None):
        raise Refused("unknown_article", "征求意见稿中没有这一条，请从列表中选择。")
    digest = text_hash(data.text)
    try:
        earlier = session.scalar(
            select(Contribution.id).where(
                Contribution.phone == data.phone, Contribution.text_hash == digest,
                Contribution.submitted_at >= now - timedelta(hours=config["DUPLICATE_WINDOW_HOURS"]))
            .order_by(Contribution.id).limit(1))
        dept = departments.by_code(session, target.department)
        row = Contribution(
            kind=data.kind.code, target=data.kind.target, slug=target.slug, article=data.article,
            department_id=dept.id if dept else None, name=data.name, phone=data.phone,
            text=data.text, text_hash=digest, duplicate_of_id=earlier, submitted_at=now,
            status=p.PENDING, public_text="", hide_reason="", adoption="", adoption_reason="",
            answer="")
        session.add(row)
        session.flush()
        session.add(ContributionEvent(contribution_id=row.id, created_at=now, actor="citizen",
                                      action="submit", note=""))
        # the owning department is told in the same transaction: no mail without the record
        notify.new_contribution(session, config, data.kind.label, target.title, target.slug,
                                data.article, row.id, dept)
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        log.exception("formsvc: contribution to %s not stored", target.slug)
        raise SubmissionFailed from None
    return row


@dataclass(frozen=True)
class PublicContribution:
    """What the public reads of a published contribution: no phone, a masked name."""

    id: int
    kind: str
    article: int | None
    author: str
    text: str
    submitted_on: str
    adoption: str
    adoption_reason: str
    answer: str

    def as_dict(self) -> dict[str, Any]:
        """The API's object."""
        return {"id": self.id, "kind": self.kind, "article": self.article, "author": self.author,
                "text": self.text, "submitted_on": self.submitted_on,
                "adoption": self.adoption or None,
                "adoption_label": p.ADOPTION_LABELS.get(self.adoption),
                "adoption_reason": self.adoption_reason or None, "answer": self.answer or None}


def _public(row: Contribution, config: Mapping[str, Any]) -> PublicContribution:
    return PublicContribution(row.id, row.kind, row.article, mask_name(row.name), row.public_text,
                              county_date(config, row.submitted_at).isoformat(), row.adoption,
                              row.adoption_reason, row.answer)


def published(session: Session, config: Mapping[str, Any], target: str,
              slug: str) -> list[PublicContribution]:
    """The published contributions of one draft or interview, oldest first."""
    rows = session.scalars(select(Contribution).where(
        Contribution.target == target, Contribution.slug == slug,
        Contribution.status == p.PUBLISHED).order_by(Contribution.id))
    return [_public(r, config) for r in rows]


def by_article(items: list[PublicContribution]) -> dict[int | None, list[PublicContribution]]:
    """Published comments grouped under their article (None: on the whole draft)."""
    out: dict[int | None, list[PublicContribution]] = {}
    for item in items:
        if item.kind == "comment":
            out.setdefault(item.article, []).append(item)
    return out


def answered(items: list[PublicContribution]) -> list[PublicContribution]:
    """An interview's published questions that have an answer, in the order they were asked."""
    return [i for i in items if i.kind == "question" and i.answer]


@dataclass(frozen=True)
class DraftFigures:
    """The comments on one draft: received, published, 采纳情况 recorded, adopted (wholly or in part)."""

    slug: str
    title: str
    department: str  # name
    received: int
    published: int
    decided: int
    adopted: int

    @property
    def adoption_rate(self) -> float | None:
        """Adopted or partly adopted ÷ comments whose 采纳情况 is recorded (None before any)."""
        return self.adopted / self.decided if self.decided else None


def statistics(session: Session, drafts: Mapping[str, Consultation],
               names: Mapping[str, str]) -> tuple[list[DraftFigures], list[DraftFigures]]:
    """Comments per draft and per department (all time: a draft's comments are few and the
    page sums them directly), each row a :class:`DraftFigures` (``slug`` "" per department)."""
    published = Contribution.status == p.PUBLISHED
    rows = session.execute(
        select(Contribution.slug, func.count(), func.count().filter(published),
               func.count().filter(Contribution.adoption != ""),
               func.count().filter(Contribution.adoption.in_(("adopted", "partly"))))
        .where(Contribution.kind == "comment").group_by(Contribution.slug))
    per_draft = []
    for slug, received, shown, decided, adopted in rows:
        draft = drafts.get(slug)
        dept = draft.department if draft else ""
        per_draft.append(DraftFigures(slug, draft.title if draft else slug, names.get(dept, dept),
                                      received, shown, decided, adopted))
    by_dept: dict[str, list[DraftFigures]] = {}
    for f in per_draft:
        by_dept.setdefault(f.department, []).append(f)
    per_dept = [DraftFigures("", "", dept, sum(f.received for f in fs),
                             sum(f.published for f in fs), sum(f.decided for f in fs),
                             sum(f.adopted for f in fs)) for dept, fs in sorted(by_dept.items())]
    return sorted(per_draft, key=lambda f: f.slug), per_dept
