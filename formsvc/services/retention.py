"""Keeping citizens' personal data only as long as the privacy statement says.

``content/pages/privacy.md`` promises (and a test holds these settings to it):

- consultations, suggestions, complaints and investment inquiries: 3 years after they are closed
  (办结), then the name, contact details and attachments are deleted; the message, its reply and
  the statistics stay, without anyone's identity;
- 依申请公开 requests: 10 years (the archive rule for disclosure files), then the same, and the
  applicant's identity document and legal representative go too;
- what counts as personal data is declared once, in formsvc/domain/personal_data.py;
- network addresses (``client_ip``, kept against repeated and automated submissions): 6 months;
- the name and phone of comments on drafts, hearing registrations, interview questions and the
  answers to surveys that are not anonymous: 3 years (the messages' period) after the draft,
  hearing, interview or survey closed (services/participation_retention.py).

:func:`purge` runs daily (``purge-personal-data``, a systemd timer). Each batch of messages is
one transaction, with a non-public ``purge_personal`` event per message as the record that it
happened; attachment files are deleted after that commit, so a crash in between leaves an
unreferenced file, never a row pointing at a missing one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, insert, or_, select, update

from formsvc.config import county_zone
from formsvc.db import utcnow
from formsvc.domain import personal_data
from formsvc.models import Attachment, Event, Message, OutboxNotification
from formsvc.services import lifecycle, participation_retention, uploads

DISCLOSURE_KIND = "ysqgk"
PURGE = lifecycle.TRANSITIONS["purge_personal"]
NOTE = "已按隐私声明的保存期限删除姓名、联系方式和附件"
BATCH = 500
# ``engine.begin``: each call one transaction, committed when its block ends
Transactions = Callable[[], AbstractContextManager[Connection]]


@dataclass
class PurgeResult:
    ip_addresses: int = 0
    messages: int = 0
    disclosure_requests: int = 0
    attachment_files: int = 0
    contributions: int = 0
    survey_answers: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        """What was (or would be) removed, for the operator."""
        verb = "将" if self.dry_run else "已"
        return (f"{verb}清除 {self.ip_addresses} 条留言的 IP 地址；{verb}删除 {self.messages} 条留言"
                f"（其中依申请公开 {self.disclosure_requests} 条）的姓名、联系方式和附件，"
                f"附件文件 {self.attachment_files} 个；{verb}删除 {self.contributions} 条意见、听证报名和访谈提问"
                f"及 {self.survey_answers} 份调查答卷的姓名和联系电话")


def months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day where it is short)."""
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return date(y, m + 1, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def cutoffs(config: Mapping[str, Any], now: datetime) -> dict[str, datetime]:
    """The instants before which each kind of data is removed, from midnight in the county.

    The periods are the ``RETENTION_*_MONTHS`` settings (formsvc/config.py).
    """
    tz = county_zone(config)
    today = now.astimezone(tz).date()

    def at(months_key: str) -> datetime:
        day = months_before(today, int(config[months_key]))
        return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)

    return {"ip": at("RETENTION_IP_MONTHS"), "message": at("RETENTION_MESSAGE_MONTHS"),
            "disclosure": at("RETENTION_DISCLOSURE_MONTHS")}


def purge(conn_factory: Transactions, config: Mapping[str, Any], *, now: datetime | None = None,
          dry_run: bool = False) -> PurgeResult:
    """Remove what is past its time; ``conn_factory()`` gives a transaction (``engine.begin``).

    Idempotent: a message whose personal data is gone no longer matches, an emptied address
    neither. ``dry_run`` counts without changing anything.
    """
    now = now or utcnow()
    limits = cutoffs(config, now)
    result = PurgeResult(dry_run=dry_run)
    result.ip_addresses = _purge_addresses(conn_factory, limits["ip"], dry_run)
    # contributions and survey answers: the messages' period from the day the content closed
    cutoff_day = limits["message"].astimezone(county_zone(config)).date()
    result.contributions = participation_retention.purge_contributions(
        conn_factory, config, cutoff_day, now, dry_run)
    result.survey_answers = participation_retention.purge_survey_answers(
        conn_factory, config, cutoff_day, dry_run)
    m = Message.__table__.c
    has_personal = or_(*(m[c] != "" for c in personal_data.COLUMNS))
    due = and_(m.status.in_([str(s) for s in PURGE.sources]), m.closed_at.is_not(None),
               has_personal, or_(and_(m.kind != DISCLOSURE_KIND, m.closed_at < limits["message"]),
                                 and_(m.kind == DISCLOSURE_KIND,
                                      m.closed_at < limits["disclosure"])))
    upload_dir = Path(config["UPLOAD_DIR"])
    last = 0
    while True:
        with conn_factory() as conn:
            rows = conn.execute(select(m.id, m.kind, m.status, m.email, m.phone, m.details)
                                .where(due, m.id > last).order_by(m.id).limit(BATCH)).all()
            if not rows:
                return result
            last = rows[-1].id
            files = _stored_files(conn, [r.id for r in rows])
            result.messages += len(rows)
            result.disclosure_requests += sum(r.kind == DISCLOSURE_KIND for r in rows)
            result.attachment_files += len(files)
            if dry_run:
                continue
            _forget(conn, rows, now)
        # after the commit: a file whose row is gone is harmless, a row without its file is not
        uploads.remove(upload_dir, files)


def _purge_addresses(conn_factory: Transactions, before: datetime, dry_run: bool) -> int:
    m = Message.__table__.c
    done, last = 0, 0
    while True:
        # ids first (a read), then a short write per batch: SQLite's lock is not held for a scan
        with conn_factory() as conn:
            ids = list(conn.scalars(select(m.id).where(m.client_ip != "", m.submitted_at < before,
                                                       m.id > last)
                                    .order_by(m.id).limit(BATCH * 10)))
            if not ids:
                return done
            if not dry_run:
                conn.execute(update(Message.__table__).where(m.id.in_(ids)).values(client_ip=""))
        done, last = done + len(ids), ids[-1]


def _stored_files(conn: Connection, ids: list[int]) -> list[str]:
    a = Attachment.__table__.c
    return list(conn.scalars(select(a.stored_name).where(a.message_id.in_(ids))))


def _forget(conn: Connection, rows: list[Any], now: datetime) -> None:
    m, o = Message.__table__, OutboxNotification.__table__
    ids = [r.id for r in rows]
    # the citizen's own address on the mails and number on the texts sent to them (the
    # departments' addresses stay)
    citizen_mail = [{"mid": r.id, "addr": addr} for r in rows
                    for addr in dict.fromkeys((r.email, r.phone)) if addr]
    if citizen_mail:
        conn.execute(update(o).where(o.c.message_id == bindparam("mid"),
                                     o.c.recipient == bindparam("addr")).values(recipient=""),
                     citizen_mail)
    conn.execute(update(m).where(m.c.id == bindparam("mid")).values(
        **dict.fromkeys(personal_data.COLUMNS, ""), details=bindparam("kept")),
        [{"mid": r.id, "kept": personal_data.without(r.details)} for r in rows])
    conn.execute(delete(Attachment.__table__).where(Attachment.__table__.c.message_id.in_(ids)))
    conn.execute(insert(Event.__table__), [
        lifecycle.event_row(r.id, PURGE.action, status=r.status, actor="system", role="system",
                            now=now, note=NOTE) for r in rows])
