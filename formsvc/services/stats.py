"""Statistics per department and period: received, replied, reply rate, on-time rate, mean working
days to reply, overdue now, satisfaction.

Counting rules (also shown on the public page):
- a message counts for the department that holds it now, in the period of its receipt date;
- duplicates (the same text from the same phone within 24 h) and messages not accepted
  (不予受理) or not yet dispatched are left out of the department figures;
- "overdue now" counts every open message past its due date today, whatever the period;
- rates are ranked only where the department received at least ``STATS_MIN_COUNT`` messages,
  so one message answered on time does not top the table (FixMyStreet #1957).

How the figures stay fast at a million messages (docs/performance.md):
- the facts of a reply that need the time zone and the working-day calendar (reply date in county
  time, working days taken) are fixed on the message when the reply is sent (:func:`record_reply`);
- ``message_stats`` sums the counters above per (department, receipt date); :func:`refresh`
  recomputes the rows of every message a flush changes (:func:`watch`, a hook create_app installs
  on the app's sessions), so the page sums ~17 × days rows; "overdue now" is one indexed count.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    case,
    delete,
    event,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement

from formsvc.config import setting
from formsvc.db import upsert
from formsvc.db.prepared import Prepared
from formsvc.domain.channels import CHANNELS
from formsvc.domain.ratings import SATISFIED
from formsvc.domain.supervision import SIGN_WITHIN_WORKING_DAYS
from formsvc.domain.workdays import Calendar
from formsvc.models import ClockPause, Department, Message
from formsvc.models.message import MessageStats
from formsvc.services.deadlines import working_days_between
from formsvc.services.lifecycle import OPEN_STATUSES, Status


class Ratio:
    """A figure derived from two counters of the same row (read like an attribute)."""

    def __init__(self, numerator: str, denominator: str) -> None:
        self.numerator, self.denominator = numerator, denominator

    def __get__(self, row: object, owner: type | None = None) -> Any:
        if row is None:  # looked up on the class
            return self
        below = getattr(row, self.denominator)
        return getattr(row, self.numerator) / below if below else None


RATIOS = ("reply_rate", "on_time_rate", "satisfaction_rate", "mean_working_days",
          "response_rate")


@dataclass
class DepartmentStats:
    code: str
    name: str
    received: int = 0
    replied: int = 0
    on_time: int = 0
    overdue_now: int = 0
    rated: int = 0
    satisfied: int = 0
    working_days_total: int = 0
    signed: int = 0
    responded: int = 0
    ranked: bool = False
    rank: int | None = None

    # numerator ÷ denominator; None where nothing was counted below the line
    reply_rate = Ratio("replied", "received")
    on_time_rate = Ratio("on_time", "replied")
    satisfaction_rate = Ratio("satisfied", "rated")  # 满意 and 基本满意 ÷ rated
    mean_working_days = Ratio("working_days_total", "replied")
    # 响应率: signed for within SIGN_WITHIN_WORKING_DAYS of the dispatch ÷ received
    response_rate = Ratio("responded", "received")

    def as_dict(self) -> dict[str, Any]:
        """The row as the API returns it (rates rounded)."""
        d = asdict(self)
        d.pop("working_days_total")
        for key in RATIOS:
            value = getattr(self, key)
            d[key] = None if value is None else round(value, 4 if key != "mean_working_days" else 2)
        return d


@dataclass
class Stats:
    date_from: date | None
    date_to: date | None
    today: date
    min_count: int
    departments: list[DepartmentStats] = field(default_factory=list)
    total: DepartmentStats = field(default_factory=lambda: DepartmentStats("", "合计"))
    undispatched: int = 0
    rejected: int = 0
    duplicates: int = 0
    # messages received in the period by channel (formsvc.domain.channels), duplicates included:
    # what came in through each way, before any counting rule
    channels: dict[str, int] = field(default_factory=dict)

    @property
    def ranked(self) -> list[DepartmentStats]:
        """The departments with enough messages to be ranked, in rank order."""
        return [d for d in self.departments if d.ranked]

    def as_dict(self) -> dict[str, Any]:
        """The figures as the API returns them."""
        return {
            "period": {"from": self.date_from.isoformat() if self.date_from else None,
                       "to": self.date_to.isoformat() if self.date_to else None},
            "as_of": self.today.isoformat(),
            "min_count": self.min_count,
            "departments": [d.as_dict() for d in self.departments],
            "total": self.total.as_dict(),
            "undispatched": self.undispatched,
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "channels": dict(self.channels),
        }


# --- the facts of a reply ---------------------------------------------------------------------------


def record_reply(message: Message, calendar: Calendar, tz: ZoneInfo) -> None:
    """Fix the reply date in county time and the working days taken, once ``replied_at`` is set
    (and again should ``received_on`` ever change after a reply)."""
    if message.replied_at is None:
        message.replied_on = message.reply_working_days = None
        return
    replied_on = message.replied_at.astimezone(tz).date()
    message.replied_on = replied_on
    message.reply_working_days = max(0, working_days_between(calendar, message.received_on,
                                                             replied_on))


class _ReplyFacts:
    """(reply date, working days taken) of a reply; computed once per distinct date pair."""

    def __init__(self, calendar: Calendar, tz: ZoneInfo) -> None:
        self.calendar, self.tz = calendar, tz
        self.days: dict[tuple[date, date], int] = {}

    def __call__(self, received_on: date, replied_at: datetime) -> tuple[date, int]:
        replied_on = replied_at.astimezone(self.tz).date()
        wd = self.days.get((received_on, replied_on))
        if wd is None:
            wd = self.days[(received_on, replied_on)] = max(
                0, working_days_between(self.calendar, received_on, replied_on))
        return replied_on, wd


_SET_REPLY_FACTS = (update(Message.__table__).where(Message.__table__.c.id == bindparam("mid"))
                    .values(replied_on=bindparam("on"), reply_working_days=bindparam("wd")))


def backfill_replies(conn: Connection, calendar: Calendar, tz: ZoneInfo,
                     batch: int = 50_000) -> int:
    """Set the reply facts of replied messages that lack them (rows written outside the ORM).

    Reads (id, received_on, replied_at) in id batches and writes each batch with one
    executemany; the working days are computed once per distinct (receipt, reply) date pair.
    """
    t = Message.__table__
    facts = _ReplyFacts(calendar, tz)
    done, last = 0, 0
    while True:
        rows = conn.execute(select(t.c.id, t.c.received_on, t.c.replied_at).where(
            t.c.id > last, t.c.replied_at.is_not(None), t.c.replied_on.is_(None))
            .order_by(t.c.id).limit(batch)).all()
        if not rows:
            return done
        params = []
        for mid, received_on, replied_at in rows:
            replied_on, wd = facts(received_on, replied_at)
            params.append({"mid": mid, "on": replied_on, "wd": wd})
        conn.execute(_SET_REPLY_FACTS, params)
        done, last = done + len(rows), rows[-1][0]


def recount_replies(conn: Connection, calendar: Calendar, tz: ZoneInfo,
                    batch: int = 50_000) -> int:
    """Recount every reply's working days with ``calendar``; returns how many changed.

    The working days are fixed when a reply is sent (:func:`record_reply`), with the holiday file
    of that day. When the file later changes for past dates (a holiday announced late, a
    correction), this brings the messages and their ``message_stats`` rows in line. Reading is
    done in id batches without writing; only the messages whose figures differ are updated, and
    only their statistics rows recomputed, so the write (and SQLite's write lock) stays short.
    """
    t = Message.__table__
    facts = _ReplyFacts(calendar, tz)
    changed: list[dict[str, Any]] = []
    keys: set[StatsKey] = set()
    last = 0
    while True:
        rows = conn.execute(select(
            t.c.id, t.c.department_id, t.c.received_on, t.c.replied_at, t.c.replied_on,
            t.c.reply_working_days).where(t.c.id > last, t.c.replied_at.is_not(None))
            .order_by(t.c.id).limit(batch)).all()
        if not rows:
            break
        for mid, dept, received_on, replied_at, stored_on, stored_wd in rows:
            replied_on, wd = facts(received_on, replied_at)
            if (replied_on, wd) != (stored_on, stored_wd):
                changed.append({"mid": mid, "on": replied_on, "wd": wd})
                keys.add((dept, received_on))
        last = rows[-1][0]
    if changed:
        conn.execute(_SET_REPLY_FACTS, changed)
        refresh(conn, keys)
    return len(changed)


# --- message_stats: the counters per (department, receipt date) -------------------------------------

COUNTERS = ("received", "replied", "on_time", "working_days_total", "rated", "satisfied",
            "duplicates", "rejected", "undispatched", "signed", "responded")


def _counters() -> dict[str, ColumnElement[Any]]:
    """SQL sums over ``message`` rows: the counting rules of the module docstring, in one place."""
    m = Message.__table__.c
    not_dup = m.duplicate_of_id.is_(None)
    # comparisons rather than IN over a list: an expanding IN would be rendered anew at every
    # execution, and the submission path runs these sums once per message (prepared.py)
    counted = and_(not_dup, m.status != Status.REJECTED.value, m.status != Status.SUBMITTED.value,
                   m.department_id.is_not(None))
    replied = and_(counted, m.replied_on.is_not(None))

    def n(cond: ColumnElement[bool], value: Any = 1) -> ColumnElement[Any]:
        return func.coalesce(func.sum(case((cond, value), else_=0)), 0)

    return {
        "received": n(counted),
        "replied": n(replied),
        "on_time": n(and_(replied, m.replied_on <= m.due_date)),
        "working_days_total": n(replied, func.coalesce(m.reply_working_days, 0)),
        "rated": n(and_(counted, m.rating != "")),
        "satisfied": n(and_(counted, or_(*(m.rating == r for r in SATISFIED)))),
        "duplicates": n(~not_dup),
        "rejected": n(and_(not_dup, m.status == Status.REJECTED.value)),
        "undispatched": n(and_(not_dup, m.status != Status.REJECTED.value,
                               or_(m.status == Status.SUBMITTED.value, m.department_id.is_(None)))),
        "signed": n(and_(counted, m.signed_at.is_not(None))),
        "responded": n(and_(counted, m.sign_working_days <= SIGN_WITHIN_WORKING_DAYS)),
    }


StatsKey = tuple[int | None, date]


@cache
def _refresh_statements(dialect: str) -> dict[str, Any]:
    """The statements of :func:`refresh`, built once (building the sums costs more than running
    them on one day of one department)."""
    s = MessageStats.__table__
    m = Message.__table__.c
    key = and_(s.c.department_id == bindparam("dept"), s.c.received_on == bindparam("day"))
    sums = [c.label(k) for k, c in _counters().items()]
    return {
        "ensure": upsert(dialect, s).values(
            department_id=bindparam("dept"), received_on=bindparam("day"),
            **dict.fromkeys(COUNTERS, 0)).on_conflict_do_nothing(),
        "lock": select(s.c.department_id).where(key).with_for_update(),
        "count": select(*sums).where(m.received_on == bindparam("day"),
                                     m.department_id == bindparam("dept")),
        "count_none": select(*sums).where(m.received_on == bindparam("day"),
                                          m.department_id.is_(None)),
        "store": update(s).where(key).values({k: bindparam(f"v_{k}") for k in COUNTERS}),
    }


def refresh(conn: Connection, keys: Iterable[StatsKey]) -> None:
    """Recompute the ``message_stats`` rows of these (department_id, received_on) keys.

    Each row is locked before it is recomputed (PostgreSQL, read committed), so two transactions
    changing messages of the same day wait for each other and the second one counts the first
    one's change; SQLite has one writer at a time anyway. Keys in a fixed order: no deadlock
    within one flush.
    """
    st = _refresh_statements(conn.dialect.name)
    for dept, day in sorted({(d or 0, day) for d, day in keys}):
        params = {"dept": dept, "day": day}
        conn.execute(st["ensure"], params)
        if conn.dialect.name == "postgresql":
            conn.execute(st["lock"], params)
        row = conn.execute(st["count" if dept else "count_none"], params).one()
        conn.execute(st["store"], {**params, **{f"v_{k}": v for k, v in row._asdict().items()}})


def _count_new_statement(dialect: str) -> Any:
    m = Message.__table__
    s = MessageStats.__table__
    counters = _counters()
    ins = upsert(dialect, s).from_select(
        ["department_id", "received_on", *counters],
        select(func.coalesce(m.c.department_id, 0), m.c.received_on, *counters.values())
        .where(m.c.id == bindparam("mid")).group_by(m.c.department_id, m.c.received_on))
    return ins.on_conflict_do_update(index_elements=[s.c.department_id, s.c.received_on],
                                     set_={k: s.c[k] + ins.excluded[k] for k in counters})


def count_new_message(conn: Connection, message_id: int) -> None:
    """Add one newly inserted message to its ``message_stats`` row: O(1), whatever the day's volume.

    :func:`refresh` recounts a row from all of its messages (~5 ms per submission on a busy day);
    a new message only adds its own counts, given by the same rules (:func:`_counters`).
    ``INSERT … SELECT … ON CONFLICT DO UPDATE`` adds them atomically on both engines. The
    submission path writes with Core statements, which the ORM flush hook (:func:`watch`) does
    not see.
    """
    _COUNT_NEW.execute(conn, {"mid": message_id})


# on the submission path: compiled once per engine, run on the driver's cursor (prepared.py)
_COUNT_NEW = Prepared(_count_new_statement)


# --- keeping message_stats in step with every ORM write ----------------------------------------------

_STATS_KEYS = "formsvc.message_stats_keys"


def watch(maker: sessionmaker[Session]) -> None:
    """Recompute the summary rows of the messages each flush of ``maker``'s sessions changes, in
    that flush (create_app installs it on the app's sessions; Core writes call :func:`refresh`
    or :func:`count_new_message` themselves)."""
    event.listen(maker, "before_flush", _keys_before_flush)
    event.listen(maker, "after_flush", _refresh_after_flush)


def _keys_before_flush(session: Session, _flush_context: Any, _instances: Any) -> None:
    """Note the (department, receipt date) rows that changed messages leave: read from the
    database, since a department set through the relationship is not in the attribute yet."""
    ids = [m.id for m in session.deleted if isinstance(m, Message)]
    ids += [m.id for m in session.dirty if isinstance(m, Message) and m.id is not None
            and session.is_modified(m, include_collections=False)]
    if ids:
        t = Message.__table__
        keys = session.info.setdefault(_STATS_KEYS, set())
        keys.update((dept, day) for dept, day in session.connection().execute(
            select(t.c.department_id, t.c.received_on).where(t.c.id.in_(ids))))


def _refresh_after_flush(session: Session, _flush_context: Any) -> None:
    keys = session.info.pop(_STATS_KEYS, set())
    keys.update((m.department_id, m.received_on) for m in (*session.new, *session.dirty)
                if isinstance(m, Message) and m.received_on is not None
                and (m in session.new or session.is_modified(m, include_collections=False)))
    if keys:
        refresh(session.connection(), keys)


def rebuild(conn: Connection) -> int:
    """Recompute the whole summary from ``message`` (after bulk loads); returns its row count."""
    s = MessageStats.__table__
    m = Message.__table__.c
    dept = func.coalesce(m.department_id, 0)
    conn.execute(delete(s))
    counters = _counters()
    conn.execute(insert(s).from_select(
        ["department_id", "received_on", *counters],
        select(dept, m.received_on, *counters.values()).group_by(dept, m.received_on)))
    return conn.scalar(select(func.count()).select_from(s)) or 0


# --- the figures -----------------------------------------------------------------------------------


def compute(session: Session, config: Mapping[str, Any], calendar: Calendar, today: date,
            date_from: date | None = None, date_to: date | None = None,
            channels: bool = True) -> Stats:
    """The figures for messages received in [date_from, date_to] (either end open).

    ``calendar`` is not read: working days were counted when each reply was sent (record_reply).
    ``channels=False`` leaves the counts by channel out (the one figure that reads ``message``'s
    index over the whole period: the performance table does not show it).
    """
    min_count = int(setting(config, "STATS_MIN_COUNT"))
    result = Stats(date_from, date_to, today, min_count)
    depts = list(session.scalars(select(Department).order_by(Department.position)))
    by_id = {d.id: DepartmentStats(d.code, d.name) for d in depts}
    s = MessageStats.__table__.c
    q = select(s.department_id, *[func.sum(s[k]).label(k) for k in COUNTERS]).group_by(
        s.department_id)
    if date_from:
        q = q.where(s.received_on >= date_from)
    if date_to:
        q = q.where(s.received_on <= date_to)
    for r in session.execute(q):
        result.duplicates += r.duplicates or 0
        result.rejected += r.rejected or 0
        result.undispatched += r.undispatched or 0
        row = by_id.get(r.department_id)
        if row is None:  # no such department: counted like a message nobody dispatched
            result.undispatched += r.received or 0
            continue
        for target in (row, result.total):
            for k in ("received", "replied", "on_time", "working_days_total", "rated",
                      "satisfied", "signed", "responded"):
                setattr(target, k, getattr(target, k) + (getattr(r, k) or 0))
    # open and dispatched (a returned message is the dispatcher's again), past due today; the
    # department list first, so that it is a range of ix_message_department_status_due per
    # department without reading the rows (0.5 s → 20 ms at 1,000,000 messages)
    late = [st.value for st in OPEN_STATUSES if st != Status.SUBMITTED]
    if by_id:
        for dept_id, n in session.execute(
                select(Message.department_id, func.count()).where(
                    Message.department_id.in_(list(by_id)), Message.status.in_(late),
                    Message.due_date < today).group_by(Message.department_id)):
            by_id[dept_id].overdue_now += n
            result.total.overdue_now += n
        # a stopped clock (补正, third party consulted) is not overdue: the few open pauses
        # are taken off, so the count above stays a range of the index
        for dept_id, n in session.execute(
                select(Message.department_id, func.count())
                .join(ClockPause, ClockPause.message_id == Message.id).where(
                    ClockPause.ended_at.is_(None), Message.department_id.in_(list(by_id)),
                    Message.status.in_(late), Message.due_date < today)
                .group_by(Message.department_id)):
            by_id[dept_id].overdue_now -= n
            result.total.overdue_now -= n
    result.departments = rank(by_id.values(), min_count)
    if channels:
        result.channels = count_channels(session, date_from, date_to)
    return result


def count_channels(session: Session, date_from: date | None = None,
                   date_to: date | None = None, duplicates: bool = True) -> dict[str, int]:
    """Messages received in [date_from, date_to] per channel, every channel listed (0 when none);
    without repeated submissions when ``duplicates`` is false (the annual report's count).

    Read from ``ix_message_received_department`` (receipt date, department, channel) alone
    when duplicates are counted.
    """
    m = Message.__table__.c
    q = select(m.channel, func.count()).group_by(m.channel)
    if not duplicates:
        q = q.where(m.duplicate_of_id.is_(None))
    if date_from:
        q = q.where(m.received_on >= date_from)
    if date_to:
        q = q.where(m.received_on <= date_to)
    counts = dict.fromkeys(CHANNELS, 0)
    for channel, n in session.execute(q):
        counts[channel] = counts.get(channel, 0) + n
    return counts


def rank(departments: Iterable[DepartmentStats], min_count: int) -> list[DepartmentStats]:
    """The departments with figures, ranked ones first (by on-time rate, reply rate,
    satisfaction), then the rest by volume; sets ``ranked`` and ``rank``."""
    rows = [r for r in departments if r.received or r.overdue_now]
    for r in rows:
        r.ranked = r.received >= min_count and r.replied > 0
    ranked = sorted((r for r in rows if r.ranked),
                    key=lambda r: (-(r.on_time_rate or 0), -(r.reply_rate or 0),
                                   -(r.satisfaction_rate or 0), r.code))
    for i, r in enumerate(ranked, 1):
        r.rank = i
    rest = sorted((r for r in rows if not r.ranked), key=lambda r: (-r.received, r.code))
    return ranked + rest


CSV_COLUMNS = (
    ("rank", "排名"), ("code", "机构代码"), ("name", "机构"), ("received", "收件数"),
    ("replied", "答复数"), ("reply_rate", "答复率"), ("on_time", "按期答复数"),
    ("on_time_rate", "按期答复率"), ("mean_working_days", "平均答复用时（工作日）"),
    ("overdue_now", "当前超期数"), ("rated", "评价数"), ("satisfied", "满意及基本满意数"),
    ("satisfaction_rate", "满意率"), ("signed", "签收数"), ("response_rate", "响应率"),
)


# the second table of the CSV, after an empty row: messages received per channel
CSV_CHANNEL_HEADER = ("来源渠道", "收件数")


def to_csv(stats: Stats) -> str:
    """CSV with Chinese headers; a BOM so that spreadsheet programs read UTF-8 correctly.
    The departments' table, an empty row, then the messages received per channel."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([label for _, label in CSV_COLUMNS])
    for r in [*stats.departments, stats.total]:
        d = r.as_dict()
        writer.writerow(["" if d[k] is None else d[k] for k, _ in CSV_COLUMNS])
    writer.writerow([])
    writer.writerow(CSV_CHANNEL_HEADER)
    for code, n in stats.channels.items():
        writer.writerow([CHANNELS.get(code, code), n])
    return "\ufeff" + buf.getvalue()


def percent(value: float | None) -> str:
    """A rate as the page shows it (one decimal), or — without one."""
    return "—" if value is None else f"{value * 100:.1f}%"
