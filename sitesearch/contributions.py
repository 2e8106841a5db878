"""Citizens' contributions in the search, the moment staff make them public: published comments
on drafts (意见征集) and answered interview questions (在线访谈 网友提问).

Like the letters (``sitesearch.letters``), contributions live in formsvc's database, so they go
into formsvc's own index, beside the letters and with the same schema, path ``<doctype>:<id>``:
a site rebuild never loses one, and hiding one takes it out at once. Rebuilding the letters keeps
the contributions and rebuilding one kind keeps the rest (each deletes only its own doctype).
Each kind is one document builder in ``DOCUMENTS``; indexing, removing and rebuilding are the
same for every kind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from sitesearch import fields as F
from sitesearch import layout
from sitesearch import letters as letters_index
from sitesearch.indexer import Document

COMMENT_LABEL = "征求意见"
QUESTION_LABEL = "网友提问"


def path(doctype: str, contribution_id: str | int) -> str:
    """The contribution's unique key in the index."""
    return f"{doctype}:{contribution_id}"


def _document(doctype: str, label: str, item: Mapping[str, Any], title: str, body: str,
              text: str) -> Document:
    # what every kind shares: its key, address, department, date and site
    return Document(
        path=path(doctype, str(item["id"])),
        url=str(item.get("url") or ""),
        title=title,
        body=body,
        summary=text[:120],
        section=F.LETTER_SECTION,
        section_label=letters_index.SECTION_LABEL,
        doctype=doctype,
        doctype_label=label,
        dept=str(item.get("dept") or ""),
        dept_name=str(item.get("dept_name") or ""),
        date=letters_index.as_datetime(item.get("date")),
        site=layout.check_site(str(item.get("site") or F.DEFAULT_SITE)),
    )


def comment_document(comment: Mapping[str, Any]) -> Document:
    """A published comment as a search document.

    Keys: ``id`` (required, stable), ``draft_title`` (the draft it is about), ``article`` (the
    article's heading, or ""), ``text`` (the published, masked text), ``adoption`` (采纳情况 as
    read, or ""), ``adoption_reason``, ``dept`` (code), ``dept_name``, ``date``, ``url`` (the
    draft's comment page with the comment's anchor), ``site`` (default the county portal).
    """
    draft = str(comment.get("draft_title") or "征求意见稿")
    article = str(comment.get("article") or "")
    text = str(comment.get("text") or "")
    adoption = str(comment.get("adoption") or "")
    reason = str(comment.get("adoption_reason") or "")
    body = text + (f"\n采纳情况：{adoption}" if adoption else "") + (f"\n{reason}" if reason else "")
    return _document(F.COMMENT_DOCTYPE, COMMENT_LABEL, comment, f"对《{draft}》{article}的意见",
                     body, text)


def question_document(question: Mapping[str, Any]) -> Document:
    """An answered question as a search document.

    Keys: ``id`` (required, stable), ``interview_title``, ``text`` (the published, masked
    question), ``answer`` (the guest's answer), ``dept`` (code), ``dept_name``, ``date`` (when it
    was answered), ``url`` (the interview's page with the question's anchor), ``site`` (default
    the county portal).
    """
    interview = str(question.get("interview_title") or "在线访谈")
    text = str(question.get("text") or "")
    answer = str(question.get("answer") or "")
    return _document(F.QUESTION_DOCTYPE, QUESTION_LABEL, question,
                     f"{interview}：{QUESTION_LABEL}",
                     text + (f"\n嘉宾回答：{answer}" if answer else ""), text)


# doctype → its document builder: the one table of the kinds of contribution the search holds
DOCUMENTS: dict[str, Callable[[Mapping[str, Any]], Document]] = {
    F.COMMENT_DOCTYPE: comment_document,
    F.QUESTION_DOCTYPE: question_document,
}


def index(index_dir: str | Path, doctype: str, item: Mapping[str, Any]) -> None:
    """Add or replace one contribution; searchable by the next request in every worker."""
    letters_index.put(index_dir, DOCUMENTS[doctype](item))


def remove(index_dir: str | Path, doctype: str, contribution_id: str | int) -> None:
    """Take a contribution out of the search (no-op when it is not there)."""
    letters_index.drop(index_dir, path(doctype, contribution_id))


def reindex(index_dir: str | Path, doctype: str, items: Iterable[Mapping[str, Any]]) -> int:
    """Replace every contribution of ``doctype`` in the index with ``items``; how many."""
    build = DOCUMENTS[doctype]
    return letters_index.replace_doctype(index_dir, doctype, (build(i) for i in items))
