"""Open311 GeoReport v2 under /open311/v2/ (issue 25): the shapes of the published
specification's examples (wiki.open311.org/GeoReport_v2), the kinds and statuses mapped from one
table, public facts only, and the refusals in the spec's error format."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from sqlalchemy import select

from formsvc import db
from formsvc.api.openapi import document
from formsvc.domain import open311
from formsvc.domain.channels import HOTLINE
from formsvc.models import Message
from formsvc.models.workbench import Letter
from formsvc.services import lifecycle
from formsvc.services.lifecycle import Status
from tests.formsvc.conftest import api_submit
from tests.formsvc.test_api_keys import bearer, make_key

# The spec's examples, as field → JSON type(s): GET services.json ("service_code": 001, …),
# GET requests.json / requests/{id}.json, the POST answer, and an error.
SPEC_SERVICE = {"service_code": str, "service_name": str, "description": str, "metadata": bool,
                "type": str, "keywords": str, "group": str}
SPEC_REQUEST = {"service_request_id": str, "status": str, "status_notes": (str, type(None)),
                "service_name": str, "service_code": str, "description": (str, type(None)),
                "agency_responsible": (str, type(None)), "service_notice": (str, type(None)),
                "requested_datetime": str, "updated_datetime": str,
                "expected_datetime": (str, type(None)), "address": (str, type(None)),
                "address_id": (str, type(None)), "zipcode": (str, type(None)),
                "lat": (float, type(None)), "long": (float, type(None)),
                "media_url": (str, type(None))}
SPEC_POST_ANSWER = {"service_request_id": str, "service_notice": str,
                    "account_id": (str, type(None))}
SPEC_ERROR = {"code": int, "description": str}
POST = {"service_code": "ts", "description": "小区门口路灯坏了一个月\n晚上出行不便，请尽快修复。",
        "first_name": "三", "last_name": "张", "phone": "13812345678", "email": "",
        "address_string": "城关镇人民路 12 号", "lat": "", "long": ""}


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"AUDIT_LOG": str(tmp_path / "audit.log")}


def shaped(item: dict[str, Any], spec: dict[str, Any]) -> None:
    assert set(spec) <= set(item), set(spec) - set(item)
    for name, types in spec.items():
        assert isinstance(item[name], types), (name, item[name])


def errors_of(r: Any, status: int) -> str:
    assert r.status_code == status, r.get_data(as_text=True)
    body = r.get_json()
    assert isinstance(body, list) and len(body) == 1
    shaped(body[0], SPEC_ERROR)
    assert body[0]["code"] == status
    return str(body[0]["description"])


def check(r: Any, path: str, method: str, status: int = 200) -> Any:
    """The answer against the OpenAPI document's schema for it."""
    assert r.status_code == status, r.get_data(as_text=True)
    doc = document()
    schema = doc["paths"][path][method]["responses"][str(status)]["content"][
        "application/json"]["schema"]
    Draft202012Validator({**schema, "components": doc["components"]}).validate(r.get_json())
    return r.get_json()


def test_services_are_the_kinds_of_the_table(client: FlaskClient) -> None:
    body = check(client.get("/open311/v2/services.json"), "/services.json", "get")
    for item in body:
        shaped(item, SPEC_SERVICE)
        assert item["metadata"] is False and item["type"] == "realtime"
    assert [s["service_code"] for s in body] == ["zx", "jy", "ts", "tz"]
    assert body[2]["service_name"] == "投诉"
    assert "ysqgk" not in {s["service_code"] for s in body}


def test_every_lifecycle_status_is_mapped() -> None:
    assert set(open311.STATUSES) == set(Status)
    assert open311.statuses_of("open") == ["submitted", "assigned"]


def test_post_needs_a_key_with_the_submit_scope(app: Flask, client: FlaskClient) -> None:
    assert "Bearer" in errors_of(client.post("/open311/v2/requests.json", data=POST), 401)
    # the spec's api_key form field is not taken: the key goes in the header
    _, key = make_key(app, "submit")
    assert "api_key" in errors_of(client.post("/open311/v2/requests.json",
                                              data={**POST, "api_key": key}), 401)
    errors_of(client.post("/open311/v2/requests.json", data=POST,
                          headers=bearer("cpk_wrong")), 401)
    _, reader = make_key(app, "read_letters", name="只读")
    assert "submit" in errors_of(client.post("/open311/v2/requests.json", data=POST,
                                             headers=bearer(reader)), 403)
    with app.app_context():
        assert db.new_session().scalar(select(Message.id)) is None
    # the document says so: a key with the submit scope, no anonymous alternative
    assert document()["paths"]["/requests.json"]["post"]["security"] == [{"apiKey": ["submit"]}]


def test_post_files_a_message_of_the_kind(app: Flask, client: FlaskClient) -> None:
    _, key = make_key(app, "submit")
    r = client.post("/open311/v2/requests.json", data=POST, headers=bearer(key))
    body = check(r, "/requests.json", "post", 201)
    shaped(body[0], SPEC_POST_ANSWER)
    assert r.headers["Cache-Control"] == "no-store"
    number = body[0]["service_request_id"]
    with app.app_context():
        m = db.new_session().scalars(select(Message)).one()
        assert (m.tracking_number, m.kind, m.channel, m.name) == (number, "ts", HOTLINE, "张三")
        assert m.subject == "小区门口路灯坏了一个月"
        assert m.content.endswith("地点：城关镇人民路 12 号")
    got = check(client.get(f"/open311/v2/requests/{number}.json"),
                "/requests/{service_request_id}.json", "get")
    shaped(got[0], SPEC_REQUEST)
    assert got[0]["status"] == "open" and got[0]["service_name"] == "投诉"
    assert got[0]["description"] is None  # not a published letter
    assert "张三" not in str(got) and "13812345678" not in str(got)


@pytest.mark.parametrize(("change", "named"), [
    ({"service_code": "ysqgk"}, "service_code"), ({"service_code": "nope"}, "service_code"),
    ({"description": ""}, "description"), ({"phone": "12"}, "phone")])
def test_post_refuses_bad_fields(app: Flask, client: FlaskClient, change: dict[str, str],
                                 named: str) -> None:
    _, key = make_key(app, "submit")
    assert named in errors_of(client.post("/open311/v2/requests.json", data={**POST, **change},
                                          headers=bearer(key)), 400)


def test_get_shows_public_facts_and_filters(app: Flask, client: FlaskClient) -> None:
    numbers = [api_submit(client, kind).get_json()["tracking_number"] for kind in ("zx", "jy")]
    api_submit(client, "ysqgk")
    with app.app_context():
        s = db.new_session()
        jy = s.scalars(select(Message).where(Message.tracking_number == numbers[1])).one()
        jy.status = Status.CLOSED
        s.add(Letter(message_id=jy.id, kind="jy", subject="建议", question="张** 建议增设公交站。",
                     reply="已采纳", received_on=date.today(), replied_on=date.today(),
                     published=True))
        s.commit()
    body = check(client.get("/open311/v2/requests.json"), "/requests.json", "get")
    for item in body:
        shaped(item, SPEC_REQUEST)
    assert [x["service_request_id"] for x in body] == numbers[::-1]  # no 依申请公开
    assert body[0]["description"] == "张** 建议增设公交站。" and body[0]["status"] == "closed"
    assert body[1]["description"] is None
    one = client.get("/open311/v2/requests.json?status=open").get_json()
    assert [x["service_request_id"] for x in one] == numbers[:1]
    assert [x["service_code"] for x in client.get(
        "/open311/v2/requests.json?service_code=jy,ts").get_json()] == ["jy"]
    assert len(client.get(f"/open311/v2/requests.json?service_request_id={numbers[0]}"
                          "&status=closed").get_json()) == 1  # the id overrides the rest
    past = (date.today() - timedelta(days=200)).isoformat()
    assert client.get(f"/open311/v2/requests.json?start_date={past}T00:00:00Z").get_json() == []


@pytest.mark.parametrize("query", [
    "start_date=yesterday", "end_date=2026-13-01", "start_date=2026-01-01T00:00:00Z"
    "&end_date=2026-06-01T00:00:00Z", "start_date=2026-02-01&end_date=2026-01-01",
    "status=pending", "service_code=ysqgk",
    # the edges of the calendar: 90 days before the first day, after the last (found by schemathesis)
    "end_date=0001-01-01T00:00:00Z", "start_date=9999-12-31T00:00:00Z"])
def test_get_refuses_bad_filters(client: FlaskClient, query: str) -> None:
    errors_of(client.get(f"/open311/v2/requests.json?{query}"), 400)


def test_unknown_request_and_route_in_the_spec_format(client: FlaskClient) -> None:
    errors_of(client.get("/open311/v2/requests/ZX-0.json"), 404)
    errors_of(client.get("/open311/v2/nothing.json"), 404)
    errors_of(client.delete("/open311/v2/services.json"), 405)


def test_round_trip_with_the_georeport_client_library(app: Flask, client: FlaskClient) -> None:
    """GeoReport v2 as a real client reads it, over HTTP on loopback: the ``georeport`` package
    (PyPI, "Python wrapper for the Open311 GeoReport v2 API"). It has no call to file a request,
    so the message is filed through the test client with a key, then read back by the library."""
    georeport = pytest.importorskip("georeport", reason="georeport (test extra) not installed")
    from werkzeug.serving import make_server

    _, key = make_key(app, "submit")
    number = client.post("/open311/v2/requests.json", data=POST,
                         headers=bearer(key)).get_json()[0]["service_request_id"]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        api = georeport.GeoReport(f"http://127.0.0.1:{server.server_port}/open311/v2")
        services = api.get_service_list()
        assert [s["service_code"] for s in services] == [s.kind for s in open311.SERVICES]
        listed = api.get_service_requests(service_code="ts", status="open")
        assert [r["service_request_id"] for r in listed] == [number]
        one = api.get_service_request(number)
        shaped(one, SPEC_REQUEST)
        assert (one["service_name"], one["status"]) == ("投诉", "open")
        assert api.get_service_requests(status="closed") == []
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_updated_datetime_is_the_last_public_step(app: Flask, client: FlaskClient) -> None:
    number = api_submit(client, "zx").get_json()["tracking_number"]
    before = client.get(f"/open311/v2/requests/{number}.json").get_json()[0]
    with app.app_context():
        s = db.new_session()
        m = s.scalars(select(Message).where(Message.tracking_number == number)).one()
        later = m.submitted_at + timedelta(days=1)
        lifecycle.apply(m, "note", actor="staff:1", role="dispatcher", note="内部备注", now=later)
        s.commit()
    assert client.get(f"/open311/v2/requests/{number}.json").get_json()[0] == before
    with app.app_context():
        s = db.new_session()
        m = s.scalars(select(Message).where(Message.tracking_number == number)).one()
        lifecycle.apply(m, "dispatch", actor="staff:1", role="dispatcher", now=later)
        s.commit()
    after = client.get(f"/open311/v2/requests/{number}.json").get_json()[0]
    assert after["updated_datetime"] == later.isoformat() and after["status"] == "open"
