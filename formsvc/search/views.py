"""Views of the site search and the hooks formsvc calls when a public letter is published."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, has_app_context, jsonify, render_template, request
from flask import url_for as flask_url_for

from portal.search import letters as search_letters
from portal.search import query

log = logging.getLogger(__name__)

bp = Blueprint("search", __name__, template_folder="templates")

REPO_ROOT = Path(__file__).resolve().parents[2]
# Said to citizens when the index cannot be read; the rest of the service keeps working.
UNAVAILABLE = "站内搜索暂时无法使用，请稍后再试。您也可以通过栏目导航查找信息，或拨打 0123-12345 咨询。"
FACET_TITLES = {"site": "站点", "section": "栏目", "dept": "发布机构", "year": "年度",
                "topic": "主题分类"}


def _app(app: Flask | None) -> Flask | None:
    if app is not None:
        return app
    return current_app._get_current_object() if has_app_context() else None  # type: ignore[attr-defined]


def index_dir(app: Flask | None = None) -> Path:
    """The site index folder: SEARCH_INDEX_DIR, else <OUTPUT_DIR>/_search.

    Without an app (scripts, the workbench's background jobs) FORMSVC_SEARCH_INDEX_DIR or
    <repo>/output/_search.
    """
    app = _app(app)
    if app is not None:
        configured = app.config.get("SEARCH_INDEX_DIR")
        if configured:
            return Path(configured)
        return Path(app.config.get("OUTPUT_DIR") or REPO_ROOT / "output") / "_search"
    return Path(os.environ.get("FORMSVC_SEARCH_INDEX_DIR") or REPO_ROOT / "output" / "_search")


def letters_dir(app: Flask | None = None) -> Path:
    """The letters index folder: SEARCH_LETTERS_DIR, else <instance>/search-letters.

    Without an app FORMSVC_SEARCH_LETTERS_DIR or <repo>/instance/search-letters.
    """
    app = _app(app)
    if app is not None:
        configured = app.config.get("SEARCH_LETTERS_DIR")
        return Path(configured) if configured else Path(app.instance_path) / "search-letters"
    return Path(os.environ.get("FORMSVC_SEARCH_LETTERS_DIR")
                or REPO_ROOT / "instance" / "search-letters")


def publish_letter(letter: Mapping[str, Any], app: Flask | None = None) -> bool:
    """Make a published letter searchable now; False (logged) when the index could not be written.

    Call after the publishing transaction committed: the database is the record, the index a copy,
    so a failure here must not undo the publication (``portal.search.letters.reindex_letters``
    rebuilds the copy).
    """
    try:
        search_letters.index_letter(letters_dir(app), letter)
    except Exception:  # noqa: BLE001 - see above
        log.exception("search: letter %s not indexed", letter.get("id"))
        return False
    return True


def unpublish_letter(letter_id: str | int, app: Flask | None = None) -> bool:
    """Remove a withdrawn letter from the search; False (logged) on failure."""
    try:
        search_letters.remove_letter(letters_dir(app), letter_id)
    except Exception:  # noqa: BLE001
        log.exception("search: letter %s not removed from the index", letter_id)
        return False
    return True


def _search(args: Mapping[str, Any], max_per_page: int) -> tuple[query.SearchParams,
                                                                   query.SearchResult]:
    params = query.parse_params(args, max_per_page=max_per_page)
    return params, query.search(params, index_dir(), letters_dir())


# --- HTML ----------------------------------------------------------------------------------------


def _href(params: query.SearchParams, **changes: Any) -> str:
    return flask_url_for("search.search_page", **params.to_args(**changes))


def _facet_params(result: query.SearchResult) -> list[dict[str, Any]]:
    """Params of theme/templates/components/facet_list.html, one per facet with values.

    Counts are within the current result; a chosen value is removed by its link in the list of
    active filters above the results.
    """
    params = result.params
    out = []
    for name, values in result.facets.items():
        current = getattr(params, name)
        if not values and not current:
            continue
        if name == "site" and len(values) < 2:
            continue  # one site's results: nothing to narrow (a chosen site is in active_filters)
        items = [{"text": v.label, "count": v.count, "current": v.value == current,
                  "href": _href(params, **{name: v.value, "page": 1})} for v in values]
        entry: dict[str, Any] = {"title": FACET_TITLES[name], "items": items,
                                 "inline": name == "year", "heading_level": 2,
                                 "id": f"facet-{name}"}
        out.append(entry)
    return out


def _active_filters(result: query.SearchResult) -> list[dict[str, str]]:
    """Filters in force, each with the link that removes it."""
    labels = {(name, v.value): v.label for name, vals in result.facets.items() for v in vals}
    out = []
    for name, value in result.params.filters().items():
        out.append({"title": FACET_TITLES[name], "text": labels.get((name, value), value),
                    "href": _href(result.params, **{name: "", "page": 1})})
    return out


@bp.get("/search")
def search_page() -> Any:
    """The result page; works without JavaScript (a GET form and links)."""
    context: dict[str, Any] = {"q": request.args.get("q", "")[:query.MAX_QUERY], "result": None,
                               "error": None, "unavailable": False,
                               "unavailable_message": UNAVAILABLE}
    status = 200
    try:
        params, result = _search(request.args, query.PER_PAGE)
    except query.SearchError as exc:
        context["error"], status = exc.message, 400
    except query.SearchUnavailable as exc:
        log.error("search: index unavailable at %s: %s", index_dir(), exc)
        context["unavailable"], status = True, 503
    else:
        context.update(
            result=result, params=params,
            facets=_facet_params(result), active_filters=_active_filters(result),
            sort_links=[("relevance", "按相关度", _href(params, sort="relevance", page=1)),
                        ("date", "按日期", _href(params, sort="date", page=1))],
            pages=[_href(params, page=n) for n in range(1, min(result.pages, query.MAX_PAGE) + 1)],
            # hits name their site when they come from more than one
            show_site=len(result.facets.get("site", ())) > 1,
        )
    return render_template("search/search.html", **context), status


# --- JSON ----------------------------------------------------------------------------------------


def _error(status: int, code: str, message: str) -> Any:
    resp = jsonify({"code": code, "message": message})
    resp.status_code = status
    return resp


@bp.get("/api/v1/search")
def search_api() -> Any:
    """The same search as JSON (parameters as /search, plus per_page up to 50)."""
    try:
        params, result = _search(request.args, query.MAX_PER_PAGE)
    except query.SearchError as exc:
        return _error(400, exc.code, exc.message)
    except query.SearchUnavailable as exc:
        log.error("search: index unavailable at %s: %s", index_dir(), exc)
        return _error(503, "search_unavailable", UNAVAILABLE)
    return jsonify({
        "query": {"q": params.q, "site": params.site or None,
                  "section": params.section or None, "dept": params.dept or None,
                  "year": params.year or None, "topic": params.topic or None,
                  "sort": params.sort},
        "total": result.total,
        "page": params.page,
        "per_page": params.per_page,
        "pages": result.pages,
        "items": [h.to_json() for h in result.hits],
        "facets": {name: [{"value": v.value, "label": v.label, "count": v.count} for v in values]
                   for name, values in result.facets.items()},
    })
