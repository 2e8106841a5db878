"""The OpenAPI 3.1 document of /api/v1/, served at /api/v1/openapi.json.

Each resource module of this package declares the paths and schemas of its routes beside them;
this module adds the shared ``Error`` schema and merges them. Tests validate real responses
against the document, so a change to a response that is not described fails the suite.
"""

from __future__ import annotations

import copy
from typing import Any

from flask import jsonify

from formsvc.api import open311
from formsvc.api.blueprint import bp
from formsvc.api.oas import STR, error_response, obj
from formsvc.api.resources import RESOURCES
from formsvc.web import api_keys

KEY_SCHEME = "apiKey"


ERROR_SCHEMA: dict[str, Any] = obj({
    "code": {"type": "string", "pattern": "^[a-z_]+$",
             "description": "stable machine-readable code, e.g. validation_failed"},
    "message": {"type": "string", "description": "说明（中文）"},
    "fields": {"type": "object", "additionalProperties": {"type": "array", "items": STR},
               "description": "字段名 → 错误信息"},
}, required=["code", "message"])


def document() -> dict[str, Any]:
    """The OpenAPI document (a fresh dict: callers may modify it)."""
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {
            "title": "示范县人民政府 互动交流 API",
            "version": "1.0.0",
            "description": "咨询、建议、投诉、投资咨询和依申请公开的提交与查询，公开信件、办理统计和"
                           "站内搜索。错误均为 JSON："
                           "{code, message, fields}，code 为稳定的英文标识，message 为中文说明。",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {},
        "components": {"schemas": {"Error": copy.deepcopy(ERROR_SCHEMA)}},
    }
    for resource in RESOURCES:
        doc["paths"].update(copy.deepcopy(resource.PATHS))
        doc["components"]["schemas"].update(copy.deepcopy(resource.SCHEMAS))
    _add_key_security(doc)
    return doc


def _add_key_security(doc: dict[str, Any]) -> None:
    """Every operation may be called with or without a key (formsvc/web/api_keys.py): a bad key is
    a 401 everywhere, a key without the operation's scope a 403 where one is needed."""
    doc["components"]["securitySchemes"] = {KEY_SCHEME: {
        "type": "http", "scheme": "bearer",
        "description": "对接系统的 API 密钥（cpk_…），由管理员创建；不带密钥时按客户端地址限流"}}
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method == "servers":
                continue
            scope = api_keys.REQUIRED_SCOPES.get((method, path))
            keyed = {KEY_SCHEME: [scope] if scope else []}
            op["security"] = [keyed] if (method, path) in api_keys.KEY_REQUIRED else [{}, keyed]
            # open311's paths carry their own servers entry (/open311/v2) and its error format
            error = open311.error_response if "servers" in ops else error_response
            op["responses"]["401"] = error("API 密钥无效、格式错误或已吊销")
            if scope:
                op["responses"]["403"] = error(f"API 密钥没有 {scope} 权限")


@bp.get("/openapi.json")
def openapi_json() -> Any:
    """This document."""
    return jsonify(document())
