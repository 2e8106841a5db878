"""网上调查 in formsvc: the form, one answer per browser and per address, durable answers,
closed surveys, results from the counters, hostile input (SQLite, and PostgreSQL in CI)."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from formsvc import db
from formsvc.config import NAME_MAX
from formsvc.domain import surveys as survey_defs
from formsvc.forms import surveys as answers
from formsvc.models import SurveyCount, SurveyResponse, SurveyText
from formsvc.services import surveys as survey_svc
from tests.formsvc.conftest import ROOT, check_page, csrf_from, soup

TODAY = date.today()


def survey_yaml(opens: date, closes: date, *, anonymous: bool = True) -> str:
    return f"""title: 停车设施满意度调查
department: zjj
intro: 请如实填写。
opens: {opens}
closes: {closes}
anonymous: {"true" if anonymous else "false"}
questions:
  - id: often
    type: single
    text: 您多久停车一次？
    required: true
    options: [每天, 每周, 很少]
  - id: problems
    type: multiple
    text: 遇到过哪些问题？
    max_choices: 2
    options: [车位难找, 收费偏高, 标识不清]
  - id: score
    type: scale
    text: 总体满意吗？
    required: true
    scale: 5
    labels: [很不满意, 很满意]
  - id: advice
    type: text
    text: 您的建议
    max_length: 20
"""


@pytest.fixture(scope="module")
def content_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("content")
    shutil.copy(ROOT / "content" / "departments.yml", d / "departments.yml")
    folder = d / "surveys"
    folder.mkdir()
    wide = timedelta(days=3)  # the county's date may differ from this machine's by a day
    (folder / "open.yml").write_text(survey_yaml(TODAY - wide, TODAY + wide), encoding="utf-8")
    (folder / "named.yml").write_text(survey_yaml(TODAY - wide, TODAY + wide, anonymous=False),
                                      encoding="utf-8")
    (folder / "closed.yml").write_text(survey_yaml(TODAY - 60 * wide, TODAY - wide), encoding="utf-8")
    (folder / "later.yml").write_text(survey_yaml(TODAY + wide, TODAY + 10 * wide), encoding="utf-8")
    (folder / "broken.yml").write_text("title: [\n", encoding="utf-8")
    return d


GOOD = {"q-often": "1", "q-problems": ["1", "3"], "q-score": "4", "q-advice": "多建停车场"}


def post_answer(client: FlaskClient, slug: str, data: dict[str, Any]) -> Any:
    page = soup(client.get(f"/hdjl/surveys/{slug}"))
    return client.post(f"/hdjl/surveys/{slug}", data={"csrf_token": csrf_from(page), **data})


def count(session: Session, model: Any) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_list_shows_open_upcoming_and_closed_and_skips_broken_files(client: FlaskClient) -> None:
    page = soup(client.get("/hdjl/surveys/"))
    check_page(page)
    links = [a["href"] for a in page.select("main a")]
    assert "/hdjl/surveys/open" in links and "/hdjl/surveys/later" in links
    assert "/hdjl/surveys/closed/results" in links
    assert not any("broken" in h for h in links)
    assert client.get("/hdjl/surveys/broken").status_code == 404


def test_the_form_is_accessible_without_script(client: FlaskClient) -> None:
    response = client.get("/hdjl/surveys/open")
    page = soup(response)
    check_page(page)
    fieldsets = page.select("form fieldset legend")
    assert [f.get_text(strip=True)[:2] for f in fieldsets] == ["1.", "2.", "3."]
    assert len(page.select("input[type=radio][name=q-often]")) == 3
    assert len(page.select("input[type=checkbox][name=q-problems]")) == 3
    assert page.select_one("textarea#q-advice")["maxlength"] == "20"
    assert not page.find("input", attrs={"name": "name"})  # anonymous: no personal fields
    form = page.find("form", attrs={"method": "post"})
    assert form["action"] == "/hdjl/surveys/open" and form.find("button", type="submit") is not None


def test_an_answer_is_stored_counted_and_thanked_once(client: FlaskClient, session: Session) -> None:
    response = post_answer(client, "open", GOOD)
    assert response.status_code == 303 and response.headers["Location"].endswith("/hdjl/surveys/open/thanks")
    # durable before the thanks: the rows are there for another session
    assert count(session, SurveyResponse) == 1
    assert count(session, SurveyText) == 1
    stored = session.scalars(select(SurveyResponse)).one()
    assert stored.answers == {"often": [1], "problems": [1, 3], "score": [4], "advice": "多建停车场"}
    assert survey_svc.counts(session, "open") == {(0, 0): 1, (1, 1): 1, (2, 1): 1, (2, 3): 1, (3, 4): 1}
    assert "答卷已提交" in client.get(response.headers["Location"]).get_data(as_text=True)
    # the same browser again: refused, nothing more stored
    csrf = csrf_from(soup(client.get("/hdjl/surveys/named")))
    again = client.post("/hdjl/surveys/open", data={"csrf_token": csrf, **GOOD})
    assert again.status_code == 409 and "您已经提交过" in again.get_data(as_text=True)
    assert count(session, SurveyResponse) == 1


def test_a_forged_device_mark_is_ignored(client: FlaskClient, session: Session) -> None:
    client.set_cookie("gp_survey_open", "open", path="/hdjl/surveys/")
    assert post_answer(client, "open", GOOD).status_code == 303


def test_errors_are_linked_to_their_fields(client: FlaskClient, session: Session) -> None:
    response = post_answer(client, "open", {"q-problems": ["1", "2", "3"], "q-advice": "长" * 21})
    assert response.status_code == 400
    page = soup(response)
    hrefs = [a["href"] for a in page.select(".gp-error-summary a")]
    assert hrefs == ["#q-often", "#q-problems", "#q-score", "#q-advice"]
    assert page.select_one("#q-problems-error") is not None
    assert "q-problems-error" in page.select_one("#q-problems").find_parent("fieldset")["aria-describedby"]
    assert "最多选 2 项" in page.select_one("#q-problems-error").get_text()
    # what was typed stays
    assert page.select_one("#q-advice").get_text() == "长" * 21
    assert count(session, SurveyResponse) == 0


@pytest.mark.parametrize("data", [
    {**GOOD, "q-often": "9"},  # no such option
    {**GOOD, "q-often": "0"},
    {**GOOD, "q-often": "-1"},
    {**GOOD, "q-often": "１"},  # a full-width digit is no option number
    {**GOOD, "q-often": "a"},
    {**GOOD, "q-often": ["1", "2"]},  # two answers to a single choice
    {**GOOD, "q-score": "6"},
    {**GOOD, "q-problems": ["1", "2", "3"]},  # over max_choices
    {**GOOD, "q-advice": ["a", "b"]},
])
def test_hostile_form_input_is_refused(client: FlaskClient, session: Session, data: dict[str, Any]) -> None:
    response = post_answer(client, "open", data)
    assert response.status_code == 400
    assert count(session, SurveyResponse) == 0 and count(session, SurveyCount) == 0


def test_odd_characters_are_cleaned(client: FlaskClient, session: Session) -> None:
    assert post_answer(client, "open", {**GOOD, "q-advice": "多建\u202e停车\x00场"}).status_code == 303
    assert session.scalars(select(SurveyText.text)).one() == "多建停车场"


def test_without_csrf_nothing_is_stored(client: FlaskClient, session: Session) -> None:
    assert client.post("/hdjl/surveys/open", data=GOOD).status_code == 400
    assert count(session, SurveyResponse) == 0


def test_the_honeypot_refuses(client: FlaskClient, session: Session) -> None:
    assert post_answer(client, "open", {**GOOD, "website": "http://spam"}).status_code == 400
    assert count(session, SurveyResponse) == 0


def test_closed_and_upcoming_surveys_take_no_answers(client: FlaskClient, session: Session) -> None:
    page = client.get("/hdjl/surveys/closed").get_data(as_text=True)
    assert "不再接收答卷" in page and "<form class=\"gp-form\"" not in page
    csrf = csrf_from(soup(client.get("/hdjl/surveys/open")))
    for slug in ("closed", "later"):
        response = client.post(f"/hdjl/surveys/{slug}", data={"csrf_token": csrf, **GOOD})
        assert response.status_code == 409
    assert count(session, SurveyResponse) == 0


@pytest.mark.parametrize("app_config", [{"SURVEY_ANSWERS_PER_ADDRESS": "2 per day"}])
def test_one_address_has_an_allowance_per_survey(client: FlaskClient, session: Session) -> None:
    # a person who clears the browser's cookies gets past the device mark, not the address
    for i in range(2):
        assert post_answer(client, "open", GOOD).status_code == 303, i
        client.delete_cookie("gp_survey_open", path="/hdjl/surveys/")
    third = post_answer(client, "open", GOOD)
    assert third.status_code == 429 and "已达上限" in third.get_data(as_text=True)
    assert count(session, SurveyResponse) == 2
    # another survey has its own allowance
    assert post_answer(client, "named", {**GOOD, "name": "张三", "phone": "13812345678"}).status_code == 303


def test_a_named_survey_asks_name_and_phone(client: FlaskClient, session: Session) -> None:
    page = soup(client.get("/hdjl/surveys/named"))
    check_page(page)
    assert page.find("input", attrs={"name": "phone"})
    # the browser's limit is the one the answer is checked against (formsvc.config.NAME_MAX)
    assert page.find("input", attrs={"name": "name"})["maxlength"] == str(NAME_MAX)
    too_long = post_answer(client, "named", {**GOOD, "name": "张" * (NAME_MAX + 1), "phone": "13812345678"})
    assert too_long.status_code == 400 and answers_errors(too_long) == ["name"]
    assert f"姓名最多 {NAME_MAX} 字" in too_long.get_data(as_text=True)
    response = post_answer(client, "named", {**GOOD, "phone": "12"})
    assert response.status_code == 400
    assert set(answers_errors(response)) == {"name", "phone"}
    assert post_answer(client, "named", {**GOOD, "name": "张三", "phone": "138 1234 5678"}).status_code == 303
    row = session.scalars(select(SurveyResponse)).one()
    assert (row.name, row.phone) == ("张三", "13812345678")


def test_a_name_of_the_longest_allowed_length_is_stored_whole(client: FlaskClient, app: Flask,
                                                             session: Session) -> None:
    # the column is as long as the form allows (a PostgreSQL VARCHAR shorter than the form's
    # limit refused such an answer with a 500; SQLite stores any length)
    longest = "欧阳" + "张" * (NAME_MAX - 2)
    assert post_answer(client, "named", {**GOOD, "name": longest,
                                         "phone": "13812345678"}).status_code == 303
    assert session.scalars(select(SurveyResponse.name)).one() == longest
    with db.get_engine(app).connect() as conn:
        [column] = [c for c in inspect(conn).get_columns("survey_response") if c["name"] == "name"]
    assert column["type"].length == NAME_MAX


def answers_errors(response: Any) -> list[str]:
    return [a["href"].lstrip("#") for a in soup(response).select(".gp-error-summary a")]


def test_results_only_after_close(client: FlaskClient, app: Flask) -> None:
    assert client.get("/hdjl/surveys/open/results").status_code == 404
    with app.app_context():
        from formsvc.db import new_session
        from formsvc.web.runtime import surveys

        s = new_session()
        closed = surveys()["closed"]
        for often, score in ((1, 5), (1, 4), (2, 1)):
            answer, errors = answers.check(closed, {"often": [often], "problems": [1], "score": [score],
                                                    "advice": ["电话 13812345678 找我"]})
            assert not errors
            survey_svc.submit(s, closed, answer)
        s.close()
    response = client.get("/hdjl/surveys/closed/results")
    assert response.status_code == 200
    page = soup(response)
    check_page(page)
    assert "共收到答卷 3 份" in page.get_text()
    assert len(page.select("svg.gp-chart")) == 3  # the counted questions
    first = page.select("table")[0]
    rows = [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])] for tr in first.select("tbody tr")]
    assert rows == [["每天", "2", "66.7%"], ["每周", "1", "33.3%"], ["很少", "0", "0.0%"]]
    assert "平均分 3.33" in page.get_text()
    assert "13812345678" not in response.get_data(as_text=True)  # no text published yet


def test_results_read_the_shards_summed(app: Flask) -> None:
    with app.app_context():
        from formsvc.db import new_session
        from formsvc.web.runtime import surveys

        s = new_session()
        survey = surveys()["open"]
        answer, _ = answers.check(survey, {"often": [3], "score": [2]})
        for shard in (0, 1, 1, 7):
            survey_svc.submit(s, survey, answer, shard=shard)
        result = survey_svc.results(s, survey)
        s.close()
    assert result.total == 4
    assert [o.count for o in result.questions[0].options] == [0, 0, 4]


def test_csv_cells_cannot_start_a_formula() -> None:
    assert survey_svc.csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"
    for start in "+-@\t\r":
        assert survey_svc.csv_cell(start + "1").startswith("'")
    assert survey_svc.csv_cell("正常") == "正常" and survey_svc.csv_cell(None) == ""


def test_the_loader_is_the_checker_parser(content_dir: Path) -> None:
    loaded = survey_defs.load(content_dir)
    assert set(loaded) == {"open", "named", "closed", "later"}


def test_staff_publish_masked_texts_and_export_safe_csv(app: Flask, client: FlaskClient) -> None:
    from tests.formsvc.workbench.helpers import login, make_staff

    with app.app_context():
        from formsvc.db import new_session
        from formsvc.web.runtime import surveys

        s = new_session()
        closed = surveys()["closed"]
        for advice in ("=HYPERLINK(\"x\")", "请联系张三 13812345678"):
            answer, errors = answers.check(closed, {"often": [2], "score": [3], "advice": [advice]})
            assert not errors, errors
            survey_svc.submit(s, closed, answer)
        s.close()
    make_staff(app, "zj", "handler", "zjj")
    staff = app.test_client()
    login(staff, "zj")
    page = soup(staff.get("/hdjl/staff/surveys/closed"))
    assert "当前答卷 2 份" in page.get_text(" ", strip=True)
    forms = page.select("#survey-texts form")
    assert len(forms) == 2
    token = csrf_from(page)
    for form in forms:
        assert staff.post(form["action"], data={"csrf_token": token, "action": "publish"}).status_code == 303
    public = client.get("/hdjl/surveys/closed/results").get_data(as_text=True)
    assert "13812345678" not in public and "请联系" in public
    csv_text = staff.get("/hdjl/staff/surveys/closed.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in csv_text and "\n=HYPERLINK" not in csv_text and ",=HYPERLINK" not in csv_text
    assert csv_text.startswith("\ufeff编号")
    # withdrawn: gone from the public page
    first = soup(staff.get("/hdjl/staff/surveys/closed")).select("#survey-texts form")[0]
    staff.post(first["action"], data={"csrf_token": token, "action": "withdraw"})
    assert len(soup(client.get("/hdjl/surveys/closed/results")).select("main ul.gp-list li")) == 1


# --- the JSON API --------------------------------------------------------------------------------

def api_check(resp: Any, path: str, method: str = "get") -> dict:
    from tests.formsvc.test_api import check as documented

    return documented(resp, path, method)


GOOD_JSON = {"answers": {"often": 2, "problems": [1, 2], "score": 5, "advice": "好"}}


def test_api_lists_describes_and_takes_an_answer(client: FlaskClient, session: Session) -> None:
    listed = api_check(client.get("/api/v1/surveys"), "/surveys")
    assert {s["slug"]: s["state"] for s in listed["surveys"]} == {
        "open": "open", "named": "open", "closed": "closed", "later": "upcoming"}
    one = api_check(client.get("/api/v1/surveys/open"), "/surveys/{slug}")
    assert one["questions"][0]["options"][0] == {"value": 1, "label": "每天"}
    stored = client.post("/api/v1/surveys/open/answers", json=GOOD_JSON)
    assert stored.status_code == 201
    api_check(stored, "/surveys/{slug}/answers", "post")
    assert survey_svc.counts(session, "open")[(1, 2)] == 1
    assert api_check(client.get("/api/v1/surveys/nosuch"), "/surveys/{slug}")["code"] == "survey_not_found"


@pytest.mark.parametrize(("answers_", "code", "field"), [
    ({"often": "2", "score": 5}, "invalid_type", "answers.often"),  # a string, not an integer
    ({"often": True, "score": 5}, "invalid_type", "answers.often"),
    ({"often": 2.0, "score": 5}, "invalid_type", "answers.often"),
    ({"often": [2], "score": 5}, "invalid_type", "answers.often"),
    ({"often": 2, "score": 5, "problems": 1}, "invalid_type", "answers.problems"),
    ({"often": 2, "score": 5, "problems": ["1"]}, "invalid_type", "answers.problems"),
    ({"often": 2, "score": 5, "advice": 12}, "invalid_type", "answers.advice"),
    ({"often": 2, "score": 5, "nosuch": 1}, "invalid_type", "answers.nosuch"),
    ({"often": 9, "score": 5}, "validation_failed", "often"),  # unknown option
    ({"often": 2, "score": 5, "problems": [1, 2, 3]}, "validation_failed", "problems"),  # too many
    ({"score": 5}, "validation_failed", "often"),  # required
    ({"often": 2, "score": 5, "advice": "长" * 21}, "validation_failed", "advice"),
])
def test_api_refuses_hostile_answers(client: FlaskClient, session: Session, answers_: Any,
                                     code: str, field: str) -> None:
    resp = client.post("/api/v1/surveys/open/answers", json={"answers": answers_})
    body = api_check(resp, "/surveys/{slug}/answers", "post")
    assert resp.status_code == 400 and body["code"] == code and field in body["fields"]
    assert count(session, SurveyResponse) == 0


@pytest.mark.parametrize("payload", [[1, 2], "x", {"answers": [1]}, {"answers": {}, "name": 5}])
def test_api_refuses_wrong_shapes(client: FlaskClient, session: Session, payload: Any) -> None:
    resp = client.post("/api/v1/surveys/named/answers", json=payload)
    assert resp.status_code == 400 and resp.get_json()["code"] in ("invalid_json", "invalid_type")
    assert count(session, SurveyResponse) == 0


def test_api_closed_upcoming_and_results(client: FlaskClient) -> None:
    for slug, code in (("closed", "survey_closed"), ("later", "survey_upcoming")):
        resp = client.post(f"/api/v1/surveys/{slug}/answers", json=GOOD_JSON)
        assert resp.status_code == 409
        assert api_check(resp, "/surveys/{slug}/answers", "post")["code"] == code
    assert client.get("/api/v1/surveys/open/results").get_json()["code"] == "results_not_published"
    results = api_check(client.get("/api/v1/surveys/closed/results"), "/surveys/{slug}/results")
    assert results["total"] == 0 and [q["id"] for q in results["questions"]] == ["often", "problems", "score"]


def test_migration_0016_down_and_up(app: Flask, client: FlaskClient) -> None:
    from sqlalchemy import inspect

    from formsvc import db
    from formsvc.db import migrate
    from tests.formsvc.test_applicant_types import _alembic

    assert post_answer(client, "open", GOOD).status_code == 303
    with app.app_context():
        engine = db.get_engine(app)
        tables = {"survey_response", "survey_text", "survey_count"}
        try:
            _alembic(engine, "downgrade", "0014")
            assert not tables & set(inspect(engine).get_table_names())
            assert "message" in inspect(engine).get_table_names()  # nothing else touched
        finally:
            _alembic(engine, "upgrade", "head")
        assert tables <= set(inspect(engine).get_table_names())
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
