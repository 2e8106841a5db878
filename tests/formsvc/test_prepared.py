"""Statements run on the driver's cursor (formsvc/db/prepared.py) store what SQLAlchemy would store,
refuse what they cannot do, and fail like SQLAlchemy does: on both engines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import bindparam, exc, func, insert, select
from sqlalchemy.orm import Session

from formsvc import db
from formsvc.db.prepared import Prepared
from formsvc.models import Event, Message, OutboxNotification
from tests.formsvc.conftest import api_submit


def _message_id(client: FlaskClient, session: Session) -> int:
    number = api_submit(client, "zx").get_json()["tracking_number"]
    return session.scalar(select(Message.id).where(Message.tracking_number == number))


def _note_event(message_id: int, note: str) -> dict[str, object]:
    """Every column of an internal note event, as a prepared INSERT wants them."""
    return {"message_id": message_id, "created_at": datetime.now(UTC), "actor": "system",
            "action": "note", "from_status": None, "to_status": "submitted", "note": note,
            "public": False}


def test_rows_read_back_like_orm_rows(app: Flask, client: FlaskClient, session: Session) -> None:
    mid = _message_id(client, session)
    # an aware time in another zone, a NULL, a boolean, JSON with Chinese text
    beijing = datetime(2026, 12, 2, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=8)))
    events = Prepared(insert(Event.__table__))
    outbox = Prepared(insert(OutboxNotification.__table__))
    with app.app_context():
        s = db.new_session()
        conn = s.connection()
        events.execute(conn, {"message_id": mid, "created_at": beijing, "actor": "system",
                              "action": "note", "from_status": None, "to_status": "submitted",
                              "note": "内部备注", "public": False})
        outbox.executemany(conn, [
            {"message_id": mid, "created_at": beijing, "channel": "email",
             "recipient": f"r{i}@example.cn", "template": "receipt",
             "payload": {"subject": "社保卡补办", "n": i, "ok": True}, "status": "pending",
             "attempts": 0, "last_error": ""} for i in range(2)])
        s.commit()
        s.close()
    note = session.scalars(select(Event).where(Event.action == "note")).one()
    assert note.created_at == beijing and note.created_at.tzinfo is not None
    assert note.created_at.astimezone(UTC).hour == 1
    assert (note.from_status, note.note, note.public) == (None, "内部备注", False)
    mails = session.scalars(select(OutboxNotification).where(
        OutboxNotification.recipient.like("r%@example.cn")).order_by(
        OutboxNotification.recipient)).all()
    assert [m.payload for m in mails] == [{"subject": "社保卡补办", "n": i, "ok": True}
                                         for i in range(2)]


def test_insert_leaving_out_a_defaulted_column_is_refused(app: Flask) -> None:
    # the driver's cursor does not apply Python-side defaults: a forgotten column would be NULL
    # (or an error in production only), so compiling already refuses it
    partial = Prepared(insert(Event.__table__))
    with app.app_context():
        s = db.new_session()
        with pytest.raises(ValueError, match="created_at.*note.*public"):
            partial.execute(s.connection(), {"message_id": 1, "actor": "system",
                                             "action": "note", "to_status": "submitted"})
        s.close()


def test_expanding_in_is_refused(app: Flask) -> None:
    query = Prepared(select(Message.id).where(Message.status.in_(["submitted", "replied"])))
    with app.app_context():
        s = db.new_session()
        with pytest.raises(ValueError, match="expanding"):
            query.first(s.connection(), {})
        s.close()


def test_driver_error_is_sqlalchemys_and_rolls_back(app: Flask, client: FlaskClient,
                                                    session: Session) -> None:
    mid = _message_id(client, session)
    events = Prepared(insert(Event.__table__))
    row = _note_event(mid, "先写入")
    before = session.scalar(select(func.count()).select_from(Event))
    with app.app_context():
        s = db.new_session()
        conn = s.connection()
        events.execute(conn, row)
        # NOT NULL violated by the driver, not by Python: the error SQLAlchemy callers expect
        with pytest.raises(exc.IntegrityError):
            events.execute(conn, {**row, "to_status": None})
        s.rollback()
        s.close()
    assert session.scalar(select(func.count()).select_from(Event)) == before


def test_call_with_other_keys_is_refused(app: Flask, client: FlaskClient,
                                         session: Session) -> None:
    # the columns were fixed by the first call: a misspelt key would otherwise be dropped
    # silently and a left-out one sent as a placeholder
    mid = _message_id(client, session)
    events = Prepared(insert(Event.__table__))
    row = _note_event(mid, "")
    with app.app_context():
        s = db.new_session()
        conn = s.connection()
        events.execute(conn, row)
        with pytest.raises(ValueError, match="prepared for"):
            events.execute(conn, {**row, "notes": "拼错的列名"})
        with pytest.raises(ValueError, match="prepared for"):
            events.execute(conn, {k: v for k, v in row.items() if k != "note"})
        s.rollback()
        s.close()


def test_queries_with_one_and_with_fixed_parameters(app: Flask, client: FlaskClient,
                                                    session: Session) -> None:
    # one parameter (a one-item row), and a value written into the statement next to a call's
    number = api_submit(client, "zx").get_json()["tracking_number"]
    mid = session.scalar(select(Message.id).where(Message.tracking_number == number))
    by_number = Prepared(select(Message.id).where(Message.tracking_number == bindparam("n")))
    by_kind = Prepared(select(Message.id).where(Message.kind == "zx",
                                                Message.tracking_number == bindparam("n")))
    with app.app_context():
        s = db.new_session()
        conn = s.connection()
        assert by_number.first(conn, {"n": number}) == (mid,)
        assert by_kind.first(conn, {"n": number}) == (mid,)
        assert by_number.first(conn, {"n": "ZX20260101-XXXXXX"}) is None
        s.close()
