"""``POST /api/v1/messages``, ``/track`` and ``/rate``: submit a message, follow it, rate the
reply; the same forms and services as the HTML pages, answers in JSON."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, jsonify, request
from werkzeug.datastructures import MultiDict

from formsvc.api.blueprint import bp
from formsvc.api.oas import BOOL, DATE, DATETIME, STR, error_response, json_response, obj, ref
from formsvc.db import get_session
from formsvc.domain import consent, kinds
from formsvc.domain.applicants import APPLICANT_TYPES, ORG_TYPES
from formsvc.domain.procedure import PAUSE_LABELS
from formsvc.domain.ratings import RATINGS
from formsvc.forms import HONEYPOT, json_types, make_form, to_new_message
from formsvc.forms.fields import DELIVERIES, FIELDS, ID_TYPES, MEDIA
from formsvc.forms.text import clean_text
from formsvc.services import departments, submission, tracking
from formsvc.services.lifecycle import STATUS_LABELS
from formsvc.web import api_keys, errors
from formsvc.web.extensions import client_address, submit_limited, track_limited
from formsvc.web.runtime import calendar, projects

_TEXT_TYPES = (str, int, float)


def with_json_body(view: Callable[..., Any]) -> Callable[..., Any]:
    """The view is called with the request's JSON object (and the route's variables); without
    one the client gets the error answer (415 not JSON, 413 too large, 400 not an object)."""

    @wraps(view)
    def parsed(**route_args: Any) -> Any:
        body = _json_body()
        return body if isinstance(body, tuple) else view(body, **route_args)

    return parsed


def _json_body() -> dict[str, Any] | tuple[Any, int]:
    if not request.is_json:
        return errors.error_response(415)
    limit = request.max_content_length
    # a chunked body has no Content-Length to refuse up front; werkzeug stops reading at the
    # limit and hands over the truncated part, which is a body too large, not "invalid JSON"
    if request.content_length is None and limit and len(request.get_data()) >= limit:
        return errors.error_response(413)
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # "[[[[…" nested deeper than the parser's stack: bad input, not a 500
        body = None
    if not isinstance(body, dict):
        return errors.error_response(400, "invalid_json", "请求体应为 JSON 对象")
    return body


# What a client is told when a value has the wrong JSON type, per JSON type of the field.
TYPE_MESSAGES = {
    "boolean": "应为 JSON 布尔值 true 或 false",
    "choice": "应为字符串，取值见 /api/v1/kinds",
    "text": "应为字符串",
}


def _formdata(body: dict[str, Any],
              types: dict[str, str]) -> tuple[MultiDict[str, str], dict[str, list[str]]]:
    """JSON values as form strings, and the fields whose value has the wrong JSON type.

    Never a guess: a boolean is only ``true``/``false`` (``0``, ``"no"``, ``"否"`` would each
    read as a ticked checkbox once made a string) and a choice only a string; ``null`` is
    refused for both. A text field takes a string or a number; its ``null`` means "not given".
    """
    out: MultiDict[str, str] = MultiDict()
    wrong: dict[str, list[str]] = {}
    for key, value in body.items():
        json_type = types.get(key, "text")
        if json_type == "boolean":
            ok = isinstance(value, bool)
            if value is True:
                out[key] = "y"
        elif json_type == "choice":
            ok = isinstance(value, str)
            if ok:
                out[key] = value
        else:
            ok = value is None or (isinstance(value, _TEXT_TYPES) and not isinstance(value, bool))
            if ok and value is not None:
                out[key] = str(value)
        if not ok:
            wrong[key] = [TYPE_MESSAGES[json_type]]
    return out, wrong


@bp.post("/messages")
@submit_limited
@with_json_body
def create_message(body: dict[str, Any]) -> Any:
    """Validate and store one message; 201 with the receipt (the query code shown only once)."""
    kind = kinds.get(str(body.get("kind", "")))
    if kind is None:
        return errors.error_response(
            400, "invalid_kind", "请指定留言类型 kind：" + "、".join(
                f"{k.code}（{k.label}）" for k in kinds.KINDS), fields={"kind": ["留言类型不正确"]})
    if body.get(HONEYPOT):
        return errors.error_response(400, "spam_suspected", "提交未被受理：website 字段应留空")
    known = {"kind", "confirmed", HONEYPOT, *FIELDS}
    types = {**json_types(current_app.config), "confirmed": "boolean"}
    formdata, wrong = _formdata({k: v for k, v in body.items() if k in known and k != "kind"},
                                types)
    if wrong:
        return errors.error_response(400, "validation_failed", "提交的信息有误：字段类型不正确",
                                     fields=wrong)
    if kind.confirm_step and body.get("confirmed") is not True:
        # Art. 31: an online request is received when both sides confirm; the client must show
        # the applicant a review of the request and send confirmed: true
        return errors.error_response(
            400, "confirmation_required",
            "依申请公开须经申请人确认：请向申请人展示申请内容，确认后以 confirmed: true 提交",
            fields={"confirmed": ["请确认申请内容"]})
    formdata.pop("confirmed", None)
    form = make_form(kind, current_app.config, departments.active(get_session()), projects(),
                     formdata=formdata, meta={"csrf": False})
    if not form.validate():
        return errors.error_response(400, "validation_failed", "提交的信息有误，请按提示修改",
                                     fields=form.field_errors())
    receipt = store(form)
    if receipt is None:
        return errors.error_response(503, "submission_failed",
                                     "系统暂时无法保存，留言没有被保存，请稍后重试")
    resp = jsonify(receipt.as_dict())
    resp.status_code = 201
    resp.headers["Cache-Control"] = "no-store"  # the query code is a secret
    return resp


def store(form: Any) -> submission.Receipt | None:
    """Store the validated form of an API submission (this request's key's channel, consent
    given through the API, the audit line naming the message); None when it could not be saved
    (nothing was)."""
    data = to_new_message(form, consent.API)
    data.channel, data.api_key_id = api_keys.message_channel()
    try:
        receipt = submission.submit(get_session(), current_app.config, data, [],
                                    calendar=calendar(), client_ip=client_address())
    except submission.SubmissionFailed:
        return None
    api_keys.note_message(receipt.tracking_number)
    return receipt


def _credentials(body: dict[str, Any]) -> tuple[str, str, dict[str, list[str]]]:
    # cleaned like form input: a lone surrogate in the JSON would otherwise reach the hash as
    # text that cannot be encoded (a 500)
    number = clean_text(body["tracking_number"]) if isinstance(
        body.get("tracking_number"), str) else ""
    code = clean_text(body["query_code"]) if isinstance(body.get("query_code"), str) else ""
    fields: dict[str, list[str]] = {}
    for name, value, missing in (("tracking_number", number, "请填写受理编号"),
                                 ("query_code", code, "请填写查询码")):
        if body.get(name) is not None and not isinstance(body[name], str):
            fields[name] = [TYPE_MESSAGES["text"]]
        elif not value:
            fields[name] = [missing]
    return number, code, fields


def _status(message: Any) -> Any:
    resp = jsonify(tracking.public_view(message, current_app.config, calendar()))
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _not_found() -> Any:
    # the same answer for an unknown number and a wrong code
    return errors.error_response(404, tracking.NotFound.code, tracking.NOT_FOUND_MESSAGE)


@bp.post("/track")
@track_limited
@with_json_body
def track(body: dict[str, Any]) -> Any:
    """The message's status, public timeline, reply and due date, by number and query code."""
    number, code, fields = _credentials(body)
    if fields:
        return errors.error_response(400, "validation_failed", "请填写受理编号和查询码",
                                     fields=fields)
    try:
        message = tracking.find(get_session(), number, code)
    except tracking.NotFound:
        return _not_found()
    return _status(message)


@bp.post("/rate")
@track_limited
@with_json_body
def rate(body: dict[str, Any]) -> Any:
    """Rate the reply (满意, 基本满意, 不满意); this closes the message."""
    number, code, fields = _credentials(body)
    rating = body.get("rating")
    comment = body.get("comment")
    comment = "" if comment is None else comment  # null: no comment; 0, false, [] are refused
    if not isinstance(rating, str) or rating not in RATINGS:
        choices = [f"{value}（{label}）" for value, label in RATINGS.items()]
        fields["rating"] = ["评价应为 " + "、".join(choices[:-1]) + "或 " + choices[-1]]
    if not isinstance(comment, str):
        fields["comment"] = [TYPE_MESSAGES["text"]]
    if fields:
        return errors.error_response(400, "validation_failed", "提交的信息有误，请按提示修改",
                                     fields=fields)
    try:
        message = tracking.rate(get_session(), number, code, rating,
                                clean_text(comment, multiline=True))
    except tracking.NotFound:
        return _not_found()
    except tracking.RatingError as exc:
        status = 400 if exc.code in ("invalid_rating", "comment_too_long") else 409
        return errors.error_response(status, exc.code, exc.message)
    return _status(message)


# --- OpenAPI -------------------------------------------------------------------------------------

_STATUS = {"type": "string", "enum": list(STATUS_LABELS)}
_LIMITED = error_response("请求过于频繁（按客户端地址限流）")


def _enum(pairs: tuple[tuple[str, str], ...]) -> dict[str, Any]:
    return {"type": "string", "enum": [value for value, _ in pairs]}


def _post_json(name: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": ref(name)}}}


SCHEMAS: dict[str, Any] = {
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
            "subject": STR, "content": STR,
            "consent_publish": {**BOOL, "description": "同意在公开信件栏目公开；省略为 false。只接受 "
                                "true 或 false：0、\"0\"、\"no\"、\"否\"、null 等返回 400 "
                                "validation_failed"},
            "notify_sms": {**BOOL, "description": "短信通知：受理回执（受理编号和查询码）、答复提醒和"
                           "补正通知同时发到 phone（须为手机号码）；省略为 false。只接受 true 或 "
                           "false"},
            "project": {"type": "string", "description": "招商项目 slug（仅 tz）"},
            "applicant_type": _enum(APPLICANT_TYPES),
            "org_type": {**_enum(ORG_TYPES),
                         "description": "组织类型（申请人为法人或其他组织时必填），年度报告按此分列"},
            "org_name": STR, "credit_code": STR, "legal_rep": STR,
            "id_type": _enum(ID_TYPES),
            "id_number": STR, "doc_no": STR, "purpose": STR,
            "medium": _enum(MEDIA),
            "delivery": _enum(DELIVERIES),
            "confirmed": {"type": "boolean",
                          "description": "依申请公开必须为 true：申请人已确认申请内容；"
                                         "只接受 true 或 false"},
            HONEYPOT: {"type": "string", "description": "防机器人字段，必须留空"},
        },
    },
    "Receipt": obj({
        "tracking_number": {"type": "string", "pattern": "^[A-Z]{2}\\d{8}-[2-9A-Z]{6}$"},
        "query_code": {"type": "string", "description": "只返回这一次，请妥善保存"},
        "kind": STR, "kind_label": STR, "status": _STATUS, "status_label": STR,
        "submitted_at": DATETIME, "received_on": DATE, "due_date": DATE,
        "due": ref("DueCount"), "duplicate": BOOL, "department": STR,
    }),
    "Credentials": obj({"tracking_number": STR, "query_code": STR}),
    "Rating": obj({
        "tracking_number": STR, "query_code": STR,
        "rating": {"type": "string", "enum": list(RATINGS)},
        "comment": {"type": "string", "maxLength": tracking.RATING_COMMENT_MAX},
    }, required=["tracking_number", "query_code", "rating"]),
    "TimelineEntry": obj({"at": DATETIME, "action": STR, "label": STR, "status": _STATUS,
                           "status_label": STR, "note": STR}),
    "MessageStatus": obj({
        "tracking_number": STR, "kind": STR, "kind_label": STR, "subject": STR,
        "status": _STATUS, "status_label": STR,
        "department": STR, "submitted_at": DATETIME, "received_on": DATE, "due_date": DATE,
        "due": ref("DueCount"), "duplicate": BOOL,
        "timeline": {"type": "array", "items": ref("TimelineEntry")},
        "reply": {"oneOf": [{"type": "null"}, obj({"text": STR, "replied_at": DATETIME})]},
        "rating": {"oneOf": [{"type": "null"}, obj({
            "value": {"type": "string", "enum": list(RATINGS)}, "label": STR, "comment": STR,
            "rated_at": {"type": ["string", "null"], "format": "date-time"}})]},
        "can_rate": BOOL,
        # 依申请公开: the clock stopped by a 补正 or a third party's consultation (Art. 30, 32)
        "pause": {"oneOf": [{"type": "null"}, obj({
            "kind": {"type": "string", "enum": list(PAUSE_LABELS)}, "label": STR, "since": DATE,
            "explanation": STR,
            "reason": {"type": "string", "description": "需要补正的事项（仅补正）"},
            "answer_due": {**DATE, "description": "补正截止日期（仅补正）"},
        }, required=["kind", "label", "since", "explanation"])]},
    }),
}

PATHS: dict[str, Any] = {
    "/messages": {"post": {
        "operationId": "createMessage", "summary": "提交留言或依申请公开申请",
        "requestBody": _post_json("NewMessage"),
        "responses": {
            "201": json_response("Receipt", "已保存：受理编号、查询码（只显示一次）和办理期限"),
            "400": error_response("输入有误（fields 列出各字段的错误）"),
            "413": error_response("请求过大"), "415": error_response("不是 JSON"),
            "429": _LIMITED, "503": error_response("暂时无法保存，未保存任何内容")}}},
    "/track": {"post": {
        "operationId": "trackMessage", "summary": "凭受理编号和查询码查询办理进度",
        "requestBody": _post_json("Credentials"),
        "responses": {
            "200": json_response("MessageStatus", "办理状态、公开的办理过程、答复和评价"),
            "400": error_response("缺少受理编号或查询码"),
            "404": error_response("编号不存在或查询码错误（两种情况回答相同）"),
            "413": error_response("请求过大"),
            "415": error_response("不是 JSON"), "429": _LIMITED}}},
    "/rate": {"post": {
        "operationId": "rateReply", "summary": "评价答复（满意、基本满意、不满意）",
        "requestBody": _post_json("Rating"),
        "responses": {
            "200": json_response("MessageStatus", "已评价，留言办结"),
            "400": error_response("评价值或意见有误"),
            "404": error_response("编号不存在或查询码错误"),
            "409": error_response("尚未答复或已经评价"),
            "413": error_response("请求过大"),
            "415": error_response("不是 JSON"), "429": _LIMITED}}},
}
