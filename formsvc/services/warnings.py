"""预警 grades: yellow when an open message is due within the warning window (DUE_SOON_DAYS, the
workbench's "due soon"), red when it is overdue; both from ``queries.deadline_clause``.

:func:`counts` gives the live counts per department (supervision page, inbox). :func:`regrade`,
run by ``remind`` (cron, working days), stores each open message's grade and logs every change as
a ``grade_change`` event, so the history says when a message turned yellow and red.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select

from formsvc.db import utcnow
from formsvc.domain.supervision import GRADE_LABELS, GRADE_NONE, GRADE_OF_STATE
from formsvc.domain.workdays import Calendar
from formsvc.models import Message
from formsvc.services import deadlines, lifecycle
from formsvc.services.workbench.context import Context
from formsvc.services.workbench.queries import deadline_clause


@dataclass
class GradeCounts:
    yellow: int = 0
    red: int = 0


def counts(ctx: Context, department_id: int | None = None) -> dict[int | None, GradeCounts]:
    """Yellow and red messages per department id (None: not dispatched), one department if given."""
    out: dict[int | None, GradeCounts] = {}
    for grade, which in (("yellow", "due_soon"), ("red", "overdue")):
        q = select(Message.department_id, func.count()).where(deadline_clause(ctx, which))
        if department_id is not None:
            q = q.where(Message.department_id == department_id)
        for dept, n in ctx.session.execute(q.group_by(Message.department_id)):
            setattr(out.setdefault(dept, GradeCounts()), grade, n)
    return out


@dataclass
class RegradeResult:
    changed: int = 0
    by_grade: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """The run's counts, for the operator."""
        parts = "，".join(f"{GRADE_LABELS[g]} {n} 件" for g, n in sorted(self.by_grade.items()))
        return f"预警等级变化 {self.changed} 件" + (f"（{parts}）" if parts else "")


def regrade(session: Any, config: Mapping[str, Any], calendar: Calendar,
            now: datetime | None = None) -> RegradeResult:
    """Store each open message's grade today; a change is a ``grade_change`` event. One commit."""
    ctx = Context(session, config, calendar, now or utcnow())
    edge = deadlines.due_soon_edge(calendar, ctx.today, config)
    result = RegradeResult()
    # only messages that are or were graded: due within the window, or carrying a grade
    candidates = session.scalars(select(Message).where(
        Message.status.in_([s.value for s in lifecycle.OPEN_STATUSES]),
        or_(Message.due_date <= edge, Message.warning_grade != GRADE_NONE)))
    for m in candidates:
        grade = GRADE_OF_STATE.get(ctx.deadline(m).state, GRADE_NONE)
        if grade == (m.warning_grade or GRADE_NONE):
            continue
        note = f"{GRADE_LABELS[m.warning_grade or GRADE_NONE]} → {GRADE_LABELS[grade]}"
        lifecycle.apply(m, "grade_change", actor="system", role="system", note=note,
                        now=ctx.now)
        m.warning_grade = grade
        result.changed += 1
        result.by_grade[grade] = result.by_grade.get(grade, 0) + 1
    # finished messages keep no grade (a reply ends the warning without an event of its own)
    session.execute(Message.__table__.update().where(
        Message.status.not_in([s.value for s in lifecycle.OPEN_STATUSES]),
        Message.warning_grade != GRADE_NONE).values(warning_grade=GRADE_NONE))
    session.commit()
    return result


@dataclass
class DepartmentWarnings:
    name: str
    red: int
    yellow: int
    open_notices: int


def department_table(ctx: Context) -> list[DepartmentWarnings]:
    """Per department: red, yellow and unanswered notices; the worst first, none left out that
    has any (the supervision page)."""
    from formsvc.services import departments as registry
    from formsvc.services.workbench.notices import unanswered_counts

    grades = counts(ctx)
    open_notices = unanswered_counts(ctx.session)
    names: dict[int | None, str] = {d.id: d.name for d in registry.active(ctx.session)}
    rows = [DepartmentWarnings(names.get(k, "待分办") if k is not None else "待分办",
                               grades.get(k, GradeCounts()).red,
                               grades.get(k, GradeCounts()).yellow, open_notices.get(k or 0, 0))
            for k in {*grades, *open_notices}]
    return sorted(rows, key=lambda r: (-r.red, -r.yellow, -r.open_notices, r.name))
