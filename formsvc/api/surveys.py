"""网上调查 in the JSON API: ``GET /surveys``, ``GET /surveys/<slug>`` (the questions, to build a
form), ``POST /surveys/<slug>/answers`` and, once a survey has closed, ``GET
/surveys/<slug>/results``. The same parser, checks, limits and services as the pages
(formsvc/surveys/views.py); JSON types are strict (an option is an integer, never "2")."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from formsvc.api.blueprint import bp
from formsvc.api.messages import with_json_body
from formsvc.api.oas import BOOL, COUNT, DATE, STR, error_response, json_response, obj, ref
from formsvc.db import get_session
from formsvc.domain import surveys as survey_defs
from formsvc.domain.surveys import Survey
from formsvc.forms import HONEYPOT
from formsvc.forms import surveys as answers
from formsvc.services import surveys as survey_svc
from formsvc.web import errors
from formsvc.web.extensions import over_limit, survey_limited
from formsvc.web.runtime import surveys as current_surveys
from portal.surveys import SLUG_RE


def _survey(slug: str) -> Survey | None:
    return current_surveys().get(slug)


def _not_found() -> Any:
    return errors.error_response(404, "survey_not_found", "没有这个调查")


def _summary(s: Survey, state: str) -> dict[str, Any]:
    return {"slug": s.slug, "title": s.title, "department": s.department, "opens": s.opens.isoformat(),
            "closes": s.closes.isoformat(), "state": state, "anonymous": s.anonymous}


@bp.get("/surveys")
def list_surveys() -> Any:
    """Every survey, the latest closing first, with its state today."""
    today = survey_defs.today(current_app.config)
    items = sorted(current_surveys().values(), key=lambda s: (s.closes, s.slug), reverse=True)
    return jsonify({"surveys": [_summary(s, s.state(today)) for s in items]})


@bp.get("/surveys/<slug>")
def get_survey(slug: str) -> Any:
    """One survey with its questions and options (an option's value is its number)."""
    s = _survey(slug)
    if s is None:
        return _not_found()
    questions = [{"id": q.id, "number": q.number, "type": q.type, "text": q.text, "help": q.help,
                  "required": q.required,
                  "options": [{"value": v, "label": label} for v, label in q.choices],
                  "min_choices": q.min_choices, "max_choices": q.max_choices,
                  "max_length": q.max_length} for q in s.questions]
    return jsonify({**_summary(s, s.state(survey_defs.today(current_app.config))),
                    "intro": s.intro, "questions": questions})


@bp.post("/surveys/<slug>/answers")
@survey_limited
@with_json_body
def answer_survey(body: dict[str, Any], slug: str) -> Any:
    """Check and store one answer; 201 once it is committed."""
    s = _survey(slug)
    if s is None:
        return _not_found()
    state = s.state(survey_defs.today(current_app.config))
    if state != "open":
        return errors.error_response(409, f"survey_{state}",
                                     survey_defs.CLOSED_MESSAGE if state == "closed" else survey_defs.UPCOMING_MESSAGE)
    if body.get(HONEYPOT):
        return errors.error_response(400, "spam_suspected", "提交未被受理：website 字段应留空")
    try:
        raw, name, phone = answers.from_json(s, body)
    except answers.WrongType as exc:
        return errors.error_response(400, "invalid_type", f"字段类型不正确：{exc.message}",
                                     fields={exc.key: [exc.message]})
    answer, found = answers.check(s, raw, name, phone)
    if found:
        fields = {(k.removeprefix(answers.FIELD_PREFIX)): [v] for k, v in found.items()}
        return errors.error_response(400, "validation_failed", "答卷有误，请按提示修改", fields=fields)
    if over_limit("SURVEY_ANSWERS_PER_ADDRESS", f"survey:{slug}"):
        return errors.error_response(429, "survey_address_limit", survey_defs.ADDRESS_LIMIT_MESSAGE)
    try:
        survey_svc.submit(get_session(), s, answer)
    except survey_svc.SurveyFailed:
        return errors.error_response(503, "survey_failed", survey_defs.FAILED_MESSAGE)
    return jsonify({"survey": slug, "stored": True}), 201


@bp.get("/surveys/<slug>/results")
def survey_results(slug: str) -> Any:
    """The counts of a closed survey and the free-text answers staff published (masked)."""
    s = _survey(slug)
    if s is None:
        return _not_found()
    if s.state(survey_defs.today(current_app.config)) != "closed":
        return errors.error_response(404, "results_not_published", "调查结束后才公布结果")
    db = get_session()
    found = survey_svc.results(db, s)
    numbers = {q.number: q.id for q in s.questions}
    texts = survey_svc.texts(db, s, published_only=True)
    return jsonify({
        "slug": s.slug, "title": s.title, "total": found.total,
        "questions": [{"id": q.id, "text": q.text, "answered": q.answered, "mean": q.mean,
                       "options": [{"value": o.value, "label": o.label, "count": o.count}
                                   for o in q.options]} for q in found.questions],
        "texts": [{"question": numbers.get(t.question, ""), "text": t.public_text} for t in texts],
    })


# --- OpenAPI -------------------------------------------------------------------------------------

_SLUG = {"name": "slug", "in": "path", "required": True,
         "schema": {"type": "string", "pattern": SLUG_RE.pattern},
         "description": "调查的编号（content/surveys/ 下的文件名）"}
_STATE = {"type": "string", "enum": list(survey_defs.STATE_LABELS)}
_SUMMARY = {"slug": STR, "title": STR, "department": STR, "opens": DATE, "closes": DATE,
            "state": _STATE, "anonymous": BOOL}
_INT = {"type": "integer"}

SCHEMAS: dict[str, Any] = {
    "SurveySummary": obj(_SUMMARY),
    "Surveys": obj({"surveys": {"type": "array", "items": ref("SurveySummary")}}),
    "SurveyOption": obj({"value": _INT, "label": STR}),
    "SurveyQuestion": obj({
        "id": STR, "number": _INT, "type": {"type": "string", "enum": ["single", "multiple", "scale", "text"]},
        "text": STR, "help": STR, "required": BOOL,
        "options": {"type": "array", "items": ref("SurveyOption")},
        "min_choices": COUNT, "max_choices": COUNT, "max_length": COUNT}),
    "Survey": obj({**_SUMMARY, "intro": STR,
                   "questions": {"type": "array", "items": ref("SurveyQuestion")}}),
    "SurveyAnswer": obj({
        "answers": {"type": "object", "description": "问题 id → 单选和量表为选项序号（整数），多选为序号数组，填空为文字",
                    "additionalProperties": {"type": ["integer", "array", "string"],
                                             "items": _INT}},
        "name": STR, "phone": STR,
    }, required=["answers"]),
    "SurveyStored": obj({"survey": STR, "stored": BOOL}),
    "SurveyResults": obj({
        "slug": STR, "title": STR, "total": COUNT,
        "questions": {"type": "array", "items": obj({
            "id": STR, "text": STR, "answered": COUNT, "mean": {"type": ["number", "null"]},
            "options": {"type": "array", "items": obj({"value": _INT, "label": STR, "count": COUNT})}})},
        "texts": {"type": "array", "items": obj({"question": STR, "text": STR})},
    }),
}

PATHS: dict[str, Any] = {
    "/surveys": {"get": {
        "operationId": "listSurveys", "summary": "网上调查列表（进行中、未开始、已结束）",
        "responses": {"200": json_response("Surveys", "调查列表")}}},
    "/surveys/{slug}": {"get": {
        "operationId": "getSurvey", "summary": "一项调查的问题和选项", "parameters": [_SLUG],
        "responses": {"200": json_response("Survey", "调查"), "404": error_response("没有这个调查")}}},
    "/surveys/{slug}/answers": {"post": {
        "operationId": "answerSurvey", "summary": "提交一份答卷（保存后才返回 201）",
        "parameters": [_SLUG],
        "requestBody": {"required": True,
                        "content": {"application/json": {"schema": ref("SurveyAnswer")}}},
        "responses": {"201": json_response("SurveyStored", "答卷已保存"),
                      "400": error_response("答卷有误（invalid_type、validation_failed）"),
                      "404": error_response("没有这个调查"),
                      "409": error_response("调查未开始或已结束（survey_upcoming、survey_closed）"),
                      "429": error_response("提交过于频繁，或本地址对本调查的答卷已达上限"),
                      "503": error_response("暂时无法保存，答卷没有被保存")}}},
    "/surveys/{slug}/results": {"get": {
        "operationId": "getSurveyResults", "summary": "已结束调查的结果和公开的填写内容",
        "parameters": [_SLUG],
        "responses": {"200": json_response("SurveyResults", "调查结果"),
                      "404": error_response("没有这个调查，或调查尚未结束")}}},
}
