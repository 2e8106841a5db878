"""Due soon and overdue across holidays and make-up working days, the inbox filters, and remind."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import select

from formsvc import db
from formsvc.domain.workdays import Calendar
from formsvc.models import Event, OutboxNotification
from formsvc.services import reminders
from formsvc.services import workbench as wb
from formsvc.services.deadlines import deadline, working_days_between
from tests.formsvc.workbench.helpers import (
    insert_message,
    make_staff,
    message_row,
    number_of,
    run,
)

D = date.fromisoformat
CAL = Calendar()


@pytest.mark.parametrize(("due", "today", "state", "days"), [
    # National Day 2025: 1–8 October off; Sunday 28 September and Saturday 11 October worked
    ("2025-10-09", "2025-09-30", "due_soon", 1),  # eight calendar days, one working day
    ("2025-10-10", "2025-09-29", "ok", 3),  # 30 Sep, 9 and 10 Oct
    ("2025-09-30", "2025-09-28", "due_soon", 2),  # counted from a make-up Sunday
    ("2025-10-13", "2025-10-10", "due_soon", 2),  # the make-up Saturday counts
    ("2025-09-30", "2025-10-09", "overdue", 1),  # the holiday week is not counted as late
    ("2025-10-09", "2025-10-09", "due_soon", 0),  # due today
    ("2025-11-20", "2025-11-03", "ok", 13),
])
def test_deadline_state(due: str, today: str, state: str, days: int) -> None:
    d = deadline(CAL, "assigned", D(due), D(today), 2)
    assert (d.state, d.working_days) == (state, days)


def test_labels_and_done() -> None:
    assert deadline(CAL, "assigned", D("2025-10-09"), D("2025-10-09"), 2).label == "今日到期"
    assert deadline(CAL, "assigned", D("2025-09-30"), D("2025-10-10"), 2).label == "已超期 2 个工作日"
    assert deadline(CAL, "replied", D("2020-01-01"), D("2025-10-10"), 2).state == "done"
    assert deadline(CAL, "closed", D("2020-01-01"), D("2025-10-10"), 2).label == ""


def test_override_year_unknown_to_the_package(tmp_path) -> None:  # noqa: ANN001
    f = tmp_path / "holidays.yml"
    f.write_text("2031:\n  holidays:\n    - {from: 2031-10-01, to: 2031-10-07, name: 国庆节}\n"
                 "  workdays:\n    - {date: 2031-10-11, name: 国庆节调休上班}\n", encoding="utf-8")
    cal = Calendar.from_file(f)
    assert working_days_between(cal, D("2031-09-30"), D("2031-10-13")) == 5  # 8, 9, 10, 11 (Sat), 13
    assert deadline(cal, "assigned", D("2031-10-08"), D("2031-09-30"), 2).state == "due_soon"


@pytest.fixture
def messages(wbapp: Flask) -> dict[str, str]:
    make_staff(wbapp, "disp", "dispatcher", email="disp@gov.test")
    make_staff(wbapp, "sup", "supervisor", email="sup@gov.test")
    make_staff(wbapp, "h", "handler", "rsj", email="h@gov.test")
    ids = {
        "overdue": insert_message(wbapp, dept="rsj", status="assigned", received_on=D("2025-09-22"),
                                  due_date=D("2025-09-30")),
        "soon": insert_message(wbapp, dept="rsj", status="assigned", received_on=D("2025-09-26"),
                               due_date=D("2025-10-09")),
        "later": insert_message(wbapp, dept="rsj", status="assigned", received_on=D("2025-09-29"),
                                due_date=D("2025-10-20")),
        "new": insert_message(wbapp, dept=None, status="submitted", received_on=D("2025-09-22"),
                              due_date=D("2025-09-29")),
        "replied": insert_message(wbapp, dept="rsj", status="replied", received_on=D("2025-09-22"),
                                  due_date=D("2025-09-29"),
                                  replied_at=datetime(2025, 9, 29, 2, tzinfo=UTC)),
    }
    return {k: number_of(wbapp, v) for k, v in ids.items()}


NOW = datetime(2025, 10, 8, 1, tzinfo=UTC)  # 8 October, 09:00 in the county, a holiday


def test_inbox_filters_and_marks(wbapp: Flask, messages: dict[str, str]) -> None:
    def numbers(account: str, **f: str) -> list[str]:
        page = run(wbapp, account, wb.inbox, wb.InboxFilter(**f), now=NOW)
        return [r.message.tracking_number for r in page.rows]

    assert numbers("h") == [messages[k] for k in ("overdue", "soon", "later")]
    assert numbers("h", deadline="overdue") == [messages["overdue"]]
    assert numbers("h", deadline="due_soon") == [messages["soon"]]
    # every status: the open ones in working order, then the answered ones (issue 22)
    assert numbers("h", status="") == [messages[k] for k in ("overdue", "soon", "later", "replied")]
    assert numbers("disp", deadline="overdue") == [messages["new"], messages["overdue"]]
    page = run(wbapp, "h", wb.inbox, wb.InboxFilter(), now=NOW)
    assert [r.deadline.state for r in page.rows] == ["overdue", "due_soon", "ok"]
    groups = run(wbapp, "sup", wb.watch_list, now=NOW)
    summary = {(g.department.code if g.department else None): (len(g.overdue), len(g.due_soon))
               for g in groups}
    assert summary == {"rsj": (1, 1), None: (1, 0)}


def test_remind_notifies_departments_and_supervisors(wbapp: Flask,
                                                     messages: dict[str, str]) -> None:
    with wbapp.app_context():
        s = db.new_session()
        result = reminders.run(s, wbapp.config, CAL, now=NOW)
        assert (result.reminded, result.overdue, result.due_soon) == (3, 2, 1)
        mails = {(o.recipient, o.template) for o in s.scalars(select(OutboxNotification))}
        assert ("h@gov.test", "remind_department") in mails
        assert ("disp@gov.test", "remind_department") in mails  # the undispatched one
        assert ("sup@gov.test", "remind_supervisor") in mails
        events = s.scalars(select(Event).where(Event.action == "remind")).all()
        assert len(events) == 3 and not any(e.public for e in events)
        # a second run the same day reminds nobody again
        again = reminders.run(s, wbapp.config, CAL, now=NOW.replace(hour=5))
        assert again.reminded == 0 and again.mails == 0
        s.close()


def test_remind_cli(wbapp: Flask, messages: dict[str, str]) -> None:
    with wbapp.app_context():
        result = wbapp.test_cli_runner().invoke(args=["remind"])
    assert result.exit_code == 0, result.output
    # today every open one of them is long overdue
    assert "提醒 4 件（超期 4，即将到期 0）" in result.output


def test_unrated_replies_are_closed_after_the_window(wbapp: Flask) -> None:
    replied = datetime(2025, 9, 29, 2, tzinfo=UTC)  # a Monday; ten working days span the holiday
    old = insert_message(wbapp, dept="rsj", status="replied", received_on=D("2025-09-22"),
                         due_date=D("2025-09-29"), replied_at=replied)
    with wbapp.app_context():
        s = db.new_session()
        # 30 Sep + 9, 10, 11 (make-up Saturday), 13–17, 20 October: the window ends on the 20th
        assert reminders.close_unrated(s, wbapp.config, CAL,
                                       now=datetime(2025, 10, 20, 2, tzinfo=UTC)) == 0
        assert reminders.close_unrated(s, wbapp.config, CAL,
                                       now=datetime(2025, 10, 21, 2, tzinfo=UTC)) == 1
        s.close()
    m = message_row(wbapp, number_of(wbapp, old))
    assert m.status == "closed" and m.events[-1].action == "timeout_close" and m.closed_at
