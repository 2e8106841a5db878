"""``GET /api/v1/letters`` and ``/letters/<id>``: the public letter box (published, masked
letters only; read from the ``letter`` table alone)."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request

from formsvc.api.blueprint import bp
from formsvc.api.oas import COUNT, DATE, STR, error_response, json_response, obj, query_param, ref
from formsvc.db import get_session
from formsvc.domain import kinds
from formsvc.services import departments, letters
from formsvc.web import errors
from formsvc.web.filters import MAX_ID, letter_filter_errors, letter_filters

MAX_PER_PAGE = 50


@bp.get("/letters")
def list_letters() -> Any:
    """One page of published letters, newest reply first (?kind=&department=&page=&per_page=)."""
    wrong = letter_filter_errors(
        request.args, lambda code: departments.by_code(get_session(), code) is not None,
        MAX_PER_PAGE)
    if wrong:
        return errors.error_response(400, "invalid_parameter", "查询参数有误", fields=wrong)
    f = letter_filters(request.args)
    per_page = min(MAX_PER_PAGE, max(1, request.args.get("per_page", letters.PER_PAGE, type=int)
                                     or letters.PER_PAGE))
    page = letters.published(get_session(), f.kind, f.department, f.page, per_page)
    return jsonify({"total": page.total, "page": page.page, "pages": page.pages,
                    "per_page": per_page, "items": [letters.public_dict(x) for x in page.letters]})


@bp.get("/letters/<int:letter_id>")
def get_letter(letter_id: int) -> Any:
    """One published letter; 404 when it does not exist or was withdrawn."""
    letter = letters.get(get_session(), letter_id) if letter_id <= MAX_ID else None
    if letter is None:
        return errors.error_response(404, "not_found", "该公开信件不存在或已撤回")
    return jsonify(letters.public_dict(letter))


# --- OpenAPI -------------------------------------------------------------------------------------

_KIND = {"type": "string", "enum": [k.code for k in kinds.KINDS]}

SCHEMAS: dict[str, Any] = {
    "Letter": obj({
        "id": {"type": "integer"},
        "kind": _KIND, "kind_label": STR,
        "subject": STR,
        "name": {"type": "string", "description": "留言人（已隐去，如 张**）"},
        "question": {"type": "string", "description": "留言内容（已隐去个人信息）"},
        "reply": STR, "department": {"type": "string", "description": "答复部门"},
        "department_code": STR,
        "received_on": {**DATE, "description": "受理日期"},
        "replied_on": {**DATE, "description": "答复日期"},
        "url": STR,
    }),
    "Letters": obj({"total": COUNT, "page": {"type": "integer", "minimum": 1},
                     "pages": {"type": "integer", "minimum": 1},
                     "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                     "items": {"type": "array", "items": ref("Letter")}}),
}

PATHS: dict[str, Any] = {
    "/letters": {"get": {
        "operationId": "listLetters", "summary": "公开信件（经提交人同意并审核后公开）",
        "parameters": [
            query_param("kind", "留言类型代码", _KIND),
            query_param("department", "答复部门的机构代码", STR),
            query_param("page", "页码", {"type": "integer", "minimum": 1, "maximum": MAX_ID,
                                       "default": 1}),
            query_param("per_page", "每页条数", {"type": "integer", "minimum": 1,
                                             "maximum": MAX_PER_PAGE,
                                             "default": letters.PER_PAGE}),
        ],
        "responses": {"200": json_response("Letters", "公开信件，按答复日期由新到旧"),
                      "400": error_response("查询参数有误（code 为 invalid_parameter，fields "
                                            "列出各参数）：未知的类型或机构代码、页码不是正整数")}}},
    "/letters/{letter_id}": {"get": {
        "operationId": "getLetter", "summary": "一件公开信件",
        "parameters": [{"name": "letter_id", "in": "path", "required": True,
                        "schema": {"type": "integer"}}],
        "responses": {"200": json_response("Letter", "公开信件"),
                      "404": error_response("不存在或已撤回")}}},
}
