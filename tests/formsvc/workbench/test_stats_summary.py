"""The statistics from message_stats equal a row-by-row count of the messages (the rules of
services/stats.py's docstring), after inserts, after changes, after migration 0004's backfill."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from flask import Flask
from sqlalchemy import Column, Engine, MetaData, Table, insert, inspect, select, text
from sqlalchemy.orm import Session

from formsvc import db
from formsvc.config import setting
from formsvc.db import migrate
from formsvc.domain.channels import CHANNELS
from formsvc.domain.ratings import SATISFIED
from formsvc.domain.workdays import Calendar
from formsvc.models import Department, Message
from formsvc.models.message import MessageStats
from formsvc.services import stats
from formsvc.services import workbench as wb
from formsvc.services.deadlines import working_days_between
from formsvc.services.lifecycle import OPEN_STATUSES, Status
from tests.formsvc.workbench.helpers import make_staff, run, submit

TZ = ZoneInfo("Asia/Shanghai")
STATUSES = ("submitted", "assigned", "replied", "closed", "closed", "closed", "rejected")
RATINGS = ("", "", "satisfied", "basically_satisfied", "unsatisfied")
PERIODS = ((None, None), (date(2025, 1, 1), date(2025, 12, 31)),
           (date(2025, 3, 1), date(2025, 3, 31)), (None, date(2024, 12, 31)),
           (date(2025, 7, 14), None))
TODAYS = (date(2025, 6, 15), date(2026, 1, 1))


def reference(session: Session, config: dict[str, Any], calendar: Calendar, today: date,
              date_from: date | None = None, date_to: date | None = None) -> stats.Stats:
    """The figures counted the plain way: every message, its reply date from replied_at."""
    min_count = int(setting(config, "STATS_MIN_COUNT"))
    result = stats.Stats(date_from, date_to, today, min_count, channels=dict.fromkeys(CHANNELS, 0))
    by_id = {d.id: stats.DepartmentStats(d.code, d.name)
             for d in session.scalars(select(Department).order_by(Department.position))}
    for m in session.scalars(select(Message)):
        row = by_id.get(m.department_id) if m.department_id is not None else None
        if (row is not None and m.status in OPEN_STATUSES and m.status != Status.SUBMITTED
                and m.due_date < today):
            row.overdue_now += 1
            result.total.overdue_now += 1
        if (date_from and m.received_on < date_from) or (date_to and m.received_on > date_to):
            continue
        result.channels[m.channel] = result.channels.get(m.channel, 0) + 1
        if m.duplicate_of_id is not None:
            result.duplicates += 1
        elif m.status == Status.REJECTED:
            result.rejected += 1
        elif m.status == Status.SUBMITTED or row is None:
            result.undispatched += 1
        else:
            for target in (row, result.total):
                target.received += 1
                if m.replied_at is not None:
                    replied_on = m.replied_at.astimezone(TZ).date()
                    target.replied += 1
                    target.on_time += replied_on <= m.due_date
                    target.working_days_total += max(0, working_days_between(
                        calendar, m.received_on, replied_on))
                if m.rating:
                    target.rated += 1
                    target.satisfied += m.rating in SATISFIED
    # the counting is what is under test; the ranking of the counts is stats' own
    result.departments = stats.rank(by_id.values(), min_count)
    return result


def compare(app: Flask, min_counts: tuple[int, ...] = (5, 12)) -> int:
    """Every period × today × ranking threshold: new figures == reference; the checks made."""
    checks = 0
    with app.app_context():
        s = db.new_session()
        try:
            calendar = Calendar.from_file(app.config["HOLIDAYS_FILE"])
            for min_count in min_counts:
                config = {**app.config, "STATS_MIN_COUNT": min_count}
                for today in TODAYS:
                    for date_from, date_to in PERIODS:
                        args = (s, config, calendar, today, date_from, date_to)
                        new, ref = stats.compute(*args).as_dict(), reference(*args).as_dict()
                        where = (min_count, today, date_from, date_to)
                        assert new["total"] == ref["total"], where
                        for got, want in zip(new["departments"], ref["departments"], strict=True):
                            assert got == want, where
                        assert new == ref, where
                        checks += 1
        finally:
            s.close()
    return checks


def varied_messages(rng: random.Random, departments: list[Department], n: int,
                    serial: int = 0) -> list[dict[str, Any]]:
    """Rows for ``message``: every status, no department, replies on both sides of midnight in
    the county, replies before the receipt date, late and early replies, ratings."""
    rows = []
    for i in range(serial, serial + n):
        received = date(2024, 11, 1) + timedelta(days=rng.randrange(0, 420))
        status = rng.choice(STATUSES)
        dept = None if rng.random() < 0.1 else rng.choice(departments).id
        replied_at = None
        if status in ("replied", "closed"):
            replied_at = datetime(received.year, received.month, received.day, tzinfo=UTC) \
                + timedelta(days=rng.randint(-2, 25), hours=rng.randrange(24),
                            minutes=rng.choice((0, 59)))
        rows.append({
            "tracking_number": f"ZX{received:%Y%m%d}-T{i:05d}", "query_code_hash": "x",
            "kind": "zx", "status": status, "department_id": dept, "project_slug": "",
            "name": "测试", "phone": "13800000000", "email": "", "address": "",
            "subject": f"测试{i}", "content": "内容", "consent_publish": False, "details": {},
            "submitted_at": datetime(received.year, received.month, received.day, 1, tzinfo=UTC),
            "received_on": received, "due_date": received + timedelta(days=rng.randint(3, 20)),
            "time_limit_days": 5, "extension_days": 0, "text_hash": f"t{i}",
            "duplicate_of_id": None, "reply_text": "", "replied_at": replied_at,
            "rating": rng.choice(RATINGS) if status == "closed" else "", "rating_comment": "",
            "client_ip": "", "channel": rng.choice(list(CHANNELS))})
    return rows


def add_through_orm(app: Flask, rows: list[dict[str, Any]], rng: random.Random) -> None:
    """Store the rows as the services do: ORM objects, reply facts from record_reply."""
    with app.app_context():
        s = db.new_session()
        calendar = Calendar.from_file(app.config["HOLIDAYS_FILE"])
        messages = [Message(**r) for r in rows]
        for m in messages:
            stats.record_reply(m, calendar, TZ)
            s.add(m)
        s.flush()
        for m in rng.sample(messages, len(messages) // 12):  # repeats of earlier messages
            m.duplicate_of_id = messages[0].id if m is not messages[0] else None
        s.commit()
        s.close()


@pytest.fixture
def departments(wbapp: Flask) -> list[Department]:
    with wbapp.app_context():
        s = db.new_session()
        found = list(s.scalars(select(Department).order_by(Department.position).limit(6)))
        s.close()
    return found


def test_figures_equal_a_plain_count(wbapp: Flask, departments: list[Department]) -> None:
    rng = random.Random(7)
    add_through_orm(wbapp, varied_messages(rng, departments, 300), rng)
    assert compare(wbapp) == 20


def test_figures_follow_changes(wbapp: Flask, departments: list[Department]) -> None:
    """Transfers, dispatches, reopened replies, ratings, moved receipt dates, deletions: the
    summary rows of the old and the new department and day are both recomputed."""
    rng = random.Random(11)
    add_through_orm(wbapp, varied_messages(rng, departments, 250), rng)
    with wbapp.app_context():
        s = db.new_session()
        calendar = Calendar.from_file(wbapp.config["HOLIDAYS_FILE"])
        messages = list(s.scalars(select(Message).order_by(Message.id)))
        depts = list(s.scalars(select(Department).where(
            Department.id.in_([d.id for d in departments]))))
        for m in rng.sample(messages, 40):
            m.department = rng.choice(depts)  # through the relationship, as workbench does
        for m in [m for m in messages if m.status == "submitted"][:8]:
            m.status, m.department_id = "assigned", rng.choice(depts).id
        for m in [m for m in messages if m.status == "closed"][:8]:  # reopened
            m.status, m.rating, m.replied_at = "assigned", "", None
            stats.record_reply(m, calendar, TZ)
        for m in [m for m in messages if m.status == "replied"][:8]:  # rated
            m.status, m.rating = "closed", rng.choice(RATINGS[2:])
        for m in [m for m in messages if m.status == "assigned"][:8]:  # answered
            m.status = "replied"
            m.replied_at = datetime(2025, 7, 1, 16, 30, tzinfo=UTC)
            stats.record_reply(m, calendar, TZ)
        for m in rng.sample(messages, 10):  # the reply facts count from the receipt date
            m.received_on -= timedelta(days=rng.randint(1, 40))
            stats.record_reply(m, calendar, TZ)
        s.commit()
        gone = [m for m in messages if m.duplicate_of_id is None
                and not any(o.duplicate_of_id == m.id for o in messages)][:5]
        for m in gone:
            s.delete(m)
        s.commit()
        s.close()
    assert compare(wbapp, (5,)) == 10


def test_one_transaction_many_flushes(wbapp: Flask, departments: list[Department]) -> None:
    """Keys noted before a flush that fails are not lost, and a rollback leaves no trace."""
    rng = random.Random(3)
    add_through_orm(wbapp, varied_messages(rng, departments, 60), rng)
    with wbapp.app_context():
        s = db.new_session()
        m = s.scalars(select(Message).where(Message.status == "closed")).first()
        assert m is not None
        m.department_id = departments[-1].id
        s.flush()
        s.rollback()
        s.close()
    assert compare(wbapp, (5,)) == 10


def test_reply_sent_in_the_workbench_fixes_its_facts(wbapp: Flask) -> None:
    """23:30 in the county is the next day in neither UTC nor the figures: the county date."""
    for username, role, dept in (("disp", "dispatcher", ""), ("h", "reviewer", "gaj")):
        make_staff(wbapp, username, role, dept)
    number, _ = submit(wbapp.test_client())
    run(wbapp, "disp", wb.dispatch, number, "gaj")
    run(wbapp, "h", wb.save_draft, number, "答复内容。")
    with wbapp.app_context():
        s = db.new_session()
        received_on = s.scalar(select(Message.received_on).where(
            Message.tracking_number == number))
        s.close()
    sent = datetime.combine(received_on + timedelta(days=3), datetime.min.time(),
                            tzinfo=TZ).replace(hour=23, minute=30)
    run(wbapp, "h", wb.send_reply, number, now=sent.astimezone(UTC))
    calendar = Calendar.from_file(wbapp.config["HOLIDAYS_FILE"])
    with wbapp.app_context():
        s = db.new_session()
        m = s.scalar(select(Message).where(Message.tracking_number == number))
        assert m is not None and m.replied_on == sent.date()
        assert m.reply_working_days == max(0, working_days_between(
            calendar, received_on, sent.date()))
        row = s.get(MessageStats, (m.department_id, received_on))
        assert row is not None and (row.received, row.replied) == (1, 1)
        assert row.working_days_total == m.reply_working_days
        s.close()
    assert compare(wbapp, (1,)) == 10


def _alembic(engine: Engine, conn: Any, action: str, revision: str) -> None:
    cfg = migrate.alembic_config(engine)
    cfg.attributes["connection"] = conn
    getattr(command, action)(cfg, revision)


def test_migration_backfills_and_downgrades(wbapp: Flask, departments: list[Department]) -> None:
    """Messages stored under 0003 (no reply facts, no summary): 0004 fills both; down and up."""
    rng = random.Random(5)
    rows = varied_messages(rng, departments, 200)
    with wbapp.app_context():
        engine = db.get_engine(wbapp)
        try:
            with engine.begin() as conn:
                _alembic(engine, conn, "downgrade", "0003")
            old = Message.__table__.c
            at_0003 = {c["name"] for c in inspect(engine).get_columns("message")}
            with engine.begin() as conn:  # the columns 0003 has (not replied_on, … of 0004)
                keep = [c for c in old if c.name in at_0003]
                # the model's table would add the later columns' defaults to the INSERT
                table = Table("message", MetaData(), *(
                    Column(c.name, c.type, primary_key=c.primary_key,
                           default=c.default.arg if c.default is not None else None)
                    for c in keep))
                conn.execute(insert(table), [
                    {c.name: r[c.name] for c in keep if c.name in r} for r in rows])
                first = conn.scalar(select(old.id).order_by(old.id).limit(1))
                conn.execute(text("UPDATE message SET duplicate_of_id = :f "
                                  "WHERE id % 9 = 0 AND id <> :f"), {"f": first})
        finally:
            with engine.begin() as conn:
                _alembic(engine, conn, "upgrade", "head")
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
        s = db.new_session()
        replied = s.scalar(select(Message).where(Message.replied_at.is_not(None)).limit(1))
        assert replied is not None and replied.replied_on is not None
        assert s.scalar(select(Message).where(Message.replied_at.is_not(None),
                                              Message.replied_on.is_(None))) is None
        s.close()
    assert compare(wbapp) == 20
    # the summary the migration made is the one stats.rebuild makes
    with wbapp.app_context(), db.get_engine(wbapp).begin() as conn:
        made = sorted(map(tuple, conn.execute(select(MessageStats.__table__))))
        stats.rebuild(conn)
        assert sorted(map(tuple, conn.execute(select(MessageStats.__table__)))) == made


def _shape(engine: Engine) -> tuple[bool, bool]:
    """(ix_message_due_date exists, message_stats is a WITHOUT ROWID table)."""
    indexes = {i["name"] for i in inspect(engine).get_indexes("message")}
    without_rowid = False
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            sql = conn.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'message_stats'"))
        without_rowid = "WITHOUT ROWID" in sql.upper()
    return "ix_message_due_date" in indexes, without_rowid


def _summary_rows(engine: Engine) -> list[tuple[Any, ...]]:
    # the columns the table had at 0006 (0017 added the 签收 counters signed, responded)
    columns = [c for c in MessageStats.__table__.c if c.name not in ("signed", "responded")]
    with engine.connect() as conn:
        return sorted(map(tuple, conn.execute(select(*columns))))


def test_migration_0006_down_and_up_keeps_the_summary(wbapp: Flask,
                                                      departments: list[Department]) -> None:
    rng = random.Random(6)
    add_through_orm(wbapp, varied_messages(rng, departments, 60), rng)
    with wbapp.app_context():
        engine = db.get_engine(wbapp)
        sqlite = engine.dialect.name == "sqlite"
        before = _summary_rows(engine)
        assert before and _shape(engine) == (False, sqlite)
        try:
            with engine.begin() as conn:
                _alembic(engine, conn, "downgrade", "0005")
            assert _shape(engine) == (True, False)
            assert _summary_rows(engine) == before
        finally:
            with engine.begin() as conn:
                _alembic(engine, conn, "upgrade", "head")
        assert _shape(engine) == (False, sqlite)
        assert _summary_rows(engine) == before
    # and the figures read from it still equal a plain count
    assert compare(wbapp) == 20


def test_recount_after_the_holiday_file_changed(wbapp: Flask,
                                                departments: list[Department]) -> None:
    """Working days are fixed when the reply is sent; a holiday announced later for past dates
    is brought into the messages and the published figures by ``stats-recount``."""
    rng = random.Random(13)
    add_through_orm(wbapp, varied_messages(rng, departments, 300), rng)
    before = Calendar.from_file(wbapp.config["HOLIDAYS_FILE"])
    Path(wbapp.config["HOLIDAYS_FILE"]).write_text("""
2025:
  holidays:
    - {from: 2025-03-03, to: 2025-03-14, name: 测试补充假日}
""", encoding="utf-8")
    after = Calendar.from_file(wbapp.config["HOLIDAYS_FILE"])
    with wbapp.app_context():
        s = db.new_session()
        expected = sum(
            working_days_between(before, m.received_on, d) != working_days_between(
                after, m.received_on, d)
            for m in s.scalars(select(Message).where(Message.replied_at.is_not(None)))
            if (d := m.replied_at.astimezone(TZ).date()) >= m.received_on)
        s.close()
    assert expected > 10  # the new holidays fall inside many replies' spans

    result = wbapp.test_cli_runner().invoke(args=["stats-recount"])
    assert result.exit_code == 0, result.output
    assert f"{expected} 条留言的工作日数有变化" in result.output
    assert compare(wbapp, (5,)) == 10  # the reference counts with the new file
    again = wbapp.test_cli_runner().invoke(args=["stats-recount", "--rebuild"])
    assert again.exit_code == 0 and "0 条留言" in again.output and "统计汇总表已按全部留言重建" in again.output
    assert compare(wbapp, (5,)) == 10


def test_recount_refuses_a_broken_holiday_file(wbapp: Flask) -> None:
    Path(wbapp.config["HOLIDAYS_FILE"]).write_text("2025: [not, a, mapping\n", encoding="utf-8")
    result = wbapp.test_cli_runner().invoke(args=["stats-recount"])
    assert result.exit_code == 1 and "holidays.yml" in result.output
