"""指定承办人 within a department and bulk 分办 from the queue, as a hostile staff member would
try them: other departments' ids, wrong types, numbers out of scope, a message taken meanwhile."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from formsvc import db
from formsvc.models import Event, Message, OutboxNotification
from formsvc.services import workbench as wb
from formsvc.services.workbench.assignment import BULK_MAX
from tests.formsvc.conftest import csrf_from, soup
from tests.formsvc.workbench.helpers import (
    login,
    message_row,
    post_action,
    refused,
    run,
    submit,
)


def _ids(app: Flask) -> dict[str, int]:
    from formsvc.models.staff import Staff

    with app.app_context():
        s = db.new_session()
        try:
            return {name: i for name, i in s.execute(select(Staff.username, Staff.id))}
        finally:
            s.close()


def _client(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, username).status_code == 303
    return client


@pytest.fixture
def dispatched(staff: Flask, wbclient: FlaskClient) -> str:
    """A message of gaj (a handler and a reviewer there: gaj_h, gaj_r)."""
    number, _ = submit(wbclient, "zx", department="")
    run(staff, "disp", wb.dispatch, number, "gaj")
    return number


def test_assign_within_the_department(staff: Flask, dispatched: str) -> None:
    ids = _ids(staff)
    client = _client(staff, "gaj_r")
    page = soup(client.get(f"/hdjl/staff/m/{dispatched}"))
    options = [o["value"] for o in page.find(id="assign-assignee").find_all("option")]
    assert options == ["", str(ids["gaj_h"]), str(ids["gaj_r"])]  # gaj's handler and reviewer
    assert page.find(id="assignee").get_text() == "未指定"
    r = post_action(client, dispatched, "assign", assignee=str(ids["gaj_h"]))
    assert r.status_code == 303
    m = message_row(staff, dispatched)
    assert m.assignee_id == ids["gaj_h"]
    event = m.events[-1]
    assert (event.action, event.note, event.public) == ("assign", "指定承办人：gaj_h", False)
    # the inbox: the column, and "mine" for gaj_h only
    handler = _client(staff, "gaj_h")
    inbox = soup(handler.get("/hdjl/staff/inbox?assignee=mine"))
    assert dispatched in inbox.find("table").get_text() and "gaj_h" in inbox.find(
        "table").get_text()
    assert dispatched not in soup(client.get("/hdjl/staff/inbox?assignee=mine")).find(
        "table").get_text()
    assert dispatched not in soup(client.get("/hdjl/staff/inbox?assignee=none")).find(
        "table").get_text()
    # clearing: one more event; clearing again is refused with a message
    assert post_action(client, dispatched, "assign", assignee="").status_code == 303
    assert message_row(staff, dispatched).assignee_id is None
    r = post_action(client, dispatched, "assign", assignee="")
    assert r.status_code == 400 and "尚未指定" in soup(r).find(class_="gp-error-summary").get_text()


@pytest.mark.parametrize("value", ["zjj_h", "disp", "sup", "abc", "-1", "0", "1e3", " ", "99999",
                                   "1 OR 1=1", "\x00"])
def test_assign_refuses_anyone_outside_the_department(staff: Flask, dispatched: str,
                                                      value: str) -> None:
    ids = _ids(staff)
    client = _client(staff, "gaj_h")
    r = post_action(client, dispatched, "assign", assignee=str(ids.get(value, value)))
    assert r.status_code == 400, value
    assert message_row(staff, dispatched).assignee_id is None
    assert [e.action for e in message_row(staff, dispatched).events][-1] == "dispatch"


def test_assign_refuses_a_disabled_account_and_repeated_values(staff: Flask,
                                                               dispatched: str) -> None:
    from formsvc.services import staff_admin

    ids = _ids(staff)
    with staff.app_context():
        s = db.new_session()
        from formsvc.models.staff import Staff
        staff_admin.set_active(s, None, s.get(Staff, ids["gaj_r"]), False)
        s.close()
    client = _client(staff, "gaj_h")
    assert post_action(client, dispatched, "assign",
                       assignee=str(ids["gaj_r"])).status_code == 400
    token = csrf_from(soup(client.get(f"/hdjl/staff/m/{dispatched}")))
    # a repeated field: the form reads the first value only, a valid one: one assignment
    r = client.post(f"/hdjl/staff/m/{dispatched}/assign",
                    data={"csrf_token": token, "assignee": [str(ids["gaj_h"]), "abc"]})
    assert r.status_code == 303 and message_row(staff, dispatched).assignee_id == ids["gaj_h"]


def test_another_department_cannot_assign(staff: Flask, dispatched: str) -> None:
    ids = _ids(staff)
    client = _client(staff, "zjj_h")
    token = csrf_from(soup(client.get("/hdjl/staff/inbox")))
    r = client.post(f"/hdjl/staff/m/{dispatched}/assign",
                    data={"csrf_token": token, "assignee": str(ids["zjj_h"])})
    assert r.status_code == 404
    assert message_row(staff, dispatched).assignee_id is None


def test_leaving_the_department_drops_the_assignee(staff: Flask, dispatched: str) -> None:
    ids = _ids(staff)
    run(staff, "gaj_r", wb.assign, dispatched, str(ids["gaj_h"]))
    run(staff, "gaj_h", wb.transfer, dispatched, "rsj", "不属本单位")
    assert message_row(staff, dispatched).assignee_id is None
    run(staff, "rsj_h", wb.assign, dispatched, str(ids["rsj_h"]))
    run(staff, "rsj_h", wb.return_to_dispatcher, dispatched, "不属本单位")
    assert message_row(staff, dispatched).assignee_id is None


def _mails(app: Flask, template: str) -> list[tuple[str, dict[str, Any]]]:
    with app.app_context():
        s = db.new_session()
        try:
            return [(r.recipient, r.payload) for r in s.scalars(select(OutboxNotification).where(
                OutboxNotification.template == template).order_by(OutboxNotification.id))]
        finally:
            s.close()


def test_the_named_handler_is_mailed(staff: Flask, dispatched: str) -> None:
    ids = _ids(staff)
    # refused (another department's handler, a string of junk): no event, no mail
    for value in (str(ids["zjj_h"]), "abc"):
        assert refused(staff, "gaj_r", wb.assign, dispatched, value) == "invalid_assignee"
    assert _mails(staff, "assigned") == []
    run(staff, "gaj_r", wb.assign, dispatched, str(ids["gaj_h"]))
    ((recipient, data),) = _mails(staff, "assigned")
    assert recipient == "gaj_h@gov.test" and data["tracking_number"] == dispatched
    # the facts of the message, never the citizen's (submit's 张三, phone, e-mail)
    assert not {"name", "phone", "email", "address", "content"} & set(data)
    assert "张三" not in str(data) and "13812345678" not in str(data)
    # naming oneself, or clearing: no mail
    run(staff, "gaj_r", wb.assign, dispatched, str(ids["gaj_r"]))
    run(staff, "gaj_r", wb.assign, dispatched, "")
    assert len(_mails(staff, "assigned")) == 1


def test_no_mail_to_a_handler_without_an_address(staff: Flask, dispatched: str) -> None:
    """Mail is off for an account without an address: the assignment stands, nothing queued."""
    from formsvc.models.staff import Staff

    ids = _ids(staff)
    with staff.app_context():
        s = db.new_session()
        s.get(Staff, ids["gaj_h"]).email = ""
        s.commit()
        s.close()
    run(staff, "gaj_r", wb.assign, dispatched, str(ids["gaj_h"]))
    assert message_row(staff, dispatched).assignee_id == ids["gaj_h"]
    assert _mails(staff, "assigned") == []


# --- bulk 分办 ---------------------------------------------------------------------------------------


def _queue_token(client: FlaskClient) -> str:
    return csrf_from(soup(client.get("/hdjl/staff/queue")))


def _dispatch_events(app: Flask) -> int:
    with app.app_context():
        s = db.new_session()
        try:
            return s.scalar(select(func.count()).select_from(Event).where(
                Event.action == "dispatch")) or 0
        finally:
            s.close()


def test_bulk_dispatch_all_of_them(staff: Flask, wbclient: FlaskClient) -> None:
    numbers = [submit(wbclient, "zx", department="", content=f"第 {i} 件留言，请尽快处理。")[0]
               for i in range(3)]
    client = _client(staff, "disp")
    page = soup(client.get("/hdjl/staff/queue"))
    assert {i["value"] for i in page.find_all("input", attrs={"name": "number"})} == set(numbers)
    r = client.post("/hdjl/staff/queue/dispatch", data={
        "csrf_token": _queue_token(client), "number": numbers, "department": "rsj",
        "note": "同类问题"})
    assert r.status_code == 303
    for number in numbers:
        m = message_row(staff, number)
        assert (m.status, m.department.code) == ("assigned", "rsj")
        assert [e.action for e in m.events][-2:] == ["dispatch", "note"]
    with staff.app_context():
        s = db.new_session()
        mails = s.scalar(select(func.count()).select_from(OutboxNotification).where(
            OutboxNotification.template == "dispatched"))
        s.close()
    # the department's recipients (its address and its handler) once per message, as for 分办
    # one by one
    assert mails and mails % 3 == 0
    flash = soup(client.get("/hdjl/staff/queue")).get_text()
    assert "已分办 3 件留言" in flash


def _stats_rows(s: Any, table: Any) -> list[tuple[Any, ...]]:
    # a key whose counters all fell to zero may stay as a row; a recount has none
    rows = [tuple(r) for r in s.execute(select(table.__table__))]
    return sorted(r for r in rows if any(v for v in r[2:] if isinstance(v, int)))


def _dispatched(app: Flask, numbers: list[str], bulk: bool) -> tuple[list[str], Any, Any]:
    """Dispatch ``numbers`` to rsj as "disp" (in one call, or one call each), counting the SQL
    statements; (statements, message_stats as kept, message_stats recounted)."""
    from formsvc.domain.workdays import Calendar
    from formsvc.models.message import MessageStats
    from formsvc.models.staff import Staff
    from formsvc.services import stats

    statements: list[str] = []
    with app.app_context():
        engine = db.get_engine(app)

        def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            statements.append(" ".join(statement.split()))

        s = db.new_session()
        disp = s.scalar(select(Staff).where(Staff.username == "disp"))
        ctx = wb.Context(s, app.config, Calendar.from_file(app.config["HOLIDAYS_FILE"]))
        event.listen(engine, "before_cursor_execute", count)
        try:
            if bulk:
                wb.dispatch_many(ctx, disp, numbers, "rsj", "同类问题")
            else:
                for number in numbers:
                    wb.dispatch(ctx, disp, number, "rsj", "同类问题")
        finally:
            event.remove(engine, "before_cursor_execute", count)
        s.close()
        s = db.new_session()
        kept = _stats_rows(s, MessageStats)
        with engine.begin() as conn:
            stats.rebuild(conn)
        recounted = _stats_rows(s, MessageStats)
        s.close()
    return statements, kept, recounted


def _dispatch_mails(app: Flask) -> list[tuple[str, str]]:
    with app.app_context():
        s = db.new_session()
        try:
            return [tuple(r) for r in s.execute(
                select(OutboxNotification.recipient, Message.tracking_number).join(Message)
                .where(OutboxNotification.template == "dispatched"))]
        finally:
            s.close()


def test_bulk_dispatch_looks_the_batch_up_once(staff: Flask, wbclient: FlaskClient) -> None:
    """The messages and the department's recipients are read once per batch, not per message;
    the summary counts (message_stats, kept by a flush hook) still match a recount."""
    numbers = [submit(wbclient, "zx", department="", content=f"第 {i} 件留言，请尽快处理。")[0]
               for i in range(5)]
    statements, kept, recounted = _dispatched(staff, numbers, bulk=True)
    selects = [st for st in statements if st.startswith("SELECT")]
    assert sum(" FROM staff " in st for st in selects) == 1, selects
    assert sum(" FROM message WHERE message.tracking_number IN " in st
               for st in selects) == 1, selects
    assert sum(" FROM event " in st for st in selects) == 1, selects
    # every message still gets its mail to each recipient (rsj's mailbox and rsj_h)
    rows = _dispatch_mails(staff)
    assert {n for _, n in rows} == set(numbers)
    recipients = {r for r, _ in rows}
    assert "rsj_h@gov.test" in recipients and len(rows) == len(recipients) * len(numbers)
    assert kept == recounted


def test_one_dispatch_flushes_once(staff: Flask, wbclient: FlaskClient) -> None:
    """One 分办 reads before it changes anything, so its changes flush once, at the commit: one
    UPDATE of the message (status and department together) and the statistics of each key it
    touches (no department, then rsj) refreshed once, not again at a second flush."""
    number = submit(wbclient, "zx", department="", content="一件留言，请尽快处理。")[0]
    statements, kept, recounted = _dispatched(staff, [number], bulk=False)
    rows = _dispatch_mails(staff)
    assert {n for _, n in rows} == {number} and "rsj_h@gov.test" in {r for r, _ in rows}
    updates = [st for st in statements if st.startswith("UPDATE message ")]
    assert len(updates) == 1 and "status" in updates[0] and "department_id" in updates[0]
    assert sum(st.startswith("UPDATE message_stats ") for st in statements) == 2, statements
    assert sum(" FROM event " in st for st in statements) == 1, statements
    # reads: message, its events, department, recipients, the statistics keys; writes: the
    # message, two events (分办 and its note), one mail per recipient, three per statistics key
    assert len(statements) == 5 + 3 + len(rows) + 6, statements
    assert kept == recounted


def test_bulk_dispatch_is_all_or_nothing(staff: Flask, wbclient: FlaskClient) -> None:
    numbers = [submit(wbclient, "zx", department="", content=f"第 {i} 件留言，请尽快处理。")[0]
               for i in range(3)]
    client = _client(staff, "disp")
    token = _queue_token(client)
    run(staff, "sup", wb.dispatch, numbers[1], "zjj")  # taken by someone else meanwhile
    before = _dispatch_events(staff)
    r = client.post("/hdjl/staff/queue/dispatch", data={
        "csrf_token": token, "number": numbers, "department": "rsj"})
    assert r.status_code == 400
    summary = soup(r).find(class_="gp-error-summary").get_text()
    assert numbers[1] in summary and numbers[0] not in summary and "没有分办任何留言" in summary
    # the choices stay checked for the next try
    checked = {i["value"] for i in soup(r).find_all("input", attrs={"name": "number"})
               if i.has_attr("checked")}
    assert checked == {numbers[0], numbers[2]}
    assert _dispatch_events(staff) == before
    assert {message_row(staff, n).status for n in (numbers[0], numbers[2])} == {"submitted"}


@pytest.mark.parametrize("data", [
    {"department": "rsj"},  # nothing chosen
    {"number": "ZX20200101-ABCDEF", "department": "rsj"},  # no such message
    {"number": "<script>", "department": "rsj"},
    {"number": "{n}", "department": ""},
    {"number": "{n}", "department": "nope"},
    {"number": "{n}", "department": ["rsj", "zjj"]},
    {"number": "{n}", "department": "rsj", "note": "备" * 1001},
    {"number": [f"ZX20200101-{i:06d}" for i in range(BULK_MAX + 1)], "department": "rsj"},
])
def test_bulk_dispatch_refuses_hostile_input(staff: Flask, wbclient: FlaskClient,
                                             data: dict[str, Any]) -> None:
    number, _ = submit(wbclient, "zx", department="")
    data = {k: (v.replace("{n}", number) if isinstance(v, str) else v) for k, v in data.items()}
    client = _client(staff, "disp")
    r = client.post("/hdjl/staff/queue/dispatch", data={"csrf_token": _queue_token(client), **data})
    assert r.status_code == 400, data
    assert soup(r).find(class_="gp-error-summary") is not None
    assert message_row(staff, number).status == "submitted"


@pytest.mark.parametrize("username", ["rsj_h", "gaj_r"])
def test_bulk_dispatch_is_not_for_departments(staff: Flask, wbclient: FlaskClient,
                                              username: str) -> None:
    number, _ = submit(wbclient, "zx", department="")
    client = _client(staff, username)
    token = csrf_from(soup(client.get("/hdjl/staff/inbox")))
    r = client.post("/hdjl/staff/queue/dispatch",
                    data={"csrf_token": token, "number": number, "department": "rsj"})
    assert r.status_code == 404
    assert message_row(staff, number).status == "submitted"


def test_migrated_messages_have_no_assignee(staff: Flask, dispatched: str) -> None:
    with staff.app_context():
        s = db.new_session()
        assert s.scalar(select(Message.assignee_id).where(
            Message.tracking_number == dispatched)) is None
        s.close()
