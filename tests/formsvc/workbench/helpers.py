"""Helpers for the workbench tests: staff accounts, logging in, moving messages along."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from formsvc import db
from formsvc.domain.workdays import Calendar
from formsvc.models import Message
from formsvc.models.staff import Staff
from formsvc.services import auth
from formsvc.services import workbench as wb
from sitesearch import indexer
from tests.formsvc.conftest import api_submit, csrf_from, soup
from tests.sitesearch.conftest import make_doc

PASSWORD = "correct-horse-battery"


def make_staff(app: Flask, username: str, role: str, dept: str = "", email: str = "") -> int:
    with app.app_context():
        s = db.new_session()
        try:
            return auth.create_staff(s, username=username, password=PASSWORD, role=role,
                                     department_code=dept, email=email or f"{username}@gov.test",
                                     display_name=username).id
        finally:
            s.close()


def login(client: FlaskClient, username: str, password: str = PASSWORD) -> Any:
    token = csrf_from(soup(client.get("/hdjl/staff/login")))
    return client.post("/hdjl/staff/login", data={"csrf_token": token, "username": username,
                                                  "password": password})


def post_action(client: FlaskClient, number: str, action: str, **data: Any) -> Any:
    page = soup(client.get(f"/hdjl/staff/m/{number}"))
    token = csrf_from(page) if page.find("input", attrs={"name": "csrf_token"}) else ""
    return client.post(f"/hdjl/staff/m/{number}/{action}", data={"csrf_token": token, **data})


def submit(client: FlaskClient, kind: str = "zx", **changes: Any) -> tuple[str, str]:
    r = api_submit(client, kind, **changes)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    return body["tracking_number"], body["query_code"]


def run(app: Flask, username: str, fn: Any, *args: Any, now: datetime | None = None,
        **kwargs: Any) -> Any:
    """Call a workbench service as ``username`` (outside any request)."""
    with app.app_context():
        s = db.new_session()
        try:
            staff = s.scalar(select(Staff).where(Staff.username == username))
            ctx = wb.Context(s, app.config, Calendar.from_file(app.config["HOLIDAYS_FILE"]),
                             **({"now": now} if now else {}))
            return fn(ctx, staff, *args, **kwargs)
        finally:
            s.close()


def refused(app: Flask, username: str, fn: Any, *args: Any, **kwargs: Any) -> str:
    """The code of the ActionError with which the workbench refuses ``username``'s action."""
    with pytest.raises(wb.ActionError) as exc:
        run(app, username, fn, *args, **kwargs)
    return exc.value.code


def message_row(app: Flask, number: str) -> Message:
    with app.app_context():
        s = db.new_session()
        try:
            m = s.scalar(select(Message).where(Message.tracking_number == number))
            assert m is not None
            _ = list(m.events), list(m.pauses), m.department
            return m
        finally:
            s.close()


_serial = iter(range(1, 1_000_000))


def insert_message(app: Flask, *, dept: str | None, status: str, received_on: Any,
                   due_date: Any, kind: str = "zx", replied_at: datetime | None = None,
                   rating: str = "", duplicate_of: int | None = None, **extra: Any) -> int:
    """A message with exactly these dates, stored directly (fixtures for figures and deadlines)."""
    from formsvc.models import Department, Event

    with app.app_context():
        s = db.new_session()
        try:
            department = s.scalar(select(Department).where(Department.code == dept)) if dept \
                else None
            n = next(_serial)
            m = Message(
                tracking_number=f"ZX{received_on:%Y%m%d}-{n:06d}".replace("0", "A"),
                query_code_hash="x", kind=kind, status=status, department=department,
                project_slug="", name="测试", phone="13800000000", email="", address="",
                subject=extra.pop("subject", f"测试留言{n}"),
                content=extra.pop("content", "测试内容"), consent_publish=False, details={},
                submitted_at=datetime(received_on.year, received_on.month, received_on.day, 1,
                                      tzinfo=UTC),
                received_on=received_on, due_date=due_date, time_limit_days=5,
                extension_days=0, text_hash=f"h{n}", duplicate_of_id=duplicate_of,
                reply_text="答复" if replied_at else "", replied_at=replied_at, rating=rating,
                rating_comment="", client_ip="", **extra)
            m.events.append(Event(actor="citizen", action="submit", from_status=None,
                                  to_status=status, note="", public=True,
                                  created_at=m.submitted_at))
            s.add(m)
            s.commit()
            return m.id
        finally:
            s.close()


def number_of(app: Flask, message_id: int) -> str:
    with app.app_context():
        s = db.new_session()
        try:
            return s.get(Message, message_id).tracking_number  # type: ignore[union-attr]
        finally:
            s.close()


def publish(app: Flask, proposer: str, approver: str, number: str, subject: str, question: str,
            reply: str) -> Any:
    """Publish a letter with four eyes: ``proposer`` proposes the texts, ``approver`` approves
    the revision they see; the published Letter."""
    run(app, proposer, wb.propose, number, subject, question, reply, True)
    return run(app, approver, approve_current, number)


def approve_current(ctx: wb.Context, staff: Any, number: str) -> Any:
    """Approve the proposal as it stands now (the revision a fresh page would carry)."""
    proposal = wb.proposal_of(ctx.session, wb.get_message(ctx, staff, number))
    return wb.approve(ctx, staff, number, proposal.revision if proposal else None)


def answered(app: Flask, client: FlaskClient, reply: str = "您好，社保卡补办请到县政务服务中心办理。",
             **changes: Any) -> str:
    """A consented zx message to 人社局 (the ``staff`` fixture's accounts), dispatched by disp and
    answered by rsj_h with ``reply``; its tracking number."""
    number, _ = submit(client, "zx", **{"consent_publish": True, **changes})
    run(app, "disp", wb.dispatch, number, "rsj")
    run(app, "rsj_h", wb.save_draft, number, reply)
    run(app, "rsj_h", wb.send_reply, number)
    return number


def search_config(tmp_path: Path) -> dict[str, Any]:
    """App settings with a site index of one document, for the tests of what the workbench puts
    in the search beside it (letters, comments, interview questions)."""
    indexer.build(tmp_path / "_search", [make_doc(1, title="路灯维护管理办法", body="路灯维修。")])
    return {"SEARCH_INDEX_DIR": str(tmp_path / "_search")}


def search_hits(client: FlaskClient, q: str, doctype: str) -> list[dict[str, Any]]:
    """The hits of one type on the search API's first page."""
    r = client.get("/api/v1/search", query_string={"q": q})
    assert r.status_code == 200, r.get_json()
    return [h for h in r.get_json()["items"] if h["type"] == doctype]


def reindex_letters(app: Flask) -> str:
    """``flask reindex-letters``'s output (it must succeed)."""
    with app.app_context():
        r = app.test_cli_runner().invoke(args=["reindex-letters"])
    assert r.exit_code == 0, r.output
    return r.output
