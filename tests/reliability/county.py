"""A county's worth of varied data, made through the real services: every status, events,
outbox rows with delivery attempts, attachments, letters, extensions, templates, staff."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from formsvc import db
from formsvc.db import utcnow
from formsvc.domain import kinds
from formsvc.domain.ratings import RATINGS
from formsvc.domain.workdays import Calendar
from formsvc.models import Base, Message
from formsvc.models.staff import Staff
from formsvc.services import auth, outbox, submission, tracking
from formsvc.services import workbench as wb
from formsvc.services.uploads import Upload
from tests.formsvc.conftest import JPEG, PDF, PNG, good_data

STAFF = (("fenban", "dispatcher", ""), ("dubian", "supervisor", ""), ("zjj-cb", "handler", "zjj"),
         ("scjgj-cb", "handler", "scjgj"), ("scjgj-sh", "reviewer", "scjgj"),
         ("xzfb-cb", "handler", "xzfb"))


class _FailingBackend:
    def send(self, mail: Any) -> None:
        raise ConnectionRefusedError("mail server down (test)")


def fill(app: Flask) -> dict[str, str]:
    """Fill the app's database; returns tracking number → query code of every message."""
    client = app.test_client()
    codes: dict[str, str] = {}

    def api(kind: str, **changes: Any) -> str:
        body = {"kind": kind, **good_data(kind, **changes)}
        if kind == "ysqgk":
            body["confirmed"] = True
        r = client.post("/api/v1/messages", json=body)
        assert r.status_code == 201, r.get_json()
        codes[r.get_json()["tracking_number"]] = r.get_json()["query_code"]
        return r.get_json()["tracking_number"]

    with app.app_context():
        s = db.new_session()
        for username, role, dept in STAFF:
            auth.create_staff(s, username=username, password="correct-horse-battery", role=role,
                              department_code=dept, email=f"{username}@gov.test",
                              display_name=f"测试{username}")
        s.commit()
        # attachments: through the submission service (the form path checks types the same way)
        cal = Calendar.from_file(app.config["HOLIDAYS_FILE"])
        data = submission.NewMessage(
            kind=kinds.KINDS_BY_CODE["ts"], name="王五",
            phone="13700001111", subject="小区噪音扰民", content="夜间施工噪音严重，附照片和材料。",
            email="wangwu@example.com", address="示范县人民路 3 号", department_code="",
            consent_publish=True)
        r = submission.submit(s, app.config, data, [Upload("现场.png", PNG, "image/png"),
                                                    Upload("夜景.jpg", JPEG, "image/jpeg"),
                                                    Upload("材料.pdf", PDF, "application/pdf")],
                              calendar=cal, client_ip="10.0.0.7")
        codes[r.tracking_number] = r.query_code
        s.close()

    new = api("zx", department="")  # submitted, not yet dispatched
    api("zx", department="")  # the same text from the same phone: flagged as a repeat
    assigned = api("ts", department="zjj", subject="道路破损", content="人民路与建设路口路面塌陷，请尽快修复。")
    replied = api("jy", department="zjj", consent_publish=True, subject="增设公交站点",
                  content="建议在开发区增设一处公交站点，方便上下班。")
    closed = api("zx", department="zjj", subject="住房公积金", content="请问住房公积金提取需要哪些材料？",
                 phone="13600002222")
    rejected = api("zx", department="", subject="与本县无关", content="这是一条与本县政务无关的留言内容。",
                   phone="13500003333")
    review = api("ts", department="scjgj", subject="商家缺斤短两", content="某超市称重不准，缺斤短两。",
                 phone="13400004444")
    disclosure = api("ysqgk")  # a disclosure request with its details
    api("tz", consent_publish=True)

    def as_(username: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        with app.app_context():
            s = db.new_session()
            try:
                staff = s.scalar(select(Staff).where(Staff.username == username))
                ctx = wb.Context(s, app.config, Calendar.from_file(app.config["HOLIDAYS_FILE"]))
                return fn(ctx, staff, *args, **kwargs)
            finally:
                s.close()

    as_("fenban", wb.reject, rejected, "不属于本县职责范围，已告知向有关单位反映。")
    for number in (assigned, replied, closed):
        as_("fenban", wb.dispatch, number, "zjj", "请及时办理")
    as_("fenban", wb.dispatch, review, "scjgj")
    as_("fenban", wb.dispatch, disclosure, "xzfb")
    as_("xzfb-cb", wb.request_extension, disclosure, 5, "需向多个部门调取材料。")
    as_("dubian", wb.decide_extension, disclosure, True, "同意延期")
    as_("dubian", wb.supervise, assigned, "请加快办理进度。")
    for number in (replied, closed):
        as_("zjj-cb", wb.save_draft, number, "您好，已收到您的留言，经研究答复如下：……")
        as_("zjj-cb", wb.send_reply, number)
    proposal = as_("zjj-cb", wb.propose, replied, "增设公交站点的建议", "建议在开发区增设一处公交站点。",
                   "已纳入明年线路调整计划。", True)
    as_("fenban", wb.approve, replied, proposal.revision)  # zjj has no reviewer: the dispatcher
    as_("scjgj-cb", wb.save_draft, review, "已派员检查并责令整改。")
    as_("scjgj-cb", wb.submit_for_review, review)
    as_("scjgj-cb", wb.add_template, "常用答复", "您好，您反映的问题已收悉，我局将依法处理。")
    with app.app_context():
        s = db.new_session()
        tracking.rate(s, closed, codes[closed], next(iter(RATINGS)), "办理及时，很满意")
        s.close()
        # mail: one failed attempt for every row, then the first ten delivered to files
        s = db.new_session()
        outbox.drain(s, app.config, _FailingBackend())
        s.close()
        s = db.new_session()
        backend = outbox.FileBackend(Path(app.instance_path) / "mail")
        outbox.drain(s, app.config, backend, now=utcnow() + timedelta(hours=1), limit=10)
        s.close()
    assert new in codes
    return codes


def snapshot(app: Flask) -> dict[str, list[dict[str, Any]]]:
    """Every row of every model, field by field, through the ORM types, in id order."""
    out: dict[str, list[dict[str, Any]]] = {}
    with app.app_context():
        s = db.new_session()
        try:
            for mapper in Base.registry.mappers:
                cls = mapper.class_
                cols = [c.key for c in mapper.column_attrs]
                rows = s.scalars(select(cls).order_by(*mapper.primary_key)).all()
                out[cls.__tablename__] = [{c: getattr(r, c) for c in cols} for r in rows]
        finally:
            s.close()
    return out


def statuses(app: Flask) -> set[str]:
    with app.app_context():
        s = db.new_session()
        try:
            return set(s.scalars(select(Message.status)))
        finally:
            s.close()
