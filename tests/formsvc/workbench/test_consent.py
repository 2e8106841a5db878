"""Consent to publication asked again (issue 19): where a message's consent came from, migration
0008 for the messages stored before it, the list, the re-confirmation (workbench and command),
and publication refused until then."""

from __future__ import annotations

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, insert, inspect, select, update

from formsvc import db
from formsvc.db import migrate
from formsvc.domain import consent
from formsvc.models import Attachment, Message
from formsvc.services import workbench as wb
from tests.formsvc.conftest import good_data, post_form, soup
from tests.formsvc.workbench.helpers import (
    answered,
    login,
    make_staff,
    message_row,
    post_action,
    publish,
    refused,
    run,
    submit,
)
from tests.formsvc.workbench.test_flow import publish_form


def _set_source(app: Flask, number: str, source: str) -> None:
    with app.app_context(), db.get_engine(app).begin() as conn:
        conn.execute(update(Message).where(Message.tracking_number == number)
                     .values(consent_source=source))


def test_each_channel_records_its_source(staff: Flask, wbclient: FlaskClient) -> None:
    api_number, _ = submit(wbclient, "zx", consent_publish=True)
    assert message_row(staff, api_number).consent_source == consent.API
    post_form(wbclient, "zx", good_data("zx", consent_publish="y", subject="网页提交的咨询"))
    with staff.app_context():
        s = db.new_session()
        web = s.scalar(select(Message).where(Message.subject == "网页提交的咨询"))
        assert web is not None and web.consent_source == consent.WEB and web.consent_publish
        s.close()


def test_publication_refused_until_reconfirmed(staff: Flask, wbclient: FlaskClient) -> None:
    number = answered(staff, wbclient)
    _set_source(staff, number, consent.UNKNOWN)
    assert refused(staff, "rsj_h", wb.propose, number, "标题", "问题", "答复", True) == \
        "consent_unconfirmed"
    # the page says why and offers the re-confirmation instead of a silent refusal
    client = staff.test_client()
    login(client, "rsj_h")
    page = soup(client.get(f"/hdjl/staff/m/{number}"))
    assert page.find(id="reconfirm_consent") is not None
    assert "需重新确认" in page.find(id="consent").get_text()
    r = post_action(client, number, "propose_letter", subject="标题", question="问题",
                    reply="答复", reviewed="y")
    assert r.status_code == 400 and "重新确认公开意愿" in r.get_data(as_text=True)
    # asked, without saying how: refused; with the answer and how: recorded in the log
    r = post_action(client, number, "reconfirm_consent", answer="yes", note="")
    assert r.status_code == 400
    r = post_action(client, number, "reconfirm_consent", answer="maybe", note="电话确认")
    assert r.status_code == 400 and "请选择提交人的答复" in r.get_data(as_text=True)
    r = post_action(client, number, "reconfirm_consent", answer="yes",
                    note="12 月 6 日电话联系提交人，同意公开")
    assert r.status_code == 303
    m = message_row(staff, number)
    assert m.consent_publish and m.consent_source == consent.STAFF
    event = m.events[-1]
    assert event.action == "reconfirm_consent" and not event.public
    assert event.note.startswith("同意公开") and "电话" in event.note
    # nothing left to confirm; publication now goes through
    assert refused(staff, "rsj_h", wb.reconfirm_consent, number, "no", "再问") == "not_unconfirmed"
    texts = publish_form(soup(client.get(f"/hdjl/staff/m/{number}")))
    assert post_action(client, number, "propose_letter", **texts,
                       reviewed="y").status_code == 303


def test_a_refusal_withdraws_a_published_letter(staff: Flask, wbclient: FlaskClient) -> None:
    number = answered(staff, wbclient)
    publish(staff, "rsj_h", "disp", number, "社保卡补办", "问题", "答复")
    assert wbclient.get("/api/v1/letters").get_json()["total"] == 1
    _set_source(staff, number, consent.UNKNOWN)  # as 0008 marks an earlier API message
    run(staff, "rsj_h", wb.reconfirm_consent, number, "no", "电话确认，不同意公开")
    m = message_row(staff, number)
    assert not m.consent_publish and m.consent_source == consent.STAFF
    assert [e.action for e in m.events][-2:] == ["reconfirm_consent", "withdraw_letter"]
    assert wbclient.get("/api/v1/letters").get_json()["total"] == 0


def test_out_of_scope_staff_cannot_reconfirm(staff: Flask, wbclient: FlaskClient) -> None:
    number = answered(staff, wbclient)
    _set_source(staff, number, consent.UNKNOWN)
    with pytest.raises(wb.NotFound):
        run(staff, "zjj_h", wb.reconfirm_consent, number, "yes", "电话确认")
    assert message_row(staff, number).consent_source == consent.UNKNOWN


def test_the_commands_list_and_reconfirm(staff: Flask, wbclient: FlaskClient) -> None:
    number = answered(staff, wbclient)
    other, _ = submit(wbclient, "zx", consent_publish=False, subject="不同意公开的咨询")
    for n in (number, other):
        _set_source(staff, n, consent.UNKNOWN)
    runner = staff.test_cli_runner()
    r = runner.invoke(args=["consent-unconfirmed"])
    assert r.exit_code == 0, (r.output, r.exc_info)
    assert number in r.output and other not in r.output and "共 1 件" in r.output
    r = runner.invoke(args=["consent-reconfirm", number, "--answer", "yes", "--note", "电话确认",
                            "--staff", "nobody"])
    assert r.exit_code != 0 and "不存在" in r.output
    r = runner.invoke(args=["consent-reconfirm", number, "--answer", "yes", "--note", "电话确认",
                            "--staff", "zjj_h"])
    assert r.exit_code != 0 and "办理范围" in r.output
    r = runner.invoke(args=["consent-reconfirm", number.lower(), "--answer", "yes", "--note",
                            "12 月 6 日电话确认", "--staff", "rsj_h"])
    assert r.exit_code == 0, r.output
    assert message_row(staff, number).consent_source == consent.STAFF
    assert "共 0 件" in runner.invoke(args=["consent-unconfirmed"]).output


def _alembic(engine: Engine, action: str, revision: str) -> None:
    with engine.begin() as conn:
        cfg = migrate.alembic_config(engine)
        cfg.attributes["connection"] = conn
        getattr(command, action)(cfg, revision)


def test_migration_0008_marks_earlier_consent_unknown(wbapp: Flask,
                                                     wbclient: FlaskClient) -> None:
    """Messages stored under 0006: with an attachment they came from the form (web); any other
    is unknown, and its 是 must be asked again. Down and up again keeps every message."""
    make_staff(wbapp, "disp", "dispatcher")
    yes, _ = submit(wbclient, "zx", consent_publish=True)
    no, _ = submit(wbclient, "zx", consent_publish=False, subject="不同意公开的咨询")
    attached, _ = submit(wbclient, "zx", consent_publish=True, subject="带附件的咨询")
    with wbapp.app_context():
        engine = db.get_engine(wbapp)
        with engine.begin() as conn:
            message_id = conn.scalar(select(Message.id).where(
                Message.tracking_number == attached))
            conn.execute(insert(Attachment), [{
                "message_id": message_id, "stored_name": "x.png", "original_name": "x.png",
                "mime_type": "image/png", "size": 1, "sha256": "0" * 64}])
        before = {n: message_row(wbapp, n).consent_publish for n in (yes, no, attached)}
        try:
            _alembic(engine, "downgrade", "0006")
            assert "consent_source" not in {c["name"] for c in inspect(engine).get_columns(
                "message")}
        finally:
            _alembic(engine, "upgrade", "head")
        assert migrate.current_revision(engine) == migrate.head_revision(engine)
    rows = {n: message_row(wbapp, n) for n in (yes, no, attached)}
    assert {n: m.consent_publish for n, m in rows.items()} == before
    assert rows[yes].consent_source == consent.UNKNOWN
    assert rows[no].consent_source == consent.UNKNOWN
    assert rows[attached].consent_source == consent.WEB
    with wbapp.app_context():
        s = db.new_session()
        assert [m.tracking_number for m in wb.unconfirmed_consent(s)] == [yes]
        s.close()
    # a message stored after the migration records its channel again
    new, _ = submit(wbclient, "zx", consent_publish=True, subject="迁移之后的咨询")
    assert message_row(wbapp, new).consent_source == consent.API


def test_every_source_has_a_label() -> None:
    assert set(consent.SOURCE_LABELS) == {consent.WEB, consent.API, consent.UNKNOWN,
                                          consent.STAFF, consent.PHONE}
    assert all(len(v) <= consent.SOURCE_MAX for v in consent.SOURCE_LABELS)
    assert consent.needs_reconfirmation(True, consent.UNKNOWN)
    assert not consent.needs_reconfirmation(False, consent.UNKNOWN)
    assert not consent.needs_reconfirmation(True, consent.API)


