"""Published comments on drafts in the site search: what the index holds of a comment, and
keeping it in step with moderation.

The database is the record and the index (formsvc's own, ``SEARCH_LETTERS_DIR``, beside the
letters) a copy: moderation indexes a comment after the commit that publishes it (or records its
采纳情况) and removes it after the commit that hides it; a failure is logged and never undoes the
moderation, and the search pages leave out a comment the database no longer publishes
(``search.published_only``). ``reindex-letters`` rebuilds the comments too.
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
from portal.participation import Consultation
from sitesearch import comments as search_comments

log = logging.getLogger(__name__)


def url(slug: str, comment_id: int) -> str:
    """Where the comment is read: under its article on the draft's comment page."""
    return f"/hdjl/yjzj/{slug}#comment-{comment_id}"


def searchable(row: Contribution) -> bool:
    """Only published comments are in the search (not speakers' registrations nor questions)."""
    return row.kind == "comment" and row.status == p.PUBLISHED


def comment_document(row: Contribution, draft: Consultation | None,
                     public_numbers: Sequence[str] = ()) -> dict[str, Any]:
    """The comment as the search indexes it: its published (masked) text, masked once more by
    the one masking function as letters are, under the draft's title and the article's heading."""
    article = draft.article(row.article) if draft is not None and row.article else None
    return {"id": row.id, "draft_title": draft.title if draft else row.slug,
            "article": article.heading if article else "",
            "text": masking.mask_text(row.public_text, (), public_numbers),
            "adoption": row.adoption_label, "adoption_reason": row.adoption_reason,
            "dept": row.department.code if row.department else "",
            "dept_name": row.department.name if row.department else "",
            "date": row.moderated_at or row.submitted_at, "url": url(row.slug, row.id)}


def _drafts(config: Mapping[str, Any]) -> dict[str, Consultation]:
    return content.load_consultations(config["CONTENT_DIR"])


def sync_comment(session: Session, config: Mapping[str, Any], row: Contribution) -> bool:
    """After a moderation commit: index ``row`` when it is a published comment, else remove it;
    False (logged) when the index was not written."""
    try:
        if searchable(row):
            numbers = county_numbers.public_numbers(session, config)
            search_comments.index_comment(letters_dir(config), comment_document(
                row, _drafts(config).get(row.slug), numbers))
        elif row.kind == "comment":
            search_comments.remove_comment(letters_dir(config), row.id)
    except Exception:  # noqa: BLE001 - the moderation stands; reindex-letters repairs the copy
        log.exception("search: comment %s not updated in the index", row.id)
        return False
    return True


def reindex_comments(session: Session, config: Mapping[str, Any]) -> int:
    """Replace the comments in the index with every published comment; how many."""
    rows = session.scalars(select(Contribution).where(
        Contribution.kind == "comment", Contribution.status == p.PUBLISHED)
        .options(selectinload(Contribution.department)).order_by(Contribution.id))
    numbers = county_numbers.public_numbers(session, config)
    drafts = _drafts(config)
    return search_comments.reindex_comments(
        letters_dir(config), (comment_document(r, drafts.get(r.slug), numbers) for r in rows))
