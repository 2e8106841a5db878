"""The demo month of 电子监察 (``flask demo-supervision``): every kind of case is there, once."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import func, select

from formsvc import db
from formsvc.cli import demo_supervision
from formsvc.domain import kinds
from formsvc.domain.supervision import parse_period
from formsvc.domain.workdays import Calendar
from formsvc.models import Event, Message
from formsvc.models.supervision import SupervisionNotice
from formsvc.services import deadlines, monthly_report


def test_demo_month_has_signed_late_unsatisfied_and_notices(staff: Flask) -> None:
    period, today = parse_period("2026-11"), date(2026, 12, 4)
    with staff.app_context():
        s = db.new_session()
        try:
            cal = Calendar.from_file(staff.config["HOLIDAYS_FILE"])
            n = demo_supervision.seed_month(s, staff.config, cal, period, today)
            assert n == 40
            assert demo_supervision.seed_month(s, staff.config, cal, period, today) == 0
            messages = list(s.scalars(select(Message)))
            assert sum(m.sign_working_days == 0 for m in messages) > 20
            assert sum((m.sign_working_days or 0) > 1 for m in messages) >= 5
            notices = list(s.scalars(select(SupervisionNotice)))
            assert sorted(x.kind for x in notices) == ["duban", "jiucuo"]
            assert sum(x.answered_at is not None for x in notices) == 1
            # the grades were recorded as the remind run does
            assert s.scalar(select(func.count()).select_from(Event).where(
                Event.action == "grade_change")) > 0
            report = monthly_report.build(s, staff.config, cal, period, today)
        finally:
            s.close()
    assert report.totals.total.received == 40
    assert report.late_count > 0 and report.unsatisfied_count > 0
    assert report.scores.ranked and report.scores.unranked  # the minimum count shows



@pytest.mark.parametrize("override", [{}, {"zx": 3}])
def test_demo_messages_take_the_time_limit_of_the_kinds_table(
        staff: Flask, override: dict[str, int]) -> None:
    """The demo's 咨询 are counted as a submission's: the kinds table's limit (5 working days,
    or the config's TIME_LIMITS), never a number of the demo's own."""
    period, today = parse_period("2026-11"), date(2026, 12, 4)
    config = {**staff.config, "TIME_LIMITS": override}
    limit = kinds.time_limit(kinds.KINDS_BY_CODE["zx"], config)
    assert limit == override.get("zx", kinds.KINDS_BY_CODE["zx"].time_limit)
    with staff.app_context():
        s = db.new_session()
        try:
            cal = Calendar.from_file(staff.config["HOLIDAYS_FILE"])
            assert demo_supervision.seed_month(s, config, cal, period, today) == 40
            messages = list(s.scalars(select(Message)))
        finally:
            s.close()
    assert {m.kind for m in messages} == {"zx"}
    assert {m.time_limit_days for m in messages} == {limit}
    assert all(m.due_date == deadlines.first_count(cal, m.received_on, limit).due
               for m in messages)
    replied = [m for m in messages if m.replied_on is not None]
    late = [m for m in replied if m.replied_on > m.due_date]
    # one in six answered late, the others within the limit
    assert late and len(late) < len(replied)
    assert all(deadlines.working_days_between(cal, m.received_on, m.replied_on) <= limit
               for m in replied if m not in late)
