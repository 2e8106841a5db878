"""Applicant types as the annual report counts them (formsvc/domain/applicants.py), through the
API, and migration 0009 that gives older organisations a type without losing anything."""

from __future__ import annotations

from typing import Any

from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, select, update

from formsvc import db
from formsvc.db import migrate
from formsvc.domain.applicants import REPORT_COLUMNS, report_column
from formsvc.models import Message
from tests.formsvc.conftest import api_submit

ORG = {"applicant_type": "organization", "name": "王五", "credit_code": "91350100M000100Y43",
       "legal_rep": "赵六", "id_type": "", "id_number": ""}


def _alembic(engine: Engine, action: str, revision: str) -> None:
    with engine.begin() as conn:
        cfg = migrate.alembic_config(engine)
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)


def _details(app: Flask) -> dict[str, dict[str, Any]]:
    with app.app_context():
        s = db.new_session()
        try:
            return {m.subject: dict(m.details) for m in s.scalars(select(Message))}
        finally:
            s.close()


def test_the_api_asks_an_organisation_its_type(client: FlaskClient) -> None:
    r = api_submit(client, "ysqgk", **ORG, org_name="示范县某某科技有限公司")
    assert r.status_code == 400
    assert "org_type" in r.get_json()["fields"]
    r = api_submit(client, "ysqgk", **ORG, org_name="示范县某某科技有限公司", org_type="robots")
    assert r.status_code == 400 and "org_type" in r.get_json()["fields"]
    r = api_submit(client, "ysqgk", **ORG, org_name="示范县某某科技有限公司",
                   org_type="research")
    assert r.status_code == 201, r.get_json()


def test_openapi_lists_the_types(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    props = spec["components"]["schemas"]["NewMessage"]["properties"]
    assert props["org_type"]["enum"] == [
        "business", "research", "public_welfare", "legal_service", "other"]
    assert props["applicant_type"]["enum"] == ["citizen", "organization"]


def test_report_column() -> None:
    assert [c for c, _ in REPORT_COLUMNS] == [
        "citizen", "business", "research", "public_welfare", "legal_service", "other"]
    assert report_column({"applicant_type": "citizen"}) == "citizen"
    assert report_column({"applicant_type": "organization", "org_type": "legal_service"}) == \
        "legal_service"
    assert report_column({"applicant_type": "organization"}) == "other"
    assert report_column({"applicant_type": "organization", "org_type": "nonsense"}) == "other"


def test_migration_0007_types_older_organisations(client: FlaskClient, app: Flask) -> None:
    names = {"律所": "示范县正义律师事务所", "研究": "示范县农业科学研究所",
             "公司": "示范县某某科技有限公司", "基金": "示范县助学基金会", "别的": "示范县老年人协会"}
    for subject, org_name in names.items():
        r = api_submit(client, "ysqgk", **ORG, org_type="other", org_name=org_name,
                       subject=subject)
        assert r.status_code == 201, r.get_json()
    assert api_submit(client, "ysqgk", subject="公民").status_code == 201
    assert api_submit(client, "ysqgk", **ORG, org_type="research", org_name="某某有限公司",
                      subject="已选").status_code == 201
    before = _details(app)
    with app.app_context():
        engine = db.get_engine(app)
        _alembic(engine, "downgrade", "0006")
        try:
            with engine.begin() as conn:  # stored before the form asked
                for m in conn.execute(select(Message.id, Message.details, Message.subject)):
                    if m.subject != "已选":
                        kept = {k: v for k, v in m.details.items() if k != "org_type"}
                        conn.execute(update(Message).where(Message.id == m.id)
                                     .values(details=kept))
        finally:
            _alembic(engine, "upgrade", "head")
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
    after = _details(app)
    assert {s: d.get("org_type") for s, d in after.items()} == {
        "律所": "legal_service", "研究": "research", "公司": "business", "基金": "public_welfare",
        "别的": "other", "公民": None, "已选": "research"}
    # nothing else changed
    for subject, details in after.items():
        assert {k: v for k, v in details.items() if k != "org_type"} == {
            k: v for k, v in before[subject].items() if k != "org_type"}
