"""Due dates: how the stored one came about, and due soon and overdue derived from it.

A message's ``due_date`` is stored when something sets it (the submission, an approved
extension, a reopening, a supervisor's change: the transitions with ``moves_due``); everything
else reads it. Due soon and overdue are not stored: a message is overdue because today is past
its due date, so a changed holiday file or a moved due date is reflected at once (Alaveteli's
lesson). :func:`explain_due` tells the citizen how the stored date was reached, from the event
that last set it, and never offers a second date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from formsvc.config import setting
from formsvc.domain.procedure import THIRD_PARTY_MAX_DAYS
from formsvc.domain.workdays import Calendar, Count
from formsvc.services.lifecycle import OPEN_STATUSES, TRANSITIONS

if TYPE_CHECKING:
    from formsvc.models import Message

# Longer spans are not counted day by day: the answer is only "far away" anyway.
_MAX_SPAN = 400


@dataclass(frozen=True)
class Deadline:
    # "overdue", "due_soon", "ok", "done" (replied, closed or rejected), "paused" (补正 or a
    # third party's consultation stops the clock: services/procedure.py)
    state: str
    working_days: int  # left (ok, due_soon) or past (overdue); 0 when done
    label: str

    @property
    def css(self) -> str:
        """The tag classes of this state (overdue and due soon are marked)."""
        return {"overdue": "gp-tag gp-tag--overdue", "due_soon": "gp-tag gp-tag--due-soon"}.get(
            self.state, "gp-tag")


def working_days_between(calendar: Calendar, start: date, end: date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end == start:
        return 0
    sign, lo, hi = (1, start, end) if end > start else (-1, end, start)
    if (hi - lo).days > _MAX_SPAN:
        return sign * int((hi - lo).days * 5 / 7)
    return sign * calendar.working_days_in(lo, hi)


def due_soon_days(config: Mapping[str, Any]) -> int:
    """DUE_SOON_DAYS: how many working days ahead count as due soon."""
    return int(setting(config, "DUE_SOON_DAYS"))


def deadline(calendar: Calendar, status: str, due: date, today: date, soon_days: int,
             paused: bool = False) -> Deadline:
    """Where a message stands against its due date today (``paused``: its clock is stopped)."""
    if status not in OPEN_STATUSES:
        return Deadline("done", 0, "")
    if paused:
        return Deadline("paused", 0, "暂停计时")
    if today > due:
        past = max(1, working_days_between(calendar, due, today))
        return Deadline("overdue", past, f"已超期 {past} 个工作日")
    left = working_days_between(calendar, today, due)
    if left <= soon_days:
        return Deadline("due_soon", left, "今日到期" if left == 0 else f"{left} 个工作日内到期")
    return Deadline("ok", left, f"剩余 {left} 个工作日")


# --- the rules that set a due date ----------------------------------------------------------------


def first_count(calendar: Calendar, received_on: date, time_limit: int) -> Count:
    """A new message: its time limit in working days from the day after the receipt date."""
    return calendar.add_working_days(received_on, time_limit)


def extension_count(calendar: Calendar, due: date, days: int) -> Count:
    """An approved extension: ``days`` more working days from the day after the current date."""
    return calendar.add_working_days(due, days)


def reopen_count(calendar: Calendar, day: date, time_limit: int) -> Count:
    """A message reopened on ``day``: a new full time limit from the next day."""
    return calendar.add_working_days(day, time_limit)


def correction_count(calendar: Calendar, answered_on: date, time_limit: int) -> Count:
    """A 补正 received on ``answered_on``: the full time limit again from the next day (Art. 30)."""
    return calendar.add_working_days(answered_on, time_limit)


def consultation_days(calendar: Calendar, started_on: date, ended_on: date) -> int:
    """The working days of a third party's consultation not counted in the time limit: the
    days it took, at most the 15 the third party has (Art. 32)."""
    return min(working_days_between(calendar, started_on, ended_on), THIRD_PARTY_MAX_DAYS)


def consultation_count(calendar: Calendar, old_due: date, paused_days: int) -> Count:
    """A third party consulted for ``paused_days`` working days: the due date moves by as many
    (Art. 32: the consultation's time is not counted)."""
    return calendar.add_working_days(old_due, paused_days)


def due_soon_edge(calendar: Calendar, today: date, config: Mapping[str, Any]) -> date:
    """The last due date that counts as due soon today (DUE_SOON_DAYS working days ahead)."""
    return calendar.add_working_days(today, due_soon_days(config)).due


# --- how the stored due date came about ------------------------------------------------------------


def as_due(count: Count, basis: str = "submission", how: str = "") -> dict[str, Any]:
    """The API's ``DueCount`` of a counted date: ``basis`` says what set it, ``how`` how the
    count began (the receipt date's count by default)."""
    due = count.as_dict()
    due["basis"] = basis
    if how:
        due["explanation"] = count.explain(how)
    return due


def explain_due(message: Message, calendar: Calendar, zone: ZoneInfo) -> dict[str, Any]:
    """How ``message.due_date`` was reached, from the event that last set it (``DueCount``).

    The count is made again with ``calendar`` only to list the days it skipped; when that count
    no longer ends on the stored date (the holiday file changed since), the stored date is given
    with how it was counted then, without a list.
    """
    setter = next((e for e in reversed(message.events)
                   if e.action in TRANSITIONS and TRANSITIONS[e.action].moves_due), None)
    if setter is None:
        count = first_count(calendar, message.received_on, message.time_limit_days)
        return _counted(message, "submission", count, count.counting)
    day = setter.created_at.astimezone(zone).date()
    if setter.action == "reopen":
        count = reopen_count(calendar, day, message.time_limit_days)
        return _counted(message, "reopen", count,
                        f"群众不满意，{day.isoformat()} 重新办理，自次日起重新计算 "
                        f"{message.time_limit_days} 个工作日")
    if setter.action == "correction_received":
        count = correction_count(calendar, day, message.time_limit_days)
        return _counted(message, "correction", count,
                        f"申请人于 {day.isoformat()} 补正申请，自收到补正之日的次日起重新计算 "
                        f"{message.time_limit_days} 个工作日")
    if setter.action == "end_consultation":
        ended = [p for p in message.pauses if p.kind == "third_party" and p.ended_on]
        if ended:
            p = ended[-1]
            assert p.ended_on is not None
            days = consultation_days(calendar, p.started_on, p.ended_on)
            count = consultation_count(calendar, p.old_due_date, days)
            return _counted(message, "consultation", count,
                            f"原答复期限 {p.old_due_date.isoformat()}；{p.started_on.isoformat()} 至 "
                            f"{p.ended_on.isoformat()} 征求第三方意见，{days} 个工作日不计入答复期限，"
                            f"自原期限的次日起顺延")
    if setter.action == "approve_extension":
        approved = [r for r in message.extension_requests if r.status == "approved"]
        if approved:
            req = approved[-1]
            count = extension_count(calendar, req.old_due_date, req.days)
            return _counted(message, "extension", count,
                            f"原答复期限 {req.old_due_date.isoformat()}，经批准延长 {req.days} "
                            f"个工作日，自原期限的次日起计算")
    return {"basis": "manual", "start": day.isoformat(), "working_days": None,
            "due_date": message.due_date.isoformat(), "skipped": [], "makeup_workdays": [],
            "warnings": [],
            "explanation": f"答复期限由督办员于 {day.isoformat()} 调整为 "
                           f"{message.due_date.isoformat()}，是人工确定的日期，不按工作日推算。"}


def _counted(message: Message, basis: str, count: Count, how: str) -> dict[str, Any]:
    if count.due == message.due_date:
        return as_due(count, basis, how)
    return {"basis": basis, "start": count.start.isoformat(), "working_days": count.working_days,
            "due_date": message.due_date.isoformat(), "skipped": [], "makeup_workdays": [],
            "warnings": [],
            "explanation": f"{how}，办理期限至 {message.due_date.isoformat()}"
                           f"（按计算当时的节假日安排）。"}
