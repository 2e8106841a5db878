"""Working days: China's official holidays and make-up working days (调休), and how a due date was counted.

Sources, in order: the override file (``HOLIDAYS_FILE``, default ``instance/holidays.yml``), then the
schedules kept under version control in ``formsvc/domain/holidays/<year>.yml`` (the State Council's
notice for a year the installed package predates, added once published), then the
``chinesecalendar`` package, then — for a year none knows — weekends and the holidays whose dates
never move (元旦, 劳动节, 国庆节: ``FIXED_HOLIDAYS``), with a warning, because the State Council
publishes each year's schedule only in November of the year before (``schedule_warning``).

Override file format (YAML, keys are years)::

    2027:
      holidays:                      # days off (法定节假日及调休放假)
        - {date: 2027-01-01, name: 元旦}
        - {from: 2027-02-05, to: 2027-02-11, name: 春节}
      workdays:                      # weekend days that are working days (调休上班)
        - {date: 2027-02-14, name: 春节调休上班}

A year listed in the file is taken as complete: its unlisted days follow the weekend rule and no
warning is given. Single dates listed for a year the package knows correct the package. A year the
override file lists replaces that year's schedule from ``formsvc/domain/holidays/``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import chinese_calendar
import yaml

log = logging.getLogger(__name__)

# chinesecalendar names holidays in English; citizens read Chinese.
HOLIDAY_NAMES_ZH = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
WEEKDAYS_ZH = "一二三四五六日"

# Holidays on fixed dates (《全国年节及纪念日放假办法》 as revised in 2024, Art. 2): a year no
# schedule covers still never counts them as working days. The lunar holidays and the make-up
# days (调休) come only with the State Council's schedule.
FIXED_HOLIDAYS: dict[tuple[int, int], str] = {
    (1, 1): "元旦", (5, 1): "劳动节", (5, 2): "劳动节",
    (10, 1): "国庆节", (10, 2): "国庆节", (10, 3): "国庆节",
}
# Schedules under version control, one file per year in the override file's format.
SCHEDULES_DIR = Path(__file__).with_name("holidays")
# The State Council publishes next year's schedule in (late) October or November.
SCHEDULE_EXPECTED = (11, 1)


class HolidayFileError(ValueError):
    """The override file cannot be read; the message names the file and the problem in Chinese."""


@dataclass(frozen=True)
class Day:
    date: date
    workday: bool
    reason: str  # "weekday", "weekend", "holiday", "makeup"
    name: str = ""  # holiday name, for holidays and make-up days
    source: str = "weekend-rule"  # "override", "chinesecalendar", "weekend-rule"

    def as_dict(self) -> dict[str, Any]:
        """The day for JSON."""
        return {"date": self.date.isoformat(), "weekday": "周" + WEEKDAYS_ZH[self.date.weekday()],
                "reason": self.reason, "name": self.name, "source": self.source,
                "label": self.label}

    @property
    def label(self) -> str:
        """What the day is, in Chinese (国庆节放假, 调休上班, 周末 …)."""
        if self.reason == "holiday":
            return f"{self.name or '节假日'}放假"
        if self.reason == "makeup":
            return f"{self.name}调休上班" if self.name else "调休上班"
        if self.reason == "weekend":
            return "周末"
        return "工作日"


@dataclass
class Count:
    """A due date and how it was counted, for the receipt page, the tracking page and the API."""

    start: date  # the receipt date; counting starts the next day
    working_days: int
    due: date
    skipped: list[Day] = field(default_factory=list)  # weekends and holidays not counted
    makeup: list[Day] = field(default_factory=list)  # weekend days counted as working days
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """The count for JSON (a new dict each time; its lists are shared, for reading)."""
        return dict(self._as_dict)

    @cached_property
    def _as_dict(self) -> dict[str, Any]:
        # built once: the calendar hands out the same Count to every submission of a day
        # (Calendar.add_working_days), and nobody changes a Count once counted
        return {
            "start": self.start.isoformat(),
            "working_days": self.working_days,
            "due_date": self.due.isoformat(),
            "skipped": [d.as_dict() for d in self.skipped],
            "makeup_workdays": [d.as_dict() for d in self.makeup],
            "warnings": list(self.warnings),
            "explanation": self.explanation,
        }

    @property
    def explanation(self) -> str:
        """How the due date of a new message was counted, in one Chinese sentence."""
        return self.explain(self.counting)

    @property
    def counting(self) -> str:
        """Where the count of a new message starts and how long it runs."""
        return f"自受理日 {self.start.isoformat()} 的次日起计算 {self.working_days} 个工作日"

    def explain(self, how: str) -> str:
        """``how`` the count started, then the due date and the days skipped or counted."""
        text = f"{how}，办理期限至 {self.due.isoformat()}"
        holidays = [d for d in self.skipped if d.reason == "holiday"]
        weekends = [d for d in self.skipped if d.reason == "weekend"]
        parts = []
        if weekends:
            parts.append(f"跳过周末 {len(weekends)} 天")
        if holidays:
            names = "、".join(dict.fromkeys(d.name or "节假日" for d in holidays))
            parts.append(f"跳过法定节假日 {len(holidays)} 天（{names}）")
        if self.makeup:
            parts.append("计入调休上班日 " + "、".join(d.date.isoformat() for d in self.makeup))
        if parts:
            text += "；" + "；".join(parts)
        return text + "。"


class Calendar:
    """Answers "is this a working day, and why" from the override file, the package, or weekends."""

    def __init__(self, overrides: dict[date, Day] | None = None,
                 override_years: set[int] | None = None) -> None:
        self.overrides = overrides or {}
        self.override_years = override_years or set()
        # A calendar never changes once built (runtime.calendar() builds a new one when the
        # file changes), so answers are kept: the statistics page asks about the same few
        # thousand days for every message (docs/performance.md).
        self._days: dict[date, Day] = {}
        self._base: date | None = None  # _prefix[i]: working days in (_base, _base + i]
        self._prefix: list[int] = []
        # every submission of a day asks for the same few (receipt date, time limit) pairs
        self._counts: dict[tuple[date, int], Count] = {}

    @classmethod
    def from_file(cls, path: Path | str | None, schedules: Path | None = SCHEDULES_DIR) -> Calendar:
        """The schedules under version control, then the override file at ``path`` over them
        (a missing file is an empty override)."""
        data: dict[Any, Any] = {}
        for year_file in sorted(Path(schedules).glob("*.yml")) if schedules else ():
            data.update(_read_yaml(year_file))
        if path and Path(path).is_file():
            data.update(_read_yaml(Path(path)))
        return cls.from_data(data, str(path or SCHEDULES_DIR))

    @classmethod
    def from_data(cls, data: Any, where: str = "节假日文件") -> Calendar:
        """A calendar from the override file's parsed YAML; errors name ``where``."""
        if not isinstance(data, dict):
            raise HolidayFileError(f"{where}：应以年份为键，如 2027:")
        overrides: dict[date, Day] = {}
        years: set[int] = set()
        for year, spec in data.items():
            try:
                years.add(int(year))
            except (TypeError, ValueError):
                raise HolidayFileError(f"{where}：{year!r} 不是年份") from None
            spec = spec or {}
            for key, workday, reason in (("holidays", False, "holiday"),
                                         ("workdays", True, "makeup")):
                for entry in spec.get(key) or ():
                    for d in _dates(entry, where):
                        overrides[d] = Day(d, workday, reason, str(entry.get("name", "")),
                                           "override")
        return cls(overrides, years)

    def day(self, d: date) -> Day:
        """What ``d`` is: a working day or not, and why."""
        known = self._days.get(d)
        if known is None:
            known = self._days[d] = self._day(d)
        return known

    def working_days_in(self, lo: date, hi: date) -> int:
        """Working days in (lo, hi] for lo <= hi, from a running count over the days seen."""
        if self._base is None or lo < self._base:
            # start a year earlier than asked, so messages in random date order rarely restart it
            self._base, self._prefix = lo - timedelta(days=366), [0]
        need = (hi - self._base).days
        while len(self._prefix) <= need:
            d = self._base + timedelta(days=len(self._prefix))
            self._prefix.append(self._prefix[-1] + (1 if self.day(d).workday else 0))
        return self._prefix[need] - self._prefix[(lo - self._base).days]

    def _day(self, d: date) -> Day:
        if d in self.overrides:
            return self.overrides[d]
        weekend = d.weekday() >= 5
        if d.year not in self.override_years:
            detail = _package_detail(d)
            if detail is not None:
                on_holiday, name = detail
                zh = HOLIDAY_NAMES_ZH.get(name or "", name or "")
                if on_holiday and name:
                    return Day(d, False, "holiday", zh, "chinesecalendar")
                if on_holiday:
                    return Day(d, False, "weekend", "", "chinesecalendar")
                if weekend:  # a weekend day that is not a holiday: 调休上班
                    return Day(d, True, "makeup", zh, "chinesecalendar")
                return Day(d, True, "weekday", "", "chinesecalendar")
        if d.year in self.override_years:
            return Day(d, not weekend, "weekend" if weekend else "weekday", "", "override")
        fixed = FIXED_HOLIDAYS.get((d.month, d.day))
        if fixed:
            return Day(d, False, "holiday", fixed, "weekend-rule")
        return Day(d, not weekend, "weekend" if weekend else "weekday", "", "weekend-rule")

    def knows(self, year: int) -> bool:
        """Whether the holidays of ``year`` are known (file or package)."""
        if year in self.override_years:
            return True
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
        except NotImplementedError:
            return False
        return True

    def add_working_days(self, start: date, days: int) -> Count:
        """The date ``days`` working days after ``start`` (the start day itself is not counted).

        The answer is kept, like the days: callers read it and never change it.
        """
        count = self._counts.get((start, days))
        if count is None:
            if len(self._counts) >= 4096:  # a statistics run over years of dates: start over
                self._counts.clear()
            count = self._counts[(start, days)] = self._count(start, days)
        return count

    def _count(self, start: date, days: int) -> Count:
        count = Count(start=start, working_days=days, due=start)
        d, left = start, days
        unknown: set[int] = set()
        while left > 0:
            d += timedelta(days=1)
            info = self.day(d)
            if info.source == "weekend-rule":
                unknown.add(d.year)
            if info.workday:
                left -= 1
                if info.reason == "makeup":
                    count.makeup.append(info)
            else:
                count.skipped.append(info)
        count.due = d
        for year in sorted(unknown):
            # shown to citizens on the receipt: what the date rests on, not the operators' task
            # (``schedule_warning`` tells staff and the health check to add the year's file)
            msg = f"{year} 年的法定节假日安排尚未收录，期限暂按周末和元旦、劳动节、国庆节计算"
            log.warning("formsvc.domain.workdays: no holiday schedule for %s, counting weekends and "
                        "the fixed-date holidays only", year)
            count.warnings.append(msg)
        return count


def missing_schedules(calendar: Calendar, today: date) -> list[int]:
    """The years whose schedule due dates counted ``today`` need and ``calendar`` lacks: this
    year's always, next year's from 1 November (due dates counted from then may fall in it)."""
    return [y for y in (today.year, today.year + 1)
            if not calendar.knows(y) and (y == today.year
                                          or (today.month, today.day) >= SCHEDULE_EXPECTED)]


# The years the package knows: its get_holiday_detail() finds them again at every call (the
# smallest and largest of its thousands of dates: 30 µs a day, 0.05 CPU-s of each site's build,
# whose check counts 20 working days after every 信息公开 document's date)
_PACKAGE_YEARS = (min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year)


def _package_detail(d: date) -> tuple[bool, str | None] | None:
    """``chinese_calendar.get_holiday_detail(d)`` (day off?, its name), None for a year it lacks."""
    if not _PACKAGE_YEARS[0] <= d.year <= _PACKAGE_YEARS[1]:
        return None
    if d in chinese_calendar.workdays:
        return False, chinese_calendar.workdays[d]
    if d in chinese_calendar.holidays:
        return True, chinese_calendar.holidays[d]
    return d.weekday() > 4, None


def schedule_warning(calendar: Calendar, today: date) -> str:
    """What staff, ``scripts/check``, the health check's readers and the startup log are told
    when a schedule that should be in is missing (``missing_schedules``); "" when none is."""
    missing = missing_schedules(calendar, today)
    if not missing:
        return ""
    years = "、".join(f"{y} 年" for y in missing)
    return (f"{years}的法定节假日安排尚未收录：办理期限暂按周末和元旦、劳动节、国庆节计算，"
            f"春节等节日和调休不计。国务院公布安排后，请照抄通知写入 formsvc/domain/holidays/"
            f"{missing[-1]}.yml（格式见该目录的 README.md；或写入节假日文件）并重新部署。")


def _read_yaml(path: Path) -> dict[Any, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a date like 2027-13-01
        raise HolidayFileError(f"{path}：YAML 格式错误：{exc}") from None
    if not isinstance(data, dict):
        raise HolidayFileError(f"{path}：应以年份为键，如 2027:")
    return data


def _dates(entry: Any, where: str) -> list[date]:
    if not isinstance(entry, dict):
        raise HolidayFileError(f"{where}：每一项应为 {{date: …, name: …}} 或 {{from: …, to: …, name: …}}")
    try:
        if "date" in entry:
            return [_as_date(entry["date"])]
        first, last = _as_date(entry["from"]), _as_date(entry["to"])
    except (KeyError, ValueError, TypeError):
        raise HolidayFileError(f"{where}：日期应写作 YYYY-MM-DD：{entry!r}") from None
    if last < first:
        raise HolidayFileError(f"{where}：结束日期早于开始日期：{entry!r}")
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
