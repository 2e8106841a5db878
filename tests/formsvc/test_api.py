"""The JSON API: every kind, the errors, tracking and rating, validated against the OpenAPI document."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from formsvc import db
from formsvc.api.openapi import document
from formsvc.models import Message
from tests.formsvc.conftest import NUMBER_RE, api_submit, count_rows, mark_replied

KINDS = ["zx", "jy", "ts", "qz", "jb", "tz", "ysqgk"]


def validate(body: Any, schema_name: str) -> None:
    """Check a real response against the published document's schema."""
    doc = document()
    Draft202012Validator({"$ref": f"#/components/schemas/{schema_name}",
                          "components": doc["components"]}).validate(body)


def response_schema(path: str, method: str, status: int) -> str:
    ref = document()["paths"][path][method]["responses"][str(status)]["content"][
        "application/json"]["schema"]["$ref"]
    return ref.rsplit("/", 1)[-1]


def check(resp: Any, path: str, method: str = "post") -> dict:
    """The status is documented for this operation and the body matches its schema."""
    validate(resp.get_json(), response_schema(path, method, resp.status_code))
    return resp.get_json()


def test_openapi_document_passes_the_spec_validator(client: FlaskClient) -> None:
    # openapi-spec-validator checks the whole document against the OpenAPI 3.1 meta-schema
    spec_validator = pytest.importorskip("openapi_spec_validator",
                                         reason="openapi-spec-validator not installed")
    spec_validator.validate(client.get("/api/v1/openapi.json").get_json())


def test_openapi_document_is_valid(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    refs = set(re.findall(r'"#/components/schemas/(\w+)"', json.dumps(doc)))
    assert refs <= set(doc["components"]["schemas"]), "dangling $ref"
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            if method == "servers":  # Open311's paths are served under /open311/v2
                continue
            assert op["operationId"] and op["responses"], path
    for schema in doc["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)
    assert set(doc["paths"]) == {"/kinds", "/departments", "/messages", "/track", "/rate",
                                 "/letters", "/letters/{letter_id}", "/stats", "/search",
                                 "/healthz", "/work-orders", "/work-orders/schema.json",
                                 "/services.json", "/requests.json",
                                 "/requests/{service_request_id}.json",
                                 "/consultations/{slug}/comments",
                                 "/interviews/{slug}/questions",
                                 "/surveys", "/surveys/{slug}", "/surveys/{slug}/answers",
                                 "/surveys/{slug}/results", "/messages/{tracking_number}"}


def test_openapi_lists_every_route(app: Flask) -> None:
    # a path item's own servers entry (Open311's /open311/v2) replaces the document's /api/v1
    documented = {item.get("servers", [{"url": "/api/v1"}])[0]["url"] + p
                  for p, item in document()["paths"].items()} | {"/api/v1/openapi.json"}
    # Flask writes <int:letter_id>, OpenAPI {letter_id}
    routes = {re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", r.rule)
              for r in app.url_map.iter_rules() if r.rule.startswith(("/api/", "/open311/"))}
    assert routes == documented


def test_the_api_is_served_from_one_package(app: Flask) -> None:
    """/api/v1 in one place: every JSON route in formsvc/api/, and no HTML route there
    (Open311 GeoReport v2 under /open311/v2 too, on its own blueprint)."""
    for rule in app.url_map.iter_rules():
        module = app.view_functions[rule.endpoint].__module__
        if rule.rule.startswith("/api/"):
            assert rule.endpoint.startswith("api.") and module.startswith("formsvc.api."), rule
        elif rule.rule.startswith("/open311/"):
            assert rule.endpoint.startswith("open311.") and module == "formsvc.api.open311", rule
        else:
            assert not module.startswith("formsvc.api"), rule


def test_kinds(client: FlaskClient) -> None:
    body = check(client.get("/api/v1/kinds"), "/kinds", "get")
    by_code = {k["code"]: k for k in body["kinds"]}
    assert [k["code"] for k in body["kinds"]] == KINDS
    assert {c: k["time_limit"] for c, k in by_code.items()} == {
        "zx": 5, "jy": 10, "ts": 10, "qz": 5, "jb": 15, "tz": 5, "ysqgk": 20}
    assert by_code["ysqgk"]["extension_limit"] == 20
    assert by_code["ysqgk"]["requires_confirmation"] is True
    medium = next(f for f in by_code["ysqgk"]["fields"] if f["name"] == "medium")
    assert [c["label"] for c in medium["choices"]] == ["纸质文本", "电子邮件", "光盘", "其他"]
    assert any(f["name"] == "project" for f in by_code["tz"]["fields"])


@pytest.mark.parametrize("app_config", [{"TIME_LIMITS": {"zx": 3}}])
def test_time_limit_overridden_by_config(client: FlaskClient) -> None:
    kinds = client.get("/api/v1/kinds").get_json()["kinds"]
    assert kinds[0]["time_limit"] == 3
    body = api_submit(client, "zx").get_json()
    assert body["due"]["working_days"] == 3


def test_departments(client: FlaskClient) -> None:
    body = check(client.get("/api/v1/departments"), "/departments", "get")
    codes = [d["code"] for d in body["departments"]]
    assert codes[:3] == ["xzf", "xzfb", "fgw"] and len(codes) == 19
    assert [d["code"] for d in body["departments"] if d["accepts_disclosure_requests"]] == ["xzfb"]


@pytest.mark.parametrize("kind", KINDS)
def test_submit_each_kind(client: FlaskClient, session: Session, kind: str) -> None:
    r = api_submit(client, kind)
    assert r.status_code == 201, r.get_json()
    body = check(r, "/messages")
    assert NUMBER_RE.match(body["tracking_number"])
    assert body["kind"] == kind and body["status"] == "submitted"
    assert body["due_date"] == body["due"]["due_date"]
    assert body["due"]["explanation"].startswith("自受理日")
    assert r.headers["Cache-Control"] == "no-store"
    m = session.scalar(select(Message).where(Message.tracking_number == body["tracking_number"]))
    assert m is not None and m.due_date.isoformat() == body["due_date"]


def test_disclosure_requires_confirmation(client: FlaskClient, app: Flask) -> None:
    r = api_submit(client, "ysqgk", confirmed=False)
    assert r.status_code == 400
    body = check(r, "/messages")
    assert body["code"] == "confirmation_required"
    assert count_rows(app)["message"] == 0


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"phone": "123"}, "phone", "请输入正确的手机号码"),
    ({"name": ""}, "name", "请填写姓名"),
    ({"email": "a@b"}, "email", "请输入正确的电子邮箱地址"),
    ({"department": "nope"}, "department", "请从列表中选择办理单位"),
    ({"content": "短"}, "content", "内容至少 10 个字"),
])
def test_validation_errors(client: FlaskClient, change: dict, field: str, message: str) -> None:
    r = api_submit(client, "zx", **change)
    assert r.status_code == 400
    body = check(r, "/messages")
    assert body["code"] == "validation_failed"
    assert body["fields"][field][0].startswith(message)


@pytest.mark.parametrize(("kwargs", "status", "code"), [
    ({"json": {"kind": "xx"}}, 400, "invalid_kind"),
    ({"json": ["not", "an", "object"]}, 400, "invalid_json"),
    ({"json": {"kind": "zx", "name": {"nested": 1}}}, 400, "validation_failed"),
    ({"data": "kind=zx", "content_type": "application/x-www-form-urlencoded"}, 415,
     "unsupported_media_type"),
    ({"data": "{broken", "content_type": "application/json"}, 400, "invalid_json"),
    ({"json": {"kind": "zx", "website": "x"}}, 400, "spam_suspected"),
])
def test_request_errors_are_json(client: FlaskClient, kwargs: dict, status: int,
                                 code: str) -> None:
    r = client.post("/api/v1/messages", **kwargs)
    assert r.status_code == status
    assert check(r, "/messages")["code"] == code


def test_track_and_rate(client: FlaskClient, app: Flask) -> None:
    sub = api_submit(client, "zx").get_json()
    creds = {"tracking_number": sub["tracking_number"], "query_code": sub["query_code"]}
    body = check(client.post("/api/v1/track", json=creds), "/track")
    assert body["status"] == "submitted" and body["reply"] is None and body["can_rate"] is False
    assert [e["action"] for e in body["timeline"]] == ["submit"]
    early = client.post("/api/v1/rate", json={**creds, "rating": "satisfied"})
    assert early.status_code == 409 and check(early, "/rate")["code"] == "not_replied"

    mark_replied(app, sub["tracking_number"])
    body = check(client.post("/api/v1/track", json=creds), "/track")
    assert body["status"] == "replied" and body["reply"]["text"].startswith("您好")
    assert body["can_rate"] is True
    assert [e["action"] for e in body["timeline"]] == ["submit", "dispatch", "reply"]

    bad = client.post("/api/v1/rate", json={**creds, "rating": "great"})
    assert bad.status_code == 400 and "rating" in check(bad, "/rate")["fields"]
    rated = client.post("/api/v1/rate", json={**creds, "rating": "basically_satisfied",
                                              "comment": "答复及时"})
    body = check(rated, "/rate")
    assert body["status"] == "closed"
    assert body["rating"] == {"value": "basically_satisfied", "label": "基本满意",
                              "comment": "答复及时", "rated_at": body["rating"]["rated_at"]}
    again = client.post("/api/v1/rate", json={**creds, "rating": "unsatisfied"})
    assert again.status_code == 409 and check(again, "/rate")["code"] == "already_rated"


def test_tracking_lookup_is_one_statement(client: FlaskClient, app: Flask) -> None:
    """The message, its department and its timeline come in one SELECT (no lazy loads)."""
    sub = api_submit(client, "ts").get_json()
    mark_replied(app, sub["tracking_number"])
    creds = {"tracking_number": sub["tracking_number"], "query_code": sub["query_code"]}
    statements: list[str] = []

    def on_execute(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = db.get_engine(app)
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        body = client.post("/api/v1/track", json=creds).get_json()
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
    assert [e["action"] for e in body["timeline"]] == ["submit", "dispatch", "reply"]
    assert body["department"] and body["status"] == "replied"
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("SELECT"), statements


def test_wrong_code_and_unknown_number_answer_the_same(client: FlaskClient) -> None:
    sub = api_submit(client, "zx").get_json()
    wrong_code = client.post("/api/v1/track", json={"tracking_number": sub["tracking_number"],
                                                    "query_code": "ABCDEFGH"})
    unknown = client.post("/api/v1/track", json={"tracking_number": "ZX20200101-ABCDEF",
                                                 "query_code": sub["query_code"]})
    malformed = client.post("/api/v1/track", json={"tracking_number": "hello",
                                                   "query_code": "x"})
    assert wrong_code.status_code == unknown.status_code == malformed.status_code == 404
    assert wrong_code.get_json() == unknown.get_json() == malformed.get_json()
    check(unknown, "/track")
    rate_wrong = client.post("/api/v1/rate", json={"tracking_number": sub["tracking_number"],
                                                   "query_code": "ABCDEFGH",
                                                   "rating": "satisfied"})
    assert rate_wrong.status_code == 404 and rate_wrong.get_json() == unknown.get_json()


def test_track_requires_both_fields(client: FlaskClient) -> None:
    r = client.post("/api/v1/track", json={"tracking_number": ""})
    assert r.status_code == 400
    assert set(check(r, "/track")["fields"]) == {"tracking_number", "query_code"}


def test_code_is_case_and_dash_insensitive(client: FlaskClient) -> None:
    sub = api_submit(client, "jy").get_json()
    r = client.post("/api/v1/track", json={
        "tracking_number": sub["tracking_number"].lower().replace("-", ""),
        "query_code": " " + sub["query_code"].lower() + " "})
    assert r.status_code == 200


@pytest.mark.parametrize(("method", "url", "status", "code"), [
    ("get", "/api/v1/nothing", 404, "not_found"),
    ("get", "/api/v1/messages", 405, "method_not_allowed"),
    ("delete", "/api/v1/kinds", 405, "method_not_allowed"),
])
def test_http_errors_are_json(client: FlaskClient, method: str, url: str, status: int,
                              code: str) -> None:
    r = getattr(client, method)(url)
    assert r.status_code == status
    validate(r.get_json(), "Error")
    assert r.get_json()["code"] == code


def test_api_is_csrf_exempt_but_html_is_not(client: FlaskClient) -> None:
    assert api_submit(client, "zx").status_code == 201


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 2000}])
def test_too_large_request_is_json_413(client: FlaskClient) -> None:
    r = api_submit(client, "zx", content="长" * 3000)
    assert r.status_code == 413
    assert check(r, "/messages")["code"] == "payload_too_large"


def test_every_resource_module_is_in_the_one_tuple_the_document_is_built_from() -> None:
    """A new module with PATHS that is not in formsvc.api.RESOURCES would be left out of the document."""
    import importlib
    import pkgutil

    import formsvc.api

    declaring = set()
    for info in pkgutil.iter_modules(formsvc.api.__path__):
        module = importlib.import_module(f"formsvc.api.{info.name}")
        if hasattr(module, "PATHS"):
            declaring.add(module)
    assert declaring == set(formsvc.api.RESOURCES)
    assert len(formsvc.api.RESOURCES) == len(declaring)
