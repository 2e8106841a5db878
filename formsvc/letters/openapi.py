"""OpenAPI 3.1 fragment of the public letters and statistics, merged by
formsvc.api.openapi.document() (``PATHS`` into ``paths``, ``SCHEMAS`` into the schemas).

Errors refer to the document's shared ``Error`` schema.
"""

from __future__ import annotations

from typing import Any

from formsvc.api.oas import error_response, json_response, obj, query_param, ref
from formsvc.domain import kinds

_STR = {"type": "string"}
_INT = {"type": "integer", "minimum": 0}
_DATE = {"type": "string", "format": "date"}
_RATE = {"type": ["number", "null"], "minimum": 0, "maximum": 1}


_STATS_ROW = {
    "code": _STR, "name": _STR, "received": _INT, "replied": _INT, "on_time": _INT,
    "overdue_now": _INT, "rated": _INT, "satisfied": _INT,
    "ranked": {"type": "boolean", "description": "收件数达到最低件数、参与排名"},
    "rank": {"type": ["integer", "null"]},
    "reply_rate": {**_RATE, "description": "答复率 = 答复数 ÷ 收件数"},
    "on_time_rate": {**_RATE, "description": "按期答复率 = 按期答复数 ÷ 答复数"},
    "satisfaction_rate": {**_RATE, "description": "满意率 = (满意 + 基本满意) ÷ 评价数"},
    "mean_working_days": {"type": ["number", "null"], "description": "平均答复用时（工作日）"},
}

SCHEMAS: dict[str, Any] = {
    "Letter": obj({
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": [k.code for k in kinds.KINDS]}, "kind_label": _STR,
        "subject": _STR,
        "name": {"type": "string", "description": "留言人（已隐去，如 张**）"},
        "question": {"type": "string", "description": "留言内容（已隐去个人信息）"},
        "reply": _STR, "department": {"type": "string", "description": "答复部门"},
        "department_code": _STR,
        "received_on": {**_DATE, "description": "受理日期"},
        "replied_on": {**_DATE, "description": "答复日期"},
        "url": _STR,
    }),
    "Letters": obj({"total": _INT, "page": {"type": "integer", "minimum": 1},
                     "pages": {"type": "integer", "minimum": 1},
                     "per_page": {"type": "integer", "minimum": 1, "maximum": 50},
                     "items": {"type": "array", "items": ref("Letter")}}),
    "DepartmentStats": obj(_STATS_ROW),
    "Stats": obj({
        "period": obj({"from": {"type": ["string", "null"], "format": "date"},
                        "to": {"type": ["string", "null"], "format": "date"}}),
        "as_of": _DATE,
        "min_count": {"type": "integer", "description": "参与排名的最低收件数"},
        "departments": {"type": "array", "items": ref("DepartmentStats"),
                        "description": "参与排名的单位在前（按名次），其余按收件数"},
        "total": ref("DepartmentStats"),
        "undispatched": _INT, "rejected": _INT, "duplicates": _INT,
    }),
}

_LETTER_FILTERS = [
    query_param("kind", "留言类型代码", {"type": "string", "enum": [k.code for k in kinds.KINDS]}),
    query_param("department", "答复部门的机构代码", _STR),
    query_param("page", "页码", {"type": "integer", "minimum": 1, "default": 1}),
    query_param("per_page", "每页条数", {"type": "integer", "minimum": 1, "maximum": 50,
                                "default": 20}),
]

PATHS: dict[str, Any] = {
    "/letters": {"get": {
        "operationId": "listLetters", "summary": "公开信件（经提交人同意并审核后公开）",
        "parameters": _LETTER_FILTERS,
        "responses": {"200": json_response("Letters", "公开信件，按答复日期由新到旧")}}},
    "/letters/{letter_id}": {"get": {
        "operationId": "getLetter", "summary": "一件公开信件",
        "parameters": [{"name": "letter_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "responses": {"200": json_response("Letter", "公开信件"),
                      "404": error_response("不存在或已撤回")}}},
    "/stats": {"get": {
        "operationId": "getStats", "summary": "各单位留言办理统计",
        "parameters": [query_param("from", "受理日期起（YYYY-MM-DD），默认本年 1 月 1 日", _DATE),
                       query_param("to", "受理日期止（YYYY-MM-DD），默认今天", _DATE)],
        "responses": {"200": json_response("Stats", "统计数据"),
                      "400": error_response("日期格式错误或起止颠倒")}}},
}
