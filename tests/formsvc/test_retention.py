"""Personal data is kept as long as the privacy statement says, and no longer (purge-personal-data)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from formsvc import db
from formsvc.domain import kinds
from formsvc.domain.workdays import Calendar
from formsvc.models import Attachment, Event, Message, OutboxNotification
from formsvc.services import retention, stats, submission
from formsvc.services.uploads import Upload
from tests.formsvc.workbench.helpers import login, make_staff

ROOT = Path(__file__).resolve().parents[2]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NOW = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)  # 10:00 in the county


def store(app: Flask, n: int, kind: str, submitted: datetime, *, status: str = "closed",
          closed: datetime | None = None, email: str = "", details: dict | None = None,
          files: int = 0, notify_sms: bool = False) -> str:
    """A message as the service stores it at ``submitted``, then moved to ``status``."""
    with app.app_context():
        s = db.new_session()
        try:
            receipt = submission.submit(s, app.config, submission.NewMessage(
                kind=kinds.KINDS_BY_CODE[kind], name=f"张{n}", phone=f"139{n:08d}",
                subject=f"保存期限测试 {n}", content=f"保存期限测试留言第 {n} 条，请问如何办理？",
                email=email, address=f"人民路 {n} 号", department_code="rsj",
                details=details or {}, notify_sms=notify_sms),
                [Upload(f"材料{i}.pdf", PDF + bytes([i]), "application/pdf") for i in range(files)],
                calendar=Calendar.from_file(app.config["HOLIDAYS_FILE"]), client_ip="203.0.113.7",
                now=submitted)
            s.execute(update(Message).where(Message.tracking_number == receipt.tracking_number)
                      .values(status=status, closed_at=closed))
            s.commit()
            return receipt.tracking_number
        finally:
            s.close()


def message(session: Session, number: str) -> Message:
    session.expire_all()
    m = session.scalar(select(Message).where(Message.tracking_number == number))
    assert m is not None
    return m


def purge(app: Flask, **kwargs: Any) -> retention.PurgeResult:
    with app.app_context():
        return retention.purge(db.get_engine(app).begin, app.config, now=NOW, **kwargs)


def test_periods_are_the_privacy_statements(app: Flask) -> None:
    """What citizens are promised and what the code does are the same numbers."""
    page = (ROOT / "content" / "pages" / "privacy.md").read_text(encoding="utf-8")
    section = page.split("## 保存多长时间", 1)[1].split("##", 1)[0]
    assert f"办结后保存{app.config['RETENTION_MESSAGE_MONTHS'] // 12}年" in section
    assert f"保存期限{app.config['RETENTION_DISCLOSURE_MONTHS'] // 12}年" in section
    assert f"保存{app.config['RETENTION_IP_MONTHS']}个月后自动删除" in section
    # contributions and survey answers: the messages' period, from the day the content closed
    assert f"访谈或调查结束后保存{app.config['RETENTION_MESSAGE_MONTHS'] // 12}年" in section


def test_months_before() -> None:
    assert retention.months_before(date(2026, 12, 2), 36) == date(2023, 12, 2)
    assert retention.months_before(date(2026, 8, 31), 6) == date(2026, 2, 28)
    assert retention.months_before(date(2028, 2, 29), 12) == date(2027, 2, 28)
    assert retention.months_before(date(2026, 1, 15), 1) == date(2025, 12, 15)


def test_purge_removes_what_is_past_its_time_and_nothing_else(app: Flask,
                                                               session: Session) -> None:
    # cutoffs at NOW: messages closed before 2023-12-02, requests before 2016-12-02 (county
    # midnight), addresses of submissions before 2026-06-02
    old = datetime(2022, 3, 1, 2, 0, tzinfo=UTC)
    day = timedelta(days=1)
    gone = store(app, 1, "zx", old, closed=datetime(2023, 11, 30, tzinfo=UTC),
                 email="citizen1@example.cn", files=2, notify_sms=True)
    kept_recent = store(app, 2, "ts", old, closed=datetime(2023, 12, 3, tzinfo=UTC), files=1)
    kept_open = store(app, 3, "jy", old, status="assigned")
    identity = {"applicant_type": "citizen", "id_type": "resident_id",
                "id_number": "11010519491231002X", "delivery": "email", "purpose": "办事"}
    request_kept = store(app, 4, "ysqgk", datetime(2015, 3, 1, tzinfo=UTC),
                         closed=datetime(2017, 1, 5, tzinfo=UTC), details=identity)
    request_gone = store(app, 5, "ysqgk", datetime(2015, 3, 1, tzinfo=UTC), status="rejected",
                         closed=datetime(2016, 11, 30, tzinfo=UTC), details=identity)
    ip_kept = store(app, 6, "zx", NOW - 150 * day, status="assigned")
    upload_dir = Path(app.config["UPLOAD_DIR"])
    files_before = {p.name for p in upload_dir.iterdir()}
    assert len(files_before) == 3
    with app.app_context():
        figures = stats.compute(session, app.config,
                                Calendar.from_file(app.config["HOLIDAYS_FILE"]), NOW.date())

    preview = purge(app, dry_run=True)
    assert (preview.messages, preview.disclosure_requests, preview.attachment_files,
            preview.ip_addresses) == (2, 1, 2, 5)
    assert "将删除 2 条留言" in preview.summary()
    assert message(session, gone).name == "张1" and len(list(upload_dir.iterdir())) == 3

    result = purge(app)
    assert (result.messages, result.disclosure_requests, result.attachment_files,
            result.ip_addresses) == (2, 1, 2, 5)

    m = message(session, gone)
    assert (m.name, m.phone, m.email, m.address, m.client_ip) == ("", "", "", "", "")
    assert m.subject == "保存期限测试 1" and m.status == "closed"  # the message itself stays
    assert session.scalars(select(Attachment).where(Attachment.message_id == m.id)).all() == []
    recipients = set(session.scalars(select(OutboxNotification.recipient)
                                     .where(OutboxNotification.message_id == m.id)))
    assert "citizen1@example.cn" not in recipients and recipients - {""}  # the department's stays
    assert "13900000001" not in recipients  # nor the number the SMS receipt went to
    assert session.scalar(select(OutboxNotification.channel).where(
        OutboxNotification.message_id == m.id, OutboxNotification.template == "receipt",
        OutboxNotification.recipient == "", OutboxNotification.channel == "sms")) == "sms"
    last = session.scalars(select(Event).where(Event.message_id == m.id)
                           .order_by(Event.id.desc())).first()
    assert last is not None and (last.action, last.actor, last.public) == (
        "purge_personal", "system", False)

    r = message(session, request_gone)
    assert r.name == "" and r.details == {"applicant_type": "citizen", "delivery": "email",
                                          "purpose": "办事"}
    for number in (kept_recent, kept_open, request_kept):
        k = message(session, number)
        assert k.name and k.phone and k.address and k.client_ip == ""  # older than 6 months
    assert message(session, request_kept).details == identity
    assert message(session, ip_kept).client_ip == "203.0.113.7"
    # the recent message's file is still there; the purged message's two are gone
    assert len({p.name for p in upload_dir.iterdir()}) == 1
    with app.app_context():
        after = stats.compute(session, app.config,
                              Calendar.from_file(app.config["HOLIDAYS_FILE"]), NOW.date())
    assert after.as_dict() == figures.as_dict()  # the statistics do not change

    again = purge(app)
    assert (again.messages, again.ip_addresses, again.attachment_files) == (0, 0, 0)


def test_the_workbench_says_why_the_contact_details_are_empty(app: Flask) -> None:
    number = store(app, 7, "zx", datetime(2021, 5, 1, tzinfo=UTC),
                   closed=datetime(2021, 6, 1, tzinfo=UTC))
    purge(app)
    make_staff(app, "disp", "dispatcher")
    client = app.test_client()
    login(client, "disp")
    page = client.get(f"/hdjl/staff/m/{number}").get_data(as_text=True)
    assert "已按隐私声明的保存期限删除" in page
    assert "13900000007" not in page and "张7" not in page


@pytest.mark.parametrize("dry_run", [False, True])
def test_command(app: Flask, dry_run: bool) -> None:
    store(app, 8, "zx", datetime(2021, 5, 1, tzinfo=UTC), closed=datetime(2021, 6, 1, tzinfo=UTC))
    args = ["purge-personal-data", *(["--dry-run"] if dry_run else [])]
    out = app.test_cli_runner().invoke(args=args)
    assert out.exit_code == 0, out.output
    assert re.search(r"[已将]删除 1 条留言", out.output)
    assert ("试运行" in out.output) is dry_run
