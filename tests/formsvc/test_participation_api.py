"""The participation API: published comments and answered questions, submitting with strict JSON
types, the close date, the OpenAPI document (SQLite and PG)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.formsvc.participation_data import write_tree

GOOD = {"name": "张三", "phone": "13812345678", "text": "建议增加农村助餐点。"}


@pytest.fixture(scope="module")
def content_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("participation-api"))


def test_comment_is_stored_and_not_public_before_moderation(client: FlaskClient) -> None:
    r = client.post("/api/v1/consultations/open-draft/comments", json={**GOOD, "article": 2})
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["status"] == "pending" and body["article"] == 2 and body["duplicate"] is False
    listing = client.get("/api/v1/consultations/open-draft/comments").get_json()
    assert listing["total"] == 0 and listing["state"] == "open"
    again = client.post("/api/v1/consultations/open-draft/comments", json={**GOOD, "article": 2})
    assert again.get_json()["duplicate"] is True


@pytest.mark.parametrize("change", [
    {"article": True}, {"article": "2"}, {"article": 2.5}, {"name": 12}, {"phone": 13812345678},
    {"text": ["建议"]}, {"text": {"a": 1}}])
def test_wrong_json_types_are_400_with_the_field(client: FlaskClient, change: dict[str, Any]) -> None:
    r = client.post("/api/v1/consultations/open-draft/comments", json={**GOOD, **change})
    assert r.status_code == 400
    body = r.get_json()
    assert body["code"] == "validation_failed" and set(change) <= set(body["fields"])


@pytest.mark.parametrize("payload,status,code", [
    ({**GOOD, "article": 99}, 400, "validation_failed"),
    ({**GOOD, "text": "短"}, 400, "validation_failed"),
    ({**GOOD, "website": "x"}, 400, "spam_suspected"),
])
def test_bad_values(client: FlaskClient, payload: dict[str, Any], status: int, code: str) -> None:
    r = client.post("/api/v1/consultations/open-draft/comments", json=payload)
    assert (r.status_code, r.get_json()["code"]) == (status, code)


def test_not_json_and_not_an_object(client: FlaskClient) -> None:
    assert client.post("/api/v1/consultations/open-draft/comments", data="x").status_code == 415
    r = client.post("/api/v1/consultations/open-draft/comments", json=[1, 2])
    assert r.status_code == 400 and r.get_json()["code"] == "invalid_json"


def test_closed_and_unknown(client: FlaskClient) -> None:
    r = client.post("/api/v1/consultations/closed-draft/comments", json=GOOD)
    assert r.status_code == 409 and r.get_json()["code"] == "closed"
    assert client.post("/api/v1/interviews/past/questions", json=GOOD).status_code == 409
    assert client.get("/api/v1/consultations/nope/comments").status_code == 404
    assert client.post("/api/v1/interviews/nope/questions", json=GOOD).status_code == 404


def test_question_takes_no_article(client: FlaskClient) -> None:
    r = client.post("/api/v1/interviews/live/questions", json={**GOOD, "article": 1})
    assert r.status_code == 400 and "article" in r.get_json()["fields"]
    r = client.post("/api/v1/interviews/live/questions", json=GOOD)
    assert r.status_code == 201 and r.get_json()["kind"] == "question"
    assert client.get("/api/v1/interviews/live/questions").get_json()["items"] == []


def test_openapi_documents_the_routes(client: FlaskClient) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(doc["paths"]["/consultations/{slug}/comments"])
    assert {"get", "post"} <= set(doc["paths"]["/interviews/{slug}/questions"])
    assert "PublicContribution" in doc["components"]["schemas"]
