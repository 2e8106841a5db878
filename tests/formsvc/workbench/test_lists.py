"""The workbench lists (issue 22): the counts by state above them, the order staff work in (the
most overdue first, then the nearest due date; answered ones after), paging that keeps the filter."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from flask import Flask
from sqlalchemy import event, select

from formsvc import db
from formsvc.config import county_date
from formsvc.domain.workdays import Calendar
from formsvc.models.staff import Staff
from formsvc.services import workbench as wb
from tests.formsvc.conftest import soup
from tests.formsvc.workbench.helpers import insert_message, login, number_of, run


def today(app: Flask) -> date:
    return county_date(app.config, datetime.now(UTC))


def seed(app: Flask) -> dict[str, str]:
    """One message in each place of the order, by letter: A … G."""
    t = today(app)
    ids = {
        "A": insert_message(app, dept=None, status="submitted", received_on=t - timedelta(40),
                            due_date=t - timedelta(20)),
        "B": insert_message(app, dept="rsj", status="assigned", received_on=t - timedelta(20),
                            due_date=t - timedelta(3)),
        "C": insert_message(app, dept="rsj", status="assigned", received_on=t - timedelta(10),
                            due_date=t),
        "D": insert_message(app, dept=None, status="submitted", received_on=t,
                            due_date=t + timedelta(30)),
        "E": insert_message(app, dept="rsj", status="assigned", received_on=t,
                            due_date=t + timedelta(40)),
        "F": insert_message(app, dept="rsj", status="replied", received_on=t - timedelta(15),
                            due_date=t - timedelta(5), replied_at=datetime.now(UTC)),
        "G": insert_message(app, dept="rsj", status="closed", received_on=t - timedelta(70),
                            due_date=t - timedelta(50), replied_at=datetime.now(UTC)),
    }
    numbers = {k: number_of(app, v) for k, v in ids.items()}
    run(app, "rsj_h", wb.save_draft, numbers["E"], "答复内容")
    run(app, "rsj_h", wb.submit_for_review, numbers["E"])
    return numbers


def listed(page) -> list[str]:
    return [a.get_text() for a in page.select("table[data-staff-list] a[data-staff-open]")]


def counts(page) -> dict[str, tuple[int, str]]:
    return {a["id"].removeprefix("count-"): (int(a.select_one(".gp-staff-counts__n").get_text()),
                                            a["href"]) for a in page.select(".gp-staff-counts a")}


def test_counts_by_state_are_links_that_filter(staff: Flask) -> None:
    n = seed(staff)
    client = staff.test_client()
    login(client, "disp")
    page = soup(client.get("/hdjl/staff/queue"))
    got = counts(page)
    assert {k: v[0] for k, v in got.items()} == {
        "submitted": 2, "assigned": 3, "due_soon": 1, "overdue": 2, "pending_review": 1}
    assert page.select_one("#count-submitted")["aria-current"] == "true"
    # each count opens the list of exactly what it counted
    assert listed(soup(client.get(got["overdue"][1]))) == [n["A"], n["B"]]
    assert listed(soup(client.get(got["due_soon"][1]))) == [n["C"]]
    assert listed(soup(client.get(got["assigned"][1]))) == [n["B"], n["C"], n["E"]]
    assert listed(soup(client.get(got["submitted"][1]))) == [n["A"], n["D"]]
    assert soup(client.get(got["overdue"][1])).select_one("#count-overdue")["aria-current"]

    # a department's handler: its own scope, no 分办 count
    handler = staff.test_client()
    login(handler, "rsj_h")
    got = counts(soup(handler.get("/hdjl/staff/inbox")))
    assert {k: v[0] for k, v in got.items()} == {
        "assigned": 3, "due_soon": 1, "overdue": 1, "pending_review": 1}
    assert listed(soup(handler.get(got["pending_review"][1]))) == [n["E"]]


def test_state_counts_is_one_query(staff: Flask) -> None:
    seed(staff)
    statements: list[str] = []
    with staff.app_context():
        engine = db.get_engine(staff)

        def count(_conn, _cursor, statement, *_args) -> None:
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            # the account is read before counting; only the counting is measured
            s = db.new_session()
            sup = s.scalar(select(Staff).where(Staff.username == "sup"))
            ctx = wb.Context(s, staff.config, Calendar.from_file(staff.config["HOLIDAYS_FILE"]))
            statements.clear()
            result = wb.state_counts(ctx, sup)
            s.close()
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements
    assert result == wb.StateCounts(submitted=2, assigned=3, due_soon=1, overdue=2,
                                    pending_review=1)


def test_the_most_overdue_come_first_and_the_answered_last(staff: Flask) -> None:
    n = seed(staff)
    client = staff.test_client()
    login(client, "disp")
    assert listed(soup(client.get("/hdjl/staff/queue"))) == [n["A"], n["D"]]
    assert listed(soup(client.get("/hdjl/staff/inbox"))) == [n[k] for k in "ABCDE"]
    # every status: the open ones in working order, then the answered ones, the latest first
    assert listed(soup(client.get("/hdjl/staff/inbox?status="))) == [n[k] for k in "ABCDEFG"]
    assert listed(soup(client.get("/hdjl/staff/inbox?status=closed"))) == [n["G"]]


def test_paging_keeps_the_filter(staff: Flask) -> None:
    t = today(staff)
    for i in range(wb.PER_PAGE + 3):
        insert_message(staff, dept="zjj", status="assigned", kind="ts",
                       received_on=t - timedelta(30), due_date=t - timedelta(1 + i))
        insert_message(staff, dept=None, status="submitted", kind="ts",
                       received_on=t - timedelta(30), due_date=t - timedelta(1 + i))
    insert_message(staff, dept="zjj", status="assigned", kind="zx", received_on=t,
                   due_date=t - timedelta(2))
    client = staff.test_client()
    login(client, "disp")
    for url, want in (("/hdjl/staff/inbox?deadline=overdue&kind=ts&status=assigned",
                       {"deadline": ["overdue"], "kind": ["ts"], "status": ["assigned"]}),
                      ("/hdjl/staff/queue?kind=ts", {"kind": ["ts"]})):
        first = soup(client.get(url))
        assert len(listed(first)) == wb.PER_PAGE
        nxt = first.select_one(".gp-pagination a[rel=next]")["href"]
        query = parse_qs(urlsplit(nxt).query)
        assert query.pop("page") == ["2"] and query == want, nxt
        second = soup(client.get(nxt))
        assert len(listed(second)) == 3, url
        # still the filtered list: the 咨询 is on neither page, overdue the longest first
        rows = listed(first) + listed(second)
        assert len(set(rows)) == wb.PER_PAGE + 3
        dues = [t["datetime"] for page in (first, second)
                for t in page.select("table[data-staff-list] time")]
        assert dues == sorted(dues), dues
