"""Demo accounts for `make run`: created once, on an empty staff table only, and they work."""

from __future__ import annotations

from sqlalchemy import func, select

from formsvc import db
from formsvc.cli import demo
from formsvc.models.staff import Staff
from formsvc.services import auth
from tests.formsvc.conftest import ROOT


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


def test_demo_surveys_get_answers_once_and_published_suggestions_masked(app):
    from formsvc.domain import surveys as survey_defs
    from formsvc.models import SurveyText
    from formsvc.services import surveys as survey_svc

    demo_surveys = survey_defs.load(ROOT / "content")
    with app.app_context():
        s = db.new_session()
        try:
            assert demo.seed_surveys(s, demo_surveys, app.config) == sum(demo.DEMO_SURVEY_ANSWERS.values())
            assert demo.seed_surveys(s, demo_surveys, app.config) == 0  # never twice
            closed = survey_svc.results(s, demo_surveys["school-meals-2026"])
            assert closed.total == demo.DEMO_SURVEY_ANSWERS["school-meals-2026"]
            published = list(s.scalars(select(SurveyText).where(SurveyText.published.is_(True))))
            assert len(published) == 3
            assert all("13812345678" not in t.public_text for t in published)
        finally:
            s.close()
