"""Durability: one transaction, nothing half-written, receipts only after the commit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from formsvc.models import Event, Message, OutboxNotification
from formsvc.services import notify
from tests.formsvc.conftest import (
    PNG,
    api_submit,
    count_rows,
    good_data,
    post_form,
    receipt_of,
    soup,
    upload_files,
)


@pytest.fixture
def failing_commit() -> Iterator[None]:
    """Make every commit fail (ORM or Core: the submission commits on a Core connection), as a
    full disk or a lost database connection would."""

    def boom(_conn: Any) -> None:
        raise RuntimeError("simulated failure at commit")

    event.listen(Engine, "commit", boom)
    yield
    event.remove(Engine, "commit", boom)


def test_failed_commit_html_leaves_nothing(client: FlaskClient, app: Flask,
                                           failing_commit: None) -> None:
    r = post_form(client, "ts", good_data("ts"), files=[(PNG, "现场照片.png")])
    assert r.status_code == 503
    page = soup(r)
    assert "没有被保存" in page.get_text()
    assert "Traceback" not in page.get_text() and "simulated" not in page.get_text()
    assert count_rows(app) == {"outbox": 0, "attachment": 0, "event": 0, "message": 0}
    assert upload_files(app) == []  # the file written before the commit was removed again
    with client.session_transaction() as saved:
        assert "receipt" not in saved  # no number or code was handed out


def test_failed_commit_api_leaves_nothing(client: FlaskClient, app: Flask,
                                          failing_commit: None) -> None:
    r = api_submit(client, "zx")
    assert r.status_code == 503
    assert r.get_json()["code"] == "submission_failed"
    assert "query_code" not in r.get_json()
    assert count_rows(app)["message"] == 0


def test_failure_after_the_message_row_leaves_nothing(client: FlaskClient, app: Flask,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # the message row is in, then a notification row breaks a NOT NULL constraint (on
    # PostgreSQL inside the pipeline of the statements after the message's): all of it goes,
    # and the pooled connection serves the next citizen
    real = notify.new_message_mails
    monkeypatch.setattr(notify, "new_message_mails", lambda *args: [
        (None, template, payload) for _, template, payload in real(*args)])
    r = api_submit(client, "zx")
    assert r.status_code == 503 and r.get_json()["code"] == "submission_failed"
    assert count_rows(app) == {"outbox": 0, "attachment": 0, "event": 0, "message": 0}
    monkeypatch.setattr(notify, "new_message_mails", real)
    assert api_submit(client, "zx").status_code == 201
    rows = count_rows(app)
    assert (rows["message"], rows["event"]) == (1, 1) and rows["outbox"] >= 1


def test_failed_confirm_of_disclosure_keeps_the_draft(client: FlaskClient, app: Flask) -> None:
    from tests.formsvc.conftest import confirm_disclosure

    review = post_form(client, "ysqgk", good_data("ysqgk"), files=[(PNG, "证件.png")])

    def boom(_conn: Any) -> None:
        raise RuntimeError("simulated")

    event.listen(Engine, "commit", boom)
    try:
        assert confirm_disclosure(client, review).status_code == 503
    finally:
        event.remove(Engine, "commit", boom)
    assert count_rows(app)["message"] == 0
    # the applicant can press 确认提交 again once the database is back
    assert confirm_disclosure(client, review).status_code == 303
    assert count_rows(app) == {"outbox": 2, "attachment": 1, "event": 1, "message": 1}
    assert len(upload_files(app)) == 1


def test_one_transaction_writes_message_event_outbox(client: FlaskClient,
                                                     session: Session) -> None:
    post_form(client, "zx", good_data("zx", email=""))
    m = session.scalars(select(Message)).one()
    ev = session.scalars(select(Event)).one()
    out = session.scalars(select(OutboxNotification)).all()
    assert ev.message_id == m.id and ev.actor == "citizen" and ev.public
    assert [o.template for o in out] == ["new_message"]  # no e-mail given: no citizen copy
    assert out[0].status == "pending" and out[0].message_id == m.id


def test_receipt_only_for_the_submitter_after_commit(client: FlaskClient, app: Flask) -> None:
    r = post_form(client, "zx", good_data("zx"))
    location = r.headers["Location"]
    shown = client.get(location)
    assert shown.headers["Cache-Control"] == "no-store"
    number, code = receipt_of(shown)
    with client.session_transaction() as saved:
        assert saved["receipt"]["number"] == number
    # another browser (no session) cannot see the receipt or the code
    other = app.test_client()
    gone = other.get(location)
    assert gone.status_code == 404 and code not in gone.get_data(as_text=True)
    # a receipt for a number that was never stored is not shown
    assert client.get("/hdjl/receipt/ZX20200101-ABCDEF").status_code == 404


def test_duplicate_is_stored_and_flagged(client: FlaskClient, session: Session) -> None:
    first = api_submit(client, "zx").get_json()
    second = api_submit(client, "zx", content=good_data("zx")["content"] + "  ").get_json()
    other_phone = api_submit(client, "zx", phone="13900001111").get_json()
    assert first["duplicate"] is False and second["duplicate"] is True
    assert other_phone["duplicate"] is False
    rows = session.scalars(select(Message).order_by(Message.id)).all()
    assert len(rows) == 3
    assert rows[1].duplicate_of_id == rows[0].id and rows[2].duplicate_of_id is None
    assert "重复提交" in rows[1].events[0].note


def test_duplicate_window_is_24_hours(client: FlaskClient, app: Flask,
                                      session: Session) -> None:
    from datetime import timedelta

    first = api_submit(client, "zx").get_json()
    m = session.scalar(select(Message).where(Message.tracking_number == first["tracking_number"]))
    m.submitted_at = m.submitted_at - timedelta(hours=25)
    session.commit()
    assert api_submit(client, "zx").get_json()["duplicate"] is False


def test_tracking_numbers_are_random_not_sequential(client: FlaskClient) -> None:
    numbers = [api_submit(client, "zx", content=f"第 {i} 个问题，请帮忙解答。").get_json()[
        "tracking_number"] for i in range(5)]
    tails = [n.split("-")[1] for n in numbers]
    assert len(set(tails)) == 5 and tails != sorted(tails) or len(set(tails)) == 5


def test_events_are_append_only(client: FlaskClient, session: Session) -> None:
    api_submit(client, "zx")
    ev = session.scalars(select(Event)).one()
    ev.note = "changed"
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()
    session.rollback()
