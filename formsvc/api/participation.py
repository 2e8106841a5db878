"""``/api/v1/consultations/<slug>/comments`` and ``/api/v1/interviews/<slug>/questions``: the
published comments on a draft (with their 采纳情况) and an interview's answered questions, and
submitting either; the same form, service and date rule as the HTML pages."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify
from werkzeug.datastructures import MultiDict

from formsvc.api.blueprint import bp
from formsvc.api.messages import with_json_body
from formsvc.api.oas import COUNT, DATE, STR, error_response, json_response, obj, ref
from formsvc.db import get_session
from formsvc.domain import participation as p
from formsvc.forms import participation as forms
from formsvc.services import participation as svc
from formsvc.web import errors
from formsvc.web.extensions import submit_limited
from formsvc.web.runtime import consultations, interviews
from portal import participation as content
from portal.slugs import SLUG_RE

FIELDS = ("name", "phone", "text", "article", forms.HONEYPOT)


def _listing(target: str, slug: str, items: list[svc.PublicContribution],
             extra: dict[str, Any]) -> Any:
    return jsonify({"slug": slug, "target": target, **extra, "total": len(items),
                    "items": [i.as_dict() for i in items]})


@bp.get("/consultations/<slug>/comments")
def list_comments(slug: str) -> Any:
    """The published comments on a draft, oldest first (``article`` null: on the whole draft)."""
    draft = consultations().get(slug)
    if draft is None:
        return errors.error_response(404, "not_found", "没有这个征求意见稿")
    items = [i for i in svc.published(get_session(), current_app.config, p.CONSULTATION, slug)
             if i.kind == "comment"]
    return _listing(p.CONSULTATION, slug, items, {
        "title": draft.title, "opens": draft.opens.isoformat(), "closes": draft.closes.isoformat(),
        "state": draft.phase(), "state_label": content.PHASE_LABELS[draft.phase()]})


@bp.get("/interviews/<slug>/questions")
def list_questions(slug: str) -> Any:
    """An interview's answered questions, in the order they were asked."""
    interview = interviews().get(slug)
    if interview is None:
        return errors.error_response(404, "not_found", "没有这个在线访谈")
    items = svc.answered(svc.published(get_session(), current_app.config, p.INTERVIEW, slug))
    return _listing(p.INTERVIEW, slug, items, {
        "title": interview.title, "state": interview.phase(),
        "state_label": content.INTERVIEW_PHASE_LABELS[interview.phase()]})


def _formdata(body: dict[str, Any], with_article: bool) -> tuple[MultiDict[str, str],
                                                                 dict[str, list[str]]]:
    """Strict JSON types: name, phone and text strings; article an integer or null."""
    out: MultiDict[str, str] = MultiDict()
    wrong: dict[str, list[str]] = {}
    for key in ("name", "phone", "text"):
        value = body.get(key)
        if value is None:
            continue
        if isinstance(value, str):
            out[key] = value
        else:
            wrong[key] = ["应为字符串"]
    article = body.get("article")
    if article is not None:
        if not with_article:
            wrong["article"] = ["访谈提问不针对条文"]
        elif isinstance(article, int) and not isinstance(article, bool):
            out["article"] = str(article)
        else:
            wrong["article"] = ["应为整数条号或 null（对全文）"]
    return out, wrong


def _submit(kind_code: str, target: Any, body: dict[str, Any]) -> Any:
    kind = p.kind(kind_code)
    assert kind is not None
    if body.get(forms.HONEYPOT):
        return errors.error_response(400, "spam_suspected", "提交未被受理：website 字段应留空")
    formdata, wrong = _formdata(body, kind.code == "comment")
    if wrong:
        return errors.error_response(400, "validation_failed", "提交的信息有误：字段类型不正确",
                                     fields=wrong)
    closed = svc.closed_message(kind, target)
    if closed:
        return errors.error_response(409, "closed", closed)
    form = forms.make_form(kind, current_app.config, target, formdata=formdata,
                           meta={"csrf": False})
    if not form.validate():
        return errors.error_response(400, "validation_failed", "提交的信息有误，请按提示修改",
                                     fields=form.field_errors())
    try:
        row = svc.submit(get_session(), current_app.config, forms.to_new(form, target.slug),
                         target)
    except svc.Refused as exc:
        return errors.error_response(409, exc.code, exc.message)
    except svc.SubmissionFailed:
        return errors.error_response(503, "submission_failed", "系统暂时无法保存，内容没有被保存，请稍后重试")
    resp = jsonify({"id": row.id, "kind": row.kind, "slug": row.slug, "article": row.article,
                    "status": row.status, "status_label": p.MODERATION_LABELS[row.status],
                    "duplicate": row.duplicate_of_id is not None, "message": kind.thanks})
    resp.status_code = 201
    return resp


@bp.post("/consultations/<slug>/comments")
@submit_limited
def create_comment(slug: str) -> Any:
    """A comment on a draft or one of its articles; 201 once stored (moderated before shown)."""
    draft = consultations().get(slug)
    if draft is None:
        return errors.error_response(404, "not_found", "没有这个征求意见稿")
    return with_json_body(lambda body: _submit("comment", draft, body))()


@bp.post("/interviews/<slug>/questions")
@submit_limited
def create_question(slug: str) -> Any:
    """A question for an interview, before or during it; 201 once stored."""
    interview = interviews().get(slug)
    if interview is None:
        return errors.error_response(404, "not_found", "没有这个在线访谈")
    return with_json_body(lambda body: _submit("question", interview, body))()


# --- OpenAPI -------------------------------------------------------------------------------------

_STATE = {"type": "string", "enum": [content.NOT_YET, content.OPEN, content.CLOSED]}
_SLUG = {"name": "slug", "in": "path", "required": True,
         "schema": {"type": "string", "pattern": SLUG_RE.pattern},
         "description": "内容的文件名（网址中的名称），如 jujia-yanglao-fuwu-banfa"}

SCHEMAS: dict[str, Any] = {
    "PublicContribution": obj({
        "id": {"type": "integer"},
        "kind": {"type": "string", "enum": [k.code for k in p.PARTICIPATION_KINDS]},
        "article": {"type": ["integer", "null"], "description": "条号；null 为对全文"},
        "author": {"type": "string", "description": "提交人（已隐去，如 张**）"},
        "text": {"type": "string", "description": "内容（已隐去个人信息）"},
        "submitted_on": DATE,
        "adoption": {"type": ["string", "null"], "enum": [*p.ADOPTION_LABELS, None]},
        "adoption_label": {"type": ["string", "null"]},
        "adoption_reason": {"type": ["string", "null"]},
        "answer": {"type": ["string", "null"], "description": "访谈嘉宾的回答"},
    }),
    "Contributions": obj({
        "slug": STR, "target": {"type": "string", "enum": [p.CONSULTATION, p.INTERVIEW]},
        "title": STR, "opens": DATE, "closes": DATE, "state": _STATE, "state_label": STR,
        "total": COUNT, "items": {"type": "array", "items": ref("PublicContribution")},
    }, required=["slug", "target", "title", "state", "state_label", "total", "items"]),
    "NewContribution": obj({
        "name": {"type": "string", "description": "姓名（不公开）"},
        "phone": {"type": "string", "description": "联系电话（不公开）"},
        "text": {"type": "string", "minLength": p.TEXT_MIN, "maxLength": p.TEXT_MAX},
        "article": {"type": ["integer", "null"], "description": "条号（仅意见）；null 或省略为对全文"},
    }, required=["name", "phone", "text"]),
    "ContributionReceipt": obj({
        "id": {"type": "integer"}, "kind": STR, "slug": STR,
        "article": {"type": ["integer", "null"]},
        "status": {"type": "string", "enum": list(p.MODERATION_LABELS)}, "status_label": STR,
        "duplicate": {"type": "boolean"}, "message": STR,
    }),
}


def _post(operation: str, summary: str) -> dict[str, Any]:
    return {"post": {
        "operationId": operation, "summary": summary, "parameters": [_SLUG],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": ref("NewContribution")}}},
        "responses": {"201": json_response("ContributionReceipt", "已保存，审核后公开"),
                      "400": error_response("字段有误（validation_failed）或隐藏字段被填写"),
                      "404": error_response("没有这个内容"),
                      "409": error_response("不在征集或提问时间内（closed），或没有这一条"),
                      "415": error_response("请求体不是 JSON"),
                      "429": error_response("提交过于频繁")}}}


PATHS: dict[str, Any] = {
    "/consultations/{slug}/comments": {
        "get": {"operationId": "listComments", "summary": "征求意见稿已公开的意见及采纳情况",
                "parameters": [_SLUG],
                "responses": {"200": json_response("Contributions", "已公开的意见，先提交的在前"),
                              "404": error_response("没有这个征求意见稿")}},
        **_post("createComment", "对征求意见稿全文或某一条提出意见"),
    },
    "/interviews/{slug}/questions": {
        "get": {"operationId": "listQuestions", "summary": "在线访谈已回答的网友提问",
                "parameters": [_SLUG],
                "responses": {"200": json_response("Contributions", "已回答的提问"),
                              "404": error_response("没有这个在线访谈")}},
        **_post("createQuestion", "向在线访谈嘉宾提问"),
    },
}
