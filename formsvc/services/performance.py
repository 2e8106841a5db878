"""绩效评估: each department's score for a month, quarter or year, by the one scoring rule
(``formsvc.domain.supervision.RULE``), stored with the rule's version.

The figures come from the statistics (``services/stats.compute``: received, reply, on-time,
satisfaction and response rates over ``message_stats``), the messages received in the period that
were answered late or are still overdue, and the 督办/纠错 notices issued in the period. A department
with fewer than ``STATS_MIN_COUNT`` messages is listed without a rank, as on the statistics page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, func, select
from sqlalchemy.orm import Session

from formsvc.config import county_zone, setting
from formsvc.db import utcnow
from formsvc.domain.supervision import RULE, Period, ScoringRule
from formsvc.domain.workdays import Calendar
from formsvc.models import Department, Message
from formsvc.models.supervision import PerformanceScore, SupervisionNotice
from formsvc.services import stats
from formsvc.services.lifecycle import Status

# score → 等次 (the grade a leader reads beside the score)
SCORE_GRADES: tuple[tuple[float, str], ...] = ((90, "优秀"), (80, "良好"), (60, "合格"),
                                               (0, "不合格"))


def score_grade(score: float | None) -> str:
    """The 等次 of a score; "—" without one."""
    if score is None:
        return "—"
    return next(label for floor, label in SCORE_GRADES if score >= floor)


@dataclass
class ScoreRow:
    department_id: int
    code: str
    name: str
    figures: dict[str, Any]
    score: float
    ranked: bool = False
    rank: int | None = None

    @property
    def grade(self) -> str:
        """The 等次 of the score."""
        return score_grade(self.score)


@dataclass
class Scores:
    period: Period
    rule_version: str
    min_count: int
    rows: list[ScoreRow] = field(default_factory=list)
    stored_at: datetime | None = None  # None: computed now, not stored

    @property
    def ranked(self) -> list[ScoreRow]:
        """The ranked rows in rank order."""
        return [r for r in self.rows if r.ranked]

    @property
    def unranked(self) -> list[ScoreRow]:
        """The rows below the minimum count."""
        return [r for r in self.rows if not r.ranked]


def utc_bounds(config: Mapping[str, Any], period: Period) -> tuple[datetime, datetime]:
    """The period as UTC instants [start, end): its first and its next day's county midnight."""
    tz = county_zone(config)
    start = datetime.combine(period.start, time(), tz).astimezone(UTC)
    end = datetime.combine(period.end + timedelta(days=1), time(), tz).astimezone(UTC)
    return start, end


def notice_counts(session: Session, config: Mapping[str, Any],
                  period: Period) -> dict[int, tuple[int, int]]:
    """(issued, answered) 督办/纠错 notices per department id, issued in the period."""
    start, end = utc_bounds(config, period)
    answered = func.sum(case((SupervisionNotice.answered_at.is_not(None), 1), else_=0))
    q = select(SupervisionNotice.department_id, func.count(), answered).where(
        SupervisionNotice.issued_at >= start, SupervisionNotice.issued_at < end).group_by(
        SupervisionNotice.department_id)
    return {d: (n, int(a or 0)) for d, n, a in session.execute(q)}


def overdue_counts(session: Session, period: Period, today: date,
                   department_ids: list[int]) -> dict[int, int]:
    """Messages received in the period and still open past their due date, per department.

    The department list first, as in ``stats.compute``: a range of
    ``ix_message_department_status_due`` per department (the open messages past due are few),
    not the period's rows (83,000 a month at a million a year).
    """
    if not department_ids:
        return {}
    q = select(Message.department_id, func.count()).where(
        Message.department_id.in_(department_ids), Message.status == Status.ASSIGNED.value,
        Message.due_date < today,
        and_(Message.received_on >= period.start, Message.received_on <= period.end),
        Message.duplicate_of_id.is_(None)).group_by(Message.department_id)
    return {d: n for d, n in session.execute(q)}


def compute(session: Session, config: Mapping[str, Any], calendar: Calendar, period: Period,
            today: date, rule: ScoringRule = RULE, figures: stats.Stats | None = None) -> Scores:
    """Every department's figures and score for ``period`` (not stored); ``figures``: the
    period's statistics when the caller has them already (the monthly report)."""
    if figures is None:
        figures = stats.compute(session, config, calendar, today, period.start, period.end,
                                channels=False)
    notices = notice_counts(session, config, period)
    ids = {d.code: d.id for d in session.scalars(select(Department))}
    overdue = overdue_counts(session, period, today, list(ids.values()))
    result = Scores(period, rule.version, figures.min_count)
    for d in figures.departments:
        dept_id = ids[d.code]
        issued, answered = notices.get(dept_id, (0, 0))
        late_replies = d.replied - d.on_time
        n_overdue = overdue.get(dept_id, 0) + late_replies
        rates = {"response_rate": d.response_rate, "on_time_rate": d.on_time_rate,
                 "satisfaction_rate": d.satisfaction_rate, "reply_rate": d.reply_rate,
                 "notice_answer_rate": answered / issued if issued else None}
        if not d.received:
            continue
        row = ScoreRow(dept_id, d.code, d.name, {
            "received": d.received, "replied": d.replied, "on_time": d.on_time,
            "late_replies": late_replies, "overdue_open": overdue.get(dept_id, 0),
            "rated": d.rated, "satisfied": d.satisfied, "signed": d.signed,
            "responded": d.responded, "notices": issued, "notices_answered": answered,
            **{k: None if v is None else round(v, 4) for k, v in rates.items()},
        }, rule.score(rates, n_overdue))
        row.ranked = d.received >= figures.min_count
        result.rows.append(row)
    _rank(result.rows)
    return result


def _rank(rows: list[ScoreRow]) -> None:
    rows.sort(key=lambda r: (not r.ranked, -r.score if r.ranked else -r.figures["received"],
                             r.code))
    for i, r in enumerate((r for r in rows if r.ranked), 1):
        r.rank = i


def store(session: Session, scores: Scores, now: datetime | None = None) -> int:
    """Store the scores (replacing those of the same period and rule version); one commit."""
    session.execute(delete(PerformanceScore).where(
        PerformanceScore.period == scores.period.key,
        PerformanceScore.rule_version == scores.rule_version))
    moment = now or utcnow()
    session.add_all(PerformanceScore(
        period=scores.period.key, rule_version=scores.rule_version, department_id=r.department_id,
        score=r.score, ranked=r.ranked, rank=r.rank, figures=r.figures, computed_at=moment)
        for r in scores.rows)
    session.commit()
    scores.stored_at = moment
    return len(scores.rows)


def stored(session: Session, config: Mapping[str, Any], period: Period,
           rule: ScoringRule = RULE) -> Scores | None:
    """The stored scores of ``period`` by ``rule``'s version, or None if never stored."""
    rows = session.execute(select(PerformanceScore, Department.code, Department.name).join(
        Department, PerformanceScore.department_id == Department.id).where(
        PerformanceScore.period == period.key, PerformanceScore.rule_version == rule.version)).all()
    if not rows:
        return None
    result = Scores(period, rule.version, int(setting(config, "STATS_MIN_COUNT")))
    for p, code, name in rows:
        result.rows.append(ScoreRow(p.department_id, code, name, dict(p.figures), p.score,
                                    p.ranked, p.rank))
        result.stored_at = p.computed_at
    _rank(result.rows)
    return result
