"""The reply in one step (issue 22): one form, 发送答复 first and 保存草稿 second; where the
department's replies need a reviewer, 提交审核 first and the review flow as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from formsvc import db
from formsvc.config import county_date
from formsvc.models import Event, Message
from formsvc.models.workbench import ReplyDraft
from tests.formsvc.conftest import check_page, csrf_from, soup
from tests.formsvc.workbench.helpers import insert_message, login, number_of

REPLY = "您好！灵活就业人员社会保险补贴每季度首月在县政务服务中心人社窗口受理。"


def assigned(app: Flask, dept: str, kind: str = "zx") -> str:
    t = county_date(app.config, datetime.now(UTC))
    return number_of(app, insert_message(app, dept=dept, status="assigned", kind=kind,
                                         received_on=t, due_date=t + timedelta(10)))


def reply(client, number: str, step: str, **data: str):
    token = csrf_from(soup(client.get(f"/hdjl/staff/m/{number}")))
    return client.post(f"/hdjl/staff/m/{number}/draft_reply",
                       data={"csrf_token": token, "step": step, **data})


def state(app: Flask, number: str) -> tuple[str, str | None, list[str]]:
    """(status, the draft's status or None, the message's actions in order)."""
    with app.app_context():
        s = db.new_session()
        m = s.scalar(select(Message).where(Message.tracking_number == number))
        draft = s.scalar(select(ReplyDraft.status).where(ReplyDraft.message_id == m.id))
        actions = list(s.scalars(select(Event.action).where(Event.message_id == m.id)
                                 .order_by(Event.id)))
        s.close()
    return m.status, draft, actions


def buttons(page) -> list[tuple[str, str]]:
    form = page.select_one("#draft_reply form[action$='/draft_reply']")
    return [(b.get_text(strip=True), b.get("value", "")) for b in form.find_all("button")]


def test_the_reply_is_sent_in_one_step(staff: Flask) -> None:
    number = assigned(staff, "rsj")
    client = staff.test_client()
    login(client, "rsj_h")
    page = soup(client.get(f"/hdjl/staff/m/{number}"))
    check_page(page)
    assert buttons(page) == [("发送答复", "send"), ("保存草稿", "draft")]
    assert "gp-button--secondary" in page.find("button", string="保存草稿")["class"]
    # no second form to send a saved draft: the one form does it
    assert not page.find("form", attrs={"action": lambda a: a and a.endswith(
        ("/send_reply", "/submit_review"))})
    r = reply(client, number, "send", text=REPLY)
    assert r.status_code == 303
    assert state(staff, number) == ("replied", "sent", ["submit", "reply"])
    page = soup(client.get(r.headers["Location"]))
    assert "答复已发送" in page.select_one(".gp-notice").get_text()
    assert page.select_one("#reply").get_text() == REPLY


def test_a_draft_is_saved_and_sent_later_from_the_same_form(staff: Flask) -> None:
    number = assigned(staff, "rsj")
    client = staff.test_client()
    login(client, "rsj_h")
    assert reply(client, number, "draft", text="初稿").status_code == 303
    assert state(staff, number) == ("assigned", "draft", ["submit", "draft_reply"])
    page = soup(client.get(f"/hdjl/staff/m/{number}"))
    assert page.select_one("#draft_reply-text").get_text() == "初稿"
    assert buttons(page)[0] == ("发送答复", "send")
    assert reply(client, number, "send", text=REPLY).status_code == 303
    assert state(staff, number) == ("replied", "sent", ["submit", "draft_reply", "reply"])


def test_a_reply_that_cannot_be_sent_is_not_saved_half_way(staff: Flask) -> None:
    number = assigned(staff, "xzfb", kind="ysqgk")
    client = staff.test_client()
    login(client, "xzfb_h")
    r = reply(client, number, "send", text="经查，您申请的信息已主动公开。")
    assert r.status_code == 400
    page = soup(r)
    assert "答复结果" in page.select_one(".gp-error-summary").get_text()
    # the text typed is still in the form, and nothing was stored
    assert page.select_one("#draft_reply-text").get_text() == "经查，您申请的信息已主动公开。"
    assert state(staff, number) == ("assigned", None, ["submit"])
    r = reply(client, number, "send", text="经查，您申请的信息已主动公开。", outcome="proactively_disclosed",
              outcome_note="见县政府网站信息公开栏目")
    assert r.status_code == 303, soup(r).select_one(".gp-error-summary")
    assert state(staff, number)[:2] == ("replied", "sent")


def test_where_a_reviewer_must_approve_the_first_button_submits_for_review(staff: Flask) -> None:
    number = assigned(staff, "gaj")
    handler = staff.test_client()
    login(handler, "gaj_h")
    page = soup(handler.get(f"/hdjl/staff/m/{number}"))
    assert buttons(page) == [("提交审核", "review"), ("保存草稿", "draft")]
    r = reply(handler, number, "send", text=REPLY)  # a forged "send" is refused, nothing kept
    assert r.status_code == 400 and "须经审核" in soup(r).select_one(".gp-error-summary").get_text()
    assert state(staff, number) == ("assigned", None, ["submit"])
    r = reply(handler, number, "review", text=REPLY)
    assert r.status_code == 303
    assert "答复已提交审核" in soup(handler.get(r.headers["Location"])).select_one(
        ".gp-notice").get_text()
    assert state(staff, number) == ("assigned", "pending_review", ["submit", "submit_review"])

    reviewer = staff.test_client()
    login(reviewer, "gaj_r")
    page = soup(reviewer.get(f"/hdjl/staff/m/{number}"))
    # the reviewer's first button approves; editing and sending is the second way
    assert page.select_one("#draft_reply button").get_text(strip=True) == "审核通过并发送"
    assert buttons(page) == [("修改后发送", "send"), ("保存草稿", "draft")]
    approve = page.find("form", attrs={"action": lambda a: a and a.endswith("/approve_reply")})
    r = reviewer.post(approve["action"], data={"csrf_token": csrf_from(page)})
    assert r.status_code == 303
    assert state(staff, number) == ("replied", "sent", ["submit", "submit_review",
                                                        "approve_reply", "reply"])


def test_an_unknown_step_is_refused(staff: Flask) -> None:
    number = assigned(staff, "rsj")
    client = staff.test_client()
    login(client, "rsj_h")
    assert reply(client, number, "publish", text=REPLY).status_code == 400
    assert state(staff, number) == ("assigned", None, ["submit"])
