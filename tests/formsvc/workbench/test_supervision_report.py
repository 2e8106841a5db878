"""绩效评估 and 定期通报: the scores by the declared rule (ranked with the minimum count, stored with
the rule version), the monthly report's public and internal parts, its PDF read back (text and
pixels), the public page's bad input, and the ``supervision-report`` command."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from formsvc import db
from formsvc.domain.supervision import RULE, SIGN_WITHIN_WORKING_DAYS, parse_period
from formsvc.domain.workdays import Calendar
from formsvc.models.supervision import PerformanceScore
from formsvc.services import monthly_report, performance, report_pdf
from tests.formsvc.conftest import soup
from tests.formsvc.workbench.helpers import insert_message, login

NOV = parse_period("2026-11")
TODAY = date(2026, 12, 4)


def _replied(app: Flask, dept: str, day: int, due: int, replied: int, rating: str = "",
             signed_days: int | None = 0) -> int:
    return insert_message(
        app, dept=dept, status="closed" if rating else "replied",
        received_on=date(2026, 11, day), due_date=date(2026, 11, due),
        replied_at=datetime(2026, 11, replied, 3, tzinfo=UTC), rating=rating,
        replied_on=date(2026, 11, replied), reply_working_days=replied - day,
        signed_at=None if signed_days is None else datetime(2026, 11, day, 5, tzinfo=UTC),
        sign_working_days=signed_days, subject=f"{dept} 的留言 {day}")


@pytest.fixture
def month(staff: Flask) -> Flask:
    """November: rsj 6 messages (one late, one unsatisfied), zjj 2 (below the minimum count)."""
    for day in (2, 3, 4, 5):
        _replied(staff, "rsj", day, day + 7, day + 2, "satisfied")
    _replied(staff, "rsj", 9, 13, 16, "unsatisfied", signed_days=3)  # late reply
    insert_message(staff, dept="rsj", status="assigned", received_on=date(2026, 11, 20),
                   due_date=date(2026, 11, 27), subject="rsj 超期未答复")
    _replied(staff, "zjj", 2, 9, 3, "satisfied")
    _replied(staff, "zjj", 3, 10, 4)
    # October, for the trend
    insert_message(staff, dept="rsj", status="assigned", received_on=date(2026, 10, 12),
                   due_date=date(2026, 10, 19))
    return staff


def _report(app: Flask) -> monthly_report.MonthlyReport:
    with app.app_context():
        s = db.new_session()
        try:
            return monthly_report.build(s, app.config, Calendar(), NOV, TODAY)
        finally:
            s.close()


def test_scores_follow_the_rule_and_the_minimum_count(month: Flask) -> None:
    scores = _report(month).scores
    rsj = next(r for r in scores.rows if r.code == "rsj")
    zjj = next(r for r in scores.rows if r.code == "zjj")
    assert rsj.ranked and rsj.rank == 1 and not zjj.ranked and zjj.rank is None
    assert scores.rows[0] is rsj  # ranked first, then the rest
    f = rsj.figures
    assert (f["received"], f["replied"], f["on_time"], f["late_replies"], f["overdue_open"]) == \
        (6, 5, 4, 1, 1)
    assert f["response_rate"] == round(4 / 6, 4) and f["satisfaction_rate"] == 0.8
    # the rule applied by hand: weights × rates, 2 points off per late or overdue message
    expected = (0.20 * 4 / 6 + 0.30 * 4 / 5 + 0.25 * 0.8 + 0.15 * 5 / 6 + 0.10 * 1.0) * 100 - 4
    assert rsj.score == round(expected, 2)
    assert scores.rule_version == RULE.version


def test_scores_are_stored_with_the_rule_version(month: Flask) -> None:
    with month.app_context():
        s = db.new_session()
        computed = performance.compute(s, month.config, Calendar(), NOV, TODAY)
        assert performance.store(s, computed) == 2
        assert performance.store(s, computed) == 2  # again: replaced, not doubled
        rows = list(s.scalars(select(PerformanceScore)))
        again = performance.stored(s, month.config, NOV)
        s.close()
    assert len(rows) == 2 and {r.rule_version for r in rows} == {RULE.version}
    assert again is not None and [(r.code, r.score, r.rank) for r in again.rows] == \
        [(r.code, r.score, r.rank) for r in computed.rows]


def test_the_report_lists_cases_only_internally(month: Flask) -> None:
    report = _report(month)
    assert report.totals.total.received == 8
    assert [c.subject for c in report.late] == ["rsj 的留言 9", "rsj 超期未答复"]
    assert [c.note for c in report.late] == ["逾期答复", "超期未答复"]
    assert report.unsatisfied_count == 1
    assert [p.period.key for p in report.trend] == ["2026-06", "2026-07", "2026-08", "2026-09",
                                                     "2026-10", "2026-11"]
    assert [p.received for p in report.trend][-2:] == [1, 8]
    public = report.public_copy()
    assert public.public and not public.late and not public.unsatisfied


def test_public_page_and_bad_months(month: Flask) -> None:
    client = month.test_client()
    page = client.get("/hdjl/report?month=2026-11")
    assert page.status_code == 200
    html = soup(page)
    assert "2026年11月" in html.find("h1").get_text()
    assert html.find(id="score-table") and html.find(id="trend-received")
    # the 口径 quotes the rule the figures are counted with
    assert f"响应率指分办后 {SIGN_WITHIN_WORKING_DAYS} 个工作日内签收" in html.get_text()
    assert not html.find(id="late-table") and "rsj 超期未答复" not in page.get_data(as_text=True)
    for bad in ("2026-13", "abc", "2026-Q4", "2999-01", "2026-11-01", "2026-12", "-1"):
        r = client.get("/hdjl/report", query_string={"month": bad})
        assert r.status_code == 400, bad
        assert soup(r).find(class_="gp-error-summary"), bad
    r = client.get("/hdjl/report?month=2026-11&month=2026-10")  # the first one counts
    assert r.status_code == 200
    # full-width digits from a Chinese input method read as the same month
    r = client.get("/hdjl/report", query_string={"month": "２０２６-１１"})
    assert r.status_code == 200 and "2026年11月" in soup(r).find("h1").get_text()


def test_internal_page_has_the_cases(month: Flask) -> None:
    client = month.test_client()
    login(client, "sup")
    page = client.get("/hdjl/staff/report?month=2026-11")
    assert page.status_code == 200
    table = soup(page).find(id="late-table")
    assert table and "rsj 超期未答复" in table.get_text()


def _pdf_text(body: bytes, tmp_path: Path) -> str:
    path = tmp_path / "r.pdf"
    path.write_bytes(body)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def test_pdf_opens_and_shows_chinese(month: Flask, tmp_path: Path) -> None:
    """Poppler (poppler-utils, installed by .ci/run) reads the text back and renders page 1:
    the Chinese title is there as text and as dark glyph pixels in the title band."""
    assert shutil.which("pdftotext") and shutil.which("pdftoppm"), "poppler-utils is required"
    client = month.test_client()
    r = client.get("/hdjl/report?month=2026-11&format=pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    body = r.get_data()
    assert body.startswith(b"%PDF")
    text = _pdf_text(body, tmp_path)
    assert "留言办理情况通报（2026年11月）" in text and "各单位绩效评估" in text
    assert "逾期件" not in text and "不满意件" not in text  # the public copy
    (tmp_path / "r.pdf").write_bytes(body)
    # a grey-scale PGM (P5: "P5 width height 255" then one byte per pixel), read without Pillow
    pgm = subprocess.run(["pdftoppm", "-f", "1", "-l", "1", "-r", "50", "-gray",
                          str(tmp_path / "r.pdf")], check=True, capture_output=True).stdout
    magic, width, height, _maxval, pixels = pgm.split(maxsplit=4)
    assert magic == b"P5"
    band = pixels[: int(width) * (int(height) // 8)]  # the title
    dark = sum(1 for v in band if v < 128)
    assert dark > 200, dark
    # the internal copy carries the cases
    login(client, "sup")
    internal = client.get("/hdjl/staff/report?month=2026-11&format=pdf").get_data()
    inside = _pdf_text(internal, tmp_path)
    assert "逾期件（2 件）" in inside and "超期未答复" in inside and "不满意件（1 件）" in inside


def test_missing_font_is_a_clear_error(month: Flask) -> None:
    month.config["REPORT_FONT"] = "/nonexistent/font.ttc"
    r = month.test_client().get("/hdjl/report?month=2026-11&format=pdf")
    assert r.status_code == 503 and "中文字体" in r.get_data(as_text=True)
    with pytest.raises(report_pdf.FontMissing):
        report_pdf.render(_report(month), month.config, "县")


def test_command_writes_the_files_and_stores_the_scores(month: Flask, tmp_path: Path) -> None:
    runner = month.test_cli_runner()
    out = runner.invoke(args=["supervision-report", "--month", "2026-11", "--out",
                              str(tmp_path / "t")])
    assert out.exit_code == 0, out.output
    assert {p.name for p in (tmp_path / "t").iterdir()} == {
        "tongbao-2026-11.html", "tongbao-2026-11.pdf", "tongbao-2026-11-neibu.pdf"}
    assert "各单位绩效评估" in (tmp_path / "t" / "tongbao-2026-11.html").read_text("utf-8")
    with month.app_context():
        s = db.new_session()
        assert len(list(s.scalars(select(PerformanceScore)))) == 2
        s.close()
    bad = runner.invoke(args=["supervision-report", "--month", "2026-13"])
    assert bad.exit_code != 0 and "格式" in bad.output


def test_performance_page_periods_and_storing(month: Flask) -> None:
    client = month.test_client()
    login(client, "sup")
    for bad in ("abc", "2026-13", "2026-Q5", "1999", ""):
        r = client.get("/hdjl/staff/performance", query_string={"period": bad})
        if bad == "":  # empty: the month before this one
            assert r.status_code == 200
            continue
        assert r.status_code == 400, bad
        assert "统计期格式" in soup(r).find(class_="gp-error-summary").get_text(), bad
    for period in ("2026-11", "2026-Q4", "2026"):
        page = soup(client.get(f"/hdjl/staff/performance?period={period}"))
        rows = page.find(id="ranking").find("tbody").find_all("tr")
        assert rows[0].find("th").get_text() == "示范县人力资源和社会保障局", period
        assert "不参与排名" in rows[-1].get_text(), period
        assert "尚未存档" in page.find(id="score-state").get_text()
    token = soup(client.get("/hdjl/staff/performance?period=2026-11")).find(
        "input", attrs={"name": "csrf_token"})["value"]
    r = client.post("/hdjl/staff/performance?period=2026-11", data={"csrf_token": token})
    assert r.status_code == 303
    page = soup(client.get("/hdjl/staff/performance?period=2026-11"))
    assert "已于" in page.find(id="score-state").get_text()
    r = client.get("/hdjl/staff/report", query_string={"month": "2026-Q4"})
    assert r.status_code == 400
