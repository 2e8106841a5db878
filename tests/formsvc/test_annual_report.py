"""The annual report from the records (issue 20): a county with known requests, cases and
letters, and every cell of the tables checked against what was stored."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy.orm import Session

from formsvc import db
from formsvc.cli import demo
from formsvc.domain import annual_report as t
from formsvc.models import Letter, Message
from formsvc.services import annual_report
from formsvc.services.annual_report import ReportError

COLUMNS = [c for c, _ in t.APPLICANT_COLUMNS]
HOW = demo.DEMO_WAYS
add_request = demo.add_disclosure_request


def county(s: Session) -> tuple[dict[str, Counter[str]], dict[str, Any]]:
    """The known county: the expected table 三 and website figures, tallied as stored."""
    want: dict[str, Counter[str]] = {code: Counter() for code, _, _ in t.REQUEST_ROWS}
    i = 0
    for row, ways in HOW.items():
        for j, col in enumerate(COLUMNS):
            for k in range((i + j) % 3):  # 0, 1 or 2 requests per cell, varying
                outcome, report_row = ways[k % len(ways)]
                received = date(2025, 1 + (i + k) % 12, 1 + j)
                finished = date(2025, 12, 31) if received.month == 12 else \
                    date(2025, received.month + 1, 1 + j)
                add_request(s, col, received, finished, outcome, report_row)
                want["new"][col] += 1
                want[row][col] += 1
                want["total"][col] += 1
            i += 1
    # carried in from 2024: answered in 2025, and one still open at the end of 2025
    add_request(s, "citizen", date(2024, 12, 20), date(2025, 1, 10), "disclosed")
    want["carried_in"]["citizen"] += 1
    want["disclosed"]["citizen"] += 1
    want["total"]["citizen"] += 1
    add_request(s, "legal_service", date(2024, 12, 28))
    want["carried_in"]["legal_service"] += 1
    want["carried_out"]["legal_service"] += 1
    # received in 2025 and answered in 2026, or not yet: carried out
    add_request(s, "business", date(2025, 12, 15), date(2026, 1, 8), "disclosed")
    add_request(s, "research", date(2025, 12, 30))
    want["new"]["business"] += 1
    want["new"]["research"] += 1
    want["carried_out"]["business"] += 1
    want["carried_out"]["research"] += 1
    # not in the 2025 report: finished in 2024, received in 2026, an automatic repeat,
    # a message of another kind
    add_request(s, "citizen", date(2024, 3, 1), date(2024, 3, 20), "disclosed")
    add_request(s, "citizen", date(2026, 1, 5), date(2026, 1, 9), "disclosed")
    first = add_request(s, "public_welfare", date(2025, 6, 2), date(2025, 6, 20), "disclosed")
    want["new"]["public_welfare"] += 1
    want["disclosed"]["public_welfare"] += 1
    want["total"]["public_welfare"] += 1
    add_request(s, "public_welfare", date(2025, 6, 2), None, duplicate_of=first.id)
    # 补正 and third-party consultation: a stopped clock changes nothing in the counting, a 补正
    # left unanswered (视为放弃) is finished in （六）1 on the day the request was closed
    add_request(s, "business", date(2025, 4, 7), date(2025, 5, 20), "disclosed",
                pause="correction")
    add_request(s, "research", date(2025, 5, 6), date(2025, 7, 1), "not_disclosed",
                "withheld.third_party", pause="third_party")
    for col, row in (("business", "disclosed"), ("research", "withheld.third_party")):
        want["new"][col] += 1
        want[row][col] += 1
        want["total"][col] += 1
    add_request(s, "other", date(2024, 12, 16), date(2025, 1, 20), demo.ABANDONED)
    want["carried_in"]["other"] += 1
    want["other.no_correction"]["other"] += 1
    want["total"]["other"] += 1
    add_request(s, "citizen", date(2025, 12, 8), date(2026, 1, 12), demo.ABANDONED)
    add_request(s, "legal_service", date(2025, 12, 19), pause="correction")  # still awaited
    for col in ("citizen", "legal_service"):
        want["new"][col] += 1
        want["carried_out"][col] += 1
    zx = add_request(s, "citizen", date(2025, 3, 3), date(2025, 3, 5), "disclosed", kind="zx",
                     working_days=2)
    # a published letter of 2025 and one of 2024
    for when in (datetime(2025, 4, 1, 3, tzinfo=UTC), datetime(2024, 12, 31, 15, tzinfo=UTC)):
        s.add(Letter(message_id=zx.id if when.year == 2025 else first.id, kind="zx",
                     masked_name="", subject="信", question="问", reply="答",
                     received_on=date(2025, 3, 3), replied_on=date(2025, 3, 5),
                     published=True, published_at=when))
    s.commit()
    return want, {}


@pytest.fixture
def session(app: Flask) -> Any:
    with app.app_context():
        s = db.new_session()
        yield s
        s.close()


def test_every_cell_of_table_three(app: Flask, session: Session) -> None:
    want, _ = county(session)
    table = annual_report.requests_table(session, app.config, 2025)
    assert [c["code"] for c in table["columns"]] == COLUMNS
    assert [c["label"] for c in table["columns"]] == [
        "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    assert [r["label"] for r in table["rows"]] == [label for _, label, _ in t.REQUEST_ROWS]
    checked = 0
    for row in table["rows"]:
        code = row["code"]
        if code == "results":
            assert row["total"] is None and set(row["cells"].values()) == {None}
            continue
        expect = want[code]
        if code in t.SUBTOTAL_ROWS:
            expect = Counter()
            for sub, _, _ in t.REQUEST_ROWS:
                if sub.startswith(code + "."):
                    expect.update(want[sub])
        for col in COLUMNS:
            assert row["cells"][col] == expect[col], (code, col)
            checked += 1
        assert row["total"] == sum(expect[c] for c in COLUMNS), code
        checked += 1
    assert checked == (len(t.REQUEST_ROWS) - 1) * 7
    # the template's reconciliation, per column: 新收 + 结转 = 总计 + 结转下年度
    cells = {r["code"]: r["cells"] for r in table["rows"]}
    for col in COLUMNS:
        assert cells["new"][col] + cells["carried_in"][col] == \
            cells["total"][col] + cells["carried_out"][col], col
    # the row no record of the service can reach (it charges no fee)
    assert cells["other.no_fee"] == dict.fromkeys(COLUMNS, 0)
    # a non-trivial county: every result row the service reaches has figures
    for row in HOW:
        assert sum(cells[row].values()) > 0, row


def test_cases_table_and_bad_cases(app: Flask, session: Session) -> None:
    add = annual_report.add_case
    add(session, "review", date(2025, 2, 1), "upheld", date(2025, 4, 1), "示复〔2025〕1号")
    add(session, "review", date(2025, 3, 1), "upheld", date(2025, 5, 1))
    add(session, "review", date(2025, 6, 1), "corrected", date(2025, 8, 1))
    add(session, "review", date(2025, 11, 1), "upheld", date(2026, 1, 10))  # pending at year end
    add(session, "litigation_direct", date(2025, 5, 1), "other", date(2025, 9, 1))
    add(session, "litigation_direct", date(2025, 10, 1))
    add(session, "litigation_after_review", date(2025, 7, 1), "corrected", date(2025, 12, 31))
    add(session, "litigation_after_review", date(2024, 7, 1), "upheld", date(2025, 1, 3))
    add(session, "review", date(2026, 1, 2))
    table = annual_report.cases_table(session, 2025)
    assert [r["label"] for r in table["results"]] == [
        "结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert {k["code"]: k["cells"] for k in table["kinds"]} == {
        "review": {"upheld": 2, "corrected": 1, "other": 0, "pending": 1, "total": 4},
        "litigation_direct": {"upheld": 0, "corrected": 0, "other": 1, "pending": 1, "total": 2},
        "litigation_after_review": {"upheld": 0, "corrected": 1, "other": 0, "pending": 0,
                                    "total": 1},
    }
    for args, code in (
            (("appeal", date(2025, 1, 1)), "invalid_kind"),
            (("review", date(2025, 1, 1), "won", date(2025, 2, 1)), "invalid_result"),
            (("review", date(2025, 1, 1), "upheld"), "invalid_decision"),
            (("review", date(2025, 1, 1), "pending", date(2025, 2, 1)), "invalid_decision"),
            (("review", date(2025, 3, 1), "upheld", date(2025, 2, 1)), "invalid_decision")):
        with pytest.raises(ReportError) as exc:
            add(session, *args)
        assert exc.value.code == code and exc.value.message
    assert len(annual_report.cases_table(session, 2025)["kinds"]) == 3


def test_website_figures(app: Flask, session: Session) -> None:
    want, _ = county(session)
    site = annual_report.website_figures(session, app.config, 2025)
    received = sum(want["new"].values()) + 1  # and the 咨询
    # answered in 2025: the results of the year and the 咨询, minus 不予受理 (no reply)
    rejected = sum(1 for row, ways in HOW.items() for w in ways if w[0] == "rejected")
    assert site["messages_received"] == received
    answered = site["messages_answered"]
    assert answered == sum(want["total"].values()) + 1 - _closed_unanswered(session)
    assert rejected == 1
    assert site["average_working_days"] == round((5 * (answered - 1) + 2) / answered, 1)
    assert site["letters_published"] == 1  # the one of 2024 (county time) is not counted


def _closed_unanswered(s: Session) -> int:
    """Requests finished in 2025 without a reply: refused (不予受理) or 视为放弃."""
    from sqlalchemy import func, select
    return s.scalar(select(func.count()).select_from(Message).where(
        Message.status.in_(("rejected", "closed")), Message.replied_on.is_(None),
        Message.closed_at >= datetime(2025, 1, 1, tzinfo=UTC),
        Message.closed_at < datetime(2026, 1, 1, tzinfo=UTC))) or 0


def test_the_command_writes_json_csv_and_html(app: Flask, session: Session) -> None:
    county(session)
    annual_report.add_case(session, "review", date(2025, 2, 1), "upheld", date(2025, 4, 1))
    runner = app.test_cli_runner()
    out = runner.invoke(args=["annual-report", "--year", "2025"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    with app.app_context():
        assert data["requests"] == annual_report.requests_table(session, app.config, 2025)
    assert data["cases"]["kinds"][0]["cells"]["upheld"] == 1
    assert [r["label"] for r in data["proactive"]["rows"]] == ["规章", "行政规范性文件"]
    # CSV: one line per cell, the same numbers
    rows = list(csv.reader(io.StringIO(runner.invoke(
        args=["annual-report", "--year", "2025", "--format", "csv"]).output)))
    assert rows[0] == ["表格", "行", "列", "数值"]
    by_cell = {(r[1], r[2]): r[3] for r in rows[1:] if r[0].startswith("三")}
    for row in data["requests"]["rows"]:
        if row["total"] is None:
            continue
        for col in data["requests"]["columns"]:
            assert by_cell[(row["label"], col["label"])] == str(row["cells"][col["code"]])
        assert by_cell[(row["label"], "总计")] == str(row["total"])
    # HTML: every cell of table 三 as in the JSON
    html = runner.invoke(args=["annual-report", "--year", "2025", "--format", "html"]).output
    page = BeautifulSoup(html, "html.parser")
    assert page.h1.get_text() == "2025年政府信息公开工作年度报告（统计表）"
    for row in data["requests"]["rows"]:
        for col in data["requests"]["columns"]:
            cell = page.select_one(f'td[data-cell="{row["code"]}/{col["code"]}"]')
            value = row["cells"][col["code"]]
            assert cell.get_text() == ("" if value is None else str(value))
    # bad input
    bad = runner.invoke(args=["annual-report", "--year", "1990"])
    assert bad.exit_code != 0 and "年度应在" in bad.output


def test_report_case_command(app: Flask) -> None:
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["report-case", "--kind", "review", "--received", "2025-02-01",
                             "--result", "upheld", "--decided", "2025-03-01", "--number", "1"])
    assert ok.exit_code == 0 and "已登记案件" in ok.output and "结果维持" in ok.output
    bad = runner.invoke(args=["report-case", "--kind", "review", "--received", "2025-02-01",
                              "--result", "upheld"])
    assert bad.exit_code != 0 and "审结日期" in bad.output


def test_the_demo_county_has_a_year_of_every_outcome_and_applicant(app: Flask,
                                                                    session: Session) -> None:
    assert demo.seed_disclosure_year(session, 2025) > 100
    assert demo.seed_disclosure_year(session, 2025) == 0  # once
    table = annual_report.requests_table(session, app.config, 2025)
    cells = {r["code"]: r["cells"] for r in table["rows"]}
    for row in HOW:
        assert sum(cells[row].values()) > 0, row
    for col in COLUMNS:
        assert cells["new"][col] > 0, col
        assert cells["new"][col] + cells["carried_in"][col] == \
            cells["total"][col] + cells["carried_out"][col], col
    assert sum(cells["carried_in"].values()) == 2 and sum(cells["carried_out"].values()) > 1
    # the clock stopped: 补正 answered, abandoned and still awaited, consultations ended
    from sqlalchemy import select

    from formsvc.models import ClockPause
    pauses = Counter((p.kind, p.outcome) for p in session.scalars(select(ClockPause)))
    assert set(pauses) == {("correction", "answered"), ("correction", "abandoned"),
                           ("correction", ""), ("third_party", "ended")}
    assert pauses[("correction", "abandoned")] == sum(cells["other.no_correction"].values()) \
        + sum(1 for m in session.scalars(select(Message).where(Message.status == "closed"))
              if m.closed_at.year > 2025)
    cases = annual_report.cases_table(session, 2025)
    assert sum(k["cells"]["total"] for k in cases["kinds"]) == 6


def test_the_demo_due_dates_come_from_the_time_limits_in_working_days(session: Session) -> None:
    from sqlalchemy import select

    from formsvc.domain import kinds
    from formsvc.domain.workdays import Calendar
    from formsvc.models import ClockPause
    from formsvc.services import deadlines

    calendar = Calendar.from_file(None)
    # received on the Friday before the National Day week
    received = date(2025, 9, 26)
    first = add_request(session, "citizen", received, calendar=calendar)
    local = add_request(session, "citizen", received, calendar=calendar,
                        config={"TIME_LIMITS": {"ysqgk": 15}})
    limit = kinds.KINDS_BY_CODE["ysqgk"].time_limit
    assert (first.time_limit_days, local.time_limit_days) == (limit, 15)
    assert first.due_date == deadlines.first_count(calendar, received, limit).due
    assert local.due_date == deadlines.first_count(calendar, received, 15).due
    # 20 working days: past the holiday week and its two make-up Saturdays and Sundays, not the
    # 24 October that 28 calendar days gave
    assert first.due_date == date(2025, 10, 30)
    # the seeded year: every request not paused is due its time limit in working days later
    demo.seed_disclosure_year(session, 2025, calendar)
    paused = set(session.scalars(select(ClockPause.message_id))) | {first.id, local.id}
    for m in session.scalars(select(Message).where(Message.kind == "ysqgk")):
        if m.id not in paused:
            assert m.due_date == deadlines.first_count(calendar, m.received_on, limit).due, \
                m.tracking_number


# the events each way a demo pause ends writes (services/workbench/procedure.py,
# services/procedure.py)
PAUSE_EVENTS = {("correction", "answered"): ["request_correction", "correction_received"],
                ("correction", "abandoned"): ["request_correction", "correction_abandoned"],
                ("correction", ""): ["request_correction"],
                ("third_party", "ended"): ["start_consultation", "end_consultation"],
                ("third_party", ""): ["start_consultation"]}


def test_the_demo_requests_have_the_timeline_the_procedure_writes(app: Flask,
                                                                  session: Session) -> None:
    from sqlalchemy import select

    from formsvc.domain.procedure import CORRECTION_ABANDONED_NOTE
    from formsvc.models import ClockPause, Department
    from formsvc.services import auth

    demo.ensure_demo_staff(session)
    office = session.scalar(select(Department).where(
        Department.accepts_disclosure_requests.is_(True)).order_by(Department.id))
    auth.create_staff(session, username="gk", password=demo.DEMO_PASSWORD, role="handler",
                      display_name="政府信息公开承办人", department_code=office.code)
    assert demo.seed_disclosure_year(session, 2025) > 100
    session.expire_all()
    pauses = {p.message_id: p for p in session.scalars(select(ClockPause))}
    messages = list(session.scalars(select(Message).where(Message.kind == "ysqgk")))
    seen = Counter()
    for m in messages:
        events = sorted(m.events, key=lambda e: (e.created_at, e.id))
        actions = [e.action for e in events]
        assert actions[0] == "submit" and events[0].actor == "citizen", m.tracking_number
        # one chain of statuses, in time order, ending where the message is
        assert events[0].from_status is None
        for before, after in zip(events, events[1:], strict=False):
            assert after.from_status == before.to_status, (m.tracking_number, actions)
            assert after.created_at >= before.created_at
        assert events[-1].to_status == m.status, (m.tracking_number, actions)
        pause = pauses.get(m.id)
        if pause is not None:
            wanted = PAUSE_EVENTS[(pause.kind, pause.outcome)]
            assert [a for a in actions if a in sum(PAUSE_EVENTS.values(), [])] == wanted, actions
            seen[(pause.kind, pause.outcome)] += 1
            started = next(e for e in events if e.action == wanted[0])
            assert started.created_at == pause.started_at
            if pause.ended_at is not None:
                ended = next(e for e in events if e.action == wanted[-1])
                assert ended.created_at == pause.ended_at
                assert m.due_date == pause.new_due_date
                assert pause.new_due_date.isoformat() in ended.note \
                    or ended.note == CORRECTION_ABANDONED_NOTE
        else:
            assert not {"request_correction", "start_consultation"} & set(actions)
        if m.status == "replied":
            assert actions[-1] == "reply" and events[-1].created_at == m.replied_at
            assert "答复结果：" in events[-1].note
        elif m.status == "rejected":
            assert actions == ["submit", "reject"] and events[-1].created_at == m.closed_at
        elif m.status == "closed":
            assert actions[-1] == "correction_abandoned"
        else:
            assert m.status == "assigned" and "dispatch" in actions
        # staff steps name the demo's accounts, as the workbench would
        for e in events:
            if e.action in ("dispatch", "reject", "reply", "request_correction"):
                assert e.actor.startswith("staff:"), (e.action, e.actor)
    assert set(seen) >= {("correction", "answered"), ("correction", "abandoned"),
                         ("correction", ""), ("third_party", "ended")}


def test_migration_0008_down_and_up_keeps_the_replies(app: Flask, session: Session) -> None:
    from alembic import command
    from sqlalchemy import inspect, select

    from formsvc.db import migrate
    from formsvc.models import ReplyDraft

    county(session)
    before = sorted((d.message_id, d.outcome, d.report_row)
                    for d in session.scalars(select(ReplyDraft)))
    session.close()
    engine = db.get_engine(app)

    def alembic(action: str, revision: str) -> None:
        with engine.begin() as conn:
            cfg = migrate.alembic_config(engine)
            cfg.attributes["connection"] = conn
            getattr(command, action)(cfg, revision)

    try:
        alembic("downgrade", "0009")
        assert "disclosure_case" not in inspect(engine).get_table_names()
        assert "report_row" not in {c["name"] for c in inspect(engine).get_columns("reply_draft")}
    finally:
        alembic("upgrade", "head")
    after = sorted((d.message_id, d.outcome, d.report_row)
                   for d in session.scalars(select(ReplyDraft)))
    # the rows survive; the chosen report rows are gone with the column (the downgrade's loss)
    assert [(m, o) for m, o, _ in after] == [(m, o) for m, o, _ in before]
    assert {r for _, _, r in after} == {""}


def test_a_correction_closed_by_remind_counts_as_abandoned(app: Flask, session: Session) -> None:
    """视为放弃 as the service records it (``procedure.close_abandoned``, run by ``remind``), not
    as the demo writes it: finished on the day it was closed, in （六）1, reconciled."""
    from formsvc.domain.workdays import Calendar
    from formsvc.models import ClockPause
    from formsvc.services import procedure

    for received, closing in ((date(2025, 3, 3), datetime(2025, 3, 24, 2, tzinfo=UTC)),
                              (date(2025, 12, 1), datetime(2026, 1, 6, 2, tzinfo=UTC))):
        m = add_request(session, "citizen", received)
        started = datetime(received.year, received.month, received.day + 2, 2, tzinfo=UTC)
        session.add(ClockPause(message_id=m.id, kind="correction", reason="请写明文号",
                               started_at=started, started_on=started.date(),
                               answer_due=received.replace(day=received.day + 16),
                               old_due_date=m.due_date))
        session.commit()
        calendar = Calendar.from_file(app.config["HOLIDAYS_FILE"])
        assert procedure.close_abandoned(session, app.config, calendar, now=closing) == 1
    cells = {r["code"]: r["cells"]["citizen"]
             for r in annual_report.requests_table(session, app.config, 2025)["rows"]}
    assert (cells["new"], cells["carried_in"]) == (2, 0)
    assert (cells["other.no_correction"], cells["other"], cells["total"]) == (1, 1, 1)
    assert cells["carried_out"] == 1  # closed in 2026: open at the end of 2025
    cells = {r["code"]: r["cells"]["citizen"]
             for r in annual_report.requests_table(session, app.config, 2026)["rows"]}
    assert (cells["carried_in"], cells["other.no_correction"], cells["carried_out"]) == (1, 1, 0)
