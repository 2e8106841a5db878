"""CSRF on every POST route: a missing or wrong token is a 400 in Chinese and nothing is written.

Each case builds a request that works (the control: with its real token it is not refused for
CSRF, and the routes that store something store it), then sends it with no token, a made-up token,
and the token of another browser's session: each answer must be the CSRF page and every table and
the upload folder must be exactly as before. ``test_every_post_route_has_a_case`` fails when a POST
route is added without a case here.

The JSON API is CSRF-exempt by design: it reads no cookie. A staff member's session cookie gives
nothing there (``test_api_ignores_the_staff_session``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, request
from flask.globals import request_ctx
from flask.testing import FlaskClient
from sqlalchemy import MetaData, select

from formsvc import db
from formsvc.config import county_date
from formsvc.db import utcnow
from formsvc.services import workbench as wb
from formsvc.staff.views import ACTIONS
from tests.formsvc.conftest import (
    api_submit,
    csrf_from,
    good_data,
    mark_replied,
    soup,
    upload_files,
)
from tests.formsvc.workbench.helpers import PASSWORD, login, make_staff, run
from tests.formsvc.workbench.test_access import FORM

CSRF_MESSAGE = "页面已过期或来源无法验证，请返回刷新页面后重新提交"

Prepared = tuple[str, dict[str, Any]]  # (url, form data with the valid csrf_token)


def snapshot(app: Flask) -> dict[str, Any]:
    """Every row of every table, and the files under UPLOAD_DIR (drafts, attachments)."""
    engine = db.get_engine(app)
    out: dict[str, Any] = {}
    with engine.connect() as conn:
        meta = MetaData()
        meta.reflect(conn)
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(r) for r in rows]
    out["files"] = sorted(str(p) for p in upload_files(app))
    return out


def _token(client: FlaskClient, path: str) -> str:
    return csrf_from(soup(client.get(path)))


# --- preparing a request that would work ------------------------------------------------------------


def citizen_form(kind: str) -> Callable[[Flask, FlaskClient], Prepared]:
    def prepare(app: Flask, client: FlaskClient) -> Prepared:
        return f"/hdjl/{kind}/new", {**good_data(kind), "csrf_token": _token(
            client, f"/hdjl/{kind}/new")}
    return prepare


def disclosure_confirm(app: Flask, client: FlaskClient) -> Prepared:
    url, data = citizen_form("ysqgk")(app, client)
    page = soup(client.post(url, data=data))
    draft = page.find("input", attrs={"name": "draft"})["value"]
    return "/hdjl/ysqgk/confirm", {"csrf_token": csrf_from(page), "draft": draft}


def _submitted(client: FlaskClient) -> tuple[str, str]:
    body = api_submit(client, "zx").get_json()
    return body["tracking_number"], body["query_code"]


def track(app: Flask, client: FlaskClient) -> Prepared:
    number, code = _submitted(client)
    return "/hdjl/track", {"csrf_token": _token(client, "/hdjl/track"),
                           "tracking_number": number, "query_code": code}


def rate(app: Flask, client: FlaskClient) -> Prepared:
    number, code = _submitted(client)
    mark_replied(app, number)
    return "/hdjl/track/rate", {"csrf_token": _token(client, "/hdjl/track"),
                                "tracking_number": number, "query_code": code,
                                "rating": "satisfied", "comment": "很好"}


def _tracked(client: FlaskClient, kind: str = "zx") -> tuple[str, str]:
    """A message this client opened with its code (the tracking page's own actions)."""
    number, code = (lambda b: (b["tracking_number"], b["query_code"]))(
        api_submit(client, kind, **({} if kind == "ysqgk" else {"department": ""})).get_json())
    assert client.post("/hdjl/track", data={"csrf_token": _token(client, "/hdjl/track"),
                                            "tracking_number": number,
                                            "query_code": code}).status_code == 200
    return number, _token(client, "/hdjl/track")


def supplement(app: Flask, client: FlaskClient) -> Prepared:
    number, token = _tracked(client)
    return "/hdjl/track/supplement", {"csrf_token": token, "tracking_number": number,
                                      "supplement_text": "补充说明"}


def follow_up(app: Flask, client: FlaskClient) -> Prepared:
    number, token = _tracked(client)
    mark_replied(app, number)
    return "/hdjl/track/follow-up", {"csrf_token": token, "tracking_number": number,
                                     "follow_up_text": "还有一个问题"}


def correction(app: Flask, client: FlaskClient) -> Prepared:
    number, token = _tracked(client, "ysqgk")
    make_staff(app, "d", "dispatcher")
    make_staff(app, "g", "handler", "xzfb")
    run(app, "d", wb.dispatch, number, "xzfb")
    run(app, "g", wb.request_correction, number, "请补充", "")
    return "/hdjl/track/correction", {"csrf_token": token, "tracking_number": number,
                                      "correction_text": "补正内容"}


def rate_link(app: Flask, client: FlaskClient) -> Prepared:
    from formsvc.models import Message
    from formsvc.services import rating_links

    number, _ = _submitted(client)
    mark_replied(app, number)
    with app.app_context():
        s = db.new_session()
        token = rating_links.token(app.config, s.scalar(select(Message).where(
            Message.tracking_number == number)))
        s.close()
    return f"/hdjl/rate/{token}", {"csrf_token": _token(client, f"/hdjl/rate/{token}"),
                                   "rating": "satisfied"}


def staff_login(app: Flask, client: FlaskClient) -> Prepared:
    make_staff(app, "h", "handler", "rsj")
    return "/hdjl/staff/login", {"csrf_token": _token(client, "/hdjl/staff/login"),
                                 "username": "h", "password": PASSWORD}


def _logged_in(app: Flask, client: FlaskClient, role: str = "admin", dept: str = "") -> str:
    make_staff(app, "u", role, dept)
    assert login(client, "u").status_code == 303
    return _token(client, "/hdjl/staff/inbox")


def logout(app: Flask, client: FlaskClient) -> Prepared:
    return "/hdjl/staff/logout", {"csrf_token": _logged_in(app, client)}


def templates(app: Flask, client: FlaskClient) -> Prepared:
    token = _logged_in(app, client, "handler", "rsj")
    return "/hdjl/staff/templates", {"csrf_token": token, "title": "办理地点",
                                     "body": "请到县政务服务中心办理。"}


def annual_report_case(app: Flask, client: FlaskClient) -> Prepared:
    token = _logged_in(app, client, "supervisor")
    return "/hdjl/staff/annual-report", {"csrf_token": token, "kind": "review",
                                         "received": "2025-03-01", "result": "pending"}


def intake(app: Flask, client: FlaskClient) -> Prepared:
    make_staff(app, "op", "intake")
    assert login(client, "op").status_code == 303
    return "/hdjl/staff/intake/zx", {
        "csrf_token": _token(client, "/hdjl/staff/intake/zx"), "name": "王五",
        "phone": "0123-6612345", "department": "rsj", "subject": "路灯不亮",
        "content": "人民路东段的路灯已经连续三天不亮，请尽快修理。"}


def bulk_dispatch(app: Flask, client: FlaskClient) -> Prepared:
    token = _logged_in(app, client)
    number, _ = _submitted(client)
    return "/hdjl/staff/queue/dispatch", {"csrf_token": token, "number": number,
                                          "department": "rsj"}


def admin_staff(app: Flask, client: FlaskClient) -> Prepared:
    return "/hdjl/staff/admin/staff", {"csrf_token": _logged_in(app, client),
                                       "username": "new", "role": "supervisor"}


def admin_staff_action(app: Flask, client: FlaskClient) -> Prepared:
    token = _logged_in(app, client)
    target = make_staff(app, "h", "handler", "rsj")
    return f"/hdjl/staff/admin/staff/{target}/disable", {"csrf_token": token}


def admin_api_keys(app: Flask, client: FlaskClient) -> Prepared:
    return "/hdjl/staff/admin/api-keys", {"csrf_token": _logged_in(app, client),
                                          "name": "客户端", "scope": "submit", "channel": "api"}


def admin_api_key_action(app: Flask, client: FlaskClient) -> Prepared:
    from formsvc.services import api_keys

    token = _logged_in(app, client)
    with app.app_context():
        s = db.new_session()
        row, _key = api_keys.create(s, name="客户端", scopes=["submit"], channel="api")
        key_id = row.key_id
        s.close()
    return f"/hdjl/staff/admin/api-keys/{key_id}/revoke", {"csrf_token": token}


def failed_mail_retry(app: Flask, client: FlaskClient) -> Prepared:
    from formsvc.models import OutboxNotification

    token = _logged_in(app, client)
    with app.app_context():
        s = db.new_session()
        row = OutboxNotification(channel="email", recipient="a@gov.test", template="notice",
                                 payload={}, status="failed", attempts=3)
        s.add(row)
        s.commit()
        outbox_id = row.id
        s.close()
    return f"/hdjl/staff/admin/failed-mail/{outbox_id}/retry", {"csrf_token": token}


def survey_answer(app: Flask, client: FlaskClient) -> Prepared:
    # the open survey of rsj in the test content (tests/formsvc/conftest.py)
    return "/hdjl/surveys/rsj-open", {"csrf_token": _token(client, "/hdjl/surveys/rsj-open"),
                                      "q-score": "4", "q-advice": "很好"}


def survey_text(app: Flask, client: FlaskClient) -> Prepared:
    url, data = survey_answer(app, client)
    assert client.post(url, data=data).status_code == 303
    token = _logged_in(app, client, "handler", "rsj")
    with app.app_context():
        from formsvc.models import SurveyText

        s = db.new_session()
        text_id = s.scalars(select(SurveyText.id)).one()
        s.close()
    return f"/hdjl/staff/surveys/rsj-open/texts/{text_id}", {"csrf_token": token, "action": "publish"}


def performance_archive(app: Flask, client: FlaskClient) -> Prepared:
    # 绩效评估 存档 of this month, which has a message (formsvc/staff/supervision_pages.py)
    number, _ = _submitted(client)
    make_staff(app, "disp", "dispatcher")
    run(app, "disp", wb.dispatch, number, "rsj")  # rsj received a message this month
    month = county_date(app.config, utcnow()).strftime("%Y-%m")
    return "/hdjl/staff/performance", {"csrf_token": _logged_in(app, client, "supervisor"),
                                       "period": month}


def action(name: str) -> Callable[[Flask, FlaskClient], Prepared]:
    def prepare(app: Flask, client: FlaskClient) -> Prepared:
        token = _logged_in(app, client)
        number, _ = _submitted(client)
        if name != "dispatch":
            run(app, "u", wb.dispatch, number, "rsj")
        return f"/hdjl/staff/m/{number}/{name}", {"csrf_token": token, **FORM.get(name, {})}
    return prepare


def contribution(path: str, **extra: str) -> Callable[[Flask, FlaskClient], Prepared]:
    """A comment, hearing registration or interview question (tests/formsvc/participation_data)."""
    def prepare(app: Flask, client: FlaskClient) -> Prepared:
        return path, {"csrf_token": _token(client, path), "name": "张三",
                      "phone": "13812345678", "text": "建议增加农村助餐点。", **extra}
    return prepare


def moderate(app: Flask, client: FlaskClient) -> Prepared:
    citizen = app.test_client()
    url, data = contribution("/hdjl/yjzj/open-draft/new")(app, citizen)
    assert citizen.post(url, data=data).status_code == 303
    token = _logged_in(app, client)
    from formsvc.models import Contribution

    with app.app_context():
        s = db.new_session()
        cid = s.scalar(select(Contribution.id))
        s.close()
    return f"/hdjl/staff/participation/{cid}/hide", {"csrf_token": token, "hide_reason": "广告"}


CASES: dict[str, tuple[str, Callable[[Flask, FlaskClient], Prepared], bool]] = {
    # name: (rule, prepare, whether the valid request stores something)
    **{f"new-{k}": ("/hdjl/<kind_code>/new", citizen_form(k), True)
       for k in ("zx", "jy", "ts", "tz")},
    "new-ysqgk": ("/hdjl/ysqgk/new", citizen_form("ysqgk"), True),  # the draft file
    "confirm-ysqgk": ("/hdjl/ysqgk/confirm", disclosure_confirm, True),
    "track": ("/hdjl/track", track, False),
    "rate": ("/hdjl/track/rate", rate, True),
    "supplement": ("/hdjl/track/supplement", supplement, True),
    "follow-up": ("/hdjl/track/follow-up", follow_up, True),
    "correction": ("/hdjl/track/correction", correction, True),
    "rate-link": ("/hdjl/rate/<token>", rate_link, True),
    "login": ("/hdjl/staff/login", staff_login, True),  # last_login_at
    "logout": ("/hdjl/staff/logout", logout, False),
    "templates": ("/hdjl/staff/templates", templates, True),
    "annual-report": ("/hdjl/staff/annual-report", annual_report_case, True),  # a 复议 case
    "intake": ("/hdjl/staff/intake/<kind_code>", intake, True),  # 代录 for a caller
    "bulk-dispatch": ("/hdjl/staff/queue/dispatch", bulk_dispatch, True),  # 分办 of several
    # the admin screens (formsvc/staff/admin.py): an account, a key, their changes
    "admin-staff": ("/hdjl/staff/admin/staff", admin_staff, True),
    "admin-staff-action": ("/hdjl/staff/admin/staff/<int:staff_id>/<action>",
                           admin_staff_action, True),
    "admin-api-keys": ("/hdjl/staff/admin/api-keys", admin_api_keys, True),
    "admin-api-key-action": ("/hdjl/staff/admin/api-keys/<key_id>/<action>",
                             admin_api_key_action, True),
    "admin-failed-mail-retry": ("/hdjl/staff/admin/failed-mail/<int:outbox_id>/retry",
                                failed_mail_retry, True),
    "survey": ("/hdjl/surveys/<slug>", survey_answer, True),  # 网上调查: an answer
    "survey-text": ("/hdjl/staff/surveys/<slug>/texts/<int:text_id>", survey_text, True),
    "comment": ("/hdjl/yjzj/<slug>/new", contribution("/hdjl/yjzj/open-draft/new", article="1"),
                True),
    "hearing": ("/hdjl/yjzj/<slug>/hearing", contribution("/hdjl/yjzj/open-draft/hearing"), True),
    "question": ("/hdjl/ft/<slug>/new", contribution("/hdjl/ft/live/new"), True),
    "moderate": ("/hdjl/staff/participation/<int:contribution_id>/<action>", moderate, True),
    "performance": ("/hdjl/staff/performance", performance_archive, True),  # stored scores
    **{f"action-{a}": ("/hdjl/staff/m/<number>/<action>", action(a), False) for a in ACTIONS},
}


@pytest.mark.parametrize("case", list(CASES))
def test_post_without_a_valid_token_is_refused(app: Flask, case: str) -> None:
    _rule, prepare, stores = CASES[case]
    client = app.test_client()
    url, data = prepare(app, client)
    other = app.test_client()
    foreign = _token(other, "/hdjl/zx/new")  # a real token, of another browser's session
    assert foreign != data["csrf_token"]
    before = snapshot(app)
    for token in (None, "forged-token", foreign):
        payload = {k: v for k, v in data.items() if k != "csrf_token"}
        if token is not None:
            payload["csrf_token"] = token
        r = client.post(url, data=payload)
        assert r.status_code == 400, (case, token, r.status_code)
        assert CSRF_MESSAGE in r.get_data(as_text=True), (case, token)
        assert snapshot(app) == before, (case, token)
    if case == "logout":  # the refused logout left the session alone
        assert client.get("/hdjl/staff/inbox").status_code == 200
    # the control: the same request with its own token is not refused for CSRF
    r = client.post(url, data=data)
    assert CSRF_MESSAGE not in r.get_data(as_text=True), case
    if stores:
        assert snapshot(app) != before, f"{case}: the control request stored nothing"


def test_every_post_route_has_a_case(app: Flask) -> None:
    posts = {r.rule for r in app.url_map.iter_rules()
             if "POST" in (r.methods or ()) and not r.rule.startswith(("/api/", "/open311/"))}
    covered = {rule for rule, _prepare, _stores in CASES.values()}
    assert posts == covered, f"POST routes without a CSRF case: {sorted(posts - covered)}"
    assert {c.removeprefix("action-") for c in CASES if c.startswith("action-")} == set(ACTIONS)


def test_api_ignores_the_staff_session(app: Flask) -> None:
    """The API is CSRF-exempt because it reads no cookie: a staff session gives it no rights."""
    touched: list[str] = []

    @app.after_request
    def note_session_use(resp: Any) -> Any:
        # the context's own session object: the flask.session proxy would mark it accessed
        opened = request_ctx._get_current_object()._session  # type: ignore[attr-defined]
        if request.path.startswith(("/api/", "/open311/")) and opened is not None \
                and opened.accessed:
            touched.append(request.path)
        return resp

    client = app.test_client()
    number, code = _submitted(client)
    make_staff(app, "adm", "admin")
    assert login(client, "adm").status_code == 303
    assert client.get("/hdjl/staff/inbox").status_code == 200  # the session works on the workbench
    run(app, "adm", wb.dispatch, number, "rsj")
    run(app, "adm", wb.add_note, number, "内部备注：勿外传")
    before = snapshot(app)
    # tracking and rating still need the query code, staff session or not
    for path, body in (("/api/v1/track", {"tracking_number": number, "query_code": "WRONG1"}),
                       ("/api/v1/rate", {"tracking_number": number, "query_code": "WRONG1",
                                         "rating": "satisfied"})):
        r = client.post(path, json=body)
        assert r.status_code == 404 and r.get_json()["code"] == "not_found", path
    # what a citizen with the code sees, and nothing more: no internal note
    r = client.post("/api/v1/track", json={"tracking_number": number, "query_code": code})
    assert r.status_code == 200 and "勿外传" not in r.get_data(as_text=True)
    for path in ("/api/v1/departments", "/api/v1/letters", "/api/v1/stats", "/api/v1/kinds",
                 "/open311/v2/requests.json"):
        assert client.get(path).status_code == 200, path
    # Open311 filing needs an API key: the staff session is no substitute
    r = client.post("/open311/v2/requests.json", data={
        "service_code": "zx", "description": "工作人员会话不能代替密钥提交。", "phone": "13812345678",
        "first_name": "三", "last_name": "张"})
    assert r.status_code == 401 and r.get_json()[0]["code"] == 401
    assert snapshot(app) == before
    # no API view read the session the cookie carried, so it could not have granted anything
    assert touched == []
