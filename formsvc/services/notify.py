"""Who is told about a message, and what a notification may say: one place for both.

Every notification is an outbox row written in the transaction of the change that causes it; the
sender (services/outbox.py) renders it from its template, the mail texts in
``formsvc/templates/mail/``. Submission, the workbench, rating and ``remind`` all queue through
here, so a payload always carries the same keys whoever writes it. A payload never carries the
citizen's personal data (staff copies) nor the query code (it is stored hashed).

SMS notices (``channel = "sms"``, services/sms/) go to the citizen who ticked 短信通知
(``message.notify_sms``) and gave a mobile number: the receipt, the reply notice and the 补正
request. Their payload holds only what the short text says (services/sms.PARAMS); the receipt's
carries the query code, which the sender removes once the text is sent or given up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from formsvc.db import utcnow
from formsvc.domain import channels, kinds
from formsvc.domain.kinds import Kind
from formsvc.models import Department, Message, OutboxNotification
from formsvc.models.staff import Staff
from formsvc.services import departments, sms

# the outbox's channels (outbox.channel)
EMAIL = "email"
SMS = "sms"

# --- what a notification says ------------------------------------------------------------------


def message_payload(tracking_number: str, kind: Kind | str, subject: str, due_date: date,
                    department: Department | None, **extra: Any) -> dict[str, Any]:
    """The facts every mail about a message may use, and ``extra`` (a note, a reply …)."""
    code = kind.code if isinstance(kind, Kind) else kind
    return {"tracking_number": tracking_number, "kind": code,
            "kind_label": kind.label if isinstance(kind, Kind) else kinds.label(code),
            "subject": subject,
            "due_date": due_date.isoformat(),
            "department": department.name if department else departments.DISPATCH_OFFICE, **extra}


def payload(message: Message, **extra: Any) -> dict[str, Any]:
    """:func:`message_payload` of a stored message."""
    return message_payload(message.tracking_number, message.kind, message.subject,
                           message.due_date, message.department, **extra)


# --- who is told -------------------------------------------------------------------------------


def staff_emails(session: Session, roles: Iterable[str],
                 department_id: int | None = None) -> list[str]:
    """Addresses of the active accounts in ``roles`` (of one department when given)."""
    q = select(Staff.email).where(Staff.active.is_(True), Staff.role.in_(list(roles)),
                                  Staff.email != "")
    if department_id is not None:
        q = q.where(Staff.department_id == department_id)
    return list(session.scalars(q))


def department_recipients(session: Session, department: Department | None,
                          config: Mapping[str, Any],
                          roles: Iterable[str] = ("handler",)) -> list[str]:
    """The department's mailbox and its staff in ``roles``; the dispatchers without one."""
    if department is None:
        return dispatcher_recipients(session, config)
    return _unique([department.email, *staff_emails(session, roles, department.id)])


def dispatcher_recipients(session: Session, config: Mapping[str, Any]) -> list[str]:
    """DISPATCHER_EMAIL and the dispatchers' own addresses."""
    return _unique([config.get("DISPATCHER_EMAIL", ""), *staff_emails(session, ["dispatcher"])])


def supervisor_recipients(session: Session, config: Mapping[str, Any]) -> list[str]:
    """SUPERVISOR_EMAIL and the supervisors' own addresses."""
    return _unique([config.get("SUPERVISOR_EMAIL", ""), *staff_emails(session, ["supervisor"])])


def _unique(emails: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(e for e in emails if e))


# --- queueing ----------------------------------------------------------------------------------


def queue(session: Session, recipient: str, template: str, data: Mapping[str, Any],
          message: Message | None = None) -> OutboxNotification | None:
    """Queue one e-mail in the caller's transaction; nothing is queued without a recipient."""
    if not recipient:
        return None
    row = OutboxNotification(recipient=recipient, template=template, payload=dict(data),
                             channel=EMAIL, status="pending", attempts=0, last_error="",
                             created_at=utcnow())
    if message is not None:
        row.message = message
    session.add(row)
    return row


def wants_sms(notify_sms: bool, phone: str) -> bool:
    """The citizen asked for SMS notices and gave a number that can receive them."""
    return bool(notify_sms) and bool(channels.MOBILE_RE.fullmatch(phone or ""))


def sms_row(phone: str, template: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """The columns of one SMS outbox row: only the parameters its short text takes."""
    return {"channel": SMS, "recipient": phone, "template": template,
            "payload": sms.compose(phone, template, data).params,
            "status": "pending", "attempts": 0, "last_error": ""}


def queue_sms(session: Session, message: Message, template: str,
              **extra: Any) -> OutboxNotification | None:
    """Queue the SMS ``template`` about ``message`` in the caller's transaction, when its citizen
    asked for SMS notices and gave a mobile number; otherwise nothing."""
    if not wants_sms(message.notify_sms, message.phone):
        return None
    row = OutboxNotification(**sms_row(message.phone, template, payload(message, **extra)),
                             created_at=utcnow())
    row.message = message
    session.add(row)
    return row


def queue_all(session: Session, recipients: Iterable[str], template: str, message: Message,
              **extra: Any) -> None:
    """The same mail about ``message`` to each of ``recipients``."""
    data = payload(message, **extra)
    for r in recipients:
        queue(session, r, template, data, message)


def tell_department(session: Session, config: Mapping[str, Any], template: str,
                    message: Message, roles: Iterable[str] = ("handler",), **extra: Any) -> None:
    """Mail ``message``'s department: its mailbox and its staff in ``roles`` (the dispatchers
    while no department holds it)."""
    queue_all(session, department_recipients(session, message.department, config, roles),
              template, message, **extra)


def tell_dispatchers(session: Session, config: Mapping[str, Any], template: str,
                     message: Message, **extra: Any) -> None:
    """Mail the dispatchers about ``message``."""
    queue_all(session, dispatcher_recipients(session, config), template, message, **extra)


def tell_supervisors(session: Session, config: Mapping[str, Any], template: str,
                     message: Message, **extra: Any) -> None:
    """Mail the supervisors about ``message``."""
    queue_all(session, supervisor_recipients(session, config), template, message, **extra)


def tell_assignee(session: Session, message: Message, assignee: Staff) -> None:
    """Mail the handler just named for ``message`` (指定承办人), at the account's own address
    (none: no mail)."""
    queue_all(session, _unique([assignee.email]), "assigned", message)


def new_message_sms(tracking_number: str, query_code: str, phone: str,
                    notify_sms: bool) -> list[dict[str, Any]]:
    """The SMS receipt a submission writes with its own INSERT (columns of outbox rows): the
    number and the query code, when the citizen asked for SMS and gave a mobile number."""
    if not wants_sms(notify_sms, phone):
        return []
    data = {"tracking_number": tracking_number, "query_code": query_code}
    return [sms_row(phone, "receipt", data)]


def new_message_mails(config: Mapping[str, Any], tracking_number: str, kind: Kind, subject: str,
                      due_date: date, department: Department | None,
                      citizen_email: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(recipient, template, payload) of the mails a submission writes with its own INSERT.

    No query: the department's mailbox, else the dispatchers' (DISPATCHER_EMAIL), and the
    citizen's receipt; the submission path writes them without a SELECT (docs/performance.md).
    """
    data = message_payload(tracking_number, kind, subject, due_date, department)
    staff = (department.email if department else "") or config["DISPATCHER_EMAIL"]
    rows = [(staff, "new_message", data)]
    if citizen_email:
        # the citizen's copy carries the number but never the query code (it is stored hashed)
        rows.append((citizen_email, "receipt", data))
    return rows






# --- participation (意见征集, 网上听证, 在线访谈) ----------------------------------------------


def contribution_payload(kind_label: str, title: str, slug: str, article: int | None,
                         contribution_id: int, department: Department | None) -> dict[str, Any]:
    """The facts a mail about a citizen's contribution may use: what it is about, never the
    citizen's name, phone or text (the department reads those in the workbench)."""
    return {"contribution_id": contribution_id, "kind_label": kind_label, "title": title,
            "slug": slug, "article": article,
            "department": department.name if department else departments.DISPATCH_OFFICE}


def new_contribution(session: Session, config: Mapping[str, Any], kind_label: str, title: str,
                     slug: str, article: int | None, contribution_id: int,
                     department: Department | None) -> None:
    """Mail the department that owns the draft or interview about a new contribution, in the
    caller's transaction: its mailbox, else the dispatchers' (DISPATCHER_EMAIL), as a new
    message's mail goes (:func:`new_message_mails`)."""
    data = contribution_payload(kind_label, title, slug, article, contribution_id, department)
    queue(session, (department.email if department else "") or config["DISPATCHER_EMAIL"],
          "new_contribution", data)
