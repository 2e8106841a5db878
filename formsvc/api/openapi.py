"""The OpenAPI 3.1 document of /api/v1/, served at /api/v1/openapi.json.

Kept beside the views it describes; tests validate real responses against these schemas, so a
change to a response that is not made here fails the suite.
"""

from __future__ import annotations

import copy
from typing import Any

from formsvc.api.oas import error_response, json_response, obj, ref
from formsvc.domain import kinds
from formsvc.domain.ratings import RATINGS
from formsvc.letters import openapi as letters_openapi
from formsvc.search import openapi as search_openapi
from formsvc.services.lifecycle import STATUS_LABELS
from formsvc.web import health as health_openapi

STR = {"type": "string"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
BOOL = {"type": "boolean"}
NULLABLE_STR = {"type": ["string", "null"]}


SCHEMAS: dict[str, Any] = {
    "Error": obj({
        "code": {"type": "string", "pattern": "^[a-z_]+$",
                 "description": "stable machine-readable code, e.g. validation_failed"},
        "message": {"type": "string", "description": "说明（中文）"},
        "fields": {"type": "object", "additionalProperties": {
            "type": "array", "items": STR}, "description": "字段名 → 错误信息"},
    }, required=["code", "message"]),
    "KindField": obj({
        "name": STR, "label": STR, "type": STR, "required": BOOL, "hint": STR,
        "max_length": {"type": "integer"},
        "choices": {"type": "array", "items": obj({"value": STR, "label": STR})},
    }, required=["name", "label", "type", "required", "hint"]),
    "Kind": obj({
        "code": {"type": "string", "enum": [k.code for k in kinds.KINDS]},
        "label": STR, "description": STR,
        "time_limit": {"type": "integer", "description": "答复时限（工作日）"},
        "extension_limit": {"type": "integer", "description": "可延长的工作日数（0 为不可延长）"},
        "requires_confirmation": BOOL,
        "fields": {"type": "array", "items": ref("KindField")},
    }),
    "Kinds": obj({"kinds": {"type": "array", "items": ref("Kind")}}),
    "Department": obj({"code": STR, "name": STR, "short_name": STR, "kind": STR,
                        "accepts_disclosure_requests": BOOL}),
    "Departments": obj({"departments": {"type": "array", "items": ref("Department")}}),
    "Day": obj({
        "date": DATE, "weekday": STR,
        "reason": {"type": "string", "enum": ["weekday", "weekend", "holiday", "makeup"]},
        "name": STR, "label": STR,
        "source": {"type": "string", "enum": ["override", "chinesecalendar", "weekend-rule"]},
    }),
    "DueCount": obj({
        "basis": {"type": "string", "enum": ["submission", "extension", "reopen", "manual"],
                  "description": "答复期限的来由：受理时计算、批准延期、重新办理或督办员调整"},
        "start": {**DATE, "description": "起算日期（从次日起算）；督办员调整时为调整日期"},
        "working_days": {"type": ["integer", "null"],
                         "description": "计算的工作日数；督办员人工调整时为 null"},
        "due_date": DATE,
        "skipped": {"type": "array", "items": ref("Day"), "description": "未计入的周末和节假日"},
        "makeup_workdays": {"type": "array", "items": ref("Day"),
                            "description": "计入的调休上班日"},
        "warnings": {"type": "array", "items": STR},
        "explanation": STR,
    }),
    "NewMessage": {
        "type": "object",
        "required": ["kind", "phone", "subject", "content"],
        "properties": {
            "kind": {"type": "string", "enum": [k.code for k in kinds.KINDS]},
            "name": STR, "phone": {"type": "string", "examples": ["13812345678", "0123-6612345"]},
            "email": STR, "address": STR,
            "department": {"type": "string", "description": "机构代码；空或省略为“不确定”"},
            "subject": STR, "content": STR, "consent_publish": BOOL,
            "project": {"type": "string", "description": "招商项目 slug（仅 tz）"},
            "applicant_type": {"type": "string", "enum": ["citizen", "organization"]},
            "org_name": STR, "credit_code": STR, "legal_rep": STR,
            "id_type": {"type": "string", "enum": ["resident_id", "passport", "hk_macao_permit",
                                                   "taiwan_permit", "foreign_pr", "other"]},
            "id_number": STR, "doc_no": STR, "purpose": STR,
            "medium": {"type": "string", "enum": ["paper", "email", "disc", "other"]},
            "delivery": {"type": "string", "enum": ["post", "pickup", "email", "online"]},
            "confirmed": {"type": "boolean",
                          "description": "依申请公开必须为 true：申请人已确认申请内容"},
            "website": {"type": "string", "description": "防机器人字段，必须留空"},
        },
    },
    "Receipt": obj({
        "tracking_number": {"type": "string", "pattern": "^[A-Z]{2}\\d{8}-[2-9A-Z]{6}$"},
        "query_code": {"type": "string", "description": "只返回这一次，请妥善保存"},
        "kind": STR, "kind_label": STR,
        "status": {"type": "string", "enum": list(STATUS_LABELS)}, "status_label": STR,
        "submitted_at": DATETIME, "received_on": DATE, "due_date": DATE,
        "due": ref("DueCount"), "duplicate": BOOL, "department": STR,
    }),
    "Credentials": obj({"tracking_number": STR, "query_code": STR}),
    "Rating": obj({
        "tracking_number": STR, "query_code": STR,
        "rating": {"type": "string", "enum": list(RATINGS)},
        "comment": {"type": "string", "maxLength": 500},
    }, required=["tracking_number", "query_code", "rating"]),
    "TimelineEntry": obj({"at": DATETIME, "action": STR, "label": STR,
                           "status": {"type": "string", "enum": list(STATUS_LABELS)},
                           "status_label": STR, "note": STR}),
    "MessageStatus": obj({
        "tracking_number": STR, "kind": STR, "kind_label": STR, "subject": STR,
        "status": {"type": "string", "enum": list(STATUS_LABELS)}, "status_label": STR,
        "department": STR, "submitted_at": DATETIME, "received_on": DATE, "due_date": DATE,
        "due": ref("DueCount"), "duplicate": BOOL,
        "timeline": {"type": "array", "items": ref("TimelineEntry")},
        "reply": {"oneOf": [{"type": "null"}, obj({"text": STR, "replied_at": DATETIME})]},
        "rating": {"oneOf": [{"type": "null"}, obj({
            "value": {"type": "string", "enum": list(RATINGS)}, "label": STR, "comment": STR,
            "rated_at": {"type": ["string", "null"], "format": "date-time"}})]},
        "can_rate": BOOL,
    }),
}


def document() -> dict[str, Any]:
    """The OpenAPI document (a fresh dict: callers may modify it)."""
    post_json = lambda name: {  # noqa: E731
        "required": True, "content": {"application/json": {"schema": ref(name)}}}
    limited = error_response("请求过于频繁（按客户端地址限流）")
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
        "paths": {
            "/kinds": {"get": {
                "operationId": "listKinds", "summary": "留言类型、字段和答复时限",
                "responses": {"200": json_response("Kinds", "留言类型列表")}}},
            "/departments": {"get": {
                "operationId": "listDepartments", "summary": "可选择的办理单位",
                "responses": {"200": json_response("Departments", "机构列表")}}},
            "/messages": {"post": {
                "operationId": "createMessage", "summary": "提交留言或依申请公开申请",
                "requestBody": post_json("NewMessage"),
                "responses": {
                    "201": json_response("Receipt", "已保存：受理编号、查询码（只显示一次）和办理期限"),
                    "400": error_response("输入有误（fields 列出各字段的错误）"),
                    "413": error_response("请求过大"), "415": error_response("不是 JSON"),
                    "429": limited, "503": error_response("暂时无法保存，未保存任何内容")}}},
            "/track": {"post": {
                "operationId": "trackMessage", "summary": "凭受理编号和查询码查询办理进度",
                "requestBody": post_json("Credentials"),
                "responses": {
                    "200": json_response("MessageStatus", "办理状态、公开的办理过程、答复和评价"),
                    "400": error_response("缺少受理编号或查询码"),
                    "404": error_response("编号不存在或查询码错误（两种情况回答相同）"),
                    "413": error_response("请求过大"),
                    "415": error_response("不是 JSON"), "429": limited}}},
            "/rate": {"post": {
                "operationId": "rateReply", "summary": "评价答复（满意、基本满意、不满意）",
                "requestBody": post_json("Rating"),
                "responses": {
                    "200": json_response("MessageStatus", "已评价，留言办结"),
                    "400": error_response("评价值或意见有误"),
                    "404": error_response("编号不存在或查询码错误"),
                    "409": error_response("尚未答复或已经评价"),
                    "413": error_response("请求过大"),
                    "415": error_response("不是 JSON"), "429": limited}}},
        },
        "components": {"schemas": copy.deepcopy(SCHEMAS)},
    }
    # the letters, statistics and search blueprints keep their fragments beside their views
    for fragment in (letters_openapi, search_openapi, health_openapi):
        doc["paths"].update(copy.deepcopy(fragment.PATHS))
        doc["components"]["schemas"].update(copy.deepcopy(fragment.SCHEMAS))
    return doc
