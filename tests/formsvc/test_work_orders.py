"""The 12345 work-order exchange (issue 25): the batch format, import (idempotent, per order,
never a 500), export of status and replies for polling, the CLI, migration 0013, and a round
trip with a fake 12345 platform talking HTTP to the app on loopback."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from sqlalchemy import inspect, select
from werkzeug.serving import make_server

from formsvc import db
from formsvc.api.work_orders import SCHEMA_FILE, batch_schema
from formsvc.config import county_date
from formsvc.db import migrate
from formsvc.domain import kinds
from formsvc.domain.channels import HOTLINE
from formsvc.domain.workdays import Calendar
from formsvc.forms import work_orders as orders_form
from formsvc.models import Message
from formsvc.services import deadlines, submission, work_orders
from tests.formsvc.test_api import check
from tests.formsvc.test_api_keys import bearer, make_key, messages
from tests.formsvc.workbench.helpers import login, make_staff, post_action
from tests.formsvc.workbench.test_stats_summary import _alembic

URL = "/api/v1/work-orders"


def order(n: int, **changes: Any) -> dict[str, Any]:
    base = {"external_id": f"GD20261206{n:04d}", "received_at": "2026-12-06T09:15:00+08:00",
            "caller_name": "张三", "caller_phone": "13812345678", "kind": "ts",
            "subject": f"人民路夜市噪音扰民（{n}）",
            "content": f"人民路夜市每天营业到凌晨，噪音很大，请相关部门处理。工单 {n}。",
            "address": "示范县人民路", "department": "zjj"}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


@pytest.fixture
def key(app: Flask) -> str:
    return make_key(app, "work_orders")[1]


def test_the_schema_file_is_json_schema_and_its_example_passes() -> None:
    schema = batch_schema()
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    for example in schema["examples"]:
        validator.validate(example)
    validator.validate({"orders": [order(1), order(2, address=None, department=None)]})
    item = schema["properties"]["orders"]["items"]
    # the parser reads exactly the fields the schema lists, and requires the same ones
    assert set(item["properties"]) == set(orders_form.FIELDS)
    assert set(item["required"]) == set(orders_form.REQUIRED)
    kinds = item["properties"]["kind"]["enum"]
    assert {"zx", "jy", "ts"} <= set(kinds) and not {"tz", "ysqgk"} & set(kinds)
    assert "enum" not in json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))["properties"][
        "orders"]["items"]["properties"]["kind"]  # filled from the kinds table, not written


def test_a_batch_is_imported_once_and_reported_per_order(app: Flask, client: FlaskClient,
                                                         key: str) -> None:
    batch = {"orders": [order(1), order(2, department="示范县住房和城乡建设局"),
                        order(3, caller_phone="12", kind="ysqgk"), order(4, department="市容科"),
                        "not an order"]}
    r = client.post(URL, json=batch, headers=bearer(key))
    body = check(r, "/work-orders")
    assert r.headers["Cache-Control"] == "no-store"
    assert (body["created"], body["existing"], body["invalid"], body["failed"]) == (3, 0, 2, 0)
    results = body["results"]
    assert [x["result"] for x in results] == ["created", "created", "invalid", "created",
                                              "invalid"]
    assert [x["index"] for x in results] == [0, 1, 2, 3, 4]
    assert results[2]["external_id"] == "GD202612060003"
    assert set(results[2]["fields"]) == {"kind"}
    assert results[4] == {"index": 4, "external_id": None, "result": "invalid",
                          "fields": {"": ["工单应为 JSON 对象"]}}
    assert results[0]["query_code"] and results[0]["department"]
    stored = {m.external_id: m for m in messages(app)}
    assert set(stored) == {"GD202612060001", "GD202612060002", "GD202612060004"}
    first = stored["GD202612060001"]
    assert (first.channel, first.kind, first.name, first.phone, first.address) == (
        HOTLINE, "ts", "张三", "13812345678", "示范县人民路")
    assert first.api_key_id is not None and not first.consent_publish
    assert first.details["work_order_received_at"] == "2026-12-06T09:15:00+08:00"
    # 12345's suggestion by code or by the full name
    assert stored["GD202612060001"].department_id == stored["GD202612060002"].department_id
    assert results[1]["department"] == "县住建局"
    # an unknown suggested department goes to dispatch, the suggestion kept for the dispatcher
    assert stored["GD202612060004"].department_id is None
    assert stored["GD202612060004"].details["work_order_department"] == "市容科"

    # the same batch again: the same messages, nothing stored twice
    again = check(client.post(URL, json=batch, headers=bearer(key)), "/work-orders")
    assert (again["created"], again["existing"], again["invalid"]) == (0, 3, 2)
    assert [x.get("tracking_number") for x in again["results"]] == [
        x.get("tracking_number") for x in results]
    assert "query_code" not in again["results"][0]
    assert len(messages(app)) == 3
    # the dispatcher reads 12345's facts under their own labels
    make_staff(app, "disp", "dispatcher")
    dispatcher = app.test_client()
    login(dispatcher, "disp")
    page = dispatcher.get(f"/hdjl/staff/m/{results[3]['tracking_number']}").get_data(
        as_text=True)
    assert "12345 受理时间" in page and "12345 建议承办单位" in page and "市容科" in page


def test_an_order_with_bad_fields_is_invalid_and_stores_nothing(app: Flask, client: FlaskClient,
                                                                key: str) -> None:
    bad = [order(1, external_id="含中文的编号"), order(2, received_at="2026-12-06 09:15"),
           order(3, caller_phone=13812345678), order(4, content="短"),
           order(5, extra="x"), order(6, subject=None), order(7, caller_phone="\ud800")]
    # json.dumps escapes the lone surrogate as \ud800, as a client's JSON would carry it
    body = check(client.post(URL, data=json.dumps({"orders": bad}),
                             content_type="application/json", headers=bearer(key)),
                 "/work-orders")
    fields = [x["fields"] for x in body["results"]]
    assert [set(f) for f in fields] == [{"external_id"}, {"received_at"}, {"caller_phone"},
                                        {"content"}, {"extra"}, {"subject"}, {"caller_phone"}]
    assert body["invalid"] == 7 and messages(app) == []


@pytest.mark.parametrize("payload", [{}, {"orders": []}, {"orders": {}}, {"orders": [{}] * 201},
                                     {"orders": [{}], "more": 1}])
def test_a_malformed_batch_is_a_400(client: FlaskClient, key: str, payload: Any) -> None:
    r = client.post(URL, json=payload, headers=bearer(key))
    assert r.status_code == 400 and r.get_json()["code"] == "validation_failed"


def test_work_orders_need_a_key_with_their_scope(app: Flask, client: FlaskClient) -> None:
    r = client.post(URL, json={"orders": [order(1)]})
    assert r.status_code == 401 and r.get_json()["code"] == "api_key_required"
    assert client.get(URL + "?since=2026-01-01T00:00:00Z").status_code == 401
    _, submit_only = make_key(app, "submit")
    r = client.post(URL, json={"orders": [order(1)]}, headers=bearer(submit_only))
    assert r.status_code == 403 and r.get_json()["code"] == "insufficient_scope"
    assert messages(app) == []
    # the format itself is documentation
    assert client.get(URL + "/schema.json").get_json() == batch_schema()
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["paths"]["/work-orders"]["post"]["security"] == [{"apiKey": ["work_orders"]}]


def test_a_race_on_the_same_order_reports_it_existing(app: Flask, client: FlaskClient, key: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert check(client.post(URL, json={"orders": [order(1)]}, headers=bearer(key)),
                 "/work-orders")["created"] == 1
    real = work_orders._stored
    calls: list[str] = []

    def not_yet(session: Any, external_id: str) -> Message | None:
        # the first look sees nothing: another import stores the order just after it
        calls.append(external_id)
        return None if len(calls) == 1 else real(session, external_id)

    monkeypatch.setattr(work_orders, "_stored", not_yet)
    body = check(client.post(URL, json={"orders": [order(1)]}, headers=bearer(key)),
                 "/work-orders")
    assert body["results"][0]["result"] == "existing" and len(calls) == 2
    assert len(messages(app)) == 1


def test_a_failed_save_is_reported_failed(app: Flask, client: FlaskClient, key: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise submission.SubmissionFailed("disk full")

    monkeypatch.setattr(submission, "submit", broken)
    body = check(client.post(URL, json={"orders": [order(1)]}, headers=bearer(key)),
                 "/work-orders")
    assert body["failed"] == 1 and body["results"][0]["result"] == "failed"
    assert messages(app) == []


def _reply(app: Flask, number: str, text: str) -> None:
    """Dispatched to 住建局 and answered there, through the workbench pages."""
    make_staff(app, "disp", "dispatcher")
    make_staff(app, "zjj_h", "handler", "zjj")
    dispatcher, handler = app.test_client(), app.test_client()
    login(dispatcher, "disp")
    login(handler, "zjj_h")
    assert post_action(dispatcher, number, "dispatch", department="zjj").status_code == 303
    assert post_action(handler, number, "draft_reply", text=text).status_code == 303
    assert post_action(handler, number, "send_reply").status_code == 303


def test_export_gives_status_and_the_reply_once_sent(app: Flask, client: FlaskClient,
                                                     key: str) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    created = check(client.post(URL, json={"orders": [order(1), order(2)]}, headers=bearer(key)),
                    "/work-orders")["results"]
    # a message of another channel never shows
    client.post("/api/v1/messages", json={"kind": "zx", **{
        "name": "李四", "phone": "13900001111", "subject": "网站留言",
        "content": "这是一条从网站提交的咨询，不属于 12345 工单。"}})
    r = client.get(URL, query_string={"since": start.isoformat(), "per_page": 1},
                   headers=bearer(key))
    page = check(r, "/work-orders", "get")
    assert (page["total"], page["pages"], len(page["items"])) == (2, 2, 1)
    second = check(client.get(URL, query_string={"since": start.isoformat(), "per_page": 1,
                                                 "page": 2, "until": page["until"]},
                              headers=bearer(key)), "/work-orders", "get")
    items = page["items"] + second["items"]
    assert [x["external_id"] for x in items] == ["GD202612060001", "GD202612060002"]
    assert all(x["reply_text"] is None and x["replied_at"] is None for x in items)
    assert items[0]["tracking_number"] == created[0]["tracking_number"]
    # nothing changed since the last poll
    quiet = check(client.get(URL, query_string={"since": page["until"]}, headers=bearer(key)),
                  "/work-orders", "get")
    assert quiet["items"] == []

    _reply(app, created[0]["tracking_number"], "已责成城管执法大队夜间巡查，商户 22 点前收摊。")
    news = check(client.get(URL, query_string={"since": page["until"]}, headers=bearer(key)),
                 "/work-orders", "get")["items"]
    assert [(x["external_id"], x["status"], x["reply_text"]) for x in news] == [
        ("GD202612060001", "replied", "已责成城管执法大队夜间巡查，商户 22 点前收摊。")]
    assert news[0]["replied_at"] and news[0]["department_code"] == "zjj"


@pytest.mark.parametrize("query", [{}, {"since": "yesterday"}, {"since": "2026-12-06", "page": "0"},
                                   {"since": "2026-12-06T00:00:00", "per_page": "x"},
                                   {"since": "2026-12-06T00:00:00+08:00",
                                    "until": "2026-12-05T00:00:00+08:00"},
                                   # no UTC time before year 1 (found by the fuzz suite)
                                   {"since": "0001-01-01T00:00:00+14:00"}])
def test_bad_poll_parameters_are_a_400(client: FlaskClient, key: str,
                                       query: dict[str, str]) -> None:
    r = client.get(URL, query_string=query, headers=bearer(key))
    assert r.status_code == 400 and r.get_json()["code"] == "invalid_parameter"


def test_cli_imports_a_batch_file_idempotently(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "batch.json"
    path.write_text(json.dumps({"orders": [order(1), order(2, kind="xx")]}, ensure_ascii=False),
                    encoding="utf-8")
    runner = app.test_cli_runner()
    r = runner.invoke(args=["import-work-orders", str(path)])
    assert r.exit_code == 1, r.output  # one order has an error
    assert "GD202612060001\tcreated" in r.output and "GD202612060002\tinvalid\tkind：" in r.output
    assert "新建 1，已存在 0，有误 1" in r.output
    r = runner.invoke(args=["import-work-orders", str(path)])
    assert "GD202612060001\texisting" in r.output
    assert [m.external_id for m in messages(app)] == ["GD202612060001"]
    path.write_text("[]", encoding="utf-8")
    r = runner.invoke(args=["import-work-orders", str(path)])
    assert r.exit_code == 1 and "orders" in r.output


def test_migration_0013_keeps_messages_and_adds_the_number(app: Flask, client: FlaskClient,
                                                           key: str) -> None:
    client.post(URL, json={"orders": [order(1)]}, headers=bearer(key))
    client.post("/api/v1/messages", json={"kind": "zx", "name": "李四", "phone": "13900001111",
                                          "subject": "网站留言",
                                          "content": "这是一条从网站提交的咨询，迁移前后都在。"})
    before = [(m.tracking_number, m.channel, m.content) for m in messages(app)]
    assert len(before) == 2
    with app.app_context():
        engine = db.get_engine(app)
        try:
            with engine.begin() as conn:
                _alembic(engine, conn, "downgrade", "0012")
            assert "external_id" not in {c["name"] for c in inspect(engine).get_columns(
                "message")}
        finally:
            with engine.begin() as conn:
                _alembic(engine, conn, "upgrade", "head")
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
        indexes = {i["name"]: i for i in inspect(engine).get_indexes("message")}
        assert indexes["ux_message_channel_external"]["unique"]
    after = messages(app)
    assert [(m.tracking_number, m.channel, m.content) for m in after] == before
    assert {m.external_id for m in after} == {None}  # the number was dropped with the column


def test_migration_0019_indexes_the_event_times_polls_read(app: Flask, client: FlaskClient,
                                                           key: str) -> None:
    client.post(URL, json={"orders": [order(1)]}, headers=bearer(key))
    with app.app_context():
        engine = db.get_engine(app)

        def indexed() -> bool:
            return any(i["column_names"] == ["created_at"]
                       for i in inspect(engine).get_indexes("event"))

        assert indexed()
        try:
            with engine.begin() as conn:
                _alembic(engine, conn, "downgrade", "0018")
            assert not indexed()
        finally:
            with engine.begin() as conn:
                _alembic(engine, conn, "upgrade", "head")
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
        assert indexed()
        if engine.dialect.name == "sqlite":
            # the poll's window is read through the index, not by scanning every event
            with engine.connect() as conn:
                plan = " ".join(str(r[-1]) for r in conn.exec_driver_sql(
                    "EXPLAIN QUERY PLAN SELECT message_id, max(created_at) FROM event "
                    "WHERE created_at > ? AND created_at <= ? GROUP BY message_id",
                    ("2026-12-01", "2026-12-02")))
            assert "ix_event_created_at" in plan, plan
    polled = check(client.get(URL, query_string={"since": "2026-01-01T00:00:00Z"},
                              headers=bearer(key)), "/work-orders", "get")
    assert [x["external_id"] for x in polled["items"]] == ["GD202612060001"]


# --- a fake 12345 platform on loopback -------------------------------------------------------------


@pytest.fixture
def served(app: Flask) -> Iterator[str]:
    """The app behind werkzeug's server in a thread; its base URL."""
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


class FakePlatform:
    """What the 12345 platform does: push its work orders, poll their status and replies."""

    def __init__(self, base: str, key: str) -> None:
        self.base, self.key = base, key
        self.since = "1970-01-01T00:00:00+00:00"
        self.replies: dict[str, str] = {}

    def _call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode("utf-8") if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            "Authorization": f"Bearer {self.key}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def push(self, orders: list[dict[str, Any]]) -> dict[str, Any]:
        status, body = self._call("POST", URL, {"orders": orders})
        assert status == 200, body
        return body

    def poll(self) -> list[dict[str, Any]]:
        items, page = [], 1
        until = None
        while True:
            query = {"since": self.since, "page": page, **({"until": until} if until else {})}
            status, body = self._call("GET", URL + "?" + urllib.parse.urlencode(query))
            assert status == 200, body
            until = body["until"]
            items += body["items"]
            if page >= body["pages"]:
                break
            page += 1
        self.since = until
        for item in items:
            if item["reply_text"] is not None:
                self.replies[item["external_id"]] = item["reply_text"]
        return items


def test_round_trip_with_a_fake_12345_platform(app: Flask, served: str, key: str) -> None:
    platform = FakePlatform(served, key)
    batch = [order(1), order(2, department=None), order(3, kind="zx")]
    first = platform.push(batch)
    assert first["created"] == 3
    again = platform.push(batch)  # the platform retries the same batch: nothing new
    assert again["existing"] == 3 and again["created"] == 0
    numbers = {x["external_id"]: x["tracking_number"] for x in first["results"]}
    assert {x["external_id"]: x["tracking_number"] for x in again["results"]} == numbers
    assert {x["external_id"] for x in platform.poll()} == set(numbers)
    assert platform.replies == {} and platform.poll() == []

    _reply(app, numbers["GD202612060001"], "您反映的夜市噪音问题已处理，商户已承诺 22 点前收摊。")
    news = platform.poll()
    assert [(x["external_id"], x["status"]) for x in news] == [("GD202612060001", "replied")]
    assert platform.replies == {"GD202612060001": "您反映的夜市噪音问题已处理，商户已承诺 22 点前收摊。"}
    assert len(messages(app)) == 3
    with app.app_context():
        s = db.new_session()
        assert s.scalar(select(Message.channel).where(
            Message.tracking_number == numbers["GD202612060001"])) == HOTLINE
        s.close()


# --- the time limit counts from 12345's receipt (within bounds) ------------------------------------


NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # Monday 10:00 in the county


@pytest.mark.parametrize(("received_at", "starts", "why"), [
    (NOW - timedelta(days=3), NOW - timedelta(days=3), ""),
    (NOW, NOW, ""),
    (NOW - timedelta(days=7), NOW - timedelta(days=7), ""),  # the bound itself is trusted
    (NOW + timedelta(seconds=1), NOW, "晚于本系统收到工单的时间"),
    (NOW + timedelta(days=400), NOW, "晚于本系统收到工单的时间"),
    (NOW - timedelta(days=7, seconds=1), NOW, "早于 7 天前"),
    (NOW - timedelta(days=3000), NOW, "早于 7 天前"),
    (None, NOW, ""),
])
def test_clock_start_trusts_12345_within_bounds(received_at: datetime | None, starts: datetime,
                                                 why: str) -> None:
    start, reason = work_orders.clock_start({"WORK_ORDER_MAX_AGE_DAYS": 7}, received_at, NOW)
    assert start == starts
    assert (why in reason) if why else reason == ""
    if why:
        assert "办理期限从本系统收到之日起算" in reason


def _stored(app: Flask, external_id: str) -> tuple[Message, list[str]]:
    with app.app_context():
        s = db.new_session()
        m = s.scalar(select(Message).where(Message.external_id == external_id))
        notes = [e.note for e in m.events]
        s.expunge_all()
        s.close()
    return m, notes


def test_the_time_limit_counts_from_the_call(app: Flask, client: FlaskClient, key: str) -> None:
    now = datetime.now(UTC)
    taken = (now - timedelta(days=4)).astimezone(county_tz(app))
    future = (now + timedelta(days=2)).astimezone(county_tz(app))
    old = (now - timedelta(days=app.config["WORK_ORDER_MAX_AGE_DAYS"] + 1)).astimezone(
        county_tz(app))
    body = check(client.post(URL, json={"orders": [
        order(11, received_at=taken.isoformat()), order(12, received_at=future.isoformat()),
        order(13, received_at=old.isoformat())]}, headers=bearer(key)), "/work-orders")
    assert body["created"] == 3
    cal = Calendar.from_file(app.config["HOLIDAYS_FILE"])
    limit = kinds.time_limit(kinds.get("ts"), app.config)
    # within bounds: the call's date starts the clock, and the receipt says so
    m, notes = _stored(app, "GD202612060011")
    assert m.received_on == taken.date() and m.received_on < m.submitted_at.date()
    assert m.due_date == deadlines.first_count(cal, taken.date(), limit).due
    assert body["results"][0]["received_on"] == taken.date().isoformat()
    assert not any("12345 受理时间" in n for n in notes)
    # in the future, or too old: our receipt, and the first event says why
    ours = county_date(app.config, now)
    for number, results_index in (("GD202612060012", 1), ("GD202612060013", 2)):
        m, notes = _stored(app, number)
        assert m.received_on in (ours, ours + timedelta(days=1)), number  # midnight in between
        assert m.due_date == deadlines.first_count(cal, m.received_on, limit).due
        assert body["results"][results_index]["received_on"] == m.received_on.isoformat()
        assert any("办理期限从本系统收到之日起算" in n for n in notes), notes
    # 12345's time is still shown as sent
    assert m.details["work_order_received_at"] == old.isoformat()


def county_tz(app: Flask) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(app.config["TIMEZONE"])
