"""The county's own published numbers survive masking everywhere a letter goes public; a
citizen's number does not (issue 19)."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from formsvc import db
from formsvc.config import load_site_settings
from formsvc.models.workbench import Letter
from formsvc.services import county_numbers, masking
from formsvc.services import workbench as wb
from portal import departments as registry
from tests.formsvc.workbench.helpers import answered, publish, run
from tests.formsvc.workbench.test_privacy import app_config  # noqa: F401 (the search index)

CITIZEN = "13907770123"


def _rsj(app: Flask) -> registry.Department:
    return next(d for d in registry.load(app.config["CONTENT_DIR"]) if d.code == "rsj")


def test_the_numbers_come_from_the_registry_the_site_and_the_setting(staff: Flask) -> None:
    rsj = _rsj(staff)
    footer = load_site_settings(staff.config["PELICANCONF"])["FOOTER"]
    with staff.app_context():
        s = db.new_session()
        numbers = county_numbers.public_numbers(s, staff.config)
        s.close()
    assert {rsj.phone, rsj.fax, footer["phone"], *staff.config["PUBLIC_NUMBERS"]} <= set(numbers)
    assert "12345" in staff.config["PUBLIC_NUMBERS"]
    assert CITIZEN not in numbers and len(numbers) == len(set(numbers))
    # without a session (a command outside the app's requests): the files and the setting
    assert rsj.phone in county_numbers.public_numbers(None, staff.config)


def test_a_department_phone_in_a_reply_survives_a_citizens_does_not(
        staff: Flask, wbclient: FlaskClient) -> None:
    rsj = _rsj(staff)
    other_citizen = "13800138000"
    reply = (f"您好：请携带身份证到县政务服务中心补办，咨询电话 {rsj.phone}（传真 {rsj.fax}），"
             f"也可拨打 12345 热线。我们已按 {CITIZEN} 回电。")
    number = answered(staff, wbclient, reply, phone=CITIZEN,
                      content=f"社保卡丢了，怎么补办？我的电话 {CITIZEN}，邻居也问，他的电话"
                              f"{other_citizen}。")
    draft = run(staff, "rsj_h", lambda ctx, st: wb.letter_draft(
        ctx, wb.get_message(ctx, st, number)))
    assert rsj.phone in draft["reply"] and rsj.fax in draft["reply"]
    assert "12345" in draft["reply"]
    for text in draft.values():
        assert CITIZEN not in text and other_citizen not in text
    assert masking.PHONE_MASK in draft["reply"] and masking.PHONE_MASK in draft["question"]
    # published as the reviewer left it (with the citizen's number typed back in): masked again,
    # the department's kept
    publish(staff, "rsj_h", "disp", number, draft["subject"], draft["question"],
            draft["reply"] + f"\n回电号码 {CITIZEN}")
    letter = wbclient.get("/api/v1/letters").get_json()["items"][0]
    assert rsj.phone in letter["reply"] and CITIZEN not in letter["reply"]
    page = wbclient.get(letter["url"]).get_data(as_text=True)
    assert rsj.phone in page and CITIZEN not in page and other_citizen not in page
    hits = wbclient.get("/api/v1/search", query_string={"q": "补办"}).get_json()["items"]
    found = next(h for h in hits if h["url"] == letter["url"])
    assert CITIZEN not in str(found) and other_citizen not in str(found)


def test_remask_letters_masks_what_older_rules_let_through(staff: Flask,
                                                           wbclient: FlaskClient) -> None:
    """A letter stored as the old rules left it (a bank card, a dotted mobile, a disguised
    e-mail in full): remask-letters masks them, keeps the department's phone, reindexes."""
    rsj = _rsj(staff)
    number = answered(staff, wbclient)
    letter = publish(staff, "rsj_h", "disp", number, "社保卡补办", "社保卡丢了怎么办？",
                     "请到县政务服务中心补办。")
    old_reply = (f"退款已打到卡 6217 0001 6613 1860 911，有问题打 139.1234.0006 或发邮件 "
                 f"zhangwei at 163 dot com；咨询电话 {rsj.phone}。")
    with staff.app_context(), db.get_engine(staff).begin() as conn:
        conn.execute(update(Letter).where(Letter.id == letter.id).values(reply=old_reply))
    runner = staff.test_cli_runner()
    r = runner.invoke(args=["remask-letters", "--dry-run"])
    assert r.exit_code == 0 and "重新遮盖 1 件" in r.output and "试运行" in r.output
    assert wbclient.get(f"/api/v1/letters/{letter.id}").get_json()["reply"] == old_reply
    r = runner.invoke(args=["remask-letters"])
    assert r.exit_code == 0 and "重新遮盖 1 件" in r.output, r.output
    reply = wbclient.get(f"/api/v1/letters/{letter.id}").get_json()["reply"]
    for leaked in ("6217", "139.1234", "zhangwei"):
        assert leaked not in reply
    assert rsj.phone in reply and masking.BANK_CARD_MASK in reply
    # idempotent: a second run changes nothing
    assert "重新遮盖 0 件" in runner.invoke(args=["remask-letters"]).output
