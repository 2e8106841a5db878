"""The working-day calendar: official holidays, 调休 make-up days, and years the package lacks."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from formsvc.domain.workdays import Calendar, HolidayFileError


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
    count = cal.add_working_days(date(2030, 12, 31), 3)  # Tue; 2031-01-01 is Wednesday
    assert count.due == date(2031, 1, 3)
    assert count.warnings and "2031" in count.warnings[0]


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
