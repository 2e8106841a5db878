"""A comment, a hearing speaker's registration and an interview question each tell the
department that owns the draft or interview, through the outbox, in the contribution's own
transaction; the mail names what it is about and never the citizen (issue 23)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from formsvc import db
from formsvc.domain import participation as p
from formsvc.models import Contribution, OutboxNotification
from formsvc.services import outbox
from formsvc.services import participation as svc
from portal.participation import load_consultations
from tests.formsvc.conftest import csrf_from, soup
from tests.formsvc.participation_data import write_tree
from tests.formsvc.test_participation import post

CITIZEN = {"name": "张三", "phone": "13812345678"}


@pytest.fixture(scope="module")
def content_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_tree(tmp_path_factory.mktemp("participation_mail"))


def mails(app: Flask) -> list[OutboxNotification]:
    with app.app_context():
        s = db.new_session()
        try:
            return list(s.scalars(select(OutboxNotification)
                                  .where(OutboxNotification.template == "new_contribution")
                                  .order_by(OutboxNotification.id)))
        finally:
            s.close()


@pytest.mark.parametrize(("path", "kind", "title", "text"), [
    ("/hdjl/yjzj/open-draft/new", "意见", "示范县养老服务办法（征求意见稿）",
     "建议第一条写明适用于农村互助幸福院。"),
    ("/hdjl/yjzj/open-draft/hearing", "听证发言报名", "示范县养老服务办法（征求意见稿）",
     "我想就补贴标准发言。"),
    ("/hdjl/ft/live/new", "网友提问", "养老服务补贴在线访谈", "八十岁以上老人补贴多少？"),
])
def test_each_contribution_mails_the_owning_department(app: Flask, client: FlaskClient,
                                                       path: str, kind: str, title: str,
                                                       text: str) -> None:
    data: dict[str, Any] = {**CITIZEN, "text": text}
    if path.endswith("/new") and "yjzj" in path:
        data["article"] = "1"
    assert post(client, path, data).status_code == 303
    [mail] = mails(app)
    assert mail.recipient == "mzj@shifan.gov.cn"  # 县民政局 owns both (content/departments.yml)
    assert mail.message_id is None and mail.status == "pending"
    subject, body = outbox.render(mail.template, mail.payload)
    assert title in subject and kind in subject + body and "意见征集与访谈" in body
    assert "县民政局" in body
    # the department reads the citizen in the workbench, never in the mail
    for personal in (*CITIZEN.values(), text):
        assert personal not in subject + body and personal not in str(mail.payload)
    if "article" in data:
        assert "针对第 1 条" in body
    with app.app_context():
        s = db.new_session()
        try:
            row = s.scalar(select(Contribution))
            assert row is not None and mail.payload["contribution_id"] == row.id
        finally:
            s.close()


def test_a_refused_contribution_mails_nobody(app: Flask, client: FlaskClient) -> None:
    token = csrf_from(soup(client.get("/hdjl/yjzj/open-draft/new")))
    r = client.post("/hdjl/yjzj/closed-draft/new",
                    data={"csrf_token": token, **CITIZEN, "text": "截止后的意见不应收到。"})
    assert r.status_code != 303
    assert mails(app) == []


def test_no_mail_without_the_record(app: Flask, content_dir: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The mail and the contribution are one transaction: when the commit fails, neither stays."""
    draft = load_consultations(content_dir)["open-draft"]
    with app.app_context():
        s = db.new_session()
        try:
            def fail() -> None:
                raise OperationalError("COMMIT", {}, Exception("disk full"))
            monkeypatch.setattr(s, "commit", fail)
            with pytest.raises(svc.SubmissionFailed):
                svc.submit(s, app.config, svc.NewContribution(
                    p.kind("comment"), "open-draft", "张三", "13812345678", "建议增加助餐点。"),
                    draft)
            s.rollback()
        finally:
            s.close()
    assert mails(app) == []


def test_a_draft_of_an_unknown_department_goes_to_the_dispatchers(
        app: Flask, content_dir: Path) -> None:
    draft = load_consultations(content_dir)["open-draft"]
    orphan = type(draft)(**{**draft.__dict__, "slug": "orphan", "department": "nope"})
    with app.app_context():
        s = db.new_session()
        try:
            svc.submit(s, app.config, svc.NewContribution(
                p.kind("comment"), "orphan", "张三", "13812345678", "建议增加助餐点。"), orphan)
        finally:
            s.close()
    [mail] = mails(app)
    assert mail.recipient == app.config["DISPATCHER_EMAIL"]
