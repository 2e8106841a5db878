"""Property-based fuzzing of the contribution forms (意见 with its article choice, 听证发言报名,
网友提问): whatever arrives, a redirect (stored exactly one cleaned contribution) or a 4xx page
whose messages are Chinese, never a 5xx, never a half-saved record.

Its share of cases comes from the "forms" budget (one part of the citizen forms' share each).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st

from formsvc.models import Contribution, ContributionEvent
from tests.formsvc.conftest import csrf_from, soup
from tests.formsvc.participation_data import write_tree
from tests.fuzz import budget
from tests.fuzz.test_forms_hypothesis import DIRTY, _count, _errors_are_chinese, field_value

FORMS = {"comment": "/hdjl/yjzj/open-draft/new", "speaker": "/hdjl/yjzj/open-draft/hearing",
         "question": "/hdjl/ft/live/new"}
GOOD = {"name": "张三", "phone": "13812345678", "text": "建议增加农村助餐点。", "article": "1"}
ARTICLES = ["", "1", "2", "3", "0", "-1", "1.0", "一", " 1 "]


@pytest.fixture(scope="module")
def content_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("participation-fuzz"))


def form_data() -> st.SearchStrategy[dict[str, str]]:
    optional = {n: field_value(n, GOOD[n]) for n in ("name", "phone", "text")}
    optional["article"] = st.one_of(st.sampled_from(ARTICLES), field_value("article", "1"))
    optional["website"] = st.sampled_from(["", "", "", "http://x"])
    return st.fixed_dictionaries({}, optional=optional).map(lambda d: {**GOOD, **d})


@pytest.mark.parametrize("kind", list(FORMS))
def test_contribution_form(client: FlaskClient, app: Flask, database_url: str, kind: str) -> None:
    path = FORMS[kind]
    token = csrf_from(soup(client.get(path)))
    tried = 0
    statuses: Counter[int] = Counter()

    @budget.fuzz_settings(max(20, budget.cases("forms", database_url, parts=20)))
    @given(data=form_data())
    @example(data=GOOD)
    @example(data={"name": "", "phone": "", "text": ""})
    def post(data: dict[str, str]) -> None:
        nonlocal tried
        tried += 1
        before = _count(app, Contribution), _count(app, ContributionEvent)
        r = client.post(path, data={**data, "csrf_token": token})
        assert r.status_code in (303, 400), r.status_code
        statuses[r.status_code] += 1
        if r.status_code == 400:
            html = r.get_data(as_text=True)
            assert _errors_are_chinese(html) or "提交未被受理" in html
            assert (_count(app, Contribution), _count(app, ContributionEvent)) == before
            return
        assert (_count(app, Contribution), _count(app, ContributionEvent)) == (
            before[0] + 1, before[1] + 1)
        from formsvc import db

        with app.app_context():
            s = db.new_session()
            row = s.query(Contribution).order_by(Contribution.id.desc()).first()
            s.close()
        assert row is not None
        for value in (row.name, row.phone):
            assert not DIRTY.search(value) and value == value.strip()
        assert not DIRTY.search(row.text.replace("\t", ""))

    try:
        post()
    finally:
        budget.record("forms", database_url, tried)
    assert statuses[303] and statuses[400], statuses
