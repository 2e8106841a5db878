"""SMS notices (issue 25): asked for with 短信通知, short, nothing personal beyond the number;
the receipt, the reply notice and the 补正 request; sent by send-mail (files by default)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select

from formsvc import config as defaults
from formsvc import db
from formsvc.db import migrate
from formsvc.models import Message, OutboxNotification
from formsvc.services import notify, sms
from formsvc.services import workbench as wb
from tests.formsvc.conftest import (
    api_submit,
    confirm_disclosure,
    good_data,
    post_form,
    receipt_of,
    soup,
)
from tests.formsvc.workbench.helpers import answered, login, run, submit
from tests.formsvc.workbench.test_stats_summary import _alembic

MOBILE = "13812345678"


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"MAIL_FILE_DIR": str(tmp_path / "mail"), "SMS_FILE_DIR": str(tmp_path / "sms")}


def texts(app: Flask) -> list[OutboxNotification]:
    with app.app_context():
        s = db.new_session()
        try:
            return list(s.scalars(select(OutboxNotification)
                                  .where(OutboxNotification.channel == notify.SMS)
                                  .order_by(OutboxNotification.id)))
        finally:
            s.close()


def test_receipt_by_sms_only_when_asked(wbapp: Flask, wbclient: FlaskClient) -> None:
    submit(wbclient, "zx")
    assert texts(wbapp) == []
    number, code = submit(wbclient, "zx", notify_sms=True)
    [row] = texts(wbapp)
    assert (row.recipient, row.template, row.status) == (MOBILE, "receipt", "pending")
    # the number and the code, nothing else: no name, no subject, no content
    assert row.payload == {"tracking_number": number, "query_code": code}
    with wbapp.app_context():
        s = db.new_session()
        assert s.scalar(select(Message.notify_sms)
                        .where(Message.tracking_number == number)) is True
        s.close()


def test_the_form_checkbox_asks_for_sms(wbapp: Flask, wbclient: FlaskClient) -> None:
    page = wbclient.get("/hdjl/zx/new").get_data(as_text=True)
    assert 'name="notify_sms"' in page and "短信通知" in page
    data = {"name": "张三", "phone": MOBILE, "department": "", "subject": "社保卡补办",
            "content": "请问社保卡丢失后到哪里补办，需要带什么材料？", "notify_sms": "y"}
    r = post_form(wbclient, "zx", data)
    assert r.status_code in (200, 303), r.get_data(as_text=True)[:500]
    [row] = texts(wbapp)
    assert row.template == "receipt" and row.recipient == MOBILE


def test_the_checkbox_survives_the_disclosure_review_page(wbapp: Flask,
                                                         wbclient: FlaskClient) -> None:
    data = {**good_data("ysqgk"), "phone": MOBILE, "notify_sms": "y"}
    review = post_form(wbclient, "ysqgk", data)
    assert review.status_code == 200 and "短信通知" in review.get_data(as_text=True)
    number, code = receipt_of(confirm_disclosure(wbclient, review, follow=True))
    [row] = texts(wbapp)
    assert row.payload == {"tracking_number": number, "query_code": code}


def test_sms_needs_a_mobile_number(wbapp: Flask, wbclient: FlaskClient) -> None:
    r = api_submit(wbclient, "zx", phone="0123-6612345", notify_sms=True)
    assert r.status_code == 400
    body = r.get_json()
    assert body["code"] == "validation_failed" and "手机号码" in body["fields"]["notify_sms"][0]
    # a landline without the checkbox is fine, and nothing is queued by SMS
    assert api_submit(wbclient, "zx", phone="0123-6612345").status_code == 201
    assert texts(wbapp) == []


@pytest.mark.parametrize("value", [1, "true", "是", None])
def test_the_api_boolean_is_strict(wbclient: FlaskClient, value: Any) -> None:
    r = api_submit(wbclient, "zx", notify_sms=value) if value is not None else \
        wbclient.post("/api/v1/messages", json={"kind": "zx", "name": "张三", "phone": MOBILE,
                                                "subject": "社保卡补办", "notify_sms": None,
                                                "content": "请问社保卡丢失后到哪里补办？需要带什么材料？"})
    assert r.status_code == 400 and r.get_json()["fields"]["notify_sms"]


def test_send_mail_writes_the_texts_and_forgets_the_code(wbapp: Flask,
                                                        wbclient: FlaskClient) -> None:
    number, code = submit(wbclient, "zx", notify_sms=True)
    with wbapp.app_context():
        r = wbapp.test_cli_runner().invoke(args=["send-mail"])
    assert r.exit_code == 0, r.output
    assert "短信：发送成功 1" in r.output and "邮件：发送成功 2" in r.output
    [file] = Path(wbapp.config["SMS_FILE_DIR"]).glob("*.txt")
    phone, _, text = file.read_text(encoding="utf-8").partition("\n\n")
    assert phone == MOBILE and number in text and code in text
    assert "张三" not in text and one_segment(text.strip())
    [row] = texts(wbapp)
    assert row.status == "sent" and row.payload == {"tracking_number": number}


def test_reply_notice_by_sms(staff: Flask, wbclient: FlaskClient) -> None:
    number = answered(staff, wbclient, notify_sms=True)
    rows = texts(staff)
    assert [r.template for r in rows] == ["receipt", "reply"]
    assert rows[1].payload == {"tracking_number": number}
    assert "已答复" in sms.compose(MOBILE, "reply", rows[1].payload).text()
    # the handler sees that the citizen is told by SMS too
    login(wbclient, "rsj_h")
    page = soup(wbclient.get(f"/hdjl/staff/m/{number}"))
    assert page.find(id="notify-sms").get_text(strip=True).startswith("是")
    # nobody asked: no text
    answered(staff, wbclient)
    assert len(texts(staff)) == 2


def test_correction_request_by_sms(staff: Flask, wbclient: FlaskClient) -> None:
    number, _ = submit(wbclient, "ysqgk", phone=MOBILE, notify_sms=True)
    run(staff, "disp", wb.dispatch, number, "xzfb")
    pause = run(staff, "xzfb_h", wb.request_correction, number, "请写明所需文件的名称或文号", "10")
    rows = texts(staff)
    assert [r.template for r in rows] == ["receipt", "correction_requested"]
    due = pause.answer_due.isoformat()
    assert rows[1].payload == {"tracking_number": number, "answer_due": due}
    text = sms.compose(MOBILE, "correction_requested", rows[1].payload).text()
    assert due in text and "补正" in text and "请写明" not in text  # the reason stays off SMS


def one_segment(text: str) -> bool:
    """One SMS of 70 characters, with the gateway's signature 【示范县人民政府】 in front."""
    return len(text) + len(f"【{defaults.SMS_SIGN_NAME}】") <= 70


def test_every_sms_text_renders_from_its_parameters_in_one_segment() -> None:
    assert sms.templates() == sorted(sms.PARAMS)
    longest = {"tracking_number": "ZX20261206-Y5GKMB", "query_code": "EGWG7ETU",
               "answer_due": "2026-12-20"}
    for name, params in sms.PARAMS.items():
        text = sms.compose(MOBILE, name, longest).text()
        assert all(longest[p] in text for p in params) and one_segment(text), text


def test_migration_0014_keeps_messages_and_asks_for_no_sms(wbapp: Flask,
                                                           wbclient: FlaskClient) -> None:
    numbers = [submit(wbclient, "zx", subject=f"留言 {n}")[0] for n in range(3)]
    with wbapp.app_context():
        engine = db.get_engine(wbapp)
        try:
            with engine.begin() as conn:
                _alembic(engine, conn, "downgrade", "0013")
            assert "notify_sms" not in {c["name"] for c in inspect(engine).get_columns("message")}
        finally:
            with engine.begin() as conn:
                _alembic(engine, conn, "upgrade", "head")
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
        s = db.new_session()
        rows = s.execute(select(Message.tracking_number, Message.notify_sms)
                         .order_by(Message.id)).all()
        s.close()
    assert rows == [(n, False) for n in numbers]
