"""Answered interview questions (在线访谈 网友提问) in the search, the moment the guest answers.

Like comments (``sitesearch.comments``), questions live in formsvc's database and go into
formsvc's own index, path ``question:<id>``, doctype ``question``: the published (masked)
question with the guest's answer, under the interview's title. A question is searchable once it
is published and answered, as the interview's page shows it; hiding it takes it out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sitesearch import fields as F
from sitesearch import layout
from sitesearch import letters as letters_index
from sitesearch.indexer import Document

QUESTION_LABEL = "网友提问"


def path(question_id: str | int) -> str:
    """The question's unique key in the index."""
    return f"question:{question_id}"


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
    return Document(
        path=path(str(question["id"])),
        url=str(question.get("url") or ""),
        title=f"{interview}：{QUESTION_LABEL}",
        body=text + (f"\n嘉宾回答：{answer}" if answer else ""),
        summary=text[:120],
        section=F.LETTER_SECTION,
        section_label=letters_index.SECTION_LABEL,
        doctype=F.QUESTION_DOCTYPE,
        doctype_label=QUESTION_LABEL,
        dept=str(question.get("dept") or ""),
        dept_name=str(question.get("dept_name") or ""),
        date=letters_index.as_datetime(question.get("date")),
        site=layout.check_site(str(question.get("site") or F.DEFAULT_SITE)),
    )


def index_question(index_dir: str | Path, question: Mapping[str, Any]) -> None:
    """Add or replace one answered question; searchable by the next request in every worker."""
    letters_index.put(index_dir, question_document(question))


def remove_question(index_dir: str | Path, question_id: str | int) -> None:
    """Take a question out of the search (no-op when it is not there)."""
    letters_index.drop(index_dir, path(question_id))


def reindex_questions(index_dir: str | Path, questions: Iterable[Mapping[str, Any]]) -> int:
    """Replace every question in the index with ``questions``; returns how many were indexed."""
    return letters_index.replace_doctype(index_dir, F.QUESTION_DOCTYPE,
                                         (question_document(q) for q in questions))
