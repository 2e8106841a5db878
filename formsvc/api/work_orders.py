"""``/api/v1/work-orders``: the 12345 platform pushes batches of work orders and polls their
status and replies back (an API key with the ``work_orders`` scope; formsvc/web/api_keys.py).

The batch format is the JSON Schema ``work_orders.schema.json`` beside this module, served at
``/api/v1/work-orders/schema.json`` with the kinds filled in; docs/api.md explains it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app, jsonify, request

from formsvc.api.blueprint import bp
from formsvc.api.messages import with_json_body
from formsvc.api.oas import COUNT, DATE, DATETIME, NULLABLE_STR, STR, error_response, obj, ref
from formsvc.config import county_zone
from formsvc.db import get_session, utcnow
from formsvc.forms import work_orders as orders_form
from formsvc.services import work_orders
from formsvc.services.lifecycle import STATUS_LABELS
from formsvc.web import api_keys, errors
from formsvc.web.extensions import client_address, submit_limited
from formsvc.web.runtime import calendar

SCHEMA_FILE = Path(__file__).with_name("work_orders.schema.json")


@cache
def _schema_file() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    return schema


def batch_schema() -> dict[str, Any]:
    """The batch format: the schema file with the kinds a work order may have filled in (from
    the kinds table, so a new kind needs no edit here)."""
    schema = json.loads(json.dumps(_schema_file()))
    item = schema["properties"]["orders"]["items"]
    item["properties"]["kind"]["enum"] = [k.code for k in orders_form.order_kinds()]
    return schema


def max_batch() -> int:
    """How many orders one batch may hold (the schema's ``maxItems``)."""
    return int(_schema_file()["properties"]["orders"]["maxItems"])


@bp.get("/work-orders/schema.json")
def work_order_schema() -> Any:
    """The JSON Schema of a batch of work orders (public: it is documentation)."""
    return jsonify(batch_schema())


@bp.post("/work-orders")
@submit_limited
@with_json_body
def import_work_orders(body: dict[str, Any]) -> Any:
    """Import a batch: each order created, found ``existing`` (same number) or ``invalid``."""
    orders = body.get("orders")
    extra = sorted(k for k in body if k != "orders")
    if not isinstance(orders, list) or not orders or len(orders) > max_batch() or extra:
        fields = {k: ["未知字段"] for k in extra}
        if not isinstance(orders, list) or not orders or len(orders) > max_batch():
            fields["orders"] = [f"应为包含 1 至 {max_batch()} 张工单的数组"]
        return errors.error_response(400, "validation_failed", "工单批次格式有误", fields=fields)
    key = api_keys.current_key()
    assert key is not None  # a key-only route (formsvc/web/api_keys.py)
    results = work_orders.import_batch(get_session(), current_app.config, orders,
                                       calendar=calendar(), api_key_id=key.id,
                                       client_ip=client_address())
    resp = jsonify({**work_orders.counts(results), "results": results})
    resp.headers["Cache-Control"] = "no-store"  # the query codes of the new messages
    return resp


@bp.get("/work-orders")
def export_work_orders() -> Any:
    """The work orders that changed in ``(since, until]``: status, department, reply once sent."""
    wrong: dict[str, list[str]] = {}
    now = utcnow()
    since = _moment(request.args.get("since"), wrong, "since")
    until = _moment(request.args.get("until"), wrong, "until") or now
    page = _number(request.args.get("page"), 1, wrong, "page")
    per_page = min(work_orders.MAX_PER_PAGE,
                   _number(request.args.get("per_page"), work_orders.PER_PAGE, wrong, "per_page"))
    if "since" not in request.args:
        wrong["since"] = ["必填：上次拉取返回的 until；首次拉取可填 1970-01-01T00:00:00+00:00"]
    if since is not None and until < since:
        wrong["until"] = ["不能早于 since"]
    if wrong or since is None:
        return errors.error_response(400, "invalid_parameter", "查询参数有误", fields=wrong)
    until = min(until, now)  # a later until would skip what happens until then
    found = work_orders.changed(get_session(), since, until, page, per_page)
    resp = jsonify({"since": since.isoformat(), "until": until.isoformat(), "total": found.total,
                    "page": found.page, "pages": found.pages, "per_page": per_page,
                    "items": found.items})
    resp.headers["Cache-Control"] = "no-store"  # callers' replies
    return resp


def _moment(value: str | None, wrong: dict[str, list[str]], name: str) -> datetime | None:
    """An ISO 8601 time; without a zone it is county time."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=county_zone(current_app.config))
        # in UTC, as stored; 0001-01-01T00:00+08:00 has no UTC time (before year 1)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):
        wrong[name] = ["应为 ISO 8601 时间，如 2026-12-06T09:00:00+08:00"]
        return None


def _number(value: str | None, default: int, wrong: dict[str, list[str]], name: str) -> int:
    if value is None:
        return default
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 100_000:
        wrong[name] = ["应为 1 至 100000 的整数"]
        return default
    return int(value)


# --- OpenAPI -------------------------------------------------------------------------------------

_STATUS = {"type": "string", "enum": list(STATUS_LABELS)}
_FIELDS = {"type": "object", "additionalProperties": {"type": "array", "items": STR}}


def _openapi_batch() -> dict[str, Any]:
    # the schema file is JSON Schema 2020-12, which OpenAPI 3.1 uses as is
    return {k: v for k, v in batch_schema().items() if k not in ("$schema", "$id")}


SCHEMAS: dict[str, Any] = {
        "WorkOrderBatch": _openapi_batch(),
        "WorkOrderResult": obj({
            "index": COUNT,
            "external_id": NULLABLE_STR,
            "result": {"type": "string", "enum": list(work_orders.RESULTS)},
            "tracking_number": STR,
            "query_code": {"type": "string", "description": "仅 created 返回，只返回这一次"},
            "status": _STATUS, "status_label": STR,
            "fields": {**_FIELDS, "description": "仅 invalid：字段 → 错误说明"},
            "message": STR,
        }, required=["index", "external_id", "result"], additional=True),
        "WorkOrderImport": obj({
            **{name: COUNT for name in work_orders.RESULTS},
            "results": {"type": "array", "items": ref("WorkOrderResult")},
        }),
        "WorkOrderState": obj({
            "external_id": STR, "tracking_number": STR, "status": _STATUS, "status_label": STR,
            "department": STR, "department_code": STR, "due_date": DATE,
            "reply_text": {**NULLABLE_STR, "description": "答复发出后才有"},
            "replied_at": {"type": ["string", "null"], "format": "date-time"},
            "changed_at": DATETIME,
        }),
        "WorkOrderChanges": obj({
            "since": DATETIME, "until": {**DATETIME, "description": "下次拉取以此为 since"},
            "total": COUNT, "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": work_orders.MAX_PER_PAGE},
            "items": {"type": "array", "items": ref("WorkOrderState")},
        }),
}


def _param(name: str, description: str, schema: dict[str, Any],
           required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema}


PATHS: dict[str, Any] = {
    "/work-orders": {
        "post": {
            "operationId": "importWorkOrders", "summary": "推送一批 12345 工单（幂等）",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": ref("WorkOrderBatch")}}},
            "responses": {
                "200": {"description": "逐张工单的结果：created、existing、invalid 或 failed",
                        "content": {"application/json": {"schema": ref("WorkOrderImport")}}},
                "400": error_response("批次格式有误（不是 orders 数组或工单过多）"),
                "413": error_response("请求过大"), "415": error_response("不是 JSON"),
                "429": error_response("超过该密钥的频率限制")}},
        "get": {
            "operationId": "exportWorkOrders", "summary": "拉取 12345 工单的办理状态和答复",
            "parameters": [
                _param("since", "上次拉取返回的 until（不含）", DATETIME, required=True),
                _param("until", "截止时间（含）；省略为现在", DATETIME),
                _param("page", "页码", {"type": "integer", "minimum": 1, "maximum": 100000}),
                _param("per_page", "每页条数", {"type": "integer", "minimum": 1,
                                             "maximum": work_orders.MAX_PER_PAGE}),
            ],
            "responses": {
                "200": {"description": "时间窗口内有变化的工单",
                        "content": {"application/json": {"schema": ref("WorkOrderChanges")}}},
                "400": error_response("查询参数有误")}},
    },
    "/work-orders/schema.json": {"get": {
        "operationId": "workOrderSchema", "summary": "工单批次的 JSON Schema",
        "responses": {"200": {"description": "JSON Schema 2020-12",
                              "content": {"application/json": {"schema": {"type": "object"}}}}}}},
}
