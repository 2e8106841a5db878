"""Tracking and rating through the HTML pages, and rate limits on tracking and submission."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.formsvc.conftest import (
    api_submit,
    check_page,
    count_rows,
    csrf_from,
    good_data,
    mark_replied,
    post_form,
    soup,
)


def track(client: FlaskClient, number: str, code: str):  # noqa: ANN201
    token = csrf_from(soup(client.get("/hdjl/track")))
    return client.post("/hdjl/track", data={"csrf_token": token, "tracking_number": number,
                                            "query_code": code})


def main_text(response) -> str:  # noqa: ANN001
    return soup(response).find("main").get_text(" ", strip=True)


def test_same_answer_for_wrong_code_and_unknown_number(client: FlaskClient) -> None:
    sub = api_submit(client, "zx").get_json()
    wrong = track(client, sub["tracking_number"], "ABCDEFGH")
    unknown = track(client, "ZX20200101-ABCDEF", sub["query_code"])
    assert wrong.status_code == unknown.status_code == 404
    assert main_text(wrong) == main_text(unknown).replace("ZX20200101-ABCDEF",
                                                          sub["tracking_number"])
    assert "未找到对应的留言" in main_text(wrong)
    check_page(soup(wrong))


def test_missing_fields_are_named(client: FlaskClient) -> None:
    r = track(client, "", "")
    assert r.status_code == 400
    text = main_text(r)
    assert "请填写受理编号" in text and "请填写查询码" in text


def test_rate_through_html(client: FlaskClient, app: Flask) -> None:
    sub = api_submit(client, "ts").get_json()
    page = soup(track(client, sub["tracking_number"], sub["query_code"]))
    assert page.find("form", attrs={"action": "/hdjl/track/rate"}) is None  # not replied yet
    mark_replied(app, sub["tracking_number"])
    r = track(client, sub["tracking_number"], sub["query_code"])
    page = soup(r)
    check_page(page)
    assert page.find(id="status").get_text() == "已答复"
    assert "社保卡补办" in page.select_one(".gp-reply__body").get_text()
    form = page.find("form", attrs={"action": "/hdjl/track/rate"})
    assert [i["value"] for i in form.select('input[name="rating"]')] == [
        "satisfied", "basically_satisfied", "unsatisfied"]
    data = {i["name"]: i.get("value", "") for i in form.select('input[type="hidden"]')}
    missing = client.post("/hdjl/track/rate", data=data)
    assert missing.status_code == 400 and "请选择满意、基本满意或不满意" in main_text(missing)
    done = client.post("/hdjl/track/rate", data={**data, "rating": "unsatisfied",
                                                 "comment": "没有解决问题"})
    assert done.status_code == 200
    assert "感谢您的评价" in main_text(done)
    assert soup(done).find(id="status").get_text() == "已办结"
    assert "不满意：没有解决问题" in main_text(done)


@pytest.mark.parametrize("app_config", [{"TRACK_RATE_LIMIT": "3 per minute"}])
def test_tracking_is_rate_limited(client: FlaskClient) -> None:
    sub = api_submit(client, "zx").get_json()
    for _ in range(3):
        assert track(client, sub["tracking_number"], "WRONG123").status_code == 404
    r = track(client, sub["tracking_number"], sub["query_code"])
    assert r.status_code == 429
    assert "操作过于频繁" in main_text(r)
    assert int(r.headers["Retry-After"]) > 0
    # the API shares the allowance and answers in JSON
    api = client.post("/api/v1/track", json={"tracking_number": sub["tracking_number"],
                                             "query_code": sub["query_code"]})
    assert api.status_code == 429
    assert api.get_json()["code"] == "rate_limited"
    assert int(api.headers["Retry-After"]) > 0


@pytest.mark.parametrize("app_config", [{"SUBMIT_RATE_LIMIT": "2 per hour"}])
def test_submission_is_rate_limited(client: FlaskClient, app: Flask) -> None:
    assert api_submit(client, "zx").status_code == 201
    assert post_form(client, "jy", good_data("jy")).status_code == 303
    blocked = post_form(client, "ts", good_data("ts"))
    assert blocked.status_code == 429
    api = api_submit(client, "zx", content="另一个不同的问题，请答复。")
    assert api.status_code == 429 and api.get_json()["message"] == "操作过于频繁，请稍后再试"
    assert count_rows(app)["message"] == 2
    # reading the form is not limited
    assert client.get("/hdjl/zx/new").status_code == 200


@pytest.mark.parametrize("app_config", [{"SUBMIT_RATE_LIMIT": "1 per hour"}])
def test_limits_are_per_client_address(app: Flask) -> None:
    a = app.test_client()
    b = app.test_client()
    body = {"kind": "zx", **good_data("zx")}
    assert a.post("/api/v1/messages", json=body,
                  environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 201
    assert a.post("/api/v1/messages", json=body,
                  environ_base={"REMOTE_ADDR": "10.0.0.1"}).status_code == 429
    assert b.post("/api/v1/messages", json=body,
                  environ_base={"REMOTE_ADDR": "10.0.0.2"}).status_code == 201
