"""Open311 GeoReport v2 under ``/open311/v2/`` (JSON only): the message kinds as services, the
public facts of requests, and filing a request with an API key.

    GET  services.json                       the kinds that are services (domain/open311.py)
    GET  requests.json                       public facts of requests (services/open311.py)
    GET  requests/<service_request_id>.json  one of them
    POST requests.json                       file a message (API key with the submit scope)

The spec sends ``api_key`` as a form field; here the key goes in the ``Authorization: Bearer``
header like everywhere else in the API (a key never travels in a body that may be logged or
echoed). Errors are the spec's ``[{"code": 400, "description": "…"}]`` (formsvc/web/errors.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, current_app, jsonify, request
from werkzeug.datastructures import MultiDict

from formsvc.api import messages
from formsvc.api.oas import DATETIME, STR, obj, query_param, ref
from formsvc.db import get_session, utcnow
from formsvc.domain import kinds, open311
from formsvc.forms import make_form
from formsvc.forms.text import clean_text
from formsvc.services import codes, departments
from formsvc.services import open311 as requests_query
from formsvc.web import errors
from formsvc.web.extensions import submit_limited
from formsvc.web.runtime import projects

PREFIX = "/open311/v2"
bp = Blueprint("open311", __name__, url_prefix=PREFIX)
# at most this many ids in one service_request_id filter
MAX_IDS = 100
# message form field → the Open311 field it is filled from (errors name the Open311 field)
OPEN311_FIELDS = {"content": "description", "subject": "description", "name": "first_name",
                  "phone": "phone", "email": "email", "department": "department"}


def _error(status: int, description: str) -> Any:
    return errors.error_response(status, message=description)


@bp.get("/services.json")
def services() -> Any:
    """The message kinds that are Open311 services."""
    return jsonify([open311.service_dict(s) for s in open311.SERVICES])


@bp.get("/requests.json")
def list_requests() -> Any:
    """Public facts of requests (?service_request_id= | service_code, start_date, end_date,
    status), newest first; by default those of the last 90 days."""
    try:
        query = _query(request.args)
    except ValueError as exc:
        return _error(400, str(exc))
    return jsonify(requests_query.find(get_session(), query))


@bp.get("/requests/<service_request_id>.json")
def get_request(service_request_id: str) -> Any:
    """One request, as a list of one (as the spec answers)."""
    found = requests_query.find(get_session(), requests_query.Query(
        numbers=[service_request_id])) if codes.NUMBER_RE.fullmatch(service_request_id) else []
    if not found:
        return _error(404, "没有该编号的诉求，或该类诉求不通过 Open311 公开")
    return jsonify(found)


def _csv(args: MultiDict[str, str], name: str) -> list[str]:
    return [part.strip() for value in args.getlist(name) for part in value.split(",")
            if part.strip()]


def _datetime(args: MultiDict[str, str], name: str) -> datetime | None:
    value = args.get(name, "").strip()
    if not value:
        return None
    try:
        # W3C datetime, e.g. 2010-01-01T00:00:00Z; without a zone it is read as UTC
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} 应为 W3C 日期时间，如 2026-01-01T00:00:00+08:00") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _query(args: MultiDict[str, str]) -> requests_query.Query:
    """The checked filters; ValueError with the Chinese reason for a bad one."""
    numbers = _csv(args, "service_request_id")
    if numbers:  # the spec: it overrides every other filter
        if len(numbers) > MAX_IDS:
            raise ValueError(f"service_request_id 一次最多 {MAX_IDS} 个")
        return requests_query.Query(numbers=[n[:32] for n in numbers])
    codes = _csv(args, "service_code")
    unknown = [c for c in codes if c not in open311.SERVICES_BY_CODE]
    if unknown:
        raise ValueError("未知的 service_code：" + "、".join(unknown[:5]))
    statuses = _csv(args, "status")
    if any(s not in (open311.OPEN, open311.CLOSED) for s in statuses):
        raise ValueError("status 应为 open 或 closed（可用逗号分隔）")
    start, end = _datetime(args, "start_date"), _datetime(args, "end_date")
    span = timedelta(days=requests_query.MAX_SPAN_DAYS)
    if start is None and end is None:
        end = utcnow()
    try:
        if start is None:
            start = end - span  # type: ignore[operator]
        elif end is None:
            end = start + span
    except OverflowError:  # 0001-01-01 less 90 days, 9999-12-31 plus 90 days
        raise ValueError("start_date 或 end_date 超出可查询的日期范围") from None
    if end < start:
        raise ValueError("end_date 不能早于 start_date")
    if end - start > span:
        raise ValueError(f"start_date 与 end_date 相隔不能超过 {requests_query.MAX_SPAN_DAYS} 天")
    return requests_query.Query(service_codes=codes, start=start, end=end, statuses=statuses)


@bp.post("/requests.json")
@submit_limited
def create_request() -> Any:
    """File a message from a GeoReport v2 request (form-encoded); 201 with
    ``[{service_request_id, service_notice, account_id, query_code}]``."""
    # formsvc/web/api_keys.py has refused a request without a key or without the submit scope
    form_in = request.form
    service = open311.SERVICES_BY_CODE.get(form_in.get("service_code", ""))
    if service is None:
        return _error(400, "service_code 不正确，可用的服务见 services.json：" + "、".join(
            s.kind for s in open311.SERVICES))
    kind = kinds.KINDS_BY_CODE[service.kind]
    form = make_form(kind, current_app.config, departments.active(get_session()), projects(),
                     formdata=_formdata(form_in), meta={"csrf": False})
    if not form.validate():
        return errors.error_response(400, message="提交的信息有误", fields={
            OPEN311_FIELDS.get(name, name): msgs for name, msgs in form.field_errors().items()})
    receipt = messages.store(form)
    if receipt is None:
        return _error(503, "系统暂时无法保存，诉求没有被保存，请稍后重试")
    resp = jsonify([{
        "service_request_id": receipt.tracking_number,
        "service_notice": f"已受理，请于 {receipt.count.due.isoformat()} 前答复；"
                          "凭受理编号和查询码查询进度",
        "account_id": None,
        "query_code": receipt.query_code,
    }])
    resp.status_code = 201
    resp.headers["Cache-Control"] = "no-store"  # the query code is a secret
    return resp


def _formdata(form_in: MultiDict[str, str]) -> MultiDict[str, str]:
    """The GeoReport fields as the message form's: name from first and last name, the subject
    from the description's first line, the location appended to the content."""
    text = {name: clean_text(form_in.get(name, "")) for name in (
        "first_name", "last_name", "phone", "email", "address_string", "lat", "long")}
    description = clean_text(form_in.get("description", ""), multiline=True)
    first, last = text["first_name"], text["last_name"]
    # 姓 before 名 in Chinese; "First Last" for a Latin-script name
    name = f"{first} {last}".strip() if (first + last).isascii() else last + first
    location = text["address_string"] or (
        f"{text['lat']}, {text['long']}" if text["lat"] and text["long"] else "")
    content = f"{description}\n\n地点：{location}" if description and location else description
    subject = description.splitlines()[0] if description else ""
    return MultiDict({
        "name": name, "phone": text["phone"], "email": text["email"],
        "subject": subject[:current_app.config["SUBJECT_MAX"]], "content": content,
        "department": clean_text(form_in.get("department", "")),
    })


# --- OpenAPI -------------------------------------------------------------------------------------

_SERVERS = [{"url": PREFIX, "description": "Open311 GeoReport v2"}]
_CODE = {"type": "string", "enum": [s.kind for s in open311.SERVICES]}
_NULL_STR = {"type": ["string", "null"]}
_MAPPING = ("状态对照（formsvc/domain/open311.py）：" + "；".join(
    f"{status} → {mapped}" for status, mapped in open311.STATUSES.items())
    + "。服务即留言类型：" + "；".join(
    f"{s.kind}（{kinds.label(s.kind)}）" for s in open311.SERVICES) + "；依申请公开不经 Open311")
_ERRORS = {"type": "array", "items": obj({"code": {"type": "integer"}, "description": STR})}


def error_response(description: str) -> dict[str, Any]:
    """An Open311 error response of the OpenAPI document: ``[{code, description}]``."""
    return {"description": description, "content": {"application/json": {"schema": _ERRORS}}}


def _list(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {
        "schema": {"type": "array", "items": ref(schema)}}}}


SCHEMAS: dict[str, Any] = {
    "Open311Service": obj({
        "service_code": _CODE, "service_name": STR, "description": STR,
        "metadata": {"type": "boolean", "const": False}, "type": {"const": "realtime"},
        "keywords": STR, "group": STR}),
    "Open311Request": obj({
        "service_request_id": {**STR, "description": "受理编号"},
        "status": {"type": "string", "enum": [open311.OPEN, open311.CLOSED],
                   "description": _MAPPING},
        "status_notes": {**STR, "description": "办理状态（中文）"},
        "service_name": STR, "service_code": _CODE,
        "description": {**_NULL_STR, "description": "公开信件的留言内容（已隐去个人信息）；未公开时为 null"},
        "agency_responsible": {**_NULL_STR, "description": "承办单位名称"},
        "service_notice": {"type": "null"},
        "requested_datetime": DATETIME,
        "updated_datetime": {**DATETIME, "description": "最近一次办理记录的时间"},
        **{name: {"type": "null", "description": "不公开"} for name in (
            "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
            "media_url")},
    }),
    "Open311Receipt": obj({
        "service_request_id": {**STR, "description": "受理编号"},
        "service_notice": STR, "account_id": {"type": "null"},
        "query_code": {**STR, "description": "查询码（扩展字段，只返回这一次；请转交留言人）"}}),
}

PATHS: dict[str, Any] = {
    "/services.json": {"servers": _SERVERS, "get": {
        "operationId": "open311Services", "summary": "Open311：服务列表（留言类型）",
        "responses": {"200": _list("Open311Service", "服务")}}},
    "/requests.json": {"servers": _SERVERS, "get": {
        "operationId": "open311Requests",
        "summary": "Open311：诉求的公开信息（默认最近 90 天，按受理时间由新到旧）",
        "description": _MAPPING,
        "parameters": [
            query_param("service_request_id", "受理编号，可用逗号分隔多个；给出时忽略其他条件", STR),
            query_param("service_code", "服务代码，可用逗号分隔多个", STR),
            query_param("start_date", "最早受理时间（W3C 日期时间）", DATETIME),
            query_param("end_date", "最晚受理时间（W3C 日期时间），与 start_date 相隔不超过 90 天",
                        DATETIME),
            query_param("status", "open 或 closed，可用逗号分隔", STR),
        ],
        "responses": {"200": _list("Open311Request", "诉求"),
                      "400": error_response("查询参数有误：未知的服务代码或状态、日期格式错误或跨度超过 90 天")}},
        "post": {
            "operationId": "open311CreateRequest",
            "summary": "Open311：提交诉求（需 submit 权限的 API 密钥，以 Bearer 头发送，"
                       "不接受 api_key 表单字段）",
            "requestBody": {"required": True, "content": {
                "application/x-www-form-urlencoded": {"schema": obj({
                    "service_code": _CODE,
                    "description": {**STR, "description": "内容；首行作为标题"},
                    "first_name": STR, "last_name": STR, "phone": STR, "email": STR,
                    "address_string": {**STR, "description": "地点，附在内容末尾"},
                    "lat": STR, "long": STR,
                    "department": {**STR, "description": "扩展字段：办理单位代码，留空由分办"},
                }, required=["service_code", "description", "phone"], additional=True)}}},
            "responses": {"201": _list("Open311Receipt", "已受理"),
                          "400": error_response("服务代码或字段有误"),
                          "429": error_response("超过该密钥的提交限额")}}},
    "/requests/{service_request_id}.json": {"servers": _SERVERS, "get": {
        "operationId": "open311Request", "summary": "Open311：一件诉求",
        "parameters": [{"name": "service_request_id", "in": "path", "required": True,
                        "schema": {"type": "string", "pattern": codes.NUMBER_RE.pattern}}],
        "responses": {"200": _list("Open311Request", "一件诉求（列表中的一项）"),
                      "404": error_response("编号不存在或该类诉求不经 Open311 公开")}}},
}
