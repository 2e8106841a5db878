"""意见征集 and 在线访谈 in the checker: dates in order, articles numbered, department known;
and ``portal.participation``'s one rule of when a draft or an interview is open."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from portal import participation

from .util import edit, errors, line_of, only, problems

DRAFT = "hd/yjzj/jiage-jiandu-banfa.md"
INTERVIEW = "hd/ft/jiage-fangtan.md"


def test_close_before_open_is_an_error_at_its_line(site: Path) -> None:
    edit(site / DRAFT, "closes: 2024-06-30", "closes: 2024-05-30")
    p = only(problems(site), "早于开始日期")
    assert p.line == line_of(site / DRAFT, "closes:")


def test_impossible_date_is_an_error(site: Path) -> None:
    edit(site / DRAFT, "opens: 2024-06-01", "opens: 2024-02-30")
    assert any("opens" in p.message for p in errors(site))


def test_unknown_department_is_an_error(site: Path) -> None:
    edit(site / INTERVIEW, "department: scjgj", "department: nosuch")
    assert any("nosuch" in p.message for p in errors(site))


def test_article_numbers_must_run_from_one(site: Path) -> None:
    edit(site / DRAFT, "  - number: 2", "  - number: 3")
    p = only(problems(site), "条号是 3，应为 2")
    assert p.line == line_of(site / DRAFT, "number: 3")


def test_article_number_of_the_wrong_type_is_an_error(site: Path) -> None:
    edit(site / DRAFT, "  - number: 2", "  - number: 二")
    assert any("number" in p.message for p in errors(site))


def test_registration_after_the_hearing_is_an_error(site: Path) -> None:
    edit(site / DRAFT, "registration_deadline: 2024-06-20", "registration_deadline: 2024-06-29")
    only(problems(site), "晚于听证日期")


def test_interview_ending_before_it_starts_is_an_error(site: Path) -> None:
    edit(site / INTERVIEW, 'ends: "2024-06-20 11:00"', 'ends: "2024-06-20 09:00"')
    only(problems(site), "不晚于开始时间")


def test_draft_is_open_until_midnight_china_time_of_its_close_date(site: Path) -> None:
    draft = participation.load_consultations(site)["jiage-jiandu-banfa"]
    # 2024-06-30 23:59 in China is 15:59 UTC; 2024-07-01 00:00 China is 16:00 UTC
    assert draft.phase(datetime(2024, 6, 30, 15, 59, tzinfo=UTC)) == participation.OPEN
    assert draft.phase(datetime(2024, 6, 30, 16, 0, tzinfo=UTC)) == participation.CLOSED
    assert draft.phase(datetime(2024, 5, 31, 15, 59, tzinfo=UTC)) == participation.NOT_YET
    assert [a.number for a in draft.articles] == [1, 2]
    assert draft.hearing is not None and draft.hearing.place == "县市场监管局会议室"


def test_interview_takes_questions_before_and_during_not_after(site: Path) -> None:
    interview = participation.load_interviews(site)["jiage-fangtan"]
    assert interview.accepts_questions(datetime(2024, 6, 19, tzinfo=UTC))
    assert interview.phase(datetime(2024, 6, 20, 2, 0, tzinfo=UTC)) == participation.OPEN
    assert not interview.accepts_questions(datetime(2024, 6, 20, 3, 0, tzinfo=UTC))


def test_unparsable_file_is_skipped_by_the_loader(site: Path) -> None:
    (site / "hd/yjzj/broken.md").write_text("---\ntitle: [\n---\n", encoding="utf-8")
    assert "broken" not in participation.load_consultations(site)
