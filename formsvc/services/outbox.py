"""The outbox: notifications written in the transaction of the change that causes them, and the
sender (``flask --app formsvc send-mail``, run by cron) that delivers them.

Delivery backends: SMTP when ``MAIL_SERVER`` is set (or ``MAIL_BACKEND = "smtp"``), otherwise a
file backend writing one ``.eml`` per mail under ``<instance>/mail/`` (``MAIL_BACKEND = "file"``)
or the log (``"console"``). A failed attempt is recorded (``mail_attempt``) and retried with
exponential back-off; after ``MAIL_MAX_ATTEMPTS`` the row is marked ``failed`` and stays for an
operator to see. A mail server that is down therefore delays mail and loses nothing. A row is
claimed ("sending") before its mail goes out, so two overlapping runs never send it twice.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from formsvc.db import utcnow
from formsvc.models import Message, OutboxNotification
from formsvc.models.workbench import MailAttempt

log = logging.getLogger(__name__)

# template → (subject, body); payload keys fill the braces. Citizens' copies never carry the
# query code (it is stored hashed) and staff copies never carry personal data beyond the number.
TEMPLATES: dict[str, tuple[str, str]] = {
    "new_message": ("新留言待办理：{tracking_number}",
                    "收到一件新的{kind_label}（受理编号 {tracking_number}），标题：{subject}。\n"
                    "答复期限：{due_date}。请登录互动交流工作台办理。"),
    "receipt": ("您的留言已收到：{tracking_number}",
                "您的留言已收到，受理编号 {tracking_number}，答复期限 {due_date}。\n"
                "请凭受理编号和提交时显示的查询码查询办理进度。"),
    "dispatched": ("新分办留言：{tracking_number}",
                   "分办员已将留言 {tracking_number}（{subject}）分办至贵单位，答复期限 {due_date}。"),
    "transferred": ("转办留言：{tracking_number}",
                    "留言 {tracking_number}（{subject}）已由{from_department}转至贵单位办理，"
                    "答复期限 {due_date}（原期限不变）。转办理由：{note}"),
    "returned": ("留言退回分办：{tracking_number}",
                 "{from_department}将留言 {tracking_number} 退回分办，理由：{note}"),
    "rejected": ("您的留言未予受理：{tracking_number}",
                 "您提交的留言（受理编号 {tracking_number}）未予受理，理由：{note}"),
    "review_requested": ("答复待审核：{tracking_number}",
                         "留言 {tracking_number}（{subject}）的答复已提交审核，请登录工作台审核。"),
    "draft_returned": ("答复被退回修改：{tracking_number}",
                       "留言 {tracking_number} 的答复未通过审核，意见：{note}"),
    "reply": ("您的留言已答复：{tracking_number}",
              "您的留言（受理编号 {tracking_number}）已由{department}答复：\n\n{reply}\n\n"
              "欢迎凭受理编号和查询码查询并评价。"),
    "extension_requested": ("延期申请待审批：{tracking_number}",
                            "{department}申请将留言 {tracking_number} 的答复期限延长 {days} 个工作日，"
                            "理由：{note}"),
    "extension_approved": ("答复期限延长通知：{tracking_number}",
                           "您的{kind_label}（受理编号 {tracking_number}）答复期限延长 {days} 个工作日，"
                           "延长后的期限为 {due_date}。理由：{note}"),
    "extension_decided": ("延期申请{decision}：{tracking_number}",
                          "留言 {tracking_number} 的延期申请{decision}。{note}"),
    "supervise": ("督办通知：{tracking_number}",
                  "督办员对留言 {tracking_number}（{subject}，期限 {due_date}）提出督办意见：{note}"),
    "reopened": ("留言重新办理：{tracking_number}",
                 "留言 {tracking_number}（{subject}）因群众不满意重新交办，新的答复期限 {due_date}。"
                 "意见：{note}"),
    "unsatisfied": ("群众不满意：{tracking_number}",
                    "留言 {tracking_number}（{subject}，{department}办理）被评价为不满意。"
                    "请登录工作台督办页面查看。"),
    "remind_department": ("办理期限提醒：{overdue} 件超期，{due_soon} 件即将到期",
                          "{department}：\n{lines}\n请登录互动交流工作台尽快办理。"),
    "remind_supervisor": ("督办提醒：{overdue} 件超期，{due_soon} 件即将到期",
                          "全县留言办理情况：\n{lines}"),
}


class _Default(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return ""


def render(template: str, payload: Mapping[str, Any]) -> tuple[str, str]:
    """Subject and body of a notification (unknown templates get a generic text)."""
    subject, body = TEMPLATES.get(template, ("互动交流通知：{tracking_number}", "{note}"))
    values = _Default({k: v for k, v in payload.items()})
    return subject.format_map(values), body.format_map(values)


def notify(session: Session, recipient: str, template: str, payload: Mapping[str, Any],
           message: Message | None = None) -> OutboxNotification | None:
    """Queue one e-mail in the caller's transaction; nothing is queued without a recipient."""
    if not recipient:
        return None
    row = OutboxNotification(recipient=recipient, template=template, payload=dict(payload),
                             channel="email", status="pending", attempts=0, last_error="",
                             created_at=utcnow())
    if message is not None:
        row.message = message
    session.add(row)
    return row


# --- delivery ------------------------------------------------------------------------------------


class Backend(Protocol):
    def send(self, mail: EmailMessage) -> None: ...


@dataclass
class ConsoleBackend:
    def send(self, mail: EmailMessage) -> None:
        log.info("formsvc.mail: to %s: %s\n%s", mail["To"], mail["Subject"], mail.get_content())


@dataclass
class FileBackend:
    directory: Path

    def send(self, mail: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = mail["Message-ID"].strip("<>").replace("@", "_").replace("/", "_")
        (self.directory / f"{name}.eml").write_bytes(bytes(mail))


@dataclass
class SMTPBackend:
    host: str
    port: int = 25
    username: str = ""
    password: str = ""
    starttls: bool = False
    timeout: float = 20.0

    def send(self, mail: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(mail)


def backend_from_config(config: Mapping[str, Any], instance_path: str) -> Backend:
    name = config.get("MAIL_BACKEND") or ("smtp" if config.get("MAIL_SERVER") else "file")
    if name == "smtp":
        return SMTPBackend(host=config.get("MAIL_SERVER") or "localhost",
                           port=int(config.get("MAIL_PORT") or 25),
                           username=config.get("MAIL_USERNAME") or "",
                           password=config.get("MAIL_PASSWORD") or "",
                           starttls=bool(config.get("MAIL_STARTTLS")))
    if name == "console":
        return ConsoleBackend()
    return FileBackend(Path(config.get("MAIL_FILE_DIR") or Path(instance_path) / "mail"))


def backoff(attempts: int, config: Mapping[str, Any]) -> timedelta:
    """Wait before attempt ``attempts + 1``: 1, 2, 4 … minutes, at most MAIL_BACKOFF_MAX_MINUTES."""
    base = float(config.get("MAIL_BACKOFF_MINUTES", 1))
    cap = float(config.get("MAIL_BACKOFF_MAX_MINUTES", 240))
    return timedelta(minutes=min(cap, base * 2 ** max(0, attempts - 1)))


@dataclass
class SendResult:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    waiting: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"发送成功 {self.sent}，稍后重试 {self.retry}，放弃 {self.failed}，"
                f"等待重试时间 {self.waiting}")


def _compose(row: OutboxNotification, config: Mapping[str, Any]) -> EmailMessage:
    subject, body = render(row.template, row.payload or {})
    mail = EmailMessage()
    mail["From"] = config.get("MAIL_FROM") or "noreply@localhost"
    mail["To"] = row.recipient
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(idstring=f"outbox{row.id}")
    mail.set_content(body + "\n\n（本邮件由示范县人民政府互动交流系统自动发送，请勿直接回复。）\n")
    return mail


# A row being sent is "sending" (not "pending"), so an overlapping send-mail run cannot take it
# too; a run that dies while sending leaves it so, and after SENDING_LEASE it is pending again.
SENDING = "sending"
SENDING_LEASE = timedelta(minutes=10)  # well beyond the SMTP timeout


def _claim(session: Session, row: OutboxNotification, now: datetime) -> MailAttempt | None:
    """Take ``row`` for this run, or None when another run took it since we read it.

    A conditional UPDATE (pending → sending, the attempt counted): two runs that read the same
    row both try it, the database serialises them and only the first matches. Committed before
    sending, with the attempt recorded as under way.
    """
    claimed = session.execute(
        update(OutboxNotification)
        .where(OutboxNotification.id == row.id, OutboxNotification.status == "pending",
               OutboxNotification.attempts == row.attempts)
        .values(status=SENDING, attempts=row.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        session.rollback()
        return None
    attempt = MailAttempt(outbox_id=row.id, attempted_at=now, ok=False, error="发送中")
    session.add(attempt)
    session.commit()
    session.refresh(row)
    return attempt


def _release_stale(session: Session, now: datetime) -> int:
    """Rows left "sending" by a run that died: pending again (their mail may or may not have
    gone out; sending it again is better than never)."""
    last = (select(MailAttempt.outbox_id).group_by(MailAttempt.outbox_id)
            .having(func.max(MailAttempt.attempted_at) < now - SENDING_LEASE))
    n = session.execute(
        update(OutboxNotification)
        .where(OutboxNotification.status == SENDING, OutboxNotification.id.in_(last))
        .values(status="pending", last_error="发送过程中断，将重试")
        .execution_options(synchronize_session=False)).rowcount
    session.commit()
    return n


def drain(session: Session, config: Mapping[str, Any], backend: Backend,
          now: datetime | None = None, limit: int = 200) -> SendResult:
    """Send due pending notifications; each row's outcome is committed on its own, so a crash
    half-way never sends a mail twice for the rows already done."""
    now = now or utcnow()
    result = SendResult()
    max_attempts = int(config.get("MAIL_MAX_ATTEMPTS", 8))
    _release_stale(session, now)
    rows = list(session.scalars(select(OutboxNotification)
                                .where(OutboxNotification.status == "pending",
                                       OutboxNotification.channel == "email")
                                .order_by(OutboxNotification.id).limit(limit)))
    for row in rows:
        if row.attempts:
            last = session.scalar(select(MailAttempt.attempted_at)
                                  .where(MailAttempt.outbox_id == row.id)
                                  .order_by(MailAttempt.id.desc()).limit(1))
            if last is not None and now < last + backoff(row.attempts, config):
                result.waiting += 1
                continue
        attempt = _claim(session, row, now)
        if attempt is None:
            continue  # another send-mail run (an operator's, beside cron's) has it
        error = ""
        try:
            backend.send(_compose(row, config))
        except Exception as exc:  # noqa: BLE001 - any delivery failure is recorded and retried
            error = f"{type(exc).__name__}: {exc}"[:2000]
        attempt.ok, attempt.error = not error, error
        row.status = "pending"
        if not error:
            row.status = "sent"
            row.sent_at = now
            row.last_error = ""
            result.sent += 1
        else:
            row.last_error = error
            log.warning("formsvc.mail: outbox %s to %s failed (attempt %s): %s", row.id,
                        row.recipient, row.attempts, error)
            result.errors.append(f"#{row.id}: {error}")
            if row.attempts >= max_attempts:
                row.status = "failed"
                result.failed += 1
            else:
                result.retry += 1
        session.commit()
    return result
