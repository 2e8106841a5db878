"""签收 (响应率 in the statistics), 预警 grades with their events, 督办/纠错 notices and answers."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from formsvc import db
from formsvc.domain.workdays import Calendar
from formsvc.models import Event, Message, OutboxNotification
from formsvc.models.staff import Staff
from formsvc.models.supervision import SupervisionNotice
from formsvc.services import stats, warnings
from formsvc.services import workbench as wb
from tests.formsvc.workbench.helpers import insert_message, message_row, number_of, refused, run

# Monday 23 November 2026, 10:00 in the county (UTC+8)
MONDAY = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _at(day: int, hour: int = 2) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=UTC)


def _dispatched(app: Flask, dept: str = "rsj", due: date = date(2026, 12, 7)) -> str:
    number = number_of(app, insert_message(app, dept=None, status="submitted",
                                           received_on=date(2026, 11, 23), due_date=due))
    run(app, "disp", wb.dispatch, number, dept, now=MONDAY)
    return number


def test_sign_records_working_days_and_the_response_rate(staff: Flask) -> None:
    prompt, late = _dispatched(staff), _dispatched(staff)
    run(staff, "rsj_h", wb.sign, prompt, now=_at(24))  # Tuesday: 1 working day
    run(staff, "rsj_h", wb.sign, late, now=_at(26))  # Thursday: 3 working days
    assert message_row(staff, prompt).sign_working_days == 1
    m = message_row(staff, late)
    assert m.sign_working_days == 3 and m.signed_at == _at(26)
    sign = m.events[-1]
    assert sign.action == "sign" and sign.public and sign.note.endswith("签收")
    assert "工作日" not in sign.note  # the citizen's timeline does not read how late it was
    # once per handover
    assert refused(staff, "rsj_h", wb.sign, prompt) == "already_signed"
    with staff.app_context():
        s = db.new_session()
        figures = stats.compute(s, staff.config, Calendar(), date(2026, 11, 30),
                                date(2026, 11, 1), date(2026, 11, 30))
        s.close()
    rsj = next(d for d in figures.departments if d.code == "rsj")
    assert (rsj.received, rsj.signed, rsj.responded) == (2, 2, 1)
    assert rsj.response_rate == 0.5 and rsj.as_dict()["response_rate"] == 0.5


def test_other_departments_cannot_sign_and_a_transfer_clears_the_signature(staff: Flask) -> None:
    number = _dispatched(staff)
    with pytest.raises(wb.NotFound):
        run(staff, "zjj_h", wb.sign, number)
    run(staff, "rsj_h", wb.sign, number, now=_at(23, 5))
    assert message_row(staff, number).sign_working_days == 0
    run(staff, "rsj_h", wb.transfer, number, "zjj", "不属本单位", now=_at(24))
    m = message_row(staff, number)
    assert m.signed_at is None and m.sign_working_days is None
    run(staff, "zjj_h", wb.sign, number, now=_at(27))  # Friday, 3 working days after Tuesday
    assert message_row(staff, number).sign_working_days == 3


def test_grades_change_as_events_once(staff: Flask) -> None:
    number = _dispatched(staff, due=date(2026, 11, 27))
    cal = Calendar()
    with staff.app_context():
        s = db.new_session()
        r1 = warnings.regrade(s, staff.config, cal, now=_at(26))  # due tomorrow: yellow
        r2 = warnings.regrade(s, staff.config, cal, now=_at(26, 5))  # same grade: no event
        r3 = warnings.regrade(s, staff.config, cal, now=_at(30))  # overdue: red
        counts = warnings.counts(wb.Context(s, staff.config, cal, _at(30)))
        s.close()
    assert (r1.changed, r2.changed, r3.changed) == (1, 0, 1)
    m = message_row(staff, number)
    assert m.warning_grade == "red"
    notes = [e.note for e in m.events if e.action == "grade_change"]
    assert notes == ["正常 → 黄色预警", "黄色预警 → 红色预警"]
    assert all(not e.public for e in m.events if e.action == "grade_change")
    assert counts[m.department_id].red == 1 and counts[m.department_id].yellow == 0


def test_notices_are_issued_answered_and_checked(staff: Flask) -> None:
    number = _dispatched(staff)
    # only supervisors issue; a wrong kind or an empty text is refused, nothing saved
    assert refused(staff, "rsj_h", wb.issue_notice, number, "duban", "请办理") == "forbidden"
    assert refused(staff, "sup", wb.issue_notice, number, "xx", "请办理") == "invalid_kind"
    assert refused(staff, "sup", wb.issue_notice, number, ["duban"], "请办理") == "invalid_kind"
    assert refused(staff, "sup", wb.issue_notice, number, "jiucuo", "  ") == "note_required"
    notice = run(staff, "sup", wb.issue_notice, number, "jiucuo", "答复引用的文件已废止，请更正",
                 now=MONDAY)
    assert notice.answer_due == date(2026, 11, 26)
    assert refused(staff, "rsj_h", wb.answer_notice, number, "999", "已更正") == "no_notice"
    assert refused(staff, "rsj_h", wb.answer_notice, number, str(notice.id), "") == "note_required"
    with pytest.raises(wb.NotFound):
        run(staff, "zjj_h", wb.answer_notice, number, str(notice.id), "不是我们的")
    run(staff, "rsj_h", wb.answer_notice, number, notice.id, "已更正答复", now=_at(24))
    assert refused(staff, "rsj_h", wb.answer_notice, number, notice.id, "再次") == "no_notice"
    with staff.app_context():
        s = db.new_session()
        row = s.scalar(select(SupervisionNotice))
        actions = list(s.scalars(select(Event.action).join(Message).where(
            Message.tracking_number == number)))
        s.close()
    assert row.answer == "已更正答复" and row.answered_at == _at(24)
    assert actions[-2:] == ["issue_notice", "answer_notice"]


def _answered_mails(app: Flask) -> list[tuple[str, dict[str, object]]]:
    with app.app_context():
        s = db.new_session()
        rows = [(r.recipient, r.payload) for r in s.scalars(select(OutboxNotification).where(
            OutboxNotification.template == "notice_answered").order_by(OutboxNotification.id))]
        s.close()
    return rows


def test_an_answered_notice_is_mailed_to_the_supervisors(staff: Flask) -> None:
    staff.config["SUPERVISOR_EMAIL"] = "dcs@gov.test"
    number = _dispatched(staff)
    notice = run(staff, "sup", wb.issue_notice, number, "duban", "请本周内办结", now=MONDAY)
    # refused answers (empty, another department, no such notice): no mail
    assert refused(staff, "rsj_h", wb.answer_notice, number, str(notice.id), " ") == "note_required"
    assert refused(staff, "rsj_h", wb.answer_notice, number, "999", "已办结") == "no_notice"
    with pytest.raises(wb.NotFound):
        run(staff, "zjj_h", wb.answer_notice, number, str(notice.id), "不是我们的")
    assert _answered_mails(staff) == []
    run(staff, "rsj_h", wb.answer_notice, number, notice.id, "已安排专人核查", now=_at(24))
    rows = _answered_mails(staff)
    assert sorted(r for r, _ in rows) == ["dcs@gov.test", "sup@gov.test"]
    data = rows[0][1]
    assert data["tracking_number"] == number and data["note"] == "已安排专人核查"
    assert data["notice_kind"] == "督办通知"
    assert not {"name", "phone", "email", "address", "content"} & set(data)


def test_no_mail_for_an_answer_without_supervisor_addresses(staff: Flask) -> None:
    """Mail is off for supervision (no SUPERVISOR_EMAIL, no supervisor with an address)."""
    staff.config["SUPERVISOR_EMAIL"] = ""
    with staff.app_context():
        s = db.new_session()
        s.scalar(select(Staff).where(Staff.username == "sup")).email = ""
        s.commit()
        s.close()
    number = _dispatched(staff)
    notice = run(staff, "sup", wb.issue_notice, number, "jiucuo", "请更正", now=MONDAY)
    run(staff, "rsj_h", wb.answer_notice, number, notice.id, "已更正", now=_at(24))
    assert _answered_mails(staff) == []
    assert message_row(staff, number).events[-1].action == "answer_notice"


def test_counts_on_the_supervision_page_and_the_inbox(staff: Flask) -> None:
    from tests.formsvc.conftest import soup
    from tests.formsvc.workbench.helpers import login

    number = _dispatched(staff, due=date(2026, 11, 30))  # long past today: red
    run(staff, "sup", wb.issue_notice, number, "duban", "请尽快办理")
    sup = staff.test_client()
    login(sup, "sup")
    table = soup(sup.get("/hdjl/staff/supervision")).find(id="warning-grades")
    row = table.find("th", string="示范县人力资源和社会保障局").find_parent("tr")
    assert [td.get_text() for td in row.find_all("td")] == ["1", "0", "1"]
    handler = staff.test_client()
    login(handler, "rsj_h")
    counts = soup(handler.get("/hdjl/staff/inbox")).find(id="warning-counts").get_text()
    assert "红色预警 1" in counts and "待回复督办通知 1 件" in counts
    other = staff.test_client()
    login(other, "zjj_h")
    counts = soup(other.get("/hdjl/staff/inbox")).find(id="warning-counts").get_text()
    assert "红色预警 0" in counts and "待回复督办通知 0 件" in counts
    # the notices page: rsj's own for its handler, nothing for zjj's
    assert number in handler.get("/hdjl/staff/notices").get_data(as_text=True)
    assert number not in other.get("/hdjl/staff/notices").get_data(as_text=True)


def test_remind_records_the_grades(staff: Flask) -> None:
    number = _dispatched(staff, due=date(2026, 11, 30))  # overdue today
    with staff.app_context():
        out = staff.test_cli_runner().invoke(args=["remind"])
        again = staff.test_cli_runner().invoke(args=["remind"])
    assert out.exit_code == 0 and "预警等级变化 1 件（红色预警 1 件）" in out.output, out.output
    assert "预警等级变化 0 件" in again.output
    assert message_row(staff, number).warning_grade == "red"
