"""Site search for formsvc: where the two indexes are, the query both /search and /api/v1/search
run, and the upkeep of the public letters' index.

The site index is a read-only artifact of the Pelican build (``SEARCH_INDEX_DIR``, by default
``<OUTPUT_DIR>/_search``). Published letters live in the database, so formsvc keeps them in an
index of its own (``SEARCH_LETTERS_DIR``, by default ``<instance>/search-letters``): a letter is
added after the transaction that publishes it has committed and removed when it is withdrawn.
The database is the record and the index a copy, so a failure to write it is logged and never
undoes a publication; :func:`reindex_letters` rebuilds the copy (``reindex-letters``, and
``restore`` after loading a backup).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, object_session, selectinload

import pelicanconf
from formsvc.models import Contribution
from formsvc.models.workbench import Letter
from formsvc.services import county_numbers, letters, masking
from portal import vocab
from sitesearch import fields as F
from sitesearch import letters as search_letters
from sitesearch import query

log = logging.getLogger(__name__)


def unavailable_message(config: Mapping[str, Any]) -> str:
    """Said to citizens when the index cannot be read; the rest of the service keeps working."""
    return ("站内搜索暂时无法使用，请稍后再试。您也可以通过栏目导航查找信息，"
            f"或拨打 {config.get('HOTLINE') or '12345'} 咨询。")


def index_dir(config: Mapping[str, Any]) -> Path:
    """The site index the build writes (``SEARCH_INDEX_DIR``, resolved by create_app)."""
    return Path(config["SEARCH_INDEX_DIR"])


def letters_dir(config: Mapping[str, Any]) -> Path:
    """The letters index formsvc writes (``SEARCH_LETTERS_DIR``, resolved by create_app)."""
    return Path(config["SEARCH_LETTERS_DIR"])


# What an unknown filter value is called in the API's 400 answer (year is a format, not a value).
UNKNOWN_FILTERS = {F.SITE: "站点", F.SECTION: "栏目", F.DEPT: "部门", F.TOPIC: "主题分类"}


def _vocabulary(name: str) -> frozenset[str]:
    """Values a filter may take even while no indexed document has them (an empty section)."""
    if name == F.SECTION:
        return frozenset(code for _label, _url, code in pelicanconf.SECTIONS)
    if name == F.TOPIC:
        return frozenset(vocab.TOPICS)
    return frozenset()


def check_filters(config: Mapping[str, Any], params: query.SearchParams) -> None:
    """Refuse a filter value the cluster does not know: a site that is not live, a department
    no indexed document has, a section or 主题分类 outside the value lists and the index.
    Raises query.SearchError with ``unknown_<filter>``; query.SearchUnavailable without an index."""
    snap = query.snapshot(index_dir(config), letters_dir(config))
    for name, value in params.filters().items():
        label = UNKNOWN_FILTERS.get(name)
        if label is None:
            continue
        if value not in snap.facets[name][0] and value not in _vocabulary(name):
            # the value is not repeated back: it may be anything a client sent
            raise query.SearchError(f"unknown_{name}",
                                    f"{label}参数不存在，请使用搜索结果筛选项中的取值")


def search(config: Mapping[str, Any], args: Mapping[str, Any], max_per_page: int,
           session: Callable[[], Session] | None = None, *, strict: bool = False,
           ) -> tuple[query.SearchParams, query.SearchResult]:
    """Parse ``args`` and search both indexes; raises query.SearchError (bad parameters) or
    query.SearchUnavailable (the site index is missing or unreadable). With ``session`` (called
    only when letters were found) a letter the database no longer publishes is left out even
    while the index still holds it. ``strict`` (the API): an unknown filter value is an error
    (``check_filters``); the page shows no results for it instead, as for a link gone stale."""
    params = query.parse_params(args, max_per_page=max_per_page)
    if strict:
        check_filters(config, params)
    result = query.search(params, index_dir(config), letters_dir(config))
    return params, (published_only(session, result) if session is not None else result)


_LETTER_URL = re.compile(r"/hdjl/letters/([0-9]+)$")


def published_only(session: Callable[[], Session],
                   result: query.SearchResult) -> query.SearchResult:
    """``result`` without the letters, comments and questions that are not published (withdrawn
    or hidden, and the index could not be updated): the database decides what is public, the
    index is only a copy."""
    # imported here: contribution_search imports this module (letters_dir)
    from formsvc.services.contribution_search import KINDS

    # what a contribution's hit must look like: its kind and its address's anchor
    by_doctype = {k.doctype: k for k in KINDS.values()}
    letter_hits = {id(h): int(m.group(1)) for h in result.hits
                   if h.doctype == F.LETTER_DOCTYPE and (m := _LETTER_URL.search(h.url))}
    contribution_hits: dict[int, tuple[str, int]] = {}
    odd = set()  # a comment or question hit whose address is not one's: never shown unchecked
    for h in result.hits:
        if h.doctype in by_doctype:
            kind = by_doctype[h.doctype]
            if m := kind.anchor.search(h.url):
                contribution_hits[id(h)] = (kind.kind, int(m.group(1)))
            else:
                odd.add(id(h))
    if not letter_hits and not contribution_hits and not odd:
        return result
    live = set(session().scalars(select(Letter.id).where(Letter.id.in_(set(letter_hits.values())),
                                                       Letter.published.is_(True)))) \
        if letter_hits else set()
    shown = {(kind, cid) for kind, cid in session().execute(
        select(Contribution.kind, Contribution.id).where(
            Contribution.id.in_({cid for _kind, cid in contribution_hits.values()}),
            or_(*(k.shown_sql for k in KINDS.values()))))} if contribution_hits else set()
    stale = {key for key, letter_id in letter_hits.items() if letter_id not in live}
    stale |= {key for key, found in contribution_hits.items() if found not in shown} | odd
    if stale:
        log.warning("search: %d withdrawn letter(s) or hidden comment(s) or question(s) still in "
                    "the index; run reindex-letters", len(stale))
        result.hits = [h for h in result.hits if id(h) not in stale]
        result.total = max(0, result.total - len(stale))
    return result


def letter_document(letter: Letter, public_numbers: Sequence[str] = ()) -> dict[str, Any]:
    """The letter as the search indexes it: its public fields (letters.public_dict), masked once
    more by the one masking function, so that the snippets of a letter published under older
    rules show no more than a new one would; ``public_numbers`` are the county's, kept."""
    public = letters.public_dict(letter)
    texts = {name: masking.mask_text(public[name], (), public_numbers)
             for name in ("subject", "question", "reply")}
    return {"id": letter.id, "title": texts["subject"], "question": texts["question"],
            "reply": texts["reply"], "dept": public["department_code"],
            "dept_name": public["department"], "kind_label": public["kind_label"],
            "date": letter.replied_on, "url": public["url"]}


def publish_letter(config: Mapping[str, Any], letter: Letter) -> bool:
    """Make a published letter searchable now; False (logged) when the index was not written."""
    try:
        session = object_session(letter) if isinstance(letter, Letter) else None
        numbers = county_numbers.public_numbers(session, config)
        search_letters.index_letter(letters_dir(config), letter_document(letter, numbers))
    except Exception:  # noqa: BLE001 - the publication stands; reindex-letters repairs the copy
        log.exception("search: letter %s not indexed", letter.id)
        return False
    return True


def unpublish_letter(config: Mapping[str, Any], letter_id: int) -> bool:
    """Remove a withdrawn letter from the search; False (logged) on failure."""
    try:
        search_letters.remove_letter(letters_dir(config), letter_id)
    except Exception:  # noqa: BLE001 - as above
        log.exception("search: letter %s not removed from the index", letter_id)
        return False
    return True


def reindex_letters(session: Session, config: Mapping[str, Any]) -> int:
    """Replace the letters index with every published letter in the database; how many."""
    letters = session.scalars(select(Letter).where(Letter.published.is_(True))
                              .options(selectinload(Letter.department)).order_by(Letter.id))
    numbers = county_numbers.public_numbers(session, config)
    return search_letters.reindex_letters(letters_dir(config),
                                          (letter_document(x, numbers) for x in letters))
