"""Strict JSON types in the API (issue 19): a boolean is only true/false, a choice only one of its
strings, a query parameter only what the document says; every other value is a 400 naming the
field, and nothing is saved. The HTML form's checkbox is unchanged."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.api.openapi import document
from formsvc.domain import kinds
from formsvc.forms import json_types
from formsvc.models import Message
from tests.formsvc.conftest import api_submit, count_rows, good_data, mark_replied, post_form
from tests.formsvc.test_api import check

# the values a careless or hostile client sends instead of a boolean or a choice
NOT_BOOLEAN = [0, 1, "0", "1", "yes", "no", "否", "是", "off", "on", "true", "false", "", None,
               [], {}, [True], 1.0]
NOT_CHOICE = [0, 1, True, False, None, [], {}, ["citizen"], {"value": "citizen"}]
NOT_TEXT = [True, False, [], {}, ["x"]]


CONFIG = {"NAME_MAX": 50, "SUBJECT_MAX": 100, "CONTENT_MIN": 10, "CONTENT_MAX": 3000}


def _typed_fields(json_type: str) -> list[tuple[str, str]]:
    """(kind, field): each field whose JSON type is ``json_type``, with the first kind that has
    it (the kinds share the one check; one kind per field keeps the run short)."""
    types = json_types(CONFIG)
    out: dict[str, str] = {}
    for kind in kinds.KINDS:
        for name in kind.fields:
            if types[name] == json_type:
                out.setdefault(name, kind.code)
    return [(kind, name) for name, kind in out.items()]


BOOLEAN_FIELDS = [*_typed_fields("boolean"), ("ysqgk", "consent_publish"),
                  ("ysqgk", "confirmed"), ("zx", "confirmed")]
CHOICE_FIELDS = _typed_fields("choice")


def test_the_audit_covers_every_boolean_and_choice() -> None:
    # a new boolean or choice field of a kind joins these tests by itself; this pins the list
    assert {f for _, f in BOOLEAN_FIELDS} == {"consent_publish", "confirmed", "notify_sms"}
    assert {f for _, f in CHOICE_FIELDS} == {"department", "project", "applicant_type",
                                              "id_type", "medium", "delivery", "org_type"}


@pytest.mark.parametrize("value", [True, False])
def test_a_json_boolean_means_what_it_says(client: FlaskClient, session: Session,
                                           value: bool) -> None:
    r = api_submit(client, "zx", consent_publish=value)
    assert r.status_code == 201, r.get_json()
    m = session.scalar(select(Message).where(
        Message.tracking_number == r.get_json()["tracking_number"]))
    assert m is not None and m.consent_publish is value


def test_leaving_consent_out_is_no(client: FlaskClient, session: Session) -> None:
    r = api_submit(client, "zx")
    assert r.status_code == 201
    assert session.scalar(select(Message.consent_publish)) is False


@pytest.mark.parametrize(("kind", "field"), BOOLEAN_FIELDS)
@pytest.mark.parametrize("value", NOT_BOOLEAN, ids=repr)
def test_a_boolean_field_refuses_anything_but_true_or_false(
        client: FlaskClient, app: Flask, kind: str, field: str, value: Any) -> None:
    body = {"kind": kind, **good_data(kind), field: value}
    if kind == "ysqgk" and field != "confirmed":
        body["confirmed"] = True
    r = client.post("/api/v1/messages", json=body)
    assert r.status_code == 400, (field, value)
    answer = check(r, "/messages")
    assert answer["code"] == "validation_failed"
    assert list(answer["fields"]) == [field]
    assert "true 或 false" in answer["fields"][field][0]
    assert count_rows(app)["message"] == 0


@pytest.mark.parametrize(("kind", "field"), CHOICE_FIELDS)
@pytest.mark.parametrize("value", NOT_CHOICE, ids=repr)
def test_a_choice_field_refuses_anything_but_a_string(
        client: FlaskClient, app: Flask, kind: str, field: str, value: Any) -> None:
    body = {"kind": kind, **good_data(kind), field: value}
    if kind == "ysqgk":
        body["confirmed"] = True
    r = client.post("/api/v1/messages", json=body)
    assert r.status_code == 400, (field, value)
    answer = check(r, "/messages")
    assert answer["code"] == "validation_failed" and list(answer["fields"]) == [field]
    assert count_rows(app)["message"] == 0


@pytest.mark.parametrize(("kind", "field", "value"), [
    ("ysqgk", "applicant_type", "yes"), ("ysqgk", "id_type", "0"), ("ysqgk", "medium", "否"),
    ("ysqgk", "delivery", "1"), ("zx", "department", "0"), ("tz", "project", "yes"),
])
def test_a_choice_field_refuses_a_string_not_among_its_values(
        client: FlaskClient, app: Flask, kind: str, field: str, value: str) -> None:
    r = api_submit(client, kind, **{field: value})
    assert r.status_code == 400
    answer = check(r, "/messages")
    assert answer["code"] == "validation_failed" and field in answer["fields"]
    assert count_rows(app)["message"] == 0


@pytest.mark.parametrize("field", ["name", "phone", "subject", "content", "email"])
@pytest.mark.parametrize("value", NOT_TEXT, ids=repr)
def test_a_text_field_refuses_booleans_and_structures(
        client: FlaskClient, app: Flask, field: str, value: Any) -> None:
    r = api_submit(client, "zx", **{field: value})
    assert r.status_code == 400
    answer = check(r, "/messages")
    assert answer["code"] == "validation_failed" and list(answer["fields"]) == [field]
    assert count_rows(app)["message"] == 0


@pytest.mark.parametrize("value", [0, 1, "yes", None, [], {}, True])
def test_kind_refuses_the_wrong_type(client: FlaskClient, app: Flask, value: Any) -> None:
    r = client.post("/api/v1/messages", json={**good_data("zx"), "kind": value})
    assert r.status_code == 400
    answer = check(r, "/messages")
    assert answer["code"] == "invalid_kind" and "kind" in answer["fields"]
    assert count_rows(app)["message"] == 0


def test_the_html_checkbox_is_unchanged(client: FlaskClient, session: Session) -> None:
    post_form(client, "zx", good_data("zx", consent_publish="y"))
    post_form(client, "zx", good_data("zx", subject="另一件事情的咨询"))
    assert sorted(session.scalars(select(Message.consent_publish))) == [False, True]


def _replied(client: FlaskClient, app: Flask) -> dict[str, str]:
    sub = api_submit(client, "zx").get_json()
    mark_replied(app, sub["tracking_number"])
    return {"tracking_number": sub["tracking_number"], "query_code": sub["query_code"]}


@pytest.mark.parametrize("value", [0, 1, "0", "yes", "满意", None, [], {}, True])
def test_rating_refuses_anything_but_its_values(client: FlaskClient, app: Flask,
                                                 value: Any) -> None:
    creds = _replied(client, app)
    r = client.post("/api/v1/rate", json={**creds, "rating": value})
    assert r.status_code == 400
    answer = check(r, "/rate")
    assert answer["code"] == "validation_failed" and list(answer["fields"]) == ["rating"]
    assert client.post("/api/v1/track", json=creds).get_json()["rating"] is None


@pytest.mark.parametrize("value", [0, False, True, [], {}])
def test_rating_comment_refuses_the_wrong_type(client: FlaskClient, app: Flask,
                                               value: Any) -> None:
    creds = _replied(client, app)
    r = client.post("/api/v1/rate", json={**creds, "rating": "satisfied", "comment": value})
    assert r.status_code == 400
    answer = check(r, "/rate")
    assert list(answer["fields"]) == ["comment"]
    assert client.post("/api/v1/track", json=creds).get_json()["rating"] is None


@pytest.mark.parametrize("path", ["/track", "/rate"])
@pytest.mark.parametrize("field", ["tracking_number", "query_code"])
@pytest.mark.parametrize("value", [0, True, {}])
def test_credentials_refuse_the_wrong_type(client: FlaskClient, app: Flask, path: str,
                                           field: str, value: Any) -> None:
    creds = _replied(client, app)
    r = client.post("/api/v1" + path, json={**creds, "rating": "satisfied", field: value})
    assert r.status_code == 400
    answer = check(r, path)
    assert answer["code"] == "validation_failed" and list(answer["fields"]) == [field]
    assert answer["fields"][field] == ["应为字符串"]
    assert client.post("/api/v1/track", json=creds).get_json()["rating"] is None


@pytest.mark.parametrize(("param", "value"), [
    ("kind", "0"), ("kind", "yes"), ("kind", "ZX"), ("department", "0"),
    ("department", "nope"), ("page", "0"), ("page", "-1"), ("page", "yes"), ("page", "1.5"),
    ("page", "９"), ("page", str(2**31)), ("per_page", "0"), ("per_page", "51"),
    ("per_page", "ten"),
])
def test_letters_query_parameters_are_checked(client: FlaskClient, param: str,
                                              value: str) -> None:
    r = client.get("/api/v1/letters", query_string={param: value})
    assert r.status_code == 400
    answer = check(r, "/letters", "get")
    assert answer["code"] == "invalid_parameter" and list(answer["fields"]) == [param]


@pytest.mark.parametrize("args", [{}, {"kind": "zx"}, {"department": "rsj"}, {"page": "3"},
                                  {"per_page": "50"}, {"kind": "", "department": ""}])
def test_letters_good_query_parameters_pass(client: FlaskClient, args: dict) -> None:
    r = client.get("/api/v1/letters", query_string=args)
    assert r.status_code == 200
    check(r, "/letters", "get")


def test_the_html_letter_box_stays_lenient(client: FlaskClient) -> None:
    assert client.get("/hdjl/letters?kind=yes&page=abc&department=0").status_code == 200


def test_openapi_says_boolean_and_enum_exactly() -> None:
    doc = document()
    props = doc["components"]["schemas"]["NewMessage"]["properties"]
    for name, json_type in json_types(CONFIG).items():
        if json_type == "boolean":
            assert props[name]["type"] == "boolean" and "enum" not in props[name], name
        elif json_type == "choice":
            assert props[name]["type"] == "string", name
    assert props["confirmed"]["type"] == "boolean"
    for name in ("applicant_type", "id_type", "medium", "delivery", "kind"):
        assert props[name]["enum"], name
    rating = doc["components"]["schemas"]["Rating"]["properties"]["rating"]
    assert rating["type"] == "string" and rating["enum"]


@pytest.mark.parametrize(("url", "param", "value"), [
    ("/api/v1/search", "page", "yes"), ("/api/v1/search", "page", "0"),
    ("/api/v1/search", "per_page", "[]"), ("/api/v1/search", "sort", "yes"),
    ("/api/v1/search", "sort", "1"), ("/api/v1/search", "year", "0"),
    ("/api/v1/search", "site", "{}"),
    ("/api/v1/stats", "from", "0"), ("/api/v1/stats", "to", "yes"),
    ("/api/v1/stats", "from", "null"),
])
def test_search_and_stats_parameters_refuse_the_wrong_type(client: FlaskClient, url: str,
                                                           param: str, value: str) -> None:
    r = client.get(url, query_string={"q": "社保", param: value})
    assert r.status_code == 400, (url, param, value)
    assert check(r, url.removeprefix("/api/v1"), "get")["code"] != "internal_error"
