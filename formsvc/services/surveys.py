"""网上调查: storing an answer, the counts, the free-text answers staff publish, the CSV export.

An answer is one transaction: its row, its free-text rows, and one ``+1`` per chosen option on
the counters (``models/survey.py``), committed before the thank-you page shows. The counter
rows are touched in one order (question, option) so two answers never deadlock, and each
answer picks one shard at random so a burst does not wait on one row's lock. Results read the
counters only (a few hundred rows whatever the number of answers).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from formsvc.config import county_zone
from formsvc.db import utcnow
from formsvc.domain import personal_data
from formsvc.domain.surveys import Survey
from formsvc.forms.surveys import Answer
from formsvc.models import Staff
from formsvc.models.survey import COUNT_SHARDS, SurveyCount, SurveyResponse, SurveyText
from formsvc.services import county_numbers, masking
from formsvc.services.errors import ServiceError

log = logging.getLogger(__name__)
RESPONSES = (0, 0)  # the counter (question, option) of the answers themselves
TEXTS_PER_PAGE = 50


class SurveyFailed(Exception):
    """The database refused or failed: nothing of the answer was stored."""


class SurveyRefused(ServiceError):
    """A staff action this account may not take, or on a text that does not exist."""


def submit(session: Session, survey: Survey, answer: Answer, *, shard: int | None = None) -> int:
    """Store ``answer`` and commit; its id. The caller has checked the survey is open."""
    texts = [(q.number, answer.texts[q.id]) for q in survey.questions
             if q.type == "text" and answer.texts.get(q.id)]
    keys = [RESPONSES] + sorted((q.number, n) for q in survey.questions if q.counted
                                for n in answer.choices.get(q.id, []))
    s = random.randrange(COUNT_SHARDS) if shard is None else shard
    try:
        if session.get_bind().dialect.name == "postgresql":
            response_id = _submit_pg(session, survey, answer, texts, keys, s)
        else:
            response_id = _submit_core(session, survey, answer, texts, keys, s)
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        log.exception("formsvc: survey answer to %s not stored", survey.slug)
        raise SurveyFailed from exc
    return response_id


# PostgreSQL: the answer, its texts and its counters in ONE statement (one round trip instead of
# three; data-modifying CTEs all run, in one snapshot). Counter rows are taken in (question,
# option) order, as the arrays are sorted, so two answers never wait on each other in a cycle.
_PG_SUBMIT = """
WITH r AS (
  INSERT INTO survey_response (survey, submitted_at, answers, name, phone)
  VALUES (%(survey)s, %(at)s, %(answers)s::jsonb, %(name)s, %(phone)s) RETURNING id
), t AS (
  INSERT INTO survey_text (response_id, survey, question, text, published, public_text)
  SELECT r.id, %(survey)s, u.q, u.x, false, '' FROM r,
         unnest(%(tq)s::smallint[], %(tx)s::text[]) AS u(q, x)
), c AS (
  INSERT INTO survey_count (survey, question, option, shard, n)
  SELECT %(survey)s, v.q, v.o, %(shard)s, 1
  FROM unnest(%(cq)s::smallint[], %(co)s::smallint[]) WITH ORDINALITY AS v(q, o, i) ORDER BY v.i
  ON CONFLICT (survey, question, option, shard) DO UPDATE SET n = survey_count.n + 1
)
SELECT id FROM r
"""


def _submit_pg(session: Session, survey: Survey, answer: Answer, texts: list[tuple[int, str]],
               keys: list[tuple[int, int]], shard: int) -> int:
    row = session.connection().exec_driver_sql(_PG_SUBMIT, {
        "survey": survey.slug, "at": utcnow(), "answers": json.dumps(answer.as_json(), ensure_ascii=False),
        "name": answer.name, "phone": answer.phone, "tq": [q for q, _ in texts],
        "tx": [x for _, x in texts], "cq": [q for q, _ in keys], "co": [o for _, o in keys],
        "shard": shard}).one()
    return int(row[0])


def _submit_core(session: Session, survey: Survey, answer: Answer, texts: list[tuple[int, str]],
                 keys: list[tuple[int, int]], shard: int) -> int:
    """SQLite (tests, a small county): the same rows in three statements."""
    response_id = session.execute(
        insert(SurveyResponse).values(survey=survey.slug, submitted_at=utcnow(),
                                      answers=answer.as_json(), name=answer.name, phone=answer.phone)
        .returning(SurveyResponse.id)).scalar_one()
    if texts:
        session.execute(insert(SurveyText), [
            {"response_id": response_id, "survey": survey.slug, "question": q, "text": x,
             "public_text": ""} for q, x in texts])
    session.execute(_upsert(session, [{"survey": survey.slug, "question": q, "option": o,
                                       "shard": shard, "n": 1} for q, o in keys]))
    return int(response_id)


def _upsert(session: Session, rows: list[dict[str, Any]]) -> Any:
    """One INSERT … ON CONFLICT DO UPDATE n = n + 1 for every counter row of an answer."""
    dialect = session.get_bind().dialect.name
    ins = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(SurveyCount).values(rows)
    return ins.on_conflict_do_update(
        index_elements=["survey", "question", "option", "shard"],
        set_={"n": SurveyCount.n + ins.excluded.n})


@dataclass(frozen=True)
class OptionResult:
    """One option's count and share of the answers to its question."""

    value: int
    label: str
    count: int
    share: float  # 0..1 of the people who answered the question (multiple choice: may sum > 1)


@dataclass(frozen=True)
class QuestionResult:
    """A counted question's figures."""

    number: int
    id: str
    text: str
    type_label: str
    answered: int
    options: tuple[OptionResult, ...]
    mean: float | None  # scale questions only


@dataclass(frozen=True)
class Results:
    """Every counted question's figures and the number of answers."""

    total: int
    questions: tuple[QuestionResult, ...]


def counts(session: Session, slug: str) -> dict[tuple[int, int], int]:
    """The counters of a survey summed over shards: {(question, option): n}."""
    rows = session.execute(
        select(SurveyCount.question, SurveyCount.option, func.sum(SurveyCount.n))
        .where(SurveyCount.survey == slug)
        .group_by(SurveyCount.question, SurveyCount.option))
    return {(q, o): int(n) for q, o, n in rows}


def results(session: Session, survey: Survey) -> Results:
    """The figures of every counted question, from the counters."""
    found = counts(session, survey.slug)
    total = found.get(RESPONSES, 0)
    out = []
    for q in survey.questions:
        if not q.counted:
            continue
        per = {v: found.get((q.number, v), 0) for v, _ in q.choices}
        # a multiple-choice answer that ticked nothing is not counted apart: its shares are of
        # all answers to the survey (and may add up to more than 100 %)
        answered = total if q.type == "multiple" else sum(per.values())
        options = tuple(OptionResult(v, label, per[v], per[v] / answered if answered else 0.0)
                        for v, label in q.choices)
        mean = (sum(v * n for v, n in per.items()) / answered
                if q.type == "scale" and answered else None)
        out.append(QuestionResult(q.number, q.id, q.text, q.type_label, answered, options, mean))
    return Results(total, tuple(out))


def may_manage(staff: Staff, survey: Survey) -> bool:
    """Staff see a survey's answers when it is their department's, or county-wide."""
    return staff.county_wide or (staff.department is not None
                                 and staff.department.code == survey.department)


def visible(staff: Staff, surveys: Mapping[str, Survey]) -> list[Survey]:
    """The surveys ``staff`` may see, newest first."""
    return sorted((s for s in surveys.values() if may_manage(staff, s)),
                  key=lambda s: (s.opens, s.slug), reverse=True)


def texts(session: Session, survey: Survey, *, published_only: bool, page: int = 1) -> list[SurveyText]:
    """Free-text answers, newest first, one page."""
    query = select(SurveyText).where(SurveyText.survey == survey.slug)
    if published_only:
        query = query.where(SurveyText.published.is_(True))
    query = query.order_by(SurveyText.id.desc()).limit(TEXTS_PER_PAGE) \
        .offset(max(0, page - 1) * TEXTS_PER_PAGE)
    return list(session.scalars(query))


def set_published(session: Session, config: Mapping[str, Any], staff: Staff, survey: Survey,
                  text_id: int, publish: bool) -> SurveyText:
    """Publish (masked, as letters are) or withdraw one free-text answer; commits."""
    if not may_manage(staff, survey):
        raise SurveyRefused("forbidden", "只能处理本单位发起的调查")
    row = session.get(SurveyText, text_id)
    if row is None or row.survey != survey.slug:
        raise SurveyRefused("not_found", "找不到这条回答")
    if publish:
        response = session.get(SurveyResponse, row.response_id)
        known = personal_data.survey_values(response) if response else []
        row.public_text = masking.mask_text(row.text, known,
                                            county_numbers.public_numbers(session, config))
        row.published, row.published_by, row.published_at = True, staff.id, utcnow()
    else:
        row.published, row.public_text, row.published_by, row.published_at = False, "", None, None
    session.commit()
    return row


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: a leading = + - @ tab or CR gets a ' before it
    (OWASP's advice against formula injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def export_csv(session: Session, config: Mapping[str, Any], survey: Survey) -> Iterator[str]:
    """Every answer as CSV lines (UTF-8 with BOM for Excel), read in batches by id."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    head = ["编号", "提交时间"] + ([] if survey.anonymous else ["姓名", "联系电话"])
    writer.writerow(["\ufeff" + head[0], *head[1:], *(f"{q.number}. {q.text}" for q in survey.questions)])
    yield _drain(buf)
    last = 0
    zone = county_zone(config)
    while True:
        rows = list(session.scalars(
            select(SurveyResponse).where(SurveyResponse.survey == survey.slug, SurveyResponse.id > last)
            .order_by(SurveyResponse.id).limit(1000)))
        if not rows:
            return
        for r in rows:
            cells: list[Any] = [r.id, r.submitted_at.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S")]
            if not survey.anonymous:
                cells += [r.name, r.phone]
            for q in survey.questions:
                value = r.answers.get(q.id)
                if isinstance(value, list):
                    labels = dict(q.choices)
                    value = "；".join(labels.get(v, str(v)) for v in value)
                cells.append(value)
            writer.writerow([csv_cell(c) for c in cells])
        last = rows[-1].id
        yield _drain(buf)


def _drain(buf: io.StringIO) -> str:
    text = buf.getvalue()
    buf.seek(0)
    buf.truncate()
    return text

