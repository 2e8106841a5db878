"""API keys of trusted systems (issue 25): the key's life (CLI), Bearer authentication, scopes,
the key's own rate limit instead of the per-address one, the channel on every message, the
counts by channel, and that the key never reaches a log line or an audit row."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select

from formsvc import db
from formsvc.db import migrate
from formsvc.domain.channels import API, CHANNELS, HOTLINE, WEB
from formsvc.models import ApiKey, Event, Message
from formsvc.services import api_keys
from tests.formsvc.conftest import good_data, post_form
from tests.formsvc.workbench.test_stats_summary import _alembic


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    # the per-address allowance of a citizen, as in production
    return {"SUBMIT_RATE_LIMIT": "10 per hour;30 per day", "AUDIT_LOG": str(tmp_path / "audit.log")}


def make_key(app: Flask, *scopes: str, channel: str = HOTLINE, rate_limit: str = "",
             name: str = "12345 平台") -> tuple[ApiKey, str]:
    with app.app_context():
        s = db.new_session()
        row, key = api_keys.create(s, name=name, owner="县政务服务中心", scopes=scopes or (
            "submit", "track"), channel=channel, rate_limit=rate_limit)
        s.expunge(row)
        s.close()
    return row, key


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def body(i: int = 0) -> dict[str, Any]:
    return {"kind": "zx", **good_data("zx", content=f"12345 工单转来的咨询，第 {i} 件，请答复。")}


def messages(app: Flask) -> list[Message]:
    with app.app_context():
        s = db.new_session()
        rows = list(s.scalars(select(Message).order_by(Message.id)))
        s.close()
    return rows


def audit_lines(app: Flask) -> list[dict[str, Any]]:
    path = Path(app.config["AUDIT_LOG"])
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()] \
        if path.exists() else []


def test_a_12345_key_submits_1000_messages_from_one_address(app: Flask) -> None:
    row, key = make_key(app)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    answers = [client.post("/api/v1/messages", json=body(i), headers=bearer(key)).status_code
               for i in range(1000)]
    assert answers == [201] * 1000
    stored = messages(app)
    assert len(stored) == 1000
    assert {(m.channel, m.api_key_id, m.client_ip) for m in stored} == {
        (HOTLINE, row.id, "10.1.2.3")}
    assert len({m.content for m in stored}) == 1000
    # the same from that address without a key: the citizen's allowance, as before
    plain = [client.post("/api/v1/messages", json=body(2000 + i)).status_code for i in range(11)]
    assert plain == [201] * 10 + [429]
    # and from a browser (the HTML form shares that allowance)
    assert post_form(client, "zx", good_data("zx")).status_code == 429
    unkeyed = messages(app)[1000:]
    assert len(unkeyed) == 10 and {(m.channel, m.api_key_id) for m in unkeyed} == {(API, None)}


def test_the_keys_own_limit_applies_instead(app: Flask) -> None:
    _, key = make_key(app, rate_limit="3 per minute")
    client = app.test_client()
    codes = [client.post("/api/v1/messages", json=body(i), headers=bearer(key)).status_code
             for i in range(4)]
    assert codes == [201, 201, 201, 429]
    limited = client.post("/api/v1/messages", json=body(9), headers=bearer(key))
    assert limited.get_json()["code"] == "rate_limited" and int(limited.headers["Retry-After"]) > 0
    # the key's counter is not the address's: a citizen there still has the whole allowance
    assert client.post("/api/v1/messages", json=body(10)).status_code == 201


def test_form_submissions_are_web(app: Flask, client: FlaskClient) -> None:
    assert post_form(client, "jy", good_data("jy")).status_code == 303
    assert [(m.channel, m.api_key_id) for m in messages(app)] == [(WEB, None)]


@pytest.mark.parametrize("header", [
    "Bearer cpk_000000000000_" + "A" * 43,  # well-formed, unknown
    "Bearer nonsense",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
    "cpk_000000000000_" + "A" * 43,  # no scheme
])
def test_an_unknown_or_malformed_key_is_a_401(app: Flask, client: FlaskClient,
                                               header: str) -> None:
    r = client.post("/api/v1/messages", json=body(), headers={"Authorization": header})
    assert r.status_code == 401
    assert r.get_json()["code"] == "invalid_api_key"
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    # on the public reads too: a broken integration should hear of it at once
    assert client.get("/api/v1/kinds", headers={"Authorization": header}).status_code == 401
    assert messages(app) == []


def test_a_key_is_read_whole() -> None:
    # the secret's alphabet has "_" and "-": splitting a key on "_" cut some secrets short
    secret = "ab_cd-" + "E" * 37
    assert api_keys.parts(f"cpk_0123456789ab_{secret}") == ("0123456789ab", secret)
    for bad in (f"cpk_0123456789ab_{secret}\n", f" cpk_0123456789ab_{secret}",
                f"cpk_0123456789ab_{secret}x", f"cpk_0123456789AB_{secret}", "cpk__", ""):
        assert api_keys.parts(bad) is None, bad


def test_a_key_with_a_trailing_newline_is_refused(app: Flask) -> None:
    _row, key = make_key(app)
    with app.app_context():
        s = db.new_session()
        assert api_keys.authenticate(s, key).channel == HOTLINE
        with pytest.raises(api_keys.ApiKeyError):
            api_keys.authenticate(s, key + "\n")
        s.close()


def test_a_revoked_or_rotated_key_is_a_401(app: Flask, client: FlaskClient) -> None:
    row, key = make_key(app)
    assert client.post("/api/v1/messages", json=body(1), headers=bearer(key)).status_code == 201
    with app.app_context():
        s = db.new_session()
        new_row, new_key = api_keys.rotate(s, row.key_id)
        assert (new_row.name, new_row.scopes, new_row.channel) == (row.name, row.scopes,
                                                                   row.channel)
        s.close()
    old = client.post("/api/v1/messages", json=body(2), headers=bearer(key))
    assert old.status_code == 401 and old.get_json()["code"] == "invalid_api_key"
    assert client.post("/api/v1/messages", json=body(3), headers=bearer(new_key)).status_code == 201
    with app.app_context():
        s = db.new_session()
        api_keys.revoke(s, new_row.key_id)
        with pytest.raises(api_keys.ApiKeyError):
            api_keys.revoke(s, new_row.key_id)
        s.close()
    assert client.post("/api/v1/messages", json=body(4),
                       headers=bearer(new_key)).status_code == 401
    assert len(messages(app)) == 2
    # a secret that does not match its key id is refused like an unknown key
    forged = new_key[:-4] + ("AAAA" if not new_key.endswith("AAAA") else "BBBB")
    assert client.get("/api/v1/kinds", headers=bearer(forged)).status_code == 401


def test_a_key_needs_the_scope_of_the_route(app: Flask, client: FlaskClient) -> None:
    _, key = make_key(app, "read_letters", channel=API)
    r = client.post("/api/v1/messages", json=body(), headers=bearer(key))
    assert r.status_code == 403 and r.get_json()["code"] == "insufficient_scope"
    assert client.post("/api/v1/track", json={"tracking_number": "x", "query_code": "y"},
                       headers=bearer(key)).status_code == 403
    assert client.get("/api/v1/letters", headers=bearer(key)).status_code == 200
    assert messages(app) == []


def test_the_key_is_in_no_log_line_url_or_audit_row(app: Flask, client: FlaskClient,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    row, key = make_key(app)
    caplog.set_level(logging.DEBUG)
    ok = client.post("/api/v1/messages", json=body(1), headers=bearer(key))
    assert ok.status_code == 201
    client.post("/api/v1/messages", json=body(2), headers=bearer(key[:-1] + "x"))
    client.post("/api/v1/track", json={"tracking_number": ok.get_json()["tracking_number"],
                                       "query_code": ok.get_json()["query_code"]},
                headers=bearer(key))
    secret = key.split("_", 2)[2]
    logged = caplog.text + Path(app.config["AUDIT_LOG"]).read_text(encoding="utf-8")
    assert secret not in logged and key not in logged
    with app.app_context():
        s = db.new_session()
        events = [(e.actor, e.action, e.note) for e in s.scalars(select(Event))]
        stored = s.scalars(select(ApiKey)).one()
        s.close()
    assert events and all(secret not in str(e) for e in events)
    assert secret not in stored.secret_hash and stored.last_used_at is not None
    # every use is in the audit log: by the key's name and row id, with the message it stored
    lines = audit_lines(app)
    uses = [x for x in lines if x["role"] == "api_key"]
    assert [(x["actor"], x["actor_id"], x["action"], x["outcome"]) for x in uses] == [
        (row.name, row.id, "api:api.create_message", "ok"),
        (row.name, row.id, "api:api.track", "ok")]
    assert uses[0]["message"] == ok.get_json()["tracking_number"]
    # the key's creation (actor cli: make_key is the command's path) names the key by its id
    assert [(x["actor"], x["action"], x["target"]) for x in lines if x["target"]] == [
        ("cli", "api_key_create", f"api_key:{row.key_id}")]
    assert [x["outcome"] for x in lines if x["role"] is None and not x["target"]] == \
        ["invalid_key"]


def test_counts_by_channel_in_the_statistics(app: Flask, client: FlaskClient) -> None:
    _, key = make_key(app)
    for i in range(3):
        assert client.post("/api/v1/messages", json=body(i), headers=bearer(key)).status_code == 201
    assert client.post("/api/v1/messages", json=body(7)).status_code == 201
    assert post_form(client, "jy", good_data("jy")).status_code == 303
    channels = client.get("/api/v1/stats").get_json()["channels"]
    assert channels == {**dict.fromkeys(CHANNELS, 0), HOTLINE: 3, API: 1, WEB: 1}
    assert client.get("/api/v1/stats?from=2000-01-01&to=2000-12-31").get_json()["channels"] == \
        dict.fromkeys(CHANNELS, 0)


def test_key_commands(app: Flask) -> None:
    runner = app.test_cli_runner()
    r = runner.invoke(args=["api-key", "create", "县 App", "--owner", "县融媒体中心",
                            "--scope", "submit", "--scope", "track", "--channel", "api",
                            "--rate-limit", "100 per minute"])
    assert r.exit_code == 0, r.output
    key = r.output.strip().splitlines()[-1]
    assert key.startswith("cpk_")
    key_id = key.split("_")[1]
    r = runner.invoke(args=["api-key", "list"])
    assert r.exit_code == 0 and key_id in r.output and "submit,track" in r.output
    assert api_keys.parts(key)[1] not in r.output and "有效" in r.output
    r = runner.invoke(args=["api-key", "rotate", key_id])
    assert r.exit_code == 0 and r.output.strip().splitlines()[-1].startswith("cpk_")
    r = runner.invoke(args=["api-key", "revoke", key_id])
    assert r.exit_code != 0 and "没有有效的密钥" in r.output
    r = runner.invoke(args=["api-key", "create", "x", "--scope", "submit",
                            "--rate-limit", "lots"])
    assert r.exit_code != 0 and "频率限制格式" in r.output
    r = runner.invoke(args=["api-key", "create", "x", "--scope", "everything"])
    assert r.exit_code != 0


def test_migration_0012_gives_existing_messages_the_web_channel(app: Flask,
                                                                client: FlaskClient) -> None:
    _, key = make_key(app)
    assert client.post("/api/v1/messages", json=body(1)).status_code == 201
    assert client.post("/api/v1/messages", json=body(2), headers=bearer(key)).status_code == 201
    before = [(m.tracking_number, m.subject, m.content) for m in messages(app)]
    with app.app_context():
        engine = db.get_engine(app)
        try:
            with engine.begin() as conn:
                _alembic(engine, conn, "downgrade", "0011")
            columns = {c["name"] for c in inspect(engine).get_columns("message")}
            assert "channel" not in columns and "api_key" not in inspect(engine).get_table_names()
        finally:
            with engine.begin() as conn:
                _alembic(engine, conn, "upgrade", "head")
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
    after = messages(app)
    assert [(m.tracking_number, m.subject, m.content) for m in after] == before
    assert {(m.channel, m.api_key_id) for m in after} == {(WEB, None)}


@pytest.mark.parametrize("app_config", [{"TRACK_RATE_LIMIT": "3 per minute"}])
def test_tracking_with_a_key_uses_the_keys_allowance(app: Flask, client: FlaskClient) -> None:
    _, key = make_key(app)
    sub = client.post("/api/v1/messages", json=body(), headers=bearer(key)).get_json()
    credentials = {"tracking_number": sub["tracking_number"], "query_code": sub["query_code"]}
    keyed = [client.post("/api/v1/track", json=credentials, headers=bearer(key)).status_code
             for _ in range(5)]
    assert keyed == [200] * 5
    # the address's own allowance is untouched by the key's requests, and still applies without it
    plain = [client.post("/api/v1/track", json=credentials).status_code for _ in range(4)]
    assert plain == [200, 200, 200, 429]
