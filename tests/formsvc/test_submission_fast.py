"""The submission's short path: the UNIQUE constraint picks the tracking number, the repeat check
and the statistics row ride on the INSERTs, and the department registry is a per-process copy
that follows every change."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, select, text, update
from sqlalchemy.orm import Session

from formsvc import create_app, db
from formsvc.db import migrate
from formsvc.domain import kinds
from formsvc.models import Department, Event, Message, OutboxNotification
from formsvc.models.message import MessageStats
from formsvc.services import codes, departments, stats, submission
from formsvc.web.runtime import calendar
from tests.formsvc.conftest import api_submit, good_data, make_config, soup


def _summary(session: Session) -> dict[tuple[int, Any], dict[str, int]]:
    rows = session.execute(select(MessageStats)).scalars().all()
    return {(r.department_id, r.received_on): {k: getattr(r, k) for k in stats.COUNTERS}
            for r in rows if any(getattr(r, k) for k in stats.COUNTERS)}


def test_taken_tracking_number_is_retried(client: FlaskClient, session: Session,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    first = api_submit(client, "zx").get_json()["tracking_number"]
    real = codes.tracking_number
    offered: list[str] = []

    def collide_once(prefix: str, day: Any) -> str:
        # the first number offered is the one already stored: the constraint must refuse it
        number = first if not offered else real(prefix, day)
        offered.append(number)
        return number

    monkeypatch.setattr(codes, "tracking_number", collide_once)
    r = api_submit(client, "zx", content="另一个问题：公积金提取需要哪些材料？")
    assert r.status_code == 201
    second = r.get_json()["tracking_number"]
    assert offered[0] == first and second == offered[1] != first
    rows = session.scalars(select(Message).order_by(Message.id)).all()
    assert [m.tracking_number for m in rows] == [first, second]
    # one event and one notification per stored message, none for the refused attempt
    assert session.scalar(select(text("count(*)")).select_from(Event)) == 2
    assert {o.message_id for o in session.scalars(select(OutboxNotification))} == {
        m.id for m in rows}


def test_no_free_number_stores_nothing(client: FlaskClient, app: Flask, session: Session,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    first = api_submit(client, "zx").get_json()["tracking_number"]
    monkeypatch.setattr(codes, "tracking_number", lambda prefix, day: first)
    r = api_submit(client, "zx", content="又一个问题：医保怎么转移接续？")
    assert r.status_code == 503 and r.get_json()["code"] == "submission_failed"
    assert len(session.scalars(select(Message)).all()) == 1
    assert len(session.scalars(select(Event)).all()) == 1


def test_statistics_row_matches_a_full_recount(client: FlaskClient, app: Flask,
                                               session: Session) -> None:
    api_submit(client, "zx")
    api_submit(client, "zx")  # a repeat: counted as a duplicate, not as undispatched
    api_submit(client, "ts", department="", subject="噪音扰民", content="夜间施工噪音严重，请处理。")
    api_submit(client, "jy", department="zjj", subject="增设公交站", content="建议增设一处公交站点。")
    incremental = _summary(session)
    with db.get_engine(app).begin() as conn:
        stats.rebuild(conn)
    session.expire_all()
    assert incremental == _summary(session)
    assert sum(c["duplicates"] for c in incremental.values()) == 1
    assert sum(c["undispatched"] for c in incremental.values()) == 3


def test_message_row_is_complete(client: FlaskClient, session: Session) -> None:
    body = api_submit(client, "zx").get_json()
    m = session.scalar(select(Message).where(Message.tracking_number == body["tracking_number"]))
    assert m is not None and m.status == "submitted" and m.department is not None
    assert m.department.code == "rsj" and body["department"] == m.department.display_name
    assert m.submitted_at.tzinfo is not None and m.duplicate_of_id is None
    assert codes.verify_code(m.query_code_hash, body["query_code"])
    assert [e.action for e in m.events] == ["submit"] and m.events[0].to_status == "submitted"
    outbox = session.scalars(select(OutboxNotification)).all()
    assert sorted(o.template for o in outbox) == ["new_message", "receipt"]
    assert all(o.payload["tracking_number"] == m.tracking_number for o in outbox)


# --- the per-process department registry --------------------------------------------------------


def _choices(client: FlaskClient) -> set[str]:
    return {d["code"] for d in client.get("/api/v1/departments").get_json()["departments"]}


def test_registry_copy_follows_a_commit_in_this_process(client: FlaskClient, app: Flask,
                                                        session: Session) -> None:
    assert "rsj" in _choices(client)
    session.execute(update(Department).where(Department.code == "rsj").values(active=False))
    session.commit()  # a Core UPDATE: no ORM event; the copy may lag by CACHE_SECONDS at most
    rsj = session.scalar(select(Department).where(Department.code == "rsj"))
    rsj.name = "示范县人力资源和社会保障局（改）"  # an ORM change: the copy is dropped at commit
    session.commit()
    assert "rsj" not in _choices(client)
    r = api_submit(client, "zx")
    assert r.status_code == 400 and "department" in r.get_json()["fields"]


def _options(client: FlaskClient, url: str) -> dict[str, str]:
    page = soup(client.get(url))
    return {o["value"]: o.get_text(strip=True)
            for o in page.select("select[name=department] option")}


def test_form_choices_follow_the_registry(client: FlaskClient, session: Session) -> None:
    # the choices are built once per registry copy (formsvc.forms): a new copy, new choices
    assert _options(client, "/hdjl/zx/new")["rsj"] == "示范县人力资源和社会保障局"
    disclosure = _options(client, "/hdjl/ysqgk/new")
    assert "rsj" not in disclosure and disclosure
    rsj = session.scalar(select(Department).where(Department.code == "rsj"))
    rsj.name = "示范县人力资源和社会保障局（改）"
    rsj.accepts_disclosure_requests = True
    session.commit()
    assert _options(client, "/hdjl/zx/new")["rsj"] == "示范县人力资源和社会保障局（改）"
    assert _options(client, "/hdjl/ysqgk/new")["rsj"] == "示范县人力资源和社会保障局（改）"
    assert api_submit(client, "zx").status_code == 201


def test_registry_copy_follows_sync_in_another_process(client: FlaskClient, app: Flask,
                                                       tmp_path: Path) -> None:
    assert "hxz" in _choices(client)
    content = tmp_path / "c"
    content.mkdir()
    registry = (Path(app.config["CONTENT_DIR"]) / "departments.yml").read_text(encoding="utf-8")
    (content / "departments.yml").write_text(registry[:registry.index("  - code: hxz")],
                                             encoding="utf-8")
    # another process: its own engine and no ORM event reaches this one; only the stamp file
    other = db.make_engine(app.config["DATABASE_URL"])
    try:
        generation = departments._generation  # noqa: SLF001
        with Session(other) as s, app.app_context():
            assert departments.sync(s, content).deactivated == ["hxz"]
        departments._generation = generation  # noqa: SLF001 (as if the commit was elsewhere)
    finally:
        other.dispose()
    assert (Path(app.instance_path) / departments.STAMP_NAME).exists()
    assert "hxz" not in _choices(client)


def test_registry_copy_is_not_attached_to_the_request_session(app: Flask) -> None:
    with app.app_context():
        s = db.new_session()
        try:
            dept = departments.by_code(s, "rsj")
            assert dept is not None and dept not in s
            assert departments.active(s)[0].code == departments.snapshot(s).active[0].code
        finally:
            s.close()


def test_html_form_uses_the_same_short_path(client: FlaskClient, session: Session) -> None:
    from tests.formsvc.conftest import post_form

    r = post_form(client, "zx", good_data("zx"))
    assert r.status_code == 303
    m = session.scalars(select(Message)).one()
    assert m.department is not None and m.department.code == "rsj"
    assert os.path.basename(r.headers["Location"]) == m.tracking_number


def test_submission_writes_four_statements_and_commits(tmp_path: Path, content_dir: Path) -> None:
    """What the driver runs for one submission: four INSERTs and the COMMIT, no SELECT (the
    statements run on the driver's cursor, which SQLAlchemy's events do not see: SQLite's trace
    callback does, so this test has a SQLite database of its own whatever the engine run)."""
    url = f"sqlite:///{tmp_path / 'trace.sqlite3'}"
    setup = db.make_engine(url)
    migrate.upgrade(setup)
    setup.dispose()
    app = create_app(make_config(tmp_path, url, content_dir))
    with app.app_context():
        s = db.new_session()
        departments.sync(s, app.config["CONTENT_DIR"])
        s.close()
    client = app.test_client()
    engine = db.get_engine(app)
    seen: list[str] = []

    def trace(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.set_trace_callback(seen.append)

    engine.dispose()  # new connections, each with the trace
    event.listen(engine, "connect", trace)
    try:
        assert api_submit(client, "zx").status_code == 201  # fills the per-process copies
        seen.clear()
        assert api_submit(client, "jy", content="建议在县城东区增设一处公共停车场。").status_code == 201
    finally:
        event.remove(engine, "connect", trace)
        engine.dispose()
    heads = [" ".join(s.split()[:3]).upper() for s in seen]
    # the outbox statement runs once per row of its executemany: the department's mail and the
    # citizen's receipt (good_data gives an e-mail address)
    assert heads == ["BEGIN", "INSERT INTO MESSAGE", "INSERT INTO EVENT", "INSERT INTO OUTBOX",
                     "INSERT INTO OUTBOX", "INSERT INTO MESSAGE_STATS", "COMMIT"], seen


def _message(n: int) -> submission.NewMessage:
    return submission.NewMessage(
        kind=kinds.KINDS_BY_CODE["zx"], name="张三", phone=f"139{n:08d}", subject=f"事务测试 {n}",
        content=f"事务测试留言第 {n} 条，请问如何办理？", department_code="rsj")


def _phone_and_count(app: Flask) -> tuple[str, int]:
    with Session(db.get_engine(app)) as check:
        phone = check.scalar(select(Department.phone).where(Department.code == "rsj"))
        return phone or "", check.scalar(select(text("count(*)")).select_from(Message)) or 0


def test_a_clean_session_writes_on_its_own_connection(app: Flask) -> None:
    with app.app_context():
        s = db.new_session()
        begun: list[Any] = []
        event.listen(s, "after_begin", lambda *args: begun.append(args))
        try:
            submission.submit(s, app.config, _message(1), calendar=calendar())
        finally:
            s.close()
    # the session lent its engine and never began a transaction of its own
    assert begun == []
    assert _phone_and_count(app)[1] == 1


def test_a_session_in_a_transaction_commits_or_rolls_back_with_the_submission(
        app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    with app.app_context():
        s = db.new_session()
        try:
            s.execute(update(Department).where(Department.code == "rsj").values(phone="0000-1"))
            first = submission.submit(s, app.config, _message(1), calendar=calendar())
        finally:
            s.close()
        assert _phone_and_count(app) == ("0000-1", 1)  # the caller's write committed with it

        monkeypatch.setattr(codes, "tracking_number", lambda prefix, day: first.tracking_number)
        s = db.new_session()
        try:
            s.execute(update(Department).where(Department.code == "rsj").values(phone="0000-2"))
            with pytest.raises(submission.SubmissionFailed):
                submission.submit(s, app.config, _message(2), calendar=calendar())
        finally:
            s.close()
    assert _phone_and_count(app) == ("0000-1", 1)  # and rolled back with it
