"""The public letter box: published letters only, read from the ``letter`` table alone.

Nothing here touches ``Message``: the letter row holds the reviewed, masked texts, so a public
page cannot show a field of the message that was never meant to be public.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from formsvc.domain import kinds
from formsvc.models import Department
from formsvc.models.workbench import Letter

PER_PAGE = 20


@dataclass
class LetterPage:
    letters: list[Letter]
    total: int
    page: int
    pages: int


def published(session: Session, kind: str = "", department: str = "", page: int = 1,
              per_page: int = PER_PAGE) -> LetterPage:
    """One page of published letters, newest reply first, optionally of a kind or department."""
    q = select(Letter).where(Letter.published.is_(True))
    if kind:
        q = q.where(Letter.kind == kind)
    if department:
        q = q.join(Department, Letter.department_id == Department.id).where(
            Department.code == department)
    total = session.scalar(select(func.count()).select_from(q.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    rows = session.scalars(q.order_by(Letter.replied_on.desc(), Letter.id.desc())
                           .offset((page - 1) * per_page).limit(per_page))
    return LetterPage(list(rows), total, page, pages)


def get(session: Session, letter_id: int) -> Letter | None:
    """A published letter by id, or None (also for a withdrawn one)."""
    letter = session.get(Letter, letter_id)
    return letter if letter is not None and letter.published else None


# the letter's own public fields, given as stored (reviewed and masked when published)
_AS_STORED = ("id", "kind", "subject", "question", "reply")


def public_dict(letter: Letter) -> dict[str, Any]:
    """The letter as the API returns it (and nothing else)."""
    dept = letter.department
    return {
        **{name: getattr(letter, name) for name in _AS_STORED},
        "kind_label": kinds.label(letter.kind),
        "name": letter.masked_name,
        "department": dept.name if dept else "",
        "department_code": dept.code if dept else "",
        "received_on": letter.received_on.isoformat(),
        "replied_on": letter.replied_on.isoformat(),
        "url": f"/hdjl/letters/{letter.id}",
    }


def departments_with_letters(session: Session) -> list[Department]:
    """The departments with at least one published letter, in registry order."""
    ids = select(Letter.department_id).where(Letter.published.is_(True)).distinct()
    return list(session.scalars(select(Department).where(Department.id.in_(ids))
                                .order_by(Department.position)))
