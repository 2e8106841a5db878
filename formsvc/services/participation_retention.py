"""Erasing the name and phone of contributions (意见, 听证发言报名, 网友提问) and of the answers to
surveys that are not anonymous, when the privacy statement's period ends.

The period is the messages' (``RETENTION_MESSAGE_MONTHS``), counted from the day the draft,
hearing, interview or survey closed, read from the content itself: a comment is kept with its
draft for as long as a message is kept after it is closed (办结). For a draft with a hearing the
day is the later of ``closes`` and the hearing's date (speakers are called before it). When the
content is gone (a file removed), the last day anyone contributed to it stands in.

What stays: the text, its published masked text, the moderation state, 采纳情况 and answer, the
counts and the free-text answers; what goes: the columns in
``formsvc/domain/personal_data.py`` (``CONTRIBUTION_COLUMNS``, ``SURVEY_COLUMNS``). A
contribution gets a ``purge`` event in the same transaction as the record that it happened.
Called by :func:`formsvc.services.retention.purge` (``purge-personal-data``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, or_, select, update

from formsvc.config import county_date
from formsvc.domain import participation as p
from formsvc.domain import personal_data
from formsvc.domain import surveys as survey_content
from formsvc.models import Contribution, ContributionEvent
from formsvc.models.survey import SurveyResponse
from portal import participation as content

BATCH = 500
NOTE = "已按隐私声明的保存期限删除姓名和联系电话"
Transactions = Callable[[], AbstractContextManager[Connection]]


def closing_days(content_dir: str) -> dict[tuple[str, str], date]:
    """(target, slug) → the day each draft, hearing or interview closed, from the content."""
    days: dict[tuple[str, str], date] = {}
    for slug, draft in content.load_consultations(content_dir).items():
        last = draft.closes
        if draft.hearing is not None:
            last = max(last, draft.hearing.at.date())
        days[(p.CONSULTATION, slug)] = last
    for slug, interview in content.load_interviews(content_dir).items():
        days[(p.INTERVIEW, slug)] = interview.ends.date()
    return days


def survey_closing_days(content_dir: str) -> dict[str, date]:
    """Survey slug → its ``closes``."""
    return {slug: s.closes for slug, s in survey_content.load(content_dir).items()}


def _due(config: Mapping[str, Any], closed: date | None, last_answer: datetime,
         cutoff_day: date) -> bool:
    day = closed if closed is not None else county_date(config, last_answer)
    return day < cutoff_day


def purge_contributions(conn_factory: Transactions, config: Mapping[str, Any],
                        cutoff_day: date, now: datetime, dry_run: bool) -> int:
    """Erase the personal columns of contributions whose draft or interview closed before
    ``cutoff_day``; returns how many contributions were (or would be) erased."""
    c = Contribution.__table__.c
    has_personal = or_(*(c[col] != "" for col in personal_data.CONTRIBUTION_COLUMNS))
    with conn_factory() as conn:
        groups = conn.execute(select(c.target, c.slug, func.max(c.submitted_at))
                              .where(has_personal).group_by(c.target, c.slug)).all()
    if not groups:
        return 0
    days = closing_days(config["CONTENT_DIR"])
    done = 0
    for target, slug, last in groups:
        if not _due(config, days.get((target, slug)), last, cutoff_day):
            continue
        if dry_run:
            with conn_factory() as conn:
                done += conn.scalar(select(func.count()).where(
                    c.target == target, c.slug == slug, has_personal)) or 0
            continue
        while True:
            with conn_factory() as conn:
                ids = list(conn.scalars(select(c.id).where(c.target == target, c.slug == slug,
                                                           has_personal)
                                        .order_by(c.id).limit(BATCH)))
                if not ids:
                    break
                conn.execute(update(Contribution.__table__).where(c.id.in_(ids)).values(
                    **dict.fromkeys(personal_data.CONTRIBUTION_COLUMNS, "")))
                conn.execute(insert(ContributionEvent.__table__), [
                    {"contribution_id": i, "created_at": now, "actor": "system",
                     "action": "purge", "note": NOTE} for i in ids])
            done += len(ids)
    return done


def purge_survey_answers(conn_factory: Transactions, config: Mapping[str, Any],
                         cutoff_day: date, dry_run: bool) -> int:
    """Erase the name and phone of survey answers whose survey closed before ``cutoff_day``;
    returns how many answers were (or would be) erased."""
    r = SurveyResponse.__table__.c
    has_personal = or_(*(r[col] != "" for col in personal_data.SURVEY_COLUMNS))
    with conn_factory() as conn:
        groups = conn.execute(select(r.survey, func.max(r.submitted_at))
                              .where(has_personal).group_by(r.survey)).all()
    if not groups:
        return 0
    days = survey_closing_days(config["CONTENT_DIR"])
    done = 0
    for slug, last in groups:
        if not _due(config, days.get(slug), last, cutoff_day):
            continue
        if dry_run:
            with conn_factory() as conn:
                done += conn.scalar(select(func.count()).where(r.survey == slug, has_personal)) or 0
            continue
        while True:
            # ids first, then a short write per batch: a popular survey has many answers
            with conn_factory() as conn:
                ids = list(conn.scalars(select(r.id).where(r.survey == slug, has_personal)
                                        .order_by(r.id).limit(BATCH * 10)))
                if not ids:
                    break
                conn.execute(update(SurveyResponse.__table__).where(r.id.in_(ids)).values(
                    **dict.fromkeys(personal_data.SURVEY_COLUMNS, "")))
            done += len(ids)
    return done
