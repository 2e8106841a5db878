"""Demo accounts for `make run`: created once, on an empty staff table only, and they work."""

from __future__ import annotations

from sqlalchemy import func, select

from formsvc import db
from formsvc.cli import demo
from formsvc.models.staff import Staff
from formsvc.services import auth


def test_demo_staff_created_on_empty_table_only(app):
    with app.app_context():
        session = db.new_session()
        try:
            created = demo.ensure_demo_staff(session)
            assert [c[0] for c in created] == [s[0] for s in demo.DEMO_STAFF]
            assert demo.ensure_demo_staff(session) == []
            assert session.scalar(select(func.count()).select_from(Staff)) == len(demo.DEMO_STAFF)
            handler = session.scalar(select(Staff).where(Staff.username == "scjgj-cb"))
            assert handler.role == "handler" and handler.department.code == "scjgj"
        finally:
            session.close()


def test_demo_staff_never_added_beside_real_accounts(app):
    with app.app_context():
        session = db.new_session()
        try:
            auth.create_staff(session, username="real-admin", password="a-real-password-1",
                              role="admin")
            session.commit()
            assert demo.ensure_demo_staff(session) == []
            assert session.scalar(select(func.count()).select_from(Staff)) == 1
        finally:
            session.close()
