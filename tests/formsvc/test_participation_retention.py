"""The name and phone of contributions and of named survey answers are erased by
``purge-personal-data`` 3 years (RETENTION_MESSAGE_MONTHS) after their draft, hearing, interview
or survey closed; the texts, the published masked texts, the moderation and the counts stay."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from formsvc import db
from formsvc.config import county_zone
from formsvc.domain import personal_data
from formsvc.models import Contribution, ContributionEvent
from formsvc.models.survey import SurveyCount, SurveyResponse, SurveyText
from formsvc.services import departments, retention
from portal.participation import china_now
from tests.formsvc.participation_data import write_tree
from tests.formsvc.test_surveys import survey_yaml

TODAY = china_now().date()


@pytest.fixture(scope="module")
def content_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Drafts and interviews relative to today (closed-draft and past closed 10 days ago,
    open-draft's hearing and live still to come) and two named surveys, one closed."""
    d = write_tree(tmp_path_factory.mktemp("participation_retention"))
    (d / "surveys").mkdir()
    (d / "surveys" / "named-closed.yml").write_text(
        survey_yaml(TODAY - timedelta(days=40), TODAY - timedelta(days=10), anonymous=False),
        encoding="utf-8")
    (d / "surveys" / "named-open.yml").write_text(
        survey_yaml(TODAY - timedelta(days=5), TODAY + timedelta(days=5), anonymous=False),
        encoding="utf-8")
    return d


def at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=UTC)


def contribution(s: Any, target: str, slug: str, submitted: date, n: int, *,
                 published: bool = False) -> int:
    kind = "question" if target == "interview" else "comment"
    d = departments.by_code(s, "mzj")
    row = Contribution(
        kind=kind, target=target, slug=slug, article=None, department_id=d.id if d else None,
        name=f"张{n}", phone=f"1381234{n:04d}", text=f"第 {n} 条意见：建议增加助餐点。",
        text_hash=str(n), submitted_at=at(submitted), status="published" if published else "pending",
        public_text=f"第 {n} 条意见：建议增加助餐点。" if published else "", hide_reason="",
        adoption="partly" if published else "", adoption_reason="部分采纳" if published else "",
        answer="")
    s.add(row)
    s.flush()
    return row.id


def answer(s: Any, survey: str, n: int, submitted: date) -> int:
    row = SurveyResponse(survey=survey, submitted_at=at(submitted), answers={"advice": "多建停车场"},
                         name=f"李{n}", phone=f"1390000{n:04d}")
    s.add(row)
    s.flush()
    s.add(SurveyText(response_id=row.id, survey=survey, question=4, text="多建停车场",
                     published=True, public_text="多建停车场"))
    s.add(SurveyCount(survey=survey, question=0, option=0, shard=0, n=1))
    return row.id


def purge_at(app: Flask, now: datetime, **kwargs: Any) -> retention.PurgeResult:
    with app.app_context():
        return retention.purge(db.get_engine(app).begin, app.config, now=now, **kwargs)


def when_cutoff_is(app: Flask, day: date) -> datetime:
    """An instant whose message cutoff (midnight, RETENTION_MESSAGE_MONTHS earlier) is ``day``
    (a day of month up to 28, which every month has)."""
    months = int(app.config["RETENTION_MESSAGE_MONTHS"])
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    later = date(y, m + 1, day.day)
    assert retention.months_before(later, months) == day
    return datetime.combine(later, time(12), tzinfo=county_zone(app.config)).astimezone(UTC)


def test_contributions_and_named_answers_lose_name_and_phone_after_the_period(
        app: Flask) -> None:
    cut = TODAY - timedelta(days=5)
    cut = cut.replace(day=min(cut.day, 28))  # months_before keeps the day
    with app.app_context():
        s = db.new_session()
        try:
            old_comment = contribution(s, "consultation", "closed-draft", TODAY - timedelta(days=20),
                                       1, published=True)
            old_question = contribution(s, "interview", "past", TODAY - timedelta(days=11), 2)
            # the draft is still open (and its hearing is to come): kept
            open_comment = contribution(s, "consultation", "open-draft", TODAY - timedelta(days=20), 3)
            # content gone: the last contribution's day stands in
            orphan_old = contribution(s, "consultation", "removed", cut - timedelta(days=30), 4)
            orphan_recent = contribution(s, "consultation", "removed-late", TODAY, 5)
            old_answer = answer(s, "named-closed", 1, TODAY - timedelta(days=20))
            open_answer = answer(s, "named-open", 2, TODAY - timedelta(days=2))
            s.commit()
        finally:
            s.close()
    now = when_cutoff_is(app, cut)
    assert retention.cutoffs(app.config, now)["message"].astimezone(
        county_zone(app.config)).date() == cut

    preview = purge_at(app, now, dry_run=True)
    assert (preview.contributions, preview.survey_answers) == (3, 1)
    assert "将删除 3 条意见" in preview.summary() and "1 份调查答卷" in preview.summary()
    result = purge_at(app, now)
    assert (result.contributions, result.survey_answers) == (3, 1)
    assert purge_at(app, now).contributions == 0  # idempotent

    with app.app_context():
        s = db.new_session()
        try:
            def personal(model: Any, i: int) -> list[str]:
                return personal_data.contribution_values(s.get(model, i)) if model is Contribution \
                    else personal_data.survey_values(s.get(model, i))
            for gone in (old_comment, old_question, orphan_old):
                assert personal(Contribution, gone) == []
            for kept in (open_comment, orphan_recent):
                assert personal(Contribution, kept) != []
            assert personal(SurveyResponse, old_answer) == []
            assert personal(SurveyResponse, open_answer) == ["李2", "13900000002"]
            # what the public reads, the moderation and the counts stay
            row = s.get(Contribution, old_comment)
            assert row is not None
            assert (row.status, row.adoption, row.text) == ("published", "partly",
                                                            "第 1 条意见：建议增加助餐点。")
            assert row.public_text == "第 1 条意见：建议增加助餐点。"
            assert [e.action for e in row.events] == ["purge"]
            assert s.scalar(select(func.count()).select_from(ContributionEvent)) == 3
            assert s.scalar(select(func.count()).select_from(Contribution)) == 5
            assert s.scalar(select(func.count()).select_from(SurveyText)
                            .where(SurveyText.published.is_(True))) == 2
            assert s.scalar(select(func.sum(SurveyCount.n))) == 2
            assert s.get(SurveyResponse, old_answer).answers == {"advice": "多建停车场"}
        finally:
            s.close()


def test_nothing_is_erased_before_the_period(app: Flask) -> None:
    with app.app_context():
        s = db.new_session()
        try:
            contribution(s, "consultation", "closed-draft", TODAY - timedelta(days=20), 1)
            answer(s, "named-closed", 1, TODAY - timedelta(days=20))
            s.commit()
        finally:
            s.close()
    result = purge_at(app, datetime.now(UTC))
    assert (result.contributions, result.survey_answers) == (0, 0)
