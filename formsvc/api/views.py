from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request
from werkzeug.datastructures import MultiDict

from formsvc.api import bp
from formsvc.api.openapi import document
from formsvc.db import get_session
from formsvc.domain import kinds
from formsvc.domain.ratings import RATINGS
from formsvc.forms import HONEYPOT, make_form, to_new_message
from formsvc.forms.fields import FIELDS
from formsvc.forms.text import clean_text
from formsvc.services import departments, submission, tracking
from formsvc.web.errors import error_response
from formsvc.web.extensions import client_address, submit_limited, track_limited
from formsvc.web.runtime import calendar, projects

_TEXT_TYPES = (str, int, float)


def _json_body() -> dict[str, Any] | tuple[Any, int]:
    if not request.is_json:
        return error_response(415)
    limit = request.max_content_length
    # a chunked body has no Content-Length to refuse up front; werkzeug stops reading at the
    # limit and hands over the truncated part, which is a body too large, not "invalid JSON"
    if request.content_length is None and limit and len(request.get_data()) >= limit:
        return error_response(413)
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # "[[[[…" nested deeper than the parser's stack: bad input, not a 500
        body = None
    if not isinstance(body, dict):
        return error_response(400, "invalid_json", "请求体应为 JSON 对象")
    return body


def _formdata(body: dict[str, Any]) -> MultiDict[str, str] | None:
    """JSON values as form strings; None when a value is not a scalar."""
    out: MultiDict[str, str] = MultiDict()
    for key, value in body.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "y" if value else ""
        elif isinstance(value, _TEXT_TYPES):
            out[key] = str(value)
        else:
            return None
    return out


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(document())


@bp.get("/kinds")
def list_kinds() -> Any:
    config = current_app.config
    items = []
    for kind in kinds.KINDS:
        form_cls = make_form(kind, config, [], {}, meta={"csrf": False}, formdata=None)
        fields = []
        for name in kind.fields:
            f = form_cls[name]
            gp = (f.render_kw or {}).get("gp", {})
            entry: dict[str, Any] = {
                "name": name, "label": str(f.label.text), "type": gp.get("type", "text"),
                "required": any(getattr(v, "field_flags", {}).get("required")
                                for v in f.validators),
                "hint": gp.get("hint", ""),
            }
            if gp.get("maxlength"):
                entry["max_length"] = gp["maxlength"]
            if gp.get("type") in ("radios",) or name == "id_type":
                entry["choices"] = [{"value": str(c.value), "label": c.label}
                                    for c in f.choices if c.value]
            fields.append(entry)
        items.append({
            "code": kind.code, "label": kind.label, "description": kind.description,
            "time_limit": kinds.time_limit(kind, config),
            "extension_limit": kinds.extension_limit(kind, config),
            "requires_confirmation": kind.confirm_step, "fields": fields,
        })
    return jsonify({"kinds": items})


@bp.get("/departments")
def list_departments() -> Any:
    return jsonify({"departments": [
        {"code": d.code, "name": d.name, "short_name": d.short_name, "kind": d.kind,
         "accepts_disclosure_requests": d.accepts_disclosure_requests}
        for d in departments.active(get_session())
    ]})


@bp.post("/messages")
@submit_limited
def create_message() -> Any:
    body = _json_body()
    if isinstance(body, tuple):
        return body
    kind = kinds.get(str(body.get("kind", "")))
    if kind is None:
        return error_response(400, "invalid_kind", "请指定留言类型 kind：" + "、".join(
            f"{k.code}（{k.label}）" for k in kinds.KINDS), fields={"kind": ["留言类型不正确"]})
    if body.get(HONEYPOT):
        return error_response(400, "spam_suspected", "提交未被受理：website 字段应留空")
    if kind.confirm_step and body.get("confirmed") is not True:
        # Art. 31: an online request is received when both sides confirm; the client must show
        # the applicant a review of the request and send confirmed: true
        return error_response(400, "confirmation_required",
                              "依申请公开须经申请人确认：请向申请人展示申请内容，确认后以 confirmed: true 提交",
                              fields={"confirmed": ["请确认申请内容"]})
    known = {"kind", "confirmed", HONEYPOT, *FIELDS}
    formdata = _formdata({k: v for k, v in body.items() if k in known and k not in (
        "kind", "confirmed")})
    if formdata is None:
        return error_response(400, "invalid_json", "字段值应为字符串、数字或布尔值")
    form = make_form(kind, current_app.config, departments.active(get_session()), projects(),
                     formdata=formdata, meta={"csrf": False})
    if not form.validate():
        return error_response(400, "validation_failed", "提交的信息有误，请按提示修改",
                              fields=form.field_errors())
    try:
        receipt = submission.submit(get_session(), current_app.config, to_new_message(form), [],
                                    calendar=calendar(), client_ip=client_address())
    except submission.SubmissionFailed:
        return error_response(503, "submission_failed", "系统暂时无法保存，留言没有被保存，请稍后重试")
    resp = jsonify(receipt.as_dict())
    resp.status_code = 201
    resp.headers["Cache-Control"] = "no-store"  # the query code is a secret
    return resp


def _credentials(body: dict[str, Any]) -> tuple[str, str, dict[str, list[str]]]:
    # cleaned like form input: a lone surrogate in the JSON would otherwise reach the hash as
    # text that cannot be encoded (a 500)
    number = clean_text(body["tracking_number"]) if isinstance(
        body.get("tracking_number"), str) else ""
    code = clean_text(body["query_code"]) if isinstance(body.get("query_code"), str) else ""
    fields: dict[str, list[str]] = {}
    if not number:
        fields["tracking_number"] = ["请填写受理编号"]
    if not code:
        fields["query_code"] = ["请填写查询码"]
    return number, code, fields


@bp.post("/track")
@track_limited
def track() -> Any:
    body = _json_body()
    if isinstance(body, tuple):
        return body
    number, code, fields = _credentials(body)
    if fields:
        return error_response(400, "validation_failed", "请填写受理编号和查询码", fields=fields)
    try:
        message = tracking.find(get_session(), number, code)
    except tracking.NotFound:
        return error_response(404, tracking.NotFound.code, tracking.NOT_FOUND_MESSAGE)
    resp = jsonify(tracking.public_view(message, current_app.config, calendar()))
    resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.post("/rate")
@track_limited
def rate() -> Any:
    body = _json_body()
    if isinstance(body, tuple):
        return body
    number, code, fields = _credentials(body)
    rating = body.get("rating")
    comment = body.get("comment") or ""
    if not isinstance(rating, str) or rating not in RATINGS:
        fields["rating"] = ["评价应为 satisfied（满意）、basically_satisfied（基本满意）或 unsatisfied（不满意）"]
    if not isinstance(comment, str):
        fields["comment"] = ["评价意见应为文字"]
    if fields:
        return error_response(400, "validation_failed", "提交的信息有误，请按提示修改", fields=fields)
    try:
        message = tracking.rate(get_session(), number, code, rating,
                                clean_text(comment, multiline=True))
    except tracking.NotFound:
        return error_response(404, tracking.NotFound.code, tracking.NOT_FOUND_MESSAGE)
    except tracking.RatingError as exc:
        status = 400 if exc.code in ("invalid_rating", "comment_too_long") else 409
        return error_response(status, exc.code, exc.message)
    resp = jsonify(tracking.public_view(message, current_app.config, calendar()))
    resp.headers["Cache-Control"] = "no-store"
    return resp
