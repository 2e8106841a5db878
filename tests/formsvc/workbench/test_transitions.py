"""Every transition of the state machine, allowed and forbidden, and the workbench's own rules."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from formsvc import db
from formsvc.models import Message, OutboxNotification
from formsvc.services import lifecycle
from formsvc.services import workbench as wb
from formsvc.services.lifecycle import Status, TransitionError
from tests.formsvc.workbench.helpers import (
    message_row,
    refused,
    run,
    submit,
)

ROLES = ("citizen", "system", "dispatcher", "handler", "reviewer", "supervisor", "admin")
STATUSES: tuple[str | None, ...] = (None, *(s.value for s in Status))


def message_in(status: str | None) -> Message:
    m = Message(tracking_number="ZX20261122-ABCDEF", query_code_hash="x", kind="zx", name="n",
                phone="13812345678", subject="s", content="c", received_on=date(2026, 11, 23),
                due_date=date(2026, 11, 30), time_limit_days=5, text_hash="h")
    m.status = status  # type: ignore[assignment]
    return m


@pytest.mark.parametrize("action", sorted(lifecycle.TRANSITIONS))
def test_every_status_and_role(action: str) -> None:
    t = lifecycle.TRANSITIONS[action]
    for status in STATUSES:
        for role in ROLES:
            m = message_in(status)
            ok = (status if action != "submit" else None) in t.sources and role in t.roles
            if action == "submit" and status is not None:
                ok = role in t.roles  # submit starts a new message whatever the object held
            if ok:
                ev = lifecycle.apply(m, action, actor="x", role=role, note="理由")
                assert m.status == (t.target or status)
                assert (ev.from_status, ev.to_status) == (
                    None if action == "submit" else status, m.status)
                assert ev.public is t.public
            else:
                with pytest.raises(TransitionError) as exc:
                    lifecycle.apply(m, action, actor="x", role=role, note="理由")
                assert exc.value.code in ("invalid_transition", "forbidden")
                assert m.status == status and not m.events


def test_note_required_where_declared() -> None:
    for action, t in lifecycle.TRANSITIONS.items():
        if not t.needs_note:
            continue
        m = message_in(sorted(s for s in t.sources if s)[0])
        with pytest.raises(TransitionError) as exc:
            lifecycle.apply(m, action, actor="x", role=sorted(t.roles)[0], note="  ")
        assert exc.value.code == "note_required"


# --- the workbench's rules -------------------------------------------------------------------------


def dispatched(app: Flask, client: FlaskClient, dept: str, kind: str = "zx",
               **changes: str) -> str:
    number, _ = submit(client, kind, **changes)
    run(app, "disp", wb.dispatch, number, dept)
    return number


def test_transfer_keeps_the_due_date(staff: Flask, wbclient: FlaskClient) -> None:
    number = dispatched(staff, wbclient, "rsj")
    due = message_row(staff, number).due_date
    run(staff, "rsj_h", wb.transfer, number, "zjj", "属住建局职责")
    m = message_row(staff, number)
    assert m.department.code == "zjj" and m.due_date == due and m.status == Status.ASSIGNED
    ev = m.events[-1]
    assert ev.action == "transfer" and "属住建局职责" in ev.note and ev.actor.startswith("staff:")
    # the old department no longer sees it
    with pytest.raises(wb.NotFound):
        run(staff, "rsj_h", wb.add_note, number, "还在吗")
    # only a supervisor may set another due date while transferring
    assert refused(staff, "zjj_h", wb.transfer, number, "rsj", "退回", date(2099, 1, 5)) == "forbidden"
    run(staff, "sup", wb.transfer, number, "rsj", "协调", date(2099, 1, 5))
    m = message_row(staff, number)
    assert m.due_date == date(2099, 1, 5)
    assert [e.action for e in m.events[-2:]] == ["transfer", "change_due"]
    with pytest.raises(wb.ActionError):
        run(staff, "rsj_h", wb.transfer, number, "rsj", "自己")


def test_reject_reason_is_public(staff: Flask, wbclient: FlaskClient) -> None:
    number, code = submit(wbclient, "zx", department="")
    with pytest.raises(wb.ActionError) as exc:
        run(staff, "disp", wb.reject, number, "")
    assert exc.value.message == "请填写不予受理的理由"
    run(staff, "disp", wb.reject, number, "内容与政府职能无关")
    view = wbclient.post("/api/v1/track", json={"tracking_number": number,
                                                "query_code": code}).get_json()
    assert view["status"] == "rejected"
    assert view["timeline"][-1]["note"] == "内容与政府职能无关"


def test_return_and_internal_notes_stay_internal(staff: Flask, wbclient: FlaskClient) -> None:
    number, code = submit(wbclient, "zx", department="rsj")
    run(staff, "disp", wb.dispatch, number, "rsj", "请人社局办理")
    run(staff, "rsj_h", wb.add_note, number, "内部讨论：需要核实社保记录")
    run(staff, "rsj_h", wb.return_to_dispatcher, number, "不属于本局")
    m = message_row(staff, number)
    assert m.status == Status.SUBMITTED
    view = wbclient.post("/api/v1/track", json={"tracking_number": number,
                                                "query_code": code}).get_json()
    text = str(view)
    assert "内部讨论" not in text and "不属于本局" not in text and "请人社局办理" not in text
    assert [e["action"] for e in view["timeline"]] == ["submit", "dispatch"]


def test_disclosure_extension_once_at_most_20(staff: Flask, wbclient: FlaskClient) -> None:
    number = dispatched(staff, wbclient, "xzfb", "ysqgk")
    before = message_row(staff, number).due_date
    with pytest.raises(wb.ActionError) as exc:
        run(staff, "xzfb_h", wb.request_extension, number, 21, "需要征求第三方意见")
    assert exc.value.field == "days"
    run(staff, "xzfb_h", wb.request_extension, number, 20, "需要征求第三方意见")
    assert refused(staff, "xzfb_h", wb.request_extension, number, 5, "再来一次") == "extension_used"
    with pytest.raises(wb.ActionError):
        run(staff, "xzfb_h", wb.decide_extension, number, True)  # a handler cannot approve
    run(staff, "sup", wb.decide_extension, number, True, "同意")
    m = message_row(staff, number)
    assert m.extension_days == 20 and m.due_date > before
    with staff.app_context():
        from formsvc.web.runtime import calendar

        assert m.due_date == calendar().add_working_days(before, 20).due
        s = db.new_session()
        notices = s.scalars(select(OutboxNotification).where(
            OutboxNotification.template == "extension_approved")).all()
        assert [n.recipient for n in notices] == ["lisi@example.com"]
        s.close()
    assert refused(staff, "xzfb_h", wb.request_extension, number, 5, "第二次") == "extension_used"


def test_refused_extension_keeps_the_date(staff: Flask, wbclient: FlaskClient) -> None:
    number = dispatched(staff, wbclient, "xzfb", "ysqgk")
    before = message_row(staff, number).due_date
    run(staff, "xzfb_h", wb.request_extension, number, 10, "材料较多")
    with pytest.raises(wb.ActionError):
        run(staff, "sup", wb.decide_extension, number, False, "")  # a refusal needs a reason
    run(staff, "sup", wb.decide_extension, number, False, "理由不充分")
    m = message_row(staff, number)
    assert m.due_date == before and m.extension_days == 0
    assert m.events[-1].action == "refuse_extension" and not m.events[-1].public


def test_consultation_cannot_be_extended(staff: Flask, wbclient: FlaskClient) -> None:
    number = dispatched(staff, wbclient, "rsj")
    assert refused(staff, "rsj_h", wb.request_extension, number, 3, "忙") == "not_extendable"


def test_review_required_department(staff: Flask, wbclient: FlaskClient) -> None:
    number = dispatched(staff, wbclient, "gaj", "ts")
    run(staff, "gaj_h", wb.save_draft, number, "经核查，已责令整改。")
    assert refused(staff, "gaj_h", wb.send_reply, number) == "review_required"
    run(staff, "gaj_h", wb.submit_for_review, number)
    run(staff, "gaj_r", wb.return_draft, number, "请写明整改期限")
    with pytest.raises(wb.ActionError):
        run(staff, "gaj_r", wb.approve_reply, number)  # nothing under review now
    run(staff, "gaj_h", wb.save_draft, number, "经核查，已责令 11 月 30 日前整改。")
    run(staff, "gaj_h", wb.submit_for_review, number)
    with pytest.raises(wb.ActionError):
        run(staff, "gaj_h", wb.approve_reply, number)  # the author cannot approve
    run(staff, "gaj_r", wb.approve_reply, number)
    m = message_row(staff, number)
    assert m.status == Status.REPLIED and "11 月 30 日" in m.reply_text and m.replied_at
    assert [e.action for e in m.events if e.action in (
        "draft_reply", "submit_review", "return_draft", "approve_reply", "reply")] == [
        "draft_reply", "submit_review", "return_draft", "draft_reply", "submit_review",
        "approve_reply", "reply"]


def test_disclosure_outcome_is_separate_from_status(staff: Flask, wbclient: FlaskClient) -> None:
    number = dispatched(staff, wbclient, "xzfb", "ysqgk")
    run(staff, "xzfb_h", wb.save_draft, number, "经查，您申请的信息部分涉及个人隐私。")
    assert refused(staff, "xzfb_h", wb.send_reply, number) == "outcome_required"
    run(staff, "xzfb_h", wb.save_draft, number, "经查，部分涉及个人隐私。", "partially_disclosed")
    assert refused(staff, "xzfb_h", wb.send_reply, number) == "outcome_note_required"
    run(staff, "xzfb_h", wb.save_draft, number, "经查，部分涉及个人隐私。", "partially_disclosed",
        "第三方个人信息不予公开（第十五条）")
    run(staff, "xzfb_h", wb.send_reply, number)
    m = message_row(staff, number)
    assert m.status == Status.REPLIED
    assert "答复结果：部分公开" in m.events[-1].note
    with staff.app_context():
        s = db.new_session()
        draft = wb.draft_of(s, m)
        assert draft is not None and draft.outcome == "partially_disclosed"
        s.close()


def test_reopen_only_after_unsatisfied_and_once(staff: Flask, wbclient: FlaskClient) -> None:
    number, code = submit(wbclient, "ts", department="")
    run(staff, "disp", wb.dispatch, number, "rsj")
    run(staff, "rsj_h", wb.save_draft, number, "已处理。")
    run(staff, "rsj_h", wb.send_reply, number)
    r = wbclient.post("/api/v1/rate", json={"tracking_number": number, "query_code": code,
                                           "rating": "satisfied"})
    assert r.status_code == 200
    assert refused(staff, "sup", wb.reopen, number, "复查") == "not_unsatisfied"

    number, code = submit(wbclient, "ts", department="", content="第二件投诉内容，路灯坏了很久。")
    run(staff, "disp", wb.dispatch, number, "rsj")
    run(staff, "rsj_h", wb.save_draft, number, "已处理。")
    run(staff, "rsj_h", wb.send_reply, number)
    wbclient.post("/api/v1/rate", json={"tracking_number": number, "query_code": code,
                                       "rating": "unsatisfied", "comment": "没修好"})
    run(staff, "sup", wb.reopen, number, "请重新核查")
    m = message_row(staff, number)
    assert m.status == Status.ASSIGNED and m.rating == "" and m.replied_at is None
    run(staff, "rsj_h", wb.save_draft, number, "已再次维修。")
    run(staff, "rsj_h", wb.send_reply, number)
    wbclient.post("/api/v1/rate", json={"tracking_number": number, "query_code": code,
                                       "rating": "unsatisfied", "comment": "还是没修好"})
    assert refused(staff, "sup", wb.reopen, number, "再来") == "already_reopened"
