"""Published public letters in the search, the moment staff publish them.

Letters live in formsvc's database, not in ``content/``, so the site build cannot index them. They go
into a small index of their own (same schema) that formsvc writes and the reader searches together
with the site index. Keeping them apart means a site rebuild (full or incremental, atomic swap)
never loses a letter published while it ran, and a letter needs no rebuild at all.

The workbench calls ``index_letter`` after the transaction that publishes a letter has committed,
and ``remove_letter`` when one is withdrawn; ``reindex_letters`` rebuilds the whole letters index from
the database (an operator command, e.g. after restoring a backup).
"""

from __future__ import annotations

import datetime as dt
import fcntl
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as Q

from sitesearch import fields as F
from sitesearch.indexer import Document

WRITE_TIMEOUT = 10.0  # seconds to wait for another worker's writer
LETTER_LABEL = "公开信件"
SECTION_LABEL = "互动交流"


def _date(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day)
    if isinstance(value, str) and value:
        return dt.datetime.fromisoformat(value).replace(tzinfo=None)
    return None


def letter_document(letter: Mapping[str, Any]) -> Document:
    """A letter (as formsvc publishes it) as a search document.

    Keys: ``id`` (required, stable), ``title``, ``question`` (the citizen's text, names already
    masked), ``reply``, ``dept`` (code), ``dept_name``, ``kind_label`` (咨询/建议/投诉…),
    ``date`` (reply or publication time, datetime or ISO string), ``url`` (site path).
    """
    letter_id = str(letter["id"])
    question = str(letter.get("question") or "")
    reply = str(letter.get("reply") or "")
    body = question + ("\n答复：" + reply if reply else "")
    return Document(
        path=f"letter:{letter_id}",
        url=str(letter.get("url") or f"/hdjl/letters/{letter_id}"),
        title=str(letter.get("title") or "公开信件"),
        body=body,
        summary=question[:120],
        section=F.LETTER_SECTION,
        section_label=SECTION_LABEL,
        doctype=F.LETTER_DOCTYPE,
        doctype_label=str(letter.get("kind_label") or LETTER_LABEL),
        dept=str(letter.get("dept") or ""),
        dept_name=str(letter.get("dept_name") or ""),
        date=_date(letter.get("date")),
    )


def _open(letters_dir: str | Path) -> Any:
    """The letters index, created on first use (a file lock stops two workers creating it twice)."""
    root = Path(letters_dir)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".create.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            if whoosh_index.exists_in(str(root)):
                return whoosh_index.open_dir(str(root))
            return whoosh_index.create_in(str(root), F.make_schema())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def index_letter(letters_dir: str | Path, letter: Mapping[str, Any]) -> None:
    """Add or replace one published letter; searchable by the next request in every worker."""
    ix = _open(letters_dir)
    try:
        # Whoosh's own write lock serialises workers; a commit is atomic for readers
        writer = ix.writer(timeout=WRITE_TIMEOUT)
        writer.update_document(**letter_document(letter).to_fields())
        writer.commit()
    finally:
        ix.close()


def remove_letter(letters_dir: str | Path, letter_id: str | int) -> None:
    """Withdraw a letter from the search (no-op when it is not there)."""
    if not whoosh_index.exists_in(str(letters_dir)):
        return
    ix = _open(letters_dir)
    try:
        writer = ix.writer(timeout=WRITE_TIMEOUT)
        writer.delete_by_term(F.PATH, f"letter:{letter_id}")
        writer.commit()
    finally:
        ix.close()


def reindex_letters(letters_dir: str | Path, letters: Iterable[Mapping[str, Any]]) -> int:
    """Replace the whole letters index with ``letters``; returns how many were indexed."""
    ix = _open(letters_dir)
    count = 0
    try:
        writer = ix.writer(timeout=WRITE_TIMEOUT)
        writer.delete_by_query(Q.Term(F.DOCTYPE, F.LETTER_DOCTYPE))
        for letter in letters:
            writer.add_document(**letter_document(letter).to_fields())
            count += 1
        writer.commit()
    finally:
        ix.close()
    return count
