"""代录 (staff file a message for a caller), the kinds 求助 and 举报, and who sees a 举报's reporter."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from formsvc import db
from formsvc.domain import channels, consent, kinds
from formsvc.models import Event, Message, OutboxNotification
from formsvc.services import workbench as wb
from tests.formsvc.conftest import csrf_from, soup
from tests.formsvc.workbench.helpers import login, make_staff, refused, run, submit

CALLER = {"name": "王五", "phone": "13912345678", "email": "", "department": "rsj",
          "subject": "路灯不亮", "content": "人民路东段的路灯已经连续三天不亮，请尽快修理。"}


def _intake(client: FlaskClient, kind: str = "zx", **changes: str) -> object:
    page = soup(client.get(f"/hdjl/staff/intake/{kind}"))
    return client.post(f"/hdjl/staff/intake/{kind}",
                       data={"csrf_token": csrf_from(page), **CALLER, **changes})


def _stored(app: Flask, number: str) -> tuple[Message, list[Event], list[OutboxNotification]]:
    with app.app_context():
        s = db.new_session()
        try:
            m = s.scalar(select(Message).where(Message.tracking_number == number))
            assert m is not None
            events = list(m.events)
            outbox = list(s.scalars(select(OutboxNotification)
                                    .where(OutboxNotification.message_id == m.id)))
            s.expunge_all()
            return m, events, outbox
        finally:
            s.close()


def test_operator_files_a_message_for_a_caller(wbapp: Flask) -> None:
    staff_id = make_staff(wbapp, "op", "intake")
    client = wbapp.test_client()
    login(client, "op")
    menu = soup(client.get("/hdjl/staff/intake"))
    assert menu.find("a", string="电话代录") is not None
    offered = {a["href"].rsplit("/", 1)[1] for a in menu.select("#intake-kinds a")}
    assert offered == {k.code for k in kinds.KINDS if not k.confirm_step}  # no 依申请公开
    r = _intake(client, consent_publish="y")
    assert r.status_code == 303
    page = soup(client.get(r.headers["Location"]))
    number = page.find(id="tracking-number").get_text(strip=True)
    code = page.find(id="query-code").get_text(strip=True)
    assert "短信" in page.find(id="sms-receipt").get_text()
    m, events, outbox = _stored(wbapp, number)
    assert (m.channel, m.consent_source, m.consent_publish) == (channels.PHONE, consent.PHONE, True)
    assert events[0].action == "submit" and events[0].actor == f"staff:{staff_id}"
    assert "代录" in events[0].note
    sms = [o for o in outbox if o.channel == channels.SMS]
    assert len(sms) == 1 and sms[0].template == "receipt"
    assert sms[0].recipient == CALLER["phone"]
    assert (sms[0].payload["tracking_number"], sms[0].payload["query_code"]) == (number, code)
    # the timeline names the operator; the code is not shown again to another browser
    assert "op·热线代录员" in client.get(f"/hdjl/staff/m/{number}").get_data(as_text=True)
    other = wbapp.test_client()
    login(other, "op")
    again = soup(other.get(f"/hdjl/staff/intake/receipt/{number}"))
    assert again.find(id="tracking-number") and again.find(id="query-code") is None


def test_landline_gets_no_sms_and_a_bad_form_stores_nothing(wbapp: Flask) -> None:
    make_staff(wbapp, "disp", "dispatcher")  # the dispatcher may file for a caller too
    client = wbapp.test_client()
    login(client, "disp")
    bad = _intake(client, content="")
    assert bad.status_code == 400 and soup(bad).select(".gp-error-summary, [role=alert]")
    r = _intake(client, phone="0123-6612345")
    number = soup(client.get(r.headers["Location"])).find(id="tracking-number").get_text(strip=True)
    _, _, outbox = _stored(wbapp, number)
    assert [o.channel for o in outbox if o.channel == channels.SMS] == []
    with wbapp.app_context():
        assert db.new_session().scalar(select(Message.id).where(Message.content == "")) is None


def test_other_roles_cannot_file_for_callers(wbapp: Flask) -> None:
    for username, role, dept in (("h", "handler", "rsj"), ("sup", "supervisor", "")):
        make_staff(wbapp, username, role, dept)
        client = wbapp.test_client()
        login(client, username)
        assert client.get("/hdjl/staff/intake").status_code == 404
        assert client.post("/hdjl/staff/intake/zx", data=CALLER).status_code in (400, 404)


def test_new_kinds_have_their_time_limits_and_report_has_no_consent(client: FlaskClient) -> None:
    got = {k["code"]: k for k in client.get("/api/v1/kinds").get_json()["kinds"]}
    assert got["qz"]["time_limit"] == 5 and got["jb"]["time_limit"] == 15
    form = soup(client.get("/hdjl/jb/new"))
    assert form.find(attrs={"name": "consent_publish"}) is None
    assert soup(client.get("/hdjl/qz/new")).find(attrs={"name": "consent_publish"}) is not None


def test_report_is_never_publishable(staff: Flask) -> None:
    number, _ = submit(staff.test_client(), "jb", address="人民路 1 号")
    run(staff, "disp", wb.dispatch, number, "rsj")
    assert refused(staff, "rsj_h", wb.propose, number, "标题", "问题", "答复", True) \
        == "not_publishable"


def test_reporter_visible_only_to_department_and_supervisors(staff: Flask) -> None:
    make_staff(staff, "adm", "admin")
    make_staff(staff, "op", "intake")
    number, _ = submit(staff.test_client(), "jb", address="人民路 1 号")
    run(staff, "disp", wb.dispatch, number, "rsj")
    for username, sees in (("rsj_h", True), ("sup", True), ("disp", False), ("adm", False),
                           ("op", False)):
        client = staff.test_client()
        login(client, username)
        page = soup(client.get(f"/hdjl/staff/m/{number}"))
        text = page.get_text()
        assert page.find(id="content") is not None  # the content is there to route it
        for value in ("张三", "13812345678", "zhangsan@example.com", "人民路 1 号"):
            assert (value in text) is sees, (username, value)
        assert (page.find(id="reporter-hidden") is None) is sees
    # an ordinary message keeps its sender visible to the dispatcher
    zx, _ = submit(staff.test_client(), "zx")
    client = staff.test_client()
    login(client, "disp")
    page = soup(client.get(f"/hdjl/staff/m/{zx}"))
    assert "张三" in page.get_text() and page.find(id="channel").get_text(strip=True) == "接口"
