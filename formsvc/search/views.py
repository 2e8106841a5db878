"""The site search page, /search (its JSON is formsvc/api/search.py): works without JavaScript,
a GET form and links."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask import url_for as flask_url_for

from formsvc.db import get_session
from formsvc.services import search as search_svc
from sitesearch import query

log = logging.getLogger(__name__)

bp = Blueprint("search", __name__, template_folder="templates")

FACET_TITLES = {"site": "站点", "section": "栏目", "dept": "发布机构", "year": "年度",
                "topic": "主题分类"}




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
                               "unavailable_message": search_svc.unavailable_message(current_app.config)}
    status = 200
    try:
        params, result = search_svc.search(current_app.config, request.args, query.PER_PAGE,
                                           get_session)
    except query.SearchError as exc:
        context["error"], status = exc.message, 400
    except query.SearchUnavailable as exc:
        log.error("search: index unavailable at %s: %s",
                  search_svc.index_dir(current_app.config), exc)
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
