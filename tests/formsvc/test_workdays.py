"""The working-day calendar: official holidays, 调休 make-up days, and years the package lacks."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest

from formsvc.domain import workdays
from formsvc.domain.workdays import SCHEDULES_DIR, Calendar, HolidayFileError, schedule_warning


def test_the_packages_days_are_read_as_its_own_function_answers() -> None:
    """The calendar looks the package's dates up itself (its function finds its range of years
    again at every call): every day of the years around it, answered alike."""
    day, last = date(2000, 1, 1), date(2035, 12, 31)
    while day <= last:
        try:
            expected = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError:
            expected = None
        assert workdays._package_detail(day) == expected, day
        day += timedelta(days=1)


def test_national_day_2025_is_skipped_and_named() -> None:
    # 2025-09-30 (Tue) + 1 working day: 10-01..10-08 are 国庆节/中秋节 holidays → 10-09
    count = Calendar().add_working_days(date(2025, 9, 30), 1)
    assert count.due == date(2025, 10, 9)
    skipped = {d.date: d for d in count.skipped}
    assert set(skipped) == {date(2025, 10, i) for i in range(1, 9)}
    assert skipped[date(2025, 10, 1)].reason == "holiday"
    assert skipped[date(2025, 10, 1)].name == "国庆节"
    assert "国庆节" in count.explanation and "跳过法定节假日 8 天" in count.explanation


def test_make_up_sunday_counts_as_working_day() -> None:
    # 2025-09-28 was a Sunday worked in exchange for the National Day holiday (调休上班)
    cal = Calendar()
    assert cal.day(date(2025, 9, 28)).workday
    count = cal.add_working_days(date(2025, 9, 26), 1)  # Friday + 1
    assert count.due == date(2025, 9, 28)
    assert [d.date for d in count.makeup] == [date(2025, 9, 28)]
    assert count.makeup[0].reason == "makeup"
    assert [d.date for d in count.skipped] == [date(2025, 9, 27)]
    assert "调休上班" in count.makeup[0].label
    assert "计入调休上班日 2025-09-28" in count.explanation


def test_five_working_days_across_national_day() -> None:
    count = Calendar().add_working_days(date(2025, 9, 26), 5)
    assert count.due == date(2025, 10, 10)
    assert count.warnings == []


def test_ordinary_weekend_skipped() -> None:
    count = Calendar().add_working_days(date(2025, 11, 21), 1)  # Friday
    assert count.due == date(2025, 11, 24)
    assert [d.reason for d in count.skipped] == ["weekend", "weekend"]


def test_unknown_year_without_override_counts_weekends_and_warns() -> None:
    cal = Calendar()
    assert not cal.knows(2031)
    # Tue; 2031-01-01 (Wed) is 元旦 even unknown, then Thu, Fri, the weekend, Mon
    count = cal.add_working_days(date(2030, 12, 31), 3)
    assert count.due == date(2031, 1, 6)
    assert count.skipped[0].date == date(2031, 1, 1) and count.skipped[0].name == "元旦"
    assert count.warnings == ["2031 年的法定节假日安排尚未收录，期限暂按周末和元旦、劳动节、国庆节计算"]


def test_2027_is_unknown_to_the_package_and_its_fixed_holidays_still_count() -> None:
    """The bug of issue 20: a due date landed on 元旦 2027."""
    cal = Calendar.from_file(None)
    assert cal.knows(2026) and not cal.knows(2027)
    # Thu 2026-12-31 + 1: 元旦 (Fri) is a holiday → Mon 2027-01-04
    assert cal.add_working_days(date(2026, 12, 31), 1).due == date(2027, 1, 4)
    for d, name in ((date(2027, 1, 1), "元旦"), (date(2027, 5, 1), "劳动节"),
                    (date(2027, 5, 2), "劳动节"), (date(2027, 10, 1), "国庆节"),
                    (date(2027, 10, 3), "国庆节")):
        day = cal.day(d)
        assert not day.workday and day.reason == "holiday" and day.name == name, d
    assert cal.day(date(2027, 10, 4)).workday  # a Monday: the rest needs the schedule
    # Fri 2027-04-30 + 1: 5-1 and 5-2 (weekend and 劳动节) → Mon 5-3
    assert cal.add_working_days(date(2027, 4, 30), 1).due == date(2027, 5, 3)
    # Thu 2027-09-30 + 1: 10-1 (Fri), the weekend → Mon 10-4
    assert cal.add_working_days(date(2027, 9, 30), 1).due == date(2027, 10, 4)


def test_schedules_under_version_control_and_the_override_file_over_them(tmp_path: Path) -> None:
    schedules = tmp_path / "holidays"
    schedules.mkdir()
    (schedules / "2031.yml").write_text(
        "2031:\n  holidays:\n    - {from: 2031-01-22, to: 2031-01-28, name: 春节}\n",
        encoding="utf-8")
    cal = Calendar.from_file(None, schedules)
    assert cal.knows(2031) and cal.day(date(2031, 1, 22)).name == "春节"
    assert cal.add_working_days(date(2031, 1, 21), 1).warnings == []
    # the override file lists 2031: its schedule replaces the one under version control
    override = write_override(tmp_path, "2031:\n  holidays:\n    - {date: 2031-01-01, name: 元旦}\n")
    cal = Calendar.from_file(override, schedules)
    assert cal.day(date(2031, 1, 22)).workday and not cal.day(date(2031, 1, 1)).workday
    (schedules / "2032.yml").write_text("2032: [\n", encoding="utf-8")
    with pytest.raises(HolidayFileError, match="2032.yml"):
        Calendar.from_file(None, schedules)


def test_the_shipped_schedules_are_readable() -> None:
    """Every file in formsvc/domain/holidays/ is a schedule of the year it is named after."""
    for path in SCHEDULES_DIR.glob("*.yml"):
        cal = Calendar.from_file(None, path.parent)
        assert int(path.stem) in cal.override_years, path


@pytest.mark.parametrize(("today", "years"), [
    (date(2026, 10, 31), ()),
    (date(2026, 11, 1), (2027,)),
    (date(2026, 12, 6), (2027,)),
    (date(2027, 3, 1), (2027,)),
    (date(2027, 11, 2), (2027, 2028)),
])
def test_schedule_warning_from_1_november(today: date, years: tuple[int, ...]) -> None:
    text = schedule_warning(Calendar(), today)
    assert bool(text) == bool(years)
    for y in years:
        assert f"{y} 年" in text
    if years:
        assert f"formsvc/domain/holidays/{years[-1]}.yml" in text


def test_a_schedule_in_the_file_silences_the_warning(tmp_path: Path) -> None:
    path = write_override(tmp_path, "2027:\n  holidays:\n    - {date: 2027-01-01, name: 元旦}\n")
    assert schedule_warning(Calendar.from_file(path), date(2026, 12, 6)) == ""


def write_override(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "holidays.yml"
    p.write_text(text, encoding="utf-8")
    return p


def test_unknown_year_uses_override_file(tmp_path: Path) -> None:
    path = write_override(tmp_path, """
2031:
  holidays:
    - {date: 2031-01-01, name: 元旦}
    - {from: 2031-01-22, to: 2031-01-28, name: 春节}
  workdays:
    - {date: 2031-01-19, name: 春节调休上班}
""")
    cal = Calendar.from_file(path)
    assert cal.knows(2031)
    count = cal.add_working_days(date(2030, 12, 31), 1)
    # 2030 is also unknown to the package (weekend rule, warning); 2031-01-01 is 元旦 from the file
    assert count.due == date(2031, 1, 2)
    assert count.skipped[0].name == "元旦" and count.skipped[0].source == "override"
    assert count.warnings == []
    # a make-up Sunday from the file
    sunday = cal.day(date(2031, 1, 19))
    assert sunday.workday and sunday.reason == "makeup" and sunday.source == "override"
    spring = cal.add_working_days(date(2031, 1, 21), 1)  # Tue before 春节 → Wed 01-29
    assert spring.due == date(2031, 1, 29)
    assert [d.date.day for d in spring.skipped] == list(range(22, 29))


def test_override_corrects_a_known_year(tmp_path: Path) -> None:
    path = write_override(tmp_path, "2025:\n  holidays:\n    - {date: 2025-11-24, name: 县庆}\n")
    count = Calendar.from_file(path).add_working_days(date(2025, 11, 21), 1)
    assert count.due == date(2025, 11, 25)


def test_missing_override_file_is_empty(tmp_path: Path) -> None:
    assert Calendar.from_file(tmp_path / "none.yml").overrides == {}


@pytest.mark.parametrize("text", [
    "- 2027\n",
    "2027:\n  holidays:\n    - {date: 2027-13-01}\n",
    "2027:\n  holidays:\n    - {from: 2027-02-10, to: 2027-02-01}\n",
    "abc:\n  holidays: []\n",
])
def test_bad_override_file_raises_a_chinese_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(HolidayFileError) as exc:
        Calendar.from_file(write_override(tmp_path, text))
    assert "holidays.yml" in str(exc.value)


def test_count_as_dict_shape() -> None:
    d = Calendar().add_working_days(date(2025, 9, 26), 5).as_dict()
    assert d["due_date"] == "2025-10-10" and d["start"] == "2025-09-26"
    assert d["makeup_workdays"][0]["date"] == "2025-09-28"
    assert d["makeup_workdays"][0]["weekday"] == "周日"


def test_counts_are_kept_and_equal_a_fresh_count() -> None:
    cal = Calendar()
    first = cal.add_working_days(date(2025, 9, 30), 15)
    assert cal.add_working_days(date(2025, 9, 30), 15) is first
    assert first == Calendar().add_working_days(date(2025, 9, 30), 15)
    assert first.due == date(2025, 10, 28)  # 8 holiday days and 2 weekends skipped
    assert cal.add_working_days(date(2025, 9, 30), 1).due == date(2025, 10, 9)
