"""``GET /api/v1/messages/<number>`` with the ``track_on_behalf`` scope: a key reads the status of
what its own rotation chain submitted, without the query code, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formsvc import db
from formsvc.domain.channels import API, TRACK_ON_BEHALF
from formsvc.services import api_keys
from tests.formsvc.test_api_keys import bearer, body, make_key


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"AUDIT_LOG": str(tmp_path / "audit.log"), "API_KEY_RATE_LIMIT": "1000 per minute"}


def _submit(client: FlaskClient, key: str | None, i: int = 0) -> dict[str, Any]:
    r = client.post("/api/v1/messages", json=body(i), headers=bearer(key) if key else {})
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def _get(client: FlaskClient, number: str, key: str | None) -> Any:
    return client.get(f"/api/v1/messages/{number}", headers=bearer(key) if key else {})


def test_a_key_reads_its_own_messages_without_the_code(app: Flask, client: FlaskClient) -> None:
    _, app_key = make_key(app, "submit", TRACK_ON_BEHALF, channel=API, name="县政府客户端")
    _, mini_key = make_key(app, "submit", TRACK_ON_BEHALF, channel=API, name="小程序后台")
    _, plain_key = make_key(app, "submit", "track", channel=API, name="无代查权限")
    own = _submit(client, app_key, 1)
    other = _submit(client, mini_key, 2)
    citizen = _submit(client, None, 3)
    r = _get(client, own["tracking_number"], app_key)
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    status = r.get_json()
    assert status["tracking_number"] == own["tracking_number"] and status["status"] == "submitted"
    tracked = client.post("/api/v1/track", json={"tracking_number": own["tracking_number"],
                                                 "query_code": own["query_code"]}).get_json()
    assert status == tracked  # the citizen's view, nothing more
    # another app's message (same channel api), a citizen's, an unknown and a malformed number:
    # one answer
    answers = [_get(client, n, app_key) for n in (
        other["tracking_number"], citizen["tracking_number"], "ZX20200101-ABCDEF", "x" * 300,
        "%00", "ZX%2F..%2F", own["tracking_number"].lower() + "%20OR%201=1")]
    assert {(a.status_code, a.get_json()["code"]) for a in answers} == {(404, "not_found")}
    # the lower-case number is the same message (numbers are read as the citizen types them)
    assert _get(client, own["tracking_number"].lower(), app_key).status_code == 200
    # without the scope 403, without a key 401, with a bad key 401
    assert _get(client, own["tracking_number"], plain_key).status_code == 403
    r = _get(client, own["tracking_number"], None)
    assert r.status_code == 401 and r.get_json()["code"] == "api_key_required"
    assert _get(client, own["tracking_number"], "cpk_000000000000_" + "A" * 43).status_code == 401


def test_rotation_keeps_the_chain_and_revocation_ends_it(app: Flask, client: FlaskClient) -> None:
    row, key = make_key(app, "submit", TRACK_ON_BEHALF, channel=API)
    first = _submit(client, key, 1)
    with app.app_context():
        s = db.new_session()
        second_row, second = api_keys.rotate(s, row.key_id)
        s.close()
    assert _get(client, first["tracking_number"], key).status_code == 401  # the old key: revoked
    assert _get(client, first["tracking_number"], second).status_code == 200
    later = _submit(client, second, 2)
    with app.app_context():
        s = db.new_session()
        _, third = api_keys.rotate(s, second_row.key_id)
        s.close()
    for number in (first["tracking_number"], later["tracking_number"]):
        assert _get(client, number, third).status_code == 200
    # a fresh key with the same name is another chain
    _, stranger = make_key(app, "submit", TRACK_ON_BEHALF, channel=API)
    assert _get(client, first["tracking_number"], stranger).status_code == 404


def test_every_read_is_audited_by_key_and_number(app: Flask, client: FlaskClient) -> None:
    row, key = make_key(app, "submit", TRACK_ON_BEHALF, channel=API)
    own = _submit(client, key)
    _get(client, own["tracking_number"], key)
    _get(client, "ZX20200101-ABCDEF", key)
    lines = [json.loads(x) for x in Path(app.config["AUDIT_LOG"]).read_text(
        encoding="utf-8").splitlines()]
    reads = [(x["actor_id"], x["message"], x["outcome"]) for x in lines
             if x["action"] == "api:api.message_on_behalf"]
    assert reads == [(row.id, own["tracking_number"], "ok"),
                     (row.id, "ZX20200101-ABCDEF", "not_found")]
    assert api_keys.parts(key)[1] not in json.dumps(lines)


@pytest.mark.parametrize("app_config", [{"API_KEY_RATE_LIMIT": "3 per minute"}])
def test_reads_count_against_the_keys_limit(app: Flask, client: FlaskClient) -> None:
    _, key = make_key(app, TRACK_ON_BEHALF, channel=API)
    codes = [_get(client, "ZX20200101-ABCDEF", key).status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]
