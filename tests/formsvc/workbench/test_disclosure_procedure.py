"""依申请公开 procedure (issue 20): 补正 (Art. 30) and third-party consultation (Art. 32), each
through the workbench and the tracking page."""

from __future__ import annotations

import time
import zipfile
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from typing import Any

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text, update

from formsvc import db
from formsvc.config import county_date
from formsvc.db import migrate
from formsvc.domain import notices
from formsvc.domain import procedure as rules
from formsvc.domain.supervision import SIGN_WITHIN_WORKING_DAYS
from formsvc.domain.workdays import Calendar
from formsvc.models import Attachment, ClockPause, Message, OutboxNotification
from formsvc.services import deadlines, outbox, procedure, rating_links
from formsvc.services import workbench as wb
from tests.formsvc.conftest import (
    PDF,
    PNG,
    count_rows,
    csrf_from,
    post_multipart,
    soup,
    upload_files,
)
from tests.formsvc.test_api import check
from tests.formsvc.workbench.helpers import login, message_row, post_action, refused, run, submit


def calendar(app: Flask) -> Calendar:
    return Calendar.from_file(app.config["HOLIDAYS_FILE"])


def disclosure(app: Flask, client: FlaskClient) -> tuple[str, str]:
    number, code = submit(client, "ysqgk")
    run(app, "disp", wb.dispatch, number, "xzfb")
    return number, code


def open_tracking(client: FlaskClient, number: str, code: str) -> Any:
    token = csrf_from(soup(client.get("/hdjl/track")))
    r = client.post("/hdjl/track", data={"csrf_token": token, "tracking_number": number,
                                         "query_code": code})
    assert r.status_code == 200
    return r


def post_citizen(client: FlaskClient, page: Any, path: str, data: dict[str, Any],
                 files: list[tuple[bytes, str]] | None = None) -> Any:
    """A form of the status page (a CSRF token from the tracking form when it has none)."""
    page = soup(page)
    if page.find("input", attrs={"name": "csrf_token"}) is None:
        page = soup(client.get("/hdjl/track"))
    payload: dict[str, Any] = {"csrf_token": csrf_from(page), **data}
    if files:
        payload["attachments"] = [(BytesIO(content), name) for content, name in files]
    return post_multipart(client, path, payload)


def post_correction(client: FlaskClient, page: Any, number: str, text: str,
                    files: list[tuple[bytes, str]] | None = None) -> Any:
    return post_citizen(client, page, "/hdjl/track/correction",
                        {"tracking_number": number, "correction_text": text}, files)


def text_of(response: Any) -> str:
    return soup(response).find("main").get_text(" ", strip=True)


def mails(app: Flask, template: str) -> list[OutboxNotification]:
    with app.app_context():
        s = db.new_session()
        try:
            return list(s.scalars(select(OutboxNotification).where(
                OutboxNotification.template == template)))
        finally:
            s.close()


def set_pause(app: Flask, number: str, **values: Any) -> None:
    with app.app_context():
        s = db.new_session()
        try:
            mid = s.scalar(select(Message.id).where(Message.tracking_number == number))
            s.execute(update(ClockPause).where(ClockPause.message_id == mid).values(**values))
            s.commit()
        finally:
            s.close()


# --- 补正 -------------------------------------------------------------------------------------------


def test_the_hints_quote_the_time_rules_the_workbench_applies(staff: Flask,
                                                              wbclient: FlaskClient) -> None:
    """The 补正 and consultation hints and the 签收 hint read their working days from the rules'
    tables (a number typed into the template would not follow a change of the rule)."""
    number, _code = disclosure(staff, wbclient)
    login(wbclient, "xzfb_h")
    page = text_of(wbclient.get(f"/hdjl/staff/m/{number}"))
    assert f"收到申请之日起 {rules.CORRECTION_WINDOW_DAYS} 个工作日内一次性告知" in page
    assert f"收到征求意见书之日起 {rules.THIRD_PARTY_MAX_DAYS} 个工作日内提出意见" in page
    assert f"分办后 {SIGN_WITHIN_WORKING_DAYS} 个工作日内签收计入响应率" in page
    assert f"第三方在 {rules.THIRD_PARTY_MAX_DAYS} 个工作日内未提出意见" in rules.THIRD_PARTY_LAPSED_NOTE



def test_correction_asked_in_the_workbench_stops_the_clock(staff: Flask,
                                                           wbclient: FlaskClient) -> None:
    number, code = disclosure(staff, wbclient)
    login(wbclient, "xzfb_h")
    r = post_action(wbclient, number, "request_correction",
                    note="请写明所需文件的名称或文号", days="10")
    assert r.status_code == 303
    body = check(wbclient.post("/api/v1/track", json={"tracking_number": number,
                                                      "query_code": code}), "/track")
    assert body["pause"]["reason"] == "请写明所需文件的名称或文号"
    m = message_row(staff, number)
    assert m.events[-1].action == "request_correction" and m.events[-1].public
    page = wbclient.get(f"/hdjl/staff/m/{number}").get_data(as_text=True)
    assert "暂停计时" in page and "请写明所需文件的名称或文号" in page
    # the applicant is told in writing, once, with the reason and the period
    [mail] = mails(staff, "correction_requested")
    assert mail.recipient == "lisi@example.com"
    assert mail.payload["note"] == "请写明所需文件的名称或文号" and mail.payload["days"] == 10
    # the tracking page says why the clock stopped and offers the 补正 form
    citizen = staff.test_client()
    text = text_of(open_tracking(citizen, number, code))
    assert "暂停计时：等待申请人补正" in text and "请写明所需文件的名称或文号" in text
    assert "视为放弃申请" in text
    # neither due soon nor overdue while stopped, even long after the stored date
    later = datetime.now(UTC) + timedelta(days=60)
    assert run(staff, "xzfb_h", lambda ctx, _s: ctx.deadline(
        ctx.session.scalar(select(Message).where(Message.tracking_number == number))),
        now=later).state == "paused"


def test_applicant_answers_on_the_tracking_page(staff: Flask, wbclient: FlaskClient) -> None:
    number, code = disclosure(staff, wbclient)
    run(staff, "xzfb_h", wb.request_correction, number, "请补充身份证明", "")
    citizen = staff.test_client()
    page = open_tracking(citizen, number, code)
    r = post_correction(citizen, page, number, "已补充身份证明，所需文件为示政〔2024〕12号。",
                        files=[(PDF, "身份证明.pdf")])
    assert r.status_code == 200, text_of(r)
    assert "补正已提交" in text_of(r)
    m = message_row(staff, number)
    today = county_date(staff.config, m.events[-1].created_at)
    # the clock restarts: the full 20 working days from the day the 补正 arrived
    expected = deadlines.correction_count(calendar(staff), today, 20).due
    assert m.due_date == expected and m.events[-1].action == "correction_received"
    with staff.app_context():
        s = db.new_session()
        pause = s.scalar(select(ClockPause))
        files = list(s.scalars(select(Attachment).where(Attachment.purpose == "correction")))
        s.close()
    assert pause.outcome == "answered" and "示政〔2024〕12号" in pause.answer
    assert [f.original_name for f in files] == ["身份证明.pdf"]
    # the department is told; the tracking page explains the new date
    assert mails(staff, "correction_received")
    text = text_of(open_tracking(citizen, number, code))
    assert "补正申请，自收到补正之日的次日起重新计算 20 个工作日" in text
    assert "暂停计时：" not in text
    # a second 补正 request is refused, and changes nothing
    assert refused(staff, "xzfb_h", wb.request_correction, number, "再补一次", "") == \
        "correction_used"
    assert message_row(staff, number).due_date == expected


def test_correction_answer_needs_the_tracking_login(staff: Flask, wbclient: FlaskClient) -> None:
    number, code = disclosure(staff, wbclient)
    run(staff, "xzfb_h", wb.request_correction, number, "请补充身份证明", "")
    stranger = staff.test_client()
    page = stranger.get("/hdjl/track")
    r = post_correction(stranger, page, number, "冒名补正")
    assert r.status_code == 404 and "请重新输入受理编号和查询码" in text_of(r)
    assert message_row(staff, number).events[-1].action == "request_correction"


@pytest.mark.parametrize(("text", "files", "message"), [
    ("", None, "请填写补正内容或上传补正材料"),
    ("x" * 2001, None, "补正内容不能超过 2000 个字"),
    ("见附件", [(b"MZ\x90\x00" + b"\x00" * 100, "a.pdf")], "不是 JPG、PNG 或 PDF 文件"),
])
def test_bad_correction_changes_nothing(staff: Flask, wbclient: FlaskClient, text: str,
                                        files: list[tuple[bytes, str]] | None,
                                        message: str) -> None:
    number, code = disclosure(staff, wbclient)
    run(staff, "xzfb_h", wb.request_correction, number, "请补充身份证明", "")
    citizen = staff.test_client()
    before = count_rows(staff)
    r = post_correction(citizen, open_tracking(citizen, number, code), number, text, files)
    assert r.status_code == 400 and message in text_of(r)
    assert count_rows(staff) == before and not upload_files(staff)
    assert message_row(staff, number).open_pause is not None


def test_correction_after_its_deadline_is_refused(staff: Flask, wbclient: FlaskClient) -> None:
    number, code = disclosure(staff, wbclient)
    run(staff, "xzfb_h", wb.request_correction, number, "请补充身份证明", "")
    set_pause(staff, number, answer_due=date(2026, 1, 5))
    citizen = staff.test_client()
    due = message_row(staff, number).due_date
    r = post_correction(citizen, open_tracking(citizen, number, code), number, "补正内容")
    assert r.status_code == 400 and "补正期限已于 2026-01-05 届满" in text_of(r)
    m = message_row(staff, number)
    assert m.due_date == due and m.open_pause is not None


def test_correction_only_within_seven_working_days(staff: Flask, wbclient: FlaskClient) -> None:
    number, _ = disclosure(staff, wbclient)
    received = message_row(staff, number).received_on
    last = calendar(staff).add_working_days(received, 7).due
    late = datetime(last.year, last.month, last.day, 4, tzinfo=UTC) + timedelta(days=1)
    with pytest.raises(wb.ActionError) as exc:
        run(staff, "xzfb_h", wb.request_correction, number, "请补充", "", now=late)
    assert exc.value.code == "correction_too_late" and "7 个工作日内" in exc.value.message
    assert message_row(staff, number).pauses == []
    # only disclosure requests, and a period staff may choose within bounds
    other, _ = submit(wbclient, "zx", department="")
    run(staff, "disp", wb.dispatch, other, "xzfb")
    assert refused(staff, "xzfb_h", wb.request_correction, other, "请补充", "") == \
        "not_disclosure"
    assert refused(staff, "xzfb_h", wb.request_correction, number, "请补充", "0") == \
        "invalid_days"
    assert refused(staff, "xzfb_h", wb.request_correction, number, "", "") == "note_required"


def test_unanswered_correction_counts_as_withdrawn(staff: Flask, wbclient: FlaskClient) -> None:
    number, code = disclosure(staff, wbclient)
    run(staff, "xzfb_h", wb.request_correction, number, "请补充身份证明", "")
    with staff.app_context():
        s = db.new_session()
        try:
            assert procedure.close_abandoned(s, staff.config, calendar(staff)) == 0
        finally:
            s.close()
    set_pause(staff, number, answer_due=date(2026, 1, 5))
    with staff.app_context():
        s = db.new_session()
        try:
            assert procedure.close_abandoned(s, staff.config, calendar(staff)) == 1
            assert procedure.close_abandoned(s, staff.config, calendar(staff)) == 0
        finally:
            s.close()
    m = message_row(staff, number)
    assert m.status == "closed" and m.events[-1].action == "correction_abandoned"
    notice = [n for n in mails(staff, "correction_abandoned") if n.recipient == "lisi@example.com"]
    assert len(notice) == 1 and "视为放弃申请" in notice[0].payload["note"]
    text = text_of(open_tracking(staff.test_client(), number, code))
    assert "逾期未补正，视为放弃申请" in text and "已办结" in text


def test_remind_command_closes_unanswered_corrections(staff: Flask,
                                                      wbclient: FlaskClient) -> None:
    number, _ = disclosure(staff, wbclient)
    run(staff, "xzfb_h", wb.request_correction, number, "请补充身份证明", "")
    set_pause(staff, number, answer_due=date(2026, 1, 5))
    with staff.app_context():
        result = staff.test_cli_runner().invoke(args=["remind"])
    assert result.exit_code == 0, result.output
    assert "视为放弃申请 1 件" in result.output
    assert message_row(staff, number).status == "closed"


# --- third-party consultation ----------------------------------------------------------------------


def test_third_party_consultation_pauses_without_naming_it(staff: Flask,
                                                           wbclient: FlaskClient) -> None:
    number, code = disclosure(staff, wbclient)
    old_due = message_row(staff, number).due_date
    login(wbclient, "xzfb_h")
    r = post_action(wbclient, number, "start_consultation", note="示范县某某建材有限公司（商业秘密）")
    assert r.status_code == 303
    citizen = staff.test_client()
    text = text_of(open_tracking(citizen, number, code))
    assert "暂停计时：征求第三方意见" in text and "不计算在答复期限内" in text
    assert "某某建材" not in text and "商业秘密" not in text
    assert refused(staff, "xzfb_h", wb.request_correction, number, "请补充", "") == \
        "already_paused"
    # the API says the same, in its documented shape
    body = check(citizen.post("/api/v1/track", json={"tracking_number": number,
                                                     "query_code": code}), "/track")
    assert body["pause"]["kind"] == "third_party" and "某某建材" not in str(body)
    # the third party answers 3 working days later: the due date moves by 3 working days
    cal = calendar(staff)
    start = message_row(staff, number).pauses[0].started_on
    end_day = cal.add_working_days(start, 3).due
    run(staff, "xzfb_h", wb.end_consultation, number, "某某建材同意公开",
        now=datetime(end_day.year, end_day.month, end_day.day, 4, tzinfo=UTC))
    m = message_row(staff, number)
    assert m.due_date == cal.add_working_days(old_due, 3).due
    assert m.open_pause is None and m.pauses[0].outcome == "ended"
    text = text_of(open_tracking(citizen, number, code))
    assert "3 个工作日不计入答复期限" in text and "某某建材" not in text
    assert mails(staff, "consultation_ended")
    assert refused(staff, "xzfb_h", wb.end_consultation, number, "再结束") == "not_consulting"


# --- migration 0011 --------------------------------------------------------------------------------


def _alembic(engine: Any, conn: Any, action: str, revision: str) -> None:
    cfg = migrate.alembic_config(engine)
    cfg.attributes["connection"] = conn
    getattr(command, action)(cfg, revision)


def test_migration_0011_keeps_attachments(staff: Flask, wbclient: FlaskClient) -> None:
    """Files stored before 0011 become the submission's; down and up again loses nothing."""
    number, _ = disclosure(staff, wbclient)
    run(staff, "xzfb_h", wb.request_correction, number, "请补充身份证明", "")
    with staff.app_context():
        engine = db.get_engine(staff)
        try:
            with engine.begin() as conn:
                _alembic(engine, conn, "downgrade", "0010")
            assert "clock_pause" not in inspect(engine).get_table_names()
            assert "purpose" not in {c["name"] for c in inspect(engine).get_columns("attachment")}
            with engine.begin() as conn:
                mid = conn.scalar(text("SELECT id FROM message"))
                conn.execute(text(
                    "INSERT INTO attachment (message_id, stored_name, original_name, mime_type, "
                    "size, sha256, created_at) VALUES (:m, 'old.pdf', '旧附件.pdf', "
                    "'application/pdf', 10, 'x', :at)"), {"m": mid, "at": datetime.now(UTC)})
        finally:
            with engine.begin() as conn:
                _alembic(engine, conn, "upgrade", "head")
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
        s = db.new_session()
        try:
            [old] = s.scalars(select(Attachment)).all()
            assert old.original_name == "旧附件.pdf" and old.purpose == "submission"
        finally:
            s.close()
    # the new table works after the round trip
    run(staff, "xzfb_h", wb.start_consultation, number, "某公司")
    assert message_row(staff, number).open_pause is not None


# --- replies that carry the information -------------------------------------------------------------


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    """A minimal Word document (what filetype and the office check read)."""
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document>2024年县级财政预算执行情况</w:document>")
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


DOCX = docx()


def attach(client: FlaskClient, number: str, files: list[tuple[bytes, str]]) -> Any:
    token = csrf_from(soup(client.get(f"/hdjl/staff/m/{number}")))
    return post_multipart(client, f"/hdjl/staff/m/{number}/attach_reply_file",
                     {"csrf_token": token, "files": [(BytesIO(c), n) for c, n in files]})


def download(client: FlaskClient, url: str) -> tuple[int, bytes, str]:
    """(status, body, Content-Disposition) of a GET, the file closed after reading."""
    r = client.get(url)
    try:
        return r.status_code, r.get_data(), r.headers.get("Content-Disposition", "")
    finally:
        r.close()


def answered(app: Flask, client: FlaskClient) -> tuple[str, str, FlaskClient]:
    """A disclosure request answered 部分公开 with a PDF and a Word file attached."""
    number, code = disclosure(app, client)
    login(client, "xzfb_h")
    assert attach(client, number, [(PDF, "预算执行报告.pdf"),
                                   (DOCX, "附表.docx")]).status_code == 303
    run(app, "xzfb_h", wb.save_draft, number, "您申请的信息见附件。", "partially_disclosed",
        "第三部分涉及商业秘密，不予公开")
    run(app, "xzfb_h", wb.send_reply, number)
    return number, code, client


def test_reply_files_reach_the_applicant_through_tracking(staff: Flask,
                                                          wbclient: FlaskClient) -> None:
    number, code, _ = answered(staff, wbclient)
    citizen = staff.test_client()
    page = soup(open_tracking(citizen, number, code))
    links = {a.get_text(): a["href"] for a in page.select("#reply-documents a")}
    assert set(links) == {"政府信息公开申请答复告知书（可打印）", "预算执行报告.pdf", "附表.docx"}
    # the URL carries a random name, not an id; it works only in the browser that gave the code
    status, body, disposition = download(citizen, links["预算执行报告.pdf"])
    assert status == 200 and body == PDF and "attachment" in disposition
    assert download(citizen, links["附表.docx"])[:2] == (200, DOCX)
    stranger = staff.test_client()
    assert download(stranger, links["预算执行报告.pdf"])[0] == 404
    assert stranger.get(links["政府信息公开申请答复告知书（可打印）"]).status_code == 404
    # the applicant's own files are not served there
    with staff.app_context():
        s = db.new_session()
        names = [a.stored_name for a in s.scalars(select(Attachment))]
        s.close()
    assert len(names) == 2
    assert citizen.get(f"/hdjl/track/files/{'0' * 32}.pdf?number={number}").status_code == 404


def test_notice_is_kept_as_issued(staff: Flask, wbclient: FlaskClient,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    number, code, _ = answered(staff, wbclient)
    citizen = staff.test_client()
    open_tracking(citizen, number, code)
    # later changes of the legal texts leave an issued notice as it was
    monkeypatch.setattr(notices, "REMEDY_TEXT", "改过的救济途径")
    text = text_of(citizen.get(f"/hdjl/track/notice/{number}"))
    assert "政府信息公开申请答复告知书" in text and f"受理编号 {number}" in text
    assert "部分公开" in text and "第三部分涉及商业秘密，不予公开" in text
    assert "第三十六条第（二）项" in text and "附表.docx" in text
    assert "六十日内依法申请行政复议" in text and "六个月内依法向人民法院提起行政诉讼" in text
    assert "改过的救济途径" not in text and "李四" not in text
    staff_page = wbclient.get(f"/hdjl/staff/m/{number}").get_data(as_text=True)
    assert "六十日内依法申请行政复议" in staff_page


@pytest.mark.parametrize(("content", "name", "message"), [
    (PNG, "照片.png", "不是 PDF、Word"),
    (docx({"word/vbaProject.bin": b"\x00" * 10}), "宏.docm", "含有宏"),
    (b"PK\x03\x04" + b"\x00" * 40, "坏.docx", ""),
])
def test_bad_reply_files_are_refused(staff: Flask, wbclient: FlaskClient, content: bytes,
                                     name: str, message: str) -> None:
    number, _ = disclosure(staff, wbclient)
    login(wbclient, "xzfb_h")
    before = count_rows(staff)
    r = attach(wbclient, number, [(content, name)])
    assert r.status_code == 400 and "gp-error-summary" in r.get_data(as_text=True)
    assert message in text_of(r)
    assert count_rows(staff) == before and not upload_files(staff)


@pytest.mark.parametrize("app_config", [
    {"VIRUS_SCAN_COMMAND": ["sh", "-c", '! grep -q EICAR "$0"']}])
def test_virus_scan_hook(staff: Flask, wbclient: FlaskClient) -> None:
    number, _ = disclosure(staff, wbclient)
    login(wbclient, "xzfb_h")
    infected = PDF.replace(b"obj<<>>", b"obj<<>> % EICAR")
    r = attach(wbclient, number, [(infected, "有毒.pdf")])
    assert r.status_code == 400 and "未通过病毒检查" in text_of(r)
    assert not upload_files(staff)
    assert attach(wbclient, number, [(PDF, "干净.pdf")]).status_code == 303
    assert len(upload_files(staff)) == 1


# --- 追问 and 补充材料 --------------------------------------------------------------------------------


def test_supplement_before_dispatch(staff: Flask, wbclient: FlaskClient) -> None:
    number, code = submit(wbclient, "zx", department="")
    citizen = staff.test_client()
    page = open_tracking(citizen, number, code)
    assert soup(page).find(id="supplement")
    r = post_citizen(citizen, page, "/hdjl/track/supplement",
                     {"tracking_number": number, "supplement_text": "补充：事情发生在人民路口。"},
                     files=[(PDF, "现场照片.pdf")])
    assert r.status_code == 200 and "补充材料已提交" in text_of(r)
    m = message_row(staff, number)
    assert m.events[-1].action == "supplement" and "人民路口" in m.events[-1].note
    assert "补充：事情发生在人民路口。" in text_of(r)  # on the public timeline
    assert [n.payload["note"] for n in mails(staff, "supplement")]
    with staff.app_context():
        s = db.new_session()
        assert [a.original_name for a in s.scalars(select(Attachment).where(
            Attachment.purpose == "supplement"))] == ["现场照片.pdf"]
        s.close()
    # after 分办 no more: a clear message, nothing changed
    run(staff, "disp", wb.dispatch, number, "rsj")
    before = count_rows(staff)
    r = post_citizen(citizen, page, "/hdjl/track/supplement",
                     {"tracking_number": number, "supplement_text": "再补充"})
    assert r.status_code == 400 and "留言已分办，不能再补充材料" in text_of(r)
    assert count_rows(staff) == before


def test_one_follow_up_after_the_reply(staff: Flask, wbclient: FlaskClient) -> None:
    number, code = submit(wbclient, "zx", department="")
    run(staff, "disp", wb.dispatch, number, "rsj")
    citizen = staff.test_client()
    page = open_tracking(citizen, number, code)
    assert not soup(page).find(id="follow-up")  # not before the reply
    r = post_citizen(citizen, page, "/hdjl/track/follow-up",
                     {"tracking_number": number, "follow_up_text": "太早了"})
    assert r.status_code == 400 and "答复后才能追问" in text_of(r)
    run(staff, "rsj_h", wb.save_draft, number, "请携带身份证办理。")
    run(staff, "rsj_h", wb.send_reply, number)
    page = open_tracking(citizen, number, code)
    assert soup(page).find(id="follow-up")
    r = post_citizen(citizen, page, "/hdjl/track/follow-up",
                     {"tracking_number": number, "follow_up_text": "户口本也要带吗？"})
    assert r.status_code == 200 and "追问已提交" in text_of(r)
    assert "户口本也要带吗？" in text_of(r) and not soup(r).find(id="follow-up")
    sent = mails(staff, "follow_up")
    assert sent and {n.payload["note"] for n in sent} == {"户口本也要带吗？"}
    assert "rsj_h@gov.test" in {n.recipient for n in sent}
    login(wbclient, "rsj_h")
    timeline = soup(wbclient.get(f"/hdjl/staff/m/{number}")).find(id="timeline").get_text()
    assert "提交人追问" in timeline and "户口本也要带吗？" in timeline
    before = count_rows(staff)
    r = post_citizen(citizen, page, "/hdjl/track/follow-up",
                     {"tracking_number": number, "follow_up_text": "再问一次"})
    assert r.status_code == 400 and "只能追问一次" in text_of(r)
    assert count_rows(staff) == before


# --- the signed rating link -------------------------------------------------------------------------


def replied_with_link(app: Flask, client: FlaskClient) -> tuple[str, str, str]:
    number, code = submit(client, "zx", department="")
    run(app, "disp", wb.dispatch, number, "rsj")
    run(app, "rsj_h", wb.save_draft, number, "请携带身份证到县政务服务中心办理。")
    run(app, "rsj_h", wb.send_reply, number)
    [mail] = mails(app, "reply")
    return number, code, mail.payload["rate_url"]


def test_rating_link_in_the_reply_mail(staff: Flask, wbclient: FlaskClient) -> None:
    number, code, link = replied_with_link(staff, wbclient)
    [mail] = mails(staff, "reply")
    subject, body = outbox.render("reply", mail.payload)
    assert link in body and code not in body and code not in link and number not in link
    assert link.startswith("https://www.shifan.gov.cn/hdjl/rate/")
    citizen = staff.test_client()
    path = link.removeprefix("https://www.shifan.gov.cn")
    page = citizen.get(path)
    assert page.status_code == 200 and "请携带身份证到县政务服务中心办理" in text_of(page)
    r = citizen.post(path, data={"csrf_token": csrf_from(soup(page)), "rating": "satisfied"})
    assert r.status_code == 200 and "感谢您的评价" in text_of(r)
    m = message_row(staff, number)
    assert m.status == "closed" and m.rating == "satisfied"
    again = citizen.get(path)
    assert "本件已评价" in text_of(again) and not soup(again).find("form", method="post")


def test_forged_or_expired_rating_link_changes_nothing(staff: Flask, wbclient: FlaskClient,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    number, _, link = replied_with_link(staff, wbclient)
    path = link.removeprefix("https://www.shifan.gov.cn")
    citizen = staff.test_client()
    token = csrf_from(soup(citizen.get(path)))
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    r = citizen.post(forged, data={"csrf_token": token, "rating": "unsatisfied"})
    assert r.status_code == 400 and "评价链接无效" in text_of(r)
    other = rating_links.URLSafeTimedSerializer("another-secret", salt="formsvc.rating-link")
    r = citizen.get("/hdjl/rate/" + other.dumps({"m": 1, "r": 1}))
    assert r.status_code == 400 and "评价链接无效" in text_of(r)
    # a link made 31 days ago (RATING_LINK_DAYS is 30)
    m = message_row(staff, number)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() - 31 * 86400)
    with staff.app_context():
        old = rating_links.token(staff.config, m)
    monkeypatch.setattr(time, "time", real)
    r = citizen.post("/hdjl/rate/" + old, data={"csrf_token": token, "rating": "unsatisfied"})
    assert r.status_code == 400 and "评价链接已过期" in text_of(r)
    m = message_row(staff, number)
    assert m.status == "replied" and not m.rating


def test_a_stopped_clock_is_not_overdue_in_the_statistics(staff: Flask) -> None:
    from formsvc.services import stats
    from tests.formsvc.workbench.helpers import insert_message

    mid = insert_message(staff, dept="xzfb", status="assigned", kind="ysqgk",
                         received_on=date(2025, 6, 2), due_date=date(2025, 6, 30))

    def overdue() -> int:
        with staff.app_context():
            s = db.new_session()
            try:
                return stats.compute(s, staff.config, Calendar(), date(2025, 12, 31),
                                     date(2025, 1, 1), date(2025, 12, 31)).total.overdue_now
            finally:
                s.close()

    assert overdue() == 1
    with staff.app_context():
        s = db.new_session()
        s.add(ClockPause(message_id=mid, kind="third_party", reason="某公司",
                         started_at=datetime(2025, 6, 20, tzinfo=UTC),
                         started_on=date(2025, 6, 20), answer_due=date(2025, 7, 11),
                         old_due_date=date(2025, 6, 30), outcome="", answer=""))
        s.commit()
        s.close()
    assert overdue() == 0


def test_a_lapsed_consultation_ends_by_itself(staff: Flask, wbclient: FlaskClient) -> None:
    """The third party let its 15 working days pass: remind restarts the clock, counting 15."""
    number, code = disclosure(staff, wbclient)
    run(staff, "xzfb_h", wb.start_consultation, number, "某公司")
    cal = calendar(staff)
    start = date(2026, 3, 2)
    set_pause(staff, number, started_on=start, old_due_date=date(2026, 3, 20),
              answer_due=cal.add_working_days(start, 15).due)
    with staff.app_context():
        result = staff.test_cli_runner().invoke(args=["remind"])
    assert result.exit_code == 0 and "恢复计时 1 件" in result.output, result.output
    m = message_row(staff, number)
    assert m.open_pause is None and m.pauses[0].outcome == "ended"
    assert m.due_date == cal.add_working_days(date(2026, 3, 20), 15).due
    text = text_of(open_tracking(staff.test_client(), number, code))
    assert "15 个工作日不计入答复期限" in text and "某公司" not in text
