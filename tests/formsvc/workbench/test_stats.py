"""Statistics on a known fixture: every figure, the minimum count for ranking, CSV and JSON."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient

from formsvc import db
from formsvc.domain.workdays import Calendar
from formsvc.models import Message
from formsvc.services import stats
from tests.formsvc.conftest import check_page, soup
from tests.formsvc.workbench import helpers

D = date.fromisoformat
TZ = ZoneInfo("Asia/Shanghai")


def insert_message(app: Flask, **kw: Any) -> int:
    """helpers.insert_message with the reply facts the workbench fixes when it sends a reply."""
    if kw.get("replied_at") is not None:
        m = Message(received_on=kw["received_on"], replied_at=kw["replied_at"])
        stats.record_reply(m, Calendar(), TZ)
        kw.update(replied_on=m.replied_on, reply_working_days=m.reply_working_days)
    return helpers.insert_message(app, **kw)


def at(day: str, hour: int = 2) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


@pytest.fixture
def fixture(wbapp: Flask) -> Flask:
    r, due = D("2025-03-03"), D("2025-03-10")  # a Monday; five working days later
    m1 = insert_message(wbapp, dept="rsj", status="closed", received_on=r, due_date=due,
                        replied_at=at("2025-03-05"), rating="satisfied")
    # 23:00 in the county on the due date: on time although it is the next day in UTC terms
    insert_message(wbapp, dept="rsj", status="closed", received_on=r, due_date=due,
                   replied_at=at("2025-03-10", 15), rating="basically_satisfied")
    insert_message(wbapp, dept="rsj", status="closed", received_on=r, due_date=due,
                   replied_at=at("2025-03-12"), rating="unsatisfied")
    insert_message(wbapp, dept="rsj", status="replied", received_on=r, due_date=due,
                   replied_at=at("2025-03-04"))
    insert_message(wbapp, dept="rsj", status="assigned", received_on=r, due_date=due)
    insert_message(wbapp, dept="rsj", status="closed", received_on=r, due_date=due,
                   replied_at=at("2025-03-04"), duplicate_of=m1)
    for _ in range(2):
        insert_message(wbapp, dept="jyj", status="closed", received_on=D("2025-06-02"),
                       due_date=D("2025-06-09"), replied_at=at("2025-06-03"), rating="satisfied")
    insert_message(wbapp, dept=None, status="submitted", received_on=D("2025-06-02"),
                   due_date=D("2025-06-09"))
    insert_message(wbapp, dept="gaj", status="rejected", received_on=D("2025-06-02"),
                   due_date=D("2025-06-09"))
    # outside the period, still open: counts only as "overdue now"
    insert_message(wbapp, dept="jyj", status="assigned", received_on=D("2024-12-02"),
                   due_date=D("2024-12-09"))
    return wbapp


def compute(app: Flask, min_count: int = 5) -> stats.Stats:
    with app.app_context():
        s = db.new_session()
        try:
            return stats.compute(s, {**app.config, "STATS_MIN_COUNT": min_count}, Calendar(),
                                 D("2025-12-31"), D("2025-01-01"), D("2025-12-31"))
        finally:
            s.close()


def test_figures(fixture: Flask) -> None:
    result = compute(fixture)
    rsj = next(d for d in result.departments if d.code == "rsj")
    assert (rsj.received, rsj.replied, rsj.on_time, rsj.overdue_now) == (5, 4, 3, 1)
    assert rsj.reply_rate == pytest.approx(0.8) and rsj.on_time_rate == pytest.approx(0.75)
    # working days to reply: 2, 5, 7, 1
    assert rsj.mean_working_days == pytest.approx(3.75)
    assert (rsj.rated, rsj.satisfied) == (3, 2)
    assert rsj.satisfaction_rate == pytest.approx(2 / 3)
    assert rsj.ranked and rsj.rank == 1
    jyj = next(d for d in result.departments if d.code == "jyj")
    assert (jyj.received, jyj.replied, jyj.overdue_now) == (2, 2, 1)
    assert not jyj.ranked and jyj.rank is None  # two messages are too few to rank
    assert [d.code for d in result.ranked] == ["rsj"]
    assert (result.undispatched, result.rejected, result.duplicates) == (1, 1, 1)
    assert (result.total.received, result.total.replied, result.total.overdue_now) == (7, 6, 2)
    assert "gaj" not in [d.code for d in result.departments]


def test_minimum_count_is_a_setting(fixture: Flask) -> None:
    result = compute(fixture, min_count=2)
    # jyj answered everything on time: with enough messages it ranks above rsj
    assert [d.code for d in result.ranked] == ["jyj", "rsj"]


def test_period_limits(fixture: Flask) -> None:
    with fixture.app_context():
        s = db.new_session()
        result = stats.compute(s, fixture.config, Calendar(), D("2025-12-31"),
                               D("2025-06-01"), D("2025-06-30"))
        s.close()
    assert [(d.code, d.received) for d in result.departments if d.received] == [("jyj", 2)]


def test_page_csv_and_json(fixture: Flask, wbclient: FlaskClient) -> None:
    page = soup(wbclient.get("/hdjl/stats?from=2025-01-01&to=2025-12-31"))
    check_page(page)
    svgs = page.find_all("svg")
    assert len(svgs) == 3 and all(s.find("title") for s in svgs)
    assert "示范县人力资源和社会保障局" in svgs[0].get_text()
    assert "示范县教育局" not in svgs[0].get_text()  # not ranked: too few messages
    assert not page.find("script", attrs={"src": lambda s: s and s.startswith("http")})
    rows = page.find(id="stats-table").find_all("tr")
    assert "不参与排名" in rows[2].get_text()

    r = wbclient.get("/hdjl/stats.csv?from=2025-01-01&to=2025-12-31")
    assert r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    assert table[0][:4] == ["排名", "机构代码", "机构", "收件数"]
    assert table[1][:6] == ["1", "rsj", "示范县人力资源和社会保障局", "5", "4", "0.8"]

    body = wbclient.get("/api/v1/stats?from=2025-01-01&to=2025-12-31").get_json()
    assert body["period"] == {"from": "2025-01-01", "to": "2025-12-31"}
    assert body["departments"][0]["code"] == "rsj"
    assert body["departments"][0]["mean_working_days"] == 3.75
    assert body["total"]["received"] == 7 and body["min_count"] == 5


def test_channels_on_page_and_csv(wbapp: Flask, wbclient: FlaskClient) -> None:
    for channel in ("phone", "phone", "12345"):
        insert_message(wbapp, dept="rsj", status="assigned", received_on=D("2025-06-02"),
                       due_date=D("2025-06-09"), channel=channel)
    insert_message(wbapp, dept="rsj", status="assigned", received_on=D("2024-06-03"),
                   due_date=D("2024-06-10"), channel="phone")  # outside the period
    page = soup(wbclient.get("/hdjl/stats?from=2025-01-01&to=2025-12-31"))
    rows = {tr.th.get_text(strip=True): tr.td.get_text(strip=True)
            for tr in page.find(id="channel-table").tbody.find_all("tr")}
    assert rows == {"网站": "0", "接口": "0", "电话代录": "2", "短信": "0", "12345 热线": "1"}
    r = wbclient.get("/hdjl/stats.csv?from=2025-01-01&to=2025-12-31")
    table = list(csv.reader(io.StringIO(r.get_data(as_text=True).lstrip("\ufeff"))))
    start = table.index(list(stats.CSV_CHANNEL_HEADER))
    assert table[start - 1] == []
    assert dict(table[start + 1:]) == rows


def test_bad_period(wbclient: FlaskClient) -> None:
    r = wbclient.get("/hdjl/stats?from=2025-13-01")
    assert r.status_code == 400 and "YYYY-MM-DD" in r.get_data(as_text=True)
    r = wbclient.get("/api/v1/stats?from=2025-06-01&to=2025-01-01")
    assert r.status_code == 400 and r.get_json()["code"] == "invalid_period"
