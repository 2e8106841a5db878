"""Published comments on drafts (意见征集) in the search, the moment staff publish them.

Like the letters (``sitesearch.letters``), comments live in formsvc's database, so they go into
formsvc's own index, beside the letters and with the same schema, path ``comment:<id>`` and
doctype ``comment``: a site rebuild never loses one, and hiding a comment takes it out at once.
Rebuilding the letters keeps the comments and rebuilding the comments keeps the letters (each
deletes only its own doctype).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sitesearch import fields as F
from sitesearch import layout
from sitesearch import letters as letters_index
from sitesearch.indexer import Document

COMMENT_LABEL = "征求意见"


def path(comment_id: str | int) -> str:
    """The comment's unique key in the index."""
    return f"comment:{comment_id}"


def comment_document(comment: Mapping[str, Any]) -> Document:
    """A published comment as a search document.

    Keys: ``id`` (required, stable), ``draft_title`` (the draft it is about), ``article`` (the
    article's heading, or ""), ``text`` (the published, masked text), ``adoption`` (采纳情况 as
    read, or ""), ``adoption_reason``, ``dept`` (code), ``dept_name``, ``date``, ``url`` (the
    draft's comment page with the comment's anchor), ``site`` (default the county portal).
    """
    comment_id = str(comment["id"])
    draft = str(comment.get("draft_title") or "征求意见稿")
    article = str(comment.get("article") or "")
    text = str(comment.get("text") or "")
    adoption = str(comment.get("adoption") or "")
    reason = str(comment.get("adoption_reason") or "")
    body = text + (f"\n采纳情况：{adoption}" if adoption else "") + (f"\n{reason}" if reason else "")
    return Document(
        path=path(comment_id),
        url=str(comment.get("url") or ""),
        title=f"对《{draft}》{article}的意见",
        body=body,
        summary=text[:120],
        section=F.LETTER_SECTION,
        section_label=letters_index.SECTION_LABEL,
        doctype=F.COMMENT_DOCTYPE,
        doctype_label=COMMENT_LABEL,
        dept=str(comment.get("dept") or ""),
        dept_name=str(comment.get("dept_name") or ""),
        date=letters_index.as_datetime(comment.get("date")),
        site=layout.check_site(str(comment.get("site") or F.DEFAULT_SITE)),
    )


def index_comment(index_dir: str | Path, comment: Mapping[str, Any]) -> None:
    """Add or replace one published comment; searchable by the next request in every worker."""
    letters_index.put(index_dir, comment_document(comment))


def remove_comment(index_dir: str | Path, comment_id: str | int) -> None:
    """Take a hidden comment out of the search (no-op when it is not there)."""
    letters_index.drop(index_dir, path(comment_id))


def reindex_comments(index_dir: str | Path, comments: Iterable[Mapping[str, Any]]) -> int:
    """Replace every comment in the index with ``comments``; returns how many were indexed."""
    return letters_index.replace_doctype(index_dir, F.COMMENT_DOCTYPE,
                                         (comment_document(c) for c in comments))
