"""Published public letters in the search, the moment staff publish them.

Letters live in formsvc's database, not in ``content/``, so the site build cannot index them. They go
into a small index of their own (same schema) that formsvc writes and the reader searches together
with the site index. Keeping them apart means a site rebuild (full or incremental, atomic swap)
never loses a letter published while it ran, and a letter needs no rebuild at all.

The workbench calls ``index_letter`` after the transaction that publishes a letter has committed,
and ``remove_letter`` when one is withdrawn; ``reindex_letters`` rebuilds the whole letters index from
the database (an operator command, e.g. after restoring a backup). A letters index written before
a field was added to the schema is rewritten from its own stored fields the first time it is opened.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import zlib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.index import LockError
from whoosh.util.filelock import try_for
from whoosh.writing import SegmentWriter

from sitesearch import fields as F
from sitesearch import layout
from sitesearch.indexer import Document, compatible

WRITE_TIMEOUT = 10.0  # seconds to wait for another worker's writer
LETTER_LABEL = "公开信件"
SECTION_LABEL = "互动交流"


def as_datetime(value: Any) -> dt.datetime | None:
    """A letter's or comment's date as the index stores it (naive), or None."""
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
    ``date`` (reply or publication time, datetime or ISO string), ``url`` (site path),
    ``site`` (the site of the cluster it belongs to; default the county portal).
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
        date=as_datetime(letter.get("date")),
        site=layout.check_site(str(letter.get("site") or F.DEFAULT_SITE)),
    )


def _stored_document(stored: dict[str, Any]) -> Document:
    """A letter as ``letter_document`` made it, from its stored fields (``_upgrade``)."""
    plain = zlib.decompress(stored[F.BODY]).decode("utf-8") if stored.get(F.BODY) else ""
    return Document(
        path=stored[F.PATH], url=stored.get(F.URL, ""), title=stored.get(F.TITLE, ""),
        body=plain.partition(F.BODY_END)[0], summary=stored.get(F.SUMMARY, ""),
        section=stored.get(F.SECTION, ""), section_label=stored.get(F.SECTION_LABEL, ""),
        doctype=stored.get(F.DOCTYPE, ""), doctype_label=stored.get(F.DOCTYPE_LABEL, ""),
        dept=stored.get(F.DEPT, ""), dept_name=stored.get(F.DEPT_NAME, ""),
        date=stored.get(F.DATE), site=stored.get(F.SITE) or F.DEFAULT_SITE,
    )


def _upgrade(root: Path, ix: Any) -> Any:
    """Rewrite a letters index of an older schema with the current one; returns the new index.

    Holds Whoosh's write lock meanwhile, so no worker adds a letter to the old one; readers see
    no letters for the moment between the two tables of contents.
    """
    lock = ix.lock("WRITELOCK")  # the lock every writer of this index takes
    if not try_for(lock.acquire, timeout=WRITE_TIMEOUT, delay=0.1):
        raise LockError("letters index busy")
    try:
        with ix.reader() as reader:
            docs = [_stored_document(stored) for stored in reader.all_stored_fields()]
        new = whoosh_index.create_in(str(root), F.make_schema())
        writer = SegmentWriter(new, _lk=False)  # the lock is held above
        for doc in docs:
            writer.add_document(**doc.to_fields())
        writer.commit()
    finally:
        lock.release()
    return new


def open_index(letters_dir: str | Path) -> Any:
    """The letters index, created on first use (a file lock stops two workers creating it twice)."""
    root = Path(letters_dir)
    root.mkdir(parents=True, exist_ok=True)
    with open(root / ".create.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            if whoosh_index.exists_in(str(root)):
                ix = whoosh_index.open_dir(str(root))
                return ix if compatible(ix) else _upgrade(root, ix)
            return whoosh_index.create_in(str(root), F.make_schema())
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def writing(ix: Any) -> Iterator[Any]:
    """A writer committed at the end, or cancelled (lock released, nothing written) on an error."""
    writer = ix.writer(timeout=WRITE_TIMEOUT)
    try:
        yield writer
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def put(letters_dir: str | Path, doc: Document) -> None:
    """Add or replace one document of formsvc's index (a letter, a comment, a question);
    searchable by the next request in every worker."""
    fields = doc.to_fields()  # bad input fails before anything is locked
    ix = open_index(letters_dir)
    try:
        # Whoosh's own write lock serialises workers; a commit is atomic for readers
        with writing(ix) as writer:
            writer.update_document(**fields)
    finally:
        ix.close()


def drop(letters_dir: str | Path, path: str) -> None:
    """Take the document ``path`` out of formsvc's index (no-op when it is not there)."""
    if not whoosh_index.exists_in(str(letters_dir)):
        return
    ix = open_index(letters_dir)
    try:
        with writing(ix) as writer:
            writer.delete_by_term(F.PATH, path)
    finally:
        ix.close()


def replace_doctype(letters_dir: str | Path, doctype: str, docs: Iterable[Document]) -> int:
    """Replace every document of ``doctype`` with ``docs`` in one commit (the other doctypes
    stay); returns how many were indexed."""
    ix = open_index(letters_dir)
    count = 0
    try:
        with writing(ix) as writer:
            writer.delete_by_query(Q.Term(F.DOCTYPE, doctype))
            for doc in docs:
                writer.add_document(**doc.to_fields())
                count += 1
    finally:
        ix.close()
    return count


def index_letter(letters_dir: str | Path, letter: Mapping[str, Any]) -> None:
    """Add or replace one published letter; searchable by the next request in every worker."""
    put(letters_dir, letter_document(letter))


def remove_letter(letters_dir: str | Path, letter_id: str | int) -> None:
    """Withdraw a letter from the search (no-op when it is not there)."""
    drop(letters_dir, f"letter:{letter_id}")


def reindex_letters(letters_dir: str | Path, letters: Iterable[Mapping[str, Any]]) -> int:
    """Replace the whole letters index with ``letters``; returns how many were indexed."""
    return replace_doctype(letters_dir, F.LETTER_DOCTYPE, (letter_document(x) for x in letters))
