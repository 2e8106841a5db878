"""Every mail text, written by every trigger, says what it should (issue 18, defect 4).

The new-message mail once read 「收到一件新的（受理编号 …」: submission built its own payload, without
the kind, beside the workbench's. Now one module (services/notify.py) writes every payload, and
here every trigger is pulled and every mail it queues is rendered from its text.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from formsvc import db
from formsvc.domain import participation as p
from formsvc.domain.workdays import Calendar
from formsvc.models import Message, OutboxNotification
from formsvc.models.staff import Staff
from formsvc.services import content_check, followups, outbox, participation, procedure, reminders
from formsvc.services import workbench as wb
from portal.participation import consultation_from
from tests.formsvc.workbench.helpers import run, submit

# mails about the county's figures (or its content) rather than one message
DIGESTS = {"remind_department", "remind_supervisor", "content_check"}
# mails about a contribution to a draft or interview (tests/formsvc/test_participation_mail.py)
CONTRIBUTIONS = {"new_contribution"}


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"MAIL_FILE_DIR": str(tmp_path / "mail"), "SUPERVISOR_EMAIL": "dcs@gov.test"}


def test_the_new_message_mail_names_the_kind(wbapp: Flask, wbclient: FlaskClient) -> None:
    number, _ = submit(wbclient, "ts", department="")
    with wbapp.app_context():
        assert wbapp.test_cli_runner().invoke(args=["send-mail"]).exit_code == 0
    mails = [message_from_bytes(f.read_bytes())
             for f in Path(wbapp.config["MAIL_FILE_DIR"]).glob("*.eml")]
    (staff,) = [m for m in mails if m["To"] == wbapp.config["DISPATCHER_EMAIL"]]
    body = staff.get_payload(decode=True).decode("utf-8")
    assert f"收到一件新的投诉（受理编号 {number}）" in body


def queued(app: Flask) -> list[OutboxNotification]:
    with app.app_context():
        s = db.new_session()
        try:
            return list(s.scalars(select(OutboxNotification).order_by(OutboxNotification.id)))
        finally:
            s.close()


def _staff_id(app: Flask, username: str) -> int:
    with app.app_context():
        s = db.new_session()
        try:
            return s.scalar(select(Staff.id).where(Staff.username == username))
        finally:
            s.close()


def pull_every_trigger(app: Flask, client: FlaskClient) -> None:
    """Submission, every workbench action that mails, a rating and remind (the accounts of
    the ``staff`` fixture act)."""
    # routed, transferred with a new date, returned, rejected
    number, _ = submit(client, "zx", department="")
    run(app, "disp", wb.dispatch, number, "rsj")
    run(app, "sup", wb.transfer, number, "zjj", "属住建局职责", date.today() + timedelta(days=40))
    run(app, "zjj_h", wb.return_to_dispatcher, number, "不属于本局")
    run(app, "disp", wb.reject, number, "不属于政府职能")
    # reviewed, returned, approved and sent; rated unsatisfied, supervised, reopened
    number, code = submit(client, "ts", department="gaj")
    run(app, "disp", wb.dispatch, number, "gaj")
    run(app, "gaj_h", wb.save_draft, number, "已处理。")
    run(app, "gaj_h", wb.submit_for_review, number)
    run(app, "gaj_r", wb.return_draft, number, "请写明期限")
    run(app, "gaj_h", wb.save_draft, number, "已责令月底前整改。")
    run(app, "gaj_h", wb.submit_for_review, number)
    run(app, "gaj_r", wb.approve_reply, number)
    assert client.post("/api/v1/rate", json={"tracking_number": number, "query_code": code,
                                             "rating": "unsatisfied"}).status_code == 200
    run(app, "sup", wb.reopen, number, "请重新核查")
    run(app, "sup", wb.supervise, number, "请尽快办理")
    # a handler named (指定承办人), a 督办通知 answered (the supervisors are told)
    run(app, "gaj_r", wb.assign, number, str(_staff_id(app, "gaj_h")))
    notice = run(app, "sup", wb.issue_notice, number, "duban", "请本周内办结")
    run(app, "gaj_h", wb.answer_notice, number, notice.id, "已安排专人核查")
    # a letter proposed (the department's reviewers are told) and returned (the proposer is)
    number, _ = submit(client, "zx", department="gaj", consent_publish=True,
                       content="请问户口迁移需要哪些材料？在哪里办理？")
    run(app, "disp", wb.dispatch, number, "gaj")
    run(app, "gaj_r", wb.save_draft, number, "请携带户口簿到派出所户籍窗口办理。")
    run(app, "gaj_r", wb.send_reply, number)
    run(app, "gaj_h", wb.propose, number, "户口迁移", "户口迁移需要哪些材料？", "请到户籍窗口办理。",
        True)
    run(app, "gaj_r", wb.send_back, number, "1", "请删去窗口电话")
    # an extension approved, another refused
    for approve in (True, False):
        number, _ = submit(client, "ysqgk", subject=f"申请公开的信息 {approve}")
        run(app, "disp", wb.dispatch, number, "xzfb")
        run(app, "xzfb_h", wb.request_extension, number, 10, "需要征求第三方意见")
        run(app, "sup", wb.decide_extension, number, approve, "" if approve else "理由不充分")
    # 依申请公开: a 补正 answered, a 补正 left unanswered, a third party consulted; 补充材料 and
    # 追问 from the tracking page (tests/formsvc/workbench/test_disclosure_procedure.py)
    cal = Calendar.from_file(app.config["HOLIDAYS_FILE"])
    later = datetime.now(UTC) + timedelta(days=120)
    for answer in (True, False):
        number, _ = submit(client, "ysqgk", subject=f"需要补正的申请 {answer}")
        run(app, "disp", wb.dispatch, number, "xzfb")
        run(app, "xzfb_h", wb.request_correction, number, "请写明文件名称", "")
        with app.app_context():
            s = db.new_session()
            try:
                if answer:
                    m = s.scalar(select(Message).where(Message.tracking_number == number))
                    procedure.answer_correction(s, app.config, cal, m, "示政〔2024〕12号", [])
                else:
                    procedure.close_abandoned(s, app.config, cal, now=later)
            finally:
                s.close()
    number, _ = submit(client, "ysqgk", subject="涉及第三方的申请")
    run(app, "disp", wb.dispatch, number, "xzfb")
    run(app, "xzfb_h", wb.start_consultation, number, "某公司")
    run(app, "xzfb_h", wb.end_consultation, number, "同意公开")
    number, _ = submit(client, "zx", department="")
    with app.app_context():
        s = db.new_session()
        try:
            m = s.scalar(select(Message).where(Message.tracking_number == number))
            followups.supplement(s, app.config, m, "补充说明", [])
            run(app, "disp", wb.dispatch, number, "rsj")
            run(app, "rsj_h", wb.save_draft, number, "已答复。")
            run(app, "rsj_h", wb.send_reply, number)
            s.expire_all()
            m = s.scalar(select(Message).where(Message.tracking_number == number))
            followups.follow_up(s, app.config, m, "还有一个问题")
        finally:
            s.close()
    # a dispatched message left overdue: remind
    number, _ = submit(client, "jy", department="")
    run(app, "disp", wb.dispatch, number, "rsj")
    with app.app_context():
        s = db.new_session()
        try:
            reminders.run(s, app.config, Calendar.from_file(app.config["HOLIDAYS_FILE"]),
                          now=datetime.now(UTC) + timedelta(days=120))
            # the daily content check: the small test tree has empty columns, so there is mail
            content_check.run(s, {**app.config, "CHECK_MAIL_TO": ["bianji@shifan.gov.cn"]})
            # a comment on a draft of 人社局: the department is told
            today = datetime.now(UTC).date()
            draft = consultation_from("draft", {
                "title": "就业补贴办法（征求意见稿）", "department": "rsj",
                "opens": today - timedelta(days=2), "closes": today + timedelta(days=5),
                "articles": [{"number": 1, "text": "为促进就业，制定本办法。"}]})
            assert draft is not None
            participation.submit(s, app.config, participation.NewContribution(
                p.kind("comment"), "draft", "张三", "13812345678", "建议提高补贴标准。", 1), draft)
        finally:
            s.close()


def test_every_template_has_its_facts_from_every_trigger(staff: Flask,
                                                        wbclient: FlaskClient) -> None:
    pull_every_trigger(staff, wbclient)
    rows = queued(staff)
    assert {r.template for r in rows} == set(outbox.templates()) - {outbox.GENERIC}
    for row in rows:
        missing = outbox.fields(row.template) - set(row.payload)
        assert not missing, f"{row.template} to {row.recipient} lacks {sorted(missing)}"
        subject, body = outbox.render(row.template, row.payload)
        assert subject and body and "{" not in subject + body
        if row.template in DIGESTS:
            continue
        if row.template in CONTRIBUTIONS:
            assert row.payload["title"] in subject and row.payload["kind_label"] in body
            assert "张三" not in body and "13812345678" not in body
            continue
        assert row.payload["tracking_number"] in subject + body
        assert row.payload["kind_label"] in body, (row.template, body)
        assert "query_code" not in row.payload


def test_texts_of_each_trigger(staff: Flask, wbclient: FlaskClient) -> None:
    pull_every_trigger(staff, wbclient)
    texts: dict[str, list[str]] = {}
    for row in queued(staff):
        texts.setdefault(row.template, []).append("\n".join(outbox.render(row.template,
                                                                          row.payload)))
    assert any("收到一件新的咨询" in t for t in texts["new_message"])
    assert "您的咨询已收到" in texts["receipt"][0]
    assert "（转办时已调整）" in texts["transferred"][0] and "原期限不变" not in texts["transferred"][0]
    assert "县人社局" in texts["transferred"][0] or "人力资源" in texts["transferred"][0]
    assert "不属于本局" in texts["returned"][0] and "不属于政府职能" in texts["rejected"][0]
    assert "请写明期限" in texts["draft_returned"][0]
    assert "已提请在公开信箱发布" in texts["letter_proposed"][0]
    assert "请删去窗口电话" in texts["letter_returned"][0]
    assert "已责令月底前整改" in texts["reply"][0]
    assert "被评价为不满意" in texts["unsatisfied"][0]
    assert "请重新核查" in texts["reopened"][0] and "请尽快办理" in texts["supervise"][0]
    assert "请写明文件名称" in texts["correction_requested"][0]
    assert "视为放弃申请" in texts["correction_abandoned"][0]
    assert "不计算在答复期限内" in texts["consultation_ended"][0]
    assert "补充说明" in texts["supplement"][0] and "还有一个问题" in texts["follow_up"][0]
    assert any("/hdjl/rate/" in t for t in texts["reply"])
    assert "延长 10 个工作日" in texts["extension_requested"][0]
    assert "延长 10 个工作日" in texts["extension_approved"][0]
    decided = " ".join(texts["extension_decided"])
    assert "延期申请已批准" in decided and "延期申请未获批准" in decided and "理由不充分" in decided
    assert any("件超期" in t for t in texts["remind_department"] + texts["remind_supervisor"])


def test_an_unknown_template_gets_the_generic_text() -> None:
    subject, body = outbox.render("../../etc/passwd", {"tracking_number": "ZX1", "note": "说明"})
    assert (subject, body) == ("互动交流通知：ZX1", "说明")
