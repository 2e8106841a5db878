"""The open-message inbox, read one status at a time and merged, lists exactly what the plain
query ``status IN (open) ORDER BY due_date, id`` lists, page by page, for every kind of viewer."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from formsvc import db
from formsvc.domain.workdays import Calendar
from formsvc.models import Department, Message
from formsvc.models.staff import Staff
from formsvc.services import workbench as wb
from formsvc.services.lifecycle import OPEN_STATUSES

TODAY = date(2025, 6, 16)
STATUSES = ("submitted", "assigned", "assigned", "replied", "closed", "rejected")


def populate(app: Flask, n: int = 130) -> None:
    rng = random.Random(2)
    with app.app_context():
        s = db.new_session()
        depts = list(s.scalars(select(Department).order_by(Department.position).limit(3)))
        for i in range(n):
            received = TODAY - timedelta(days=rng.randrange(0, 40))
            s.add(Message(
                tracking_number=f"ZX{received:%Y%m%d}-I{i:05d}", query_code_hash="x",
                kind=rng.choice(("zx", "ts")), status=rng.choice(STATUSES),
                department=None if rng.random() < 0.15 else rng.choice(depts), project_slug="",
                name="测试", phone="13800000000", email="", address="", subject=f"测试{i}",
                content="内容", consent_publish=False, details={},
                submitted_at=datetime(received.year, received.month, received.day, tzinfo=UTC),
                received_on=received,
                # few distinct due dates: many ties, ordered by id
                due_date=TODAY + timedelta(days=rng.randrange(-6, 6)), time_limit_days=5,
                extension_days=0, text_hash=f"i{i}", reply_text="", rating="",
                rating_comment="", client_ip=""))
        s.commit()
        s.close()


def viewers(s: Session) -> list[Staff]:
    dept = s.scalars(select(Department).order_by(Department.position)).first()
    return [Staff(username="sup", display_name="sup", email="", role="supervisor",
                  password_hash="x"),
            Staff(username="disp", display_name="disp", email="", role="dispatcher",
                  password_hash="x"),
            Staff(username="h", display_name="h", email="", role="handler",
                  department_id=dept.id if dept else None, password_hash="x")]


def test_open_pages_equal_the_plain_query(wbapp: Flask) -> None:
    populate(wbapp)
    filters = [wb.InboxFilter(), wb.InboxFilter(kind="ts"), wb.InboxFilter(deadline="overdue"),
               wb.InboxFilter(deadline="due_soon"), wb.InboxFilter(status="", deadline="overdue"),
               wb.InboxFilter(status="assigned")]
    checked = 0
    with wbapp.app_context():
        s = db.new_session()
        code = s.scalars(select(Department.code).order_by(Department.position)).first()
        filters.append(wb.InboxFilter(department=code or ""))
        now = datetime(TODAY.year, TODAY.month, TODAY.day, 4, tzinfo=UTC)
        ctx = wb.Context(s, wbapp.config, Calendar(), now=now)
        for staff in viewers(s):
            for f in filters:
                q = wb.filtered(ctx, staff, f)
                if f.status == "open" or f.deadline:
                    q = q.where(Message.status.in_([st.value for st in OPEN_STATUSES]))
                want = list(s.scalars(q.with_only_columns(Message.id)
                                      .order_by(Message.due_date, Message.id)))
                total = s.scalar(select(func.count()).select_from(q.subquery()))
                for page in range(1, 6):
                    f.page = page
                    got = wb.inbox(ctx, staff, f)
                    assert got.total == total == len(want)
                    assert [r.message.id for r in got.rows] == \
                        want[(got.page - 1) * wb.PER_PAGE:got.page * wb.PER_PAGE], (staff.role, f)
                    checked += 1
        s.close()
    assert checked == 3 * 7 * 5
    # the county-wide open inbox has several pages here, ties included
    with wbapp.app_context():
        s = db.new_session()
        open_count = s.scalar(select(func.count()).where(
            Message.status.in_([st.value for st in OPEN_STATUSES])))
        s.close()
    assert open_count > 2 * wb.PER_PAGE
