"""电子监察's rules, declared once: how fast a department must sign for a message, the warning
grades, the notices a supervisor issues, and the performance scoring rule with its version.

Everything that counts, grades or scores (stats, the grading run, the performance table, the
monthly report) reads these names; a change of weights is a new ``RULE_VERSION`` so that stored
scores always say which rule produced them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta

# 响应率: a dispatched message counts as answered promptly when the department signs for it
# within this many working days of the dispatch (the day of dispatch is day 0)
SIGN_WITHIN_WORKING_DAYS = 1

# 预警 grades. Yellow is the workbench's "due soon" (DUE_SOON_DAYS, the existing warning window),
# red its "overdue": both read formsvc/services/workbench/queries.deadline_clause.
GRADE_NONE = ""
GRADE_YELLOW = "yellow"
GRADE_RED = "red"
GRADE_LABELS: dict[str, str] = {GRADE_NONE: "正常", GRADE_YELLOW: "黄色预警", GRADE_RED: "红色预警"}
# the deadline state of formsvc/services/deadlines.Deadline → grade
GRADE_OF_STATE: dict[str, str] = {"due_soon": GRADE_YELLOW, "overdue": GRADE_RED}

# the notices a supervisor issues; the department must answer each one
NOTICE_KINDS: dict[str, str] = {"duban": "督办通知", "jiucuo": "纠错通知"}
# working days a department has to answer a notice (shown on the notice, counted as late after)
NOTICE_ANSWER_DAYS = 3


@dataclass(frozen=True)
class ScoringRule:
    """How a department's month, quarter or year is scored (0–100).

    Each rate (0–1) is weighted; ``overdue_penalty`` points come off per message still overdue,
    at most ``overdue_cap``. A rate without a denominator counts as full marks (nothing to fail).
    """

    version: str
    weights: tuple[tuple[str, float], ...]
    overdue_penalty: float
    overdue_cap: float

    def score(self, rates: dict[str, float | None], overdue: int) -> float:
        """The score of one department from its rates and its overdue count."""
        total = sum(weight * (1.0 if rates.get(name) is None else float(rates[name] or 0))
                    for name, weight in self.weights)
        penalty = min(self.overdue_cap, self.overdue_penalty * overdue)
        return round(max(0.0, total * 100 - penalty), 2)


# The county's rule. Content freshness is not weighted: portal/freshness.py judges columns, not
# departments, so there is no per-department figure to weigh yet (docs/supervision.md).
RULE = ScoringRule(
    version="2026.1",
    weights=(("response_rate", 0.20), ("on_time_rate", 0.30), ("satisfaction_rate", 0.25),
             ("reply_rate", 0.15), ("notice_answer_rate", 0.10)),
    overdue_penalty=2.0,
    overdue_cap=20.0,
)
RATE_LABELS: dict[str, str] = {
    "response_rate": "响应率", "on_time_rate": "按期答复率", "satisfaction_rate": "满意率",
    "reply_rate": "答复率", "notice_answer_rate": "督办回复率",
}
# below this many messages in the period a department is listed, unranked (as in stats)
MIN_COUNT_KEY = "STATS_MIN_COUNT"

# period kinds of the performance table
PERIOD_KINDS: dict[str, str] = {"month": "月度", "quarter": "季度", "year": "年度"}


@dataclass(frozen=True)
class Period:
    """A month (``2026-11``), a quarter (``2026-Q4``) or a year (``2026``): receipt dates in it."""

    kind: str
    key: str
    start: date
    end: date  # inclusive

    @property
    def label(self) -> str:
        """The period as a heading says it."""
        if self.kind == "month":
            return f"{self.start.year}年{self.start.month}月"
        if self.kind == "quarter":
            return f"{self.start.year}年第{(self.start.month - 1) // 3 + 1}季度"
        return f"{self.start.year}年"

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return parse_period(_key(self.kind, self.start - timedelta(days=1)))


def _key(kind: str, day: date) -> str:
    if kind == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if kind == "quarter":
        return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"
    return f"{day.year:04d}"


_PERIOD_RE = re.compile(r"^([0-9]{4})(?:-(0[1-9]|1[0-2])|-Q([1-4]))?$")


def parse_period(text: str | None) -> Period:
    """The period a key names; ValueError with a Chinese message for anything else."""
    # NFKC: full-width digits and dashes from a Chinese input method read as ASCII
    m = _PERIOD_RE.fullmatch(unicodedata.normalize("NFKC", text).strip()) \
        if isinstance(text, str) else None
    if not m or not 2000 <= int(m.group(1)) <= 2100:
        raise ValueError("统计期格式应为 2026-11（月）、2026-Q4（季度）或 2026（年）")
    year = int(m.group(1))
    if m.group(2):
        month = int(m.group(2))
        start, kind = date(year, month, 1), "month"
        end = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
    elif m.group(3):
        q = int(m.group(3))
        start, kind = date(year, 3 * q - 2, 1), "quarter"
        end = date(year + (q == 4), (3 * q) % 12 + 1, 1) - timedelta(days=1)
    else:
        start, end, kind = date(year, 1, 1), date(year, 12, 31), "year"
    return Period(kind, _key(kind, start), start, end)


def month_of(day: date) -> Period:
    """The month ``day`` falls in."""
    return parse_period(_key("month", day))
