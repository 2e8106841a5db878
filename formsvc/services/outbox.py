"""The outbox's sender (``flask --app formsvc send-mail``, run by cron): it delivers the
notifications that services/notify.py wrote in the transaction of the change that caused them,
rendered from the mail texts in ``formsvc/templates/mail/``.

Delivery backends: SMTP when ``MAIL_SERVER`` is set (or ``MAIL_BACKEND = "smtp"``), otherwise a
file backend writing one ``.eml`` per mail under ``<instance>/mail/`` (``MAIL_BACKEND = "file"``)
or the log (``"console"``). A failed attempt is recorded (``mail_attempt``) and retried with
exponential back-off; after ``MAIL_MAX_ATTEMPTS`` the row is marked ``failed`` and stays for an
operator to see (SMS rows: ``SMS_MAX_ATTEMPTS`` and ``SMS_BACKOFF_*``, and a gateway's permanent
refusal, ``sms.SmsRejected``, fails the row at once). A mail server that is down therefore delays mail and loses nothing. A row is
claimed ("sending") before its mail goes out, so two overlapping runs never send it twice.

SMS rows (``channel = "sms"``) go the same way through an SMS provider (services/sms/:
``SMS_BACKEND`` http, file or console); ``send-mail`` drains both channels.

Rows given up are listed by :func:`failed` (a message's texts on its workbench page, every mail
on the admin screen 发送失败的邮件) and a failed mail goes out again by :func:`retry`.
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol

import jinja2
from jinja2 import meta as jinja2_meta
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from formsvc.db import utcnow
from formsvc.models import OutboxNotification
from formsvc.models.staff import Staff
from formsvc.models.workbench import MailAttempt
from formsvc.services import admin_events, sms

log = logging.getLogger(__name__)

# The mail texts: one file per template, its first line the subject, the rest (after a blank
# line) the body; payload keys fill them (services/notify.py writes the payloads).
MAIL_TEXTS = Path(__file__).resolve().parents[1] / "templates" / "mail"
GENERIC = "notice"  # a template this version does not know (rows of an older one)
_TEMPLATE_NAME = re.compile(r"^[a-z_]+$")
_texts = jinja2.Environment(loader=jinja2.FileSystemLoader(str(MAIL_TEXTS)), autoescape=False,
                            keep_trailing_newline=False)


def templates() -> list[str]:
    """The names of every mail text."""
    return sorted(p.stem for p in MAIL_TEXTS.glob("*.txt"))


def _text(template: str) -> jinja2.Template:
    if not _TEMPLATE_NAME.fullmatch(template) or not (MAIL_TEXTS / f"{template}.txt").is_file():
        template = GENERIC
    return _texts.get_template(f"{template}.txt")


def fields(template: str) -> set[str]:
    """The payload keys the mail text of ``template`` uses."""
    source = _texts.loader.get_source(_texts, _text(template).name)[0]  # type: ignore[union-attr]
    return jinja2_meta.find_undeclared_variables(_texts.parse(source))


def render(template: str, payload: Mapping[str, Any]) -> tuple[str, str]:
    """Subject and body of a notification; a key the payload lacks reads as empty."""
    subject, _, body = _text(template).render(**payload).partition("\n\n")
    return subject.strip(), body.strip()


# --- delivery ------------------------------------------------------------------------------------


class Backend(Protocol):
    def send(self, mail: EmailMessage) -> None:
        """Deliver one mail or raise."""


@dataclass
class ConsoleBackend:
    def send(self, mail: EmailMessage) -> None:
        """Write the mail to the log."""
        log.info("formsvc.mail: to %s: %s\n%s", mail["To"], mail["Subject"], mail.get_content())


@dataclass
class FileBackend:
    directory: Path

    def send(self, mail: EmailMessage) -> None:
        """Write the mail as one .eml file."""
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
        """Send the mail through the SMTP server."""
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(mail)


def backend_from_config(config: Mapping[str, Any], instance_path: str) -> Backend:
    """The delivery backend MAIL_BACKEND / MAIL_SERVER ask for (files by default)."""
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


# each channel's retry settings: <PREFIX>_MAX_ATTEMPTS, _BACKOFF_MINUTES, _BACKOFF_MAX_MINUTES
RETRY_PREFIX = {"email": "MAIL", "sms": "SMS"}


def backoff(attempts: int, config: Mapping[str, Any], channel: str = "email") -> timedelta:
    """Wait before attempt ``attempts + 1``: 1, 2, 4 … minutes, at most the channel's
    ``*_BACKOFF_MAX_MINUTES`` (MAIL_ or SMS_)."""
    prefix = RETRY_PREFIX[channel]
    base = float(config[f"{prefix}_BACKOFF_MINUTES"])
    cap = float(config[f"{prefix}_BACKOFF_MAX_MINUTES"])
    return timedelta(minutes=min(cap, base * 2 ** max(0, attempts - 1)))


@dataclass
class SendResult:
    sent: int = 0
    retry: int = 0
    failed: int = 0
    waiting: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """The run's counts, for the operator."""
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


# Payload keys kept only until the row is sent or given up: the SMS receipt's query code (the
# message itself stores only its hash).
SECRET_KEYS = frozenset({"query_code"})

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
    """Send due pending e-mails; each row's outcome is committed on its own, so a crash
    half-way never sends a mail twice for the rows already done."""
    return _drain(session, config, "email", lambda row: backend.send(_compose(row, config)),
                  now, limit)


def drain_sms(session: Session, config: Mapping[str, Any], provider: sms.Provider,
              now: datetime | None = None, limit: int = 200) -> SendResult:
    """Send due pending SMS notices through ``provider``, with the same claim, retries and
    back-off as mail. A receipt's query code leaves the row once it is sent or given up."""
    return _drain(session, config, "sms",
                  lambda row: provider.send(sms.compose(row.recipient, row.template,
                                                        row.payload or {})),
                  now, limit)


def _drain(session: Session, config: Mapping[str, Any], channel: str,
           deliver: Callable[[OutboxNotification], None], now: datetime | None,
           limit: int) -> SendResult:
    now = now or utcnow()
    result = SendResult()
    max_attempts = int(config[f"{RETRY_PREFIX[channel]}_MAX_ATTEMPTS"])
    _release_stale(session, now)
    rows = list(session.scalars(select(OutboxNotification)
                                .where(OutboxNotification.status == "pending",
                                       OutboxNotification.channel == channel)
                                .order_by(OutboxNotification.id).limit(limit)))
    for row in rows:
        if row.attempts:
            last = session.scalar(select(MailAttempt.attempted_at)
                                  .where(MailAttempt.outbox_id == row.id)
                                  .order_by(MailAttempt.id.desc()).limit(1))
            if last is not None and now < last + backoff(row.attempts, config, channel):
                result.waiting += 1
                continue
        attempt = _claim(session, row, now)
        if attempt is None:
            continue  # another send-mail run (an operator's, beside cron's) has it
        error = ""
        permanent = False
        try:
            deliver(row)
        except Exception as exc:  # noqa: BLE001 - any delivery failure is recorded and retried
            error = f"{type(exc).__name__}: {exc}"[:2000]
            permanent = isinstance(exc, sms.SmsRejected)  # no retry can deliver it
        attempt.ok, attempt.error = not error, error
        row.status = "pending"
        if not error:
            row.status = "sent"
            row.sent_at = now
            row.last_error = ""
            result.sent += 1
        else:
            row.last_error = error
            # an SMS row's recipient is a citizen's mobile number: kept out of the log
            log.warning("formsvc.%s: outbox %s%s failed (attempt %s): %s", channel, row.id,
                        f" to {row.recipient}" if channel == "email" else "", row.attempts,
                        error)
            result.errors.append(f"#{row.id}: {error}")
            if permanent or row.attempts >= max_attempts:
                row.status = "failed"
                result.failed += 1
            else:
                result.retry += 1
        if row.status != "pending" and SECRET_KEYS & set(row.payload or {}):
            row.payload = {k: v for k, v in row.payload.items() if k not in SECRET_KEYS}
        session.commit()
    return result


# --- rows given up --------------------------------------------------------------------------------

FAILED = "failed"
# Only mail is sent again: an SMS row given up has lost its receipt's query code (SECRET_KEYS),
# and a gateway's permanent refusal (an invalid number) cannot change.
RETRYABLE_CHANNELS = frozenset({"email"})


@dataclass(frozen=True)
class FailedNotice:
    """A row given up, with the time of its last attempt (the row itself does not keep it)."""

    row: OutboxNotification
    last_attempt_at: datetime | None

    @property
    def recipient(self) -> str:
        """The address or number, masked: enough to tell recipients apart, not to copy one."""
        return masked_recipient(self.row.recipient)

    @property
    def error(self) -> str:
        """The last attempt's error, the recipient masked in it too (an SMTP server's refusal
        names the address)."""
        error = self.row.last_error or ""
        return error.replace(self.row.recipient, self.recipient) if self.row.recipient else error

    @property
    def subject(self) -> str:
        """The subject the recipient would have read (an SMS: its text's name)."""
        if self.row.channel != "email":
            return self.row.template
        return render(self.row.template, self.row.payload or {})[0]


def masked_recipient(recipient: str) -> str:
    """``z***@example.gov.cn`` for an address, ``139****0000`` for a number."""
    local, at, domain = recipient.partition("@")
    if at:
        return f"{local[:1]}***@{domain}"
    if len(recipient) > 7:
        return f"{recipient[:3]}{'*' * (len(recipient) - 7)}{recipient[-4:]}"
    return "*" * len(recipient)


def failed(session: Session, channel: str, message_id: int | None = None,
           limit: int = 500) -> list[FailedNotice]:
    """The rows of ``channel`` given up, newest first (of one message, or all)."""
    last = (select(func.max(MailAttempt.attempted_at))
            .where(MailAttempt.outbox_id == OutboxNotification.id).scalar_subquery())
    query = (select(OutboxNotification, last)
             .where(OutboxNotification.status == FAILED, OutboxNotification.channel == channel)
             .order_by(OutboxNotification.id.desc()).limit(limit))
    if message_id is not None:
        query = query.where(OutboxNotification.message_id == message_id)
    return [FailedNotice(row, at) for row, at in session.execute(query)]


class RetryRefused(LookupError):
    """The row does not exist, is not failed (sent or retried meanwhile) or is not mail."""


def retry(session: Session, outbox_id: int, by: Staff | None) -> OutboxNotification:
    """Put a failed mail back in the queue with a fresh round of MAIL_MAX_ATTEMPTS attempts
    (its earlier attempts stay in ``mail_attempt``); the next send-mail run sends it. Recorded
    as an ``admin_event`` in the same transaction."""
    # conditional, so two admins pressing the button at once queue it (and record it) once
    queued = session.execute(
        update(OutboxNotification)
        .where(OutboxNotification.id == outbox_id, OutboxNotification.status == FAILED,
               OutboxNotification.channel.in_(RETRYABLE_CHANNELS))
        .values(status="pending", attempts=0)
        .execution_options(synchronize_session=False)).rowcount
    if queued != 1:
        session.rollback()
        raise RetryRefused(outbox_id)
    row = session.get(OutboxNotification, outbox_id, populate_existing=True)
    assert row is not None
    admin_events.add(session, by, "outbox_retry", f"outbox:{row.id}", row.template)
    session.commit()
    return row
