"""Hypothesis over the reading of one 网上调查 answer (formsvc/forms/surveys.py): any JSON-like
value, any form strings. Never an unexpected exception; an accepted answer only ever holds
options the question offers, within its limits, and cleaned text within its length."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from formsvc.forms import surveys as answers
from formsvc.forms.text import clean_text
from portal.surveys import parse_text

SURVEY = parse_text("""title: 调查
department: zjj
opens: 2026-01-01
closes: 2026-12-31
anonymous: false
questions:
  - id: one
    type: single
    text: 单选
    required: true
    options: [甲, 乙, 丙]
  - id: many
    type: multiple
    text: 多选
    min_choices: 1
    max_choices: 2
    options: [甲, 乙, 丙, 丁]
  - id: scale
    type: scale
    text: 量表
    scale: 7
  - id: words
    type: text
    text: 文字
    max_length: 30
""", "s").survey
assert SURVEY is not None

JSON = st.recursive(st.none() | st.booleans() | st.integers(-5, 12) | st.floats(allow_nan=False)
                    | st.text(max_size=40),
                    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=12)
IDS = st.sampled_from(["one", "many", "scale", "words", "nosuch", ""])


def holds(answer: answers.Answer) -> None:
    by_id = {q.id: q for q in SURVEY.questions}
    for qid, picked in answer.choices.items():
        q = by_id[qid]
        assert set(picked) <= {v for v, _ in q.choices}
        assert all(type(v) is int for v in picked)
        if q.type in ("single", "scale"):
            assert len(picked) <= 1
        else:
            assert len(picked) <= q.max_choices and (not picked or len(picked) >= q.min_choices)
    assert answer.choices.get("one"), "required single choice"
    for qid, text in answer.texts.items():
        assert len(text) <= by_id[qid].max_length and text == clean_text(text, multiline=True)


@settings(max_examples=300, deadline=None)
@given(body=st.dictionaries(st.sampled_from(["answers", "name", "phone", "website"]),
                            st.dictionaries(IDS, JSON, max_size=5) | JSON, max_size=4))
def test_any_json_body(body: dict[str, Any]) -> None:
    try:
        raw, name, phone = answers.from_json(SURVEY, body)
    except answers.WrongType as exc:
        assert exc.message
        return
    answer, errors = answers.check(SURVEY, raw, name, phone)
    if not errors:
        holds(answer)


@settings(max_examples=300, deadline=None)
@given(form=st.dictionaries(st.sampled_from(["q-one", "q-many", "q-scale", "q-words", "name", "phone"]),
                            st.lists(st.text(max_size=40), max_size=5), max_size=6))
def test_any_form_strings(form: dict[str, list[str]]) -> None:
    from werkzeug.datastructures import MultiDict

    raw, name, phone = answers.from_form(SURVEY, MultiDict([(k, v) for k, vs in form.items() for v in vs]))
    answer, errors = answers.check(SURVEY, raw, name, phone)
    if not errors:
        holds(answer)
