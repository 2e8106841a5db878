"""``GET /api/v1/search``: the site search as JSON, with the parameters of the /search page."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, jsonify, request

from formsvc.api.blueprint import bp
from formsvc.api.oas import NULLABLE_STR, STR, error_response, obj, query_param, ref
from formsvc.db import get_session
from formsvc.services import search
from formsvc.web import errors
from sitesearch.fields import FACETS, SITE_ID
from sitesearch.query import (
    MAX_PAGE,
    MAX_PER_PAGE,
    MAX_QUERY,
    PER_PAGE,
    SORTS,
    SearchError,
    SearchUnavailable,
)

log = logging.getLogger(__name__)


@bp.get("/search")
def search_json() -> Any:
    """The same search as /search (plus per_page up to MAX_PER_PAGE): hits, total, facets."""
    try:
        params, result = search.search(current_app.config, request.args, MAX_PER_PAGE,
                                       get_session, strict=True)
    except SearchError as exc:
        return errors.error_response(400, exc.code, exc.message)
    except SearchUnavailable as exc:
        log.error("search: index unavailable at %s: %s", search.index_dir(current_app.config), exc)
        return errors.error_response(503, "search_unavailable",
                                     search.unavailable_message(current_app.config))
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


# --- OpenAPI -------------------------------------------------------------------------------------

SCHEMAS: dict[str, Any] = {
    "SearchFacetValue": obj({"value": STR, "label": STR, "count": {"type": "integer"}}),
    "SearchHit": obj({
        "title": STR,
        "url": {"type": "string", "description": "站内路径，如 /xxgk/wj/xxx.html"},
        "title_html": {"type": "string", "description": "转义后的标题，命中词包在 <mark> 中"},
        "snippet": {"type": "string", "description": "摘要纯文本"},
        "snippet_html": {"type": "string", "description": "转义后的摘要，命中词包在 <mark> 中"},
        "date": {"type": ["string", "null"], "format": "date"},
        "section": NULLABLE_STR, "section_label": NULLABLE_STR,
        "type": {"type": ["string", "null"],
                 "description": "disclosure, guide, project, investment, news, page, "
                                "department, letter, comment (公开的意见), question (已回答的访谈提问) …"},
        "type_label": NULLABLE_STR,
        "department": {"oneOf": [{"type": "null"}, obj({"code": STR, "name": STR})]},
        "topic": {"type": ["string", "null"], "description": "主题分类"},
        "index_no": {"type": ["string", "null"], "description": "索引号"},
        "doc_no": {"type": ["string", "null"], "description": "文号"},
        "score": {"type": ["number", "null"], "description": "相关度（按日期排序时为 null）"},
        "site": {"oneOf": [{"type": "null"}, obj({"code": STR, "name": STR})],
                 "description": "发布该信息的站点（网站集群中的门户、部门或乡镇子站）"},
    }),
    "SearchResult": obj({
        "query": obj({"q": STR, "site": NULLABLE_STR, "section": NULLABLE_STR,
                       "dept": NULLABLE_STR, "year": NULLABLE_STR, "topic": NULLABLE_STR,
                       "sort": {"type": "string", "enum": list(SORTS)}}),
        "total": {"type": "integer", "minimum": 0},
        "page": {"type": "integer", "minimum": 1},
        "per_page": {"type": "integer", "minimum": 1},
        "pages": {"type": "integer", "minimum": 1},
        "items": {"type": "array", "items": ref("SearchHit")},
        "facets": {"type": "object", "description": "各筛选项的取值和结果数",
                   "properties": {name: {"type": "array", "items": ref("SearchFacetValue")}
                                  for name, _label in FACETS},
                   "additionalProperties": False},
    }),
}

PATHS: dict[str, Any] = {
    "/search": {"get": {
        "operationId": "search",
        "summary": "站内搜索（与 /search 页面相同的参数）",
        "description": "多个词用空格分开时结果须包含全部词语；引号内为完整短语；"
                       "文号可写作 示政办〔2024〕12号 或 示政办[2024]12号，索引号如 "
                       "01150001-1/2024-00012。只给筛选条件不给 q 时按日期列出。",
        "parameters": [
            query_param("q", "搜索词", {"type": "string", "maxLength": MAX_QUERY}),
            query_param("site", "站点标识，只搜该站点发布的信息，如 county；不填则搜索整个网站集群",
                        {"type": "string", "pattern": SITE_ID.pattern}),
            query_param("section", "栏目代码（xxgk, bsfw, zsyz, zwdt, hdjl, jg）", STR),
            query_param("dept", "部门代码，如 xzfb", STR),
            query_param("year", "年度", {"type": "string", "pattern": "^(19|20)[0-9]{2}$"}),
            query_param("topic", "主题分类，如 综合政务", STR),
            query_param("sort", "排序：relevance 相关度（默认）或 date 日期",
                        {"type": "string", "enum": list(SORTS), "default": "relevance"}),
            query_param("page", "页码", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                                       "default": 1}),
            query_param("per_page", "每页条数", {"type": "integer", "minimum": 1,
                                             "maximum": MAX_PER_PAGE, "default": PER_PAGE}),
        ],
        "responses": {
            "200": {"description": "搜索结果、总数和筛选项计数",
                    "content": {"application/json": {"schema": ref("SearchResult")}}},
            "400": error_response("参数有误（code 如 bad_site、bad_year、bad_sort、bad_page、"
                                  "query_too_long）；筛选值不存在时 code 为 unknown_site、"
                                  "unknown_section、unknown_dept 或 unknown_topic"),
            "503": error_response("搜索索引缺失或损坏（code 为 search_unavailable）；其他功能不受影响"),
        },
    }},
}
