"""The receipt's and the tracking page's 办理期限如何计算: the table of days not counted.

Any window over a weekend has the table (six receipts in seven); the e2e layout checks see it only
on the days the suite happens to run, so its markup is checked here on a fixed window.
"""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup
from flask import Flask

from formsvc.domain.workdays import Calendar
from formsvc.services import deadlines


def _rendered(app: Flask, received: date, days: int) -> BeautifulSoup:
    due = deadlines.as_due(deadlines.first_count(Calendar.from_file(None), received, days))
    with app.test_request_context():
        macros = app.jinja_env.get_template("formsvc/_macros.html").module
        return BeautifulSoup(str(macros.due_count(due)), "html.parser")


def test_the_days_not_counted_scroll_in_their_own_region(app: Flask) -> None:
    # received on National Day's eve: holidays skipped and a make-up Saturday counted
    page = _rendered(app, date(2026, 9, 30), 5)
    table = page.select_one("section.gp-due table.gp-table")
    assert table is not None
    region = table.find_parent("div")
    assert region is not None and "gp-table-wrap" in region["class"]
    assert region["role"] == "region" and region["tabindex"] == "0"
    caption = table.find("caption")
    assert region["aria-labelledby"] == caption["id"] and caption.get_text() == "不计入和计入期限的特殊日期"
    rows = table.select("tbody tr")
    dates = [r.find("td").find("time") for r in rows]
    assert all(t is not None and t["datetime"] == t.get_text() for t in dates)
    assert {"2026-10-01", "2026-10-10"} <= {t.get_text() for t in dates}
    assert {r.find_all("td")[3].get_text() for r in rows} == {"计入", "不计入"}


def test_a_window_without_special_days_has_no_table(app: Flask) -> None:
    # received on a Sunday, five working days Monday to Friday: nothing skipped
    page = _rendered(app, date(2026, 12, 6), 5)
    assert page.select_one("section.gp-due") is not None
    assert page.select_one("table") is None
