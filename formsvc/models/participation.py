"""Contributions to 意见征集, 网上听证 and 在线访谈 (formsvc/domain/participation.py) and their
append-only moderation history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from formsvc.db import Base, UTCDateTime, utcnow
from formsvc.domain import participation as p
from formsvc.models.department import Department


class Contribution(Base):
    """A comment on a draft (or one article), a hearing speaker's registration, or a question
    for an interview. ``name`` and ``phone`` are never published; the public sees
    ``public_text`` (masked when staff publish) under a masked name."""

    __tablename__ = "contribution"
    __table_args__ = (
        # the public page of a draft or interview: its published contributions
        Index("ix_contribution_target", "target", "slug", "status"),
        # the repeat check: same phone, same text, recent
        Index("ix_contribution_phone_text", "phone", "text_hash", "submitted_at"),
        # the workbench: a department's pending contributions
        Index("ix_contribution_department_status", "department_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # a code of PARTICIPATION_KINDS
    target: Mapped[str] = mapped_column(String(16))  # consultation | interview
    slug: Mapped[str] = mapped_column(String(120))
    article: Mapped[int | None] = mapped_column(Integer)  # a draft's article number, or None
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    name: Mapped[str] = mapped_column(String(100))
    phone: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("contribution.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=p.PENDING)
    public_text: Mapped[str] = mapped_column(Text, default="")  # masked, set when published
    hide_reason: Mapped[str] = mapped_column(Text, default="")
    adoption: Mapped[str] = mapped_column(String(16), default="")  # a key of ADOPTION_LABELS
    adoption_reason: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")  # an interview question's answer
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship()
    events: Mapped[list[ContributionEvent]] = relationship(
        back_populates="contribution", order_by="ContributionEvent.id")

    @property
    def kind_label(self) -> str:
        """What staff and citizens call the kind."""
        found = p.kind(self.kind)
        return found.label if found else self.kind

    @property
    def status_label(self) -> str:
        """The moderation state as staff read it."""
        return p.MODERATION_LABELS.get(self.status, self.status)

    @property
    def adoption_label(self) -> str:
        """The 采纳情况, or "" before staff record it."""
        return p.ADOPTION_LABELS.get(self.adoption, "")


class ContributionEvent(Base):
    """One entry of a contribution's append-only history: submission and each staff action."""

    __tablename__ = "contribution_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contribution_id: Mapped[int] = mapped_column(ForeignKey("contribution.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))  # "citizen" or "staff:<id>"
    action: Mapped[str] = mapped_column(String(16))  # a key of ACTION_LABELS
    note: Mapped[str] = mapped_column(Text, default="")

    contribution: Mapped[Contribution] = relationship(back_populates="events")


def _refuse_change(_mapper: object, _conn: object, target: ContributionEvent) -> None:
    # evidence of who published or hid what: corrections are new events
    raise RuntimeError(f"contribution_event {target.id} is append-only")


event.listen(ContributionEvent, "before_update", _refuse_change)
event.listen(ContributionEvent, "before_delete", _refuse_change)
