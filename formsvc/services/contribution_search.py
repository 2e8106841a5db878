"""Citizens' contributions in the site search: published comments on drafts (意见征集) and
answered interview questions (在线访谈 网友提问), what the index holds of each and keeping it in
step with moderation.

The database is the record and the index (formsvc's own, ``SEARCH_LETTERS_DIR``, beside the
letters) a copy: moderation calls :func:`sync` after the commit that makes a contribution public
or changes what is public of it (a comment's 采纳情况, a question's answer) and after the commit
that hides it; a failure is logged and never undoes the moderation, and the search pages leave
out a contribution the database no longer shows (``search.published_only``, which reads
``KINDS`` too). ``reindex-letters`` rebuilds them (:func:`reindex`).

``KINDS`` is the one table of searchable kinds: when the public page shows one (in Python and in
SQL), where it is read, the content it belongs to and what the search indexes of it. Hearing
registrations (``speaker``) are never public, so never in it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, selectinload

from formsvc.domain import participation as p
from formsvc.models import Contribution
from formsvc.services import county_numbers, masking
from formsvc.services.search import letters_dir
from portal import participation as content
from portal.participation import Consultation, Interview
from sitesearch import contributions as index
from sitesearch import fields as F

log = logging.getLogger(__name__)


def comment_document(row: Contribution, draft: Consultation | None,
                     public_numbers: Sequence[str] = ()) -> dict[str, Any]:
    """The comment as the search indexes it: its published (masked) text, masked once more by
    the one masking function as letters are, under the draft's title and the article's heading."""
    article = draft.article(row.article) if draft is not None and row.article else None
    return {"id": row.id, "draft_title": draft.title if draft else row.slug,
            "article": article.heading if article else "",
            "text": masking.mask_text(row.public_text, (), public_numbers),
            "adoption": row.adoption_label, "adoption_reason": row.adoption_reason,
            **_common(row), "date": row.moderated_at or row.submitted_at}


def question_document(row: Contribution, interview: Interview | None,
                      public_numbers: Sequence[str] = ()) -> dict[str, Any]:
    """The question as the search indexes it: the published (masked) question and the answer,
    each masked once more by the one masking function (as a letter's question and reply are)."""
    return {"id": row.id, "interview_title": interview.title if interview else row.slug,
            "text": masking.mask_text(row.public_text, (), public_numbers),
            "answer": masking.mask_text(row.answer, (), public_numbers),
            **_common(row), "date": row.answered_at or row.moderated_at or row.submitted_at}


def _common(row: Contribution) -> dict[str, Any]:
    return {"dept": row.department.code if row.department else "",
            "dept_name": row.department.name if row.department else "",
            "url": KINDS[row.kind].url(row.slug, row.id)}


@dataclass(frozen=True)
class SearchableKind:
    """One kind of contribution the search holds."""

    kind: str  # Contribution.kind
    doctype: str  # the index's (sitesearch.fields)
    shown: Callable[[Contribution], bool]  # the public page shows it, so the search may
    shown_sql: ColumnElement[bool]  # the same, for the rebuild and search.published_only
    url_format: str  # where it is read: slug and id
    anchor: re.Pattern[str]  # the id in that address (a hit whose address has none is forged)
    targets: Callable[[str], Mapping[str, Any]]  # CONTENT_DIR → what it is about, by slug
    document: Callable[[Contribution, Any, Sequence[str]], dict[str, Any]]

    def url(self, slug: str, contribution_id: int) -> str:
        """Where the contribution is read."""
        return self.url_format.format(slug=slug, id=contribution_id)


def _published(row: Contribution) -> bool:
    return row.status == p.PUBLISHED


KINDS: dict[str, SearchableKind] = {k.kind: k for k in (
    # a comment under its article on the draft's comment page, once published
    SearchableKind(
        "comment", F.COMMENT_DOCTYPE, _published,
        (Contribution.kind == "comment") & (Contribution.status == p.PUBLISHED),
        "/hdjl/yjzj/{slug}#comment-{id}", re.compile(r"#comment-([0-9]+)$"),
        content.load_consultations, comment_document),
    # a question on the interview's live page, once published *and* answered
    SearchableKind(
        "question", F.QUESTION_DOCTYPE, lambda row: _published(row) and bool(row.answer),
        (Contribution.kind == "question") & (Contribution.status == p.PUBLISHED)
        & (Contribution.answer != ""),
        "/hdjl/ft/{slug}#q{id}", re.compile(r"#q([0-9]+)$"),
        content.load_interviews, question_document),
)}


def searchable(row: Contribution) -> bool:
    """Whether ``row`` belongs in the search now."""
    kind = KINDS.get(row.kind)
    return kind is not None and kind.shown(row)


def sync(session: Session, config: Mapping[str, Any], row: Contribution) -> bool:
    """After a moderation commit: index ``row`` when the public page shows it, else remove it
    (nothing for a kind the search never holds); False (logged) when the index was not written."""
    kind = KINDS.get(row.kind)
    if kind is None:
        return True
    try:
        if kind.shown(row):
            numbers = county_numbers.public_numbers(session, config)
            target = kind.targets(config["CONTENT_DIR"]).get(row.slug)
            index.index(letters_dir(config), kind.doctype, kind.document(row, target, numbers))
        else:
            index.remove(letters_dir(config), kind.doctype, row.id)
    except Exception:  # noqa: BLE001 - the moderation stands; reindex-letters repairs the copy
        log.exception("search: %s %s not updated in the index", row.kind, row.id)
        return False
    return True


def reindex(session: Session, config: Mapping[str, Any]) -> dict[str, int]:
    """Replace each kind's contributions in the index with every one the public pages show;
    how many of each kind."""
    numbers = county_numbers.public_numbers(session, config)
    counts = {}
    for kind in KINDS.values():
        rows = session.scalars(select(Contribution).where(kind.shown_sql)
                               .options(selectinload(Contribution.department))
                               .order_by(Contribution.id))
        targets = kind.targets(config["CONTENT_DIR"])
        counts[kind.kind] = index.reindex(letters_dir(config), kind.doctype, (
            kind.document(r, targets.get(r.slug), numbers) for r in rows))
    return counts
