"""Reading one answer to a 网上调查, from the HTML form or from JSON: the same rules for both.

The form sends ``q-<question id>`` fields (strings: option numbers, or the text); the API sends
``{"answers": {"<question id>": 2 | [1, 3] | "text"}, "name": …, "phone": …}`` with JSON types
checked strictly (an option is an integer, never "2", never true). Both end in :func:`check`,
which knows the survey: unknown options, too many or too few choices, a missing required
answer, text over its limit. Text is cleaned of odd characters first (``forms.text``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from formsvc.config import NAME_MAX
from formsvc.forms.text import clean_text
from formsvc.forms.validators import PHONE_MESSAGE, is_phone, normalize_phone
from portal.surveys import Question, Survey

FIELD_PREFIX = "q-"


@dataclass
class Answer:
    """A checked answer: option numbers per counted question, text per free-text question."""

    choices: dict[str, list[int]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    name: str = ""
    phone: str = ""

    def as_json(self) -> dict[str, Any]:
        """What ``survey_response.answers`` keeps."""
        return {**{k: v for k, v in self.choices.items() if v}, **{k: v for k, v in self.texts.items() if v}}


class WrongType(ValueError):
    """A JSON value of the wrong type (a 400 with code ``invalid_type``)."""

    def __init__(self, key: str, expected: str) -> None:
        super().__init__(f"{key} 应为{expected}")
        self.key = key
        self.message = f"{key} 应为{expected}"


def field_name(question: Question) -> str:
    """The form field of a question."""
    return FIELD_PREFIX + question.id


def from_form(survey: Survey, form: Any) -> tuple[dict[str, list[Any]], str, str]:
    """Raw values per question id from a werkzeug MultiDict, and the name and phone."""
    raw = {q.id: form.getlist(field_name(q)) for q in survey.questions}
    return raw, str(form.get("name", "")), str(form.get("phone", ""))


def from_json(survey: Survey, body: Any) -> tuple[dict[str, list[Any]], str, str]:
    """Raw values per question id from a JSON body; wrong types raise :class:`WrongType`."""
    if not isinstance(body, Mapping):
        raise WrongType("请求体", "JSON 对象")
    answers = body.get("answers", {})
    if not isinstance(answers, Mapping):
        raise WrongType("answers", "对象（问题编号 → 答案）")
    unknown = sorted(set(answers) - {q.id for q in survey.questions})
    if unknown:
        raise WrongType(f"answers.{unknown[0]}", "本调查中的问题编号")
    raw: dict[str, list[Any]] = {}
    for q in survey.questions:
        value = answers.get(q.id)
        key = f"answers.{q.id}"
        if value is None:
            raw[q.id] = []
        elif q.type == "text":
            if not isinstance(value, str):
                raise WrongType(key, "文字")
            raw[q.id] = [value]
        elif q.type == "multiple":
            if not isinstance(value, list) or not all(_is_int(v) for v in value):
                raise WrongType(key, "选项序号（整数）的数组")
            raw[q.id] = value
        else:
            if not _is_int(value):
                raise WrongType(key, "一个选项序号（整数）")
            raw[q.id] = [value]
    name, phone = body.get("name", ""), body.get("phone", "")
    for key, value in (("name", name), ("phone", phone)):
        if not isinstance(value, str):
            raise WrongType(key, "文字")
    return raw, name, phone


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check(survey: Survey, raw: dict[str, list[Any]], name: str = "",
          phone: str = "") -> tuple[Answer, dict[str, str]]:
    """The answer and the errors by field name (empty when the answer may be stored)."""
    answer = Answer()
    errors: dict[str, str] = {}
    for q in survey.questions:
        values = raw.get(q.id, [])
        key = field_name(q)
        if q.type == "text":
            text = clean_text(str(values[0]) if values else "", multiline=True)
            if len(values) > 1:
                errors[key] = f"“{q.text}”只能填写一段文字"
            elif q.required and not text:
                errors[key] = f"请填写“{q.text}”"
            elif len(text) > q.max_length:
                errors[key] = f"“{q.text}”最多 {q.max_length} 字，现在是 {len(text)} 字"
            answer.texts[q.id] = text
            continue
        picked: list[int] = []
        for v in values:
            s = clean_text(v) if isinstance(v, str) else v
            if s == "":
                continue
            n = int(s) if isinstance(s, str) and s.isascii() and s.isdigit() else s
            if not _is_int(n) or n not in dict(q.choices):
                errors[key] = f"“{q.text}”的选项不存在，请从列出的选项中选择"
                break
            if n not in picked:
                picked.append(n)
        if key in errors:
            continue
        if q.type in ("single", "scale") and len(picked) > 1:
            errors[key] = f"“{q.text}”只能选一项"
        elif q.required and not picked:
            errors[key] = f"请回答“{q.text}”"
        elif q.type == "multiple" and len(picked) > q.max_choices:
            errors[key] = f"“{q.text}”最多选 {q.max_choices} 项，您选了 {len(picked)} 项"
        elif q.type == "multiple" and picked and len(picked) < q.min_choices:
            errors[key] = f"“{q.text}”至少选 {q.min_choices} 项"
        answer.choices[q.id] = sorted(picked)
    if not survey.anonymous:
        answer.name = clean_text(name)
        answer.phone = normalize_phone(clean_text(phone))
        if not answer.name:
            errors["name"] = "请填写姓名"
        elif len(answer.name) > NAME_MAX:
            errors["name"] = f"姓名最多 {NAME_MAX} 字"
        if not answer.phone:
            errors["phone"] = "请填写联系电话"
        elif not is_phone(answer.phone):
            errors["phone"] = PHONE_MESSAGE
    return answer, errors
