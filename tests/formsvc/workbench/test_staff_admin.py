"""The admin screens: staff accounts and API keys without the command line.

Services first (the same functions the commands use), then the screens as a hostile admin would
use them: wrong types, unknown ids, the last admin, the own account. The access matrix
(test_access.py) holds who may open them; the CSRF suite holds their tokens.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from formsvc import db
from formsvc.models import AdminEvent, ApiKey
from formsvc.models.staff import Staff
from formsvc.services import api_keys, auth, staff_admin
from tests.formsvc.conftest import csrf_from, soup
from tests.formsvc.workbench.helpers import PASSWORD, login, make_staff


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"AUDIT_LOG": str(tmp_path / "audit.log")}


def _session(app: Flask) -> Any:
    return db.new_session()


def _events(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        s = db.new_session()
        try:
            return [(e.actor, e.action, e.target) for e in s.scalars(
                select(AdminEvent).order_by(AdminEvent.id))]
        finally:
            s.close()


def _account(app: Flask, username: str) -> Staff:
    with app.app_context():
        s = db.new_session()
        try:
            staff = s.scalar(select(Staff).where(Staff.username == username))
            assert staff is not None
            _ = staff.department
            return staff
        finally:
            s.close()


def _admin_client(app: Flask, username: str = "adm") -> tuple[FlaskClient, str]:
    client = app.test_client()
    assert login(client, username).status_code == 303
    return client, csrf_from(soup(client.get("/hdjl/staff/admin/staff")))


# --- services ---------------------------------------------------------------------------------------


def test_create_shows_a_working_password_once_and_records_it(app: Flask) -> None:
    admin_id = make_staff(app, "adm", "admin")
    with app.app_context():
        s = db.new_session()
        admin = s.get(Staff, admin_id)
        staff, password = staff_admin.create(s, admin, username="li", role="handler",
                                             department_code="rsj", display_name="李四")
        assert len(password) >= auth.PASSWORD_MIN
        assert password not in staff.password_hash
        assert auth.login(s, app.config, "li", password).id == staff.id
        s.close()
    assert _events(app)[-1] == (f"staff:{admin_id}", "staff_create", f"staff:{staff.id}")


def test_the_cli_path_is_recorded_as_cli(app: Flask) -> None:
    staff_id = make_staff(app, "h", "handler", "rsj")  # auth.create_staff, as create-staff does
    assert _events(app)[-1] == ("cli", "staff_create", f"staff:{staff_id}")
    line = _audit(app)[-1]
    assert (line["actor"], line["action"], line["target"]) == ("cli", "staff_create",
                                                               f"staff:{staff_id}")


@pytest.mark.parametrize(("changes", "code"), [
    ({"username": ""}, "invalid_username"), ({"username": "x" * 65}, "invalid_username"),
    ({"role": "root"}, "invalid_role"), ({"role": "handler", "department_code": ""},
                                         "department_required"),
    ({"department_code": "nosuch"}, "unknown_department"), ({"username": "adm"}, "username_taken"),
    ({"display_name": "名" * 101}, "too_long"),
])
def test_create_refuses_bad_input_and_stores_nothing(app: Flask, changes: dict[str, str],
                                                     code: str) -> None:
    make_staff(app, "adm", "admin")
    before = len(_events(app))
    with app.app_context():
        s = db.new_session()
        args = {"username": "new", "role": "reviewer", "department_code": "rsj", **changes}
        with pytest.raises(auth.AuthError) as exc:
            staff_admin.create(s, None, **args)
        assert exc.value.code == code
        s.rollback()
        assert s.scalar(select(Staff).where(Staff.username == "new")) is None
        s.close()
    assert len(_events(app)) == before


def test_the_last_admin_stays(app: Flask) -> None:
    a1 = make_staff(app, "adm", "admin")
    with app.app_context():
        s = db.new_session()
        adm = s.get(Staff, a1)
        # the own account: never, whatever the number of admins
        with pytest.raises(auth.AuthError) as exc:
            staff_admin.set_active(s, adm, adm, False)
        assert exc.value.code == "own_account"
        with pytest.raises(auth.AuthError) as exc:
            staff_admin.change_role(s, adm, adm, "supervisor", "")
        assert exc.value.code == "own_account"
        # from the command line (no account): the last admin is still kept
        with pytest.raises(auth.AuthError) as exc:
            staff_admin.set_active(s, None, adm, False)
        assert exc.value.code == "last_admin"
        with pytest.raises(auth.AuthError) as exc:
            staff_admin.change_role(s, None, adm, "handler", "rsj")
        assert exc.value.code == "last_admin"
        # a second admin: one may now disable the other
        other, _ = staff_admin.create(s, adm, username="adm2", role="admin")
        staff_admin.set_active(s, adm, other, False)
        assert not s.get(Staff, other.id).active
        with pytest.raises(auth.AuthError) as exc:
            staff_admin.set_active(s, other, adm, False)  # adm is now the last one again
        assert exc.value.code == "last_admin"
        staff_admin.set_active(s, adm, other, True)
        staff_admin.change_role(s, other, adm, "supervisor", "")
        assert s.get(Staff, a1).role == "supervisor"
        s.close()


def test_disable_ends_sessions_and_reset_ends_them_too(app: Flask) -> None:
    make_staff(app, "adm", "admin")
    make_staff(app, "h", "handler", "rsj")
    client = app.test_client()
    login(client, "h")
    assert client.get("/hdjl/staff/inbox").status_code == 200
    with app.app_context():
        s = db.new_session()
        adm = s.scalar(select(Staff).where(Staff.username == "adm"))
        h = s.scalar(select(Staff).where(Staff.username == "h"))
        password = staff_admin.reset_password(s, adm, h)
        s.close()
    assert client.get("/hdjl/staff/inbox").status_code == 303  # the old session ended
    assert login(client, "h", PASSWORD).status_code == 400
    assert login(client, "h", password).status_code == 303
    with app.app_context():
        s = db.new_session()
        adm = s.scalar(select(Staff).where(Staff.username == "adm"))
        staff_admin.set_active(s, adm, s.scalar(select(Staff).where(Staff.username == "h")),
                               False)
        s.close()
    assert client.get("/hdjl/staff/inbox").status_code == 303
    assert login(client, "h", password).status_code == 400


def test_change_role_needs_a_department_for_department_roles(app: Flask) -> None:
    make_staff(app, "adm", "admin")
    make_staff(app, "d", "dispatcher")
    with app.app_context():
        s = db.new_session()
        d = s.scalar(select(Staff).where(Staff.username == "d"))
        with pytest.raises(auth.AuthError) as exc:
            staff_admin.change_role(s, None, d, "handler", "")
        assert exc.value.code == "department_required"
        s.rollback()
        staff_admin.change_role(s, None, d, "handler", "jyj")
        s.close()
    changed = _account(app, "d")
    assert (changed.role, changed.department.code) == ("handler", "jyj")
    assert _events(app)[-1][1] == "staff_role"


# --- the staff screen -------------------------------------------------------------------------------


def _audit(app: Flask) -> list[dict[str, Any]]:
    path = Path(app.config["AUDIT_LOG"])
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] \
        if path.exists() else []


def test_screen_creates_an_account_and_shows_its_password_once(app: Flask) -> None:
    make_staff(app, "adm", "admin")
    client, token = _admin_client(app)
    r = client.post("/hdjl/staff/admin/staff", data={
        "csrf_token": token, "username": "wang", "display_name": "王五", "role": "handler",
        "department": "rsj", "email": "wang@gov.test"})
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"
    password = soup(r).find(id="new-password").get_text()
    assert len(password) >= auth.PASSWORD_MIN
    page = client.get("/hdjl/staff/admin/staff").get_data(as_text=True)
    assert password not in page and "wang" in page  # shown once
    other = app.test_client()
    assert login(other, "wang", password).status_code == 303
    lines = [e for e in _audit(app) if e["action"] == "staff_create"]
    assert lines and lines[-1]["actor"] == "adm"
    assert lines[-1]["target"] == f"staff:{_account(app, 'wang').id}"
    assert all(password not in json.dumps(e) for e in _audit(app))


@pytest.mark.parametrize("data", [
    {"username": "", "role": "handler", "department": "rsj"},
    {"username": "x", "role": "god"},
    {"username": "x", "role": "handler", "department": ""},
    {"username": "x", "role": "handler", "department": "../rsj"},
    {"username": "adm", "role": "admin"},
    {"username": "x y", "role": "admin"}, {"username": "x\u2028y", "role": "admin"},
    {"username": "x", "role": ["admin", "handler"]},
    {"username": "x", "role": "admin", "email": "e" * 300},
    {},
])
def test_screen_refuses_hostile_creates(app: Flask, data: dict[str, Any]) -> None:
    make_staff(app, "adm", "admin")
    client, token = _admin_client(app)
    r = client.post("/hdjl/staff/admin/staff", data={"csrf_token": token, **data})
    assert r.status_code == 400, data
    page = soup(r)
    assert page.find(class_="gp-error-summary") is not None
    assert page.find(id="new-password") is None
    with app.app_context():
        s = db.new_session()
        assert s.scalar(select(Staff.username).where(Staff.username != "adm")) is None
        s.close()


def test_screen_actions(app: Flask) -> None:
    admin_id = make_staff(app, "adm", "admin")
    h = make_staff(app, "h", "handler", "rsj")
    client, token = _admin_client(app)
    r = client.post(f"/hdjl/staff/admin/staff/{h}/disable", data={"csrf_token": token})
    assert r.status_code == 303 and not _account(app, "h").active
    r = client.post(f"/hdjl/staff/admin/staff/{h}/enable", data={"csrf_token": token})
    assert r.status_code == 303 and _account(app, "h").active
    r = client.post(f"/hdjl/staff/admin/staff/{h}/change_role",
                    data={"csrf_token": token, "role": "reviewer", "department": "jyj"})
    assert r.status_code == 303
    assert (_account(app, "h").role, _account(app, "h").department.code) == ("reviewer", "jyj")
    r = client.post(f"/hdjl/staff/admin/staff/{h}/reset_password", data={"csrf_token": token})
    assert r.status_code == 200
    assert login(app.test_client(), "h", soup(r).find(id="new-password").get_text()
                 ).status_code == 303
    # the own account and the last admin: a clear message, nothing changed
    for action, data in (("disable", {}), ("change_role", {"role": "handler",
                                                           "department": "rsj"})):
        r = client.post(f"/hdjl/staff/admin/staff/{admin_id}/{action}",
                        data={"csrf_token": token, **data})
        assert r.status_code == 400 and "自己的账户" in soup(r).find(
            class_="gp-error-summary").get_text()
    assert _account(app, "adm").active and _account(app, "adm").role == "admin"
    # unknown ids, unknown actions, wrong types: 404, never a 500
    for path in (f"/hdjl/staff/admin/staff/{h + 999}/disable",
                 f"/hdjl/staff/admin/staff/{h}/delete", "/hdjl/staff/admin/staff/abc/disable",
                 "/hdjl/staff/admin/staff/-1/disable"):
        assert client.post(path, data={"csrf_token": token}).status_code == 404, path
    r = client.post(f"/hdjl/staff/admin/staff/{h}/change_role",
                    data={"csrf_token": token, "role": "handler", "department": "nosuch"})
    assert r.status_code == 400 and _account(app, "h").department.code == "jyj"
    actions = [a for _actor, a, target in _events(app) if target == f"staff:{h}"]
    assert actions == ["staff_create", "staff_disable", "staff_enable", "staff_role",
                       "staff_password"]
    history = soup(client.get("/hdjl/staff/admin/staff")).find(id="admin-history").get_text()
    assert "停用账户" in history and "adm" in history


# --- the API key screen -----------------------------------------------------------------------------


def test_key_screen_create_rotate_revoke(app: Flask) -> None:
    make_staff(app, "adm", "admin")
    client, token = _admin_client(app)
    r = client.post("/hdjl/staff/admin/api-keys", data={
        "csrf_token": token, "name": "12345 热线平台", "owner": "县 12345 中心 张工",
        "scope": ["submit", "work_orders"], "channel": "12345", "rate_limit": "3000 per minute"})
    assert r.status_code == 200
    key = soup(r).find(id="new-key").get_text()
    assert key.startswith("cpk_")
    key_id = key.split("_")[1]
    listing = client.get("/hdjl/staff/admin/api-keys").get_data(as_text=True)
    assert key_id in listing and key not in listing and api_keys.parts(key)[1] not in listing
    with app.app_context():
        s = db.new_session()
        assert api_keys.authenticate(s, key).scopes == {"submit", "work_orders"}
        s.close()
    r = client.post(f"/hdjl/staff/admin/api-keys/{key_id}/rotate", data={"csrf_token": token})
    assert r.status_code == 200
    new_key = soup(r).find(id="new-key").get_text()
    new_id = new_key.split("_")[1]
    with app.app_context():
        s = db.new_session()
        with pytest.raises(api_keys.ApiKeyError):
            api_keys.authenticate(s, key)
        assert api_keys.authenticate(s, new_key).channel == "12345"
        s.close()
    r = client.post(f"/hdjl/staff/admin/api-keys/{new_id}/revoke", data={"csrf_token": token})
    assert r.status_code == 303
    # revoked keys: nothing more to do with them
    for kid in (key_id, new_id, "000000000000", "nonsense"):
        for action in ("revoke", "rotate"):
            assert client.post(f"/hdjl/staff/admin/api-keys/{kid}/{action}",
                               data={"csrf_token": token}).status_code == 404
    assert client.post(f"/hdjl/staff/admin/api-keys/{new_id}/delete",
                       data={"csrf_token": token}).status_code == 404
    actions = [a for _actor, a, _t in _events(app) if a.startswith("api_key")]
    assert actions == ["api_key_create", "api_key_rotate", "api_key_revoke"]
    log = json.dumps(_audit(app))
    assert api_keys.parts(key)[1] not in log and api_keys.parts(new_key)[1] not in log


@pytest.mark.parametrize("data", [
    {"name": "", "scope": "submit", "channel": "api"},
    {"name": "x", "channel": "api"},
    {"name": "x", "scope": "admin", "channel": "api"},
    {"name": "x", "scope": "submit", "channel": "phone"},
    {"name": "x", "scope": "submit", "channel": "api", "rate_limit": "lots"},
    {"name": "x", "scope": "submit", "channel": "api", "rate_limit": "1 per minute;" * 20},
    {"name": "x" * 101, "scope": "submit", "channel": "api"},
    {"name": "x", "scope": "submit", "channel": "api", "owner": "o" * 201},
    {"name": "x", "scope": "submit", "channel": ["api", "12345"]},
])
def test_key_screen_refuses_hostile_input(app: Flask, data: dict[str, Any]) -> None:
    make_staff(app, "adm", "admin")
    client, token = _admin_client(app)
    r = client.post("/hdjl/staff/admin/api-keys", data={"csrf_token": token, **data})
    assert r.status_code == 400, data
    assert soup(r).find(id="new-key") is None
    with app.app_context():
        s = db.new_session()
        assert s.scalar(select(ApiKey.id)) is None
        s.close()


def test_migration_0018_down_and_up_keeps_accounts(app: Flask) -> None:
    from sqlalchemy import inspect

    from formsvc.db import migrate
    from tests.formsvc.workbench.test_stats_summary import _alembic

    make_staff(app, "adm", "admin")
    with app.app_context():
        engine = db.get_engine(app)
        try:
            with engine.begin() as conn:
                _alembic(engine, conn, "downgrade", "0014")
            assert "admin_event" not in inspect(engine).get_table_names()
        finally:
            with engine.begin() as conn:
                _alembic(engine, conn, "upgrade", "head")
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
    assert _account(app, "adm").active
    assert _events(app) == []  # the history starts empty again: the table was dropped


def test_the_account_commands_keep_the_rules(app: Flask) -> None:
    make_staff(app, "adm", "admin")
    make_staff(app, "h", "handler", "rsj")
    runner = app.test_cli_runner()
    r = runner.invoke(args=["staff-active", "adm", "off"])
    assert r.exit_code == 1 and "唯一有效的系统管理员" in r.output
    r = runner.invoke(args=["staff-role", "h", "--role", "reviewer"])
    assert r.exit_code == 1 and "必须属于一个机构" in r.output
    r = runner.invoke(args=["staff-role", "h", "--role", "reviewer", "--department", "jyj"])
    assert r.exit_code == 0, r.output
    r = runner.invoke(args=["staff-active", "h", "off"])
    assert r.exit_code == 0 and not _account(app, "h").active
    r = runner.invoke(args=["staff-active", "nobody", "on"])
    assert r.exit_code == 1 and "不存在" in r.output
    assert [a for actor, a, _t in _events(app)][-2:] == ["staff_role", "staff_disable"]
    assert {actor for actor, _a, _t in _events(app)} == {"cli"}


def test_names_are_shown_as_text(app: Flask) -> None:
    """What an admin types (a name, a key's owner) is text on every page that shows it."""
    make_staff(app, "adm", "admin")
    client, token = _admin_client(app)
    payload = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    r = client.post("/hdjl/staff/admin/staff", data={
        "csrf_token": token, "username": "x1", "display_name": payload, "role": "handler",
        "department": "rsj"})
    assert r.status_code == 200
    r = client.post("/hdjl/staff/admin/api-keys", data={
        "csrf_token": token, "name": payload[:100], "owner": payload, "scope": "submit",
        "channel": "api"})
    assert r.status_code == 200
    for path in ("/hdjl/staff/admin/staff", "/hdjl/staff/admin/api-keys"):
        page = soup(client.get(path))
        assert not page.find("script", string=lambda s: s and "alert" in s), path
        assert not page.find("img", attrs={"onerror": True}), path
        assert payload in page.get_text(), path
