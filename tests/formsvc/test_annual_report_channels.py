"""Counts by channel in the annual report: in its own section (网站年度报表, the national tables
have no place for them), without repeated submissions, adding up to 收到留言."""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy.orm import Session

from formsvc.domain.channels import CHANNELS, HOTLINE, PHONE, WEB
from formsvc.services import annual_report
from portal import report as content_report
from tests.formsvc.workbench.helpers import insert_message


def _insert(app: Flask, channel: str, on: date, duplicate_of: int | None = None) -> int:
    return insert_message(app, dept="rsj", status="assigned", received_on=on,
                          due_date=date(on.year, 12, 31), channel=channel,
                          duplicate_of=duplicate_of)


def test_channels_in_the_website_section(app: Flask, session: Session) -> None:
    first = _insert(app, WEB, date(2025, 3, 1))
    _insert(app, WEB, date(2025, 3, 2), duplicate_of=first)  # a repeat: not counted
    for _ in range(3):
        _insert(app, HOTLINE, date(2025, 6, 1))
    _insert(app, PHONE, date(2025, 12, 31))
    _insert(app, PHONE, date(2026, 1, 1))  # next year
    _insert(app, PHONE, date(2024, 12, 31))  # last year
    site = annual_report.website_figures(session, app.config, 2025)
    by_code = {c["code"]: c["received"] for c in site["channels"]}
    assert by_code == {**dict.fromkeys(CHANNELS, 0), WEB: 1, HOTLINE: 3, PHONE: 1}
    assert [c["label"] for c in site["channels"]] == list(CHANNELS.values())
    assert sum(by_code.values()) == site["messages_received"] == 5
    data = {"year": 2025, "website": {**site, "columns": []},
            "proactive": {"columns": [], "rows": []},
            "requests": {"columns": [], "rows": []}, "cases": {"kinds": [], "results": []}}
    html = BeautifulSoup(content_report.tables_html(data)["website"], "html.parser")
    cell = html.find(attrs={"data-cell": f"channel/{HOTLINE}"})
    assert cell.get_text() == "3" and "12345 热线" in cell.find_previous("th").get_text()
    csv = annual_report.as_csv(data)
    assert "网站年度报表,收到留言（按渠道）,12345 热线,3" in csv


def test_a_report_saved_before_channels_still_renders(app: Flask) -> None:
    site = {"messages_received": 1, "messages_answered": 1, "average_working_days": 2.0,
            "letters_published": 0, "columns": []}  # content/files/xxgk/nb/2025.json's shape
    data = {"year": 2025, "website": site, "proactive": {"columns": [], "rows": []},
            "requests": {"columns": [], "rows": []}, "cases": {"kinds": [], "results": []}}
    html = content_report.tables_html(data)["website"]
    assert "channel/" not in html and "收到留言" in html
    assert "按渠道" not in annual_report.as_csv(data)
