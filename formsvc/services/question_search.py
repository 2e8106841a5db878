"""Answered interview questions (在线访谈 网友提问) in the site search: what the index holds of a
question, and keeping it in step with moderation.

As for comments (``comment_search``) the database is the record and formsvc's index a copy: a
question is indexed after the commit that answers it (answering publishes it) or publishes it
again with edited text, and removed after the commit that hides it; a failure is logged and
never undoes the moderation, and the search pages leave out a question the database no longer
shows (``search.published_only``). ``reindex-letters`` rebuilds the questions too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from formsvc.domain import participation as p
from formsvc.models import Contribution
from formsvc.services import county_numbers, masking
from formsvc.services.search import letters_dir
from portal import participation as content
from portal.participation import Interview
from sitesearch import questions as search_questions

log = logging.getLogger(__name__)


def url(slug: str, question_id: int) -> str:
    """Where the question is read: its answer on the interview's live page."""
    return f"/hdjl/ft/{slug}#q{question_id}"


def searchable(row: Contribution) -> bool:
    """A question is in the search when the interview's page shows it: published and answered."""
    return row.kind == "question" and row.status == p.PUBLISHED and bool(row.answer)


# the SQL form of ``searchable`` (search.published_only and the rebuild)
SEARCHABLE = (Contribution.kind == "question") & (Contribution.status == p.PUBLISHED) \
    & (Contribution.answer != "")


def question_document(row: Contribution, interview: Interview | None,
                      public_numbers: Sequence[str] = ()) -> dict[str, Any]:
    """The question as the search indexes it: the published (masked) question and the answer,
    each masked once more by the one masking function (as a letter's question and reply are)."""
    return {"id": row.id, "interview_title": interview.title if interview else row.slug,
            "text": masking.mask_text(row.public_text, (), public_numbers),
            "answer": masking.mask_text(row.answer, (), public_numbers),
            "dept": row.department.code if row.department else "",
            "dept_name": row.department.name if row.department else "",
            "date": row.answered_at or row.moderated_at or row.submitted_at,
            "url": url(row.slug, row.id)}


def _interviews(config: Mapping[str, Any]) -> dict[str, Interview]:
    return content.load_interviews(config["CONTENT_DIR"])


def sync_question(session: Session, config: Mapping[str, Any], row: Contribution) -> bool:
    """After a moderation commit: index ``row`` when it is a published, answered question, else
    remove it; False (logged) when the index was not written."""
    try:
        if searchable(row):
            numbers = county_numbers.public_numbers(session, config)
            search_questions.index_question(letters_dir(config), question_document(
                row, _interviews(config).get(row.slug), numbers))
        elif row.kind == "question":
            search_questions.remove_question(letters_dir(config), row.id)
    except Exception:  # noqa: BLE001 - the moderation stands; reindex-letters repairs the copy
        log.exception("search: question %s not updated in the index", row.id)
        return False
    return True


def reindex_questions(session: Session, config: Mapping[str, Any]) -> int:
    """Replace the questions in the index with every published, answered question; how many."""
    rows = session.scalars(select(Contribution).where(SEARCHABLE)
                           .options(selectinload(Contribution.department)).order_by(Contribution.id))
    numbers = county_numbers.public_numbers(session, config)
    interviews = _interviews(config)
    return search_questions.reindex_questions(
        letters_dir(config), (question_document(r, interviews.get(r.slug), numbers) for r in rows))
