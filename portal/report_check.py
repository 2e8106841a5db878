"""``scripts/check`` rules of the disclosure law that need the working-day calendar or the
annual report (issue 20): the holiday schedule due dates need, the annual report, the 公开指南, and
Art. 26 (a document published within 20 working days of being made).

The calendar is formsvc's (``formsvc.domain.workdays``): the one that counts the service's due
dates, with the same holiday files.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from formsvc import config as formsvc_config
from formsvc.domain.workdays import Calendar, HolidayFileError, schedule_warning
from portal.check import WARNING, Problem

if TYPE_CHECKING:
    from portal.check import Site
    from portal.frontmatter import Document


def calendar() -> Calendar:
    """The calendar formsvc counts due dates with (its settings' holiday file)."""
    return Calendar.from_file(formsvc_config.holidays_file(formsvc_config.load()))


def check(docs: list[tuple[str, Document]], site: Site, today: date) -> list[Problem]:
    """Every rule of this module over the parsed documents of ``site``."""
    where = site.display("")
    try:
        cal = calendar()
    except HolidayFileError as exc:
        return [Problem(where, 0, f"节假日文件无法读取：{exc}", WARNING)]
    warning = schedule_warning(cal, today)
    return [Problem(where, 0, warning, WARNING)] if warning else []
