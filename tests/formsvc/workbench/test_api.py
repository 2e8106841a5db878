"""The letters and statistics API answer as the OpenAPI document says; 不满意 reaches supervisors."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from formsvc import db
from formsvc.models import OutboxNotification
from formsvc.services import workbench as wb
from tests.formsvc.test_api import check
from tests.formsvc.workbench.helpers import make_staff, message_row, publish, run, submit


def test_letters_and_stats_match_the_document(wbapp: Flask, wbclient: FlaskClient) -> None:
    make_staff(wbapp, "disp", "dispatcher")
    make_staff(wbapp, "h", "handler", "rsj")
    number, _ = submit(wbclient, "zx", consent_publish=True)
    run(wbapp, "disp", wb.dispatch, number, "rsj")
    run(wbapp, "h", wb.save_draft, number, "请携带身份证到县政务服务中心办理。")
    run(wbapp, "h", wb.send_reply, number)
    letter = publish(wbapp, "h", "disp", number, "社保卡补办", "社保卡丢了怎么补办？",
                     "请携带身份证到县政务服务中心办理。")
    body = check(wbclient.get("/api/v1/letters"), "/letters", "get")
    assert body["total"] == 1 and body["items"][0]["department_code"] == "rsj"
    one = check(wbclient.get(f"/api/v1/letters/{letter.id}"), "/letters/{letter_id}", "get")
    assert one["subject"] == "社保卡补办" and one["name"] == "张**"
    check(wbclient.get("/api/v1/letters/99999"), "/letters/{letter_id}", "get")
    stats = check(wbclient.get("/api/v1/stats"), "/stats", "get")
    assert stats["total"]["replied"] == 1
    check(wbclient.get("/api/v1/stats?from=bad"), "/stats", "get")
    # withdrawn: gone from the API
    run(wbapp, "h", wb.withdraw, number, "内容需更新")
    assert wbclient.get(f"/api/v1/letters/{letter.id}").status_code == 404
    assert wbclient.get("/api/v1/letters").get_json()["total"] == 0


def test_unsatisfied_rating_is_flagged_to_supervisors(wbapp: Flask, wbclient: FlaskClient) -> None:
    make_staff(wbapp, "disp", "dispatcher")
    make_staff(wbapp, "sup", "supervisor", email="sup@gov.test")
    make_staff(wbapp, "h", "handler", "rsj")
    number, code = submit(wbclient, "ts", department="")
    run(wbapp, "disp", wb.dispatch, number, "rsj")
    run(wbapp, "h", wb.save_draft, number, "已处理。")
    run(wbapp, "h", wb.send_reply, number)
    r = wbclient.post("/api/v1/rate", json={"tracking_number": number, "query_code": code,
                                           "rating": "unsatisfied", "comment": "没解决"})
    assert r.status_code == 200
    m = message_row(wbapp, number)
    assert [e.action for e in m.events[-2:]] == ["rate", "flag_unsatisfied"]
    assert not m.events[-1].public
    assert "flag_unsatisfied" not in str(r.get_json()["timeline"])
    with wbapp.app_context():
        s = db.new_session()
        rows = s.scalars(select(OutboxNotification).where(
            OutboxNotification.template == "unsatisfied")).all()
        s.close()
    assert [o.recipient for o in rows] == ["sup@gov.test"]
    flagged = run(wbapp, "sup", wb.flagged)
    assert [x.tracking_number for x in flagged] == [number]
    run(wbapp, "sup", wb.handle_flag, number, "已电话回访，群众表示理解")
    assert run(wbapp, "sup", wb.flagged) == []
